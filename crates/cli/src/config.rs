//! The validated configuration of a run. Nothing below this module sees a clap type.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use engine::input::paths::NameFilter;
use engine::logparse::haproxy::LogFormat as HaproxyFormat;
use engine::logparse::haproxy::conf::{Conf as HaproxyConf, SelectError as HaproxySelectError};
use engine::logparse::nginx::access::LogFormat;
use engine::logparse::nginx::access::conf::{Conf, SelectError};
use engine::logparse::{Class, Format, Timestamp, Tz};
use engine::tz::TzError;
use engine::{Filter, Input};

use crate::format_file::FileArg;

/// What to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Mode {
    /// Print one JSON object per event.
    Events {
        /// Add the raw line to each event.
        raw: bool,
        /// Also print a record for every line that is not an event.
        unparsed: bool,
        /// Write CSV rows instead of JSON lines.
        csv: bool,
    },
    /// Print a summary in the given format.
    Summary {
        /// The report format.
        output: Output,
    },
    /// Print counts per upstream over time.
    Timeline(TimelineConfig),
    /// Find spikes and tie them to deploys.
    Spikes(Box<SpikesConfig>),
    /// Write the HTML report.
    Report(Box<ReportConfig>),
    /// Follow the inputs and serve metrics.
    Watch(Box<WatchConfig>),
    /// Print one JSON object per backend signal line.
    Signals {
        /// Also print a record for every line that is not a signal.
        unparsed: bool,
        /// Print merged episodes instead of lines.
        episodes: bool,
    },
}

/// The settings of `watch`.
#[derive(Clone, Debug, PartialEq)]
pub struct WatchConfig {
    /// Where to serve /metrics, /healthz and /spikes.
    pub listen: std::net::SocketAddr,
    /// Read the files present at start from their beginning.
    pub from_start: bool,
    /// The most distinct `upstream` (and `group`) label values.
    pub max_series: usize,
}

/// The formats of `timeline`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimelineOutput {
    /// Aligned text with a sparkline per upstream.
    Table,
    /// One JSON object.
    Json,
    /// Long-form CSV.
    Csv,
}

/// The settings of `timeline`.
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineConfig {
    /// The bucket size in seconds.
    pub bucket: i64,
    /// The report format.
    pub output: TimelineOutput,
    /// Deploy times (Unix seconds) to mark in the table.
    pub deploys: Vec<i64>,
}

/// The formats of `spikes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpikesOutput {
    /// One explained paragraph per spike, then the deploy report.
    Table,
    /// One JSON object.
    Json,
    /// One CSV row per spike.
    Csv,
}

/// The settings of `spikes`.
#[derive(Clone, Debug, PartialEq)]
pub struct SpikesConfig {
    /// The report format.
    pub output: SpikesOutput,
    /// Exit 1 when a spike is found.
    pub fail_on_spike: bool,
    /// Detection and attribution: the scan's settings, the markers, `--service-map`,
    /// `--deploy-skew`, `--method`.
    pub analysis: engine::timeline::analysis::Settings,
}

/// The settings of `report`.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportConfig {
    /// Where the page goes, opened before any input is read.
    pub out: OutFile,
    /// The bucket size in seconds, `None` for automatic.
    pub bucket: Option<i64>,
    /// Spike detection and attribution, as `spikes` runs them by default.
    pub analysis: engine::timeline::analysis::Settings,
}

/// A file a command writes, opened when the arguments are read: a path that cannot be written
/// fails the run at once, before any input (a log, a deploy file, standard input) is read.
///
/// The file is opened without being truncated, and [`OutFile::start`] empties it only when the
/// output is about to be written: until then an earlier file at that path stays as it was. A
/// file this run created and never started is removed when the last clone is dropped, so a run
/// that fails leaves no empty file behind.
#[derive(Clone, Debug)]
pub struct OutFile(std::sync::Arc<OutFileInner>);

#[derive(Debug)]
struct OutFileInner {
    path: PathBuf,
    file: std::fs::File,
    created: bool,
    started: std::sync::atomic::AtomicBool,
}

impl OutFile {
    /// Opens `path` for writing, creating it when it does not exist.
    pub fn open(path: PathBuf) -> Result<OutFile> {
        let existed = path.symlink_metadata().is_ok();
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("cannot write the report to {}", path.display()))?;
        let started = std::sync::atomic::AtomicBool::new(false);
        Ok(OutFile(std::sync::Arc::new(OutFileInner { path, file, created: !existed, started })))
    }

    /// The path as given.
    pub fn path(&self) -> &Path {
        &self.0.path
    }

    /// Empties the file (a regular file: `/dev/null` or a pipe cannot be truncated) and returns
    /// it, to write the output from its start.
    pub fn start(&self) -> std::io::Result<&std::fs::File> {
        self.0.started.store(true, std::sync::atomic::Ordering::Relaxed);
        if self.0.file.metadata()?.is_file() {
            self.0.file.set_len(0)?;
        }
        Ok(&self.0.file)
    }
}

impl PartialEq for OutFile {
    fn eq(&self, other: &OutFile) -> bool {
        self.0.path == other.0.path
    }
}

impl Drop for OutFileInner {
    fn drop(&mut self) {
        if self.created && !*self.started.get_mut() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// `--color`: when tables are colored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorWhen {
    /// When standard output is a terminal and `NO_COLOR` is unset or empty.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// The format of the summary report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// Aligned plain text.
    Table,
    /// One JSON object.
    Json,
    /// Long-form CSV.
    Csv,
}

/// The configuration of a run.
#[derive(Clone, Debug)]
pub struct Config {
    /// What to do.
    pub mode: Mode,
    /// The inputs, in the order given.
    pub inputs: Vec<Input>,
    /// No PATH was given: standard input is read because nothing else was named.
    pub stdin_by_default: bool,
    /// How the engine reads and parses them: format, zone, year, filter, chunking, threads.
    pub engine: engine::Options,
    /// Inside directories, keep only files this matches.
    pub glob: Option<NameFilter>,
    /// Whether to show the progress bar when stderr is a terminal.
    pub progress: bool,
    /// Re-print the live summary every few seconds while reading (summary on a terminal).
    pub follow: bool,
    /// `--color`.
    pub color: ColorWhen,
}

/// The arguments before validation, as the command line gave them.
pub struct Raw {
    /// What to do.
    pub mode: Mode,
    /// Files; empty or `-` for standard input.
    pub files: Vec<OsString>,
    /// The fixed format, `None` for auto.
    pub format: Option<Format>,
    /// `--tz`.
    pub tz: String,
    /// `--nginx-log-format`: a format, a directive, or a file holding one.
    pub nginx_log_format: Option<OsString>,
    /// `--haproxy-log-format`: a format, an option name, or a haproxy.cfg holding one.
    pub haproxy_log_format: Option<OsString>,
    /// `--envoy-log-format`: an Envoy format string.
    pub envoy_log_format: Option<String>,
    /// `--year`.
    pub year: Option<i32>,
    /// `--class` values.
    pub classes: Vec<String>,
    /// `--upstream` values.
    pub upstreams: Vec<OsString>,
    /// `--since`.
    pub since: Option<String>,
    /// `--until`.
    pub until: Option<String>,
    /// How to read the inputs (`--glob` still as text).
    pub reading: RawReading,
    /// `--color`.
    pub color: ColorWhen,
}

/// The reading options before validation.
#[derive(Default)]
pub struct RawReading {
    /// `-j/--threads`.
    pub threads: Option<usize>,
    /// `--glob`.
    pub glob: Option<String>,
    /// `--no-mmap`.
    pub no_mmap: bool,
    /// `--quiet`.
    pub quiet: bool,
    /// `--follow`.
    pub follow: bool,
}

impl Config {
    /// Validates `raw`.
    pub fn new(raw: Raw) -> Result<Config> {
        let tz = parse_tz(&raw.tz)?;
        let mut inputs: Vec<Input> = raw.files.into_iter().map(Input::from_arg).collect();
        let stdin_by_default = inputs.is_empty();
        if stdin_by_default {
            inputs.push(Input::stdin());
        }

        let mut filter = Filter::default();
        for name in &raw.classes {
            let class: Class = name.trim().parse().context("invalid --class")?;
            filter.keep_class(class);
        }
        for u in raw.upstreams {
            if u == "-" {
                filter.keep_no_upstream();
            } else {
                filter.keep_upstream(u.as_encoded_bytes());
            }
        }
        let since = raw.since.as_deref().map(|s| parse_time(s, &tz, "--since")).transpose()?;
        let until = raw.until.as_deref().map(|s| parse_time(s, &tz, "--until")).transpose()?;
        if let (Some(s), Some(u)) = (since, until) {
            if s >= u {
                bail!("--since ({s}) must be before --until ({u})");
            }
        }
        if let Some(s) = since {
            filter.since(s);
        }
        if let Some(u) = until {
            filter.until(u);
        }
        let access_format = raw.nginx_log_format.as_deref().map(parse_log_format).transpose()?;
        let haproxy_format =
            raw.haproxy_log_format.as_deref().map(parse_haproxy_format).transpose()?;
        let envoy_format = raw
            .envoy_log_format
            .as_deref()
            .map(|f| {
                engine::logparse::envoy::LogFormat::new(f).map_err(|e| {
                    anyhow::anyhow!(
                        "invalid --envoy-log-format: {e} (give the format string as in the \
                         access log's `format:`, e.g. '[%START_TIME%] \"%REQ(:METHOD)% \
                         %REQ(:PATH)% %PROTOCOL%\" %RESPONSE_CODE% %RESPONSE_FLAGS% \
                         %UPSTREAM_HOST%')"
                    )
                })
            })
            .transpose()?;
        let glob = raw
            .reading
            .glob
            .as_deref()
            .map(|g| NameFilter::new(g).with_context(|| format!("invalid --glob pattern {g:?}")))
            .transpose()?;
        Ok(Config {
            mode: raw.mode,
            inputs,
            stdin_by_default,
            engine: engine::Options {
                format: raw.format,
                tz,
                access_format,
                haproxy_format,
                envoy_format,
                year: raw.year,
                filter,
                chunked: !raw.reading.no_mmap,
                threads: raw.reading.threads,
            },
            glob,
            progress: !raw.reading.quiet,
            follow: raw.reading.follow,
            color: raw.color,
        })
    }
}

/// Reads `--nginx-log-format`: a configuration file (`FILE[:NAME]`, see [`FileArg::of`]) or
/// the format itself.
fn parse_log_format(value: &std::ffi::OsStr) -> Result<LogFormat> {
    const FLAG: &str = "--nginx-log-format";
    if let Some(file) = FileArg::of(value, b'$') {
        return nginx_conf_format(&file, &file.read(FLAG)?)
            .with_context(|| format!("{FLAG} {}", value.to_string_lossy()));
    }
    let text = value.to_str().context("--nginx-log-format: the format is not UTF-8")?;
    LogFormat::new(text).with_context(|| {
        format!("invalid {FLAG} (give the format as written in nginx.conf, e.g. `log_format main '$remote_addr [$time_local] \"$request\" $status';`, or a file holding such directives)")
    })
}

/// Reads `--haproxy-log-format`: a built-in format by its option name, a haproxy.cfg
/// (`FILE[:NAME]`, see [`FileArg::of`]) or the `log-format` string itself.
fn parse_haproxy_format(value: &std::ffi::OsStr) -> Result<HaproxyFormat> {
    const FLAG: &str = "--haproxy-log-format";
    let text = value.to_str();
    if let Some(f) = text.and_then(|t| HaproxyFormat::new(t).ok()).filter(|f| f.name().is_some()) {
        return Ok(f);
    }
    if let Some(file) = FileArg::of(value, b'%') {
        let path = file.path.display().to_string();
        let conf = HaproxyConf::parse(&file.read(FLAG)?)
            .with_context(|| format!("{FLAG} {path}: a log-format does not compile"))?;
        return conf.select(file.name.as_deref()).map_err(|e| match e {
            HaproxySelectError::Ambiguous(..) => {
                anyhow::anyhow!("{FLAG} {path}: {e}: choose one with {FLAG} {path}:NAME")
            }
            e => anyhow::anyhow!("{FLAG} {path}: {e}"),
        });
    }
    let text = text.context("--haproxy-log-format: the format is not UTF-8")?;
    HaproxyFormat::new(text).with_context(|| {
        format!("invalid {FLAG} (give the log-format as written in haproxy.cfg, e.g. '%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %tsc %ac/%fc/%bc/%sc/%rc %{{+Q}}r', a built-in format such as `option httplog`, or a haproxy.cfg)")
    })
}

/// The format `file` names among the `log_format` directives of `text`, its content.
fn nginx_conf_format(file: &FileArg, text: &str) -> Result<LogFormat> {
    let path = file.path.display();
    let conf = Conf::parse(text)?;
    conf.select(file.name.as_deref()).map_err(|e| {
        let skipped: Vec<String> =
            conf.includes().iter().map(|i| format!("{} (line {})", i.path, i.line)).collect();
        let includes = if skipped.is_empty() {
            String::new()
        } else {
            format!("; include directives are not followed: {}", skipped.join(", "))
        };
        match e {
            SelectError::NoFormat => anyhow::anyhow!(
                "the file has no log_format directive (write the format as `log_format NAME '...';`, or give the format itself){includes}"
            ),
            SelectError::Ambiguous(..) => {
                anyhow::anyhow!("{e}: choose one with --nginx-log-format {path}:NAME{includes}")
            }
            e => anyhow::anyhow!("{e}{includes}"),
        }
    })
}

/// Parses `--tz`: `UTC`/`Z`, a fixed offset (`+02:00`, `-0500`, `+02`), or an IANA name.
pub fn parse_tz(s: &str) -> Result<Tz> {
    engine::tz::zone(s).map_err(|e| match e {
        TzError::BadOffset(_) => anyhow::anyhow!(
            "invalid --tz offset {s:?} (expected +HH:MM, -HHMM or +HH, at most 25 hours)"
        ),
        TzError::UnknownZone(_, reason) => anyhow::anyhow!(
            "unknown --tz zone {s:?} (expected an IANA name like Europe/Paris, UTC, or an offset like +02:00): {reason}"
        ),
        other => anyhow::anyhow!("invalid --tz {s:?}: {other}"),
    })
}

/// Parses a `--since`/`--until` value: RFC 3339 with an offset, or `YYYY-MM-DD[ HH:MM[:SS]]`
/// (a `T` may replace the space) read as local time in `tz`.
pub fn parse_time(s: &str, tz: &Tz, flag: &str) -> Result<Timestamp> {
    engine::tz::parse_time(s, tz).with_context(|| {
        format!(
            "invalid {flag} value {s:?} (expected RFC 3339 like 2024-07-01T10:00:00Z, or \
             YYYY-MM-DD[ HH:MM[:SS]] in the --tz zone)"
        )
    })
}

#[cfg(test)]
impl Raw {
    /// Arguments as the command line gives them with no option: `events`, standard input.
    pub(crate) fn for_tests() -> Raw {
        Raw {
            mode: Mode::Events { raw: false, unparsed: false, csv: false },
            files: vec![],
            format: None,
            tz: "UTC".into(),
            nginx_log_format: None,
            haproxy_log_format: None,
            envoy_log_format: None,
            year: None,
            classes: vec![],
            upstreams: vec![],
            since: None,
            until: None,
            reading: RawReading::default(),
            color: ColorWhen::Never,
        }
    }
}

#[cfg(test)]
mod tests {
    use engine::logparse::Event;

    use super::*;

    fn utc(s: &str) -> i64 {
        s.parse::<jiff::Timestamp>().unwrap().as_second()
    }

    #[test]
    fn zone_errors_name_the_flag_and_the_value() {
        assert_eq!(parse_tz("Europe/Paris").unwrap(), engine::tz::zone("Europe/Paris").unwrap());
        let msg = format!("{:#}", parse_tz("Mars/Olympus").unwrap_err());
        assert!(msg.contains("--tz") && msg.contains("Mars/Olympus"), "{msg}");
        let msg = format!("{:#}", parse_tz("+99:00").unwrap_err());
        assert!(msg.contains("--tz offset") && msg.contains("+99:00"), "{msg}");
    }

    #[test]
    fn times_in_every_accepted_form() {
        let tz = Tz::Fixed(3600);
        let t = |s| parse_time(s, &tz, "--since").map(|t| t.to_string());
        assert_eq!(t("2024-07-01T10:00:00+02:00").unwrap(), "2024-07-01T08:00:00Z");
        assert_eq!(t("2024-07-01T10:00:00Z").unwrap(), "2024-07-01T10:00:00Z");
        assert_eq!(t("2024-07-01").unwrap(), "2024-06-30T23:00:00Z");
        assert_eq!(t("2024-07-01 10:00").unwrap(), "2024-07-01T09:00:00Z");
        assert_eq!(t("2024-07-01T10:00:30").unwrap(), "2024-07-01T09:00:30Z");
        for bad in ["yesterday", "2024-7-1", "2024-07-01 10", "2024-02-30", "2024-07-01 10:00:0"] {
            let err = format!("{:#}", t(bad).unwrap_err());
            assert!(err.contains("--since") && err.contains(bad), "{err}");
        }
    }

    fn raw() -> Raw {
        Raw::for_tests()
    }

    #[test]
    fn nginx_log_format_errors_say_what_to_give() {
        let mut r = raw();
        r.nginx_log_format = Some("$remote_addr$status".into());
        let err = format!("{:#}", Config::new(r).unwrap_err());
        assert!(err.contains("--nginx-log-format"), "{err}");
        let mut r = raw();
        r.nginx_log_format = Some("$remote_addr [$time_local] $status".into());
        assert!(Config::new(r).unwrap().engine.access_format.is_some());
    }

    #[test]
    fn no_file_means_stdin_and_dash_too() {
        let c = Config::new(raw()).unwrap();
        assert_eq!(c.inputs, [Input { path: None, name: "-".into() }]);
        let c = Config::new(Raw { files: vec!["a.log".into(), "-".into()], ..raw() }).unwrap();
        assert_eq!(c.inputs[0].name, "a.log");
        assert_eq!(c.inputs[1].path, None);
    }

    #[test]
    fn unknown_class_is_a_clear_error() {
        let err = Config::new(Raw { classes: vec!["refused".into()], ..raw() }).unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains("--class") && msg.contains("connect_refused"), "{msg}");
    }

    #[test]
    fn since_must_come_before_until() {
        let r = Raw { since: Some("2024-01-02".into()), until: Some("2024-01-01".into()), ..raw() };
        assert!(format!("{:#}", Config::new(r).unwrap_err()).contains("before --until"));
    }

    #[test]
    fn glob_patterns_are_checked_and_do_not_cross_directories() {
        let r = Raw {
            reading: RawReading { glob: Some("*.log*".into()), ..Default::default() },
            ..raw()
        };
        let g = Config::new(r).unwrap().glob.unwrap();
        assert!(g.matches("error.log.2.gz".as_ref(), "old/error.log.2.gz".as_ref()));
        assert!(!g.matches("error".as_ref(), "error".as_ref()));
        let r =
            Raw { reading: RawReading { glob: Some("a[".into()), ..Default::default() }, ..raw() };
        assert!(format!("{:#}", Config::new(r).unwrap_err()).contains("--glob"));
    }

    #[test]
    fn filters_combine() {
        let r = Raw {
            classes: vec!["connect_refused".into()],
            upstreams: vec!["10.0.0.1:80".into(), "-".into()],
            since: Some("2024-01-01".into()),
            ..raw()
        };
        let f = Config::new(r).unwrap().engine.filter;
        let mut ev = Event::new(Format::NginxError, b"");
        ev.class = engine::logparse::Class::ConnectRefused;
        ev.time = Some(Timestamp::from_unix_seconds(utc("2024-01-01T00:00:00Z")));
        assert!(f.matches(&ev), "no upstream is kept with `-`");
        ev.upstream = Some(b"10.0.0.1:80");
        assert!(f.matches(&ev));
        ev.upstream = Some(b"10.0.0.1:8");
        assert!(!f.matches(&ev), "upstreams match exactly");
        ev.upstream = Some(b"10.0.0.1:80");
        ev.time = None;
        assert!(!f.matches(&ev), "no time fails a time filter");
        ev.time = Some(Timestamp::from_unix_seconds(utc("2023-12-31T23:59:59Z")));
        assert!(!f.matches(&ev));
        ev.time = Some(Timestamp::from_unix_seconds(utc("2024-06-01T00:00:00Z")));
        ev.class = engine::logparse::Class::Info;
        assert!(!f.matches(&ev));
        assert!(Filter::default().is_empty() && !f.is_empty());
    }
}

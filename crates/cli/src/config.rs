//! The validated configuration of a run. Nothing below this module sees a clap type.

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use logparse::nginx::access::LogFormat;
use logparse::{Class, Event, Format, Timestamp, Tz, ZoneTable};

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
    Timeline(crate::spikes::TimelineConfig),
    /// Find spikes and tie them to deploys.
    Spikes(Box<crate::spikes::SpikesConfig>),
    /// Write the HTML report.
    Report(Box<crate::report::html::ReportConfig>),
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

/// One input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    /// The file, `None` for standard input.
    pub path: Option<PathBuf>,
    /// The name shown in output: the path as given (bytes that are not UTF-8 as `\xNN`), or
    /// `-` for standard input.
    pub name: String,
}

/// How inputs are read.
#[derive(Clone, Debug)]
pub struct Reading {
    /// Worker threads; `None` for one per core.
    pub threads: Option<usize>,
    /// Inside directories, keep only files this matches.
    pub glob: Option<crate::input::paths::NameFilter>,
    /// Memory-map plain files (`false` reads them through a buffer).
    pub mmap: bool,
    /// Whether to show the progress bar when stderr is a terminal.
    pub progress: bool,
    /// Re-print the live summary every few seconds while reading (summary on a terminal).
    pub follow: bool,
}

impl Default for Reading {
    fn default() -> Reading {
        Reading { threads: None, glob: None, mmap: true, progress: true, follow: false }
    }
}

/// Which events to keep.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Kept classes, indexed like [`Class::ALL`]; `None` keeps every class.
    classes: Option<Vec<bool>>,
    /// Kept upstream keys (exact bytes).
    upstreams: Vec<Box<[u8]>>,
    /// Whether events without an upstream key are kept (given as `--upstream -`).
    no_upstream: bool,
    /// Keep events at or after this time.
    since: Option<Timestamp>,
    /// Keep events before this time.
    until: Option<Timestamp>,
}

impl Filter {
    /// Whether the filter keeps every event.
    pub fn is_empty(&self) -> bool {
        self.classes.is_none()
            && self.upstreams.is_empty()
            && !self.no_upstream
            && self.since.is_none()
            && self.until.is_none()
    }

    /// Whether `ev` passes every filter. With a time filter, events without a time fail.
    pub fn matches(&self, ev: &Event<'_>) -> bool {
        if let Some(keep) = &self.classes {
            let i = Class::ALL.iter().position(|&c| c == ev.class);
            if !i.and_then(|i| keep.get(i).copied()).unwrap_or(false) {
                return false;
            }
        }
        if !self.upstreams.is_empty() || self.no_upstream {
            let ok = match ev.upstream_key() {
                Some(key) => self.upstreams.iter().any(|u| **u == *key),
                None => self.no_upstream,
            };
            if !ok {
                return false;
            }
        }
        if self.since.is_some() || self.until.is_some() {
            let Some(t) = ev.time else { return false };
            if self.since.is_some_and(|s| t < s) || self.until.is_some_and(|u| t >= u) {
                return false;
            }
        }
        true
    }
}

/// The configuration of a run.
#[derive(Clone, Debug)]
pub struct Config {
    /// What to do.
    pub mode: Mode,
    /// The inputs, in the order given.
    pub inputs: Vec<Input>,
    /// The fixed format, `None` to detect per line.
    pub format: Option<Format>,
    /// The zone of zone-less timestamps.
    pub tz: Tz,
    /// Which events to keep.
    pub filter: Filter,
    /// The nginx access log's format, when given.
    pub access_format: Option<LogFormat>,
    /// The year of syslog timestamps, when given.
    pub year: Option<i32>,
    /// How inputs are read.
    pub reading: Reading,
    /// `--color`.
    pub color: crate::report::ColorWhen,
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
    pub color: crate::report::ColorWhen,
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
        let mut inputs: Vec<Input> = raw
            .files
            .into_iter()
            .map(|f| {
                if f == "-" {
                    Input { path: None, name: "-".into() }
                } else {
                    let name = logparse::text(f.as_encoded_bytes()).to_string();
                    Input { path: Some(f.into()), name }
                }
            })
            .collect();
        if inputs.is_empty() {
            inputs.push(Input { path: None, name: "-".into() });
        }

        let mut filter = Filter::default();
        if !raw.classes.is_empty() {
            let mut keep = vec![false; Class::ALL.len()];
            for name in &raw.classes {
                let class: Class = name.trim().parse().context("invalid --class")?;
                if let Some(i) = Class::ALL.iter().position(|&c| c == class) {
                    keep[i] = true;
                }
            }
            filter.classes = Some(keep);
        }
        for u in raw.upstreams {
            if u == "-" {
                filter.no_upstream = true;
            } else {
                filter.upstreams.push(u.as_encoded_bytes().into());
            }
        }
        filter.since = raw.since.as_deref().map(|s| parse_time(s, &tz, "--since")).transpose()?;
        filter.until = raw.until.as_deref().map(|s| parse_time(s, &tz, "--until")).transpose()?;
        if let (Some(s), Some(u)) = (filter.since, filter.until) {
            if s >= u {
                bail!("--since ({s}) must be before --until ({u})");
            }
        }
        let access_format = raw.nginx_log_format.as_deref().map(parse_log_format).transpose()?;
        let glob =
            raw.reading.glob.as_deref().map(crate::input::paths::NameFilter::new).transpose()?;
        let reading = Reading {
            threads: raw.reading.threads,
            glob,
            mmap: !raw.reading.no_mmap,
            progress: !raw.reading.quiet,
            follow: raw.reading.follow,
        };
        Ok(Config {
            mode: raw.mode,
            inputs,
            format: raw.format,
            tz,
            filter,
            access_format,
            year: raw.year,
            reading,
            color: raw.color,
        })
    }
}

/// Reads `--nginx-log-format`: the path of a file holding the directive, or the format itself.
fn parse_log_format(value: &std::ffi::OsStr) -> Result<LogFormat> {
    let path = std::path::Path::new(value);
    let (text, origin) = if path.is_file() {
        let text = std::fs::read_to_string(path).with_context(|| {
            format!("--nginx-log-format: cannot read {} as UTF-8 text", path.display())
        })?;
        (text, format!("the log_format in {}", path.display()))
    } else {
        let text = value.to_str().context("--nginx-log-format: the format is not UTF-8")?;
        (text.to_owned(), "--nginx-log-format".to_owned())
    };
    LogFormat::new(&text).with_context(|| {
        format!("invalid {origin} (give the format as written in nginx.conf, e.g. `log_format main '$remote_addr [$time_local] \"$request\" $status';`)")
    })
}

/// The earliest and latest instants a zone table covers; outside them the nearest offset is
/// used (for named zones this is the rule in force at the edge, which is what the zone's
/// current rules would give anyway for any date a log can carry).
const TABLE_FROM: i64 = -2_208_988_800; // 1900-01-01T00:00:00Z
const TABLE_UNTIL: i64 = 7_258_118_400; // 2200-01-01T00:00:00Z

/// Parses `--tz`: `UTC`/`Z`, a fixed offset (`+02:00`, `-0500`, `+02`), or an IANA name.
pub fn parse_tz(s: &str) -> Result<Tz> {
    if s.eq_ignore_ascii_case("utc") || s == "Z" {
        return Ok(Tz::Utc);
    }
    if s.starts_with(['+', '-']) {
        return parse_offset(s).map(Tz::Fixed).with_context(|| {
            format!("invalid --tz offset {s:?} (expected +HH:MM, -HHMM or +HH, at most 25 hours)")
        });
    }
    let zone = jiff::tz::TimeZone::get(s).with_context(|| {
        format!("unknown --tz zone {s:?} (expected an IANA name like Europe/Paris, UTC, or an offset like +02:00)")
    })?;
    Ok(Tz::Table(Arc::new(zone_table(s, &zone)?)))
}

/// The offset in seconds of `+HH:MM`, `-HHMM` or `+HH`.
fn parse_offset(s: &str) -> Option<i32> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, s.get(1..)?),
        b'-' => (-1, s.get(1..)?),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) || rest.matches(':').count() > 1 {
        return None;
    }
    let (h, m) = match digits.len() {
        2 => (digits.parse::<i32>().ok()?, 0),
        4 => (digits.get(..2)?.parse::<i32>().ok()?, digits.get(2..)?.parse::<i32>().ok()?),
        _ => return None,
    };
    if h > 25 || m > 59 {
        return None;
    }
    Some(sign * (h * 3600 + m * 60))
}

/// The table of a named zone's offsets, as spans of local time (see [`ZoneTable`]).
///
/// A transition at UTC instant `T` from offset `a` to offset `b` starts its span at local
/// time `T + max(a, b)`: a wall-clock time skipped when clocks go forward, or repeated when
/// they go back, is read with the offset in force before the change, as `ZoneTable`
/// documents.
fn zone_table(name: &str, zone: &jiff::tz::TimeZone) -> Result<ZoneTable> {
    let start = jiff::Timestamp::from_second(TABLE_FROM)?;
    let mut prev = zone.to_offset(start).seconds();
    let mut spans = vec![(i64::MIN, prev)];
    for t in zone.following(start) {
        let at = t.timestamp().as_second();
        if at >= TABLE_UNTIL {
            break;
        }
        let off = t.offset().seconds();
        spans.push((at + i64::from(prev.max(off)), off));
        prev = off;
    }
    Ok(ZoneTable::new(name, spans))
}

/// Parses a `--since`/`--until` value: RFC 3339 with an offset, or `YYYY-MM-DD[ HH:MM[:SS]]`
/// (a `T` may replace the space) read as local time in `tz`.
pub fn parse_time(s: &str, tz: &Tz, flag: &str) -> Result<Timestamp> {
    if let Ok(t) = s.parse::<jiff::Timestamp>() {
        return Ok(Timestamp::from_unix_micros(t.as_microsecond()));
    }
    parse_local(s.trim(), tz).with_context(|| {
        format!(
            "invalid {flag} value {s:?} (expected RFC 3339 like 2024-07-01T10:00:00Z, or \
             YYYY-MM-DD[ HH:MM[:SS]] in the --tz zone)"
        )
    })
}

fn parse_local(s: &str, tz: &Tz) -> Option<Timestamp> {
    let num = |r: std::ops::Range<usize>, len: usize| -> Option<u32> {
        let d = s.get(r)?;
        (d.len() == len && d.bytes().all(|b| b.is_ascii_digit())).then(|| d.parse().ok())?
    };
    let b = s.as_bytes();
    let (y, mo, d) = (num(0..4, 4)?, num(5..7, 2)?, num(8..10, 2)?);
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let (h, mi, sec) = match b.len() {
        10 => (0, 0, 0),
        16 | 19 => {
            if !matches!(b.get(10), Some(b' ' | b'T')) || b.get(13) != Some(&b':') {
                return None;
            }
            let sec = if b.len() == 19 {
                if b.get(16) != Some(&b':') {
                    return None;
                }
                num(17..19, 2)?
            } else {
                0
            };
            (num(11..13, 2)?, num(14..16, 2)?, sec)
        }
        _ => return None,
    };
    let local = Timestamp::from_civil_utc(y as i32, mo, d, h, mi, sec, 0)?;
    Some(Timestamp::from_unix_seconds(tz.local_to_utc(local.unix_seconds())))
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
            year: None,
            classes: vec![],
            upstreams: vec![],
            since: None,
            until: None,
            reading: RawReading::default(),
            color: crate::report::ColorWhen::Never,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> i64 {
        s.parse::<jiff::Timestamp>().unwrap().as_second()
    }

    #[test]
    fn paris_follows_daylight_saving_time() {
        let tz = parse_tz("Europe/Paris").unwrap();
        let summer = parse_time("2024-07-01 12:00:00", &tz, "--since").unwrap();
        assert_eq!(summer.to_string(), "2024-07-01T10:00:00Z");
        let winter = parse_time("2024-01-15 12:00", &tz, "--since").unwrap();
        assert_eq!(winter.to_string(), "2024-01-15T11:00:00Z");
        // The nginx error log path: local wall clock through the same table.
        let ev = logparse::nginx::error::parse_with(
            b"2024/07/01 12:00:00 [error] 1#1: *1 no live upstreams while connecting to upstream",
            &logparse::Options::with_tz(tz),
        )
        .unwrap();
        assert_eq!(ev.time.unwrap().to_string(), "2024-07-01T10:00:00Z");
    }

    #[test]
    fn skipped_and_repeated_hours_take_the_earlier_offset() {
        let Tz::Table(t) = parse_tz("Europe/Paris").unwrap() else { panic!("not a table") };
        // 2024-03-31 02:30 never happened in Paris; 2024-10-27 02:30 happened twice.
        let gap = utc("2024-03-31T02:30:00Z");
        assert_eq!(t.offset_at_local(gap), 3600);
        assert_eq!(t.offset_at_local(utc("2024-03-31T03:00:00Z")), 7200);
        let fold = utc("2024-10-27T02:30:00Z");
        assert_eq!(t.offset_at_local(fold), 7200);
        assert_eq!(t.offset_at_local(utc("2024-10-27T03:00:00Z")), 3600);
    }

    #[test]
    fn zones_without_daylight_saving_and_far_dates() {
        let tz = parse_tz("Asia/Tokyo").unwrap();
        assert_eq!(tz.local_to_utc(utc("2024-07-01T09:00:00Z")), utc("2024-07-01T00:00:00Z"));
        let ny = parse_tz("America/New_York").unwrap();
        assert_eq!(ny.local_to_utc(utc("2150-07-01T12:00:00Z")), utc("2150-07-01T16:00:00Z"));
    }

    #[test]
    fn offsets_and_utc() {
        assert_eq!(parse_tz("UTC").unwrap(), Tz::Utc);
        assert_eq!(parse_tz("+02:00").unwrap(), Tz::Fixed(7200));
        assert_eq!(parse_tz("-0500").unwrap(), Tz::Fixed(-18000));
        assert_eq!(parse_tz("+05:30").unwrap(), Tz::Fixed(19800));
        assert_eq!(parse_tz("-03").unwrap(), Tz::Fixed(-10800));
        for bad in ["+2", "+02:0", "+0a:00", "+99:00", "+02::00", "Mars/Olympus"] {
            assert!(parse_tz(bad).is_err(), "{bad}");
        }
        let msg = format!("{:#}", parse_tz("Mars/Olympus").unwrap_err());
        assert!(msg.contains("Mars/Olympus") && msg.contains("Europe/Paris"), "{msg}");
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
        assert!(Config::new(r).unwrap().access_format.is_some());
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
        let g = Config::new(r).unwrap().reading.glob.unwrap();
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
        let f = Config::new(r).unwrap().filter;
        let mut ev = Event::new(Format::NginxError, b"");
        ev.class = logparse::Class::ConnectRefused;
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
        ev.class = logparse::Class::Info;
        assert!(!f.matches(&ev));
        assert!(Filter::default().is_empty() && !f.is_empty());
    }
}

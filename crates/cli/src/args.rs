//! The command line, as clap reads it. [`Args::into_config`] turns it into a validated
//! [`Config`]; nothing after that sees a clap type.

use std::ffi::OsString;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, anyhow, bail};
use clap::{Parser, Subcommand, ValueEnum};
use engine::timeline::analysis::{Method, Settings};
use engine::timeline::deploy::{Deploy, ServiceMap};
use engine::timeline::markers::{self, MarkerErrorKind};
use engine::timeline::spikes::Params;

use crate::config::{
    ColorWhen, Config, Mode, Output, ReportConfig, SpikesConfig, SpikesOutput, TimelineConfig,
    TimelineOutput,
};

const FILTERS: &str = "Filters";
const INPUT: &str = "Input";

/// Which upstream failed, how, since when: classify reverse-proxy logs (nginx error and access
/// logs, HAProxy, AWS ALB and Classic ELB) into a fixed taxonomy of upstream failures.
#[derive(Parser, Debug)]
#[command(name = "gatelog", version, about, max_term_width = 100)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print one record per event: JSON lines (NDJSON), or CSV with `-o csv`.
    Events(EventsArgs),
    /// Print counts per upstream and failure class, unparsed lines and hints.
    Summary(SummaryArgs),
    /// Print counts per upstream over time, in buckets, with a sparkline per upstream.
    Timeline(TimelineArgs),
    /// Find spikes of upstream failures, explain them, and tie them to deploys.
    ///
    /// On a stream (standard input), spikes are also printed as they are found: `provisional`
    /// while open, `final` once later lines show them closed; the full report (with the deploy
    /// report) follows when the stream ends.
    Spikes(SpikesArgs),
    /// Write one self-contained HTML page: the summary, a timeline per upstream with spikes
    /// and deploys, the spikes explained, the top messages per class, and the inputs read.
    Report(ReportArgs),
    /// Follow logs like `tail -F` and serve their classified failures as Prometheus metrics.
    ///
    /// `GET /metrics` (Prometheus text, or OpenMetrics when asked for), `GET /healthz` (200
    /// while every input is readable), `GET /spikes` (the spikes found so far, as `spikes -o
    /// json` writes them). Files are followed from their end (see --from-start) through
    /// rotation by rename and by truncation; files that appear later in a directory or under
    /// a pattern are read from their start. SIGTERM ends it at once, with exit code 0.
    Watch(WatchArgs),
    /// Read backend logs (gunicorn, php-fpm, uWSGI, Puma, Unicorn, PM2, Java, Go, the kernel
    /// OOM killer, systemd, Kubernetes events, docker events) and print one JSON record per
    /// line that reports a backend event: `line`, `source`, `kind`, `time`, `time_quality`,
    /// `envelope` and the identity and detail fields the line gave.
    Signals(SignalsArgs),
}

#[derive(clap::Args, Debug)]
struct SignalsArgs {
    #[command(flatten)]
    common: Common,
    /// Also print a record for every line that is not a signal, with the reason.
    #[arg(long, conflicts_with = "episodes")]
    unparsed: bool,
    /// Merge the lines that tell one event (kernel kill, server's SIGKILL line, systemd
    /// result: same pid, container, pod or unit on one host within 5 s) and print one record
    /// per episode, at the end.
    #[arg(long)]
    episodes: bool,
}

#[derive(clap::Args, Debug)]
struct EventsArgs {
    #[command(flatten)]
    common: Common,
    /// Add the whole input line to each event as `raw`.
    #[arg(long)]
    raw: bool,
    /// Also print a record for every line that is not an event.
    ///
    /// Unparsed lines give `{"source","line","unparsed":true,"error","reason"}`, continuation
    /// lines (multi-line entries) give `{"source","line","continuation":true}`. Without
    /// filters, the output then has exactly one record per input line.
    #[arg(long)]
    unparsed: bool,
    /// The records' format: JSON lines, or CSV with a header (columns in `report/csv.rs`).
    #[arg(long, short = 'o', value_enum, default_value_t = EventsOutputArg::Json)]
    output: EventsOutputArg,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum EventsOutputArg {
    Json,
    Csv,
}

#[derive(clap::Args, Debug)]
struct SummaryArgs {
    #[command(flatten)]
    common: Common,
    #[command(flatten)]
    color: ColorArgs,
    /// The report's format.
    #[arg(long, short = 'o', value_enum, default_value_t = OutputArg::Table)]
    output: OutputArg,
    /// Re-print the summary of a live stream's lines read so far every few seconds
    /// (`tail -F error.log | gatelog summary --follow`); only when stdout is a terminal.
    ///
    /// The final summary, of every input, is printed when the stream ends or on Ctrl-C.
    #[arg(long)]
    follow: bool,
}

#[derive(clap::Args, Debug)]
struct Common {
    /// Log files, directories or glob patterns to read; `-` or none reads standard input.
    ///
    /// Directories are read recursively (see --glob). Quoted glob patterns (`'logs/*.gz'`) are
    /// expanded by gatelog. The files of a rotated set (`error.log.2.gz`, `error.log.1`,
    /// `error.log`) are read oldest first. Compressed files (gzip, zstd, bzip2) are recognized
    /// by their content, whatever their name.
    #[arg(value_name = "PATH")]
    files: Vec<OsString>,

    #[command(flatten)]
    reading: ReadingArgs,

    /// The log format; `auto` detects it line by line.
    #[arg(long, value_enum, default_value_t = FormatArg::Auto, help_heading = INPUT)]
    format: FormatArg,

    /// The nginx access log's `log_format`, as written in nginx.conf, or a file defining it.
    ///
    /// Give the format string (`'$remote_addr - [$time_local] "$request" $status ...'`), the
    /// whole directive (`log_format main '...' '...';`), or a configuration file (a whole
    /// nginx.conf works): its `log_format` directives are read wherever they are, comments,
    /// other directives and `include` lines skipped. `FILE:NAME` picks the format named NAME;
    /// `FILE` alone takes the file's only format, or the one its `access_log` directives name.
    /// Without this option, access-log lines are read as `combined` or one of its usual
    /// extensions (nginx `main`, ingress-nginx `upstreaminfo`).
    #[arg(long, value_name = "FORMAT|FILE[:NAME]", help_heading = INPUT)]
    nginx_log_format: Option<OsString>,

    /// HAProxy's `log-format`, a built-in format by its option, or a haproxy.cfg defining it.
    ///
    /// Give the `log-format` string (`'%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B
    /// %tsc ...'`, quoted or with `\ ` as in haproxy.cfg), a built-in format (`option httplog`,
    /// `option httpslog`, `option tcplog`, `option httplog clf`, `option tcplog clf`, the word
    /// `option` optional), or a haproxy.cfg: `FILE:NAME` takes the format the frontend, listen
    /// or defaults section NAME logs with (its own `log-format` or `option`, else its
    /// defaults'); `FILE` alone takes the one format all its frontends use. The `%` variables
    /// read are listed in the docs of `logparse::haproxy::log_format`; the others are skipped.
    /// Without this option, traffic lines are read as the built-in formats, anchored on
    /// `backend/server` and the termination state; a line with a value that does not fit is
    /// left unread. With `--format auto`, custom lines are recognized by their `haproxy` syslog
    /// tag; use `--format haproxy` for lines without one.
    #[arg(long, value_name = "FORMAT|FILE[:NAME]", help_heading = INPUT)]
    haproxy_log_format: Option<OsString>,

    /// An Envoy access-log format string (`format:` of the access log, Istio's
    /// `accessLogFormat`), e.g. `'[%START_TIME%] "%REQ(:METHOD)% %REQ(:PATH)% %PROTOCOL%"
    /// %RESPONSE_CODE% %RESPONSE_FLAGS% %UPSTREAM_HOST%'`.
    ///
    /// Lines are read with it first, then as the built-in layouts (Envoy's and Istio's
    /// default text formats, JSON, key=value). The operators read are listed in the docs of
    /// `logparse::envoy::log_format` (`%START_TIME%`, `%REQ(X)%`, `%RESP(X)%`,
    /// `%RESPONSE_CODE%`, `%RESPONSE_FLAGS%`, `%RESPONSE_CODE_DETAILS%`,
    /// `%UPSTREAM_TRANSPORT_FAILURE_REASON%`, `%UPSTREAM_HOST%`, `%UPSTREAM_CLUSTER%`,
    /// `%DURATION%`, ...); the others are skipped. With `--format auto`, lines no detector
    /// recognizes are tried with it; use `--format envoy` to read every line as Envoy's.
    #[arg(long, value_name = "FORMAT", help_heading = INPUT)]
    envoy_log_format: Option<String>,

    /// The year of syslog timestamps, which carry none (HAProxy `Mmm dd HH:MM:SS` headers).
    ///
    /// By default, for a file: the year of its first line that carries one (in its first
    /// 64 KiB), else the year of the file's modification time; for standard input: the year of
    /// the latest dated line, else the current year. The year then advances when the month
    /// goes back from December to January.
    #[arg(long, value_name = "YEAR", value_parser = clap::value_parser!(i32).range(1970..=9999), help_heading = INPUT)]
    year: Option<i32>,

    /// The zone of timestamps written without one, and of --since/--until dates.
    ///
    /// An IANA name (`Europe/Paris`), `UTC`, or a fixed offset (`+02:00`, `-0500`).
    #[arg(long, value_name = "ZONE", default_value = "UTC", allow_hyphen_values = true, help_heading = INPUT)]
    tz: String,

    /// Keep only events of these classes (repeatable or comma-separated, e.g.
    /// `connect_refused,no_live_upstreams`).
    #[arg(long, value_name = "CLASS", value_delimiter = ',', help_heading = FILTERS)]
    class: Vec<String>,

    /// Keep only events of this upstream (repeatable; exact match on the upstream peer, or the
    /// upstream group for lines that name no peer; `-` for events without either).
    #[arg(long, value_name = "NAME", help_heading = FILTERS)]
    upstream: Vec<OsString>,

    /// Keep only events at or after TIME.
    ///
    /// RFC 3339 (`2024-07-01T10:00:00Z`), or `YYYY-MM-DD[ HH:MM[:SS]]` read in --tz. Events
    /// without a time are dropped when --since or --until is given.
    #[arg(long, value_name = "TIME", help_heading = FILTERS)]
    since: Option<String>,

    /// Keep only events before TIME (same forms as --since).
    #[arg(long, value_name = "TIME", help_heading = FILTERS)]
    until: Option<String>,
}

/// `--color`, on the commands that print tables.
#[derive(clap::Args, Debug)]
struct ColorArgs {
    /// When to color tables: `auto` when standard output is a terminal and `NO_COLOR` is
    /// unset, `always`, or `never`.
    #[arg(long, value_name = "WHEN", value_enum, default_value_t = ColorArg::Auto)]
    color: ColorArg,
}

impl ColorArgs {
    fn when(&self) -> ColorWhen {
        match self.color {
            ColorArg::Auto => ColorWhen::Auto,
            ColorArg::Always => ColorWhen::Always,
            ColorArg::Never => ColorWhen::Never,
        }
    }
}

#[derive(clap::Args, Debug)]
struct ReadingArgs {
    /// In directories, read only files whose name matches PATTERN (`*.log*`, `error.log*`);
    /// a pattern with a `/` is matched against the path below the directory.
    #[arg(long, value_name = "PATTERN", help_heading = INPUT)]
    glob: Option<String>,

    /// The number of worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..), help_heading = INPUT)]
    threads: Option<u16>,

    /// Parse each plain file in order on one thread, instead of in chunks on every thread.
    ///
    /// Files are never mapped in memory (the flag's name stays for the scripts that pass it):
    /// either way a file is read up to its size when opened, and one truncated while it is
    /// read (logrotate's `copytruncate`) is reported, with exit code 2 and the lines read
    /// before the cut in the report.
    #[arg(long, help_heading = INPUT)]
    no_mmap: bool,

    /// Show no progress bar (it is shown only when stderr is a terminal).
    #[arg(long, short = 'q', help_heading = INPUT)]
    quiet: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FormatArg {
    Auto,
    NginxError,
    NginxAccess,
    Haproxy,
    Alb,
    Elb,
    IngressController,
    Envoy,
    Traefik,
    Caddy,
    /// IIS W3C extended logs (plain sites, ARR) and HTTP.sys error logs.
    Iis,
    /// Cloudflare `http_requests` logs (Logpush, Logpull).
    Cloudflare,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum OutputArg {
    Table,
    Json,
    Csv,
}

const DEPLOYS: &str = "Deploys";
const DETECTION: &str = "Detection";

/// Arguments of `gatelog timeline`.
#[derive(clap::Args, Debug)]
struct TimelineArgs {
    #[command(flatten)]
    common: Common,
    #[command(flatten)]
    color: ColorArgs,
    /// The bucket size: `1s`, `10s`, `1m`, `5m`, `1h`, ...
    #[arg(long, value_name = "DURATION", default_value = "1m")]
    bucket: String,
    /// The report's format: a table with a sparkline per upstream, one JSON object, or
    /// long-form CSV (`bucket_start,upstream,class,count,unit`).
    #[arg(long, short = 'o', value_enum, default_value_t = TimelineOutputArg::Table)]
    output: TimelineOutputArg,
    /// A deploy marker, as for `spikes` (repeatable); marked `|` under the table's sparklines.
    #[arg(long, value_name = "MARKER", help_heading = DEPLOYS)]
    deploy: Vec<String>,
    /// A file of deploy markers, as for `spikes` (repeatable).
    #[arg(long, value_name = "FILE", help_heading = DEPLOYS)]
    deploys: Vec<PathBuf>,
}

/// Arguments of `gatelog spikes`.
#[derive(clap::Args, Debug)]
struct SpikesArgs {
    #[command(flatten)]
    common: Common,
    #[command(flatten)]
    color: ColorArgs,
    /// The report's format.
    #[arg(long, short = 'o', value_enum, default_value_t = SpikesOutputArg::Table)]
    output: SpikesOutputArg,
    /// Exit with code 1 when a spike is found (errors still exit 2), for CI and cron jobs.
    #[arg(long)]
    fail_on_spike: bool,

    /// A deploy marker: `TIME[=VERSION][@SERVICE]` (repeatable).
    ///
    /// TIME is RFC 3339 with `Z` or an offset, or `@EPOCH` (seconds or milliseconds); times
    /// without a zone are refused. The long form
    /// `at=TIME,end=TIME,version=V,service=S,env=E,kind=K` gives a rollout's end too.
    #[arg(long, value_name = "MARKER", help_heading = DEPLOYS)]
    deploy: Vec<String>,
    /// A file of deploy markers (repeatable; `-` for standard input): JSON Lines (fields of
    /// Grafana, Datadog, Honeycomb, Sentry, Argo CD and GitHub exports accepted as they are),
    /// CSV with a header, `git log --format='%cI %h %s'`, or `kubectl get events -o json`.
    #[arg(long, value_name = "FILE", help_heading = DEPLOYS)]
    deploys: Vec<PathBuf>,
    /// Which upstreams a service's deploys concern: `SERVICE=UPSTREAM[,UPSTREAM...]`
    /// (repeatable). Without it, service and upstream names are matched word by word.
    #[arg(long, value_name = "MAP", help_heading = DEPLOYS)]
    service_map: Vec<String>,
    /// How far deploy clocks may be off: widens every marker's window on both sides.
    #[arg(long, value_name = "DURATION", default_value = "5s", help_heading = DEPLOYS)]
    deploy_skew: String,

    /// How surprising a spike must be: `low` (p < 1e-9), `normal` (1e-6), `high` (1e-4).
    #[arg(long, value_enum, default_value_t = Sensitivity::Normal, help_heading = DETECTION)]
    sensitivity: Sensitivity,
    /// The fewest errors a spike may have.
    #[arg(long, value_name = "N", default_value_t = 8, help_heading = DETECTION)]
    min_errors: u64,
    /// The length of the trailing baseline each second is compared with.
    #[arg(long, value_name = "DURATION", default_value = "15m", help_heading = DETECTION)]
    baseline: String,
    /// `scan` finds bursts against a trailing baseline (the default); `segments` cuts each
    /// hour into stretches of constant rate (PELT) and reports those well above the hour's
    /// median, which suits slow degradations and long overloads.
    #[arg(long, value_enum, default_value_t = MethodArg::Scan, help_heading = DETECTION)]
    method: MethodArg,
}

/// `--method`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum MethodArg {
    /// The multi-window scan.
    Scan,
    /// PELT segmentation with a Poisson cost.
    Segments,
}

/// The formats of `timeline`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum TimelineOutputArg {
    /// Aligned text with a sparkline per upstream.
    Table,
    /// One JSON object.
    Json,
    /// Long-form CSV.
    Csv,
}

/// The formats of `spikes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum SpikesOutputArg {
    /// One explained paragraph per spike, then the deploy report.
    Table,
    /// One JSON object.
    Json,
    /// One CSV row per spike.
    Csv,
}

/// `--sensitivity`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Sensitivity {
    Low,
    Normal,
    High,
}

impl TimelineArgs {
    /// The `timeline` mode of these arguments.
    fn mode(&self) -> Result<Mode> {
        let bucket = markers::parse_duration(&self.bucket, "--bucket")?;
        if bucket == 0 {
            bail!("--bucket must be at least 1s");
        }
        let (deploys, _) = read_deploys(&self.deploy, &self.deploys, &[])?;
        let deploys = deploys.iter().map(|d| d.start).collect();
        let output = match self.output {
            TimelineOutputArg::Table => TimelineOutput::Table,
            TimelineOutputArg::Json => TimelineOutput::Json,
            TimelineOutputArg::Csv => TimelineOutput::Csv,
        };
        Ok(Mode::Timeline(TimelineConfig { bucket, output, deploys }))
    }
}

impl SpikesArgs {
    /// The `spikes` mode of these arguments (reads the `--deploys` files).
    fn mode(&self) -> Result<Mode> {
        let (deploys, map) = read_deploys(&self.deploy, &self.deploys, &self.service_map)?;
        let baseline = markers::parse_duration(&self.baseline, "--baseline")?;
        if baseline < 60 {
            bail!("--baseline must be at least 1m (it is cut into 60-second blocks)");
        }
        let params = Params {
            alpha: match self.sensitivity {
                Sensitivity::Low => 1e-9,
                Sensitivity::Normal => 1e-6,
                Sensitivity::High => 1e-4,
            },
            min_count: self.min_errors,
            baseline: baseline as usize,
            ..Params::default()
        };
        let output = match self.output {
            SpikesOutputArg::Table => SpikesOutput::Table,
            SpikesOutputArg::Json => SpikesOutput::Json,
            SpikesOutputArg::Csv => SpikesOutput::Csv,
        };
        let method = match self.method {
            MethodArg::Scan => Method::Scan,
            MethodArg::Segments => Method::Segments,
        };
        Ok(Mode::Spikes(Box::new(SpikesConfig {
            output,
            fail_on_spike: self.fail_on_spike,
            analysis: Settings {
                params,
                method,
                deploys,
                map,
                skew: markers::parse_duration(&self.deploy_skew, "--deploy-skew")?,
            },
        })))
    }
}

/// The deploy markers of `--deploy` flags and `--deploys` files, by start, and the
/// `--service-map` entries.
fn read_deploys(
    flags: &[String],
    files: &[PathBuf],
    service_map: &[String],
) -> Result<(Vec<Deploy>, ServiceMap)> {
    let mut deploys = Vec::new();
    for d in flags {
        deploys.push(markers::parse_deploy_flag(d)?);
    }
    for path in files {
        deploys.extend(read_deploys_file(path)?);
    }
    deploys.sort_by_key(|d| d.start);
    let mut map = ServiceMap::new();
    for m in service_map {
        markers::parse_service_map(&mut map, m)?;
    }
    Ok((deploys, map))
}

/// Arguments of `gatelog report`.
#[derive(clap::Args, Debug)]
struct ReportArgs {
    #[command(flatten)]
    common: Common,
    /// The HTML file to write.
    #[arg(long, short = 'o', value_name = "FILE")]
    out: PathBuf,
    /// The timeline's bucket size (`10s`, `1m`, `1h`, ...); by default about 60 buckets over
    /// the span of the logs, rounded to a usual size.
    #[arg(long, value_name = "DURATION")]
    bucket: Option<String>,
    /// A deploy marker, as for `spikes` (repeatable).
    #[arg(long, value_name = "MARKER", help_heading = DEPLOYS)]
    deploy: Vec<String>,
    /// A file of deploy markers, as for `spikes` (repeatable).
    #[arg(long, value_name = "FILE", help_heading = DEPLOYS)]
    deploys: Vec<PathBuf>,
    /// Which upstreams a service's deploys concern, as for `spikes` (repeatable).
    #[arg(long, value_name = "MAP", help_heading = DEPLOYS)]
    service_map: Vec<String>,
}

/// Arguments of `gatelog watch`.
#[derive(clap::Args, Debug)]
struct WatchArgs {
    #[command(flatten)]
    common: Common,
    /// The address and port to serve /metrics, /healthz and /spikes on.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:9469")]
    listen: String,
    /// Read the files present at start from their beginning, not from their end.
    #[arg(long)]
    from_start: bool,
    /// At most this many distinct `upstream` (and `group`) label values; events of the others
    /// are counted under `upstream="other"` (and `group="other"`), and in
    /// `gatelog_folded_events_total`.
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    max_series: u32,
}

impl WatchArgs {
    /// The `watch` mode of these arguments (resolves --listen).
    fn mode(&self) -> Result<Mode> {
        use std::net::ToSocketAddrs as _;
        let listen = self
            .listen
            .to_socket_addrs()
            .with_context(|| {
                format!("--listen {}: give ADDR:PORT, e.g. 127.0.0.1:9469", self.listen)
            })?
            .next()
            .with_context(|| format!("--listen {}: the name has no address", self.listen))?;
        Ok(Mode::Watch(Box::new(crate::config::WatchConfig {
            listen,
            from_start: self.from_start,
            max_series: self.max_series as usize,
        })))
    }
}

/// Reads one `--deploys` file, `-` being standard input.
fn read_deploys_file(path: &Path) -> Result<Vec<Deploy>> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("--deploys -: cannot read standard input")?;
        return Ok(markers::parse_deploys(&text, "-")?);
    }
    markers::read_deploys_file(path).map_err(|e| match e.kind {
        // A file that cannot be read is named with the flag that named it.
        MarkerErrorKind::Read(_) | MarkerErrorKind::NotUtf8 { .. } => anyhow!("--deploys {e}"),
        _ => e.into(),
    })
}

impl ReportArgs {
    /// The `report` mode of these arguments: opens the output first, then reads the
    /// `--deploys` files.
    fn mode(&self) -> Result<Mode> {
        let out = crate::config::OutFile::open(self.out.clone())?;
        let bucket = match &self.bucket {
            Some(b) => {
                let b = markers::parse_duration(b, "--bucket")?;
                anyhow::ensure!(b > 0, "--bucket must be at least 1s");
                Some(b)
            }
            None => None,
        };
        let (deploys, map) = read_deploys(&self.deploy, &self.deploys, &self.service_map)?;
        let analysis =
            Settings { params: Params::default(), method: Method::Scan, deploys, map, skew: 5 };
        Ok(Mode::Report(Box::new(ReportConfig { out, bucket, analysis })))
    }
}

impl Command {
    /// The options every command has.
    fn common(&self) -> &Common {
        match self {
            Command::Events(a) => &a.common,
            Command::Summary(a) => &a.common,
            Command::Timeline(a) => &a.common,
            Command::Spikes(a) => &a.common,
            Command::Report(a) => &a.common,
            Command::Watch(a) => &a.common,
            Command::Signals(a) => &a.common,
        }
    }

    /// The `--deploys` files, for the commands that read them.
    fn deploy_files(&self) -> &[PathBuf] {
        match self {
            Command::Timeline(a) => &a.deploys,
            Command::Spikes(a) => &a.deploys,
            Command::Report(a) => &a.deploys,
            Command::Events(_) | Command::Summary(_) | Command::Watch(_) | Command::Signals(_) => {
                &[]
            }
        }
    }
}

/// Rewords clap's error for an unknown `--option` of a command: clap suggests any option whose
/// name is vaguely alike (`summary --bucket` got "a similar argument exists: '--quiet'") and
/// shows a usage line built around that suggestion. An option that other commands have is
/// named with them instead; a suggestion is kept only when it is a near miss (a typo); and the
/// usage line is the command's own.
fn explain_unknown_option(mut e: clap::Error, argv: &[OsString]) -> clap::Error {
    use clap::CommandFactory as _;
    use clap::builder::StyledStr;
    use clap::error::{ContextKind, ContextValue, ErrorKind};

    if e.kind() != ErrorKind::UnknownArgument {
        return e;
    }
    let Some(ContextValue::String(given)) = e.get(ContextKind::InvalidArg) else { return e };
    let Some(name) = given.strip_prefix("--") else { return e };
    let name = name.split('=').next().unwrap_or(name).to_owned();
    // Options belong to the command, which is always the first argument.
    let Some(command) = argv.get(1).and_then(|a| a.to_str()) else { return e };
    let mut top = Args::command();
    top.build();
    let Some(sub) = top.find_subcommand(command) else { return e };
    let owners: Vec<String> = top
        .get_subcommands()
        .filter(|c| c.get_arguments().any(|a| a.get_long() == Some(name.as_str())))
        .map(|c| format!("`gatelog {}`", c.get_name()))
        .collect();
    if !owners.is_empty() {
        e.remove(ContextKind::SuggestedArg);
        let tip =
            format!("--{name} is an option of {}, not of `gatelog {command}`", join_and(&owners));
        e.insert(ContextKind::Suggested, ContextValue::StyledStrs(vec![StyledStr::from(tip)]));
    } else if let Some(ContextValue::String(suggested)) = e.get(ContextKind::SuggestedArg) {
        let suggested = suggested.trim_start_matches('-');
        if edit_distance(&name, suggested) > (name.chars().count() / 3).max(1) {
            e.remove(ContextKind::SuggestedArg);
        }
    }
    e.insert(ContextKind::Usage, ContextValue::StyledStr(sub.clone().render_usage()));
    e
}

/// `a`, `a and b`, `a, b and c`.
fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The Levenshtein distance between `a` and `b`, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let next = (diagonal + usize::from(ca != cb)).min(row[j] + 1).min(row[j + 1] + 1);
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// Refuses a command line that reads standard input more than once: the first reader would
/// take all of it and the others would get nothing (`--deploys -` with the logs on standard
/// input ran with no log line).
fn check_stdin_read_once(files: &[OsString], deploy_files: &[PathBuf]) -> Result<()> {
    let dash_paths = files.iter().filter(|f| *f == "-").count();
    let dash_deploys = deploy_files.iter().filter(|f| f.as_os_str() == "-").count();
    let logs = if files.is_empty() { "the logs (no PATH given)" } else { "the logs (PATH -)" };
    let logs_read_stdin = files.is_empty() || dash_paths > 0;
    if dash_deploys > 1 {
        bail!("`--deploys -` is given twice, but standard input can be read only once");
    }
    if dash_paths > 1 {
        bail!("PATH - is given twice, but standard input can be read only once");
    }
    if dash_deploys == 1 && logs_read_stdin {
        bail!(
            "standard input is asked for twice: by `--deploys -` and by {logs}; it can be read \
             only once, so give the logs or the deploy markers as files"
        );
    }
    Ok(())
}

impl Args {
    /// Parses the process's arguments, as [`clap::Parser::try_parse`] does; the error for an
    /// unknown option is reworded by [`explain_unknown_option`].
    pub fn try_parse_env() -> Result<Args, clap::Error> {
        let argv: Vec<OsString> = std::env::args_os().collect();
        Args::try_parse_from(&argv).map_err(|e| explain_unknown_option(e, &argv))
    }

    /// Validates the arguments into the run's configuration.
    pub fn into_config(self) -> Result<Config> {
        check_stdin_read_once(&self.command.common().files, self.command.deploy_files())?;
        let mut follow = false;
        // Commands without tables never color: `Never` keeps their output free of escapes.
        let mut color = ColorWhen::Never;
        let (common, mode) = match self.command {
            Command::Events(a) => {
                let csv = matches!(a.output, EventsOutputArg::Csv);
                (a.common, Mode::Events { raw: a.raw, unparsed: a.unparsed, csv })
            }
            Command::Summary(a) => {
                let output = match a.output {
                    OutputArg::Table => Output::Table,
                    OutputArg::Json => Output::Json,
                    OutputArg::Csv => Output::Csv,
                };
                follow = a.follow;
                color = a.color.when();
                (a.common, Mode::Summary { output })
            }
            Command::Timeline(a) => {
                let mode = a.mode()?;
                color = a.color.when();
                (a.common, mode)
            }
            Command::Spikes(a) => {
                let mode = a.mode()?;
                color = a.color.when();
                (a.common, mode)
            }
            Command::Report(a) => {
                let mode = a.mode()?;
                (a.common, mode)
            }
            Command::Watch(a) => {
                let mode = a.mode()?;
                (a.common, mode)
            }
            Command::Signals(a) => {
                (a.common, Mode::Signals { unparsed: a.unparsed, episodes: a.episodes })
            }
        };
        let reading = crate::config::RawReading {
            threads: common.reading.threads.map(usize::from),
            glob: common.reading.glob,
            no_mmap: common.reading.no_mmap,
            quiet: common.reading.quiet,
            follow,
        };
        let format = match common.format {
            FormatArg::Auto => None,
            FormatArg::NginxError => Some(engine::logparse::Format::NginxError),
            FormatArg::NginxAccess => Some(engine::logparse::Format::NginxAccess),
            FormatArg::Haproxy => Some(engine::logparse::Format::Haproxy),
            FormatArg::Alb => Some(engine::logparse::Format::Alb),
            FormatArg::Elb => Some(engine::logparse::Format::Elb),
            FormatArg::IngressController => Some(engine::logparse::Format::IngressController),
            FormatArg::Envoy => Some(engine::logparse::Format::Envoy),
            FormatArg::Traefik => Some(engine::logparse::Format::Traefik),
            FormatArg::Caddy => Some(engine::logparse::Format::Caddy),
            FormatArg::Iis => Some(engine::logparse::Format::Iis),
            FormatArg::Cloudflare => Some(engine::logparse::Format::Cloudflare),
        };
        Config::new(crate::config::Raw {
            mode,
            files: common.files,
            format,
            tz: common.tz,
            nginx_log_format: common.nginx_log_format,
            haproxy_log_format: common.haproxy_log_format,
            envoy_log_format: common.envoy_log_format,
            year: common.year,
            classes: common.class,
            upstreams: common.upstream,
            since: common.since,
            until: common.until,
            reading,
            color,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn edit_distances_and_lists() {
        assert_eq!(edit_distance("folow", "follow"), 1);
        assert_eq!(edit_distance("bucket", "quiet"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("outptu", "output"), 2);
        assert_eq!(join_and(&["a".into()]), "a");
        assert_eq!(join_and(&["a".into(), "b".into(), "c".into()]), "a, b and c");
    }

    #[test]
    fn class_lists_split_on_commas_and_repeat() {
        let a = Args::try_parse_from([
            "gatelog",
            "summary",
            "--class",
            "connect_refused,info",
            "--class",
            "ok",
        ])
        .unwrap();
        let Command::Summary(s) = a.command else { panic!("not summary") };
        assert_eq!(s.common.class, ["connect_refused", "info", "ok"]);
    }
}

//! The command line, as clap reads it. [`Args::into_config`] turns it into a validated
//! [`Config`]; nothing after that sees a clap type.

use std::ffi::OsString;

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};

use crate::config::{Config, Mode, Output};

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
    /// Print one JSON object per event (NDJSON).
    Events(EventsArgs),
    /// Print counts per upstream and failure class, unparsed lines and hints.
    Summary(SummaryArgs),
    /// Print counts per upstream over time, in buckets, with a sparkline per upstream.
    Timeline(crate::spikes::TimelineArgs),
    /// Find spikes of upstream failures, explain them, and tie them to deploys.
    ///
    /// On a stream (standard input), spikes are also printed as they are found: `provisional`
    /// while open, `final` once later lines show them closed; the full report (with the deploy
    /// report) follows when the stream ends.
    Spikes(crate::spikes::SpikesArgs),
    /// Write one self-contained HTML page: the summary, a timeline per upstream with spikes
    /// and deploys, the spikes explained, the top messages per class, and the inputs read.
    Report(crate::report::html::ReportArgs),
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
pub(crate) struct Common {
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

    /// The nginx access log's `log_format`, as written in nginx.conf, or a file holding it.
    ///
    /// Give the format string (`'$remote_addr - [$time_local] "$request" $status ...'`), the
    /// whole directive (`log_format main '...' '...';`), or the path of a file containing the
    /// directive. Without it, access-log lines are read as `combined` or one of its usual
    /// extensions (nginx `main`, ingress-nginx `upstreaminfo`).
    #[arg(long, value_name = "FORMAT|FILE", help_heading = INPUT)]
    nginx_log_format: Option<OsString>,

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

    /// When to color tables: `auto` when standard output is a terminal and `NO_COLOR` is
    /// unset, `always`, or `never`.
    #[arg(long, value_name = "WHEN", value_enum, default_value_t = ColorArg::Auto)]
    color: ColorArg,

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

impl Args {
    /// Validates the arguments into the run's configuration.
    pub fn into_config(self) -> Result<Config> {
        let mut follow = false;
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
                (a.common, Mode::Summary { output })
            }
            Command::Timeline(a) => {
                let mode = a.mode()?;
                (a.common, mode)
            }
            Command::Spikes(a) => {
                let mode = a.mode()?;
                (a.common, mode)
            }
            Command::Report(a) => {
                let mode = a.mode()?;
                (a.common, mode)
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
            FormatArg::NginxError => Some(logparse::Format::NginxError),
            FormatArg::NginxAccess => Some(logparse::Format::NginxAccess),
            FormatArg::Haproxy => Some(logparse::Format::Haproxy),
            FormatArg::Alb => Some(logparse::Format::Alb),
            FormatArg::Elb => Some(logparse::Format::Elb),
        };
        Config::new(crate::config::Raw {
            mode,
            files: common.files,
            format,
            tz: common.tz,
            nginx_log_format: common.nginx_log_format,
            year: common.year,
            classes: common.class,
            upstreams: common.upstream,
            since: common.since,
            until: common.until,
            reading,
            color: match common.color {
                ColorArg::Auto => crate::report::ColorWhen::Auto,
                ColorArg::Always => crate::report::ColorWhen::Always,
                ColorArg::Never => crate::report::ColorWhen::Never,
            },
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

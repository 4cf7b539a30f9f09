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
    Spikes(crate::spikes::SpikesArgs),
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
}

#[derive(clap::Args, Debug)]
struct SummaryArgs {
    #[command(flatten)]
    common: Common,
    /// The report's format.
    #[arg(long, short = 'o', value_enum, default_value_t = OutputArg::Table)]
    output: OutputArg,
}

#[derive(clap::Args, Debug)]
pub(crate) struct Common {
    /// Log files to read; `-` or none reads standard input.
    #[arg(value_name = "FILE")]
    files: Vec<OsString>,

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
    /// By default the year comes from the input's own dated lines, rolling over from December
    /// to January; before any dated line, the current year is assumed.
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
enum OutputArg {
    Table,
    Json,
    Csv,
}

impl Args {
    /// Validates the arguments into the run's configuration.
    pub fn into_config(self) -> Result<Config> {
        let (common, mode) = match self.command {
            Command::Events(a) => (a.common, Mode::Events { raw: a.raw, unparsed: a.unparsed }),
            Command::Summary(a) => {
                let output = match a.output {
                    OutputArg::Table => Output::Table,
                    OutputArg::Json => Output::Json,
                    OutputArg::Csv => Output::Csv,
                };
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

//! The `timeline` and `spikes` commands: their arguments, settings and reports.
//!
//! Both read the inputs like `summary` (same filters), push every kept event into a
//! [`timeline::Aggregator`], and write from it: `timeline` the counts per bucket, `spikes` the
//! spikes of upstream failures with their deploy attributions, then the deploy report.

use std::io::{self, Read as _, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, anyhow, bail};
use clap::ValueEnum;
use timeline::Aggregator;
use timeline::deploy::{AttributionParams, Deploy, ServiceMap};
use timeline::markers::{self, MarkerErrorKind};
use timeline::spikes::Params;

use crate::args::Common;
use crate::config::Mode;

pub mod report;
pub mod timeline_report;

const DEPLOYS: &str = "Deploys";
const DETECTION: &str = "Detection";

/// Arguments of `gatelog timeline`.
#[derive(clap::Args, Debug)]
pub struct TimelineArgs {
    #[command(flatten)]
    pub common: Common,
    /// The bucket size: `1s`, `10s`, `1m`, `5m`, `1h`, ...
    #[arg(long, value_name = "DURATION", default_value = "1m")]
    bucket: String,
    /// The report's format: a table with a sparkline per upstream, one JSON object, or
    /// long-form CSV (`bucket_start,upstream,class,count,unit`).
    #[arg(long, short = 'o', value_enum, default_value_t = TimelineOutput::Table)]
    output: TimelineOutput,
    /// A deploy marker, as for `spikes` (repeatable); marked `|` under the table's sparklines.
    #[arg(long, value_name = "MARKER", help_heading = DEPLOYS)]
    deploy: Vec<String>,
    /// A file of deploy markers, as for `spikes` (repeatable).
    #[arg(long, value_name = "FILE", help_heading = DEPLOYS)]
    deploys: Vec<PathBuf>,
}

/// The formats of `timeline`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TimelineOutput {
    /// Aligned text with a sparkline per upstream.
    Table,
    /// One JSON object.
    Json,
    /// Long-form CSV.
    Csv,
}

/// Arguments of `gatelog spikes`.
#[derive(clap::Args, Debug)]
pub struct SpikesArgs {
    #[command(flatten)]
    pub common: Common,
    /// The report's format.
    #[arg(long, short = 'o', value_enum, default_value_t = SpikesOutput::Table)]
    output: SpikesOutput,
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
    #[arg(long, value_enum, default_value_t = Method::Scan, help_heading = DETECTION)]
    method: Method,
}

/// `--method`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Method {
    /// The multi-window scan.
    Scan,
    /// PELT segmentation with a Poisson cost.
    Segments,
}

/// The formats of `spikes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SpikesOutput {
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

/// The settings of `spikes`.
#[derive(Clone, Debug, PartialEq)]
pub struct SpikesConfig {
    /// The report format.
    pub output: SpikesOutput,
    /// Exit 1 when a spike is found.
    pub fail_on_spike: bool,
    /// The scan's settings.
    pub params: Params,
    /// The deploy markers, by start.
    pub deploys: Vec<Deploy>,
    /// `--service-map`.
    pub map: ServiceMap,
    /// `--deploy-skew`, seconds.
    pub skew: i64,
    /// `--method`.
    pub method: Method,
}

impl TimelineArgs {
    /// The `timeline` mode of these arguments.
    pub fn mode(&self) -> Result<Mode> {
        let bucket = markers::parse_duration(&self.bucket, "--bucket")?;
        if bucket == 0 {
            bail!("--bucket must be at least 1s");
        }
        let (deploys, _) = read_deploys(&self.deploy, &self.deploys, &[])?;
        let deploys = deploys.iter().map(|d| d.start).collect();
        Ok(Mode::Timeline(TimelineConfig { bucket, output: self.output, deploys }))
    }
}

impl SpikesArgs {
    /// The `spikes` mode of these arguments (reads the `--deploys` files).
    pub fn mode(&self) -> Result<Mode> {
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
        Ok(Mode::Spikes(Box::new(SpikesConfig {
            output: self.output,
            fail_on_spike: self.fail_on_spike,
            params,
            deploys,
            map,
            skew: markers::parse_duration(&self.deploy_skew, "--deploy-skew")?,
            method: self.method,
        })))
    }
}

/// The deploy markers of `--deploy` flags and `--deploys` files, by start, and the
/// `--service-map` entries.
pub fn read_deploys(
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

/// Reads one `--deploys` file, `-` being standard input.
fn read_deploys_file(path: &Path) -> Result<Vec<Deploy>> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        io::stdin().read_to_string(&mut text).context("--deploys -: cannot read standard input")?;
        return Ok(markers::parse_deploys(&text, "-")?);
    }
    markers::read_deploys_file(path).map_err(|e| match e.kind {
        // A file that cannot be read is named with the flag that named it.
        MarkerErrorKind::Read(_) => anyhow!("--deploys {e}"),
        _ => e.into(),
    })
}

/// Prints spikes while a stream is read: `provisional` when a spike is found still open (its
/// last error within the scan's quiet gap of the stream's latest second), `final` once it has
/// closed. Each incident is printed once per state, matched across scans by series and
/// overlap (its boundaries can move as more of the stream arrives). The full report, with
/// attribution and the deploy report, follows when the stream ends.
pub struct Live {
    params: Params,
    printed: std::sync::Mutex<Vec<Printed>>,
}

/// An incident printed by [`Live`].
struct Printed {
    series: Option<Box<[u8]>>,
    start: i64,
    end: i64,
    closed: bool,
}

impl Live {
    /// A printer for the scan settings of `c`.
    pub fn new(c: &SpikesConfig) -> Live {
        Live { params: c.params.clone(), printed: std::sync::Mutex::new(Vec::new()) }
    }

    /// Scans the stream read so far and writes the spikes that are new or have just closed.
    pub fn tick(&self, agg: &Aggregator, w: &mut impl Write) -> io::Result<()> {
        let Some((_, latest)) = agg.span() else { return Ok(()) };
        let spikes = timeline::spikes::detect(agg, &self.params);
        let mut printed = self.printed.lock().unwrap_or_else(|e| e.into_inner());
        for s in &spikes {
            let closed = latest - s.end > self.params.split_quiet as i64;
            let seen = printed
                .iter_mut()
                .find(|p| p.series == s.series && p.start <= s.end && s.start <= p.end);
            let state = match seen {
                Some(p) if p.closed || !closed => continue,
                Some(p) => {
                    p.closed = true;
                    "final"
                }
                None => {
                    let series = s.series.clone();
                    printed.push(Printed { series, start: s.start, end: s.end, closed });
                    if closed { "final" } else { "provisional" }
                }
            };
            let top = s.classes.first().map_or(String::new(), |c| {
                format!(", {} {}", c.key, report::pct(c.count, s.count))
            });
            writeln!(
                w,
                "{state} spike {}–{} upstream {}: {} errors vs {} expected, {}{top}",
                report::rfc3339(s.start),
                report::clock(s.end),
                report::name(s.series.as_deref()),
                s.count,
                report::num(s.expected),
                s.p,
            )?;
        }
        w.flush()
    }
}

/// Writes the `timeline` report.
pub fn write_timeline(
    w: &mut impl Write,
    agg: &Aggregator,
    c: &TimelineConfig,
    style: crate::report::Style,
) -> io::Result<()> {
    let tl = timeline::Timeline::new(agg, c.bucket);
    match c.output {
        TimelineOutput::Table => {
            let spikes = timeline::spikes::detect(agg, &Params::default());
            let marks = timeline_report::Marks { spikes: &spikes, deploys: &c.deploys };
            timeline_report::table(w, &tl, style, &marks)
        }
        TimelineOutput::Json => timeline_report::json(w, &tl),
        TimelineOutput::Csv => timeline_report::csv(w, &tl),
    }
}

/// Detects, attributes and writes the `spikes` report; returns how many spikes were found.
pub fn write_spikes(
    w: &mut impl Write,
    agg: &Aggregator,
    c: &SpikesConfig,
    style: crate::report::Style,
) -> io::Result<usize> {
    let a = analyze(agg, c);
    let found = a.found(agg, &c.deploys);
    match c.output {
        SpikesOutput::Table => report::table(w, &found, style)?,
        SpikesOutput::Json => report::json(w, &found)?,
        SpikesOutput::Csv => report::csv(w, &found)?,
    }
    Ok(a.spikes.len())
}

/// What `spikes` finds in an aggregate: the spikes, their attributions, the deploy report and
/// the inferred restarts.
pub struct Analysis {
    /// The spikes, by start.
    pub spikes: Vec<timeline::spikes::Spike>,
    /// The attribution of each spike.
    pub attributions: Vec<Option<timeline::deploy::Attribution>>,
    /// The deploy report, one per marker.
    pub reports: Vec<timeline::deploy::DeployReport>,
    /// Restarts inferred from the logs.
    pub inferred: Vec<timeline::restarts::Inferred>,
}

impl Analysis {
    /// The report's view of the analysis.
    pub fn found<'a>(&'a self, agg: &'a Aggregator, deploys: &'a [Deploy]) -> report::Found<'a> {
        report::Found {
            agg,
            spikes: &self.spikes,
            attributions: &self.attributions,
            deploys,
            reports: &self.reports,
            inferred: &self.inferred,
        }
    }
}

/// Detects and attributes the spikes of `agg` with the settings of `c`.
pub fn analyze(agg: &Aggregator, c: &SpikesConfig) -> Analysis {
    let spikes = match c.method {
        Method::Scan => timeline::spikes::detect(agg, &c.params),
        Method::Segments => {
            let seg = timeline::segments::SegmentParams {
                alpha: c.params.alpha,
                min_count: c.params.min_count,
                ..Default::default()
            };
            timeline::segments::detect(agg, &c.params, &seg)
        }
    };
    let span = agg.span().map_or(1, |(a, b)| b - a + 1);
    let attr = AttributionParams { skew: c.skew, post: 120, span };
    let attributions = timeline::deploy::attribute(&spikes, &c.deploys, &c.map, &attr);
    let reports = timeline::deploy::report(agg, &c.deploys, &c.map, 1e-3);
    let inferred = timeline::restarts::infer(agg, &c.params);
    Analysis { spikes, attributions, reports, inferred }
}

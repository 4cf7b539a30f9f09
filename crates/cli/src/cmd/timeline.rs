//! `gatelog timeline`: counts per upstream over time, in buckets.

use std::io::{self, BufWriter, Write};

use anyhow::{Context, Result};
use engine::timeline::{Aggregator, Timeline};

use crate::config::{Config, TimelineConfig, TimelineOutput};
use crate::report;

/// Writes the timeline of the inputs.
pub fn run(config: &Config, c: &TimelineConfig) -> Result<()> {
    let agg = crate::reading::collect(config, &Aggregator::new, None);
    let mut out = BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    let tl = Timeline::new(&agg, c.bucket);
    match c.output {
        TimelineOutput::Table => {
            let spikes = engine::timeline::spikes::detect(
                &agg,
                &engine::timeline::spikes::Params::default(),
            );
            let marks = report::timeline::Marks { spikes: &spikes, deploys: &c.deploys };
            let style = report::style::Style::for_stdout(config.color);
            report::timeline::table(&mut out, &tl, style, &marks)
        }
        TimelineOutput::Json => report::timeline::json(&mut out, &tl),
        TimelineOutput::Csv => report::timeline::csv(&mut out, &tl),
    }
    .context("writing the timeline")?;
    out.flush().context("writing to standard output")
}

//! `gatelog spikes`: spikes of upstream failures, explained and tied to deploys.
//!
//! On a stream, spikes are printed as they are found (`provisional` while open, `final` once
//! closed; [`engine::timeline::live`]); the full report follows when the stream ends.

use std::io::{self, BufWriter, Write};
use std::sync::Mutex;

use anyhow::{Context, Result};
use engine::timeline::Aggregator;
use engine::timeline::live::LiveSpikes;

use crate::config::{Config, SpikesConfig, SpikesOutput};
use crate::exit::Exit;
use crate::report;
use crate::report::spikes::Found;

/// Detects, attributes and writes the spikes of the inputs.
pub fn run(config: &Config, c: &SpikesConfig) -> Result<Exit> {
    let live = Mutex::new(LiveSpikes::new(c.analysis.params.clone()));
    let print = |agg: &Aggregator| {
        let found = live.lock().unwrap_or_else(|e| e.into_inner()).update(agg);
        let mut o = io::stdout().lock();
        // A failed write shows again in the final report's write.
        for (state, s) in &found {
            let _ = report::spikes::live(&mut o, *state, s);
        }
        let _ = o.flush();
    };
    // The JSON and CSV reports are one document, written at the end only.
    let tick: Option<&(dyn Fn(&Aggregator) + Sync)> =
        (c.output == SpikesOutput::Table).then_some(&print as _);
    let agg = crate::reading::collect(config, &Aggregator::new, tick);
    let analysis = engine::timeline::analysis::analyze(&agg, &c.analysis);
    let found = Found { analysis: &analysis, deploys: &c.analysis.deploys };
    let mut out = BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    match c.output {
        SpikesOutput::Table => {
            report::spikes::table(&mut out, &found, report::style::Style::for_stdout(config.color))
        }
        SpikesOutput::Json => report::spikes::json(&mut out, &found),
        SpikesOutput::Csv => report::spikes::csv(&mut out, &found),
    }
    .context("writing spikes")?;
    out.flush().context("writing to standard output")?;
    let spikes_found = !analysis.spikes.is_empty() && c.fail_on_spike;
    Ok(if spikes_found { Exit::SpikesFound } else { Exit::Success })
}

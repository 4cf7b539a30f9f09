//! `gatelog report`: one self-contained HTML page for an incident review.

use std::io::{BufWriter, Write};

use anyhow::{Context, Result};

use crate::config::{Config, ReportConfig};
use crate::report;

/// Reads the inputs, analyses them and writes the page to `c.out` (opened before the inputs
/// were read).
pub fn run(config: &Config, c: &ReportConfig) -> Result<()> {
    let data = crate::reading::collect(config, &engine::aggregate::Report::default, None);
    let analysis = engine::timeline::analysis::analyze(&data.agg, &c.analysis);
    let path = c.out.path().display();
    let mut out = BufWriter::new(c.out.start().with_context(|| format!("writing {path}"))?);
    report::html::write(&mut out, &data, c, &analysis)
        .and_then(|()| out.flush())
        .with_context(|| format!("writing {path}"))
}

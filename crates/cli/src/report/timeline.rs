//! The `timeline` report: a table with a sparkline per upstream, JSON, and long-form CSV.
//!
//! # `gatelog timeline --output json`
//!
//! ```text
//! {
//!   "schema_version": 1,
//!   "bucket_seconds": 60,
//!   "start": "...Z" | null,            // the first bucket's start
//!   "buckets": N,
//!   "series": [{"upstream": "api" | null, "unit": "attempts" | "responses",
//!               "total": N, "failures": N,
//!               "buckets": [{"start": "...Z", "classes": {"connect_refused": N, ...}}]}]
//! }
//! ```
//!
//! Only buckets with events are listed. `failures` counts upstream failures
//! ([`Class::is_upstream_failure`]), the measure the sparkline and `spikes` use.
//!
//! # `gatelog timeline --output csv`
//!
//! `bucket_start,upstream,class,count,unit`, one row per non-zero (bucket, upstream, class,
//! unit); `upstream` is `-` for events without one. Upstream names are escaped, quoted and
//! guarded against formula evaluation as in `summary --output csv`
//! ([`crate::report::csv::field`]).

use std::io::{self, Write};

use engine::logparse::{Class, Timestamp, text};
use engine::timeline::Timeline;
use serde_json::{Value, json};

use crate::report::style::{Style, sanitize};

/// The widest sparkline; longer timelines are summed into this many cells.
const SPARK: usize = 60;

fn rfc3339(secs: i64) -> String {
    Timestamp::from_unix_seconds(secs).to_string()
}

/// A sparkline of `values` in at most `cells` cells (at least one), scaled to the largest
/// cell.
#[cfg(test)]
pub fn sparkline(values: &[u64], cells: usize) -> String {
    let nonzero: Vec<(usize, u64)> =
        values.iter().copied().enumerate().filter(|&(_, v)| v > 0).collect();
    sparkline_of(values.len(), &nonzero, cells)
}

/// A sparkline of `len` buckets given by their non-zero totals, `(bucket, total)` by bucket, in
/// at most `cells` cells (at least one), scaled to the largest cell: the work is that of the
/// cells drawn and the totals given, not of `len`.
pub fn sparkline_of(len: usize, nonzero: &[(usize, u64)], cells: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let per = len.div_ceil(cells.max(1)).max(1);
    let mut sums = vec![0u64; len.div_ceil(per)];
    for &(i, v) in nonzero {
        if let Some(slot) = sums.get_mut(i / per) {
            *slot += v;
        }
    }
    let max = sums.iter().copied().max().unwrap_or(0);
    sums.iter()
        .map(|&v| {
            if v == 0 {
                ' '
            } else {
                let i = ((v as f64 / max as f64) * 7.0).round() as usize;
                BARS[i.clamp(0, 7)]
            }
        })
        .collect()
}

/// What the text report marks under the sparklines.
#[derive(Default)]
pub struct Marks<'m> {
    /// Spikes, marked `^` under the cells they cover in their own upstream's row.
    pub spikes: &'m [engine::timeline::spikes::Spike],
    /// Deploy times (Unix seconds), marked `|` under their cell in every row.
    pub deploys: &'m [i64],
}

impl Marks<'_> {
    /// The mark row for the upstream `name` over cells of `per` buckets; `None` when blank.
    fn row(&self, tl: &Timeline, name: Option<&[u8]>, per: usize) -> Option<String> {
        let cells = tl.len().div_ceil(per);
        let mut any = false;
        let marks: String = (0..cells)
            .map(|j| {
                let from = tl.bucket_start(j * per);
                let to = tl.bucket_start(((j + 1) * per).min(tl.len()) - 1) + tl.bucket();
                let spike = self
                    .spikes
                    .iter()
                    .any(|s| s.series.as_deref() == name && s.start < to && from <= s.end);
                let deploy = self.deploys.iter().any(|&d| from <= d && d < to);
                any |= spike || deploy;
                if spike {
                    '^'
                } else if deploy {
                    '|'
                } else {
                    ' '
                }
            })
            .collect();
        any.then(|| format!(" {marks} "))
    }
}

/// The text report. With `style.width`, the sparklines are narrowed to fit the terminal;
/// with `style.color`, the top class and the sparkline take the color of the class's group.
/// Under a sparkline, `^` marks the cells of that upstream's spikes and `|` those of deploys.
pub fn table(w: &mut impl Write, tl: &Timeline, style: Style, marks: &Marks<'_>) -> io::Result<()> {
    if tl.is_empty() {
        return writeln!(w, "no events with a time");
    }
    let last = tl.bucket_start(tl.len() - 1);
    // Room for the sparkline: the terminal's width less the other columns (about 70 columns
    // for typical names), never fewer than 10 cells.
    let spark = style.width.map_or(SPARK, |wd| wd.saturating_sub(70).clamp(10, SPARK));
    let per = tl.len().div_ceil(spark).max(1);
    writeln!(
        w,
        "{} buckets of {} s from {} to {}{}",
        tl.len(),
        tl.bucket(),
        rfc3339(tl.bucket_start(0)),
        rfc3339(last + tl.bucket()),
        if per > 1 { format!(" (each sparkline cell sums {per} buckets)") } else { String::new() }
    )?;
    if !marks.spikes.is_empty() || !marks.deploys.is_empty() {
        writeln!(w, "under the sparklines: ^ spike of that upstream, | deploy")?;
    }
    let mut colors: Vec<Option<&'static str>> = vec![None];
    let mut rows: Vec<[String; 6]> = vec![[
        "upstream".into(),
        "unit".into(),
        "failures".into(),
        "peak".into(),
        "top class".into(),
        "upstream failures over time".into(),
    ]];
    for r in tl.rows() {
        let failures = r.bucket_totals(Class::is_upstream_failure);
        let total: u64 = failures.iter().map(|f| f.1).sum();
        let peak = failures.iter().copied().max_by_key(|&(i, v)| (v, std::cmp::Reverse(i)));
        let top = r
            .cells()
            .iter()
            .filter(|c| c.1.is_upstream_failure())
            .fold(std::collections::BTreeMap::<Class, u64>::new(), |mut m, c| {
                *m.entry(c.1).or_default() += c.2;
                m
            })
            .into_iter()
            .max_by_key(|&(c, n)| (n, std::cmp::Reverse(c)));
        colors
            .push(top.filter(|_| style.color).map(|(c, _)| crate::report::style::ansi(c.group())));
        let top = top.map_or_else(|| "-".to_owned(), |(c, _)| c.as_str().to_owned());
        let peak = match peak {
            Some((i, v)) if v > 0 => format!("{v} at {}", rfc3339(tl.bucket_start(i))),
            _ => "-".into(),
        };
        rows.push([
            r.name().map_or_else(|| "-".into(), |n| sanitize(n).into_owned()),
            r.unit().as_str().into(),
            total.to_string(),
            peak,
            top,
            format!("|{}|", sparkline_of(tl.len(), &failures, spark)),
        ]);
        if let Some(m) = marks.row(tl, r.name(), per) {
            colors.push(None);
            rows.push([
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                m,
            ]);
        }
    }
    let mut widths = [0usize; 6];
    for row in &rows {
        for (wd, cell) in widths.iter_mut().zip(row) {
            *wd = (*wd).max(cell.chars().count());
        }
    }
    for (row, color) in rows.iter().zip(&colors) {
        let mut line = String::new();
        for (i, (cell, wd)) in row.iter().zip(widths).enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            let pad = wd - cell.chars().count();
            let painted;
            let cell = match color {
                Some(code) if i >= 4 => {
                    painted = format!("\x1b[{code}m{cell}\x1b[0m");
                    &painted
                }
                _ => cell,
            };
            if i == 2 {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            } else {
                line.push_str(cell);
                if i < 5 {
                    line.push_str(&" ".repeat(pad));
                }
            }
        }
        writeln!(w, "{}", line.trim_end())?;
    }
    Ok(())
}

/// The JSON report.
pub fn json(w: &mut impl Write, tl: &Timeline) -> io::Result<()> {
    let series: Vec<Value> = tl
        .rows()
        .iter()
        .map(|r| {
            let mut buckets: Vec<Value> = Vec::new();
            let mut cur: Option<(usize, serde_json::Map<String, Value>)> = None;
            for &(i, class, n) in r.cells() {
                if cur.as_ref().is_some_and(|c| c.0 != i) {
                    let (ci, m) = cur.take().unwrap_or_default();
                    buckets.push(json!({"start": rfc3339(tl.bucket_start(ci)), "classes": m}));
                }
                cur.get_or_insert_with(|| (i, serde_json::Map::new()))
                    .1
                    .insert(class.as_str().into(), json!(n));
            }
            if let Some((ci, m)) = cur {
                buckets.push(json!({"start": rfc3339(tl.bucket_start(ci)), "classes": m}));
            }
            json!({
                "upstream": r.name().map_or(Value::Null, |n| Value::from(text(n).to_string())),
                "unit": r.unit().as_str(),
                "total": r.total(|_| true),
                "failures": r.total(Class::is_upstream_failure),
                "buckets": buckets,
            })
        })
        .collect();
    let out = json!({
        "schema_version": 1,
        "bucket_seconds": tl.bucket(),
        "start": if tl.is_empty() { Value::Null } else { json!(rfc3339(tl.bucket_start(0))) },
        "buckets": tl.len(),
        "series": series,
    });
    serde_json::to_writer_pretty(&mut *w, &out)?;
    writeln!(w)
}

/// The CSV report.
pub fn csv(w: &mut impl Write, tl: &Timeline) -> io::Result<()> {
    w.write_all(b"bucket_start,upstream,class,count,unit\n")?;
    let mut lines: Vec<(usize, String, Class, u64, &str)> = Vec::new();
    for r in tl.rows() {
        let name = r.name().map_or_else(
            || "-".to_owned(),
            |n| crate::report::csv::field(&text(n).to_string()).into_owned(),
        );
        for &(i, class, n) in r.cells() {
            lines.push((i, name.clone(), class, n, r.unit().as_str()));
        }
    }
    lines.sort_by(|a, b| (a.0, &a.1, a.2, a.4).cmp(&(b.0, &b.1, b.2, b.4)));
    for (i, name, class, n, unit) in lines {
        writeln!(w, "{},{name},{class},{n},{unit}", rfc3339(tl.bucket_start(i)))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparklines_scale_to_the_largest_cell_and_leave_zeros_blank() {
        assert_eq!(sparkline(&[0, 1, 2, 4, 8], SPARK), " ▂▃▅█");
        assert_eq!(sparkline(&[], SPARK), "");
        let long: Vec<u64> = (0..120).map(|i| if i < 2 { 5 } else { 0 }).collect();
        assert_eq!(sparkline(&long, SPARK).chars().count(), 60);
        assert!(sparkline(&long, SPARK).starts_with('█'));
        assert_eq!(sparkline(&long, 12).chars().count(), 12);
    }
}

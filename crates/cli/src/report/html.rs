//! `gatelog report`: one self-contained HTML file for an incident review.
//!
//! The page holds, in this order: the summary table (events per upstream and class), a
//! stacked timeline per upstream (upstream failures per bucket, by class, with deploy markers
//! and spike bands), the spikes with their deploy attribution and the hints of their classes,
//! the most frequent messages of each class with a sample line, and the inputs read (formats,
//! lines, unparsed lines).
//!
//! The file needs nothing but a browser: the style sheet and the charts (SVG) are inline, and
//! there is no script at all. It prints readably (`@media print` drops the colors of the page
//! background and keeps each chart on one page).
//!
//! # Log text
//!
//! Everything taken from a log (upstream names, messages, lines, file names, deploy labels) is
//! written through [`esc`], which escapes `&`, `<`, `>`, `"` and `'`, and only as element
//! text or inside a double-quoted attribute. Nothing from a log is written into a URL, a style
//! or a script. Bytes that are not UTF-8 show as `\xNN`, control characters too
//! ([`super::style::sanitize`]).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use engine::aggregate::Report as ReportData;
use engine::logparse::{Class, Group};
use engine::timeline::analysis::Analysis;
use engine::timeline::bucket::auto_bucket;
use engine::timeline::{Summary, Timeline};

use crate::config::ReportConfig;

/// Log text for HTML: made printable ([`super::style::sanitize`]), then `&<>"'` escaped.
pub fn esc(bytes: &[u8]) -> String {
    let s = super::style::sanitize(bytes);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn esc_name(n: Option<&[u8]>) -> String {
    n.map_or_else(|| "(none)".to_owned(), esc)
}

/// The color of a class group (its charts and its column headers).
pub fn group_color(g: Group) -> &'static str {
    match g {
        Group::Connect => "#d62728",
        Group::Response => "#ff7f0e",
        Group::Protocol => "#9467bd",
        Group::Capacity => "#8c564b",
        Group::Dns => "#e377c2",
        Group::Tls => "#bcbd22",
        Group::App => "#1f77b4",
        Group::Unknown => "#7f7f7f",
        Group::Health => "#17becf",
        Group::Proxy => "#393b79",
        Group::Client => "#aec7e8",
        Group::Ok => "#98df8a",
        _ => "#c7c7c7",
    }
}

fn rfc(secs: i64) -> String {
    super::spikes::rfc3339(secs)
}

const STYLE: &str = r#"
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1200px;padding:0 16px;color:#1d1d1f;background:#fafafa}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555}
table{border-collapse:collapse;margin:8px 0;background:#fff}
.wrap{overflow-x:auto}table.summary th.n{font-size:12px}caption{text-align:left;font-weight:600;padding:4px 0}
th,td{border:1px solid #ddd;padding:3px 8px;vertical-align:top}
th{background:#f0f0f0;text-align:left;font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td.fail{font-weight:600}
.sw{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px;vertical-align:baseline}
.chart{background:#fff;border:1px solid #ddd;margin:8px 0 16px;padding:8px;break-inside:avoid}
.chart h3{font-size:15px;margin:0 0 4px}
svg{display:block;width:100%;height:auto}
.legend span{margin-right:12px;white-space:nowrap;font-size:12px}
.spike{background:#fff;border:1px solid #ddd;border-left:4px solid #d62728;padding:8px 12px;margin:8px 0;break-inside:avoid}
.hint{color:#444;font-size:13px;margin:4px 0 0}
code,pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{white-space:pre-wrap;word-break:break-all;margin:2px 0;background:#f5f5f5;padding:4px 6px}
.muted{color:#777}
@media print{body{background:#fff;margin:0;max-width:none;font-size:11px}.chart,.spike,table{break-inside:avoid}th{background:#eee}}
"#;

/// Writes the page for `data`, with the spikes found in it.
pub fn write(
    w: &mut impl Write,
    data: &ReportData,
    c: &ReportConfig,
    analysis: &Analysis,
) -> io::Result<()> {
    let mut p = String::with_capacity(64 * 1024);
    p.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
    p.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    p.push_str("<title>gatelog report</title>\n<style>");
    p.push_str(STYLE);
    p.push_str("</style></head><body>\n<h1>gatelog report</h1>\n");
    let s = &data.summary;
    let _ = write!(
        p,
        "<p class=\"meta\">{} lines: {} events, {} unparsed, {} filtered out, {} continuation lines",
        s.lines(),
        s.events(),
        s.unparsed(),
        s.excluded(),
        s.continuation()
    );
    if let Some((a, b)) = s.time_range() {
        let _ = write!(p, "; from {a} to {b}");
    }
    p.push_str(".</p>\n");
    summary_table(&mut p, s);
    let bucket =
        c.bucket.unwrap_or_else(|| data.agg.span().map_or(60, |(a, b)| auto_bucket(b - a + 1)));
    timeline_charts(&mut p, data, bucket, c, analysis);
    spike_list(&mut p, data, c, analysis);
    messages(&mut p, data);
    inputs(&mut p, data);
    p.push_str("</body></html>\n");
    w.write_all(p.as_bytes())
}

fn summary_table(p: &mut String, s: &Summary) {
    p.push_str("<h2 id=\"summary\">Summary</h2>\n");
    for unit in s.units() {
        let rows = s.rows(unit);
        let classes: Vec<Class> =
            Class::ALL.into_iter().filter(|&c| s.class_total(unit, c) > 0).collect();
        let _ = write!(
            p,
            "<div class=\"wrap\"><table class=\"summary\" data-unit=\"{}\"><caption>{} per upstream and class</caption>\n<tr><th>upstream</th><th class=\"n\">total</th><th class=\"n\">failures</th>",
            unit.as_str(),
            unit.as_str()
        );
        for c in &classes {
            let _ = write!(
                p,
                "<th class=\"n\"><span class=\"sw\" style=\"background:{}\"></span>{}</th>",
                group_color(c.group()),
                c.as_str()
            );
        }
        p.push_str("</tr>\n");
        for r in rows {
            let _ = write!(
                p,
                "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n fail\">{}</td>",
                esc_name(r.name()),
                r.total(unit),
                r.failures(unit)
            );
            for &c in &classes {
                let n = r.count(unit, c);
                let _ = write!(
                    p,
                    "<td class=\"n\" data-class=\"{}\">{}</td>",
                    c.as_str(),
                    if n == 0 { String::new() } else { n.to_string() }
                );
            }
            p.push_str("</tr>\n");
        }
        let _ = write!(
            p,
            "<tr><th>all</th><th class=\"n\">{}</th><th class=\"n\">{}</th>",
            classes.iter().map(|&c| s.class_total(unit, c)).sum::<u64>(),
            classes
                .iter()
                .filter(|c| c.is_upstream_failure())
                .map(|&c| s.class_total(unit, c))
                .sum::<u64>()
        );
        for &c in &classes {
            let _ = write!(
                p,
                "<th class=\"n\" data-total=\"{}\">{}</th>",
                c.as_str(),
                s.class_total(unit, c)
            );
        }
        p.push_str("</tr></table></div>\n");
    }
}

/// Chart geometry, in SVG user units.
const W: f64 = 1000.0;
const H: f64 = 120.0;
const LEFT: f64 = 48.0;
const BOTTOM: f64 = 18.0;

fn timeline_charts(
    p: &mut String,
    data: &ReportData,
    bucket: i64,
    c: &ReportConfig,
    analysis: &Analysis,
) {
    let _ = write!(
        p,
        "<h2 id=\"timeline\">Timeline</h2>\n<p class=\"meta\">Upstream failures per bucket of {bucket} s, stacked by class; shaded bands are spikes, dashed lines deploys.</p>\n"
    );
    let tl = Timeline::new(&data.agg, bucket);
    if tl.is_empty() {
        p.push_str("<p class=\"muted\">No events with a time.</p>\n");
        return;
    }
    let t0 = tl.bucket_start(0);
    let t1 = tl.bucket_start(tl.len() - 1) + bucket;
    let x_of = |t: i64| LEFT + (W - LEFT) * ((t - t0) as f64 / (t1 - t0).max(1) as f64);
    let bar_w = (W - LEFT) / tl.len() as f64;
    for row in tl.rows() {
        let failures = row.bucket_totals(Class::is_upstream_failure);
        let max = failures.iter().map(|f| f.1).max().unwrap_or(0);
        if max == 0 {
            continue;
        }
        let total: u64 = failures.iter().map(|f| f.1).sum();
        let _ = writeln!(
            p,
            "<div class=\"chart\"><h3>{} <span class=\"muted\">({}, {} failures, peak {} per bucket)</span></h3>",
            esc_name(row.name()),
            row.unit().as_str(),
            total,
            max
        );
        let _ = write!(
            p,
            "<svg viewBox=\"0 0 {W} {}\" role=\"img\" aria-label=\"upstream failures over time\">",
            H + BOTTOM
        );
        // The stacked bars, bucket by bucket (`stack` is the height of the bucket's bars so
        // far).
        let mut stack: Option<(usize, f64)> = None;
        let mut cells: Vec<&(usize, Class, u64)> =
            row.cells().iter().filter(|c| c.1.is_upstream_failure()).collect();
        cells.sort_by_key(|c| (c.0, c.1));
        for &&(i, class, n) in &cells {
            let h = H * n as f64 / max as f64;
            let below = match stack {
                Some((j, height)) if j == i => height,
                _ => 0.0,
            };
            let y = H - below - h;
            stack = Some((i, below + h));
            let _ = write!(
                p,
                "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{}\"><title>{} {}: {n}</title></rect>",
                LEFT + bar_w * i as f64,
                (bar_w - 0.5).max(0.5),
                group_color(class.group()),
                rfc(tl.bucket_start(i)),
                class.as_str()
            );
        }
        // Spike bands over the bars.
        for s in analysis
            .spikes
            .iter()
            .filter(|s| s.series.as_deref() == row.name() && s.unit == row.unit())
        {
            let (a, b) = (x_of(s.start), x_of(s.end + 1));
            let _ = write!(
                p,
                "<rect class=\"band\" x=\"{a:.1}\" y=\"0\" width=\"{:.1}\" height=\"{H}\" fill=\"#000\" fill-opacity=\"0.10\" stroke=\"#000\" stroke-opacity=\"0.5\"><title>spike {} to {}: {} errors</title></rect>",
                (b - a).max(2.0),
                rfc(s.start),
                rfc(s.end),
                s.count
            );
        }
        // Deploy markers.
        for d in &c.analysis.deploys {
            if d.start < t0 || d.start > t1 {
                continue;
            }
            let x = x_of(d.start);
            let _ = write!(
                p,
                "<line x1=\"{x:.1}\" y1=\"0\" x2=\"{x:.1}\" y2=\"{H}\" stroke=\"#000\" stroke-dasharray=\"4 3\"><title>deploy {} at {}</title></line>",
                esc(d.label().as_bytes()),
                rfc(d.start)
            );
        }
        // Axes: the peak on the left, the first and last bucket times below.
        let _ = write!(
            p,
            "<line x1=\"{LEFT}\" y1=\"{H}\" x2=\"{W}\" y2=\"{H}\" stroke=\"#999\"/><text x=\"{:.0}\" y=\"12\" font-size=\"11\" text-anchor=\"end\">{max}</text><text x=\"{LEFT}\" y=\"{}\" font-size=\"11\">{}</text><text x=\"{W}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">{}</text>",
            LEFT - 4.0,
            H + 14.0,
            rfc(t0),
            H + 14.0,
            rfc(t1)
        );
        p.push_str("</svg>\n<div class=\"legend\">");
        let mut seen: Vec<Class> = cells.iter().map(|c| c.1).collect();
        seen.sort();
        seen.dedup();
        for class in seen {
            let _ = write!(
                p,
                "<span><span class=\"sw\" style=\"background:{}\"></span>{}</span>",
                group_color(class.group()),
                class.as_str()
            );
        }
        p.push_str("</div></div>\n");
    }
}

fn spike_list(p: &mut String, data: &ReportData, c: &ReportConfig, analysis: &Analysis) {
    use super::spikes::{mix_item, num};
    p.push_str("<h2 id=\"spikes\">Spikes</h2>\n");
    if analysis.spikes.is_empty() {
        p.push_str("<p class=\"muted\">No spikes of upstream failures.</p>\n");
    }
    let _ = data;
    for (s, a) in analysis.spikes.iter().zip(&analysis.attributions) {
        let _ = write!(
            p,
            "<div class=\"spike\"><b>{}</b> to {} ({} s), upstream <b>{}</b> ({}): <b>{}</b> errors vs {} expected (×{}), {}",
            rfc(s.start),
            rfc(s.end),
            s.seconds(),
            esc_name(s.series.as_deref()),
            s.unit.as_str(),
            s.count,
            num(s.expected),
            num(s.ratio()),
            esc(s.p.to_string().as_bytes())
        );
        let classes: Vec<String> = s
            .class_lines(4)
            .iter()
            .map(|x| {
                let name = x.key.map_or("other", |k| k.as_str()).to_owned();
                mix_item(name, x, s)
            })
            .collect();
        let _ = write!(p, "<br>classes: {}", classes.join(", "));
        if s.baseline_errors == 0 {
            p.push_str(" (no errors before)");
        }
        let peer_lines = s.peer_lines(3);
        if !peer_lines.is_empty() {
            let peers: Vec<String> = peer_lines
                .iter()
                .map(|x| {
                    let name = x.key.map_or_else(|| "other".to_owned(), |k| esc(k));
                    mix_item(name, x, s)
                })
                .collect();
            let _ = write!(p, "<br>peers: {}", peers.join(", "));
        }
        match a {
            Some(a) => {
                let d = &c.analysis.deploys[a.deploy];
                let _ = write!(
                    p,
                    "<br>deploy: {} at {} ({:+} s), {} match, {} signature, {} confidence",
                    esc(d.label().as_bytes()),
                    rfc(d.start),
                    a.delta,
                    a.level.as_str(),
                    a.signature.as_str(),
                    a.confidence.as_str()
                );
            }
            None => p.push_str("<br>deploy: none matches"),
        }
        if let Some(top) = s.classes.first() {
            let _ = write!(
                p,
                "<p class=\"hint\">{}: {}</p>",
                top.key.as_str(),
                esc(top.key.hint().as_bytes())
            );
        }
        p.push_str("</div>\n");
    }
}

fn messages(p: &mut String, data: &ReportData) {
    p.push_str("<h2 id=\"messages\">Top messages per class</h2>\n");
    let names: HashMap<u32, &str> =
        data.inputs.iter().map(|(i, n)| (*i, n.name.as_str())).collect();
    let mut top = data.messages.top();
    top.sort_by_key(|(class, _, n)| (!class.is_upstream_failure(), std::cmp::Reverse(*n)));
    for (class, list, total) in top {
        let _ = write!(
            p,
            "<h3><span class=\"sw\" style=\"background:{}\"></span>{} <span class=\"muted\">({total} events)</span></h3>\n<table class=\"messages\"><tr><th class=\"n\">count</th><th>message and first line</th></tr>\n",
            group_color(class.group()),
            class.as_str()
        );
        for m in list {
            let msg = if m.text.is_empty() {
                "<span class=\"muted\">(no message in this format)</span>".to_owned()
            } else {
                format!("<code>{}</code>", esc(&m.text))
            };
            let at = names.get(&m.sample.source).copied().unwrap_or("-");
            let _ = writeln!(
                p,
                "<tr><td class=\"n\">{}</td><td>{msg}<pre>{}:{}: {}</pre></td></tr>",
                m.count,
                esc(at.as_bytes()),
                m.sample.line,
                esc(&m.sample.text)
            );
        }
        p.push_str("</table>\n");
    }
}

fn inputs(p: &mut String, data: &ReportData) {
    p.push_str("<h2 id=\"inputs\">Inputs</h2>\n<table class=\"inputs\"><tr><th>input</th><th class=\"n\">lines</th><th>formats (events)</th><th class=\"n\">unparsed</th></tr>\n");
    for i in data.inputs.values() {
        let formats: Vec<String> =
            i.formats.iter().map(|(f, n)| format!("{} {n}", f.as_str())).collect();
        let _ = writeln!(
            p,
            "<tr><td>{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
            esc(i.name.as_bytes()),
            i.lines,
            formats.join(", "),
            i.unparsed
        );
    }
    p.push_str("</table>\n");
    let reasons = data.summary.reasons();
    if !reasons.is_empty() {
        p.push_str("<table class=\"reasons\"><tr><th>unparsed: reason</th><th class=\"n\">lines</th><th>first line</th></tr>\n");
        for r in reasons {
            let sample = r.samples.first().map_or(String::new(), |x| {
                format!("{}:{}: {}", esc(x.name.as_bytes()), x.line, esc(&x.text))
            });
            let _ = writeln!(
                p,
                "<tr><td>{}{}</td><td class=\"n\">{}</td><td><pre>{sample}</pre></td></tr>",
                r.format.map_or(String::new(), |f| format!("{}: ", f.as_str())),
                esc(r.reason.as_bytes()),
                r.count
            );
        }
        p.push_str("</table>\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn esc_escapes_markup_and_quotes_and_control_bytes() {
        assert_eq!(
            esc(b"<script>alert('x')</script>"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
        );
        assert_eq!(esc(b"\"><img src=x onerror=y>&"), "&quot;&gt;&lt;img src=x onerror=y&gt;&amp;");
        assert_eq!(esc(b"a\x1b[2J\xff"), "a\\x1B[2J\\xFF");
    }
}

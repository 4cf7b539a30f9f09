//! `gatelog report`: one self-contained HTML file for an incident review.
//!
//! The page reads top-down, the way an on-call engineer reads it:
//!
//! 1. the verdict (`#verdict`): each spike in one sentence, with the deploy or inferred
//!    restart that explains it, then the verdict of each deploy marker;
//! 2. the overview (`#overview`): an upstream x time heatmap of upstream failures, every
//!    upstream on one shared scale, worst first, with spikes outlined, deploys dashed, partial
//!    buckets hatched, and the legend of the class colors;
//! 3. the details (`#details`): a stacked chart per upstream (by class, on the same shared
//!    scale, worst first), the spikes with their statistics and hints, the summary table
//!    (the top classes as columns, the others summed in one), the most frequent messages of
//!    each class with a sample line, and the inputs read (formats, lines, unparsed lines).
//!
//! Every class has a color of its own: a shade of its group's hue (taxonomy groups). Durations
//! print in the largest whole units (`5 min`, `2 h`, `147 d`). The page fits a 1400 px wide
//! window without scrolling sideways. Every number shown is computed in `timeline`
//! ([`Timeline::overview`], [`Timeline::is_partial`], [`Summary::columns`],
//! [`Analysis::cause`]); this module only formats.
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
use engine::logparse::{Class, Format, Group};
use engine::timeline::analysis::{Analysis, Cause};
use engine::timeline::bucket::{Overview, auto_bucket};
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

/// The hue, saturation and lightness range (HSL, degrees and percent) of a class group.
fn group_hsl(g: Group) -> (u16, u8, u8, u8) {
    match g {
        Group::Connect => (0, 75, 30, 70),
        Group::Response => (28, 90, 35, 65),
        Group::Protocol => (275, 50, 35, 70),
        Group::Capacity => (20, 45, 28, 55),
        Group::Dns => (320, 60, 45, 70),
        Group::Tls => (60, 70, 30, 45),
        Group::App => (212, 70, 35, 65),
        Group::Unknown => (0, 0, 40, 60),
        Group::Health => (185, 70, 30, 55),
        Group::Proxy => (240, 40, 30, 50),
        Group::Client => (200, 50, 55, 75),
        Group::Ok => (110, 45, 45, 70),
        _ => (0, 0, 70, 85),
    }
}

/// `n` and the noun, plural unless `n` is 1: `1 event`, `3 events`.
fn counted(n: impl Into<u64>, noun: &str) -> String {
    let n = n.into();
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

/// The swatch of the "other" line of a spike's class mix (the classes past the ones listed):
/// a neutral gray, no group's hue.
const OTHER_COLOR: &str = "#a0a0a0";

/// The color of a class: its group's hue, in a shade of its own within the group (the
/// group's classes from dark to light in taxonomy order), so that no two classes share one.
pub fn class_color(c: Class) -> String {
    let g = c.group();
    let (h, s, dark, light) = group_hsl(g);
    let peers: Vec<Class> = Class::ALL.into_iter().filter(|x| x.group() == g).collect();
    let i = peers.iter().position(|&x| x == c).unwrap_or(0);
    let l = if peers.len() < 2 {
        (u32::from(dark) + u32::from(light)) / 2
    } else {
        u32::from(dark) + (u32::from(light) - u32::from(dark)) * i as u32 / (peers.len() - 1) as u32
    };
    format!("hsl({h},{s}%,{l}%)")
}

/// A duration in the largest whole units, at most two of them: `35 s`, `5 min`, `1 min 30 s`,
/// `2 h`, `147 d`, `3 d 4 h`.
pub fn duration(secs: i64) -> String {
    const UNITS: [(i64, &str); 4] = [(86400, "d"), (3600, "h"), (60, "min"), (1, "s")];
    let sign = if secs < 0 { "-" } else { "" };
    let n = secs.unsigned_abs() as i64;
    let Some(i) = UNITS.iter().position(|&(u, _)| n >= u) else {
        return "0 s".to_owned();
    };
    let (u, name) = UNITS[i];
    let mut out = format!("{sign}{} {name}", n / u);
    if let Some(&(v, small)) = UNITS.get(i + 1) {
        let rest = n % u / v;
        if rest > 0 {
            let _ = write!(out, " {rest} {small}");
        }
    }
    out
}

fn rfc(secs: i64) -> String {
    super::spikes::rfc3339(secs)
}

const STYLE: &str = r#"
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1200px;padding:0 16px;color:#1d1d1f;background:#fafafa}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555}
table{border-collapse:collapse;margin:8px 0;background:#fff;max-width:100%}
table.summary th.n{font-size:12px}caption{text-align:left;font-weight:600;padding:4px 0}
th,td{border:1px solid #ddd;padding:3px 8px;vertical-align:top;overflow-wrap:anywhere}
th{background:#f0f0f0;text-align:left;font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;overflow-wrap:normal}
td.fail{font-weight:600}
.sw{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px;vertical-align:baseline}
.chart{background:#fff;border:1px solid #ddd;margin:8px 0 16px;padding:8px;break-inside:avoid}
.chart h3{font-size:15px;margin:0 0 4px;overflow-wrap:anywhere}
svg{display:block;width:100%;height:auto}
.legend{margin:4px 0}.legend span{margin-right:12px;white-space:nowrap;font-size:12px}.legend b{font-size:12px;margin:0 4px 0 8px}
ul.verdict{padding-left:20px}ul.verdict li{margin:6px 0;overflow-wrap:anywhere}
.spike{background:#fff;border:1px solid #ddd;border-left:4px solid #b2182b;padding:8px 12px;margin:8px 0;break-inside:avoid;overflow-wrap:anywhere}
.hint{color:#444;font-size:13px;margin:4px 0 0}
code,pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{white-space:pre-wrap;word-break:break-all;margin:2px 0;background:#f5f5f5;padding:4px 6px}
code{overflow-wrap:anywhere}
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
        "<p class=\"meta\">{}: {}, {} unparsed, {} filtered out, {}",
        counted(s.lines(), "line"),
        counted(s.events(), "event"),
        s.unparsed(),
        s.excluded(),
        counted(s.continuation(), "continuation line")
    );
    if let Some((a, b)) = s.time_range() {
        let _ = write!(p, "; from {a} to {b}");
    }
    p.push_str(".</p>\n");
    for note in s.formats().filter_map(|(f, _)| f.upstream_note()) {
        let _ = writeln!(p, "<p class=\"meta\">{}</p>", esc(note.as_bytes()));
    }
    let bucket =
        c.bucket.unwrap_or_else(|| data.agg.span().map_or(60, |(a, b)| auto_bucket(b - a + 1)));
    let tl = Timeline::new(&data.agg, bucket);
    let overview = tl.overview(Class::is_upstream_failure);
    verdict(&mut p, c, analysis);
    overview_map(&mut p, &tl, &overview, c, analysis);
    p.push_str("<section id=\"details\">\n");
    timeline_charts(&mut p, &tl, &overview, c, analysis);
    let formats: Vec<_> = s.formats().map(|(f, _)| f).collect();
    spike_list(&mut p, c, analysis, &formats);
    summary_table(&mut p, s);
    join_section(&mut p, s);
    messages(&mut p, data);
    inputs(&mut p, data);
    p.push_str("</section>\n</body></html>\n");
    w.write_all(p.as_bytes())
}

/// The verdict: each spike in one sentence with its cause, then each deploy's verdict.
fn verdict(p: &mut String, c: &ReportConfig, analysis: &Analysis) {
    use super::spikes::{inferred_label, num, pct};
    p.push_str("<section id=\"verdict\">\n<h2>What happened</h2>\n");
    if analysis.spikes.is_empty() {
        p.push_str("<p>No spikes of upstream failures.</p>\n");
    } else {
        p.push_str("<ul class=\"verdict\">\n");
    }
    let deploys = &c.analysis.deploys;
    for (i, s) in analysis.spikes.iter().enumerate() {
        let _ = write!(
            p,
            "<li class=\"spike-verdict\"><b>{}</b>, for {}: <b>{}</b> had <b>{}</b> failed {} against {} expected (×{})",
            rfc(s.start),
            duration(s.seconds()),
            esc_name(s.series.as_deref()),
            s.count,
            s.unit.as_str(),
            num(s.expected),
            num(s.ratio())
        );
        if let Some(top) = s.classes.first() {
            let _ = write!(
                p,
                ", {} <span class=\"sw\" style=\"background:{}\"></span>{}",
                pct(top.count, s.count),
                class_color(top.key),
                top.key.as_str()
            );
        }
        match analysis.cause(i) {
            Cause::Deploy(a) => {
                let d = &deploys[a.deploy];
                let when = if a.delta >= 0 {
                    format!("{} after", duration(a.delta))
                } else {
                    format!("{} before the end of", duration(-a.delta))
                };
                let _ = write!(
                    p,
                    "; it started {when} {} <b>{}</b> ({}): <b>{}</b>, {} confidence.",
                    d.kind.as_str(),
                    esc(d.label().as_bytes()),
                    rfc(d.anchor()),
                    a.signature.as_str(),
                    a.confidence.as_str()
                );
            }
            Cause::Restart(x) => {
                let _ = write!(
                    p,
                    "; it coincides with an {} from {} to {} (from the logs, not a deploy marker).",
                    esc(inferred_label(x).as_bytes()),
                    rfc(x.start),
                    rfc(x.end)
                );
            }
            Cause::Unexplained if deploys.is_empty() => {
                p.push_str("; no deploy markers were given and the logs show no restart.")
            }
            Cause::Unexplained => p.push_str("; no deploy marker explains it."),
        }
        p.push_str("</li>\n");
    }
    if !analysis.spikes.is_empty() {
        p.push_str("</ul>\n");
    }
    if !analysis.reports.is_empty() {
        p.push_str("<ul class=\"verdict\">\n");
    }
    for r in &analysis.reports {
        let d = &deploys[r.deploy];
        let _ = write!(
            p,
            "<li class=\"deploy-verdict\">{} <b>{}</b> at {}: <b>{}</b>",
            d.kind.as_str(),
            esc(d.label().as_bytes()),
            rfc(d.start),
            r.verdict.as_str()
        );
        let n = r.upstreams.len();
        let _ =
            write!(p, " ({n} upstream{} with failures around it", if n == 1 { "" } else { "s" });
        if !r.matched && d.service.is_some() {
            p.push_str("; no upstream matches its service, all are shown");
        }
        if !r.overlaps.is_empty() {
            let o: Vec<String> =
                r.overlaps.iter().map(|&i| esc(deploys[i].label().as_bytes())).collect();
            let _ = write!(p, "; overlaps {}: their effects cannot be told apart", o.join(", "));
        }
        p.push_str(").</li>\n");
    }
    if !analysis.reports.is_empty() {
        p.push_str("</ul>\n");
    }
    p.push_str("</section>\n");
}

/// Chart geometry, in SVG user units.
const W: f64 = 1000.0;
const H: f64 = 120.0;
const LEFT: f64 = 48.0;
const BOTTOM: f64 = 18.0;
/// Overview geometry: the label column, the total column and the height of a row.
const LABEL: f64 = 230.0;
const TOTAL: f64 = 60.0;
const ROW: f64 = 18.0;

/// The hatching of partial buckets, defined once in the overview and used by every chart.
const HATCH: &str = "<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#fff\" fill-opacity=\"0.55\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#555\" stroke-width=\"2\"/></pattern></defs>";

/// A display name cut to `max` characters (the full name goes in a `<title>`), escaped.
fn short_name(n: Option<&[u8]>, max: usize) -> String {
    let full = n.map_or_else(|| "(none)".to_owned(), |n| super::style::sanitize(n).into_owned());
    if full.chars().count() <= max {
        return esc(full.as_bytes());
    }
    let cut: String = full.chars().take(max - 1).collect();
    esc(format!("{cut}…").as_bytes())
}

/// The partial buckets of `tl` (the first and last when the input starts or ends inside
/// them), with their covered seconds.
fn partial_buckets(tl: &Timeline) -> Vec<usize> {
    if tl.is_empty() {
        return Vec::new();
    }
    let mut v = vec![0, tl.len() - 1];
    v.dedup();
    v.retain(|&i| tl.is_partial(i));
    v
}

/// The overview: one heatmap row per upstream with failures, worst first, on one scale.
fn overview_map(
    p: &mut String,
    tl: &Timeline,
    o: &Overview,
    c: &ReportConfig,
    analysis: &Analysis,
) {
    let bucket = tl.bucket();
    p.push_str("<section id=\"overview\">\n<h2>Overview</h2>\n");
    if o.rows.is_empty() {
        p.push_str("<p class=\"muted\">No upstream failures with a time.</p>\n</section>\n");
        return;
    }
    let partial = partial_buckets(tl);
    let _ = write!(
        p,
        "<p class=\"meta\">Upstream failures per {} bucket, every upstream on one scale (the darkest cell is {}), worst first; outlined: spikes, dashed: deploys",
        duration(bucket),
        counted(o.max, "failure")
    );
    if !partial.is_empty() {
        let covered: Vec<String> = partial
            .iter()
            .map(|&i| format!("{} of {}", duration(tl.covered(i)), duration(bucket)))
            .collect();
        let _ = write!(
            p,
            ", <span class=\"partial\">hatched: partial buckets, the input covers only part of them ({})</span>",
            covered.join(" and ")
        );
    }
    p.push_str(".</p>\n");
    let t0 = tl.bucket_start(0);
    let t1 = tl.bucket_start(tl.len() - 1) + bucket;
    let span = W - LABEL - TOTAL;
    let x_of = |t: i64| LABEL + span * ((t - t0) as f64 / (t1 - t0).max(1) as f64);
    let cell_w = span / tl.len() as f64;
    let height = ROW * o.rows.len() as f64;
    let _ = write!(
        p,
        "<svg viewBox=\"0 0 {W} {}\" role=\"img\" aria-label=\"upstream failures of every upstream over time, on one scale\">{HATCH}",
        height + BOTTOM
    );
    for (k, r) in o.rows.iter().enumerate() {
        let row = &tl.rows()[r.row];
        let y = ROW * k as f64;
        let _ = write!(
            p,
            "<g class=\"row\"><rect x=\"{LABEL}\" y=\"{y:.1}\" width=\"{span:.1}\" height=\"{:.1}\" fill=\"#f3f3f3\"/><text x=\"{:.0}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{}<title>{} ({})</title></text><text x=\"{W}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{}</text>",
            ROW - 2.0,
            LABEL - 6.0,
            y + 12.5,
            short_name(row.name(), 34),
            esc_name(row.name()),
            row.unit().as_str(),
            y + 12.5,
            r.total
        );
        for &(i, n) in &r.cells {
            let _ = write!(
                p,
                "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#b2182b\" fill-opacity=\"{:.2}\"><title>{} {n}</title></rect>",
                LABEL + cell_w * i as f64,
                cell_w.max(0.5),
                ROW - 2.0,
                0.12 + 0.88 * n as f64 / o.max as f64,
                rfc(tl.bucket_start(i))
            );
        }
        for s in analysis
            .spikes
            .iter()
            .filter(|s| s.series.as_deref() == row.name() && s.unit == row.unit())
        {
            let (a, b) = (x_of(s.start), x_of(s.end + 1));
            let _ = write!(
                p,
                "<rect class=\"band\" x=\"{a:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"none\" stroke=\"#000\" stroke-width=\"1.5\"><title>spike {} to {}: {} errors</title></rect>",
                y - 0.5,
                (b - a).max(2.0),
                ROW - 1.0,
                rfc(s.start),
                rfc(s.end),
                s.count
            );
        }
        p.push_str("</g>");
    }
    for &i in &partial {
        let _ = write!(
            p,
            "<rect class=\"partial\" x=\"{:.1}\" y=\"0\" width=\"{:.1}\" height=\"{height:.1}\" fill=\"url(#hatch)\"><title>partial bucket: {} of {} covered</title></rect>",
            LABEL + cell_w * i as f64,
            cell_w.max(0.5),
            duration(tl.covered(i)),
            duration(bucket)
        );
    }
    deploy_lines(p, c, t0, t1, height, &x_of);
    let _ = writeln!(
        p,
        "<text x=\"{LABEL}\" y=\"{:.1}\" font-size=\"11\">{}</text><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{}</text></svg>",
        height + 14.0,
        rfc(t0),
        W - TOTAL,
        height + 14.0,
        rfc(t1)
    );
    legend(p, tl);
    p.push_str("</section>\n");
}

/// The dashed line of each deploy marker within `t0..=t1`, `height` units tall.
fn deploy_lines(
    p: &mut String,
    c: &ReportConfig,
    t0: i64,
    t1: i64,
    height: f64,
    x_of: &impl Fn(i64) -> f64,
) {
    for d in &c.analysis.deploys {
        if d.start < t0 || d.start > t1 {
            continue;
        }
        let x = x_of(d.start);
        let _ = write!(
            p,
            "<line x1=\"{x:.1}\" y1=\"0\" x2=\"{x:.1}\" y2=\"{height:.1}\" stroke=\"#000\" stroke-dasharray=\"4 3\"><title>deploy {} at {}</title></line>",
            esc(d.label().as_bytes()),
            rfc(d.start)
        );
    }
}

/// The legend of the class colors: the upstream-failure classes of `tl`, after the name of
/// their group.
fn legend(p: &mut String, tl: &Timeline) {
    let mut seen: Vec<Class> = tl
        .rows()
        .iter()
        .flat_map(|r| r.cells().iter().map(|c| c.1))
        .filter(|c| c.is_upstream_failure())
        .collect();
    seen.sort();
    seen.dedup();
    p.push_str("<div class=\"legend\" id=\"legend\">");
    let mut group = None;
    for class in seen {
        if group != Some(class.group()) {
            let _ = write!(p, " <b>{}:</b>", class.group().as_str());
            group = Some(class.group());
        }
        let _ = write!(
            p,
            " <span><span class=\"sw\" style=\"background:{}\"></span>{}</span>",
            class_color(class),
            class.as_str()
        );
    }
    p.push_str("</div>\n");
}

fn timeline_charts(
    p: &mut String,
    tl: &Timeline,
    o: &Overview,
    c: &ReportConfig,
    analysis: &Analysis,
) {
    let bucket = tl.bucket();
    if tl.is_empty() {
        p.push_str("<h2 id=\"timeline\">Timeline per upstream</h2>\n<p class=\"muted\">No events with a time.</p>\n");
        return;
    }
    let _ = write!(
        p,
        "<h2 id=\"timeline\">Timeline per upstream</h2>\n<p class=\"meta\">Upstream failures per {} bucket, stacked by class, worst upstream first, all on the overview's scale (0 to {}); shaded bands are spikes, dashed lines deploys{}.</p>\n",
        duration(bucket),
        o.max,
        if partial_buckets(tl).is_empty() { "" } else { ", hatched buckets partial" }
    );
    let max = o.max.max(1);
    let partial = partial_buckets(tl);
    let t0 = tl.bucket_start(0);
    let t1 = tl.bucket_start(tl.len() - 1) + bucket;
    let x_of = |t: i64| LEFT + (W - LEFT) * ((t - t0) as f64 / (t1 - t0).max(1) as f64);
    let bar_w = (W - LEFT) / tl.len() as f64;
    for r in &o.rows {
        let row = &tl.rows()[r.row];
        let _ = writeln!(
            p,
            "<div class=\"chart\"><h3>{} <span class=\"muted\">({}, {}, peak {} per bucket)</span></h3>",
            esc_name(row.name()),
            row.unit().as_str(),
            counted(r.total, "failure"),
            r.peak
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
                class_color(class),
                rfc(tl.bucket_start(i)),
                class.as_str()
            );
        }
        // Partial buckets: hatched over their bars, and labelled.
        for &i in &partial {
            let x = LEFT + bar_w * i as f64;
            let _ = write!(
                p,
                "<rect class=\"partial\" x=\"{x:.1}\" y=\"0\" width=\"{:.1}\" height=\"{H}\" fill=\"url(#hatch)\"><title>partial bucket: {} of {} covered</title></rect><text x=\"{:.1}\" y=\"10\" font-size=\"10\" text-anchor=\"{}\">partial</text>",
                bar_w.max(0.5),
                duration(tl.covered(i)),
                duration(bucket),
                if i == 0 { x } else { x + bar_w },
                if i == 0 { "start" } else { "end" }
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
        deploy_lines(p, c, t0, t1, H, &x_of);
        // Axes: the shared scale on the left, the first and last bucket times below.
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
                class_color(class),
                class.as_str()
            );
        }
        p.push_str("</div></div>\n");
    }
}

fn spike_list(p: &mut String, c: &ReportConfig, analysis: &Analysis, formats: &[Format]) {
    use super::spikes::{mix_item, num};
    p.push_str("<h2 id=\"spikes\">Spikes</h2>\n");
    if analysis.spikes.is_empty() {
        p.push_str("<p class=\"muted\">No spikes of upstream failures.</p>\n");
    }
    for (s, a) in analysis.spikes.iter().zip(&analysis.attributions) {
        let _ = write!(
            p,
            "<div class=\"spike\"><b>{}</b> to {} ({}), upstream <b>{}</b> ({}): <b>{}</b> errors vs {} expected (×{}), {}",
            rfc(s.start),
            rfc(s.end),
            duration(s.seconds()),
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
                let (color, name) = match x.key {
                    Some(k) => (class_color(*k), k.as_str()),
                    None => (OTHER_COLOR.to_owned(), "other"),
                };
                format!(
                    "<span class=\"sw\" style=\"background:{color}\"></span>{}",
                    mix_item(name.to_owned(), x, s)
                )
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
                    "<br>deploy: {} at {} ({}{}), {} match, {} signature, {} confidence",
                    esc(d.label().as_bytes()),
                    rfc(d.start),
                    if a.delta >= 0 { "+" } else { "" },
                    duration(a.delta),
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
            // The same cause in the words of the log's own product (IIS, Cloudflare).
            for extra in
                formats.iter().filter_map(|&f| engine::logparse::hint::for_format(f, top.key))
            {
                let _ = write!(p, "<p class=\"hint\">{}</p>", esc(extra.as_bytes()));
            }
        }
        p.push_str("</div>\n");
    }
}

/// How many classes the summary table shows as columns of their own; the others are summed
/// in one, so that the table fits the page.
const TABLE_CLASSES: usize = 6;

/// A class name that may wrap after its underscores (`connect_<wbr>refused`).
fn wrapping(c: Class) -> String {
    c.as_str().replace('_', "_<wbr>")
}

fn summary_table(p: &mut String, s: &Summary) {
    p.push_str("<h2 id=\"summary\">Summary</h2>\n");
    for unit in s.units() {
        let rows = s.rows(unit);
        let cols = s.columns(unit, TABLE_CLASSES);
        let _ = write!(
            p,
            "<table class=\"summary\" data-unit=\"{}\"><caption>{} per upstream and class</caption>\n<tr><th>upstream</th><th class=\"n\">total</th><th class=\"n\">failures</th>",
            unit.as_str(),
            unit.as_str()
        );
        for &c in &cols.top {
            let _ = write!(
                p,
                "<th class=\"n\"><span class=\"sw\" style=\"background:{}\"></span>{}</th>",
                class_color(c),
                wrapping(c)
            );
        }
        if !cols.rest.is_empty() {
            let names: Vec<&str> = cols.rest.iter().map(|c| c.as_str()).collect();
            let _ = write!(
                p,
                "<th class=\"n\" title=\"{}\">other {} classes</th>",
                names.join(", "),
                cols.rest.len()
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
            let blank = |n: u64| if n == 0 { String::new() } else { n.to_string() };
            for &c in &cols.top {
                let _ = write!(
                    p,
                    "<td class=\"n\" data-class=\"{}\">{}</td>",
                    c.as_str(),
                    blank(r.count(unit, c))
                );
            }
            if !cols.rest.is_empty() {
                let _ = write!(
                    p,
                    "<td class=\"n\" data-class=\"other\">{}</td>",
                    blank(cols.rest_count(r, unit))
                );
            }
            p.push_str("</tr>\n");
        }
        let _ = write!(
            p,
            "<tr><th>all</th><th class=\"n\">{}</th><th class=\"n\">{}</th>",
            s.unit_total(unit),
            s.unit_failures(unit)
        );
        for &c in &cols.top {
            let _ = write!(
                p,
                "<th class=\"n\" data-total=\"{}\">{}</th>",
                c.as_str(),
                s.class_total(unit, c)
            );
        }
        if !cols.rest.is_empty() {
            let _ =
                write!(p, "<th class=\"n\" data-total=\"other\">{}</th>", cols.rest_total(s, unit));
        }
        p.push_str("</tr></table>\n");
    }
}

/// The nginx error log joined to the access log (`Summary::join`), when both were read.
fn join_section(p: &mut String, s: &Summary) {
    if !s.has_join() {
        return;
    }
    let r = s.join();
    let _ = write!(
        p,
        "<h2 id=\"join\">Error log joined to access log</h2>\n<p class=\"meta\">{} users got, by the class of the attempt that produced them; {} retried on another peer, which answered (users never saw them); {} without a response line, {} without their attempt.</p>\n",
        counted(r.responses(), "5xx response"),
        counted(r.hidden(), "failed attempt"),
        counted(r.unmatched_attempts, "attempt"),
        counted(r.unmatched_responses, "response"),
    );
    let mut by: Vec<_> = r.responses_by_class.iter().collect();
    by.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    p.push_str("<table class=\"join\"><tr><th>class</th><th class=\"n\">responses</th></tr>\n");
    for (c, n) in by {
        let _ = writeln!(p, "<tr><td>{}</td><td class=\"n\">{n}</td></tr>", c.as_str());
    }
    p.push_str("</table>\n");
    let mut peers: Vec<_> = r.hidden_by_upstream.iter().collect();
    peers.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    if !peers.is_empty() {
        p.push_str("<table class=\"join\"><tr><th>hidden failures on</th><th>class</th><th class=\"n\">attempts</th></tr>\n");
        for ((peer, c), n) in peers {
            let _ = writeln!(
                p,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{n}</td></tr>",
                esc(peer),
                c.as_str()
            );
        }
        p.push_str("</table>\n");
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
            "<h3><span class=\"sw\" style=\"background:{}\"></span>{} <span class=\"muted\">({})</span></h3>\n<table class=\"messages\"><tr><th class=\"n\">count</th><th>message and first line</th></tr>\n",
            class_color(class),
            class.as_str(),
            counted(total, "event")
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
    fn durations_print_in_the_largest_whole_units() {
        let cases = [
            (0, "0 s"),
            (35, "35 s"),
            (60, "1 min"),
            (90, "1 min 30 s"),
            (300, "5 min"),
            (7200, "2 h"),
            (5400, "1 h 30 min"),
            (86400 * 3, "3 d"),
            (12_700_800, "147 d"),
            (86400 * 3 + 3600 * 4 + 59, "3 d 4 h"),
            (-11, "-11 s"),
        ];
        for (secs, text) in cases {
            assert_eq!(duration(secs), text, "{secs} s");
        }
    }

    #[test]
    fn every_class_has_a_color_of_its_own_in_its_groups_hue() {
        let colors: Vec<String> = Class::ALL.into_iter().map(class_color).collect();
        let mut unique = colors.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), colors.len(), "two classes share a color: {colors:?}");
        // The connect classes are shades of one red, darkest first.
        assert_eq!(class_color(Class::ConnectRefused), "hsl(0,75%,30%)");
        assert_eq!(class_color(Class::ConnectTimeout), "hsl(0,75%,70%)");
        assert!(class_color(Class::ResponseTimeout).starts_with("hsl(28,"));
    }

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

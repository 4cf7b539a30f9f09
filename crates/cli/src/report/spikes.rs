//! The `spikes` report, as text and as JSON.
//!
//! # `gatelog spikes --output json`
//!
//! One object:
//!
//! ```text
//! {
//!   "schema_version": 1,
//!   "span": {"first": "...Z", "last": "...Z"} | null,
//!   "spikes": [{
//!     "start": "...Z", "end": "...Z", "seconds": N,          // end is the last second, inclusive
//!     "upstream": "api" | null, "unit": "attempts" | "responses",
//!     "count": N, "expected": X, "ratio": X,
//!     "p_value": X, "log10_p_value": X, "p": "p<1e-12",   // p_value is 0 below 1e-308
//!     "model": "negative_binomial" | "poisson", "shape": X | null,
//!     "baseline": {"count": N, "seconds": N}, "windows_scanned": N,
//!     "baseline_errors": N,
//!     "classes": {"connect_refused": N, ...},
//!     "class_shares": [{"class", "count", "baseline_count", "share", "baseline_share"}],
//!     "peers": [{"peer", "count", "baseline_count", "share", "baseline_share"}],
//!     "peers_seen": N,
//!     "echoes": [{"upstream", "unit": "responses", "start", "end", "count"}],
//!     "deploy": null | {"index", "time", "end", "version", "service", "kind", "delta_seconds",
//!                       "match", "p_coincidence", "signature", "confidence", "others": [index]},
//!     "inferred_restart": null | index into "inferred" (only for spikes no marker explains)
//!   }],
//!   "deploys": [{
//!     "index": N, "time", "end", "version", "service", "env", "kind", "source",
//!     "verdict": "restart blip" | "regression" | "improvement" | "clean",
//!     "matched": bool, "overlaps": [index],
//!     "windows": {"before": [from, to], "blip": [from, to], "after": [from, to]},
//!     "upstreams": [{"upstream", "unit", "match", "total": ROW, "classes": [ROW + {"class"}]}]
//!   }],
//!   "inferred": [{"kind": "restart" | "rolling-restart" | "outage" | "crashloop",
//!                 "source": "inferred", "group", "peers": [..], "start", "end",
//!                 "confidence": "high" | "medium", "non_graceful": bool,
//!                 "episodes": [{"peer", "start", "end", "count", "non_graceful", "confidence"}]}]
//! }
//! ```
//!
//! `classes` counts the classes with errors in the spike. `class_shares` lists every class
//! with errors in the spike or in the baseline window of the mix (`baseline_errors` errors,
//! from `guard + baseline` to `guard` seconds before `start`, every class and peer), most
//! errors in the spike first, then most before; `share` is `count / count of the spike` and
//! `baseline_share` is `baseline_count / baseline_errors` (0 when that is 0), so each sums to
//! 1 over the list. `peers` is the same over peers, with a last entry whose `peer` is null
//! for the errors whose line named no peer (when there are any); it is empty when no line
//! names a peer besides the upstream. `baseline` is the detection model's baseline (spikes'
//! seconds left out), not the mix's.
//!
//! A `ROW` is `{"before", "blip", "after", "before_per_min", "blip_per_min", "after_per_min",
//! "blip_p", "after_p", "after_lower_p", "after_ratio", "verdict"}`: counts of upstream
//! failures in each window, their rates per minute, and the exact one-sided p-values of the
//! blip and after rates against before. Windows are half-open `[from, to)` RFC 3339 times,
//! clipped to the input. `deploy.index` and `overlaps` refer to positions in `deploys`, which
//! is sorted by time. Names that are not UTF-8 carry `\xNN` escapes, as in `events`.
//!
//! # `gatelog spikes --output csv`
//!
//! One row per spike, by start, with the columns of [`CSV_COLUMNS`]:
//! `start,end,seconds,upstream,unit,count,expected,ratio,p_value,top_class,top_class_share,deploy_time,deploy_version,deploy_service,deploy_delta_seconds,deploy_confidence,baseline_errors,class_shares`.
//! Times are RFC 3339; `end` is the last second, inclusive; `upstream` is `-` for events
//! without one; `top_class` is the most frequent class and `top_class_share` its share of the
//! spike (0 to 1); the `deploy_` columns are empty when no deploy is attributed.
//! `baseline_errors` and `class_shares` are the class mix of the JSON output: `class_shares`
//! is `class=share/baseline_share` for every class of `class_shares` there, joined by `;`
//! (`connect_refused=1/0.25;connect_timeout=0/0.75`), each of the two sums to 1 (the
//! baseline shares to 0 when `baseline_errors` is 0). The deploy
//! report and the inferred restarts are in the JSON output only.

use std::io::{self, Write};

use engine::logparse::{Class, Timestamp, text};
use engine::timeline::analysis::Analysis;
use engine::timeline::deploy::{Compare, Deploy, Windows};
use engine::timeline::live::State;
use engine::timeline::restarts::Inferred;
use engine::timeline::spikes::{ShareLine, Spike};
use serde_json::{Value, json};

use crate::report::style::sanitize;

/// Everything the report shows: the analysis and the markers it was made with.
pub struct Found<'a> {
    /// The spikes, their attributions, the deploy report and the inferred restarts.
    pub analysis: &'a Analysis,
    /// The markers, sorted by start (the attributions' `deploy` indexes point here).
    pub deploys: &'a [Deploy],
}

pub(crate) fn inferred_label(x: &Inferred) -> String {
    let peers: Vec<String> = x.peers.iter().map(|p| sanitize(p).into_owned()).collect();
    let mut s = format!("inferred {} of {}", x.pattern.as_str(), peers.join(", "));
    if let Some(g) = &x.group {
        if x.peers.len() != 1 || *x.peers[0] != **g {
            s.push_str(&format!(" ({})", sanitize(g)));
        }
    }
    s
}

pub(crate) fn rfc3339(secs: i64) -> String {
    Timestamp::from_unix_seconds(secs).to_string()
}

/// `HH:MM:SS` of a time (UTC).
pub(crate) fn clock(secs: i64) -> String {
    let (_, _, _, h, m, s) = Timestamp::from_unix_seconds(secs).to_civil_utc();
    format!("{h:02}:{m:02}:{s:02}")
}

pub(crate) fn name(n: Option<&[u8]>) -> String {
    n.map_or_else(|| "-".to_owned(), |n| sanitize(n).into_owned())
}

fn json_name(n: Option<&[u8]>) -> Value {
    n.map_or(Value::Null, |n| Value::from(text(n).to_string()))
}

pub(crate) fn pct(part: u64, whole: u64) -> String {
    if whole == 0 { "0 %".into() } else { format!("{:.0} %", 100.0 * part as f64 / whole as f64) }
}

pub(crate) fn num(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 0.1 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

fn seconds(n: i64) -> String {
    if n % 60 == 0 && n >= 60 { format!("{} min", n / 60) } else { format!("{n} s") }
}

/// One line of the live report: a spike announced `provisional` or `final` while a stream is
/// read.
pub fn live(w: &mut impl Write, state: State, s: &Spike) -> io::Result<()> {
    let top = s
        .classes
        .first()
        .map_or(String::new(), |c| format!(", {} {}", c.key, pct(c.count, s.count)));
    writeln!(
        w,
        "{} spike {}–{} upstream {}: {} errors vs {} expected, {}{top}",
        state.as_str(),
        rfc3339(s.start),
        clock(s.end),
        name(s.series.as_deref()),
        s.count,
        num(s.expected),
        s.p,
    )
}

/// `name 94 % (25 % before)` of one line of a spike's mix; without "before" when the baseline
/// window has no errors (the report says so once).
pub(crate) fn mix_item<T>(name: String, l: &ShareLine<'_, T>, s: &Spike) -> String {
    if s.baseline_errors == 0 {
        format!("{name} {}", pct_of(l.share))
    } else {
        format!("{name} {} ({} before)", pct_of(l.share), pct_of(l.baseline_share))
    }
}

/// A share (0 to 1) as a whole percentage.
fn pct_of(share: f64) -> String {
    format!("{:.0} %", 100.0 * share)
}

/// The text report; with `style.color`, class names take the color of their group.
pub fn table(
    w: &mut impl Write,
    f: &Found<'_>,
    style: crate::report::style::Style,
) -> io::Result<()> {
    let paint = |c: Class| {
        if style.color {
            format!("\x1b[{}m{c}\x1b[0m", crate::report::style::ansi(c.group()))
        } else {
            c.as_str().to_owned()
        }
    };
    let an = f.analysis;
    if an.spikes.is_empty() {
        writeln!(w, "no spikes of upstream failures")?;
    }
    for ((s, a), coinciding) in an.spikes.iter().zip(&an.attributions).zip(&an.coinciding) {
        let day = rfc3339(s.start);
        writeln!(
            w,
            "spike  {}–{} ({} s)  upstream {} ({})",
            day,
            clock(s.end),
            s.seconds(),
            name(s.series.as_deref()),
            s.unit.as_str()
        )?;
        let model = match s.shape {
            Some(r) => format!("NB r={r:.1}"),
            None => "Poisson".to_owned(),
        };
        let baseline = match s.prior_rate() {
            Some(rate) => format!("no baseline before it: prior rate {} errors/s", num(rate)),
            None => {
                format!(
                    "baseline {} errors/{}",
                    s.baseline_count,
                    seconds(s.baseline_seconds as i64)
                )
            }
        };
        writeln!(
            w,
            "       {} errors vs {} expected (×{}), {} [{model}, {baseline}, {} windows scanned]",
            s.count,
            num(s.expected),
            num(s.ratio()),
            s.p,
            s.windows_scanned
        )?;
        let classes: Vec<String> = s
            .class_lines(4)
            .iter()
            .map(|c| mix_item(c.key.map_or_else(|| "other".to_owned(), |k| paint(*k)), c, s))
            .collect();
        let mut line = format!("       classes: {}", classes.join(", "));
        let peer_lines = s.peer_lines(3);
        if !peer_lines.is_empty() {
            let peers: Vec<String> = peer_lines
                .iter()
                .map(|p| {
                    mix_item(
                        p.key.map_or_else(|| "other".to_owned(), |k| sanitize(k).into_owned()),
                        p,
                        s,
                    )
                })
                .collect();
            let hit = s.spike_peers().count();
            line.push_str(&format!(
                "   peers: {} ({} of {})",
                peers.join(", "),
                hit,
                s.peers_seen.max(hit)
            ));
        }
        if s.baseline_errors == 0 {
            line.push_str("   (no errors before)");
        }
        writeln!(w, "{line}")?;
        for e in &s.echoes {
            writeln!(
                w,
                "       also {} failed responses of {} in the access log, {}–{}",
                e.count,
                name(e.series.as_deref()),
                clock(e.start),
                clock(e.end)
            )?;
        }
        match a {
            Some(a) => {
                let d = &f.deploys[a.deploy];
                let when = if a.delta >= 0 {
                    format!("{} s after", a.delta)
                } else {
                    format!("{} s before the end of", -a.delta)
                };
                writeln!(
                    w,
                    "       started {when} {} {} ({}, {} match); chance of coincidence {:.1} % → {} [{} confidence]",
                    d.kind.as_str(),
                    sanitize(d.label().as_bytes()),
                    clock(d.anchor()),
                    a.level.as_str(),
                    100.0 * a.p_coinc,
                    a.signature.as_str(),
                    a.confidence.as_str()
                )?;
            }
            None => match *coinciding {
                Some(i) => {
                    let x = &an.inferred[i];
                    writeln!(
                        w,
                        "       coincides with {} {}–{} (from the logs, not a deploy marker)",
                        inferred_label(x),
                        clock(x.start),
                        clock(x.end)
                    )?;
                }
                None if !f.deploys.is_empty() => {
                    writeln!(w, "       no deploy marker explains it")?
                }
                None => {}
            },
        }
    }
    if !an.inferred.is_empty() {
        writeln!(w)?;
        writeln!(w, "inferred restarts (from the logs; not deploy markers)")?;
    }
    for x in &an.inferred {
        writeln!(
            w,
            "{} {}–{} ({} s){}, {} evidence",
            inferred_label(x),
            rfc3339(x.start),
            clock(x.end),
            x.end - x.start + 1,
            if x.non_graceful { ", non-graceful: in-flight requests were cut" } else { "" },
            x.evidence.as_str()
        )?;
    }
    if !an.reports.is_empty() {
        writeln!(w)?;
        writeln!(
            w,
            "deploy report (5 min before, blip = start to 60 s after the end, then to 5 min after)"
        )?;
    }
    for r in &an.reports {
        let d = &f.deploys[r.deploy];
        let mut head =
            format!("{} {} {}", d.kind.as_str(), sanitize(d.label().as_bytes()), rfc3339(d.start));
        if let Some(e) = d.end {
            head.push_str(&format!("–{}", clock(e)));
        }
        head.push_str(&format!("  → {}", r.verdict.as_str()));
        if !r.matched && d.service.is_some() {
            head.push_str(" (no upstream matches its service; all upstreams shown)");
        }
        if !r.overlaps.is_empty() {
            let o: Vec<String> = r
                .overlaps
                .iter()
                .map(|i| sanitize(f.deploys[*i].label().as_bytes()).into_owned())
                .collect();
            head.push_str(&format!(" (overlaps {}: effects cannot be told apart)", o.join(", ")));
        }
        writeln!(w, "{head}")?;
        if r.upstreams.is_empty() {
            writeln!(w, "  no upstream failures around it")?;
        }
        for u in &r.upstreams {
            writeln!(
                w,
                "  {} ({}, {} match)  {}",
                name(u.series.as_deref()),
                u.unit.as_str(),
                u.level.as_str(),
                row(&u.total, &r.windows)
            )?;
            for (class, c) in &u.classes {
                if c.verdict != engine::timeline::deploy::Verdict::Clean || u.classes.len() > 1 {
                    writeln!(w, "    {class}  {}", row(c, &r.windows))?;
                }
            }
        }
    }
    Ok(())
}

fn row(c: &Compare, win: &Windows) -> String {
    let [before, blip, after] = win.per_min(c);
    format!(
        "before {} ({}/min)  blip {} ({}/min)  after {} ({}/min)  → {} (blip {}, after {})",
        c.before,
        num(before),
        c.blip,
        num(blip),
        c.after,
        num(after),
        c.verdict.as_str(),
        c.blip_p,
        c.after_p
    )
}

fn json_row(c: &Compare, win: &Windows) -> serde_json::Map<String, Value> {
    let finite = |x: f64| if x.is_finite() { json!(x) } else { Value::Null };
    let [before, blip, after] = win.per_min(c);
    let mut m = serde_json::Map::new();
    m.insert("before".into(), json!(c.before));
    m.insert("blip".into(), json!(c.blip));
    m.insert("after".into(), json!(c.after));
    m.insert("before_per_min".into(), json!(before));
    m.insert("blip_per_min".into(), json!(blip));
    m.insert("after_per_min".into(), json!(after));
    m.insert("blip_p".into(), json!(c.blip_p.value()));
    m.insert("after_p".into(), json!(c.after_p.value()));
    m.insert("after_lower_p".into(), json!(c.after_lower_p.value()));
    m.insert("after_ratio".into(), finite(c.after_ratio));
    m.insert("verdict".into(), json!(c.verdict.as_str()));
    m
}

fn deploy_json(d: &Deploy) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("time".into(), json!(rfc3339(d.start)));
    m.insert("end".into(), d.end.map_or(Value::Null, |e| json!(rfc3339(e))));
    m.insert("version".into(), json!(d.version));
    m.insert("service".into(), json!(d.service));
    m.insert("kind".into(), json!(d.kind.as_str()));
    m
}

/// The columns of the CSV report, in order (see the module docs).
pub const CSV_COLUMNS: [&str; 18] = [
    "start",
    "end",
    "seconds",
    "upstream",
    "unit",
    "count",
    "expected",
    "ratio",
    "p_value",
    "top_class",
    "top_class_share",
    "deploy_time",
    "deploy_version",
    "deploy_service",
    "deploy_delta_seconds",
    "deploy_confidence",
    "baseline_errors",
    "class_shares",
];

/// The CSV report (see the module docs).
pub fn csv(w: &mut impl Write, f: &Found<'_>) -> io::Result<()> {
    use crate::report::csv::write_field;
    writeln!(w, "{}", CSV_COLUMNS.join(","))?;
    let an = f.analysis;
    for (s, a) in an.spikes.iter().zip(&an.attributions) {
        let top = s.top_class();
        let share = top.map_or(0.0, |(_, share)| share);
        write!(w, "{},{},{},", rfc3339(s.start), rfc3339(s.end), s.seconds())?;
        // `-` marks "no upstream" (not log text, so not escaped as a formula).
        match s.series.as_deref() {
            Some(n) => write_field(w, &text(n).to_string())?,
            None => w.write_all(b"-")?,
        }
        write!(
            w,
            ",{},{},{},{},{},{},{share},",
            s.unit.as_str(),
            s.count,
            s.expected,
            s.ratio(),
            s.p.value(),
            top.map_or("", |(c, _)| c.as_str())
        )?;
        match a {
            Some(a) => {
                let d = &f.deploys[a.deploy];
                write!(w, "{},", rfc3339(d.start))?;
                write_field(w, d.version.as_deref().unwrap_or(""))?;
                w.write_all(b",")?;
                write_field(w, d.service.as_deref().unwrap_or(""))?;
                write!(w, ",{},{}", a.delta, a.confidence.as_str())?;
            }
            None => write!(w, ",,,,")?,
        }
        // Class names are the fixed vocabulary: no quoting needed.
        let mix: Vec<String> = s
            .class_lines(usize::MAX)
            .iter()
            .map(|c| {
                format!(
                    "{}={}/{}",
                    c.key.map_or("other", |k| k.as_str()),
                    c.share,
                    c.baseline_share
                )
            })
            .collect();
        writeln!(w, ",{},{}", s.baseline_errors, mix.join(";"))?;
    }
    Ok(())
}

/// The JSON report (see the module docs).
pub fn json(w: &mut impl Write, f: &Found<'_>) -> io::Result<()> {
    let an = f.analysis;
    let mut spikes = Vec::new();
    for ((s, a), coinciding) in an.spikes.iter().zip(&an.attributions).zip(&an.coinciding) {
        let classes: serde_json::Map<String, Value> = s
            .classes
            .iter()
            .filter(|c| c.count > 0)
            .map(|c| (c.key.as_str().to_owned(), json!(c.count)))
            .collect();
        let deploy = match a {
            None => Value::Null,
            Some(a) => {
                let mut m = deploy_json(&f.deploys[a.deploy]);
                m.insert("index".into(), json!(a.deploy));
                m.insert("delta_seconds".into(), json!(a.delta));
                m.insert("match".into(), json!(a.level.as_str()));
                m.insert("p_coincidence".into(), json!(a.p_coinc));
                m.insert("signature".into(), json!(a.signature.as_str()));
                m.insert("confidence".into(), json!(a.confidence.as_str()));
                m.insert("others".into(), json!(a.others));
                Value::Object(m)
            }
        };
        spikes.push(json!({
            "start": rfc3339(s.start),
            "end": rfc3339(s.end),
            "seconds": s.seconds(),
            "upstream": json_name(s.series.as_deref()),
            "unit": s.unit.as_str(),
            "count": s.count,
            "expected": s.expected,
            "ratio": s.ratio(),
            "p_value": s.p.value(),
            "log10_p_value": s.p.log10(),
            "p": s.p.to_string(),
            "model": if s.shape.is_some() { "negative_binomial" } else { "poisson" },
            "shape": s.shape,
            "baseline": {"count": s.baseline_count, "seconds": s.baseline_seconds},
            "windows_scanned": s.windows_scanned,
            "classes": classes,
            "baseline_errors": s.baseline_errors,
            "class_shares": s.class_lines(usize::MAX).iter().map(|c| json!({
                "class": c.key.map(|k| k.as_str()),
                "count": c.count,
                "baseline_count": c.baseline,
                "share": c.share,
                "baseline_share": c.baseline_share,
            })).collect::<Vec<_>>(),
            "peers": s.peer_lines(usize::MAX).iter().map(|p| json!({
                "peer": p.key.map(|k| text(k).to_string()),
                "count": p.count,
                "baseline_count": p.baseline,
                "share": p.share,
                "baseline_share": p.baseline_share,
            })).collect::<Vec<_>>(),
            "peers_seen": s.peers_seen,
            "echoes": s.echoes.iter().map(|e| json!({
                "upstream": json_name(e.series.as_deref()),
                "unit": "responses",
                "start": rfc3339(e.start),
                "end": rfc3339(e.end),
                "count": e.count,
            })).collect::<Vec<_>>(),
            "deploy": deploy,
            "inferred_restart": coinciding,
        }));
    }
    let mut deploys = Vec::new();
    for r in &an.reports {
        let d = &f.deploys[r.deploy];
        let mut m = deploy_json(d);
        m.insert("index".into(), json!(r.deploy));
        m.insert("env".into(), json!(d.env));
        m.insert("source".into(), json!(d.source));
        m.insert("verdict".into(), json!(r.verdict.as_str()));
        m.insert("matched".into(), json!(r.matched));
        m.insert("overlaps".into(), json!(r.overlaps));
        let win = |x: (i64, i64)| json!([rfc3339(x.0), rfc3339(x.1)]);
        m.insert(
            "windows".into(),
            json!({"before": win(r.windows.before), "blip": win(r.windows.blip), "after": win(r.windows.after)}),
        );
        let ups: Vec<Value> = r
            .upstreams
            .iter()
            .map(|u| {
                let classes: Vec<Value> = u
                    .classes
                    .iter()
                    .map(|(c, cmp): &(Class, Compare)| {
                        let mut row = json_row(cmp, &r.windows);
                        row.insert("class".into(), json!(c.as_str()));
                        Value::Object(row)
                    })
                    .collect();
                json!({
                    "upstream": json_name(u.series.as_deref()),
                    "unit": u.unit.as_str(),
                    "match": u.level.as_str(),
                    "total": Value::Object(json_row(&u.total, &r.windows)),
                    "classes": classes,
                })
            })
            .collect();
        m.insert("upstreams".into(), json!(ups));
        deploys.push(Value::Object(m));
    }
    let inferred: Vec<Value> = an
        .inferred
        .iter()
        .map(|x| {
            json!({
                "kind": x.pattern.as_str(),
                "source": "inferred",
                "group": json_name(x.group.as_deref()),
                "peers": x.peers.iter().map(|p| text(p).to_string()).collect::<Vec<_>>(),
                "start": rfc3339(x.start),
                "end": rfc3339(x.end),
                "confidence": x.evidence.as_str(),
                "non_graceful": x.non_graceful,
                "episodes": x.episodes.iter().map(|e| json!({
                    "peer": text(&e.peer).to_string(),
                    "start": rfc3339(e.start),
                    "end": rfc3339(e.end),
                    "count": e.count,
                    "non_graceful": e.non_graceful,
                    "confidence": e.evidence.as_str(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let span =
        an.span.map_or(Value::Null, |(a, b)| json!({"first": rfc3339(a), "last": rfc3339(b)}));
    let out = json!({
        "schema_version": 1,
        "span": span,
        "spikes": spikes,
        "deploys": deploys,
        "inferred": inferred,
    });
    serde_json::to_writer_pretty(&mut *w, &out)?;
    writeln!(w)
}

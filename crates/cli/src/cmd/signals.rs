//! `gatelog signals`: one JSON record per backend line that `logparse::signal` recognizes
//! (with `--unparsed`, one per line), in input order: the line number, the message family
//! (`source`), the `kind`, the time and how far it can be trusted, the envelope, and every
//! identity and detail field the line gave.
//!
//! With `--episodes`, the lines are merged into episodes instead
//! (`engine::timeline::episodes`: same pid, container, pod or unit on one host within 5 s),
//! printed at the end, one record each: `kind` (the strongest member's), `time` (the
//! earliest), and the `members` records.
//!
//! Times: `absolute` times are written in UTC (`2024-01-09T13:24:39Z`); zone-less `local`
//! stamps are written as the civil time the line shows, without a zone
//! (`2021-10-25T13:14:08`), since the zone they were written in is not in the line.

use std::io::{self, BufWriter, Write};

use anyhow::{Context, Result};
use engine::input::{self, Blocks, Progress, Source};
use engine::logparse::Timestamp;
use engine::logparse::signal::{self, Signal, SignalOptions, TimeQuality};
use engine::timeline::episodes::{Member, merge};
use serde_json::{Map, Value, json};

use crate::config::Config;
use crate::messages;

/// Runs `gatelog signals`.
pub fn run(config: &Config, unparsed: bool, episodes: bool) -> Result<()> {
    let mut kept: Vec<(Value, Member)> = Vec::new();
    let mut problems = |p: engine::Problem| messages::error(p);
    let inputs = input::paths::expand(&config.inputs, config.glob.as_ref(), &mut problems);
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let progress: Progress = std::sync::Arc::new(|_| {});
    let mut buf = Vec::new();
    for inp in &inputs {
        let opened = match input::open(inp, false, &progress) {
            Ok(o) => o,
            Err(p) => {
                messages::error(p);
                continue;
            }
        };
        let year = opened.mtime.map_or(1970, |m| Timestamp::from_unix_seconds(m).to_civil_utc().0);
        let opts = SignalOptions { year, boot_time: None };
        let (Source::Chunks(stream) | Source::Stream(stream)) = opened.source;
        let mut blocks = Blocks::new(stream.reader, stream.live);
        let mut number = 0u64;
        let (mut seen, mut missed) = (0u64, 0u64);
        loop {
            match blocks.next_into(&mut buf) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    messages::error(format!("{}: {e}; the lines before it were read", inp.name));
                    break;
                }
            }
            for raw in buf.split_inclusive(|&c| c == b'\n') {
                number += 1;
                let line = input::clean(raw.strip_suffix(b"\n").unwrap_or(raw));
                let record = match signal::parse(line, &opts) {
                    Ok(s) => {
                        seen += 1;
                        let r = record(&inp.name, number, &s);
                        if episodes {
                            kept.push((r, member(&s)));
                            continue;
                        }
                        r
                    }
                    Err(e) => {
                        missed += 1;
                        if !unparsed || episodes {
                            continue;
                        }
                        json!({"input": inp.name, "line": number, "unparsed": true,
                               "reason": e.as_str(), "text": text(line)})
                    }
                };
                serde_json::to_writer(&mut out, &record).context("writing the records")?;
                out.write_all(b"\n").context("writing the records")?;
            }
            if stream.live {
                out.flush().context("writing the records")?;
            }
        }
        if missed > 0 && config.progress {
            messages::say(format!(
                "{}: {seen} backend signal lines, {missed} lines of no known backend shape",
                inp.name
            ));
        }
    }
    if episodes {
        let members: Vec<Member> = kept.iter().map(|(_, m)| m.clone()).collect();
        for ep in merge(&members, 2) {
            let first = &kept[ep.members[0]].0;
            let record = json!({
                "kind": ep.kind.as_str(),
                "time": first["time"],
                "time_quality": first["time_quality"],
                "members": ep.members.iter().map(|&i| kept[i].0.clone()).collect::<Vec<_>>(),
            });
            serde_json::to_writer(&mut out, &record).context("writing the episodes")?;
            out.write_all(b"\n").context("writing the episodes")?;
        }
    }
    out.flush().context("writing the records")?;
    Ok(())
}

/// What episode merging needs of a signal.
fn member(s: &Signal<'_>) -> Member {
    let owned = |v: Option<&[u8]>| v.map(|b| String::from_utf8_lossy(b).into_owned());
    let timed = matches!(
        s.time_quality,
        TimeQuality::Absolute | TimeQuality::Local | TimeQuality::BootRelative
    );
    Member {
        time: s.time.filter(|_| timed),
        kind: s.kind,
        host: owned(s.identity.host),
        pid: s.identity.pid,
        container_id: owned(s.identity.container_id),
        pod_uid: owned(s.identity.pod_uid),
        unit: owned(s.identity.unit),
    }
}

/// Bytes as text, invalid UTF-8 replaced.
fn text(b: &[u8]) -> Value {
    Value::String(String::from_utf8_lossy(b).into_owned())
}

/// The JSON record of one signal.
fn record(input: &str, number: u64, s: &Signal<'_>) -> Value {
    let mut m = Map::new();
    m.insert("input".into(), input.into());
    m.insert("line".into(), number.into());
    m.insert("source".into(), s.source.as_str().into());
    m.insert("kind".into(), s.kind.map(|k| k.as_str()).into());
    m.insert("time".into(), s.time.map(|t| time(t, s.time_quality)).into());
    m.insert("time_quality".into(), s.time_quality.as_str().into());
    m.insert("precision_us".into(), s.precision_us.into());
    m.insert("envelope".into(), s.envelope.as_str().into());
    let id = &s.identity;
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            m.insert(k.into(), v);
        }
    };
    for (k, v) in [
        ("host", id.host),
        ("unit", id.unit),
        ("program", id.program),
        ("pool", id.pool),
        ("comm", id.comm),
        ("container_id", id.container_id),
        ("container_name", id.container_name),
        ("namespace", id.namespace),
        ("pod", id.pod),
        ("pod_uid", id.pod_uid),
        ("node", id.node),
        ("listen", id.listen),
    ] {
        put(k, v.map(text));
    }
    put("pid", id.pid.map(Value::from));
    put("master_pid", id.master_pid.map(Value::from));
    put("worker", id.worker.map(Value::from));
    let d = &s.detail;
    put("signal", d.signal.map(Value::from));
    put("signal_name", d.signal_name.map(text));
    put("exit_code", d.exit_code.map(Value::from));
    put("rss_kib", d.rss_kib.map(Value::from));
    put("total_vm_kib", d.total_vm_kib.map(Value::from));
    put("constraint", d.constraint.map(text));
    put("memcg", d.memcg.map(text));
    put("limit", d.limit.map(Value::from));
    put("timeout_s", d.timeout_s.map(Value::from));
    put("elapsed_s", d.elapsed_s.map(Value::from));
    put("request", d.request.map(text));
    put("probe", d.probe.map(text));
    put("restart_count", d.restart_count.map(Value::from));
    put("suspect", d.suspect.map(|x| Value::from(x.as_str())));
    put("age_s", d.age_s.map(Value::from));
    put("uptime_us", d.uptime_us.map(Value::from));
    Value::Object(m)
}

/// `2024-01-09T13:24:39.123456Z` for absolute times, without the `Z` for local ones.
fn time(t: Timestamp, q: TimeQuality) -> String {
    let (y, mo, d, h, mi, s) = t.to_civil_utc();
    let us = t.subsec_micros();
    let frac = if us == 0 { String::new() } else { format!(".{us:06}") };
    let zone = if q == TimeQuality::Local { "" } else { "Z" };
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{frac}{zone}")
}

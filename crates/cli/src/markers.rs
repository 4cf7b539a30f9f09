//! Deploy markers from the command line and from files, `--service-map`, and durations.
//!
//! # `--deploy`
//!
//! `TIME[=VERSION][@SERVICE]`, or `key=value` pairs separated by commas (`at=TIME,end=TIME,
//! version=V,service=S,env=E,kind=K`). TIME is RFC 3339 with `Z` or an offset
//! (`2026-11-20T12:00:01Z`, `2026-11-20T13:00:01+01:00`), or `@EPOCH` in seconds or
//! milliseconds (told apart by magnitude). Times without a zone are refused: a deploy time read
//! in the wrong zone would attribute spikes to the wrong marker, silently. In the compact form
//! the service is what follows the last `@`, so a version containing `@` needs the pair form.
//!
//! # `--deploys FILE`
//!
//! The format is recognised from the content:
//!
//! - **JSON Lines**, one marker object per line (or one JSON array of them). Field names of the
//!   usual exports are accepted as they are:
//!
//!   | field | aliases |
//!   | --- | --- |
//!   | start | `time` (Grafana, epoch ms), `start_time` (Honeycomb, epoch s), `date_happened` (Datadog, epoch s), `dateStarted` (Sentry), `deployStartedAt` (Argo CD), `startedAt`, `created_at` (GitHub), `@timestamp`, `timestamp`, `at`, `date` |
//!   | end | `end`, `timeEnd` (Grafana), `end_time` (Honeycomb), `dateFinished` (Sentry), `deployedAt` (Argo CD), `finishedAt` |
//!   | version | `version`, `revision` (Argo CD), `release`, `sha` (GitHub), `ref`, tag `version:V` |
//!   | service | `service`, `app`, `application`, tag `service:S` |
//!   | env | `env`, `environment`, tag `env:E` |
//!   | upstreams | `upstreams` (array of names) |
//!   | kind | `kind`, `type` (`deploy`, `rollback`, `restart`, `config`) |
//!
//!   Numbers are epoch seconds or milliseconds (told apart by magnitude), strings RFC 3339.
//!   Grafana tags without a prefix are read by position: one that looks like a version
//!   (`v1.4.2`, `1.4.2`) is the version, the first other one that is not a kind word is the
//!   service. An Argo CD `Application` object gives one marker per `status.history` entry.
//!   When only an end is given (Argo CD `deployedAt` alone), it is the start.
//! - **kubectl** `get events -o json` (an `EventList`): `ScalingReplicaSet` events of one
//!   Deployment less than five minutes apart are one rollout marker from the first to the last
//!   (service = the Deployment's name, version = the hash of the ReplicaSet scaled up);
//!   `Killing` and `BackOff` events of Pods and `OOMKilling` of Nodes give `restart` markers.
//! - **CSV** with a header row naming at least a time column (same aliases); `upstreams`
//!   holds names separated by `;` or spaces.
//! - **git log** `--format='%cI %h %s'`: each line a commit time, hash and subject; these are
//!   `commit` markers (a commit time is when code existed, not when it was deployed).
//!
//! An error names the file and the line.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use serde_json::Value;
use timeline::deploy::{Deploy, Kind, ServiceMap};

/// Parses a duration: a number with an optional unit `s`, `m`, `h` or `d` (seconds when
/// none): `5s`, `15m`, `1h`.
pub fn parse_duration(s: &str, flag: &str) -> Result<i64> {
    let t = s.trim();
    let (num, mult) = match t.as_bytes().last() {
        Some(b's') => (&t[..t.len() - 1], 1),
        Some(b'm') => (&t[..t.len() - 1], 60),
        Some(b'h') => (&t[..t.len() - 1], 3600),
        Some(b'd') => (&t[..t.len() - 1], 86_400),
        _ => (t, 1),
    };
    match num.parse::<i64>() {
        Ok(n) if n >= 0 => Ok(n * mult),
        _ => bail!("invalid {flag} value {s:?} (expected a duration like 30s, 15m or 1h)"),
    }
}

/// Parses a time: RFC 3339 with a zone, or `@EPOCH` (seconds or milliseconds).
pub fn parse_time(s: &str) -> Result<i64> {
    let t = s.trim();
    if let Some(epoch) = t.strip_prefix('@') {
        let n: i64 = epoch.parse().map_err(|_| anyhow!("invalid epoch time {s:?}"))?;
        return Ok(epoch_seconds(n as f64));
    }
    if let Ok(ts) = t.parse::<jiff::Timestamp>() {
        return Ok(ts.as_second());
    }
    if t.parse::<jiff::civil::DateTime>().is_ok() || t.parse::<jiff::civil::Date>().is_ok() {
        bail!(
            "time {s:?} has no time zone; add `Z` for UTC or an offset like `+02:00` \
             (a deploy time read in the wrong zone would be tied to the wrong spikes)"
        );
    }
    bail!("invalid time {s:?} (expected RFC 3339 like 2026-11-20T12:00:01Z, or @EPOCH)")
}

/// Epoch seconds or milliseconds (anything above 1e11, i.e. after 5138 in seconds, is
/// milliseconds) to seconds.
fn epoch_seconds(n: f64) -> i64 {
    if n.abs() >= 1e11 { (n / 1000.0).floor() as i64 } else { n.floor() as i64 }
}

/// Parses one `--deploy` value.
pub fn parse_deploy_flag(s: &str) -> Result<Deploy> {
    let value = s.trim();
    let ctx = || format!("invalid --deploy {s:?}");
    if value.contains(',') || value.starts_with("at=") || value.starts_with("time=") {
        let mut d = Deploy { source: Some("--deploy".into()), ..Deploy::default() };
        let mut start = None;
        for pair in value.split(',') {
            let (k, v) = pair
                .split_once('=')
                .ok_or_else(|| anyhow!("expected key=value, got {pair:?}"))
                .with_context(ctx)?;
            let v = v.trim();
            match k.trim() {
                "at" | "time" | "start" => start = Some(parse_time(v).with_context(ctx)?),
                "end" => d.end = Some(parse_time(v).with_context(ctx)?),
                "version" => d.version = Some(v.into()),
                "service" => d.service = Some(v.into()),
                "env" => d.env = Some(v.into()),
                "upstreams" => d.upstreams = split_names(v),
                "kind" => {
                    d.kind = Kind::from_name(v)
                        .ok_or_else(|| {
                            anyhow!(
                                "unknown kind {v:?} (deploy, rollback, restart, config, commit)"
                            )
                        })
                        .with_context(ctx)?
                }
                other => {
                    return Err(anyhow!(
                        "unknown key {other:?} (expected at, end, version, service, env, kind, upstreams)"
                    ))
                    .with_context(ctx);
                }
            }
        }
        d.start = start.ok_or_else(|| anyhow!("no at=TIME")).with_context(ctx)?;
        return check_end(d).with_context(ctx);
    }
    // Compact form: TIME[=VERSION][@SERVICE]. An epoch time starts with '@' itself.
    let (time, rest) = if let Some(epoch) = value.strip_prefix('@') {
        let end = epoch.find(|c: char| !c.is_ascii_digit()).unwrap_or(epoch.len());
        (&value[..end + 1], &epoch[end..])
    } else {
        let end = value.find(['=', '@']).unwrap_or(value.len());
        (&value[..end], &value[end..])
    };
    let mut d = Deploy {
        start: parse_time(time).with_context(ctx)?,
        source: Some("--deploy".into()),
        ..Deploy::default()
    };
    let (version, service) = match rest.strip_prefix('=') {
        Some(r) => match r.rsplit_once('@') {
            Some((v, svc)) => (Some(v), Some(svc)),
            None => (Some(r), None),
        },
        None => (None, rest.strip_prefix('@')),
    };
    if !rest.is_empty() && !rest.starts_with(['=', '@']) {
        bail!("{}: unexpected {rest:?} after the time", ctx());
    }
    d.version = version.filter(|v| !v.is_empty()).map(Into::into);
    d.service = service.filter(|v| !v.is_empty()).map(Into::into);
    Ok(d)
}

fn check_end(d: Deploy) -> Result<Deploy> {
    if d.end.is_some_and(|e| e < d.start) {
        bail!("the end is before the start");
    }
    Ok(d)
}

fn split_names(v: &str) -> Vec<String> {
    v.split([';', ' ', ',']).map(str::trim).filter(|s| !s.is_empty()).map(Into::into).collect()
}

/// Parses one `--service-map` value: `SERVICE=UPSTREAM[,UPSTREAM...]`.
pub fn parse_service_map(map: &mut ServiceMap, s: &str) -> Result<()> {
    let (service, ups) = s.split_once('=').with_context(|| {
        format!("invalid --service-map {s:?} (expected SERVICE=UPSTREAM[,UPSTREAM...], e.g. api=10.0.0.5:3000,10.0.0.6:3000)")
    })?;
    let ups: Vec<Vec<u8>> = ups
        .split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(|u| u.as_bytes().to_vec())
        .collect();
    if service.trim().is_empty() || ups.is_empty() {
        bail!("invalid --service-map {s:?}: a service and at least one upstream are needed");
    }
    map.insert(service.trim(), ups);
    Ok(())
}

/// Reads a `--deploys` file (`-` for standard input).
pub fn read_deploys_file(path: &Path) -> Result<Vec<Deploy>> {
    let name = path.display().to_string();
    let text = if name == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .context("--deploys -: cannot read standard input")?;
        s
    } else {
        std::fs::read_to_string(path)
            .with_context(|| format!("--deploys {name}: cannot read the file as UTF-8 text"))?
    };
    parse_deploys(&text, &name)
}

/// Parses the text of a deploys file; `name` is used in errors.
pub fn parse_deploys(text: &str, name: &str) -> Result<Vec<Deploy>> {
    let text = text.trim_start_matches('\u{feff}');
    // Detection looks past blank and comment lines.
    let first = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with("//"));
    let trimmed = first.map_or("", |f| &text[text.find(f).unwrap_or(0)..]);
    let mut out = if trimmed.starts_with('[') {
        let v: Value = serde_json::from_str(trimmed)
            .map_err(|e| anyhow!("{name}:{}: invalid JSON: {e}", e.line()))?;
        let items = v.as_array().map(|a| a.to_vec()).unwrap_or_default();
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            out.extend(
                from_json(item).with_context(|| format!("{name}: array element {}", i + 1))?,
            );
        }
        out
    } else if trimmed.starts_with('{') {
        match serde_json::from_str::<Value>(trimmed) {
            Ok(v) if is_event_list(&v) => kube_events(&v, name)?,
            Ok(v) if v.get("items").is_some_and(Value::is_array) => {
                let mut out = Vec::new();
                for (i, item) in v["items"].as_array().into_iter().flatten().enumerate() {
                    out.extend(from_json(item).with_context(|| format!("{name}: items[{i}]"))?);
                }
                out
            }
            // One object over several lines (an Argo CD Application).
            Ok(v) if trimmed.trim_end().contains('\n') => {
                from_json(&v).with_context(|| name.to_owned())?
            }
            _ => json_lines(text, name)?,
        }
    } else if is_git_log(trimmed) {
        git_log(text, name)?
    } else if trimmed.lines().next().is_some_and(|l| l.contains(',')) {
        csv(text, name)?
    } else if trimmed.is_empty() {
        Vec::new()
    } else {
        bail!(
            "{name}:1: not a deploy marker format gatelog reads (JSON Lines, a JSON array, \
             `kubectl get events -o json`, CSV with a header, or `git log --format='%cI %h %s'`)"
        );
    };
    for d in &mut out {
        if d.source.is_none() {
            d.source = Some(name.to_owned());
        }
    }
    out.sort_by_key(|d| d.start);
    Ok(out)
}

fn json_lines(text: &str, name: &str) -> Result<Vec<Deploy>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        let at = format!("{name}:{}", i + 1);
        let v: Value =
            serde_json::from_str(line).map_err(|e| anyhow!("{at}: invalid JSON: {e}"))?;
        out.extend(from_json(&v).with_context(|| at.clone())?);
    }
    Ok(out)
}

const START: &[&str] = &[
    "time",
    "start_time",
    "date_happened",
    "dateStarted",
    "deployStartedAt",
    "startedAt",
    "created_at",
    "@timestamp",
    "timestamp",
    "at",
    "start",
    "date",
];
const END: &[&str] = &["end", "timeEnd", "end_time", "dateFinished", "deployedAt", "finishedAt"];
const VERSION: &[&str] = &["version", "revision", "release", "sha", "ref"];
const SERVICE: &[&str] = &["service", "app", "application"];
const ENV: &[&str] = &["env", "environment"];
const KIND_WORDS: &[&str] =
    &["deploy", "deployment", "release", "rollback", "restart", "config", "annotation"];

/// The marker(s) of one JSON object.
fn from_json(v: &Value) -> Result<Vec<Deploy>> {
    let obj = v.as_object().ok_or_else(|| anyhow!("expected a JSON object"))?;
    // Argo CD Application: one marker per history entry.
    if let Some(history) = v.pointer("/status/history").and_then(Value::as_array) {
        let service = v.pointer("/metadata/name").and_then(Value::as_str);
        let mut out = Vec::new();
        for h in history {
            let mut d = from_json(h)?;
            for m in &mut d {
                if m.service.is_none() {
                    m.service = service.map(Into::into);
                }
            }
            out.extend(d);
        }
        return Ok(out);
    }
    let time_of = |keys: &[&str]| -> Result<Option<i64>> {
        for k in keys {
            match obj.get(*k) {
                Some(Value::String(s)) if !s.is_empty() => {
                    return parse_time(s).map(Some).with_context(|| format!("field {k:?}"));
                }
                Some(Value::Number(n)) => {
                    let x = n.as_f64().unwrap_or(0.0);
                    return Ok(Some(epoch_seconds(x)));
                }
                _ => {}
            }
        }
        Ok(None)
    };
    let str_of = |keys: &[&str]| -> Option<String> {
        keys.iter().find_map(|k| match obj.get(*k) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        })
    };
    let start = time_of(START)?;
    let end = time_of(END)?;
    let Some(start) = start.or(end) else {
        bail!("no time field (expected one of: {})", START.join(", "));
    };
    let mut d = Deploy {
        start,
        end: end.filter(|e| *e != start),
        version: str_of(VERSION),
        service: str_of(SERVICE),
        env: str_of(ENV),
        source: str_of(&["source"]),
        ..Deploy::default()
    };
    if let Some(k) = str_of(&["kind", "type"]) {
        d.kind = Kind::from_name(&k).unwrap_or_default();
    }
    if let Some(ups) = obj.get("upstreams") {
        d.upstreams = match ups {
            Value::Array(a) => a.iter().filter_map(Value::as_str).map(Into::into).collect(),
            Value::String(s) => split_names(s),
            _ => Vec::new(),
        };
    }
    let tags: Vec<&str> = match obj.get("tags") {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        Some(Value::String(s)) => s.split(',').map(str::trim).collect(),
        _ => Vec::new(),
    };
    for tag in tags {
        match tag.split_once(':') {
            Some(("service", s)) if d.service.is_none() => d.service = Some(s.into()),
            Some(("version", s)) if d.version.is_none() => d.version = Some(s.into()),
            Some(("env", s)) if d.env.is_none() => d.env = Some(s.into()),
            Some(_) => {}
            None if looks_like_version(tag) => {
                d.version.get_or_insert_with(|| tag.into());
            }
            None if !KIND_WORDS.contains(&tag.to_ascii_lowercase().as_str()) => {
                d.service.get_or_insert_with(|| tag.into());
            }
            None => {}
        }
    }
    Ok(vec![check_end(d)?])
}

fn looks_like_version(s: &str) -> bool {
    let rest = s.strip_prefix(['v', 'V']).unwrap_or(s);
    rest.starts_with(|c: char| c.is_ascii_digit()) && rest.contains('.')
}

fn is_event_list(v: &Value) -> bool {
    v.get("kind").and_then(Value::as_str) == Some("EventList")
        || v.get("items").and_then(Value::as_array).is_some_and(|items| {
            items
                .first()
                .is_some_and(|i| i.get("involvedObject").is_some() && i.get("reason").is_some())
        })
}

/// `kubectl get events -o json`: rollouts grouped, restarts as their own markers.
fn kube_events(v: &Value, name: &str) -> Result<Vec<Deploy>> {
    // (deployment) -> [(time, scaled-up replica set hash)]
    let mut rollouts: BTreeMap<String, Vec<(i64, Option<String>)>> = BTreeMap::new();
    let mut restarts: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for (i, e) in v["items"].as_array().into_iter().flatten().enumerate() {
        let at = || format!("{name}: items[{i}]");
        let kind = e.pointer("/involvedObject/kind").and_then(Value::as_str).unwrap_or("");
        let reason = e.get("reason").and_then(Value::as_str).unwrap_or("");
        let obj = e.pointer("/involvedObject/name").and_then(Value::as_str).unwrap_or("");
        let time = ["eventTime", "lastTimestamp", "firstTimestamp"]
            .iter()
            .find_map(|k| e.get(*k).and_then(Value::as_str).filter(|s| !s.is_empty()));
        let wanted = matches!(
            (kind, reason),
            ("Deployment", "ScalingReplicaSet")
                | ("Pod", "Killing" | "BackOff")
                | ("Node", "OOMKilling")
        );
        if !wanted {
            continue;
        }
        let time =
            time.ok_or_else(|| anyhow!("{}: no eventTime, lastTimestamp or firstTimestamp", at()))?;
        let t = parse_time(time).with_context(at)?;
        if reason == "ScalingReplicaSet" {
            let msg = e.get("message").and_then(Value::as_str).unwrap_or("");
            // "Scaled up replica set api-7d9f8c6b5 to 3"
            let hash = msg
                .strip_prefix("Scaled up replica set ")
                .and_then(|r| r.split_whitespace().next())
                .and_then(|rs| rs.strip_prefix(obj).and_then(|h| h.strip_prefix('-')))
                .map(str::to_owned);
            rollouts.entry(obj.to_owned()).or_default().push((t, hash));
        } else {
            let service = if kind == "Pod" { pod_service(obj) } else { obj.to_owned() };
            restarts.entry(service).or_default().push(t);
        }
    }
    let mut out = Vec::new();
    for (service, mut evs) in rollouts {
        evs.sort();
        let mut group: Vec<(i64, Option<String>)> = Vec::new();
        for ev in evs {
            if group.last().is_some_and(|l| ev.0 - l.0 > 300) {
                out.push(rollout(&service, &group));
                group.clear();
            }
            group.push(ev);
        }
        if !group.is_empty() {
            out.push(rollout(&service, &group));
        }
    }
    for (service, mut ts) in restarts {
        ts.sort_unstable();
        let mut start: Option<(i64, i64)> = None;
        for t in ts {
            match start {
                Some((s, e)) if t - e <= 60 => start = Some((s, t)),
                Some((s, e)) => {
                    out.push(restart_marker(&service, s, e));
                    start = Some((t, t));
                }
                None => start = Some((t, t)),
            }
        }
        if let Some((s, e)) = start {
            out.push(restart_marker(&service, s, e));
        }
    }
    Ok(out)
}

fn rollout(service: &str, group: &[(i64, Option<String>)]) -> Deploy {
    let first = group.first().map_or(0, |g| g.0);
    let last = group.last().map_or(first, |g| g.0);
    Deploy {
        start: first,
        end: (last > first).then_some(last),
        version: group.iter().rev().find_map(|g| g.1.clone()),
        service: Some(service.into()),
        source: Some("kubectl".into()),
        ..Deploy::default()
    }
}

fn restart_marker(service: &str, s: i64, e: i64) -> Deploy {
    Deploy {
        start: s,
        end: (e > s).then_some(e),
        service: Some(service.into()),
        kind: Kind::Restart,
        source: Some("kubectl".into()),
        ..Deploy::default()
    }
}

/// `api-7d9f8c6b5-x2x9z` -> `api`: a Deployment's pod name without the ReplicaSet hash and
/// the pod suffix.
fn pod_service(pod: &str) -> String {
    let parts: Vec<&str> = pod.split('-').collect();
    if parts.len() >= 3 { parts[..parts.len() - 2].join("-") } else { pod.to_owned() }
}

fn is_git_log(text: &str) -> bool {
    text.lines().find(|l| !l.trim().is_empty()).is_some_and(|l| git_line(l).is_some())
}

/// `<RFC 3339> <hash> <subject>`.
fn git_line(line: &str) -> Option<(i64, &str)> {
    let mut parts = line.trim().splitn(3, char::is_whitespace);
    let time = parts.next()?;
    let hash = parts.next()?;
    if hash.len() < 4 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let t = time.parse::<jiff::Timestamp>().ok()?;
    Some((t.as_second(), hash))
}

fn git_log(text: &str, name: &str) -> Result<Vec<Deploy>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let (start, hash) = git_line(line).ok_or_else(|| {
            anyhow!("{name}:{}: expected `<ISO time with zone> <hash> <subject>` as written by git log --format='%cI %h %s'", i + 1)
        })?;
        out.push(Deploy {
            start,
            version: Some(hash.into()),
            kind: Kind::Commit,
            source: Some("git".into()),
            ..Deploy::default()
        });
    }
    Ok(out)
}

/// Splits one CSV record (RFC 4180 quoting, no embedded line breaks).
fn csv_fields(line: &str) -> Result<Vec<String>> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (false, '"') if cur.is_empty() => quoted = true,
            (false, ',') => fields.push(std::mem::take(&mut cur)),
            (_, c) => cur.push(c),
        }
    }
    if quoted {
        bail!("unterminated quote");
    }
    fields.push(cur);
    Ok(fields)
}

fn csv(text: &str, name: &str) -> Result<Vec<Deploy>> {
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let Some((hi, header)) = lines.next() else { return Ok(Vec::new()) };
    let header: Vec<String> = csv_fields(header.trim_start_matches('\u{feff}'))
        .with_context(|| format!("{name}:{}", hi + 1))?
        .into_iter()
        .map(|h| h.trim().to_owned())
        .collect();
    if !header.iter().any(|h| START.contains(&h.as_str()) || END.contains(&h.as_str())) {
        bail!(
            "{name}:{}: the CSV header names no time column (expected one of: {})",
            hi + 1,
            START.join(", ")
        );
    }
    let mut out = Vec::new();
    for (i, line) in lines {
        let at = format!("{name}:{}", i + 1);
        let fields = csv_fields(line).with_context(|| at.clone())?;
        if fields.len() != header.len() {
            bail!("{at}: {} fields, but the header has {}", fields.len(), header.len());
        }
        let mut obj = serde_json::Map::new();
        for (h, f) in header.iter().zip(fields) {
            let f = f.trim().to_owned();
            if f.is_empty() {
                continue;
            }
            // Epoch numbers stay numbers; everything else is text.
            let v = match f.parse::<i64>() {
                Ok(n) if START.contains(&h.as_str()) || END.contains(&h.as_str()) => Value::from(n),
                _ => Value::from(f),
            };
            obj.insert(h.clone(), v);
        }
        out.extend(from_json(&Value::Object(obj)).with_context(|| at.clone())?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests;

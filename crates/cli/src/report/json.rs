//! JSON output: the `events` records (NDJSON) and the `summary --output json` object.
//!
//! These docs are the schema's specification.
//!
//! # Strings
//!
//! Log text is bytes, not necessarily UTF-8. Every string is written as a JSON string: valid
//! UTF-8 as is (with `"`, `\` and control characters escaped as JSON requires), and each byte
//! that is not part of valid UTF-8 as the four characters `\xNN` (a backslash, `x`, two
//! upper-case hex digits; in the JSON text the backslash itself is escaped, `"\\xFF"`). So no
//! byte is dropped or replaced by U+FFFD. The mapping is not reversible in one case: a line
//! that literally contains the text `\xFF` reads the same as one that contains the byte 0xFF.
//! Use `--raw` and compare with the file when that matters.
//!
//! # `gatelog events`
//!
//! One object per line of output, in input order, keys in this order:
//!
//! | key | type | meaning |
//! |---|---|---|
//! | `source` | string | the input's path as given, `-` for standard input |
//! | `line` | integer | the 1-based line number in that input |
//! | `time` | string or null | RFC 3339 in UTC (`2024-07-01T10:00:00Z`, with `.ffffff` when the log has microseconds) |
//! | `format` | string | `nginx-error`, `nginx-access`, `haproxy`, `alb`, `elb` |
//! | `class` | string | the failure class (`connect_refused`, ...; see the taxonomy) |
//! | `group` | string | the class's group (`connect`, `response`, ...) |
//! | `phase` | string | `connect`, `send`, `header`, `body`, `queue`, `health`, `none` |
//! | `level` | string or null | the logged severity (`error`, `warn`, ...) |
//! | `status` | integer or null | the status the client received, when the line says so |
//! | `upstream` | string or null | the upstream peer |
//! | `upstream_group` | string or null | the upstream pool |
//! | `client`, `server`, `host`, `request` | string or null | as in the log |
//! | `message` | string | the message text (empty for access logs) |
//! | `fields` | object | format-specific fields (`errno`, `action`, ...): strings, numbers, booleans, arrays (`null` for `-` entries); absent fields are left out |
//! | `raw` | string | only with `--raw`: the whole line |
//!
//! With `--unparsed`, each line that is not an event gives
//! `{"source","line","unparsed":true,"error","reason"}` (`error` is the full message with the
//! byte offset, `reason` the short stable name that summaries count), and each line that
//! continues an earlier multi-line entry gives `{"source","line","continuation":true}`.
//! Without `--class`/`--upstream`/`--since`/`--until`, the output then has exactly one record
//! per input line.
//!
//! # `gatelog summary --output json`
//!
//! One object:
//!
//! ```text
//! {
//!   "schema_version": 1,
//!   "time_range": {"first": "...Z", "last": "...Z"} | null,
//!   "lines": N, "events": N, "copies": N, "excluded": N, "continuation": N, "unparsed": N,
//!   "formats": [{"format": "nginx-error", "events": N, "unit": "attempts"}],
//!   "unparsed_reasons": [{"format": "nginx-error" | null, "reason": "not recognized",
//!                         "count": N, "samples": [{"source", "line", "text", "clipped"}]}],
//!   "unrecognized_events": N,
//!   "unrecognized": [{"format": "nginx-error", "message": "foo() failed (N: ...)", "count": N,
//!                     "sample": {"source", "line", "text"}}],
//!   "upstreams": [{"unit": "attempts" | "responses" | "notices" | "controller_messages",
//!                  "upstream": "10.0.0.1:80" | null,
//!                  "failures": N, "total": N, "classes": {"connect_refused": N, ...}}],
//!   "hints": [{"class": "connect_refused", "unit": "attempts", "count": N, "hint": "..."}],
//!   "join": {"joined": true, "responses": N, "responses_by_class": {"connect_refused": N, "gateway_error": N},
//!            "hidden": N, "hidden_attempts": {"connect_refused": N},
//!            "hidden_by_upstream": [{"upstream": "10.0.0.5:80", "class": "connect_refused",
//!                                    "count": N}],
//!            "earlier_attempts": N, "unmatched_attempts": N, "unmatched_responses": N,
//!            "settled_early": N, "paired_responses": N}
//! }
//! ```
//!
//! `join` is the nginx error log joined to the access log of the same server
//! (`logparse::join`): `responses_by_class` counts the 5xx responses with a failed upstream
//! attempt by the class of the attempt that produced the status (`gateway_error` when the error
//! log has no such attempt: those are also `unmatched_responses`); `hidden_attempts` counts
//! failed attempts whose response succeeded on a retry (users never saw them), per class, and
//! `hidden_by_upstream` per peer, most first; `earlier_attempts` the failed attempts before the
//! last one of a 5xx response; `unmatched_attempts` failed attempts with no response line (the
//! access log is missing, filtered or cut); `settled_early` lines joined before their partner
//! could be read because too many waited (0 unless memory ran short). `paired_responses`
//! counts Traefik and Caddy 502/504 responses that took the class of their cause line
//! (`logparse::pair`; their classes are in the `responses` rows of `upstreams`). `joined` says
//! whether the input held lines of both nginx logs to join; when it is `false`, the other
//! counts but `paired_responses` are 0.
//!
//! `lines = events + excluded + continuation + unparsed`, where `excluded` counts events
//! that the filters left out. `unit` says what a count is: `attempts` (nginx error log: one
//! event per attempt to reach an upstream; a request may make several) or `responses` (access
//! logs and HAProxy traffic lines: one per client response) or `notices` (HAProxy health and
//! admin messages: one per message, `Server x/y is DOWN`, not a client response) or
//! `controller_messages` (the ingress-nginx controller's own klog lines: one per line, its
//! view of a service, not a client response). `copies`
//! (part of `events`) counts second copies of one health or admin message that were not
//! counted again: HAProxy writes these to stderr and to syslog, and a reader of both sees each
//! twice (same class, upstream and text, at most a second apart: a message seen at seconds
//! each at most one from the next counts once, however the input was split for reading;
//! timelines, spikes and the report count it the same way). Counts of different units
//! are never added together: an
//! upstream seen in both kinds of log has one row per unit. `classes` lists only non-zero
//! counts; `failures` sums the classes that are upstream failures. Rows come sorted by
//! failures, descending.
//!
//! `unrecognized` lists the most frequent messages the parsers do not know (at most 10, most
//! frequent first; `unrecognized_events` counts every event with one): nginx error messages
//! at level `warn` or worse that no catalog rule takes. `message` has every run of digits
//! written `N`, so one message with different addresses or numbers is one entry; `sample` is
//! its first line. Such a line at `error` or worse in an upstream context is counted as a
//! `gateway_error`, else as `info`.

use std::io::{self, Write};

use engine::logparse::{Event, ParseError, Value};
use engine::timeline::messages::SHOWN_UNRECOGNIZED;
use engine::timeline::{Summary, Unit};
use serde_json::json;

/// Writes `bytes` as a JSON string, quotes included (see the module docs for non-UTF-8).
pub fn write_str(w: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    w.write_all(b"\"")?;
    for chunk in bytes.utf8_chunks() {
        write_escaped(w, chunk.valid().as_bytes())?;
        for b in chunk.invalid() {
            write!(w, "\\\\x{b:02X}")?;
        }
    }
    w.write_all(b"\"")
}

/// Writes valid UTF-8 with JSON escapes, in runs between the bytes that need one.
fn write_escaped(w: &mut impl Write, s: &[u8]) -> io::Result<()> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut start = 0;
    for (i, &c) in s.iter().enumerate() {
        let esc: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x00..=0x1f => {
                &[b'\\', b'u', b'0', b'0', HEX[usize::from(c >> 4)], HEX[usize::from(c & 15)]]
            }
            _ => continue,
        };
        w.write_all(s.get(start..i).unwrap_or_default())?;
        w.write_all(esc)?;
        start = i + 1;
    }
    w.write_all(s.get(start..).unwrap_or_default())
}

/// A quoted JSON string of `s`, for values written on many lines (the input's name).
pub fn quoted(s: &str) -> Vec<u8> {
    let mut v = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = write_str(&mut v, s.as_bytes());
    v
}

fn write_opt_str(w: &mut impl Write, v: Option<&[u8]>) -> io::Result<()> {
    match v {
        Some(b) => write_str(w, b),
        None => w.write_all(b"null"),
    }
}

fn write_value(w: &mut impl Write, v: &Value<'_>) -> io::Result<()> {
    match v {
        Value::Text(b) => write_str(w, b),
        Value::Label(name) => write_str(w, name.as_bytes()),
        Value::Uint(n) => write!(w, "{n}"),
        Value::Int(n) => write!(w, "{n}"),
        Value::Float(x) if x.is_finite() => write!(w, "{x}"),
        Value::Float(_) => w.write_all(b"null"),
        Value::Bool(b) => w.write_all(if *b { b"true" } else { b"false" }),
        Value::List(items) => {
            w.write_all(b"[")?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    w.write_all(b",")?;
                }
                match item {
                    Some(v) => write_value(w, v)?,
                    None => w.write_all(b"null")?,
                }
            }
            w.write_all(b"]")
        }
        // A kind of value added to logparse later; null keeps the line valid JSON.
        #[allow(unreachable_patterns)]
        _ => w.write_all(b"null"),
    }
}

/// The `"source":...,"line":N` prefix every record starts with.
fn write_head(w: &mut impl Write, source: &[u8], line: u64) -> io::Result<()> {
    w.write_all(b"{\"source\":")?;
    w.write_all(source)?;
    write!(w, ",\"line\":{line}")
}

/// Writes one event record. `source` is the input's name, already quoted ([`quoted`]).
pub fn write_event(
    w: &mut impl Write,
    source: &[u8],
    line: u64,
    ev: &Event<'_>,
    raw: bool,
) -> io::Result<()> {
    write_head(w, source, line)?;
    match ev.time {
        Some(t) => write!(w, ",\"time\":\"{t}\"")?,
        None => w.write_all(b",\"time\":null")?,
    }
    write!(
        w,
        ",\"format\":\"{}\",\"class\":\"{}\",\"group\":\"{}\",\"phase\":\"{}\",\"level\":",
        ev.format,
        ev.class,
        ev.class.group(),
        ev.phase
    )?;
    match ev.level {
        Some(l) => write!(w, "\"{l}\"")?,
        None => w.write_all(b"null")?,
    }
    match ev.status {
        Some(s) => write!(w, ",\"status\":{s}")?,
        None => w.write_all(b",\"status\":null")?,
    }
    for (key, v) in [
        (&b",\"upstream\":"[..], ev.upstream),
        (b",\"upstream_group\":", ev.upstream_group),
        (b",\"client\":", ev.client),
        (b",\"server\":", ev.server),
        (b",\"host\":", ev.host),
        (b",\"request\":", ev.request),
    ] {
        w.write_all(key)?;
        write_opt_str(w, v)?;
    }
    w.write_all(b",\"message\":")?;
    write_str(w, ev.message)?;
    w.write_all(b",\"fields\":{")?;
    let mut first = true;
    let mut result = Ok(());
    ev.fields.visit(&mut |name, value| {
        if result.is_err() {
            return;
        }
        result = (|| {
            if !first {
                w.write_all(b",")?;
            }
            first = false;
            write_str(w, name.as_bytes())?;
            w.write_all(b":")?;
            write_value(w, &value)
        })();
    });
    result?;
    w.write_all(b"}")?;
    if raw {
        w.write_all(b",\"raw\":")?;
        write_str(w, ev.raw)?;
    }
    w.write_all(b"}\n")
}

/// Writes the record of a line that is not an event.
pub fn write_unparsed(
    w: &mut impl Write,
    source: &[u8],
    line: u64,
    err: &ParseError,
) -> io::Result<()> {
    write_head(w, source, line)?;
    // The Display of a ParseError is ASCII text from the library, but escape it anyway.
    write!(w, ",\"unparsed\":true,\"error\":")?;
    let mut msg = [0u8; 256];
    let n = {
        let mut cur = io::Cursor::new(&mut msg[..]);
        // A message longer than the buffer is cut; none is near that long.
        let _ = write!(cur, "{err}");
        cur.position() as usize
    };
    write_str(w, msg.get(..n).unwrap_or_default())?;
    w.write_all(b",\"reason\":")?;
    write_str(w, err.reason().as_bytes())?;
    w.write_all(b"}\n")
}

/// Writes the record of a line that continues an earlier entry.
pub fn write_continuation(w: &mut impl Write, source: &[u8], line: u64) -> io::Result<()> {
    write_head(w, source, line)?;
    w.write_all(b",\"continuation\":true}\n")
}

/// The text of log bytes for serde_json values (see the module docs).
fn text(b: &[u8]) -> String {
    engine::logparse::text(b).to_string()
}

/// Writes the summary object.
pub fn write_summary(
    w: &mut impl Write,
    s: &Summary,
    hints: &[super::style::Hint],
) -> io::Result<()> {
    let time_range =
        s.time_range().map(|(a, b)| json!({"first": a.to_string(), "last": b.to_string()}));
    let formats: Vec<_> = s
        .formats()
        .map(|(f, n)| json!({"format": f.as_str(), "events": n, "unit": Unit::of(f).as_str()}))
        .collect();
    let reasons: Vec<_> = s
        .reasons()
        .iter()
        .map(|r| {
            let samples: Vec<_> = r
                .samples
                .iter()
                .map(|x| json!({"source": &*x.name, "line": x.line, "text": text(&x.text), "clipped": x.clipped}))
                .collect();
            json!({
                "format": r.format.map(|f| f.as_str()),
                "reason": r.reason,
                "count": r.count,
                "samples": samples,
            })
        })
        .collect();
    let unrecognized: Vec<_> = s
        .unrecognized()
        .top(SHOWN_UNRECOGNIZED)
        .iter()
        .map(|m| {
            json!({
                "format": m.format.as_str(),
                "message": text(&m.text),
                "count": m.count,
                "sample": {"source": &*m.name, "line": m.line, "text": text(&m.sample)},
            })
        })
        .collect();
    let mut upstreams = Vec::new();
    for unit in s.units() {
        for row in s.rows(unit) {
            let classes: serde_json::Map<String, serde_json::Value> =
                row.classes(unit).map(|(c, n)| (c.as_str().to_owned(), n.into())).collect();
            upstreams.push(json!({
                "unit": unit.as_str(),
                "upstream": row.name().map(text),
                "failures": row.failures(unit),
                "total": row.total(unit),
                "classes": classes,
            }));
        }
    }
    let hints: Vec<_> = hints
        .iter()
        .map(|h| json!({"class": h.class.as_str(), "unit": h.unit.as_str(), "count": h.count, "hint": h.class.hint()}))
        .collect();
    let doc = json!({
        "schema_version": 1,
        "time_range": time_range,
        "lines": s.lines(),
        "events": s.events(),
        "copies": s.copies(),
        "excluded": s.excluded(),
        "continuation": s.continuation(),
        "unparsed": s.unparsed(),
        "formats": formats,
        "unparsed_reasons": reasons,
        "unrecognized_events": s.unrecognized().total(),
        "unrecognized": unrecognized,
        "upstreams": upstreams,
        "hints": hints,
        "join": join_object(s),
    });
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    w.write_all(b"\n")
}

/// The `join` object of the summary (see the module docs).
fn join_object(s: &Summary) -> serde_json::Value {
    let r = s.join();
    let by_class = |m: &std::collections::BTreeMap<engine::logparse::Class, u64>| {
        let mut v: Vec<_> = m.iter().collect();
        v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        v.into_iter()
            .map(|(c, n)| (c.as_str().to_owned(), serde_json::Value::from(*n)))
            .collect::<serde_json::Map<_, _>>()
    };
    let mut peers: Vec<_> = r.hidden_by_upstream.iter().collect();
    peers.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let peers: Vec<_> = peers
        .into_iter()
        .map(|((u, c), n)| json!({"upstream": text(u), "class": c.as_str(), "count": n}))
        .collect();
    json!({
        "joined": s.has_join(),
        "responses": r.responses(),
        "responses_by_class": by_class(&r.responses_by_class),
        "hidden": r.hidden(),
        "hidden_attempts": by_class(&r.hidden_attempts),
        "hidden_by_upstream": peers,
        "earlier_attempts": r.earlier_attempts,
        "unmatched_attempts": r.unmatched_attempts,
        "unmatched_responses": r.unmatched_responses,
        "settled_early": r.settled_early,
        "paired_responses": s.paired(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(bytes: &[u8]) -> String {
        let mut v = Vec::new();
        write_str(&mut v, bytes).unwrap();
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn strings_escape_json_specials_and_keep_invalid_bytes() {
        assert_eq!(s(b"plain"), r#""plain""#);
        assert_eq!(
            s(b"a\"b\\c\n\r\t\x00\x1f\x7f"),
            r#""a\"b\\c\n\r\t\u0000\u001f\x7f""#.replace("\\x7f", "\x7f")
        );
        assert_eq!(s(b"caf\xc3\xa9 \xff\xfe"), r#""café \\xFF\\xFE""#);
        let parsed: String = serde_json::from_str(&s(b"\xff\x00 ok \xe2\x80")).unwrap();
        assert_eq!(parsed, "\\xFF\u{0} ok \\xE2\\x80");
    }

    #[test]
    fn event_records_are_valid_json_with_fields() {
        let line = b"2024/11/03 06:09:29 [error] 184#184: *94 upstream prematurely closed connection \
            while reading response header from upstream, client: 192.168.58.11, server: dash, \
            request: \"GET /\xff HTTP/1.1\", upstream: \"http://10.244.3.84:5601/\", host: \"dash\"";
        let ev = engine::logparse::nginx::error::parse(line).unwrap();
        let mut out = Vec::new();
        write_event(&mut out, &quoted("a.log"), 7, &ev, true).unwrap();
        assert_eq!(out.last(), Some(&b'\n'));
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["source"], "a.log");
        assert_eq!(v["line"], 7);
        assert_eq!(v["time"], "2024-11-03T06:09:29Z");
        assert_eq!(v["class"], "prematurely_closed");
        assert_eq!(v["group"], "response");
        assert_eq!(v["level"], "error");
        assert_eq!(v["status"], serde_json::Value::Null);
        assert_eq!(v["upstream"], "10.244.3.84:5601");
        assert_eq!(v["request"], "GET /\\xFF HTTP/1.1");
        assert_eq!(v["fields"]["pid"], 184);
        assert_eq!(v["fields"]["connection"], 94);
        assert_eq!(v["fields"]["upstream_scheme"], "http");
        assert_eq!(v["raw"], engine::logparse::text(line).to_string());
    }

    #[test]
    fn values_of_every_kind() {
        let mut out = Vec::new();
        let list = Value::List(vec![Some(Value::Int(-1)), None, Some(Value::Float(0.25))]);
        write_value(&mut out, &list).unwrap();
        write_value(&mut out, &Value::Float(f64::NAN)).unwrap();
        write_value(&mut out, &Value::Bool(false)).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "[-1,null,0.25]nullfalse");
    }

    #[test]
    fn unparsed_and_continuation_records() {
        let mut out = Vec::new();
        let err = ParseError::new(None, engine::logparse::ParseErrorKind::Empty, 0);
        write_unparsed(&mut out, &quoted("-"), 3, &err).unwrap();
        write_continuation(&mut out, &quoted("-"), 4).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "{\"source\":\"-\",\"line\":3,\"unparsed\":true,\"error\":\"no known format: empty line at byte 0\",\"reason\":\"empty line\"}\n\
             {\"source\":\"-\",\"line\":4,\"continuation\":true}\n"
        );
    }
}

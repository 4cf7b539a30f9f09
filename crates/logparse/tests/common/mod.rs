//! Fixture cases ("this line gives this event") and the one checker every format's tests use.
//!
//! A [`Case`] is a line, how to parse it ([`Setup`]) and what must come out ([`Expect`]).
//! Cases come from three kinds of files (see [`load`]): the `cases.toml` files of
//! `testdata/<format>/` (the fixture format, described in `testdata/README.md`), the annotated
//! log collections beside them, and the shared corpus (`testdata/corpus/real_lines.tsv`).
//! [`check`] parses them and fails listing every case that differs, each with its name, the
//! file and line it was written at, and the expected and actual value of the field.
//!
//! Each test binary uses only part of this module.
#![allow(dead_code)]

pub mod load;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};

use logparse::nginx::access::LogFormat;
use logparse::{Class, Event, Fields, Format, Options, ParseError, ParseErrorKind, Parser, Value};

/// The repository's `testdata/` directory.
pub fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

/// How a case's line is parsed.
#[derive(Clone, Debug, Default)]
pub struct Setup {
    /// The format, or `None` to detect it per line.
    pub format: Option<Format>,
    /// Parser options (zone, year).
    pub opts: Options,
    /// An nginx `log_format` to read access-log lines with, instead of the defaults.
    pub log_format: Option<LogFormat>,
    /// An HAProxy `log-format` to read traffic lines with, instead of the built-in formats.
    pub haproxy_log_format: Option<logparse::haproxy::LogFormat>,
    /// An Envoy format string to read Envoy lines with first.
    pub envoy_log_format: Option<logparse::envoy::LogFormat>,
}

impl Setup {
    /// A fresh parser for this setup.
    pub fn parser(&self) -> Parser {
        let mut p = Parser::new(self.format, self.opts.clone());
        if let Some(f) = &self.log_format {
            p = p.with_access_format(f.clone());
        }
        if let Some(f) = &self.haproxy_log_format {
            p = p.with_haproxy_format(f.clone());
        }
        if let Some(f) = &self.envoy_log_format {
            p = p.with_envoy_format(f.clone());
        }
        p
    }
}

/// One line and what parsing it must give.
#[derive(Clone, Debug)]
pub struct Case {
    /// A name unique in its file.
    pub name: String,
    /// Where the case was written: `<file under testdata>:<line>`.
    pub at: String,
    /// Where the line came from, when the file says so.
    pub source: Option<String>,
    /// How to parse the line.
    pub setup: Setup,
    /// The line, without its terminator.
    pub line: Vec<u8>,
    /// What must come out.
    pub expect: Expect,
}

/// Whether the line must be an event or an error.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Outcome {
    /// An event.
    #[default]
    Event,
    /// An event, or a later line of a multi-line entry (`ParseErrorKind::Continuation`).
    EventOrContinuation,
    /// An error; `kind` is the text of its `ParseErrorKind` (`skipped: alb connection log`),
    /// `None` for any error except a continuation.
    Error { kind: Option<String>, offset: Option<usize> },
}

/// A value a case expects: the text, number, flag or list that the field must hold.
#[derive(Clone, Debug, PartialEq)]
pub enum Want {
    /// Text (compared with the field's bytes) or a fixed name (class, phase, rule, ...).
    Text(String),
    /// An integer.
    Int(i64),
    /// A number with a fraction (seconds), compared exactly.
    Float(f64),
    /// A flag; `false` also matches a flag that is not reported (flags are shown only when set).
    Bool(bool),
    /// One entry per upstream attempt; `None` stands for `-`.
    List(Vec<Option<Want>>),
}

/// What parsing a case's line must give.
#[derive(Clone, Debug, Default)]
pub struct Expect {
    /// Event or error.
    pub outcome: Outcome,
    /// The classes the event may have (usually one); empty for any.
    pub classes: Vec<Class>,
    /// Fields that must hold a value: the event's own (`upstream`, `status`, `time`, ...) and
    /// the format's ([`Fields::visit`] names, plus the few of [`extra_fields`]).
    pub values: Vec<(String, Want)>,
    /// Fields that must be absent (`None`).
    pub absent: Vec<String>,
    /// Fields that must be present, whatever their value.
    pub present: Vec<String>,
    /// What `detect::detect_line` must say of the line: `Some(None)` for no format.
    pub detect: Option<Option<Format>>,
    /// The format a line parsed in detection mode must come out as.
    pub parsed_as: Option<Format>,
    /// Parsing the line with the access-log defaults (no `log_format`) gives the same event.
    pub same_with_default_layout: bool,
}

/// What a checked set of cases gave, for assertions over a whole file.
#[derive(Debug, Default)]
pub struct Report {
    /// Cases checked.
    pub cases: usize,
    /// Cases that gave an event.
    pub events: usize,
    /// Every fixed name ([`Value::Label`]) the events' format fields took, by field name.
    pub labels: BTreeMap<&'static str, BTreeSet<&'static str>>,
}

impl Report {
    /// The names that the field `name` took across the events.
    pub fn labels(&self, name: &str) -> BTreeSet<&'static str> {
        self.labels.get(name).cloned().unwrap_or_default()
    }
}

/// Checks every case with a fresh parser each, and fails listing every mismatch.
pub fn check(cases: &[Case]) -> Report {
    run(cases, false)
}

/// Checks the cases in order with one parser, made from the first case's setup (the lines of
/// one input: multi-line entries and learned years carry over), and fails listing every
/// mismatch.
pub fn check_in_order(cases: &[Case]) -> Report {
    run(cases, true)
}

fn run(cases: &[Case], shared: bool) -> Report {
    let mut report = Report::default();
    let mut failures = Vec::new();
    let mut one_parser = if shared { cases.first().map(|c| c.setup.parser()) } else { None };
    let mut names = BTreeSet::new();
    for case in cases {
        if !names.insert((case.at.split(':').next(), case.name.as_str())) {
            failures.push(format!("case `{}` ({}): the name is used twice", case.name, case.at));
        }
        let mut fresh;
        let p = match &mut one_parser {
            Some(p) => p,
            None => {
                fresh = case.setup.parser();
                &mut fresh
            }
        };
        let result = p.parse(&case.line);
        report.cases += 1;
        if let Ok(ev) = &result {
            report.events += 1;
            ev.fields.visit(&mut |k, v| {
                if let Value::Label(l) = v {
                    report.labels.entry(k).or_default().insert(l);
                }
            });
        }
        let problems = check_case(case, &result);
        if !problems.is_empty() {
            let mut msg = format!("case `{}` ({}):", case.name, case.at);
            for p in &problems {
                write!(msg, "\n    {p}").unwrap();
            }
            write!(msg, "\n    line: {}", short(&case.line)).unwrap();
            failures.push(msg);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    report
}

/// The line as text, cut to a readable length.
fn short(line: &[u8]) -> String {
    let text = logparse::text(line).to_string();
    match text.char_indices().nth(240) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text,
    }
}

/// What is wrong with the outcome of one case, one entry per field.
fn check_case(case: &Case, result: &Result<Event<'_>, ParseError>) -> Vec<String> {
    let x = &case.expect;
    let mut problems = Vec::new();
    if let Some(want) = x.detect {
        let got = logparse::detect::detect_line(&case.line);
        if got != want {
            problems.push(format!(
                "detect: expected {}, got {}",
                fmt_format(want),
                fmt_format(got)
            ));
        }
    }
    let ev = match (&x.outcome, result) {
        (Outcome::Error { kind, offset }, Err(e)) => {
            let kind_ok = match kind {
                Some(k) => e.kind.to_string() == *k,
                None => e.kind != ParseErrorKind::Continuation,
            };
            if !kind_ok {
                let want = kind.as_deref().unwrap_or("any error but a continuation");
                problems.push(format!("error: expected {want}, got {e}"));
            }
            if let Some(o) = offset.filter(|&o| o != e.offset) {
                problems.push(format!("error offset: expected {o}, got {}", e.offset));
            }
            return problems;
        }
        (Outcome::Error { kind, .. }, Ok(ev)) => {
            let want = kind.as_deref().unwrap_or("an error");
            problems.push(format!("outcome: expected {want}, got an event of class {}", ev.class));
            return problems;
        }
        (Outcome::EventOrContinuation, Err(e)) if e.kind == ParseErrorKind::Continuation => {
            return problems;
        }
        (_, Err(e)) => {
            let want = match x.classes.as_slice() {
                [] => "an event".to_string(),
                cs => format!("an event of class {}", names(cs)),
            };
            problems.push(format!("outcome: expected {want}, got error {e}"));
            return problems;
        }
        (_, Ok(ev)) => ev,
    };
    if let Err(field) = ev.check_borrows(&case.line) {
        problems.push(format!("{field}: not a part of the line"));
    }
    let want_format = case.setup.format.or(x.parsed_as);
    if let Some(f) = want_format.filter(|&f| f != ev.format) {
        problems.push(format!("format: expected {f}, got {}", ev.format));
    }
    if !x.classes.is_empty() && !x.classes.contains(&ev.class) {
        problems.push(format!("class: expected {}, got {}", names(&x.classes), ev.class));
    }
    let got = actual(ev);
    let find = |name: &str| got.iter().find(|(k, _)| *k == name).map(|(_, v)| v);
    let known = known_fields(ev.format);
    let named = x.values.iter().map(|(k, _)| k).chain(&x.absent).chain(&x.present);
    for name in named {
        if !COMMON_FIELDS.contains(&name.as_str()) && !known.contains(&name.as_str()) {
            problems.push(format!("{name}: not a field of {} events", ev.format));
        }
    }
    for (name, want) in &x.values {
        match (find(name), want) {
            (Some(g), w) if g.matches(w) => {}
            (None, Want::Bool(false)) => {}
            (Some(g), w) => problems.push(format!("{name}: expected {w}, got {g}")),
            (None, w) => problems.push(format!("{name}: expected {w}, got none")),
        }
    }
    for name in &x.absent {
        if let Some(g) = find(name) {
            problems.push(format!("{name}: expected none, got {g}"));
        }
    }
    for name in &x.present {
        if find(name).is_none() {
            problems.push(format!("{name}: expected a value, got none"));
        }
    }
    if x.same_with_default_layout {
        let plain = Setup { log_format: None, ..case.setup.clone() };
        match plain.parser().parse(&case.line) {
            Ok(d) if d == *ev => {}
            Ok(d) => problems.push(format!(
                "default layout: reads the line differently:\n      {d:?}\n    instead of\n      {ev:?}"
            )),
            Err(e) => problems.push(format!("default layout: got error {e}")),
        }
    }
    problems
}

fn names(classes: &[Class]) -> String {
    classes.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(" or ")
}

fn fmt_format(f: Option<Format>) -> &'static str {
    f.map_or("none", Format::as_str)
}

/// A field's value as parsed, owned.
#[derive(Clone, Debug, PartialEq)]
enum Got {
    Text(Vec<u8>),
    Uint(u64),
    Int(i64),
    Float(f64),
    Bool(bool),
    List(Vec<Option<Got>>),
}

impl Got {
    fn of(v: &Value<'_>) -> Got {
        match v {
            Value::Text(t) => Got::Text(t.to_vec()),
            Value::Label(l) => Got::Text(l.as_bytes().to_vec()),
            Value::Uint(n) => Got::Uint(*n),
            Value::Int(n) => Got::Int(*n),
            Value::Float(x) => Got::Float(*x),
            Value::Bool(b) => Got::Bool(*b),
            Value::List(items) => {
                Got::List(items.iter().map(|i| i.as_ref().map(Got::of)).collect())
            }
            other => panic!("a value of a kind this checker does not know: {other:?}"),
        }
    }

    fn text(s: impl AsRef<[u8]>) -> Got {
        Got::Text(s.as_ref().to_vec())
    }

    fn matches(&self, want: &Want) -> bool {
        match (self, want) {
            (Got::Text(g), Want::Text(w)) => g == w.as_bytes(),
            (Got::Uint(g), Want::Int(w)) => u64::try_from(*w).is_ok_and(|w| w == *g),
            (Got::Int(g), Want::Int(w)) => g == w,
            (Got::Float(g), Want::Float(w)) => g == w,
            (Got::Bool(g), Want::Bool(w)) => g == w,
            (Got::List(g), Want::List(w)) => {
                g.len() == w.len()
                    && g.iter().zip(w).all(|(g, w)| match (g, w) {
                        (Some(g), Some(w)) => g.matches(w),
                        (None, None) => true,
                        _ => false,
                    })
            }
            _ => false,
        }
    }
}

impl fmt::Display for Got {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Got::Text(t) => write!(f, "{:?}", logparse::text(t)),
            Got::Uint(n) => write!(f, "{n}"),
            Got::Int(n) => write!(f, "{n}"),
            Got::Float(x) => write!(f, "{x:?}"),
            Got::Bool(b) => write!(f, "{b}"),
            Got::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    match item {
                        Some(g) => write!(f, "{g}")?,
                        None => f.write_str("-")?,
                    }
                }
                f.write_str("]")
            }
        }
    }
}

impl fmt::Display for Want {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Want::Text(t) => write!(f, "{t:?}"),
            Want::Int(n) => write!(f, "{n}"),
            Want::Float(x) => write!(f, "{x:?}"),
            Want::Bool(b) => write!(f, "{b}"),
            Want::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    match item {
                        Some(w) => write!(f, "{w}")?,
                        None => f.write_str("-")?,
                    }
                }
                f.write_str("]")
            }
        }
    }
}

/// The names of the fields every event has ([`Event`]'s own), as cases write them.
pub const COMMON_FIELDS: [&str; 14] = [
    "format",
    "time",
    "class",
    "phase",
    "level",
    "status",
    "upstream",
    "upstream_group",
    "client",
    "server",
    "host",
    "request",
    "message",
    "raw",
];

/// Every field of an event by name: the event's own, the format's (as [`Fields::visit`] shows
/// them), and the [`extra_fields`].
fn actual(ev: &Event<'_>) -> Vec<(&'static str, Got)> {
    let mut out = vec![
        ("format", Got::text(ev.format.as_str())),
        ("class", Got::text(ev.class.as_str())),
        ("phase", Got::text(ev.phase.as_str())),
        ("message", Got::text(ev.message)),
        ("raw", Got::text(ev.raw)),
    ];
    if let Some(t) = ev.time {
        out.push(("time", Got::text(t.to_string())));
    }
    if let Some(l) = ev.level {
        out.push(("level", Got::text(l.as_str())));
    }
    if let Some(s) = ev.status {
        out.push(("status", Got::Uint(s.into())));
    }
    for (k, v) in [
        ("upstream", ev.upstream),
        ("upstream_group", ev.upstream_group),
        ("client", ev.client),
        ("server", ev.server),
        ("host", ev.host),
        ("request", ev.request),
    ] {
        if let Some(v) = v {
            out.push((k, Got::text(v)));
        }
    }
    ev.fields.visit(&mut |k, v| out.push((k, Got::of(&v))));
    out.extend(extra_fields(&ev.fields));
    out
}

/// Format fields that [`Fields::visit`] does not show, read from the public structs.
///
/// - nginx access: `upstream_after_redirect` (per attempt: does a ` : ` come before it) and
///   the five upstream variables as written (`upstream_addr_raw`, `upstream_status_raw`,
///   `upstream_response_time_raw`, `upstream_connect_time_raw`, `upstream_header_time_raw`);
/// - ALB: `field_count` and `request_creation_time`;
/// - Classic ELB: `field_count`.
fn extra_fields(fields: &Fields<'_>) -> Vec<(&'static str, Got)> {
    let mut out = Vec::new();
    match fields {
        Fields::NginxAccess(f) => {
            let u = &f.upstreams;
            if !u.is_empty() {
                let redirects = u.attempts().map(|a| Some(Got::Bool(a.after_redirect))).collect();
                out.push(("upstream_after_redirect", Got::List(redirects)));
            }
            for (k, v) in [
                ("upstream_addr_raw", u.addr),
                ("upstream_status_raw", u.status),
                ("upstream_response_time_raw", u.response_time),
                ("upstream_connect_time_raw", u.connect_time),
                ("upstream_header_time_raw", u.header_time),
            ] {
                if let Some(v) = v {
                    out.push((k, Got::text(v)));
                }
            }
        }
        Fields::Alb(f) => {
            out.push(("field_count", Got::Uint(f.field_count as u64)));
            if let Some(t) = f.request_creation_time {
                out.push(("request_creation_time", Got::text(t.to_string())));
            }
        }
        Fields::Elb(f) => out.push(("field_count", Got::Uint(f.field_count as u64))),
        _ => {}
    }
    out
}

/// The names a case may use for the format fields of `format` (so that a misspelled name in
/// `absent` fails instead of passing unnoticed).
fn known_fields(format: Format) -> &'static [&'static str] {
    match format {
        Format::NginxError => &[
            "pid",
            "tid",
            "connection",
            "errno",
            "action",
            "upstream_scheme",
            "upstream_uri",
            "subrequest",
            "referrer",
            "implied_status",
            "stream",
            "truncated",
        ],
        Format::NginxAccess => &[
            "remote_user",
            "body_bytes_sent",
            "bytes_sent",
            "request_time",
            "referer",
            "user_agent",
            "forwarded_for",
            "request_method",
            "request_uri",
            "uri",
            "scheme",
            "server_port",
            "server_name",
            "upstream_addr",
            "upstream_status",
            "upstream_response_time",
            "upstream_connect_time",
            "upstream_header_time",
            "trailing",
            "upstream_after_redirect",
            "upstream_addr_raw",
            "upstream_status_raw",
            "upstream_response_time_raw",
            "upstream_connect_time_raw",
            "upstream_header_time_raw",
        ],
        Format::Alb => &[
            "type",
            "client_ip",
            "client_port",
            "target_ip",
            "target_port",
            "request_processing_time",
            "target_processing_time",
            "response_processing_time",
            "target_status_code",
            "received_bytes",
            "sent_bytes",
            "user_agent",
            "ssl_cipher",
            "ssl_protocol",
            "target_group_arn",
            "trace_id",
            "domain_name",
            "chosen_cert_arn",
            "matched_rule_priority",
            "duration",
            "actions_executed",
            "redirect_url",
            "error_reason",
            "target_port_list",
            "target_status_code_list",
            "classification",
            "classification_reason",
            "conn_trace_id",
            "transformed_host",
            "transformed_uri",
            "request_transform_status",
            "trailing",
            "truncated",
            "rule",
            "field_count",
            "request_creation_time",
        ],
        Format::Elb => &[
            "client_ip",
            "client_port",
            "backend_ip",
            "backend_port",
            "request_processing_time",
            "backend_processing_time",
            "response_processing_time",
            "backend_status_code",
            "received_bytes",
            "sent_bytes",
            "user_agent",
            "ssl_cipher",
            "ssl_protocol",
            "tcp",
            "trailing",
            "truncated",
            "rule",
            "field_count",
        ],
        Format::Haproxy => &[
            "kind",
            "pid",
            "syslog_host",
            "syslog_tag",
            "client_ip",
            "client_port",
            "server_name",
            "bind",
            "request_ms",
            "queue_ms",
            "connect_ms",
            "response_ms",
            "total_ms",
            "logasap",
            "status_raw",
            "bytes",
            "request_cookie",
            "response_cookie",
            "termination_state",
            "actconn",
            "feconn",
            "beconn",
            "srv_conn",
            "retries",
            "redispatched",
            "srv_queue",
            "backend_queue",
            "request_captures",
            "response_captures",
            "truncated",
            "extra",
            "bc_err",
            "ssl_sni",
            "ssl_version",
            "ssl_cipher",
            "proxy",
            "check_reason",
            "check_info",
            "check_code",
            "check_duration_ms",
            "cause",
            "active_servers",
            "backup_servers",
        ],
        Format::IngressController => &["thread", "source", "service_port"],
        Format::Envoy => &[
            "layout",
            "tcp",
            "method",
            "path",
            "protocol",
            "response_code",
            "response_flags",
            "response_code_details",
            "connection_termination_details",
            "upstream_transport_failure_reason",
            "mixer_status",
            "bytes_received",
            "bytes_sent",
            "duration_ms",
            "upstream_service_time_ms",
            "x_forwarded_for",
            "user_agent",
            "request_id",
            "upstream_host",
            "upstream_cluster",
            "upstream_cluster_port",
            "upstream_local_address",
            "downstream_local_address",
            "downstream_remote_address",
            "requested_server_name",
            "route_name",
            "grpc_status",
            "truncated",
            "trailing",
            "rule",
        ],
        Format::Traefik => &[
            "shape",
            "router_name",
            "service_name",
            "service_url",
            "origin_status",
            "downstream_status",
            "duration_ns",
            "origin_duration_ns",
            "request_count",
            "retry_attempts",
            "downstream_content_size",
            "entry_point_name",
            "request_method",
            "request_path",
            "request_protocol",
            "remote_user",
            "referer",
            "user_agent",
            "cause",
            "nil_status",
        ],
        Format::Caddy => &[
            "shape",
            "logger",
            "duration_us",
            "size",
            "method",
            "uri",
            "proto",
            "remote_ip",
            "client_ip",
            "error",
            "err_id",
            "err_trace",
        ],
        _ => &[],
    }
}

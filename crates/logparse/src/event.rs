//! The event model: one classified log line, borrowing from the line.

use std::borrow::Cow;
use std::fmt;

use crate::class::{Class, Phase};
use crate::time::Timestamp;

pub use crate::format::Format;
pub use crate::value::Value;

/// One classified log line.
///
/// Every text field borrows from the input line: parsing allocates nothing. Text fields are
/// byte slices because log content is not guaranteed to be UTF-8 (request lines, Host headers
/// and application output are written as the client or the application sent them); use
/// [`text`] or [`String::from_utf8_lossy`] to display them.
///
/// Fields the line does not carry are `None`. Which fields a format fills is listed in its
/// module's docs; format-specific fields are in [`Event::fields`].
#[derive(Clone, PartialEq, Eq)]
pub struct Event<'a> {
    /// The format the line was parsed as.
    pub format: Format,
    /// When the event happened, in UTC; `None` when the line has no (readable) time.
    pub time: Option<Timestamp>,
    /// What failed.
    pub class: Class,
    /// Where in the request it failed.
    pub phase: Phase,
    /// The severity the proxy logged the line with, when the line has one.
    ///
    /// Never used for classification: the same failure is logged at different levels by
    /// different versions and for different errnos.
    pub level: Option<Level>,
    /// The HTTP (or stream) status the client received, when the line says so.
    ///
    /// Nginx error-log lines never set it: a line describes one attempt, and nginx may retry.
    pub status: Option<u16>,
    /// The upstream peer: `IP:port`, `[IPv6]:port`, `unix:/path`, a server name, or (for
    /// "no live upstreams") the name of the upstream group.
    pub upstream: Option<&'a [u8]>,
    /// The upstream pool the peer belongs to (nginx `upstream {}` name, HAProxy backend, ALB
    /// target group), when the line names it.
    pub upstream_group: Option<&'a [u8]>,
    /// The client address, as written (may include a port, may be redacted).
    pub client: Option<&'a [u8]>,
    /// The virtual server or frontend that handled the request (nginx `server:`, HAProxy
    /// frontend, ALB name).
    pub server: Option<&'a [u8]>,
    /// The request's Host header (or the host part of an absolute request URI).
    pub host: Option<&'a [u8]>,
    /// The request line, e.g. `GET /api HTTP/1.1`, as written (may be truncated).
    pub request: Option<&'a [u8]>,
    /// The message proper: for nginx error lines, the text between the header and the
    /// ` while <action>` / context; for access logs, empty.
    pub message: &'a [u8],
    /// The whole input line, without its line terminator.
    pub raw: &'a [u8],
    /// The message the parser does not know, when the class comes from the fallback for
    /// unknown texts: an nginx error message (level `warn` or worse) that no catalog rule
    /// takes; its class is then `gateway_error` at level `error` or worse in an upstream
    /// context, `info` otherwise. `None` for everything the parser recognized. (HAProxy,
    /// ALB and ELB lines never set it: an unknown termination state makes the line
    /// unparsed, and unexplained ALB/ELB 5xx rows are already `gateway_error` by rule.)
    pub unrecognized: Option<&'a [u8]>,
    /// Fields that only some formats have.
    pub fields: Fields<'a>,
}

/// Format-specific fields of an [`Event`].
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
// Variants differ in size (ALB lines have 33 fields); boxing the large ones would allocate for
// every line, which the parse path never does.
#[allow(clippy::large_enum_variant)]
pub enum Fields<'a> {
    /// No format-specific fields.
    #[default]
    None,
    /// Fields of an nginx error-log line.
    NginxError(crate::nginx::error::fields::Fields<'a>),
    /// Fields of an nginx access-log line.
    NginxAccess(crate::nginx::access::fields::Fields<'a>),
    /// Fields of an AWS Application Load Balancer access-log line.
    Alb(crate::aws::alb::fields::Fields<'a>),
    /// Fields of an AWS Classic Load Balancer access-log line.
    Elb(crate::aws::elb::fields::Fields<'a>),
    /// Fields of an HAProxy line.
    Haproxy(crate::haproxy::fields::Fields<'a>),
    /// Fields of an ingress-nginx controller line.
    IngressController(crate::ingress::fields::Fields<'a>),
    /// Fields of an Envoy (or Istio) access-log line.
    Envoy(crate::envoy::fields::Fields<'a>),
    /// Fields of a Traefik line.
    Traefik(crate::traefik::fields::Fields<'a>),
    /// Fields of a Caddy line.
    Caddy(crate::caddy::fields::Fields<'a>),
    /// Fields of an IIS W3C or HTTP.sys error-log record.
    Iis(crate::iis::fields::Fields<'a>),
    /// Fields of a Cloudflare `http_requests` record.
    Cloudflare(crate::cloudflare::fields::Fields<'a>),
}

impl<'a> Fields<'a> {
    /// Calls `f` with the name and value of every field that is present, in a stable order.
    ///
    /// Writers (JSON, CSV, tables) use it to show format-specific fields without knowing each
    /// format's struct. Names are snake_case and stable.
    pub fn visit(&self, f: &mut dyn FnMut(&'static str, Value<'a>)) {
        match self {
            Fields::None => {}
            Fields::NginxError(x) => x.visit(f),
            Fields::NginxAccess(x) => x.visit(f),
            Fields::Alb(x) => x.visit(f),
            Fields::Elb(x) => x.visit(f),
            Fields::Haproxy(x) => x.visit(f),
            Fields::IngressController(x) => x.visit(f),
            Fields::Envoy(x) => x.visit(f),
            Fields::Traefik(x) => x.visit(f),
            Fields::Caddy(x) => x.visit(f),
            Fields::Iis(x) => x.visit(f),
            Fields::Cloudflare(x) => x.visit(f),
        }
    }
}

/// A log severity, as nginx and syslog name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// `emerg`: the system is unusable (syslog 0).
    Emerg,
    /// `alert` (syslog 1).
    Alert,
    /// `crit` (syslog 2).
    Crit,
    /// `error` / `err` (syslog 3).
    Error,
    /// `warn` / `warning` (syslog 4).
    Warn,
    /// `notice` (syslog 5).
    Notice,
    /// `info` (syslog 6).
    Info,
    /// `debug` (syslog 7).
    Debug,
}

impl Level {
    /// The nginx spelling of the level.
    pub const fn as_str(self) -> &'static str {
        match self {
            Level::Emerg => "emerg",
            Level::Alert => "alert",
            Level::Crit => "crit",
            Level::Error => "error",
            Level::Warn => "warn",
            Level::Notice => "notice",
            Level::Info => "info",
            Level::Debug => "debug",
        }
    }

    /// The level of a syslog severity number (`0..=7`).
    pub const fn from_syslog(severity: u8) -> Option<Level> {
        Some(match severity {
            0 => Level::Emerg,
            1 => Level::Alert,
            2 => Level::Crit,
            3 => Level::Error,
            4 => Level::Warn,
            5 => Level::Notice,
            6 => Level::Info,
            7 => Level::Debug,
            _ => return None,
        })
    }

    /// The level named by a word (`error`, `err`, `warning`, ...), case-insensitively.
    pub fn from_name(word: &[u8]) -> Option<Level> {
        const NAMES: [(&[u8], Level); 11] = [
            (b"error", Level::Error),
            (b"warn", Level::Warn),
            (b"info", Level::Info),
            (b"notice", Level::Notice),
            (b"crit", Level::Crit),
            (b"alert", Level::Alert),
            (b"emerg", Level::Emerg),
            (b"debug", Level::Debug),
            (b"err", Level::Error),
            (b"warning", Level::Warn),
            (b"critical", Level::Crit),
        ];
        NAMES.iter().find(|(n, _)| n.eq_ignore_ascii_case(word)).map(|(_, l)| *l)
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Shows a byte slice as text: UTF-8 where it is valid, `\xNN` escapes where it is not.
///
/// Use it to print a borrowed field; it allocates nothing.
pub fn text(bytes: &[u8]) -> Text<'_> {
    Text(bytes)
}

/// A byte slice displayed as text; see [`text`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Text<'a>(pub &'a [u8]);

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for chunk in self.0.utf8_chunks() {
            f.write_str(chunk.valid())?;
            for b in chunk.invalid() {
                write!(f, "\\x{b:02X}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for chunk in self.0.utf8_chunks() {
            for c in chunk.valid().chars() {
                write!(f, "{}", c.escape_debug())?;
            }
            for b in chunk.invalid() {
                write!(f, "\\x{b:02X}")?;
            }
        }
        f.write_str("\"")
    }
}

fn opt_text(v: Option<&[u8]>) -> Option<Text<'_>> {
    v.map(Text)
}

impl fmt::Debug for Event<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("format", &self.format)
            .field("time", &self.time.map(|t| t.to_string()))
            .field("class", &self.class)
            .field("phase", &self.phase)
            .field("level", &self.level)
            .field("status", &self.status)
            .field("upstream", &opt_text(self.upstream))
            .field("upstream_group", &opt_text(self.upstream_group))
            .field("client", &opt_text(self.client))
            .field("server", &opt_text(self.server))
            .field("host", &opt_text(self.host))
            .field("request", &opt_text(self.request))
            .field("message", &Text(self.message))
            .field("fields", &self.fields)
            .finish_non_exhaustive()
    }
}

impl<'a> Event<'a> {
    /// An event of `format` for `raw` with every optional field empty and class `info`.
    pub fn new(format: Format, raw: &'a [u8]) -> Event<'a> {
        Event {
            format,
            time: None,
            class: Class::Info,
            phase: Phase::None,
            level: None,
            status: None,
            upstream: None,
            upstream_group: None,
            client: None,
            server: None,
            host: None,
            request: None,
            message: &[],
            raw,
            unrecognized: None,
            fields: Fields::None,
        }
    }

    /// Checks the zero-copy promise: every text field of the event (the common ones and every
    /// [`Value::Text`] in [`Event::fields`], lists included) is a sub-slice of `line`, the
    /// line the event was parsed from. Returns the name of the first field that is not.
    ///
    /// Parsers keep this promise on every input; tests and fuzz targets use this to check it.
    ///
    /// ```
    /// let line = b"2024/03/14 09:26:53 [error] 7#7: *1 no live upstreams while connecting to upstream, client: 10.0.0.1, server: a, upstream: \"http://pool/\"";
    /// let ev = logparse::nginx::error::parse(line).unwrap();
    /// assert_eq!(ev.check_borrows(line), Ok(()));
    /// assert_eq!(ev.check_borrows(&line.to_vec()), Err("raw"));
    /// ```
    pub fn check_borrows(&self, line: &[u8]) -> Result<(), &'static str> {
        fn inside(line: &[u8], v: &[u8]) -> bool {
            let (outer, inner) = (line.as_ptr_range(), v.as_ptr_range());
            v.is_empty() || (outer.start <= inner.start && inner.end <= outer.end)
        }
        fn value_inside(line: &[u8], v: &Value<'_>) -> bool {
            match v {
                Value::Text(t) => inside(line, t),
                Value::List(items) => items.iter().flatten().all(|x| value_inside(line, x)),
                _ => true,
            }
        }
        for (name, v) in [
            ("raw", Some(self.raw)),
            ("message", Some(self.message)),
            ("upstream", self.upstream),
            ("upstream_group", self.upstream_group),
            ("client", self.client),
            ("server", self.server),
            ("host", self.host),
            ("request", self.request),
            ("unrecognized", self.unrecognized),
        ] {
            if v.is_some_and(|v| !inside(line, v)) {
                return Err(name);
            }
        }
        let mut outside = None;
        self.fields.visit(&mut |name, v| {
            if outside.is_none() && !value_inside(line, &v) {
                outside = Some(name);
            }
        });
        outside.map_or(Ok(()), Err)
    }

    /// The name a summary groups this event under: the upstream peer, else the upstream
    /// group, else `None`.
    pub fn upstream_key(&self) -> Option<&'a [u8]> {
        self.upstream.or(self.upstream_group)
    }

    /// An [`OwnedEvent`] with copies of every field, which outlives the line.
    ///
    /// (This shadows the blanket `ToOwned::to_owned`; a borrowed copy of the event itself is
    /// [`Clone::clone`].)
    ///
    /// ```
    /// let line = b"2024/03/14 09:26:53 [error] 7#7: *1 no live upstreams while connecting to upstream, client: 10.0.0.1, server: a, upstream: \"http://pool/\"".to_vec();
    /// let owned = logparse::nginx::error::parse(&line).unwrap().to_owned();
    /// drop(line);
    /// assert_eq!(owned.upstream.as_deref(), Some(&b"pool"[..]));
    /// assert_eq!(owned.class, logparse::Class::NoLiveUpstreams);
    /// ```
    pub fn to_owned(&self) -> OwnedEvent {
        OwnedEvent::from(self)
    }
}

/// An [`Event`] that owns copies of its fields, for tools that keep events after their line is
/// gone (queues, caches, stores) or send them elsewhere.
///
/// Made with [`Event::to_owned`] or `OwnedEvent::from(&event)`. The conversion allocates (a
/// copy of each text field that is present, and the list of format fields); parsing itself
/// still allocates nothing. The fields mean what the same fields of [`Event`] mean:
///
/// - text stays bytes (`Box<[u8]>`), exactly as in the line, UTF-8 or not;
/// - the format-specific fields are kept as [`Fields::visit`] shows them: the same stable
///   names, in the same order, each with its [`OwnedValue`]. (Data that a format's struct holds
///   but `visit` does not show, such as the ALB field count, is not kept.)
///
/// With the `serde` feature it implements `Serialize` and `Deserialize`; see the crate docs'
/// "Crate features" section for the shape.
#[derive(Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct OwnedEvent {
    /// The format the line was parsed as; see [`Event::format`].
    pub format: Format,
    /// When the event happened, in UTC; see [`Event::time`].
    pub time: Option<Timestamp>,
    /// What failed; see [`Event::class`].
    pub class: Class,
    /// Where in the request it failed; see [`Event::phase`].
    pub phase: Phase,
    /// The severity the line was logged with; see [`Event::level`].
    pub level: Option<Level>,
    /// The status the client received (HTTP, or stream); see [`Event::status`].
    pub status: Option<u16>,
    /// The upstream peer, or the group for "no live upstreams"; see [`Event::upstream`].
    #[cfg_attr(feature = "serde", serde(default, with = "serde_impls::opt_text"))]
    pub upstream: Option<Box<[u8]>>,
    /// The upstream pool; see [`Event::upstream_group`].
    #[cfg_attr(feature = "serde", serde(default, with = "serde_impls::opt_text"))]
    pub upstream_group: Option<Box<[u8]>>,
    /// The client address; see [`Event::client`].
    #[cfg_attr(feature = "serde", serde(default, with = "serde_impls::opt_text"))]
    pub client: Option<Box<[u8]>>,
    /// The virtual server or frontend; see [`Event::server`].
    #[cfg_attr(feature = "serde", serde(default, with = "serde_impls::opt_text"))]
    pub server: Option<Box<[u8]>>,
    /// The request's host; see [`Event::host`].
    #[cfg_attr(feature = "serde", serde(default, with = "serde_impls::opt_text"))]
    pub host: Option<Box<[u8]>>,
    /// The request line; see [`Event::request`].
    #[cfg_attr(feature = "serde", serde(default, with = "serde_impls::opt_text"))]
    pub request: Option<Box<[u8]>>,
    /// The message proper; see [`Event::message`].
    #[cfg_attr(feature = "serde", serde(with = "serde_impls::text"))]
    pub message: Box<[u8]>,
    /// The whole line, without its terminator.
    #[cfg_attr(feature = "serde", serde(with = "serde_impls::text"))]
    pub raw: Box<[u8]>,
    /// The format-specific fields that are present, as `(name, value)` in the order and with
    /// the names of [`Fields::visit`].
    #[cfg_attr(feature = "serde", serde(with = "serde_impls::fields"))]
    pub fields: Vec<(Cow<'static, str>, OwnedValue)>,
}

/// The value of a format-specific field of an [`OwnedEvent`]: an owned [`Value`].
#[derive(Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum OwnedValue {
    /// Text from the line (not necessarily UTF-8).
    Text(#[cfg_attr(feature = "serde", serde(with = "serde_impls::text"))] Box<[u8]>),
    /// A fixed name chosen by the parser (for example the classification rule that matched).
    Label(Cow<'static, str>),
    /// An unsigned integer.
    Uint(u64),
    /// A signed integer (e.g. `-1` timers).
    Int(i64),
    /// A decimal number (e.g. seconds with a fraction).
    Float(f64),
    /// A flag.
    Bool(bool),
    /// Several values of one field, in order (one per upstream attempt); `None` stands for `-`.
    List(Vec<Option<OwnedValue>>),
}

impl fmt::Debug for OwnedValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OwnedValue::Text(t) => f.debug_tuple("Text").field(&Text(t)).finish(),
            OwnedValue::Label(l) => f.debug_tuple("Label").field(l).finish(),
            OwnedValue::Uint(n) => f.debug_tuple("Uint").field(n).finish(),
            OwnedValue::Int(n) => f.debug_tuple("Int").field(n).finish(),
            OwnedValue::Float(x) => f.debug_tuple("Float").field(x).finish(),
            OwnedValue::Bool(b) => f.debug_tuple("Bool").field(b).finish(),
            OwnedValue::List(items) => f.debug_tuple("List").field(items).finish(),
        }
    }
}

impl From<&Value<'_>> for OwnedValue {
    fn from(v: &Value<'_>) -> OwnedValue {
        match v {
            Value::Text(t) => OwnedValue::Text((*t).into()),
            Value::Label(l) => OwnedValue::Label(Cow::Borrowed(l)),
            Value::Uint(n) => OwnedValue::Uint(*n),
            Value::Int(n) => OwnedValue::Int(*n),
            Value::Float(x) => OwnedValue::Float(*x),
            Value::Bool(b) => OwnedValue::Bool(*b),
            Value::List(items) => {
                OwnedValue::List(items.iter().map(|i| i.as_ref().map(OwnedValue::from)).collect())
            }
        }
    }
}

impl From<&Event<'_>> for OwnedEvent {
    fn from(ev: &Event<'_>) -> OwnedEvent {
        let copy = |v: Option<&[u8]>| v.map(Box::from);
        let mut fields = Vec::new();
        ev.fields.visit(&mut |name, v| fields.push((Cow::Borrowed(name), OwnedValue::from(&v))));
        OwnedEvent {
            format: ev.format,
            time: ev.time,
            class: ev.class,
            phase: ev.phase,
            level: ev.level,
            status: ev.status,
            upstream: copy(ev.upstream),
            upstream_group: copy(ev.upstream_group),
            client: copy(ev.client),
            server: copy(ev.server),
            host: copy(ev.host),
            request: copy(ev.request),
            message: ev.message.into(),
            raw: ev.raw.into(),
            fields,
        }
    }
}

impl From<Event<'_>> for OwnedEvent {
    fn from(ev: Event<'_>) -> OwnedEvent {
        OwnedEvent::from(&ev)
    }
}

impl OwnedEvent {
    /// The value of the format field `name` (a [`Fields::visit`] name), when present.
    pub fn field(&self, name: &str) -> Option<&OwnedValue> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// The name a summary groups this event under: the upstream peer, else the upstream
    /// group; see [`Event::upstream_key`].
    pub fn upstream_key(&self) -> Option<&[u8]> {
        self.upstream.as_deref().or(self.upstream_group.as_deref())
    }
}

/// An owned optional text field, shown as text.
fn opt_owned_text(v: &Option<Box<[u8]>>) -> Option<Text<'_>> {
    v.as_deref().map(Text)
}

impl fmt::Debug for OwnedEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedEvent")
            .field("format", &self.format)
            .field("time", &self.time.map(|t| t.to_string()))
            .field("class", &self.class)
            .field("phase", &self.phase)
            .field("level", &self.level)
            .field("status", &self.status)
            .field("upstream", &opt_owned_text(&self.upstream))
            .field("upstream_group", &opt_owned_text(&self.upstream_group))
            .field("client", &opt_owned_text(&self.client))
            .field("server", &opt_owned_text(&self.server))
            .field("host", &opt_owned_text(&self.host))
            .field("request", &opt_owned_text(&self.request))
            .field("message", &Text(&self.message))
            .field("fields", &self.fields)
            .finish_non_exhaustive()
    }
}

/// `serde` support: stable names for the small types, text as strings where it is UTF-8.
#[cfg(feature = "serde")]
mod serde_impls {
    use std::borrow::Cow;
    use std::fmt;

    use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
    use serde::ser::{SerializeMap, Serializer};
    use serde::{Deserialize, Serialize};

    use super::{Level, OwnedValue};
    use crate::class::{Class, Phase};
    use crate::format::Format;
    use crate::time::Timestamp;

    /// Deserializes a string and reads it with `from`, or fails naming `what`.
    fn named<'de, D: Deserializer<'de>, T>(
        d: D,
        what: &str,
        from: impl Fn(&str) -> Option<T>,
    ) -> Result<T, D::Error> {
        let s = String::deserialize(d)?;
        from(&s).ok_or_else(|| de::Error::custom(format_args!("unknown {what} {s:?}")))
    }

    impl Serialize for Class {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(self.as_str())
        }
    }

    impl<'de> Deserialize<'de> for Class {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Class, D::Error> {
            named(d, "class", |s| s.parse().ok())
        }
    }

    impl Serialize for Format {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(self.as_str())
        }
    }

    impl<'de> Deserialize<'de> for Format {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Format, D::Error> {
            named(d, "format", |s| s.parse().ok())
        }
    }

    /// Every phase, for reading names back.
    const PHASES: [Phase; 7] = [
        Phase::Connect,
        Phase::Send,
        Phase::Header,
        Phase::Body,
        Phase::Queue,
        Phase::Health,
        Phase::None,
    ];

    impl Serialize for Phase {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(self.as_str())
        }
    }

    impl<'de> Deserialize<'de> for Phase {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Phase, D::Error> {
            named(d, "phase", |s| PHASES.into_iter().find(|p| p.as_str() == s))
        }
    }

    /// Every level, for reading names back.
    const LEVELS: [Level; 8] = [
        Level::Emerg,
        Level::Alert,
        Level::Crit,
        Level::Error,
        Level::Warn,
        Level::Notice,
        Level::Info,
        Level::Debug,
    ];

    impl Serialize for Level {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(self.as_str())
        }
    }

    impl<'de> Deserialize<'de> for Level {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Level, D::Error> {
            named(d, "level", |s| LEVELS.into_iter().find(|l| l.as_str() == s))
        }
    }

    impl Serialize for Timestamp {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_str(self)
        }
    }

    impl<'de> Deserialize<'de> for Timestamp {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
            named(d, "timestamp", read_timestamp)
        }
    }

    /// Reads the text `Timestamp`'s `Display` writes: `YYYY-MM-DDTHH:MM:SS`, an optional
    /// fraction of 1 to 6 digits, then `Z`.
    fn read_timestamp(s: &str) -> Option<Timestamp> {
        let b = s.as_bytes();
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let digits = b.get(r)?;
            if !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            Some(digits.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
        };
        let seps = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
        if seps.iter().any(|&(i, c)| b.get(i) != Some(&c)) || b.last() != Some(&b'Z') {
            return None;
        }
        let micros = match &b[19..b.len() - 1] {
            [] => 0,
            [b'.', frac @ ..] if (1..=6).contains(&frac.len()) => {
                num(20..20 + frac.len())? * 10u32.pow(6 - frac.len() as u32)
            }
            _ => return None,
        };
        let year = i32::try_from(num(0..4)?).ok()?;
        Timestamp::from_civil_utc(
            year,
            num(5..7)?,
            num(8..10)?,
            num(11..13)?,
            num(14..16)?,
            num(17..19)?,
            micros,
        )
    }

    /// Text: a string when it is UTF-8, bytes otherwise (an array of numbers in JSON).
    pub(super) mod text {
        use super::*;

        pub(in super::super) fn serialize<S: Serializer>(
            v: &[u8],
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match std::str::from_utf8(v) {
                Ok(text) => s.serialize_str(text),
                Err(_) => s.serialize_bytes(v),
            }
        }

        pub(in super::super) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Box<[u8]>, D::Error> {
            d.deserialize_any(TextVisitor)
        }

        struct TextVisitor;

        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Box<[u8]>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or bytes")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Box<[u8]>, E> {
                Ok(v.as_bytes().into())
            }

            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Box<[u8]>, E> {
                Ok(v.into())
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Box<[u8]>, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(b) = seq.next_element::<u8>()? {
                    out.push(b);
                }
                Ok(out.into())
            }
        }
    }

    /// Optional text, as [`text`]; `None` is the format's null.
    pub(super) mod opt_text {
        use super::*;

        pub(in super::super) fn serialize<S: Serializer>(
            v: &Option<Box<[u8]>>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match v {
                Some(v) => s.serialize_some(&Text(v)),
                None => s.serialize_none(),
            }
        }

        pub(in super::super) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<Box<[u8]>>, D::Error> {
            Ok(Option::<Owned>::deserialize(d)?.map(|t| t.0))
        }

        struct Text<'a>(&'a [u8]);

        impl Serialize for Text<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                super::text::serialize(self.0, s)
            }
        }

        struct Owned(Box<[u8]>);

        impl<'de> Deserialize<'de> for Owned {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Owned, D::Error> {
                super::text::deserialize(d).map(Owned)
            }
        }
    }

    /// The format fields: a map from name to value, in their order.
    pub(super) mod fields {
        use super::*;

        type List = Vec<(Cow<'static, str>, OwnedValue)>;

        pub(in super::super) fn serialize<S: Serializer>(
            v: &List,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            let mut map = s.serialize_map(Some(v.len()))?;
            for (k, v) in v {
                map.serialize_entry(k, v)?;
            }
            map.end()
        }

        pub(in super::super) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<List, D::Error> {
            d.deserialize_map(FieldsVisitor)
        }

        struct FieldsVisitor;

        impl<'de> Visitor<'de> for FieldsVisitor {
            type Value = List;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of field names to values")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<List, A::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some((k, v)) = map.next_entry::<String, OwnedValue>()? {
                    out.push((Cow::Owned(k), v));
                }
                Ok(out)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escapes_invalid_utf8() {
        assert_eq!(text(b"ok \xff\xfe end").to_string(), "ok \\xFF\\xFE end");
        assert_eq!(format!("{:?}", text(b"a\"b\x00")), "\"a\\\"b\\0\"");
    }

    #[test]
    fn levels_by_name_and_number() {
        assert_eq!(Level::from_name(b"warning"), Some(Level::Warn));
        assert_eq!(Level::from_name(b"ERROR"), Some(Level::Error));
        assert_eq!(Level::from_name(b"fatal"), None);
        assert_eq!(Level::from_syslog(3), Some(Level::Error));
        assert_eq!(Level::from_syslog(8), None);
    }
}

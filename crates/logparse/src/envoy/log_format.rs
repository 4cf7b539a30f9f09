//! Envoy format strings (`format:` of a file access log, Istio's `accessLogFormat`),
//! compiled once and used to read lines written with them.
//!
//! # Operators read
//!
//! A format string is literal text and command operators `%NAME%`, `%NAME(ARG)%` or
//! `%NAME(ARG):LENGTH%` (Envoy docs, "Access logging", "Command operators"). These fill
//! event fields or [`Fields`](crate::envoy::Fields):
//!
//! | operator | field |
//! |---|---|
//! | `%START_TIME%`, `%START_TIME(...)%` | `time` (ISO 8601, or a Unix time in seconds among the words of a custom time format) |
//! | `%REQ(:METHOD)%`, `%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%`, `%REQ(:PATH)%`, `%PROTOCOL%` | `method`, `path`, `protocol`; the three together give `request` |
//! | `%RESPONSE_CODE%` | `status`, `response_code` |
//! | `%RESPONSE_FLAGS%`, `%RESPONSE_FLAGS_LONG%` | `response_flags` |
//! | `%RESPONSE_CODE_DETAILS%` | `response_code_details` |
//! | `%CONNECTION_TERMINATION_DETAILS%` | `connection_termination_details` |
//! | `%UPSTREAM_TRANSPORT_FAILURE_REASON%` | `upstream_transport_failure_reason` |
//! | `%DYNAMIC_METADATA(istio.mixer:status)%` | `mixer_status` |
//! | `%BYTES_RECEIVED%`, `%BYTES_SENT%`, `%DURATION%` | `bytes_received`, `bytes_sent`, `duration_ms` |
//! | `%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%` | `upstream_service_time_ms` |
//! | `%REQ(X-FORWARDED-FOR)%`, `%REQ(USER-AGENT)%`, `%REQ(X-REQUEST-ID)%` | `x_forwarded_for`, `user_agent`, `request_id` |
//! | `%REQ(:AUTHORITY)%`, `%REQ(HOST)%` | `host` |
//! | `%UPSTREAM_HOST%`, `%UPSTREAM_CLUSTER%` | `upstream`, `upstream_group` |
//! | `%UPSTREAM_LOCAL_ADDRESS%`, `%DOWNSTREAM_LOCAL_ADDRESS%` | `upstream_local_address`, `downstream_local_address` |
//! | `%DOWNSTREAM_REMOTE_ADDRESS%`, `%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%`, `%DOWNSTREAM_DIRECT_REMOTE_ADDRESS%` | `client` |
//! | `%REQUESTED_SERVER_NAME%`, `%ROUTE_NAME%` | `requested_server_name`, `route_name` |
//! | `%GRPC_STATUS%`, `%RESP(GRPC-STATUS)%`, `%TRAILER(GRPC-STATUS)%` | `grpc_status` |
//!
//! Every other operator is accepted and its value skipped. Header names are matched
//! case-insensitively. A line is read left to right: each literal must be where the format
//! puts it, and an operator's value runs to the next occurrence of the literal after it
//! (to the next space when two operators touch, to the end of the line for the last one).
//! `-` is "no value". A trailing `\n` (as written in YAML) is dropped.

use super::rec::{FORMAT, Rec, Slot};
use crate::error::{ParseError, ParseErrorKind};

/// Envoy's default format string.
pub const ENVOY_DEFAULT: &str = "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\" \"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\"\\n";

/// Istio's default text format string (since Istio 1.8).
pub const ISTIO_DEFAULT: &str = "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\" %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% \"%UPSTREAM_TRANSPORT_FAILURE_REASON%\" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\" \"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\" %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%\\n";

#[derive(Clone, Debug, PartialEq, Eq)]
enum Item {
    Lit(Box<[u8]>),
    /// An operator; `None` for one whose value is skipped.
    Op(Option<Slot>),
}

/// A compiled Envoy format string.
///
/// ```
/// use logparse::envoy::LogFormat;
/// let f = LogFormat::new("%START_TIME% flags=%RESPONSE_FLAGS% code=%RESPONSE_CODE% up=%UPSTREAM_HOST%").unwrap();
/// let p = logparse::envoy::Parser::with_format(f);
/// let ev = p.parse(b"2024-05-01T10:00:00Z flags=UF code=503 up=10.0.0.7:8080").unwrap();
/// assert_eq!(ev.class, logparse::Class::ConnectError);
/// assert_eq!(ev.upstream, Some(&b"10.0.0.7:8080"[..]));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogFormat {
    items: Vec<Item>,
    text: String,
}

/// Why a format string could not be compiled: the message and the byte offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError {
    /// What is wrong.
    pub message: String,
    /// Where, in the format string.
    pub offset: usize,
}

impl std::fmt::Display for FormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (at byte {} of the format)", self.message, self.offset)
    }
}

impl std::error::Error for FormatError {}

/// The slot an operator fills.
fn slot_of(name: &str, arg: Option<&str>) -> Option<Slot> {
    let arg_is = |names: &[&str]| {
        arg.is_some_and(|a| {
            // `X-ENVOY-ORIGINAL-PATH?:PATH`: either header.
            a.split('?').any(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
        })
    };
    Some(match name {
        "START_TIME" => Slot::StartTime,
        "PROTOCOL" => Slot::Protocol,
        "RESPONSE_CODE" => Slot::ResponseCode,
        "RESPONSE_FLAGS" | "RESPONSE_FLAGS_LONG" => Slot::Flags,
        "RESPONSE_CODE_DETAILS" => Slot::Details,
        "CONNECTION_TERMINATION_DETAILS" => Slot::Termination,
        "UPSTREAM_TRANSPORT_FAILURE_REASON" => Slot::Utfr,
        "BYTES_RECEIVED" => Slot::BytesReceived,
        "BYTES_SENT" => Slot::BytesSent,
        "DURATION" => Slot::Duration,
        "UPSTREAM_HOST" => Slot::UpstreamHost,
        "UPSTREAM_CLUSTER" => Slot::Cluster,
        "UPSTREAM_LOCAL_ADDRESS" => Slot::UpstreamLocal,
        "DOWNSTREAM_LOCAL_ADDRESS" => Slot::DownstreamLocal,
        "DOWNSTREAM_REMOTE_ADDRESS"
        | "DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT"
        | "DOWNSTREAM_DIRECT_REMOTE_ADDRESS" => Slot::DownstreamRemote,
        "REQUESTED_SERVER_NAME" => Slot::Sni,
        "ROUTE_NAME" => Slot::Route,
        "GRPC_STATUS" => Slot::GrpcStatus,
        "DYNAMIC_METADATA" if arg_is(&["istio.mixer:status"]) => Slot::Mixer,
        "REQ" if arg_is(&[":METHOD"]) => Slot::Method,
        "REQ" if arg_is(&[":PATH", "X-ENVOY-ORIGINAL-PATH"]) => Slot::Path,
        "REQ" if arg_is(&["X-FORWARDED-FOR"]) => Slot::Xff,
        "REQ" if arg_is(&["USER-AGENT"]) => Slot::UserAgent,
        "REQ" if arg_is(&["X-REQUEST-ID"]) => Slot::RequestId,
        "REQ" if arg_is(&[":AUTHORITY", "HOST"]) => Slot::Authority,
        "RESP" if arg_is(&["X-ENVOY-UPSTREAM-SERVICE-TIME"]) => Slot::UpstreamServiceTime,
        "RESP" | "TRAILER" if arg_is(&["GRPC-STATUS"]) => Slot::GrpcStatus,
        _ => return None,
    })
}

impl LogFormat {
    /// Compiles an Envoy format string.
    ///
    /// Errors: an operator without its closing `%`, a name that is not upper-case letters,
    /// digits and `_`, an argument without its `)`, a format without any operator.
    pub fn new(format: &str) -> Result<LogFormat, FormatError> {
        let text = format.strip_suffix('\n').unwrap_or(format);
        let text = text.strip_suffix("\\n").unwrap_or(text);
        let b = text.as_bytes();
        let mut items = Vec::new();
        let mut lit = Vec::new();
        let mut i = 0;
        let mut ops = 0;
        let err = |message: &str, offset| FormatError { message: message.to_owned(), offset };
        while i < b.len() {
            if b[i] != b'%' {
                lit.push(b[i]);
                i += 1;
                continue;
            }
            let at = i;
            let name_len = b[i + 1..]
                .iter()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || **c == b'_')
                .count();
            if name_len == 0 {
                return Err(err("`%` starts no operator name (expected %NAME%)", at));
            }
            let name = &text[i + 1..i + 1 + name_len];
            i += 1 + name_len;
            let mut arg = None;
            if b.get(i) == Some(&b'(') {
                let close = b[i..]
                    .iter()
                    .position(|&c| c == b')')
                    .ok_or_else(|| err("operator argument without its `)`", at))?;
                arg = Some(&text[i + 1..i + close]);
                i += close + 1;
            }
            if b.get(i) == Some(&b':') {
                i += 1 + b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
            }
            if b.get(i) != Some(&b'%') {
                return Err(err("operator without its closing `%`", at));
            }
            i += 1;
            if !lit.is_empty() {
                items.push(Item::Lit(std::mem::take(&mut lit).into_boxed_slice()));
            }
            items.push(Item::Op(slot_of(name, arg)));
            ops += 1;
        }
        if !lit.is_empty() {
            items.push(Item::Lit(lit.into_boxed_slice()));
        }
        if ops == 0 {
            return Err(err("the format has no %OPERATOR%", 0));
        }
        Ok(LogFormat { items, text: format.to_owned() })
    }

    /// Envoy's default format ([`ENVOY_DEFAULT`]).
    pub fn envoy_default() -> LogFormat {
        LogFormat::new(ENVOY_DEFAULT).expect("the default format compiles")
    }

    /// Istio's default text format ([`ISTIO_DEFAULT`]).
    pub fn istio_default() -> LogFormat {
        LogFormat::new(ISTIO_DEFAULT).expect("the default format compiles")
    }

    /// The format string as given.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Reads the values of a line (without its terminator).
    pub(crate) fn read<'a>(&self, line: &'a [u8]) -> Result<Rec<'a>, ParseError> {
        let mut rec = Rec::default();
        let mut pos = 0;
        let mut method_at = None;
        let mut protocol_end = None;
        let mut last_name = "start of the line";
        for (n, item) in self.items.iter().enumerate() {
            match item {
                Item::Lit(l) => {
                    if !line[pos..].starts_with(l) {
                        let kind = if pos >= line.len() {
                            ParseErrorKind::MissingField(last_name)
                        } else {
                            ParseErrorKind::InvalidField(last_name)
                        };
                        return Err(ParseError::new(FORMAT, kind, pos));
                    }
                    pos += l.len();
                }
                Item::Op(slot) => {
                    let rest = &line[pos..];
                    let len = match self.items.get(n + 1) {
                        Some(Item::Lit(l)) => match memchr::memmem::find(rest, l) {
                            Some(i) => i,
                            None => {
                                let name = slot.map_or("operator", Slot::name);
                                return Err(ParseError::new(
                                    FORMAT,
                                    ParseErrorKind::MissingField(name),
                                    line.len(),
                                ));
                            }
                        },
                        Some(Item::Op(_)) => memchr::memchr(b' ', rest).unwrap_or(rest.len()),
                        None => rest.len(),
                    };
                    let v = &rest[..len];
                    if let Some(slot) = slot {
                        rec.set(*slot, v);
                        last_name = slot.name();
                        match slot {
                            Slot::Method => method_at = Some(pos),
                            Slot::Protocol => protocol_end = Some(pos + len),
                            _ => {}
                        }
                    }
                    pos += len;
                }
            }
        }
        if pos < line.len() {
            rec.trailing = Some(&line[pos..]).filter(|t| !t.trim_ascii().is_empty());
        }
        if let (Some(a), Some(b)) = (method_at, protocol_end) {
            if a < b {
                rec.request = Some(&line[a..b]);
                rec.method = None;
                rec.path = None;
                rec.protocol = None;
            }
        }
        if rec.start_time.is_some_and(|t| super::rec::start_time(t).is_none())
            && rec.response_code.is_none()
        {
            return Err(ParseError::new(FORMAT, ParseErrorKind::InvalidField("start_time"), 0));
        }
        Ok(rec)
    }
}

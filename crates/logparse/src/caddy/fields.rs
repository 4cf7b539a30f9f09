//! The fields of a Caddy line that the event does not carry.
//!
//! Kept apart from the parser: the event model holds them and must not depend on the parser.

use crate::value::{Emit, Value};

/// Which kind of Caddy line an event was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Shape {
    /// A v2 access-log line (logger `http.log.access[.NAME]`).
    #[default]
    Access,
    /// A v2 error-log line (logger `http.log.error[.NAME]`): one per handler error.
    Error,
    /// A v2 reverse-proxy line (logger `http.handlers.reverse_proxy`).
    ReverseProxy,
    /// Any other v2 JSON line (`tls`, `admin`, `http` loggers).
    Other,
    /// The v2 `common_log` (CLF without referer and user agent).
    Common,
    /// A v0/v1 text error line (`TIME [ERROR STATUS PATH] MESSAGE`).
    V1Error,
}

impl Shape {
    /// The stable name: `access`, `error`, `reverse_proxy`, `other`, `common`, `v1_error`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Shape::Access => "access",
            Shape::Error => "error",
            Shape::ReverseProxy => "reverse_proxy",
            Shape::Other => "other",
            Shape::Common => "common",
            Shape::V1Error => "v1_error",
        }
    }
}

/// Fields of a Caddy line that other formats do not have. Names are Caddy's JSON keys; text
/// is as written (JSON escapes kept).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Fields<'a> {
    /// Which kind of line this is.
    pub shape: Shape,
    /// `logger`: `http.log.access.log0`, `http.log.error`, `http.handlers.reverse_proxy`.
    pub logger: Option<&'a [u8]>,
    /// `duration` (written as float seconds) in microseconds: how long the handler (or the
    /// round trip, for reverse-proxy lines) took.
    pub duration_us: Option<u64>,
    /// `size`: response body bytes (access log; the v1 and `common` size field).
    pub size: Option<u64>,
    /// `request.method`.
    pub method: Option<&'a [u8]>,
    /// `request.uri` (the v1 error line's path).
    pub uri: Option<&'a [u8]>,
    /// `request.proto`.
    pub proto: Option<&'a [u8]>,
    /// `request.remote_ip` (or the older `request.remote_addr`).
    pub remote_ip: Option<&'a [u8]>,
    /// `request.client_ip`: the client after trusted proxies.
    pub client_ip: Option<&'a [u8]>,
    /// `error`: the Go error of a reverse-proxy line.
    pub error: Option<&'a [u8]>,
    /// `err_id`: the error's id, an id Caddy makes up per error (error log).
    pub err_id: Option<&'a [u8]>,
    /// `err_trace`: where the error was made (`reverseproxy.statusError (reverseproxy.go:886)`).
    pub err_trace: Option<&'a [u8]>,
}

impl<'a> Fields<'a> {
    /// Calls `f` with every field that is present; see [`crate::Fields::visit`].
    pub fn visit(&self, f: &mut dyn FnMut(&'static str, Value<'a>)) {
        let mut e = Emit::new(f);
        e.label("shape", Some(self.shape.as_str()));
        e.text("logger", self.logger);
        e.uint("duration_us", self.duration_us);
        e.uint("size", self.size);
        e.text("method", self.method);
        e.text("uri", self.uri);
        e.text("proto", self.proto);
        e.text("remote_ip", self.remote_ip);
        e.text("client_ip", self.client_ip);
        e.text("error", self.error);
        e.text("err_id", self.err_id);
        e.text("err_trace", self.err_trace);
    }
}

//! The fields of a Traefik line that the event does not carry.
//!
//! Kept apart from the parser: the event model holds them and must not depend on the parser.

use crate::value::{Emit, Value};

/// Which kind of Traefik line an event was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Shape {
    /// The `common` access-log format (CLF with request count, router, server URL, duration).
    #[default]
    Clf,
    /// The `json` access-log format.
    Json,
    /// A v1/v2 debug line written by logrus (`time="..." level=debug msg="..."`), text or JSON.
    Logrus,
    /// A v3 debug line written by zerolog (`<time> DBG <caller> > <message> error="..."`),
    /// console or JSON.
    Zerolog,
}

impl Shape {
    /// The stable name of the shape: `clf`, `json`, `logrus`, `zerolog`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Shape::Clf => "clf",
            Shape::Json => "json",
            Shape::Logrus => "logrus",
            Shape::Zerolog => "zerolog",
        }
    }
}

/// Fields of a Traefik line that other formats do not have. Names follow Traefik's own
/// (`RouterName` is `router_name`); text is as written (JSON escapes kept).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Fields<'a> {
    /// Which kind of line this is.
    pub shape: Shape,
    /// `RouterName`: the router that matched (`websecure-shop@kubernetescrd`); `None` for
    /// `-` (no router matched).
    pub router_name: Option<&'a [u8]>,
    /// `ServiceName` (JSON only).
    pub service_name: Option<&'a [u8]>,
    /// `ServiceURL`: the server the request was sent to (`http://10.46.0.57:80`).
    pub service_url: Option<&'a [u8]>,
    /// `OriginStatus`: the status the server answered (JSON only; `0` when never proxied).
    pub origin_status: Option<u16>,
    /// `DownstreamStatus`: the status the client got. In the `common` format, the status
    /// field (when it is a number).
    pub downstream_status: Option<u16>,
    /// `Duration` in nanoseconds (JSON), or the `common` format's trailing `<N>ms` in
    /// milliseconds converted to nanoseconds.
    pub duration_ns: Option<u64>,
    /// `OriginDuration` in nanoseconds (JSON only).
    pub origin_duration_ns: Option<u64>,
    /// `RequestCount`: Traefik's running request number.
    pub request_count: Option<u64>,
    /// `RetryAttempts` (JSON only).
    pub retry_attempts: Option<u64>,
    /// `DownstreamContentSize`: body bytes sent to the client.
    pub downstream_content_size: Option<u64>,
    /// `entryPointName` (JSON only).
    pub entry_point_name: Option<&'a [u8]>,
    /// `RequestMethod` (JSON; in the `common` format it is in the request line).
    pub request_method: Option<&'a [u8]>,
    /// `RequestPath` (JSON only).
    pub request_path: Option<&'a [u8]>,
    /// `RequestProtocol` (JSON only).
    pub request_protocol: Option<&'a [u8]>,
    /// The authenticated user (`common` format; `ClientUsername` in JSON), `None` for `-`.
    pub remote_user: Option<&'a [u8]>,
    /// The `Referer` header (`common` format).
    pub referer: Option<&'a [u8]>,
    /// The `User-Agent` header (`common` format; JSON `request_User-Agent`).
    pub user_agent: Option<&'a [u8]>,
    /// The Go error of a debug line: the text after `caused by: ` (logrus) or the `error`
    /// key (zerolog).
    pub cause: Option<&'a [u8]>,
    /// The `common` format's status written as `%!d(<nil>)` (a v1.4 bug for a request
    /// without backend).
    pub nil_status: bool,
}

impl<'a> Fields<'a> {
    /// Calls `f` with every field that is present; see [`crate::Fields::visit`].
    pub fn visit(&self, f: &mut dyn FnMut(&'static str, Value<'a>)) {
        let mut e = Emit::new(f);
        e.label("shape", Some(self.shape.as_str()));
        e.text("router_name", self.router_name);
        e.text("service_name", self.service_name);
        e.text("service_url", self.service_url);
        e.uint("origin_status", self.origin_status);
        e.uint("downstream_status", self.downstream_status);
        e.uint("duration_ns", self.duration_ns);
        e.uint("origin_duration_ns", self.origin_duration_ns);
        e.uint("request_count", self.request_count);
        e.uint("retry_attempts", self.retry_attempts);
        e.uint("downstream_content_size", self.downstream_content_size);
        e.text("entry_point_name", self.entry_point_name);
        e.text("request_method", self.request_method);
        e.text("request_path", self.request_path);
        e.text("request_protocol", self.request_protocol);
        e.text("remote_user", self.remote_user);
        e.text("referer", self.referer);
        e.text("user_agent", self.user_agent);
        e.text("cause", self.cause);
        e.flag("nil_status", self.nil_status);
    }
}

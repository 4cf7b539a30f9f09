//! The fields of an nginx error-log line that the event does not carry.
//!
//! Kept apart from the parser: the event model holds them and must not depend on the parser.

use crate::value::{Emit, Value};

/// Fields of an nginx error-log line that other formats do not have.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Fields<'a> {
    /// The worker's process id.
    pub pid: Option<u32>,
    /// The thread id (`0` on builds without threads).
    pub tid: Option<u64>,
    /// The client connection number (`*CID`), absent on lines without a connection.
    pub connection: Option<u64>,
    /// The errno number in `(N: text)`, when the message has one.
    pub errno: Option<u32>,
    /// The action after ` while ` (e.g. `connecting to upstream`), when present.
    pub action: Option<&'a [u8]>,
    /// The scheme of the `upstream:` value (`http`, `fastcgi`, `grpc`...), absent for stream
    /// lines.
    pub upstream_scheme: Option<&'a [u8]>,
    /// The URI part of the `upstream:` value (`/path?args`), when present.
    pub upstream_uri: Option<&'a [u8]>,
    /// The `subrequest:` value (auth_request, SSI, mirror).
    pub subrequest: Option<&'a [u8]>,
    /// The `referrer:` value.
    pub referrer: Option<&'a [u8]>,
    /// Whether the line comes from the stream (TCP/UDP) module.
    pub stream: bool,
    /// Whether a quoted value at the end of the line lacks its closing quote (the line was cut).
    pub truncated: bool,
    /// The status the client gets if this attempt was the last one, when the class and phase
    /// determine it (`502` for a refused connect, `504` for nginx's own timer, `499` for a
    /// client abort). `None` when the response header was already sent (the client keeps the
    /// upstream's status with a truncated body) or when nothing determines it.
    pub implied_status: Option<u16>,
}

impl<'a> Fields<'a> {
    /// Calls `f` with every field that is present; see [`crate::Fields::visit`].
    pub fn visit(&self, f: &mut dyn FnMut(&'static str, Value<'a>)) {
        let mut e = Emit::new(f);
        e.uint("pid", self.pid);
        e.uint("tid", self.tid);
        e.uint("connection", self.connection);
        e.uint("errno", self.errno);
        e.text("action", self.action);
        e.text("upstream_scheme", self.upstream_scheme);
        e.text("upstream_uri", self.upstream_uri);
        e.text("subrequest", self.subrequest);
        e.text("referrer", self.referrer);
        e.uint("implied_status", self.implied_status);
        e.flag("stream", self.stream);
        e.flag("truncated", self.truncated);
    }
}

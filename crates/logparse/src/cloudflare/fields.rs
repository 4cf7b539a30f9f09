//! The fields of a Cloudflare record that the event does not carry.
//!
//! Kept apart from the parser: the event model holds them and must not depend on the parser.

use crate::value::{Emit, Value};

/// Fields of a Cloudflare `http_requests` record that other formats do not have. Names are
/// Cloudflare's field names in snake_case; text is as written (JSON escapes kept).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Fields<'a> {
    /// `OriginResponseStatus`: the origin's status; `Some(0)` when no origin request was made.
    pub origin_status: Option<u16>,
    /// `ClientRequestSource`: `eyeball`, `healthcheck`, `edgeWorkerFetch`, ...
    pub client_request_source: Option<&'a [u8]>,
    /// `OriginTCPHandshakeDurationMs`, milliseconds (0 when a connection was reused).
    pub origin_tcp_handshake_ms: Option<u64>,
    /// `EdgePathingOp`: `wl`, `ban`, `errHost`, ...
    pub edge_pathing_op: Option<&'a [u8]>,
    /// `EdgePathingStatus`: `nr`, `dnsErr`, ...
    pub edge_pathing_status: Option<&'a [u8]>,
    /// `CacheCacheStatus`: `hit`, `miss`, `stale`, ...
    pub cache_cache_status: Option<&'a [u8]>,
    /// `WorkerStatus`: `ok`, `unknown`, or the Worker's failure.
    pub worker_status: Option<&'a [u8]>,
    /// `WorkerSubrequest`: the record is a Worker's subrequest (an attempt, not a response).
    pub worker_subrequest: bool,
    /// `RayID`: joins the record with the origin's `CF-Ray` header.
    pub ray_id: Option<&'a [u8]>,
    /// `ClientRequestMethod`.
    pub method: Option<&'a [u8]>,
    /// `EdgeEndTimestamp` − `EdgeStartTimestamp` in microseconds (whole seconds under RFC 3339).
    pub duration_us: Option<u64>,
}

impl<'a> Fields<'a> {
    /// Calls `f` with every field that is present; see [`crate::Fields::visit`].
    pub fn visit(&self, f: &mut dyn FnMut(&'static str, Value<'a>)) {
        let mut e = Emit::new(f);
        e.uint("origin_status", self.origin_status);
        e.text("client_request_source", self.client_request_source);
        e.uint("origin_tcp_handshake_ms", self.origin_tcp_handshake_ms);
        e.text("edge_pathing_op", self.edge_pathing_op);
        e.text("edge_pathing_status", self.edge_pathing_status);
        e.text("cache_cache_status", self.cache_cache_status);
        e.text("worker_status", self.worker_status);
        if self.worker_subrequest {
            e.flag("worker_subrequest", true);
        }
        e.text("ray_id", self.ray_id);
        e.text("method", self.method);
        e.uint("duration_us", self.duration_us);
    }
}

//! The fields of an HAProxy line that the event does not carry, and the kind of line.
//!
//! They live apart from the parsers so that the event model and the parser of each kind of line
//! can name them without depending on the module that dispatches between those parsers.

use crate::class::Class;
use crate::value::{Emit, Value};

/// Which kind of HAProxy line an event came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum LogKind {
    /// `option httplog`.
    #[default]
    Http,
    /// `option httpslog`: the HTTP format with the TLS tail.
    Https,
    /// `option httplog clf`.
    HttpClf,
    /// `option tcplog`.
    Tcp,
    /// `option tcplog clf`.
    TcpClf,
    /// The connection-level error format (`frontend/bind: Connection error during SSL
    /// handshake`).
    ConnectionError,
    /// The default format without options: `Connect from A to B (frontend/MODE)`.
    Connect,
    /// A custom `log-format` line, read only for its termination state.
    Custom,
    /// A server state change or a health check.
    Health,
    /// Any other admin message (start, stop, workers, configuration).
    Admin,
}

impl LogKind {
    /// The stable name.
    pub const fn as_str(self) -> &'static str {
        match self {
            LogKind::Http => "http",
            LogKind::Https => "https",
            LogKind::HttpClf => "http_clf",
            LogKind::Tcp => "tcp",
            LogKind::TcpClf => "tcp_clf",
            LogKind::ConnectionError => "connection_error",
            LogKind::Connect => "connect",
            LogKind::Custom => "custom",
            LogKind::Health => "health",
            LogKind::Admin => "admin",
        }
    }
}

/// Fields of an HAProxy line that other formats do not have.
///
/// Timers are in milliseconds, `-1` when the phase was never reached, as HAProxy writes them.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Fields<'a> {
    /// Which kind of line this is.
    pub kind: LogKind,
    /// The process id (syslog tag, RFC 5424 PROCID or stderr label).
    pub pid: Option<u32>,
    /// The host name in the syslog header.
    pub syslog_host: Option<&'a [u8]>,
    /// The syslog tag (`haproxy`, or what `log-tag` set).
    pub syslog_tag: Option<&'a [u8]>,
    /// The client's address without the port.
    pub client_ip: Option<&'a [u8]>,
    /// The client's port.
    pub client_port: Option<&'a [u8]>,
    /// The server name as written, including `<NOSRV>` and applets (`<STATS>`, `<lua.x>`).
    pub server_name: Option<&'a [u8]>,
    /// The bind (listener) name of a connection-error line.
    pub bind: Option<&'a [u8]>,
    /// `TR` (since 1.7) or `Tq` (before): time to receive the request headers. The timers
    /// are milliseconds, `-1` when HAProxy did not reach that stage; [`Fields::visit`] leaves
    /// a `-1` timer out (it is no duration).
    pub request_ms: Option<i64>,
    /// `Tw`: time spent in queues.
    pub queue_ms: Option<i64>,
    /// `Tc`: time to connect to the server.
    pub connect_ms: Option<i64>,
    /// `Tr`: time for the server to send the response headers.
    pub response_ms: Option<i64>,
    /// `Ta` (HTTP) or `Tt` (TCP and HTTP before 1.7): the active or total time.
    pub total_ms: Option<i64>,
    /// Whether a timer or the byte count had a `+` prefix (`option logasap`).
    pub logasap: bool,
    /// The status exactly as written (`-1` when nothing was sent).
    pub status_raw: Option<i64>,
    /// Bytes sent to the client.
    pub bytes: Option<u64>,
    /// The captured request cookie (`-` gives `None`).
    pub request_cookie: Option<&'a [u8]>,
    /// The captured response cookie.
    pub response_cookie: Option<&'a [u8]>,
    /// The termination state (`----`, `SC--`, `sH--`, TCP `SD`, ...).
    pub termination_state: Option<&'a [u8]>,
    /// Concurrent connections on the process.
    pub actconn: Option<u64>,
    /// Concurrent connections on the frontend.
    pub feconn: Option<u64>,
    /// Concurrent connections on the backend.
    pub beconn: Option<u64>,
    /// Concurrent connections on the server.
    pub srv_conn: Option<u64>,
    /// Connection retries.
    pub retries: Option<u64>,
    /// Whether the request was redispatched to another server (`+N` retries).
    pub redispatched: bool,
    /// Requests before this one in the server's queue.
    pub srv_queue: Option<u64>,
    /// Requests before this one in the backend's queue.
    pub backend_queue: Option<u64>,
    /// The captured request headers, inside `{}` (`|`-separated).
    pub request_captures: Option<&'a [u8]>,
    /// The captured response headers, inside `{}`.
    pub response_captures: Option<&'a [u8]>,
    /// Whether the request (or a capture) was cut before its closing quote or brace.
    pub truncated: bool,
    /// Text after the request (the HTTPS tail, fields of a custom format).
    pub extra: Option<&'a [u8]>,
    /// `bc_err=` in a custom tail (`ERESET`, `ECONNREFUSED`...).
    pub bc_err: Option<&'a [u8]>,
    /// The TLS SNI of an HTTPS line.
    pub ssl_sni: Option<&'a [u8]>,
    /// The TLS version of an HTTPS line.
    pub ssl_version: Option<&'a [u8]>,
    /// The TLS cipher of an HTTPS line.
    pub ssl_cipher: Option<&'a [u8]>,
    /// The proxy named by a `Proxy X started/stopped` message.
    pub proxy: Option<&'a [u8]>,
    /// The check's `reason:` (`Layer4 connection problem`, `Layer7 wrong status`...).
    pub check_reason: Option<&'a [u8]>,
    /// The check's `info:` text, without quotes.
    pub check_info: Option<&'a [u8]>,
    /// The check's `code:` (HTTP status of an L7 check).
    pub check_code: Option<u64>,
    /// The check's duration.
    pub check_duration_ms: Option<u64>,
    /// The failure the check reason points at (`Layer4 connection problem` with `Connection
    /// refused` is `connect_refused`, `Layer4 timeout` is `connect_timeout`...).
    pub cause: Option<Class>,
    /// Active servers left (DOWN) or online (UP) in the backend.
    pub active_servers: Option<u64>,
    /// Backup servers left or online.
    pub backup_servers: Option<u64>,
}

impl<'a> Fields<'a> {
    /// Calls `f` with every field that is present; see [`crate::Fields::visit`].
    pub fn visit(&self, f: &mut dyn FnMut(&'static str, Value<'a>)) {
        let mut e = Emit::new(f);
        e.value("kind", Value::Label(self.kind.as_str()));
        e.uint("pid", self.pid.map(u64::from));
        e.text("syslog_host", self.syslog_host);
        e.text("syslog_tag", self.syslog_tag);
        e.text("client_ip", self.client_ip);
        e.text("client_port", self.client_port);
        e.text("server_name", self.server_name);
        e.text("bind", self.bind);
        // A timer of -1 (the stage was not reached) has no duration: it is left out.
        let timer = |v: Option<i64>| v.filter(|&ms| ms >= 0);
        e.int("request_ms", timer(self.request_ms));
        e.int("queue_ms", timer(self.queue_ms));
        e.int("connect_ms", timer(self.connect_ms));
        e.int("response_ms", timer(self.response_ms));
        e.int("total_ms", timer(self.total_ms));
        e.flag("logasap", self.logasap);
        e.int("status_raw", self.status_raw);
        e.uint("bytes", self.bytes);
        e.text("request_cookie", self.request_cookie);
        e.text("response_cookie", self.response_cookie);
        e.text("termination_state", self.termination_state);
        e.uint("actconn", self.actconn);
        e.uint("feconn", self.feconn);
        e.uint("beconn", self.beconn);
        e.uint("srv_conn", self.srv_conn);
        e.uint("retries", self.retries);
        e.flag("redispatched", self.redispatched);
        e.uint("srv_queue", self.srv_queue);
        e.uint("backend_queue", self.backend_queue);
        e.text("request_captures", self.request_captures);
        e.text("response_captures", self.response_captures);
        e.flag("truncated", self.truncated);
        e.text("extra", self.extra);
        e.text("bc_err", self.bc_err);
        e.text("ssl_sni", self.ssl_sni);
        e.text("ssl_version", self.ssl_version);
        e.text("ssl_cipher", self.ssl_cipher);
        e.text("proxy", self.proxy);
        e.text("check_reason", self.check_reason);
        e.text("check_info", self.check_info);
        e.uint("check_code", self.check_code);
        e.uint("check_duration_ms", self.check_duration_ms);
        e.label("cause", self.cause.map(|c| c.as_str()));
        e.uint("active_servers", self.active_servers);
        e.uint("backup_servers", self.backup_servers);
    }
}

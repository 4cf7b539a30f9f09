//! The fields of an IIS record that the event does not carry.
//!
//! Kept apart from the parser: the event model holds them and must not depend on the parser.

use crate::value::{Emit, Value};

/// Fields of an IIS W3C or HTTP.sys error record that other formats do not have. Names are
/// the W3C field names (`sc-win32-status` → `win32_status`); text is as written (`+` for a
/// space kept).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Fields<'a> {
    /// `s-sitename`: `W3SVC1`, or the site name in central logging.
    pub site_name: Option<&'a [u8]>,
    /// `s-ip`: the server address the request came in on (IPv6 may carry a `%zone`).
    pub s_ip: Option<&'a [u8]>,
    /// `s-port`.
    pub s_port: Option<&'a [u8]>,
    /// `cs-method`.
    pub method: Option<&'a [u8]>,
    /// `cs-uri-query` as written, ARR's own keys included.
    pub uri_query: Option<&'a [u8]>,
    /// `c-port` (HTTP.sys error log).
    pub c_port: Option<&'a [u8]>,
    /// `cs-version`: `HTTP/1.1`.
    pub version: Option<&'a [u8]>,
    /// `cs(User-Agent)`, `+` for spaces as written.
    pub user_agent: Option<&'a [u8]>,
    /// `sc-substatus`: the IIS sub-status (`3` in 502.3).
    pub substatus: Option<u64>,
    /// `sc-win32-status`, an HRESULT `0x8007xxxx` reduced to its Win32 code: a WinHTTP code
    /// (12000–12199) on ARR's leg to the backend, a Win32/Winsock code on the client's.
    pub win32_status: Option<u64>,
    /// `time-taken` in milliseconds (an upper bound: it may include the client's ACK).
    pub time_taken_ms: Option<u64>,
    /// `s-siteid` (HTTP.sys error log).
    pub site_id: Option<&'a [u8]>,
    /// `s-reason` (HTTP.sys error log): `Timer_ConnectionIdle`, `AppOffline`, `QueueFull`.
    pub reason: Option<&'a [u8]>,
    /// `s-queuename` (HTTP.sys error log): the application pool's request queue.
    pub queue_name: Option<&'a [u8]>,
    /// ARR's `X-ARR-LOG-ID=<guid>` query key: joins an ARR front-end row with its backend's.
    pub arr_log_id: Option<&'a [u8]>,
    /// ARR's `SERVER-STATUS=<status>` query key: the status the backend answered with.
    pub server_status: Option<u64>,
    /// Whether the field list was guessed from the value count (no `#Fields` seen yet).
    pub schema_guessed: bool,
    /// Whether the record is an HTTP.sys error-log record (it has `s-reason`).
    pub httperr: bool,
}

impl<'a> Fields<'a> {
    /// Calls `f` with every field that is present; see [`crate::Fields::visit`].
    pub fn visit(&self, f: &mut dyn FnMut(&'static str, Value<'a>)) {
        let mut e = Emit::new(f);
        e.label("log", Some(if self.httperr { "httperr" } else { "w3c" }));
        e.text("site_name", self.site_name);
        e.text("s_ip", self.s_ip);
        e.text("s_port", self.s_port);
        e.text("method", self.method);
        e.text("uri_query", self.uri_query);
        e.text("c_port", self.c_port);
        e.text("version", self.version);
        e.text("user_agent", self.user_agent);
        e.uint("substatus", self.substatus);
        e.uint("win32_status", self.win32_status);
        e.uint("time_taken_ms", self.time_taken_ms);
        e.text("site_id", self.site_id);
        e.text("reason", self.reason);
        e.text("queue_name", self.queue_name);
        e.text("arr_log_id", self.arr_log_id);
        e.uint("server_status", self.server_status);
        if self.schema_guessed {
            e.label("schema", Some("guessed"));
        }
    }
}

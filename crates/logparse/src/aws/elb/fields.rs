//! The fields of a Classic ELB access-log line that the event does not carry.
//!
//! Kept apart from the parser: the event model holds them and must not depend on the parser.

use crate::aws::Timing;
use crate::value::{Emit, Value};

/// Fields of a Classic ELB access-log line that the [`Event`](crate::Event) does not carry.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Fields<'a> {
    /// The client's address from `client:port`.
    pub client_ip: Option<&'a [u8]>,
    /// The client's port from `client:port`.
    pub client_port: Option<u16>,
    /// The backend instance's address from `backend:port`.
    pub backend_ip: Option<&'a [u8]>,
    /// The backend instance's port from `backend:port`.
    pub backend_port: Option<u16>,
    /// `request_processing_time`.
    pub request_processing_time: Option<Timing>,
    /// `backend_processing_time`.
    pub backend_processing_time: Option<Timing>,
    /// `response_processing_time`.
    pub response_processing_time: Option<Timing>,
    /// `backend_status_code`, as written (`0` on load-balancer errors).
    pub backend_status_code: Option<u16>,
    /// `received_bytes`.
    pub received_bytes: Option<u64>,
    /// `sent_bytes`.
    pub sent_bytes: Option<u64>,
    /// `user_agent`.
    pub user_agent: Option<&'a [u8]>,
    /// `ssl_cipher`.
    pub ssl_cipher: Option<&'a [u8]>,
    /// `ssl_protocol`.
    pub ssl_protocol: Option<&'a [u8]>,
    /// Whether the line is from a TCP or SSL listener (no HTTP request: `"- - - "`).
    pub tcp: bool,
    /// The fields after the fifteenth, as one raw slice (empty when none).
    pub trailing: &'a [u8],
    /// How many fields the line has, up to fifteen.
    pub field_count: usize,
    /// Whether the line ends inside a quoted field (it was cut).
    pub truncated: bool,
    /// The classification rule that matched (`L1` ... `L11`; the table is in the docs of
    /// [`aws::elb`](crate::aws::elb)).
    pub rule: &'static str,
}

impl<'a> Fields<'a> {
    /// Calls `f` with every field that is present; see [`crate::Fields::visit`].
    pub fn visit(&self, f: &mut dyn FnMut(&'static str, Value<'a>)) {
        let mut e = Emit::new(f);
        e.text("client_ip", self.client_ip);
        e.uint("client_port", self.client_port);
        e.text("backend_ip", self.backend_ip);
        e.uint("backend_port", self.backend_port);
        for (k, t) in [
            ("request_processing_time", self.request_processing_time),
            ("backend_processing_time", self.backend_processing_time),
            ("response_processing_time", self.response_processing_time),
        ] {
            // `-1` (not measured) is no duration: it is left out.
            if let Some(micros) = t.and_then(Timing::micros) {
                e.value(k, Value::Float(micros as f64 / 1e6));
            }
        }
        e.uint("backend_status_code", self.backend_status_code);
        e.uint("received_bytes", self.received_bytes);
        e.uint("sent_bytes", self.sent_bytes);
        e.text("user_agent", self.user_agent);
        e.text("ssl_cipher", self.ssl_cipher);
        e.text("ssl_protocol", self.ssl_protocol);
        e.flag("tcp", self.tcp);
        if !self.trailing.is_empty() {
            e.value("trailing", Value::Text(self.trailing));
        }
        e.flag("truncated", self.truncated);
        e.value("rule", Value::Label(self.rule));
    }
}

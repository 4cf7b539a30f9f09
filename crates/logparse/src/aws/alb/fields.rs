//! The fields of an ALB access-log line that the event does not carry.
//!
//! Kept apart from the parser: the event model holds them and must not depend on the parser.

use crate::aws::Timing;
use crate::time::Timestamp;
use crate::value::{Emit, Value};

/// Fields of an ALB access-log line that the [`Event`](crate::Event) does not carry.
///
/// Text fields are the raw values without their quotes; `-` is `None`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Fields<'a> {
    /// The `type` field: `http`, `https`, `h2`, `grpcs`, `ws` or `wss`.
    pub kind: &'a [u8],
    /// The client's address from `client:port`.
    pub client_ip: Option<&'a [u8]>,
    /// The client's port from `client:port` (`None` when it is not a valid port).
    pub client_port: Option<u16>,
    /// The target's address from `target:port`.
    pub target_ip: Option<&'a [u8]>,
    /// The target's port from `target:port`.
    pub target_port: Option<u16>,
    /// `request_processing_time`.
    pub request_processing_time: Option<Timing>,
    /// `target_processing_time`.
    pub target_processing_time: Option<Timing>,
    /// `response_processing_time`.
    pub response_processing_time: Option<Timing>,
    /// `target_status_code`: the status the target answered with, `None` when it did not.
    pub target_status_code: Option<u16>,
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
    /// `target_group_arn`, the whole ARN.
    pub target_group_arn: Option<&'a [u8]>,
    /// `trace_id` (the `X-Amzn-Trace-Id` contents).
    pub trace_id: Option<&'a [u8]>,
    /// `domain_name`: the SNI the client sent.
    pub domain_name: Option<&'a [u8]>,
    /// `chosen_cert_arn`.
    pub chosen_cert_arn: Option<&'a [u8]>,
    /// `matched_rule_priority`: 1 to 50000, `0` for the default rule, `-1` for a rule
    /// evaluation error.
    pub matched_rule_priority: Option<i64>,
    /// `request_creation_time`: when the load balancer received the request.
    pub request_creation_time: Option<Timestamp>,
    /// `time − request_creation_time`, in microseconds, when both are present and the request
    /// was not created after the response.
    pub duration_micros: Option<i64>,
    /// `actions_executed`, a comma-separated list (`forward`, `redirect`, `waf`, ...).
    pub actions_executed: Option<&'a [u8]>,
    /// `redirect_url`.
    pub redirect_url: Option<&'a [u8]>,
    /// `error_reason` (authenticate, WAF, Lambda and weighted-target-group codes).
    pub error_reason: Option<&'a [u8]>,
    /// `target:port_list`.
    pub target_port_list: Option<&'a [u8]>,
    /// `target_status_code_list`.
    pub target_status_code_list: Option<&'a [u8]>,
    /// `classification` (HTTP desync mitigation: `Acceptable`, `Ambiguous`, `Severe`).
    pub classification: Option<&'a [u8]>,
    /// `classification_reason` (`SpaceInUri`, `BadHeader`, ...).
    pub classification_reason: Option<&'a [u8]>,
    /// `conn_trace_id` (`TID_…`), shared with the connection log.
    pub conn_trace_id: Option<&'a [u8]>,
    /// `transformed_host`.
    pub transformed_host: Option<&'a [u8]>,
    /// `transformed_uri`.
    pub transformed_uri: Option<&'a [u8]>,
    /// `request_transform_status`.
    pub request_transform_status: Option<&'a [u8]>,
    /// The fields after the last one this parser knows, as one raw slice (empty when none).
    pub trailing: &'a [u8],
    /// How many fields the line has, up to the ones this parser knows (18 to 33 for real
    /// lines; more are in `trailing`).
    pub field_count: usize,
    /// Whether the line ends inside a quoted field (it was cut).
    pub truncated: bool,
    /// The classification rule that matched (`A1` ... `G2`; the table is in the docs of
    /// [`aws::alb`](crate::aws::alb)).
    pub rule: &'static str,
}

impl<'a> Fields<'a> {
    /// Calls `f` with every field that is present; see [`crate::Fields::visit`].
    pub fn visit(&self, f: &mut dyn FnMut(&'static str, Value<'a>)) {
        let mut e = Emit::new(f);
        e.value("type", Value::Text(self.kind));
        e.text("client_ip", self.client_ip);
        e.uint("client_port", self.client_port);
        e.text("target_ip", self.target_ip);
        e.uint("target_port", self.target_port);
        for (k, t) in [
            ("request_processing_time", self.request_processing_time),
            ("target_processing_time", self.target_processing_time),
            ("response_processing_time", self.response_processing_time),
        ] {
            // `-1` (not measured) is no duration: it is left out.
            if let Some(micros) = t.and_then(Timing::micros) {
                e.value(k, Value::Float(micros as f64 / 1e6));
            }
        }
        e.uint("target_status_code", self.target_status_code);
        e.uint("received_bytes", self.received_bytes);
        e.uint("sent_bytes", self.sent_bytes);
        e.text("user_agent", self.user_agent);
        e.text("ssl_cipher", self.ssl_cipher);
        e.text("ssl_protocol", self.ssl_protocol);
        e.text("target_group_arn", self.target_group_arn);
        e.text("trace_id", self.trace_id);
        e.text("domain_name", self.domain_name);
        e.text("chosen_cert_arn", self.chosen_cert_arn);
        e.int("matched_rule_priority", self.matched_rule_priority);
        if let Some(d) = self.duration_micros {
            e.value("duration", Value::Float(d as f64 / 1e6));
        }
        e.text("actions_executed", self.actions_executed);
        e.text("redirect_url", self.redirect_url);
        e.text("error_reason", self.error_reason);
        e.text("target_port_list", self.target_port_list);
        e.text("target_status_code_list", self.target_status_code_list);
        e.text("classification", self.classification);
        e.text("classification_reason", self.classification_reason);
        e.text("conn_trace_id", self.conn_trace_id);
        e.text("transformed_host", self.transformed_host);
        e.text("transformed_uri", self.transformed_uri);
        e.text("request_transform_status", self.request_transform_status);
        if !self.trailing.is_empty() {
            e.value("trailing", Value::Text(self.trailing));
        }
        e.flag("truncated", self.truncated);
        e.value("rule", Value::Label(self.rule));
    }

    /// Whether `actions_executed` lists `action` (exact item match).
    pub fn has_action(&self, action: &[u8]) -> bool {
        self.actions_executed.is_some_and(|a| a.split(|&c| c == b',').any(|x| x == action))
    }
}

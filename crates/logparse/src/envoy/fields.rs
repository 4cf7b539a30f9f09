//! The fields of an Envoy access-log line that the event does not carry.
//!
//! Kept apart from the parser: the event model holds them and must not depend on the parser.

use crate::value::{Emit, Value};

/// Fields of an Envoy (or Istio) access-log line that the [`Event`](crate::Event) does not
/// carry, by Envoy's command-operator names in snake_case.
///
/// Text fields are the values as written in the line, without surrounding quotes and without
/// unescaping (a JSON string keeps its `\"` escapes); `-` and JSON `null` are `None`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Fields<'a> {
    /// Which layout the line was read with: `envoy` (Envoy's default text format), `istio`
    /// (Istio's default text format since 1.8), `istio-1.5` (the details fields absent, the
    /// Mixer status and transport failure reason quoted), `istio-mixer` (Istio 1.0-1.4: the
    /// Mixer status only), `json`, `key-value` or `custom` (`--envoy-log-format`).
    pub layout: &'static str,
    /// Whether the line is a TCP-proxy line (request `"- - -"`, no HTTP method).
    pub tcp: bool,
    /// `%REQ(:METHOD)%`, when the line has it apart from a request line (JSON, key=value).
    pub method: Option<&'a [u8]>,
    /// `%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%`, when the line has it apart from a request line.
    pub path: Option<&'a [u8]>,
    /// `%PROTOCOL%` (`HTTP/1.1`, `HTTP/2`), when the line has it apart from a request line.
    pub protocol: Option<&'a [u8]>,
    /// `%RESPONSE_CODE%` as a number (`0`: no response was sent).
    pub response_code: Option<u16>,
    /// `%RESPONSE_FLAGS%` (short names, comma-joined: `UF,URX`) or `%RESPONSE_FLAGS_LONG%`.
    pub response_flags: Option<&'a [u8]>,
    /// `%RESPONSE_CODE_DETAILS%` (`via_upstream`,
    /// `upstream_reset_before_response_started{connection_failure}`, ...).
    pub response_code_details: Option<&'a [u8]>,
    /// `%CONNECTION_TERMINATION_DETAILS%`.
    pub connection_termination_details: Option<&'a [u8]>,
    /// `%UPSTREAM_TRANSPORT_FAILURE_REASON%` (`delayed_connect_error:_111`, `TLS_error:...`).
    pub upstream_transport_failure_reason: Option<&'a [u8]>,
    /// `%DYNAMIC_METADATA(istio.mixer:status)%` of Istio 1.0-1.7 lines.
    pub mixer_status: Option<&'a [u8]>,
    /// `%BYTES_RECEIVED%`: body bytes received from the client.
    pub bytes_received: Option<u64>,
    /// `%BYTES_SENT%`: body bytes sent to the client.
    pub bytes_sent: Option<u64>,
    /// `%DURATION%`: milliseconds from the first byte received to the last byte sent.
    pub duration_ms: Option<u64>,
    /// `%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%`: milliseconds the upstream took, as Envoy
    /// measured it.
    pub upstream_service_time_ms: Option<u64>,
    /// `%REQ(X-FORWARDED-FOR)%`.
    pub x_forwarded_for: Option<&'a [u8]>,
    /// `%REQ(USER-AGENT)%`.
    pub user_agent: Option<&'a [u8]>,
    /// `%REQ(X-REQUEST-ID)%`.
    pub request_id: Option<&'a [u8]>,
    /// `%UPSTREAM_HOST%` as written (older Envoy writes `tcp://10.0.2.1:80`).
    pub upstream_host: Option<&'a [u8]>,
    /// `%UPSTREAM_CLUSTER%`, the whole cluster name (`outbound|8080||cart.shop.svc.cluster.local`).
    pub upstream_cluster: Option<&'a [u8]>,
    /// The port of an Istio cluster name (`outbound|8080||...` gives 8080).
    pub upstream_cluster_port: Option<u16>,
    /// `%UPSTREAM_LOCAL_ADDRESS%`.
    pub upstream_local_address: Option<&'a [u8]>,
    /// `%DOWNSTREAM_LOCAL_ADDRESS%`.
    pub downstream_local_address: Option<&'a [u8]>,
    /// `%DOWNSTREAM_REMOTE_ADDRESS%`.
    pub downstream_remote_address: Option<&'a [u8]>,
    /// `%REQUESTED_SERVER_NAME%`: the SNI the client sent.
    pub requested_server_name: Option<&'a [u8]>,
    /// `%ROUTE_NAME%`.
    pub route_name: Option<&'a [u8]>,
    /// `%GRPC_STATUS%`, when the line has it.
    pub grpc_status: Option<&'a [u8]>,
    /// Whether the line ended inside a quoted value (a cut line).
    pub truncated: bool,
    /// Text after the last field the layout knows (fields appended to a known format).
    pub trailing: Option<&'a [u8]>,
    /// Which rule decided the class: `details` (`%RESPONSE_CODE_DETAILS%`), `flags`
    /// (`%RESPONSE_FLAGS%`), `status` (neither: the status alone); see [`crate::envoy`].
    pub rule: &'static str,
}

impl<'a> Fields<'a> {
    /// Calls `f` with every field that is present; see [`crate::Fields::visit`].
    pub fn visit(&self, f: &mut dyn FnMut(&'static str, Value<'a>)) {
        let mut e = Emit::new(f);
        e.value("layout", Value::Label(self.layout));
        e.flag("tcp", self.tcp);
        e.text("method", self.method);
        e.text("path", self.path);
        e.text("protocol", self.protocol);
        e.uint("response_code", self.response_code);
        e.text("response_flags", self.response_flags);
        e.text("response_code_details", self.response_code_details);
        e.text("connection_termination_details", self.connection_termination_details);
        e.text("upstream_transport_failure_reason", self.upstream_transport_failure_reason);
        e.text("mixer_status", self.mixer_status);
        e.uint("bytes_received", self.bytes_received);
        e.uint("bytes_sent", self.bytes_sent);
        e.uint("duration_ms", self.duration_ms);
        e.uint("upstream_service_time_ms", self.upstream_service_time_ms);
        e.text("x_forwarded_for", self.x_forwarded_for);
        e.text("user_agent", self.user_agent);
        e.text("request_id", self.request_id);
        e.text("upstream_host", self.upstream_host);
        e.text("upstream_cluster", self.upstream_cluster);
        e.uint("upstream_cluster_port", self.upstream_cluster_port);
        e.text("upstream_local_address", self.upstream_local_address);
        e.text("downstream_local_address", self.downstream_local_address);
        e.text("downstream_remote_address", self.downstream_remote_address);
        e.text("requested_server_name", self.requested_server_name);
        e.text("route_name", self.route_name);
        e.text("grpc_status", self.grpc_status);
        e.flag("truncated", self.truncated);
        e.text("trailing", self.trailing);
        e.value("rule", Value::Label(self.rule));
    }
}

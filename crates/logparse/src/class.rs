//! The failure taxonomy: what failed, as one stable name per event.
//!
//! [`Class`] names are the public vocabulary of gatelog. They appear in JSON and CSV output, in
//! command-line filters (`--class connect_refused`) and in [`Class::as_str`]. They never change
//! spelling. Every class belongs to exactly one [`Group`], which summaries use to color and order
//! rows. Two attributes travel beside the class and are never folded into it: the [`Phase`] (where
//! the failure happened) and the client status, when the line says what the client received.

use std::fmt;
use std::str::FromStr;

/// What failed, for one event. See the crate docs for how each format maps onto these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Class {
    /// TCP RST on connect: nothing listens on the upstream port.
    ConnectRefused,
    /// The network path failed: no route, host down, network unreachable.
    ConnectUnreachable,
    /// The local OS refused before reaching the peer: missing unix socket, permission, backlog
    /// full, no free local port.
    ConnectLocal,
    /// A connect failed and the line does not say how.
    ConnectError,
    /// The connect or TLS handshake to the upstream did not finish in time.
    ConnectTimeout,
    /// Connected, but the upstream did not send (all of) the response in time.
    ResponseTimeout,
    /// The upstream closed the connection before a complete response.
    PrematurelyClosed,
    /// A transport error on an established connection (RST, EPIPE, TLS record failure, HTTP/2
    /// stream reset or GOAWAY).
    ConnectionReset,
    /// The response status line, headers or framing were not valid (or the wrong protocol).
    InvalidHeader,
    /// The response headers did not fit the proxy's header buffer.
    HeaderTooBig,
    /// The body framing broke after the headers were sent.
    InvalidBody,
    /// No server to send to: every peer is marked down.
    NoLiveUpstreams,
    /// Servers exist but none has a free slot (queue timeout or full, circuit breaker).
    UpstreamBusy,
    /// The upstream name could not be resolved.
    DnsFailure,
    /// The TLS handshake to the upstream failed.
    TlsHandshake,
    /// The handshake finished but the upstream certificate was rejected.
    TlsCertificate,
    /// The upstream itself answered 5xx and the proxy passed it on.
    Upstream5xx,
    /// Application output relayed by the proxy (FastCGI stderr): a signal, not a gateway failure.
    AppStderr,
    /// A 502/504 that the line reports but does not explain.
    GatewayError,
    /// A server was marked down.
    UpstreamDown,
    /// A server came back up.
    UpstreamUp,
    /// One failed health check that did not (yet) change the server's state.
    HealthCheckFailed,
    /// The proxy's own problem: connection or file limits, configuration, internal errors.
    ProxyError,
    /// The client left before the response was complete.
    ClientAbort,
    /// The client's request or timing was the problem.
    ClientError,
    /// A request that did not fail.
    Ok,
    /// Recognized, but not a failure: notices, admin and startup lines, unknown messages.
    Info,
}

/// The summary group a [`Class`] belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Group {
    /// Connection establishment failed.
    Connect,
    /// The response did not arrive (timeout, close, reset).
    Response,
    /// The response was not valid HTTP.
    Protocol,
    /// No server or no free slot.
    Capacity,
    /// Name resolution.
    Dns,
    /// TLS to the upstream.
    Tls,
    /// The application answered or wrote something.
    App,
    /// A gateway error whose cause the line does not give.
    Unknown,
    /// Server state changes and health checks.
    Health,
    /// The proxy itself.
    Proxy,
    /// The client.
    Client,
    /// Successful requests.
    Ok,
    /// Nothing failed.
    Info,
}

/// Where a failure happened in the life of a proxied request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[non_exhaustive]
pub enum Phase {
    /// Opening the connection to the upstream, including peer selection and TLS.
    Connect,
    /// Sending the request to the upstream.
    Send,
    /// Waiting for or reading the response header.
    Header,
    /// Reading the response body (the header was already passed to the client).
    Body,
    /// Waiting in a queue for a free server slot.
    Queue,
    /// A health check or server state change.
    Health,
    /// Not tied to a request phase, or unknown.
    #[default]
    None,
}

impl Class {
    /// Every class, in the taxonomy's order.
    pub const ALL: [Class; 27] = [
        Class::ConnectRefused,
        Class::ConnectUnreachable,
        Class::ConnectLocal,
        Class::ConnectError,
        Class::ConnectTimeout,
        Class::ResponseTimeout,
        Class::PrematurelyClosed,
        Class::ConnectionReset,
        Class::InvalidHeader,
        Class::HeaderTooBig,
        Class::InvalidBody,
        Class::NoLiveUpstreams,
        Class::UpstreamBusy,
        Class::DnsFailure,
        Class::TlsHandshake,
        Class::TlsCertificate,
        Class::Upstream5xx,
        Class::AppStderr,
        Class::GatewayError,
        Class::UpstreamDown,
        Class::UpstreamUp,
        Class::HealthCheckFailed,
        Class::ProxyError,
        Class::ClientAbort,
        Class::ClientError,
        Class::Ok,
        Class::Info,
    ];

    /// The four classes every report leads with.
    pub const LEAD: [Class; 4] = [
        Class::ConnectRefused,
        Class::PrematurelyClosed,
        Class::InvalidHeader,
        Class::NoLiveUpstreams,
    ];

    /// The stable snake_case name, as used in output and filters.
    pub const fn as_str(self) -> &'static str {
        match self {
            Class::ConnectRefused => "connect_refused",
            Class::ConnectUnreachable => "connect_unreachable",
            Class::ConnectLocal => "connect_local",
            Class::ConnectError => "connect_error",
            Class::ConnectTimeout => "connect_timeout",
            Class::ResponseTimeout => "response_timeout",
            Class::PrematurelyClosed => "prematurely_closed",
            Class::ConnectionReset => "connection_reset",
            Class::InvalidHeader => "invalid_header",
            Class::HeaderTooBig => "header_too_big",
            Class::InvalidBody => "invalid_body",
            Class::NoLiveUpstreams => "no_live_upstreams",
            Class::UpstreamBusy => "upstream_busy",
            Class::DnsFailure => "dns_failure",
            Class::TlsHandshake => "tls_handshake",
            Class::TlsCertificate => "tls_certificate",
            Class::Upstream5xx => "upstream_5xx",
            Class::AppStderr => "app_stderr",
            Class::GatewayError => "gateway_error",
            Class::UpstreamDown => "upstream_down",
            Class::UpstreamUp => "upstream_up",
            Class::HealthCheckFailed => "health_check_failed",
            Class::ProxyError => "proxy_error",
            Class::ClientAbort => "client_abort",
            Class::ClientError => "client_error",
            Class::Ok => "ok",
            Class::Info => "info",
        }
    }

    /// The summary group this class belongs to.
    pub const fn group(self) -> Group {
        match self {
            Class::ConnectRefused
            | Class::ConnectUnreachable
            | Class::ConnectLocal
            | Class::ConnectError
            | Class::ConnectTimeout => Group::Connect,
            Class::ResponseTimeout | Class::PrematurelyClosed | Class::ConnectionReset => {
                Group::Response
            }
            Class::InvalidHeader | Class::HeaderTooBig | Class::InvalidBody => Group::Protocol,
            Class::NoLiveUpstreams | Class::UpstreamBusy => Group::Capacity,
            Class::DnsFailure => Group::Dns,
            Class::TlsHandshake | Class::TlsCertificate => Group::Tls,
            Class::Upstream5xx | Class::AppStderr => Group::App,
            Class::GatewayError => Group::Unknown,
            Class::UpstreamDown | Class::UpstreamUp | Class::HealthCheckFailed => Group::Health,
            Class::ProxyError => Group::Proxy,
            Class::ClientAbort | Class::ClientError => Group::Client,
            Class::Ok => Group::Ok,
            Class::Info => Group::Info,
        }
    }

    /// Whether this class counts as a failure on the way to or from an upstream.
    ///
    /// True for the connect, response, protocol, capacity, dns, tls and unknown groups and for
    /// `upstream_5xx`; false for application stderr, health and state changes, the proxy's own
    /// errors, the client's side, `ok` and `info`.
    pub const fn is_upstream_failure(self) -> bool {
        matches!(
            self.group(),
            Group::Connect
                | Group::Response
                | Group::Protocol
                | Group::Capacity
                | Group::Dns
                | Group::Tls
                | Group::Unknown
        ) || matches!(self, Class::Upstream5xx)
    }

    /// The diagnosis paragraph: likely causes and the first checks to run.
    pub const fn hint(self) -> &'static str {
        match self {
            Class::ConnectRefused => {
                "Nothing accepted the connection on the upstream's port. Check that the process \
                 is running and listening on the address the proxy targets (`ss -tlnp`, \
                 `systemctl status`, `kubectl get pods`), whether it just restarted or crashed \
                 (its own logs, `dmesg` for OOM kills), and that the port in the proxy \
                 configuration matches the one the service binds."
            }
            Class::ConnectUnreachable => {
                "The network path to the upstream failed (no route, host or network down). \
                 Check that the upstream host is up and its address is current (a stale IP \
                 after a reschedule is common), routes and security groups or firewalls between \
                 proxy and upstream, and `ping`/`traceroute` from the proxy host."
            }
            Class::ConnectLocal => {
                "The proxy host refused the connect itself. For a unix socket: does the socket \
                 file exist (is php-fpm/puma/uwsgi running and configured for that path?) and \
                 can the proxy's user open it (mode, owner, SELinux `ausearch -m avc`). For \
                 `Resource temporarily unavailable`: the socket's listen backlog is full. For \
                 `Cannot assign requested address`: ephemeral ports are exhausted (enable \
                 upstream keepalive, check `ss -s`)."
            }
            Class::ConnectError => {
                "A connection to the upstream failed without a recorded reason. Treat it like a \
                 refused or unreachable connect: check that targets are healthy and listening, \
                 and look at the proxy's own error log for the detailed cause."
            }
            Class::ConnectTimeout => {
                "The connect (or TLS handshake) to the upstream did not complete in time. The \
                 host may be overloaded or its accept queue full, packets may be dropped by a \
                 firewall (SYN with no answer), or the address may be wrong. Compare with the \
                 proxy's connect timeout and check the upstream's load and `netstat -s` for \
                 listen queue overflows."
            }
            Class::ResponseTimeout => {
                "The upstream accepted the request but did not answer in time. Look for slow \
                 endpoints (database locks, external calls), exhausted worker pools, or a proxy \
                 read timeout shorter than the longest legitimate request; the request lines \
                 show which endpoints are slow."
            }
            Class::PrematurelyClosed => {
                "The upstream closed the connection before sending a complete response. Usual \
                 causes: the worker was killed or timed out (gunicorn/php-fpm/puma worker \
                 timeouts, `request_terminate_timeout`), an OOM kill (`dmesg`), or a keep-alive \
                 race where the upstream's idle timeout is shorter than the proxy's. Check the \
                 application's logs at the same second."
            }
            Class::ConnectionReset => {
                "An established connection to the upstream was reset or broke. Look for \
                 application crashes or restarts, a keep-alive idle timeout on the upstream \
                 shorter than the proxy's, middleboxes (NAT, load balancers) dropping idle \
                 connections, and request bodies larger than the upstream accepts."
            }
            Class::InvalidHeader => {
                "The upstream's answer was not valid HTTP for the proxy. Check for a protocol \
                 mismatch (HTTP/2 or gRPC vs HTTP/1.1, FastCGI vs HTTP, TLS vs plain text on \
                 the port), a stack trace or debug output written to the socket before the \
                 headers, and duplicate or conflicting Content-Length/Transfer-Encoding headers."
            }
            Class::HeaderTooBig => {
                "The upstream's response headers exceed the proxy's header buffer. Look for large \
                 cookies or many Set-Cookie headers, then raise `proxy_buffer_size` / \
                 `fastcgi_buffer_size` (or the equivalent) or trim the headers."
            }
            Class::InvalidBody => {
                "The body broke after the headers were sent, so clients got a truncated \
                 response with a success status. Check the upstream's chunked encoding and \
                 trailers, and whether it crashed or was restarted mid-response."
            }
            Class::NoLiveUpstreams => {
                "Every server in the upstream group was marked down, so the proxy had nowhere to \
                 send the request. Look at the failures just before this line (they caused the \
                 peers to hit max_fails), the health checks, and whether the group has enough \
                 servers. A group whose only name resolves to two addresses (`localhost` -> \
                 ::1 and 127.0.0.1) can hit this when one of them does not listen."
            }
            Class::UpstreamBusy => {
                "Servers exist but none had a free slot in time (queue timeout or full, circuit \
                 breaker open). Check the servers' maxconn/concurrency limits against the \
                 traffic, slow requests holding slots, and whether more capacity is needed."
            }
            Class::DnsFailure => {
                "The upstream's name could not be resolved. Check the resolver the proxy uses \
                 (`resolver` directive, /etc/resolv.conf, the cluster DNS), that the name exists \
                 (`dig NAME @RESOLVER`), and the resolver's timeouts and reachability."
            }
            Class::TlsHandshake => {
                "The TLS handshake to the upstream failed. Check protocol versions and ciphers on \
                 both sides, whether SNI is sent (`proxy_ssl_server_name on`) and matches a \
                 certificate, and that the upstream port really speaks TLS (`openssl s_client \
                 -connect HOST:PORT -servername NAME`)."
            }
            Class::TlsCertificate => {
                "The upstream's certificate was rejected. Check its expiry and chain (`openssl \
                 s_client -showcerts`), the trusted CA file the proxy uses, and that the name \
                 the proxy verifies matches the certificate."
            }
            Class::Upstream5xx => {
                "The upstream itself answered with a 5xx and the proxy passed it on. The proxy \
                 is fine; look at the application's logs and recent changes for the endpoints \
                 that fail."
            }
            Class::AppStderr => {
                "The application wrote to stderr through FastCGI (PHP warnings and fatals, \
                 `Primary script unknown`). Not a gateway failure by itself: fatals and \
                 `Primary script unknown` (wrong SCRIPT_FILENAME or root) deserve a look."
            }
            Class::GatewayError => {
                "The client got a 502/504 and this log line does not say why. Read the proxy's \
                 error log for the same second and upstream to find the cause (refused, \
                 closed, timed out, invalid header)."
            }
            Class::UpstreamDown => {
                "A server was marked down (failed health checks, too many failures, or \
                 maintenance). Look at the failures just before it and at the server itself; \
                 several servers going down together point to a deploy or a shared dependency."
            }
            Class::UpstreamUp => {
                "A server came back up. Together with the matching down event this shows how \
                 long it was out; a regular down/up rhythm points to restarts or flapping checks."
            }
            Class::HealthCheckFailed => {
                "A health check failed without changing the server's state yet. Repeated \
                 failures foreshadow a down event; check the check's endpoint and timeout."
            }
            Class::ProxyError => {
                "The proxy itself failed: connection or file-descriptor limits \
                 (`worker_connections`, `ulimit -n`), temp-file permissions, configuration \
                 errors, or internal errors. Check the proxy's limits and configuration."
            }
            Class::ClientAbort => {
                "The client went away before the response was complete. Usually harmless; a \
                 spike often means the upstream became slow enough that clients gave up, so \
                 look at response times for the same requests."
            }
            Class::ClientError => {
                "The client's request or behaviour was the problem (timeouts while sending, \
                 body too large, malformed requests, TLS failures on the client side). Not an \
                 upstream failure."
            }
            Class::Ok => "The request succeeded.",
            Class::Info => {
                "A recognized line that reports no failure (notices, startup and admin lines, \
                 unknown messages of a known format)."
            }
        }
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error returned when a string names no class.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownClass(pub String);

impl fmt::Display for UnknownClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown class {:?} (expected one of: ", self.0)?;
        for (i, c) in Class::ALL.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(c.as_str())?;
        }
        f.write_str(")")
    }
}

impl std::error::Error for UnknownClass {}

impl FromStr for Class {
    type Err = UnknownClass;

    fn from_str(s: &str) -> Result<Class, UnknownClass> {
        Class::ALL.iter().copied().find(|c| c.as_str() == s).ok_or_else(|| UnknownClass(s.into()))
    }
}

impl Group {
    /// The stable lower-case name of the group.
    pub const fn as_str(self) -> &'static str {
        match self {
            Group::Connect => "connect",
            Group::Response => "response",
            Group::Protocol => "protocol",
            Group::Capacity => "capacity",
            Group::Dns => "dns",
            Group::Tls => "tls",
            Group::App => "app",
            Group::Unknown => "unknown",
            Group::Health => "health",
            Group::Proxy => "proxy",
            Group::Client => "client",
            Group::Ok => "ok",
            Group::Info => "info",
        }
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Phase {
    /// The stable lower-case name of the phase.
    pub const fn as_str(self) -> &'static str {
        match self {
            Phase::Connect => "connect",
            Phase::Send => "send",
            Phase::Header => "header",
            Phase::Body => "body",
            Phase::Queue => "queue",
            Phase::Health => "health",
            Phase::None => "none",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for c in Class::ALL {
            assert!(seen.insert(c.as_str()), "duplicate name {}", c.as_str());
            assert_eq!(c.as_str().parse::<Class>(), Ok(c));
            assert!(!c.hint().is_empty());
        }
    }

    #[test]
    fn taxonomy_names_match_the_spec_table() {
        // The public vocabulary, in the taxonomy's order; a rename must fail here.
        let expected = "connect_refused connect_unreachable connect_local connect_error \
            connect_timeout response_timeout prematurely_closed connection_reset invalid_header \
            header_too_big invalid_body no_live_upstreams upstream_busy dns_failure tls_handshake \
            tls_certificate upstream_5xx app_stderr gateway_error upstream_down upstream_up \
            health_check_failed proxy_error client_abort client_error ok info";
        let got: Vec<&str> = Class::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(got, expected.split_whitespace().collect::<Vec<_>>());
    }

    #[test]
    fn groups_follow_the_taxonomy() {
        assert_eq!(Class::ConnectLocal.group(), Group::Connect);
        assert_eq!(Class::ConnectionReset.group(), Group::Response);
        assert_eq!(Class::HeaderTooBig.group(), Group::Protocol);
        assert_eq!(Class::UpstreamBusy.group(), Group::Capacity);
        assert_eq!(Class::AppStderr.group(), Group::App);
        assert_eq!(Class::GatewayError.group(), Group::Unknown);
        assert_eq!(Class::HealthCheckFailed.group(), Group::Health);
        assert_eq!(Class::ClientAbort.group(), Group::Client);
        assert!(Class::Upstream5xx.is_upstream_failure());
        assert!(!Class::AppStderr.is_upstream_failure());
        assert!(!Class::ClientAbort.is_upstream_failure());
    }

    #[test]
    fn unknown_class_lists_the_vocabulary() {
        let err = "refused".parse::<Class>().unwrap_err().to_string();
        assert!(err.contains("\"refused\""));
        assert!(err.contains("connect_refused"));
    }
}

//! The names of the log formats.

use std::fmt;
use std::str::FromStr;

/// The log formats gatelog reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Format {
    /// The nginx error log (`error_log`), including the stream module's lines.
    NginxError,
    /// The nginx access log (`access_log`), `combined` or a user `log_format`.
    NginxAccess,
    /// HAProxy traffic, health and admin logs.
    Haproxy,
    /// AWS Application Load Balancer access logs.
    Alb,
    /// AWS Classic Load Balancer (ELB) access logs.
    Elb,
    /// The ingress-nginx controller's own (klog) lines, beside its nginx logs.
    IngressController,
    /// Envoy access logs: Envoy's and Istio's default text formats, TCP-proxy lines, JSON and
    /// key=value lines, or a custom format string.
    Envoy,
    /// Traefik access logs (`common`, `json`) and its debug lines with the cause of a 502/504.
    Traefik,
    /// Caddy v2 JSON logs (access, error, reverse proxy), `common_log` and v1 error lines.
    Caddy,
    /// IIS W3C extended logs (plain sites and ARR front ends) and HTTP.sys error logs.
    Iis,
    /// Cloudflare `http_requests` logs (Logpush and Logpull NDJSON).
    Cloudflare,
}

impl Format {
    /// Every format, in the order detection tries them.
    pub const ALL: [Format; 11] = [
        Format::NginxError,
        Format::NginxAccess,
        Format::Haproxy,
        Format::Alb,
        Format::Elb,
        Format::IngressController,
        Format::Envoy,
        Format::Traefik,
        Format::Caddy,
        Format::Iis,
        Format::Cloudflare,
    ];

    /// The stable name used on the command line and in output.
    pub const fn as_str(self) -> &'static str {
        match self {
            Format::NginxError => "nginx-error",
            Format::NginxAccess => "nginx-access",
            Format::Haproxy => "haproxy",
            Format::Alb => "alb",
            Format::Elb => "elb",
            Format::IngressController => "ingress-controller",
            Format::Envoy => "envoy",
            Format::Traefik => "traefik",
            Format::Caddy => "caddy",
            Format::Iis => "iis",
            Format::Cloudflare => "cloudflare",
        }
    }

    /// Whether one event of this format is one attempt to reach an upstream (error logs) rather
    /// than one response to a client (access logs). Reports never add the two together.
    pub const fn counts_attempts(self) -> bool {
        matches!(self, Format::NginxError)
    }
}

impl Format {
    /// What an event's `upstream` names in this format when it is not a server address,
    /// for reports to say in their header; `None` when it is the upstream server.
    pub const fn upstream_note(self) -> Option<&'static str> {
        match self {
            Format::Iis => Some(
                "IIS: a stock ARR log does not name the backend server; upstream is the route \
                 (first path segment, grouped by host), HTTP.sys rows the application pool queue",
            ),
            _ => None,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        Format::ALL.iter().copied().find(|f| f.as_str() == s).ok_or_else(|| {
            let names: Vec<&str> = Format::ALL.iter().map(|f| f.as_str()).collect();
            format!("unknown format {s:?} (expected one of: {})", names.join(", "))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_round_trip() {
        for f in Format::ALL {
            assert_eq!(f.as_str().parse::<Format>(), Ok(f));
        }
        assert!("nginx".parse::<Format>().unwrap_err().contains("nginx-error"));
    }
}

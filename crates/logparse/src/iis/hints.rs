//! Hints in IIS's and ARR's own terms (spec `iis-and-cloudflare.md` §1.5–§1.7, §2).

use crate::class::Class;

/// The hint for `class` on an IIS line, in IIS's terms (sub-status, WinHTTP code, ARR and
/// application-pool settings), or `None` when the general hint ([`Class::hint`]) says it.
pub fn hint(class: Class) -> Option<&'static str> {
    Some(match class {
        Class::ResponseTimeout => {
            "IIS 502.3 with 12002: ARR's timeout (`proxy` timeout in the server farm settings, \
             30 s by default) expired before the backend answered. Find the slow backend \
             request by its X-ARR-LOG-ID in the backend's own log, or raise the farm's timeout \
             if the work is legitimately long."
        }
        Class::ConnectRefused => {
            "IIS 502.3 with 12029 (ERROR_WINHTTP_CANNOT_CONNECT) within about a second: the \
             farm member answered the connect with a reset (nothing listening on the port). \
             Check the backend service and the port in the server farm; 502.5 without ARR is \
             the ASP.NET Core Module's process failure (the app did not start, see the event \
             log and stdout log)."
        }
        Class::ConnectTimeout => {
            "IIS 502.3 with 12029 or 12002 after about 21 s: Windows' SYN retries ran out, \
             nothing answered the connect. Check that the farm member is up and reachable \
             (firewall, route) from the ARR server."
        }
        Class::DnsFailure => {
            "IIS 502.3 with 12007 (ERROR_WINHTTP_NAME_NOT_RESOLVED): the server farm names a \
             member by a host name that does not resolve from the ARR server."
        }
        Class::NoLiveUpstreams => {
            "IIS 502.4 (no server): every member of the ARR server farm is offline or failed \
             its health test; HTTP.sys AppOffline/AppShutdown/Disabled: the application pool \
             is stopped (rapid-fail protection). Check the farm's Monitoring and Management \
             page and the pool's state."
        }
        Class::UpstreamBusy => {
            "IIS 503.2/503.3/503.4 or HTTP.sys QueueFull/ConnLimit: the application pool's \
             queue or a concurrency limit (`appConcurrentRequestLimit`, `queueLength`) is full. \
             Look for a slow or hung worker process before raising the limits."
        }
        Class::PrematurelyClosed => {
            "IIS 502.3 with 12030 (ERROR_WINHTTP_CONNECTION_ERROR): the backend closed or \
             reset the connection before its response (a crash, `Response.Close()`, or a TLS \
             protocol mismatch); HTTP.sys Connection_Abandoned_By_AppPool: the worker process \
             quit with the request pending."
        }
        Class::InvalidHeader => {
            "IIS 502.3 with 12152 (ERROR_WINHTTP_INVALID_SERVER_RESPONSE): ARR could not read \
             the backend's response (a malformed status line or headers, or a body shorter \
             than its Content-Length)."
        }
        Class::TlsCertificate | Class::TlsHandshake => {
            "IIS 502.3 with a WinHTTP security code (12175, 12157, ...): the TLS connection \
             from the ARR server to the farm member failed; check the backend certificate \
             against the ARR server's trust store, and the SChannel protocols both allow."
        }
        Class::GatewayError => {
            "IIS 502.x with a code the log does not explain (502.3 with another Win32 code, \
             502.6/502.7): enable Failed Request Tracing for 502 on the ARR site to see the \
             farm member chosen (ARR_SERVER_ROUTED) and the error."
        }
        _ => return None,
    })
}

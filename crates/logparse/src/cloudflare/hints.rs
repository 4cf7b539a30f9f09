//! Hints in Cloudflare's own terms (spec `iis-and-cloudflare.md` §3.4).

use crate::class::Class;

/// The hint for `class` on a Cloudflare record, in Cloudflare's terms (its 52x/530 codes,
/// the origin and its firewall), or `None` when the general hint ([`Class::hint`]) says it.
pub fn hint(class: Class) -> Option<&'static str> {
    Some(match class {
        Class::ConnectRefused => {
            "Cloudflare 521: the origin (`OriginIP`) refused the connection: the web server is \
             down, or a firewall on the origin rejects Cloudflare's IP ranges, or the port does \
             not match the SSL mode."
        }
        Class::ConnectTimeout => {
            "Cloudflare 522: no SYN+ACK from the origin within 19 s. Check that the origin is \
             up and that its firewall or rate limiting does not drop Cloudflare's IP ranges."
        }
        Class::ResponseTimeout => {
            "Cloudflare 524 (or 522 after a connect): the origin accepted the connection but \
             sent no response within the Proxy Read Timeout (100-120 s). Find the slow request \
             by its RayID (the CF-Ray header) in the origin's log."
        }
        Class::ConnectUnreachable => {
            "Cloudflare 523: the origin is unreachable (no route); check the zone's A/AAAA \
             records and routing to the origin."
        }
        Class::TlsHandshake => {
            "Cloudflare 525: the TLS handshake with the origin failed (Full or Full strict SSL \
             mode): no certificate, port 443 closed, no SNI support or no common cipher."
        }
        Class::TlsCertificate => {
            "Cloudflare 526: the origin certificate is not valid under Full (strict): expired, \
             self-signed, or not for this host name."
        }
        Class::PrematurelyClosed => {
            "Cloudflare 520: the origin closed or reset the connection without a usable \
             response (a crash, a firewall killing accepted connections, an empty reply such as \
             nginx 444, oversized headers, a keep-alive timeout shorter than Cloudflare's)."
        }
        Class::DnsFailure => {
            "Cloudflare 530 (1016) or errHost/dnsErr: Cloudflare could not resolve the origin \
             host name; a 530 with 1033 is a Cloudflare Tunnel whose `cloudflared` is down."
        }
        _ => return None,
    })
}

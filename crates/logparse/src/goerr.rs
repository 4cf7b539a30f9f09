//! Go network error strings, as Traefik and Caddy log them, read as failure classes.
//!
//! Both proxies are written in Go and log the error their reverse proxy got from
//! `net/http`'s transport as Go formats it: an `*net.OpError` reads `dial tcp ADDR: connect:
//! connection refused` (`OP NET ADDR: [SYSCALL: ]ERRNO-TEXT`), a `*url.Error` adds the method
//! and URL before it, and plain sentinel errors are bare (`EOF`, `context deadline exceeded`).
//! The facts used here come from the Go standard library's error texts (`net`, `net/http`,
//! `crypto/tls`, `crypto/x509`, `syscall` errno strings) and from the Traefik and Caddy lines
//! quoted in the shared spec (`alb-and-more.md` §4.2 and §5.2):
//!
//! | text (anywhere in the error) | class |
//! |---|---|
//! | `dial ...: connection refused` (also `connect:`/`getsockopt:` before it) | `connect_refused` |
//! | `dial ...: operation was canceled`, `dial ...: context canceled` (the client left during the dial) | `client_abort` |
//! | `dial ...: i/o timeout`, `operation timed out`, `context deadline exceeded` | `connect_timeout` |
//! | `dial ...: no route to host`, `network is unreachable`, `host is down` | `connect_unreachable` |
//! | `dial unix ...: no such file or directory`, `permission denied` | `connect_local` |
//! | `dial ...: ... no such host`, `server misbehaving`, `lookup ...` | `dns_failure` |
//! | any other `dial ...` error | `connect_error` |
//! | `tls: failed to verify certificate`, `x509: ...` | `tls_certificate` |
//! | `tls: ...`, `remote error: tls: ...`, `first record does not look like a TLS handshake` | `tls_handshake` |
//! | `net/http: timeout awaiting response headers`, `context deadline exceeded`, `i/o timeout` | `response_timeout` |
//! | `EOF`, `unexpected EOF`, `http: server closed idle connection` | `prematurely_closed` |
//! | `connection reset by peer`, `broken pipe`, `http2: ...stream error`, `GOAWAY` | `connection_reset` |
//! | `malformed HTTP response`, `malformed HTTP status code`, `net/http: HTTP/1.x transport connection broken` | `invalid_header` |
//! | `server response headers exceeded` | `header_too_big` |
//! | `context canceled`, `client disconnected`, `operation was canceled` | `client_abort` |
//! | `no upstreams available` (Caddy), `no servers available` | `no_live_upstreams` |
//!
//! The dial rules come first: `dial tcp ...: i/o timeout` is a connect timeout, while a bare
//! `i/o timeout` (a read on an established connection) is a response timeout. A TLS error
//! during the dial (`dial tcp ...: tls: ...` is not written by Go; the handshake error comes
//! alone) is read by the TLS rules.

use crate::bytes::{contains, finder};
use crate::class::{Class, Phase};

/// What a Go error string says failed, and the peer it names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cause<'a> {
    /// The failure class.
    pub class: Class,
    /// Where in the request it failed.
    pub phase: Phase,
    /// The peer of a `dial NET ADDR:` or `read NET LOCAL->REMOTE:` error (`10.0.0.5:8080`,
    /// `/run/php/php-fpm.sock` for a unix socket), or the name of a failed `lookup NAME`; a
    /// sub-slice of the error.
    pub peer: Option<&'a [u8]>,
}

/// Reads a Go error string; `None` when it is none of the errors of the table above.
///
/// ```
/// use logparse::{goerr, Class};
/// let c = goerr::classify(b"dial tcp 10.244.0.146:5000: connect: connection refused").unwrap();
/// assert_eq!(c.class, Class::ConnectRefused);
/// assert_eq!(c.peer, Some(&b"10.244.0.146:5000"[..]));
/// assert_eq!(goerr::classify(b"EOF").unwrap().class, Class::PrematurelyClosed);
/// assert_eq!(goerr::classify(b"hello"), None);
/// ```
pub fn classify(err: &[u8]) -> Option<Cause<'_>> {
    let err = err.trim_ascii();
    if err.is_empty() {
        return None;
    }
    if let Some((peer, rest)) = dial(err) {
        let class = dial_class(rest);
        let phase = Phase::Connect;
        return Some(Cause { class, phase, peer: Some(peer) });
    }
    let peer = remote_peer(err).or_else(|| lookup_name(err));
    let (class, phase) = other_class(err)?;
    Some(Cause { class, phase, peer })
}

/// The peer and the rest of a `dial NET ADDR: ...` error, wherever it starts (`url.Error`s
/// put `Get "http://...": ` before it).
fn dial(err: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = finder!(b"dial ").find(err)?;
    let after = &err[at + 5..];
    // `tcp`, `tcp4`, `tcp6`, `unix`, `udp`.
    let sp = memchr::memchr(b' ', after)?;
    let net = &after[..sp];
    if !matches!(net, b"tcp" | b"tcp4" | b"tcp6" | b"unix" | b"udp") {
        return None;
    }
    let addr_and_rest = &after[sp + 1..];
    let colon_sp = finder!(b": ").find(addr_and_rest)?;
    let peer = &addr_and_rest[..colon_sp];
    if peer.is_empty() || peer.contains(&b' ') {
        return None;
    }
    Some((peer, &addr_and_rest[colon_sp + 2..]))
}

fn dial_class(rest: &[u8]) -> Class {
    const RULES: [(&[u8], Class); 17] = [
        // The client went away while the proxy was still dialing.
        (b"operation was canceled", Class::ClientAbort),
        (b"context canceled", Class::ClientAbort),
        (b"connection refused", Class::ConnectRefused),
        (b"context deadline exceeded", Class::ConnectTimeout),
        (b"i/o timeout", Class::ConnectTimeout),
        (b"operation timed out", Class::ConnectTimeout),
        (b"connection timed out", Class::ConnectTimeout),
        (b"no route to host", Class::ConnectUnreachable),
        (b"network is unreachable", Class::ConnectUnreachable),
        (b"host is down", Class::ConnectUnreachable),
        (b"no such host", Class::DnsFailure),
        (b"server misbehaving", Class::DnsFailure),
        (b"lookup ", Class::DnsFailure),
        (b"no such file or directory", Class::ConnectLocal),
        (b"permission denied", Class::ConnectLocal),
        (b"cannot assign requested address", Class::ConnectLocal),
        (b"resource temporarily unavailable", Class::ConnectLocal),
    ];
    RULES.iter().find(|(t, _)| contains(rest, t)).map_or(Class::ConnectError, |(_, c)| *c)
}

fn other_class(err: &[u8]) -> Option<(Class, Phase)> {
    // Client side first: Traefik logs a client that went away while the body was copied as
    // `readfrom tcp A->B: client disconnected` with a 502 (traefik#11538).
    const RULES: [(&[u8], Class, Phase); 24] = [
        (b"client disconnected", Class::ClientAbort, Phase::Body),
        (b"context canceled", Class::ClientAbort, Phase::None),
        (b"operation was canceled", Class::ClientAbort, Phase::None),
        (b"no upstreams available", Class::NoLiveUpstreams, Phase::Connect),
        (b"no servers available", Class::NoLiveUpstreams, Phase::Connect),
        (b"tls: failed to verify certificate", Class::TlsCertificate, Phase::Connect),
        (b"x509: ", Class::TlsCertificate, Phase::Connect),
        (b"tls: ", Class::TlsHandshake, Phase::Connect),
        (b"does not look like a TLS handshake", Class::TlsHandshake, Phase::Connect),
        (b"server response headers exceeded", Class::HeaderTooBig, Phase::Header),
        (b"malformed HTTP", Class::InvalidHeader, Phase::Header),
        (b"transport connection broken", Class::InvalidHeader, Phase::Header),
        (b"timeout awaiting response headers", Class::ResponseTimeout, Phase::Header),
        (b"context deadline exceeded", Class::ResponseTimeout, Phase::Header),
        (b"i/o timeout", Class::ResponseTimeout, Phase::Header),
        (b"Client.Timeout exceeded", Class::ResponseTimeout, Phase::Header),
        (b"connection reset by peer", Class::ConnectionReset, Phase::Header),
        (b"broken pipe", Class::ConnectionReset, Phase::Send),
        (b"stream error", Class::ConnectionReset, Phase::Header),
        (b"GOAWAY", Class::ConnectionReset, Phase::Header),
        (b"server closed idle connection", Class::PrematurelyClosed, Phase::Header),
        (b"unexpected EOF", Class::PrematurelyClosed, Phase::Body),
        (b"connection refused", Class::ConnectRefused, Phase::Connect),
        (b"no such host", Class::DnsFailure, Phase::Connect),
    ];
    if let Some((_, c, p)) = RULES.iter().find(|(t, _, _)| contains(err, t)) {
        return Some((*c, *p));
    }
    // `EOF` alone or at the end of a wrapped error (`...: EOF`).
    if err == b"EOF" || err.ends_with(b": EOF") {
        return Some((Class::PrematurelyClosed, Phase::Header));
    }
    None
}

/// The name of a failed lookup: `dial tcp: lookup cart.shop.svc on 10.96.0.10:53: no such
/// host` gives `cart.shop.svc`.
fn lookup_name(err: &[u8]) -> Option<&[u8]> {
    let at = finder!(b"lookup ").find(err)?;
    let rest = &err[at + 7..];
    let end = rest.iter().position(|&c| c == b' ' || c == b':').unwrap_or(rest.len());
    let name = &rest[..end];
    (!name.is_empty()).then_some(name)
}

/// The remote address of a `read tcp LOCAL->REMOTE: ...` / `write ...` / `readfrom ...` error.
fn remote_peer(err: &[u8]) -> Option<&[u8]> {
    let arrow = finder!(b"->").find(err)?;
    let rest = &err[arrow + 2..];
    let end = memchr::memchr(b':', rest).and_then(|c| {
        // The address's own port colon comes first: `10.0.0.5:80: read: ...`.
        finder!(b": ").find(rest).filter(|&e| e > c)
    })?;
    let peer = &rest[..end];
    (!peer.is_empty() && !peer.contains(&b' ')).then_some(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(s: &str) -> Option<Class> {
        classify(s.as_bytes()).map(|c| c.class)
    }

    #[test]
    fn dial_errors_are_connect_failures_with_their_peer() {
        let cases = [
            ("dial tcp 127.0.0.1:9000: connection refused", Class::ConnectRefused),
            ("dial tcp 10.0.0.1:80: getsockopt: connection refused", Class::ConnectRefused),
            ("dial tcp 10.10.79.117:8080: i/o timeout", Class::ConnectTimeout),
            ("dial tcp: lookup cart on 10.96.0.10:53: no such host", Class::DnsFailure),
            ("dial tcp 10.0.0.9:80: connect: no route to host", Class::ConnectUnreachable),
            (
                "dial unix /run/php/php-fpm.sock: connect: no such file or directory",
                Class::ConnectLocal,
            ),
            ("dial tcp 10.0.0.9:80: something new", Class::ConnectError),
            ("dial tcp 10.0.0.9:80: connect: context deadline exceeded", Class::ConnectTimeout),
            ("dial tcp 10.0.0.9:80: operation was canceled", Class::ClientAbort),
        ];
        for (s, want) in cases {
            assert_eq!(class(s), Some(want), "{s}");
        }
        let c = classify(b"dial tcp: lookup cart.shop.svc on 10.96.0.10:53: no such host");
        assert_eq!(c.unwrap().peer, Some(&b"cart.shop.svc"[..]));
        let c = classify(b"Get \"http://x/\": dial tcp 10.0.0.1:80: connect: connection refused");
        assert_eq!(c.unwrap().peer, Some(&b"10.0.0.1:80"[..]));
    }

    #[test]
    fn errors_on_an_open_connection() {
        assert_eq!(class("EOF"), Some(Class::PrematurelyClosed));
        assert_eq!(
            class("read tcp 10.0.0.2:4000->10.0.0.5:80: read: connection reset by peer"),
            Some(Class::ConnectionReset)
        );
        assert_eq!(
            classify(b"read tcp 10.0.0.2:4000->10.0.0.5:80: read: connection reset by peer")
                .unwrap()
                .peer,
            Some(&b"10.0.0.5:80"[..])
        );
        assert_eq!(
            class("net/http: timeout awaiting response headers"),
            Some(Class::ResponseTimeout)
        );
        assert_eq!(
            class("readfrom tcp 10.11.100.164:56118->10.11.125.155:80: client disconnected"),
            Some(Class::ClientAbort)
        );
        assert_eq!(
            class(
                "tls: failed to verify certificate: x509: certificate signed by unknown authority"
            ),
            Some(Class::TlsCertificate)
        );
        assert_eq!(class("remote error: tls: handshake failure"), Some(Class::TlsHandshake));
        assert_eq!(class("no upstreams available"), Some(Class::NoLiveUpstreams));
        assert_eq!(class("handled request"), None);
        assert_eq!(class(""), None);
    }
}

//! Format detection: which format a line (or an input) is written in.

use crate::format::Format;

/// The format a single line looks like, or `None` when it looks like none of them.
///
/// Detection is by shape only (a header, a field layout) and cheap enough to run on every line
/// of an input that mixes formats.
///
/// ```
/// use logparse::{detect, Format};
/// let line = b"2024/11/03 06:09:29 [error] 184#184: *94 no live upstreams while connecting to upstream";
/// assert_eq!(detect::detect_line(line), Some(Format::NginxError));
/// assert_eq!(detect::detect_line(b"hello world"), None);
/// ```
pub fn detect_line(line: &[u8]) -> Option<Format> {
    // Cloudflare's records are JSON objects with keys of their own.
    if crate::cloudflare::looks_like(line) {
        return Some(Format::Cloudflare);
    }
    // Envoy's text and JSON lines have a shape of their own; their key=value lines are
    // checked last, below.
    if crate::envoy::looks_like_text_or_json(line) {
        return Some(Format::Envoy);
    }
    if crate::nginx::error::has_header(line) {
        return Some(Format::NginxError);
    }
    // Traefik's and Caddy's CLF lines start like `combined`: their tails decide first.
    if crate::traefik::looks_like(line) {
        return Some(Format::Traefik);
    }
    if crate::caddy::looks_like(line) {
        return Some(Format::Caddy);
    }
    if crate::nginx::access::looks_like_combined(line) {
        return Some(Format::NginxAccess);
    }
    if crate::aws::alb::looks_like(line) {
        return Some(Format::Alb);
    }
    if crate::aws::elb::looks_like(line) {
        return Some(Format::Elb);
    }
    if crate::haproxy::looks_like(line) {
        return Some(Format::Haproxy);
    }
    if crate::ingress::looks_like(line) {
        return Some(Format::IngressController);
    }
    if crate::envoy::looks_like(line) {
        return Some(Format::Envoy);
    }
    None
}

/// The format most of `lines` look like, or `None` when no line looks like a known format.
///
/// Ties go to the format that comes first in [`Format::ALL`].
pub fn detect_lines<'a>(lines: impl IntoIterator<Item = &'a [u8]>) -> Option<Format> {
    let mut counts = [0usize; Format::ALL.len()];
    for line in lines {
        if let Some(f) = detect_line(line) {
            counts[Format::ALL.iter().position(|&g| g == f).unwrap_or(0)] += 1;
        }
    }
    let (i, &n) = counts.iter().enumerate().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))?;
    (n > 0).then(|| Format::ALL[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn majority_wins() {
        let lines: [&[u8]; 3] = [
            b"junk",
            b"2024/11/03 06:09:29 [warn] 1#1: *9 upstream server temporarily disabled",
            b"2024/11/03 06:09:30 [error] 1#1: *9 no live upstreams while connecting to upstream",
        ];
        assert_eq!(detect_lines(lines), Some(Format::NginxError));
        assert_eq!(detect_lines([&b"junk"[..]]), None);
    }
}

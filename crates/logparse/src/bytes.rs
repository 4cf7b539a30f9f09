//! Small byte-scanning helpers shared by the format modules.

use memchr::memmem;

/// A `memmem` searcher for a literal needle, built once and kept in a static.
///
/// Building a searcher costs more than running it on a short line, so hot paths search with
/// these instead of [`find`].
macro_rules! finder {
    ($needle:expr) => {{
        static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
            std::sync::LazyLock::new(|| memchr::memmem::Finder::new($needle));
        &*FINDER
    }};
}

pub(crate) use finder;

/// The position of the first occurrence of `needle` in `hay`.
#[inline]
pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memmem::find(hay, needle)
}

/// Whether `hay` contains `needle`.
#[inline]
pub(crate) fn contains(hay: &[u8], needle: &[u8]) -> bool {
    memmem::find(hay, needle).is_some()
}

/// `hay` without leading and trailing ASCII white space.
#[inline]
pub(crate) fn trim(hay: &[u8]) -> &[u8] {
    hay.trim_ascii()
}

/// Parses an unsigned decimal number that fills the whole slice (at most 19 digits).
#[inline]
pub(crate) fn parse_u64(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 19 {
        return None;
    }
    let mut n: u64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(c - b'0');
    }
    Some(n)
}

/// The length of the run of ASCII digits at the start of `b`.
#[inline]
pub(crate) fn digit_run(b: &[u8]) -> usize {
    b.iter().take_while(|c| c.is_ascii_digit()).count()
}

/// `b` if it has the shape of an IP address, with or without a port (`10.0.0.1`,
/// `10.0.0.1:80`, `[2001:db8::1]:443`, `fe80::1%eth0`): hex digits, `.`, `:`, brackets and a
/// `%zone`, with at least one `.` or `:`. The `x`, `X` and `*` of addresses anonymized in
/// place (`192.168.xx.1`, `XXX.XXX.XXX.XXX:63261`) are kept. Anything else (a host name, a
/// placeholder such as `{IP address hidden}`, a list) is not an address: `None`.
pub(crate) fn ip_shaped(b: &[u8]) -> Option<&[u8]> {
    // A zone (`%eth0`) names an interface: any bytes but the port's `]` and `:` after it.
    let addr = match memchr::memchr(b'%', b) {
        Some(i) => &b[..i],
        None => b,
    };
    let shaped = addr.iter().any(|&c| c == b'.' || c == b':')
        && addr.iter().all(|&c| {
            c.is_ascii_hexdigit() || matches!(c, b'.' | b':' | b'[' | b']' | b'x' | b'X' | b'*')
        })
        && b[addr.len()..].iter().all(|&c| {
            c.is_ascii_alphanumeric() || matches!(c, b'%' | b']' | b':' | b'.' | b'_' | b'-')
        });
    shaped.then_some(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_u64(b"0"), Some(0));
        assert_eq!(parse_u64(b"18446744073709551"), Some(18_446_744_073_709_551));
        assert_eq!(parse_u64(b""), None);
        assert_eq!(parse_u64(b"12a"), None);
        assert_eq!(parse_u64(b"99999999999999999999"), None);
        assert_eq!(digit_run(b"123abc"), 3);
    }

    #[test]
    fn searching() {
        assert_eq!(find(b"a while b while c", b" while "), Some(1));
        assert!(contains(b"abc", b"bc"));
        assert_eq!(trim(b"  x \t"), b"x");
    }

    #[test]
    fn ip_shaped_keeps_addresses_and_drops_names() {
        for a in ["10.0.0.1", "10.0.0.1:80", "[2001:db8::1]:443", "fe80::1%eth0", "192.168.xx.1"] {
            assert_eq!(super::ip_shaped(a.as_bytes()), Some(a.as_bytes()), "{a}");
        }
        for n in ["shop.example.com", "{IP address hidden}", "12345", "", "10.0.0.1, 10.0.0.2"] {
            assert_eq!(super::ip_shaped(n.as_bytes()), None, "{n}");
        }
    }
}

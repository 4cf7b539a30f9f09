//! Byte-scanning helpers shared by the signal families: fixed-text search (memchr/memmem),
//! numbers, and the stamp shapes backends write. No allocation, no regex.

use crate::bytes::{digit_run, find, parse_u64};
use crate::time::Timestamp;

/// The bytes after the first `needle` in `hay`.
pub(crate) fn after<'a>(hay: &'a [u8], needle: &[u8]) -> Option<&'a [u8]> {
    find(hay, needle).map(|i| &hay[i + needle.len()..])
}

/// `true` when `hay` contains `needle`.
pub(crate) fn has(hay: &[u8], needle: &[u8]) -> bool {
    crate::bytes::contains(hay, needle)
}

/// The leading decimal number of `b` and the rest.
pub(crate) fn num(b: &[u8]) -> Option<(u64, &[u8])> {
    let n = digit_run(b);
    Some((parse_u64(&b[..n])?, &b[n..]))
}

/// The number right after `needle`.
pub(crate) fn num_after(hay: &[u8], needle: &[u8]) -> Option<u64> {
    num(after(hay, needle)?).map(|(n, _)| n)
}

/// The number right after `needle`, as a pid.
pub(crate) fn pid_after(hay: &[u8], needle: &[u8]) -> Option<u32> {
    num_after(hay, needle).and_then(|n| u32::try_from(n).ok())
}

/// `12.605199` as seconds.
pub(crate) fn seconds(b: &[u8]) -> Option<f64> {
    let n = digit_run(b);
    let whole = parse_u64(&b[..n])? as f64;
    let rest = &b[n..];
    if rest.first() == Some(&b'.') {
        let m = digit_run(&rest[1..]).min(9);
        let frac = parse_u64(&rest[1..1 + m]).unwrap_or(0) as f64;
        return Some(whole + frac / 10f64.powi(m as i32));
    }
    Some(whole)
}

/// The bytes up to (not including) the first `stop`, or all of `b`.
pub(crate) fn until(b: &[u8], stop: u8) -> &[u8] {
    memchr::memchr(stop, b).map_or(b, |i| &b[..i])
}

/// The word at the start of `b` (up to a space) and the rest after the spaces.
pub(crate) fn word(b: &[u8]) -> (&[u8], &[u8]) {
    let w = until(b, b' ');
    let mut rest = &b[w.len()..];
    while rest.first() == Some(&b' ') {
        rest = &rest[1..];
    }
    (w, rest)
}

/// Exactly `n` ASCII digits at the start of `b`.
fn fixed(b: &[u8], n: usize) -> Option<u32> {
    if b.len() < n || digit_run(&b[..n]) != n {
        return None;
    }
    parse_u64(&b[..n]).map(|v| v as u32)
}

/// `Jan`..`Dec` as 1..=12.
pub(crate) fn month(b: &[u8]) -> Option<u32> {
    const M: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let b = b.get(..3)?;
    M.iter().position(|m| &m[..] == b).map(|i| i as u32 + 1)
}

/// `HH:MM:SS` and an optional `.fraction`: (h, m, s, micros, precision_us, bytes used).
pub(crate) fn clock(b: &[u8]) -> Option<(u32, u32, u32, u32, u32, usize)> {
    let h = fixed(b, 2)?;
    let m = fixed(b.get(3..)?, 2)?;
    let s = fixed(b.get(6..)?, 2)?;
    if b[2] != b':' || b[5] != b':' {
        return None;
    }
    let mut used = 8;
    let (mut micros, mut prec) = (0, 1_000_000);
    if b.get(8) == Some(&b'.') {
        let n = digit_run(&b[9..]);
        if n > 0 {
            let take = n.min(6);
            micros = fixed(&b[9..], take)? * 10u32.pow(6 - take as u32);
            prec = 10u32.pow(6 - take as u32);
            used = 9 + n;
        }
    }
    Some((h, m, s, micros, prec, used))
}

/// A parsed stamp: the instant (UTC, or local read as UTC), whether it had an offset, its
/// precision in µs and the bytes it used.
pub(crate) struct Stamp {
    pub(crate) time: Timestamp,
    pub(crate) offset: bool,
    pub(crate) precision_us: u32,
    pub(crate) len: usize,
}

/// An optional UTC offset: `Z`, `+00:00`, `+0000`, `-05:00`; (offset seconds, bytes, colon).
fn offset(b: &[u8]) -> Option<(i64, usize, bool)> {
    match b.first()? {
        b'Z' => Some((0, 1, true)),
        &sign @ (b'+' | b'-') => {
            let h = fixed(&b[1..], 2)?;
            let (m, len, colon) = if b.get(3) == Some(&b':') {
                (fixed(b.get(4..)?, 2)?, 6, true)
            } else {
                (fixed(b.get(3..)?, 2)?, 5, false)
            };
            let secs = i64::from(h * 3600 + m * 60);
            Some((if sign == b'-' { -secs } else { secs }, len, colon))
        }
        _ => None,
    }
}

/// `YYYY-MM-DD[T ]HH:MM:SS[.frac][offset]`; the bool says whether the offset had a colon
/// (or was `Z`).
pub(crate) fn iso(b: &[u8]) -> Option<(Stamp, bool)> {
    let y = fixed(b, 4)?;
    let mo = fixed(b.get(5..)?, 2)?;
    let d = fixed(b.get(8..)?, 2)?;
    if b[4] != b'-' || b[7] != b'-' || !matches!(b.get(10)?, b'T' | b' ') {
        return None;
    }
    let (h, mi, s, us, prec, used) = clock(&b[11..])?;
    let mut len = 11 + used;
    let t = Timestamp::from_civil_utc(y as i32, mo, d, h, mi, s, us)?;
    let mut st = Stamp { time: t, offset: false, precision_us: prec, len };
    let mut colon = false;
    let rest = &b[len..];
    let rest = if rest.first() == Some(&b' ') && matches!(rest.get(1), Some(b'+' | b'-')) {
        len += 1;
        &rest[1..]
    } else {
        rest
    };
    if let Some((off, n, c)) = offset(rest) {
        st.time = Timestamp::from_unix_micros(t.unix_micros() - off * 1_000_000);
        st.offset = true;
        st.len = len + n;
        colon = c;
    }
    Some((st, colon))
}

/// `DD-Mon-YYYY HH:MM:SS[.frac]` (php-fpm, Tomcat), local time.
pub(crate) fn dmy(b: &[u8]) -> Option<Stamp> {
    let d = fixed(b, 2)?;
    let mo = month(b.get(3..)?)?;
    let y = fixed(b.get(7..)?, 4)?;
    if b[2] != b'-' || b[6] != b'-' || b.get(11) != Some(&b' ') {
        return None;
    }
    let (h, mi, s, us, prec, used) = clock(&b[12..])?;
    let time = Timestamp::from_civil_utc(y as i32, mo, d, h, mi, s, us)?;
    Some(Stamp { time, offset: false, precision_us: prec, len: 12 + used })
}

/// ctime `Www Mmm dd HH:MM:SS YYYY` (day space-padded); without the year when `year` is
/// given and the text has none (uWSGI `log-date`). Local time.
pub(crate) fn ctime(b: &[u8], year: i32) -> Option<Stamp> {
    if b.len() < 19 || b[3] != b' ' || b[7] != b' ' {
        return None;
    }
    let mo = month(&b[4..])?;
    let d = if b[8] == b' ' { fixed(&b[9..], 1)? } else { fixed(&b[8..], 2)? };
    if b[10] != b' ' {
        return None;
    }
    let (h, mi, s, us, prec, used) = clock(&b[11..])?;
    let mut len = 11 + used;
    let mut y = year;
    if b.get(len) == Some(&b' ')
        && let Some(v) = fixed(&b[len + 1..], 4)
    {
        y = v as i32;
        len += 5;
    }
    let time = Timestamp::from_civil_utc(y, mo, d, h, mi, s, us)?;
    Some(Stamp { time, offset: false, precision_us: prec, len })
}

/// RFC 3164 `Mmm dd HH:MM:SS[.frac]` (day space-padded), in `year`. Local time.
pub(crate) fn bsd(b: &[u8], year: i32) -> Option<Stamp> {
    let mo = month(b)?;
    if b.get(3) != Some(&b' ') || b.len() < 15 {
        return None;
    }
    let d = if b[4] == b' ' { fixed(&b[5..], 1)? } else { fixed(&b[4..], 2)? };
    if b[6] != b' ' {
        return None;
    }
    let (h, mi, s, us, prec, used) = clock(&b[7..])?;
    let time = Timestamp::from_civil_utc(year, mo, d, h, mi, s, us)?;
    Some(Stamp { time, offset: false, precision_us: prec, len: 7 + used })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps() {
        let (s, colon) = iso(b"2019-05-04T18:05:45.011072877-05:00 x").unwrap();
        assert!(s.offset && colon);
        assert_eq!(s.time, Timestamp::from_civil_utc(2019, 5, 4, 23, 5, 45, 11072).unwrap());
        let (s, colon) = iso(b"2026-02-08T00:40:07+0000 h").unwrap();
        assert!(s.offset && !colon);
        assert_eq!(s.len, 24);
        let (s, _) = iso(b"2024-01-09 13:24:39 +0000]").unwrap();
        assert_eq!(s.len, 25);
        let s = ctime(b"Tue Jan  9 04:04:46 2024 - x", 0).unwrap();
        assert_eq!(s.time, Timestamp::from_civil_utc(2024, 1, 9, 4, 4, 46, 0).unwrap());
        let s = bsd(b"Aug 30 06:58:55.050705 ... kernel", 2020).unwrap();
        assert_eq!((s.len, s.precision_us), (22, 1));
        assert!(dmy(b"25-Oct-2021 13:14:08]").is_some());
        assert!(iso(b"2024-13-01T00:00:00Z").is_none());
        assert_eq!(seconds(b"12.605199 s"), Some(12.605199));
    }
}

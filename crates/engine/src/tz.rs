//! Time zones by name, and times written the way people type them.
//!
//! Logs such as nginx's error log carry wall-clock times without an offset. The parsers read
//! them in a [`Tz`]: UTC, a fixed offset, or a table of a named zone's offsets. [`zone`]
//! builds any of them from a string, and [`named`] builds the table of an IANA zone from the
//! system's time-zone database, or from a copy bundled in the binary when the system has
//! none; a caller never builds a [`ZoneTable`] by hand.
//!
//! ```
//! use engine::logparse::Tz;
//!
//! let paris = engine::tz::zone("Europe/Paris").unwrap();
//! let summer = engine::tz::parse_time("2024-07-01 12:00:00", &paris).unwrap();
//! assert_eq!(summer.to_string(), "2024-07-01T10:00:00Z");
//! assert_eq!(engine::tz::zone("+02:00").unwrap(), Tz::Fixed(7200));
//! assert!(engine::tz::zone("Mars/Olympus").is_err());
//! ```

use std::fmt;
use std::sync::Arc;

use crate::logparse::{Timestamp, Tz, ZoneTable};

/// Why a zone could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TzError {
    /// A string starting with `+` or `-` that is not `+HH:MM`, `-HHMM` or `+HH` of at most 25
    /// hours.
    BadOffset(String),
    /// A name the time-zone database does not know: the name, then the database's own reason
    /// (which says, for example, that no database was found on this machine).
    UnknownZone(String, String),
}

impl fmt::Display for TzError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TzError::BadOffset(s) => {
                write!(f, "invalid offset {s:?} (expected +HH:MM, -HHMM or +HH, at most 25 hours)")
            }
            TzError::UnknownZone(s, reason) => write!(
                f,
                "unknown zone {s:?} (expected an IANA name like Europe/Paris, UTC, or an offset \
                 like +02:00): {reason}"
            ),
        }
    }
}

impl std::error::Error for TzError {}

/// The earliest and latest instants a zone table covers; outside them the nearest offset is
/// used (for named zones this is the rule in force at the edge, which is what the zone's
/// current rules would give anyway for any date a log can carry).
const TABLE_FROM: i64 = -2_208_988_800; // 1900-01-01T00:00:00Z
const TABLE_UNTIL: i64 = 7_258_118_400; // 2200-01-01T00:00:00Z

/// Reads a zone: `UTC`/`utc`/`Z`, a fixed offset (`+02:00`, `-0500`, `+02`), or an IANA name
/// (`Europe/Paris`), see [`named`].
///
/// # Errors
///
/// [`TzError::BadOffset`] for a malformed offset, [`TzError::UnknownZone`] for a name the
/// database does not have.
pub fn zone(s: &str) -> Result<Tz, TzError> {
    if s.eq_ignore_ascii_case("utc") || s == "Z" {
        return Ok(Tz::Utc);
    }
    if s.starts_with(['+', '-']) {
        return offset(s).map(Tz::Fixed).ok_or_else(|| TzError::BadOffset(s.to_owned()));
    }
    named(s)
}

/// The zone named `name` in the IANA database (`Europe/Paris`, `America/New_York`), as a
/// [`Tz::Table`] of its offsets from 1900 to 2200. The system's database
/// (`/usr/share/zoneinfo`) is used when it has the zone, else a copy built into the library.
///
/// # Errors
///
/// [`TzError::UnknownZone`] when neither has the name.
pub fn named(name: &str) -> Result<Tz, TzError> {
    let zone = jiff::tz::TimeZone::get(name)
        .map_err(|e| TzError::UnknownZone(name.to_owned(), e.to_string()))?;
    Ok(Tz::Table(Arc::new(zone_table(name, &zone))))
}

/// The offset in seconds of `+HH:MM`, `-HHMM` or `+HH`.
fn offset(s: &str) -> Option<i32> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, s.get(1..)?),
        b'-' => (-1, s.get(1..)?),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) || rest.matches(':').count() > 1 {
        return None;
    }
    let (h, m) = match digits.len() {
        2 => (digits.parse::<i32>().ok()?, 0),
        4 => (digits.get(..2)?.parse::<i32>().ok()?, digits.get(2..)?.parse::<i32>().ok()?),
        _ => return None,
    };
    if h > 25 || m > 59 {
        return None;
    }
    Some(sign * (h * 3600 + m * 60))
}

/// The table of a named zone's offsets, as spans of local time (see [`ZoneTable`]).
///
/// A transition at UTC instant `T` from offset `a` to offset `b` starts its span at local
/// time `T + max(a, b)`: a wall-clock time skipped when clocks go forward, or repeated when
/// they go back, is read with the offset in force before the change, as `ZoneTable`
/// documents.
fn zone_table(name: &str, zone: &jiff::tz::TimeZone) -> ZoneTable {
    let mut prev = match jiff::Timestamp::from_second(TABLE_FROM) {
        Ok(start) => zone.to_offset(start).seconds(),
        Err(_) => 0,
    };
    let mut spans = vec![(i64::MIN, prev)];
    if let Ok(start) = jiff::Timestamp::from_second(TABLE_FROM) {
        for t in zone.following(start) {
            let at = t.timestamp().as_second();
            if at >= TABLE_UNTIL {
                break;
            }
            let off = t.offset().seconds();
            spans.push((at + i64::from(prev.max(off)), off));
            prev = off;
        }
    }
    ZoneTable::new(name, spans)
}

/// Reads a time as people type it: RFC 3339 with an offset (`2024-07-01T10:00:00Z`,
/// `2024-07-01T12:00:00+02:00`), or `YYYY-MM-DD[ HH:MM[:SS]]` (a `T` may replace the space)
/// read as wall-clock time in `tz`. `None` when it is neither, or names a day that does not
/// exist.
pub fn parse_time(s: &str, tz: &Tz) -> Option<Timestamp> {
    if let Ok(t) = s.parse::<jiff::Timestamp>() {
        return Some(Timestamp::from_unix_micros(t.as_microsecond()));
    }
    parse_local(s.trim(), tz)
}

fn parse_local(s: &str, tz: &Tz) -> Option<Timestamp> {
    let num = |r: std::ops::Range<usize>, len: usize| -> Option<u32> {
        let d = s.get(r)?;
        (d.len() == len && d.bytes().all(|b| b.is_ascii_digit())).then(|| d.parse().ok())?
    };
    let b = s.as_bytes();
    let (y, mo, d) = (num(0..4, 4)?, num(5..7, 2)?, num(8..10, 2)?);
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let (h, mi, sec) = match b.len() {
        10 => (0, 0, 0),
        16 | 19 => {
            if !matches!(b.get(10), Some(b' ' | b'T')) || b.get(13) != Some(&b':') {
                return None;
            }
            let sec = if b.len() == 19 {
                if b.get(16) != Some(&b':') {
                    return None;
                }
                num(17..19, 2)?
            } else {
                0
            };
            (num(11..13, 2)?, num(14..16, 2)?, sec)
        }
        _ => return None,
    };
    let local = Timestamp::from_civil_utc(y as i32, mo, d, h, mi, sec, 0)?;
    Some(Timestamp::from_unix_seconds(tz.local_to_utc(local.unix_seconds())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> i64 {
        s.parse::<jiff::Timestamp>().unwrap().as_second()
    }

    #[test]
    fn paris_follows_daylight_saving_time() {
        let tz = zone("Europe/Paris").unwrap();
        let summer = parse_time("2024-07-01 12:00:00", &tz).unwrap();
        assert_eq!(summer.to_string(), "2024-07-01T10:00:00Z");
        let winter = parse_time("2024-01-15 12:00", &tz).unwrap();
        assert_eq!(winter.to_string(), "2024-01-15T11:00:00Z");
        // The nginx error log path: local wall clock through the same table.
        let ev = crate::logparse::nginx::error::parse_with(
            b"2024/07/01 12:00:00 [error] 1#1: *1 no live upstreams while connecting to upstream",
            &crate::logparse::Options::with_tz(tz),
        )
        .unwrap();
        assert_eq!(ev.time.unwrap().to_string(), "2024-07-01T10:00:00Z");
    }

    #[test]
    fn skipped_and_repeated_hours_take_the_earlier_offset() {
        let Tz::Table(t) = zone("Europe/Paris").unwrap() else { panic!("not a table") };
        // 2024-03-31 02:30 never happened in Paris; 2024-10-27 02:30 happened twice.
        let gap = utc("2024-03-31T02:30:00Z");
        assert_eq!(t.offset_at_local(gap), 3600);
        assert_eq!(t.offset_at_local(utc("2024-03-31T03:00:00Z")), 7200);
        let fold = utc("2024-10-27T02:30:00Z");
        assert_eq!(t.offset_at_local(fold), 7200);
        assert_eq!(t.offset_at_local(utc("2024-10-27T03:00:00Z")), 3600);
    }

    #[test]
    fn zones_without_daylight_saving_and_far_dates() {
        let tz = zone("Asia/Tokyo").unwrap();
        assert_eq!(tz.local_to_utc(utc("2024-07-01T09:00:00Z")), utc("2024-07-01T00:00:00Z"));
        let ny = zone("America/New_York").unwrap();
        assert_eq!(ny.local_to_utc(utc("2150-07-01T12:00:00Z")), utc("2150-07-01T16:00:00Z"));
    }

    #[test]
    fn offsets_and_utc() {
        assert_eq!(zone("UTC").unwrap(), Tz::Utc);
        assert_eq!(zone("+02:00").unwrap(), Tz::Fixed(7200));
        assert_eq!(zone("-0500").unwrap(), Tz::Fixed(-18000));
        assert_eq!(zone("+05:30").unwrap(), Tz::Fixed(19800));
        assert_eq!(zone("-03").unwrap(), Tz::Fixed(-10800));
        for bad in ["+2", "+02:0", "+0a:00", "+99:00", "+02::00", "Mars/Olympus"] {
            assert!(zone(bad).is_err(), "{bad}");
        }
        let msg = format!("{:#}", zone("Mars/Olympus").unwrap_err());
        assert!(msg.contains("Mars/Olympus") && msg.contains("Europe/Paris"), "{msg}");
    }

    #[test]
    fn times_in_every_accepted_form() {
        let tz = Tz::Fixed(3600);
        let t = |s| parse_time(s, &tz).map(|t| t.to_string());
        assert_eq!(t("2024-07-01T10:00:00+02:00").unwrap(), "2024-07-01T08:00:00Z");
        assert_eq!(t("2024-07-01T10:00:00Z").unwrap(), "2024-07-01T10:00:00Z");
        assert_eq!(t("2024-07-01").unwrap(), "2024-06-30T23:00:00Z");
        assert_eq!(t("2024-07-01 10:00").unwrap(), "2024-07-01T09:00:00Z");
        assert_eq!(t("2024-07-01T10:00:30").unwrap(), "2024-07-01T09:00:30Z");
        for bad in ["yesterday", "2024-7-1", "2024-07-01 10", "2024-02-30", "2024-07-01 10:00:0"] {
            assert!(t(bad).is_none(), "{bad}");
        }
    }
}

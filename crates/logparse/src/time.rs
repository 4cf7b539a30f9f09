//! Timestamps and time zones, without a date-time dependency on the hot path.
//!
//! Logs write wall-clock times in many shapes. The parsers turn each into a [`Timestamp`]: an
//! integer count of microseconds since the Unix epoch, in UTC. Formats that write local time
//! without a zone (the nginx error log, syslog headers) are converted through a [`Tz`], which the
//! caller chooses; the default is UTC.

use std::fmt;
use std::sync::Arc;

/// A point in time: microseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// A timestamp from microseconds since the Unix epoch.
    pub const fn from_unix_micros(micros: i64) -> Timestamp {
        Timestamp(micros)
    }

    /// A timestamp from whole seconds since the Unix epoch.
    pub const fn from_unix_seconds(secs: i64) -> Timestamp {
        Timestamp(secs.saturating_mul(1_000_000))
    }

    /// Microseconds since the Unix epoch.
    pub const fn unix_micros(self) -> i64 {
        self.0
    }

    /// Whole seconds since the Unix epoch (rounded towards negative infinity).
    pub const fn unix_seconds(self) -> i64 {
        self.0.div_euclid(1_000_000)
    }

    /// The microseconds within the second, `0..1_000_000`.
    pub const fn subsec_micros(self) -> u32 {
        self.0.rem_euclid(1_000_000) as u32
    }

    /// The timestamp of a UTC calendar date and time, or `None` if a field is out of range.
    pub fn from_civil_utc(
        year: i32,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
        micros: u32,
    ) -> Option<Timestamp> {
        let secs = civil_to_unix(year, month, day, hour, minute, second)?;
        if micros >= 1_000_000 {
            return None;
        }
        Some(Timestamp(secs * 1_000_000 + i64::from(micros)))
    }

    /// The UTC calendar fields `(year, month, day, hour, minute, second)`.
    pub fn to_civil_utc(self) -> (i32, u32, u32, u32, u32, u32) {
        let secs = self.unix_seconds();
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400) as u32;
        let (y, m, d) = civil_from_days(days);
        (y, m, d, rem / 3600, rem / 60 % 60, rem % 60)
    }
}

/// RFC 3339 in UTC: `2024-01-02T03:04:05Z`, with `.ffffff` when there are microseconds.
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, mo, d, h, mi, s) = self.to_civil_utc();
        write!(f, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")?;
        let us = self.subsec_micros();
        if us != 0 {
            write!(f, ".{us:06}")?;
        }
        f.write_str("Z")
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub(crate) const fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = year as i64 - if month <= 2 { 1 } else { 0 };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a count of days since 1970-01-01.
pub(crate) const fn civil_from_days(days: i64) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y as i32, m, d)
}

/// The number of days in a month of a year, `0` for a month out of range.
pub(crate) const fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 => {
            if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 {
                29
            } else {
                28
            }
        }
        _ => 0,
    }
}

/// Seconds since the epoch of a calendar date and time read as UTC, checking every range.
pub(crate) fn civil_to_unix(
    year: i32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
) -> Option<i64> {
    if !(1..=9999).contains(&year)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    // A leap second is read as the last second of the minute.
    let second = second.min(59);
    Some(
        days_from_civil(year, month, day) * 86_400
            + i64::from(hour) * 3600
            + i64::from(minute) * 60
            + i64::from(second),
    )
}

/// How to turn a zone-less local wall-clock time into UTC.
///
/// `Tz::Utc` and `Tz::Fixed` need no data. `Tz::Table` holds the offsets of a named zone (with
/// its daylight-saving changes) as a sorted table, which the caller builds from a time-zone
/// database; this crate does not read one itself.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Tz {
    /// Local time is UTC.
    #[default]
    Utc,
    /// Local time is UTC plus this many seconds (east positive).
    Fixed(i32),
    /// Local time follows a table of offsets; see [`ZoneTable`].
    Table(Arc<ZoneTable>),
}

/// The offsets of a named time zone, as spans of local wall-clock time.
///
/// Each entry `(local_start, offset)` says that from local time `local_start` (seconds since
/// the epoch, read as if local time were UTC) the zone is `offset` seconds east of UTC, until
/// the next entry. When clocks go back, a local time that occurs twice takes the earlier
/// (pre-change) offset; when they go forward, a local time that never occurred takes the offset
/// in force before the change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneTable {
    name: String,
    spans: Vec<(i64, i32)>,
}

impl ZoneTable {
    /// A table from its name and its spans; spans are sorted by start here.
    ///
    /// An empty list of spans means UTC.
    pub fn new(name: impl Into<String>, mut spans: Vec<(i64, i32)>) -> ZoneTable {
        spans.sort_by_key(|s| s.0);
        ZoneTable { name: name.into(), spans }
    }

    /// The zone's name, as given when the table was built.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The offset in force at a local wall-clock time.
    pub fn offset_at_local(&self, local: i64) -> i32 {
        match self.spans.partition_point(|s| s.0 <= local) {
            0 => self.spans.first().map_or(0, |s| s.1),
            i => self.spans[i - 1].1,
        }
    }
}

impl Tz {
    /// Converts local wall-clock seconds (read as if they were UTC) to UTC seconds.
    pub fn local_to_utc(&self, local: i64) -> i64 {
        match self {
            Tz::Utc => local,
            Tz::Fixed(off) => local - i64::from(*off),
            Tz::Table(t) => local - i64::from(t.offset_at_local(local)),
        }
    }
}

/// Parses two ASCII digits.
#[inline]
pub(crate) fn digits2(b: &[u8]) -> Option<u32> {
    match b {
        [a @ b'0'..=b'9', c @ b'0'..=b'9', ..] => {
            Some(u32::from(a - b'0') * 10 + u32::from(c - b'0'))
        }
        _ => None,
    }
}

/// Parses four ASCII digits.
#[inline]
pub(crate) fn digits4(b: &[u8]) -> Option<u32> {
    Some(digits2(b)? * 100 + digits2(b.get(2..)?)?)
}

/// The month number of an English three-letter abbreviation (`Jan` = 1).
pub(crate) fn month_from_abbrev(b: &[u8]) -> Option<u32> {
    const NAMES: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let b = b.get(..3)?;
    NAMES.iter().position(|n| n.eq_ignore_ascii_case(b)).map(|i| i as u32 + 1)
}

/// Whether a date of `month` that follows one of `last_month` is in the next year: a month more
/// than six before the last one is a new year (December, then January).
///
/// Months are `1..=12`. A log goes forward in time, so a month that seems to go back by more
/// than half a year went on into the next one; a smaller step back is taken for lines slightly
/// out of order (several writers, a relay's buffering).
pub(crate) const fn is_new_year(last_month: u32, month: u32) -> bool {
    month + 6 < last_month
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_over_four_centuries() {
        for days in (-146_097..146_097 * 2).step_by(37) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn known_dates() {
        assert_eq!(civil_to_unix(1970, 1, 1, 0, 0, 0), Some(0));
        assert_eq!(civil_to_unix(2000, 3, 1, 0, 0, 0), Some(951_868_800));
        assert_eq!(civil_to_unix(2024, 2, 29, 23, 59, 59), Some(1_709_251_199));
        assert_eq!(civil_to_unix(2023, 2, 29, 0, 0, 0), None);
        assert_eq!(civil_to_unix(2023, 13, 1, 0, 0, 0), None);
        assert_eq!(civil_to_unix(2023, 1, 1, 24, 0, 0), None);
    }

    #[test]
    fn display_is_rfc3339_utc() {
        let t = Timestamp::from_civil_utc(2024, 11, 3, 6, 9, 29, 0).unwrap();
        assert_eq!(t.to_string(), "2024-11-03T06:09:29Z");
        let t = Timestamp::from_civil_utc(2018, 7, 2, 22, 23, 0, 186_641).unwrap();
        assert_eq!(t.to_string(), "2018-07-02T22:23:00.186641Z");
        let t = Timestamp::from_unix_micros(-1);
        assert_eq!(t.to_string(), "1969-12-31T23:59:59.999999Z");
    }

    #[test]
    fn zone_table_takes_the_span_in_force() {
        // A zone one hour east, then two hours east from local 1000.
        let z = ZoneTable::new("Test/Zone", vec![(1000, 7200), (i64::MIN, 3600)]);
        assert_eq!(z.offset_at_local(0), 3600);
        assert_eq!(z.offset_at_local(999), 3600);
        assert_eq!(z.offset_at_local(1000), 7200);
        let tz = Tz::Table(Arc::new(z));
        assert_eq!(tz.local_to_utc(5000), 5000 - 7200);
        assert_eq!(Tz::Fixed(-3600).local_to_utc(0), 3600);
        assert_eq!(Tz::Utc.local_to_utc(42), 42);
    }

    #[test]
    fn month_abbreviations() {
        assert_eq!(month_from_abbrev(b"Jan"), Some(1));
        assert_eq!(month_from_abbrev(b"dec"), Some(12));
        assert_eq!(month_from_abbrev(b"Foo"), None);
        assert_eq!(month_from_abbrev(b"Ja"), None);
    }

    #[test]
    fn the_turn_of_the_year_is_a_step_back_of_more_than_six_months() {
        assert!(is_new_year(12, 1));
        assert!(is_new_year(8, 1));
        assert!(!is_new_year(7, 1));
        assert!(!is_new_year(1, 12));
        assert!(!is_new_year(5, 5));
    }
}

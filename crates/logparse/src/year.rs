//! The year of year-less syslog timestamps.
//!
//! Syslog headers in the BSD format (`Mmm dd HH:MM:SS`, RFC 3164 section 4.1.2) carry no year;
//! HAProxy's default `log` format writes them. Two things decide the year of such a date: the
//! lines of the same input that carry a year, and one rule for the turn of the year,
//! [`is_new_year`], which the HAProxy parser applies from line to line and
//! [`Parser::infer_year`] applies to the start of an input.

use crate::lines::Lines;
use crate::time::is_new_year;
use crate::{Format, Options, Parser, Timestamp, Tz, haproxy};

/// How much of an input [`Parser::infer_year`] reads.
const HEAD: usize = 64 * 1024;

impl Parser {
    /// The year for the year-less syslog timestamps of an input, from its first bytes and its
    /// modification time.
    ///
    /// `head` is the start of the input; only its first 64 KiB are read, up to the last line
    /// that ends in them. `mtime` is the input's modification time, when known. The result is,
    /// in this order:
    ///
    /// 1. the [`Options::year`] of this parser, when set;
    /// 2. the year of the first line that carries one (an HAProxy accept date or ISO syslog
    ///    header, any nginx, ALB or ELB time), on the wall clock of the parser's zone
    ///    ([`Options::tz`]); the year before that when a year-less date comes first and its
    ///    month is more than six after that line's (December lines before a dated January
    ///    line: the turn of the year the HAProxy parser applies between lines);
    /// 3. the year the modification time gives the first year-less HAProxy date: the year of
    ///    `mtime`, or the year before when the date would fall more than a month after it
    ///    (what [`haproxy::Parser::with_now`] assumes with `mtime` for the current time);
    /// 4. the year of `mtime`;
    ///
    /// and `None` without any of them. Give the result as [`Options::year`] to every parser of
    /// the input (every chunk of it, when it is read in parallel): the HAProxy parser then
    /// advances it at each turn of the year.
    ///
    /// Lines are read with a copy of this parser, in its format (detection, when it has none);
    /// this parser is left as it was.
    ///
    /// ```
    /// use logparse::{Options, Parser, Timestamp};
    ///
    /// let parser = Parser::new(None, Options::default());
    /// let december =
    ///     b"Dec 31 23:59:58 lb1 haproxy[7]: Server web/app1 is DOWN, reason: Layer4 timeout\n";
    /// let nginx = b"2024/01/01 00:00:03 [error] 9#9: *1 no live upstreams while connecting to upstream\n";
    /// // The nginx line carries 2024; the December line before it is from 2023.
    /// assert_eq!(parser.infer_year(&[&december[..], nginx].concat(), None), Some(2023));
    /// // No dated line: the year the modification time gives (2 January 2025, so December 2024).
    /// let mtime = Timestamp::from_civil_utc(2025, 1, 2, 0, 0, 0, 0);
    /// assert_eq!(parser.infer_year(december, mtime), Some(2024));
    /// ```
    pub fn infer_year(&self, head: &[u8], mtime: Option<Timestamp>) -> Option<i32> {
        if let Some(year) = self.options().year {
            return Some(year);
        }
        let mut parser = self.clone();
        parser.reset();
        let tz = &self.options().tz;
        let head = head.get(..HEAD).unwrap_or(head);
        let head = match memchr::memrchr(b'\n', head) {
            Some(i) => &head[..i],
            None => head,
        };
        let plain = Options::with_tz(tz.clone());
        // Any year will do to read the month of a year-less date.
        let mut some_year = plain.clone();
        some_year.year = Some(2001);
        let mut by_mtime = mtime.map(|t| haproxy::Parser::with_now(plain.clone(), t));
        let mut guess = None;
        let mut first_month = None;
        let dated = |t: Timestamp, first_month: Option<u32>| {
            let (y, m) = local_year_month(t, tz);
            if first_month.is_some_and(|m0| is_new_year(m0, m)) { y - 1 } else { y }
        };
        for line in Lines::new(head) {
            let Ok(ev) = parser.parse(line) else { continue };
            if ev.format == Format::Haproxy {
                // The stateless parser gives a time only when the line carries its year.
                if let Some(t) = haproxy::parse_with(line, &plain).ok().and_then(|e| e.time) {
                    return Some(dated(t, first_month));
                }
                if first_month.is_none() {
                    let t = haproxy::parse_with(line, &some_year).ok().and_then(|e| e.time);
                    first_month = t.map(|t| local_year_month(t, tz).1);
                }
                if guess.is_none() {
                    guess = by_mtime.as_mut().and_then(|p| p.parse(line).ok()?.time);
                }
            } else if let Some(t) = ev.time {
                return Some(dated(t, first_month));
            }
        }
        guess.or(mtime).map(|t| local_year_month(t, tz).0)
    }
}

/// The calendar year and month of `t` on the wall clock of `tz`.
///
/// A zone table is looked up at `t` read as a local time: hours off near a change of offset,
/// which moves the month only when the change falls at a month's end.
fn local_year_month(t: Timestamp, tz: &Tz) -> (i32, u32) {
    let s = t.unix_seconds();
    let offset = match tz {
        Tz::Utc => 0,
        Tz::Fixed(o) => i64::from(*o),
        Tz::Table(table) => i64::from(table.offset_at_local(s)),
    };
    let (y, m, ..) = Timestamp::from_unix_seconds(s + offset).to_civil_utc();
    (y, m)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first three lines of the command line's `tests/data/chunking.log`.
    const CHUNKING_HEAD: &[u8] = b"Dec 31 23:58:01 lb1 haproxy[4418]: Server web/app1 is DOWN, reason: Layer4 connection problem, info: \"Connection refused\", check duration: 0ms. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.
Dec 31 23:59:30 lb1 haproxy[4418]: 10.0.1.2:33317 [31/Dec/2023:23:59:30.120] http-in web/app2 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 \"GET /index.html HTTP/1.1\"
2023/12/31 23:59:40 [error] 19162#0: *490 FastCGI sent in stderr: \"PHP message: PHP Fatal error:  Uncaught RuntimeException: cart service unavailable in /var/www/app/Cart.php:88
";

    /// The year a parser of `parser`'s format reading local times in `tz` infers for `head`
    /// and a modification time of `mtime` seconds since the epoch.
    fn first_year(parser: Parser, tz: &Tz, head: &[u8], mtime: Option<i64>) -> Option<i32> {
        Parser::new(parser.format(), Options::with_tz(tz.clone()))
            .infer_year(head, mtime.map(Timestamp::from_unix_seconds))
    }

    #[test]
    fn the_year_comes_from_the_first_dated_line_or_the_modification_time() {
        let tz = Tz::Utc;
        let parser = || Parser::new(None, Options::default());
        // The accept date of line 2 carries 2023.
        assert_eq!(first_year(parser(), &tz, CHUNKING_HEAD, None), Some(2023));
        let admin = b"Dec 30 10:00:00 lb1 haproxy[1]: backend web has no server available!\n";
        // Modified on 2025-01-02: a December date without a year is from 2024.
        let jan_2025 = 1_735_776_000;
        assert_eq!(first_year(parser(), &tz, admin, Some(jan_2025)), Some(2024));
        // Modified on 2025-12-31: the same year.
        assert_eq!(first_year(parser(), &tz, admin, Some(jan_2025 + 363 * 86_400)), Some(2025));
        assert_eq!(first_year(parser(), &tz, b"no date here\n", Some(jan_2025)), Some(2025));
        assert_eq!(first_year(parser(), &tz, b"no date here\n", None), None);
        // December lines without a year before a dated January line are from the year before.
        let new_year = [
            &admin[..],
            b"Jan  1 00:00:01 lb1 haproxy[1]: 10.0.1.2:33317 [01/Jan/2025:00:00:01.120] http-in web/app2 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 \"GET / HTTP/1.1\"\n",
        ]
        .concat();
        assert_eq!(first_year(parser(), &tz, &new_year, None), Some(2024));
        assert_eq!(first_year(parser(), &tz, &new_year[admin.len()..], None), Some(2025));
        // Local time decides: 00:30 on 1 January at +02:00 is still 2023 in UTC.
        let nginx =
            b"2024/01/01 00:30:00 [error] 1#1: *1 no live upstreams while connecting to upstream\n";
        assert_eq!(first_year(parser(), &Tz::Fixed(7200), nginx, None), Some(2024));
    }

    #[test]
    fn the_options_year_wins() {
        let parser = Parser::new(None, Options { year: Some(2019), ..Options::default() });
        assert_eq!(parser.infer_year(b"2024/01/01 00:30:00 [error] 1#1: *1 x\n", None), Some(2019));
    }
}

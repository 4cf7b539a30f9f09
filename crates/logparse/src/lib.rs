//! Zero-copy parsers that turn reverse-proxy log lines into classified events.
//!
//! # Overview
//!
//! `logparse` reads one log line at a time (a `&[u8]`, no I/O, no threads) and returns an
//! [`Event`] that borrows from the line: when it happened, which upstream it concerns, and a
//! [`Class`] saying what failed (`connect_refused`, `prematurely_closed`, `invalid_header`,
//! `no_live_upstreams`, ...). Lines that are not events come back as a small, `Copy`
//! [`ParseError`] saying why.
//!
//! Classes are the project's public vocabulary; [`Class::as_str`] gives the stable names and
//! [`Class::hint`] the diagnosis paragraph for each.
//!
//! # Example
//!
//! ```
//! use logparse::{Class, Format, Parser};
//!
//! let log = b"2023/10/27 11:37:33 [error] 1109#0: *14969476 connect() failed (111: Connection refused) while connecting to upstream, client: 10.255.1.242, server: kong, request: \"POST /api HTTP/2.0\", upstream: \"http://10.1.186.173:8000/api\", host: \"devops.example\"
//! 2023/10/27 11:37:34 [warn] 1109#0: *14969477 upstream server temporarily disabled while connecting to upstream, client: 10.255.1.242, server: kong, request: \"POST /api HTTP/2.0\", upstream: \"http://10.1.186.173:8000/api\", host: \"devops.example\"
//! ";
//! let mut parser = Parser::new(Some(Format::NginxError), Default::default());
//! let classes: Vec<Class> = logparse::lines::Lines::new(log)
//!     .filter_map(|line| parser.parse(line).ok())
//!     .map(|ev| ev.class)
//!     .collect();
//! assert_eq!(classes, [Class::ConnectRefused, Class::UpstreamDown]);
//! ```
//!
//! # Formats
//!
//! - [`nginx::error`]: the nginx error log, HTTP and stream modules, with container and
//!   syslog prefixes, truncated and multi-line entries.
//! - [`nginx::access`]: the nginx access log, in `combined`, its common extensions (nginx's
//!   `main`, ingress-nginx `upstreaminfo`) or any `log_format` given as in `nginx.conf`, with
//!   every upstream attempt.
//! - [`aws::alb`]: the AWS Application Load Balancer access log, every field generation (18 to
//!   33 fields and later additions); connection-log, health-check-log and NLB lines are skipped.
//! - [`aws::elb`]: the AWS Classic Load Balancer access log, HTTP and TCP/SSL listeners.
//! - [`haproxy`]: HAProxy traffic lines (HTTP, HTTPS, CLF, TCP, connection errors), health
//!   checks and admin messages, in every syslog, journald, stderr and container framing.
//!
//! [`detect`] tells formats apart by their shape, per line or per input.
//!
//! # Untrusted input
//!
//! Log lines carry text that anyone on the internet can choose: request lines, Host and
//! Referer headers, user agents, application output. The parsers accept arbitrary bytes: they
//! never panic, never allocate per line, do no unbounded backtracking (every search is a
//! linear `memchr`/`memmem` scan), and every field of an event is a sub-slice of the input
//! line. Fields are **not** escaped or sanitized: a caller that prints them to a terminal or
//! into HTML must escape them there. A crafted request line can imitate a context key
//! (`", upstream: "`); the docs of each format say which occurrence wins.
//!
//! This crate forbids `unsafe` code.
//!
//! # Crate features
//!
//! - `serde` (off by default): `Serialize` and `Deserialize` for [`OwnedEvent`], the owned copy
//!   of an event for tools that keep events ([`Event::to_owned`]), and for the types it holds:
//!   [`OwnedValue`], [`Class`], [`Phase`], [`Level`], [`Format`] and [`Timestamp`]. Classes,
//!   phases, levels and formats are written as their stable names ([`Class::as_str`]:
//!   `"connect_refused"`, `"nginx-error"`), a timestamp as its RFC 3339 text in UTC
//!   (`"2024-03-14T09:26:53.120000Z"`), text as a string when it is UTF-8 and as bytes when it
//!   is not (in JSON, an array of numbers), and the format fields as a map from their
//!   [`Fields::visit`] names to values tagged with their kind (`{"uint": 502}`,
//!   `{"label": "B2"}`), so that every value reads back as it was. Without the feature the
//!   crate depends on `memchr` alone.
//!
//!   ```
//!   # #[cfg(feature = "serde")] {
//!   let line = b"2024/03/14 09:26:53 [error] 7#7: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.1, server: a, upstream: \"http://10.0.4.21:8080/\"";
//!   let ev = logparse::nginx::error::parse(line).unwrap().to_owned();
//!   let json = serde_json::to_string(&ev).unwrap();
//!   assert!(json.contains(r#""class":"connect_refused""#));
//!   assert!(json.contains(r#""upstream":"10.0.4.21:8080""#));
//!   assert_eq!(serde_json::from_str::<logparse::OwnedEvent>(&json).unwrap(), ev);
//!   # }
//!   ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod aws;
mod bytes;
pub mod class;
pub mod detect;
pub mod error;
pub mod event;
mod format;
pub mod haproxy;
pub mod lines;
pub mod nginx;
pub mod time;
mod value;
mod year;

pub use crate::class::{Class, Group, Phase};
pub use crate::error::{ParseError, ParseErrorKind};
pub use crate::event::{Event, Fields, Level, OwnedEvent, OwnedValue, Text, text};
pub use crate::format::Format;
pub use crate::time::{Timestamp, Tz, ZoneTable};
pub use crate::value::Value;

/// Settings shared by the parsers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// The zone of timestamps written as local time without a zone (nginx error log, syslog
    /// headers). Defaults to UTC.
    pub tz: Tz,
    /// The year of timestamps written without one (syslog `Mmm dd HH:MM:SS` headers). `None`
    /// lets the parser infer it (see the format's docs).
    pub year: Option<i32>,
}

impl Options {
    /// Options with the given time zone.
    pub fn with_tz(tz: Tz) -> Options {
        Options { tz, ..Options::default() }
    }
}

/// A line parser for one input: a fixed format, or detection per line.
///
/// It keeps the little state a format needs across lines (an open multi-line nginx FastCGI
/// entry). Use one parser per input, in line order.
#[derive(Clone, Debug)]
pub struct Parser {
    format: Option<Format>,
    opts: Options,
    last_detected: Option<Format>,
    nginx_error: nginx::error::Parser,
    nginx_access: nginx::access::Parser,
    haproxy: haproxy::Parser,
}

impl Parser {
    /// A parser for `format`, or for whatever format each line looks like when `None`.
    pub fn new(format: Option<Format>, opts: Options) -> Parser {
        Parser {
            format,
            last_detected: None,
            nginx_error: nginx::error::Parser::new(opts.clone()),
            nginx_access: nginx::access::Parser::new(opts.clone()),
            haproxy: haproxy::Parser::new(opts.clone()),
            opts,
        }
    }

    /// Reads nginx access-log lines with `format` instead of the defaults.
    ///
    /// By default, access-log lines are read as `combined`, or as one of the common formats that
    /// extend it (nginx's `main`, [`LogFormat::main_upstream`](nginx::access::LogFormat::main_upstream),
    /// ingress-nginx `upstreaminfo`); see [`nginx::access`]. In detection mode, only lines that
    /// start like `combined` are taken for access-log lines: give the format as
    /// `Some(Format::NginxAccess)` for other layouts.
    pub fn with_access_format(mut self, format: nginx::access::LogFormat) -> Parser {
        let opts = self.nginx_access.options().clone();
        self.nginx_access = nginx::access::Parser::with_format(format, opts);
        self
    }

    /// The fixed format of this parser, `None` when it detects per line.
    pub fn format(&self) -> Option<Format> {
        self.format
    }

    /// Parses the next line of the input.
    ///
    /// In detection mode each line goes to the format it looks like ([`detect::detect_line`]).
    /// A line that looks like none (a headerless nginx error line, a custom access-log layout)
    /// is tried first as the format last detected in this input, then as the other formats in
    /// the order of [`Format::ALL`]; a format that takes it as the continuation of an open
    /// multi-line entry wins; when none accepts it, the first format's error is returned.
    pub fn parse<'a>(&mut self, line: &'a [u8]) -> Result<Event<'a>, ParseError> {
        if let Some(format) = self.format {
            return self.parse_as(format, line);
        }
        if let Some(format) = detect::detect_line(line) {
            self.last_detected = Some(format);
            return self.parse_as(format, line);
        }
        let first = self.last_detected.unwrap_or(Format::NginxError);
        let err = match self.parse_as(first, line) {
            Ok(ev) => return Ok(ev),
            Err(e) if e.kind == ParseErrorKind::Continuation => return Err(e),
            Err(e) => e,
        };
        for format in Format::ALL.into_iter().filter(|&f| f != first) {
            match self.parse_as(format, line) {
                Ok(ev) => return Ok(ev),
                // A line of an entry that another format's line interrupted (an access line
                // between the lines of a multi-line nginx FastCGI entry) still belongs to it.
                Err(e) if e.kind == ParseErrorKind::Continuation => return Err(e),
                Err(_) => {}
            }
        }
        Err(err)
    }

    /// The format the last detected line of this input had, in detection mode.
    pub fn last_detected(&self) -> Option<Format> {
        self.last_detected
    }

    fn parse_as<'a>(&mut self, format: Format, line: &'a [u8]) -> Result<Event<'a>, ParseError> {
        match format {
            Format::NginxError => self.nginx_error.parse(line),
            Format::NginxAccess => self.nginx_access.parse(line),
            Format::Alb => aws::alb::parse(line),
            Format::Elb => aws::elb::parse(line),
            Format::Haproxy => self.haproxy.parse(line),
        }
    }

    /// Forgets state carried from earlier lines (call it when a new input starts).
    pub fn reset(&mut self) {
        self.last_detected = None;
        self.nginx_error.reset();
        self.haproxy.reset();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_of_another_format_inside_a_multiline_entry_does_not_end_it() {
        let lines: [&[u8]; 4] = [
            b"2023/12/31 23:59:40 [error] 19162#0: *490 FastCGI sent in stderr: \"PHP message: PHP Fatal error:  boom",
            b"2001:db8::1 - - [31/Dec/2023:23:59:41 +0000] \"GET /healthz HTTP/1.1\" 200 2 \"-\" \"kube-probe/1.29\"",
            b"Stack trace:",
            b"  thrown in /app/x.php on line 88\" while reading response header from upstream, client: 1.2.3.4, server: a",
        ];
        let mut p = Parser::new(None, Options::default());
        let got: Vec<Result<Format, ParseErrorKind>> =
            lines.iter().map(|l| p.parse(l).map(|e| e.format).map_err(|e| e.kind)).collect();
        assert_eq!(
            got,
            [
                Ok(Format::NginxError),
                Ok(Format::NginxAccess),
                Err(ParseErrorKind::Continuation),
                Err(ParseErrorKind::Continuation),
            ]
        );
    }
}

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
//! - [`ingress`]: the ingress-nginx controller's own klog lines (`W0412 10:02:11.120533 7
//!   controller.go:1112] ...`), which share `kubectl logs` with its access and error logs.
//! - [`traefik`]: Traefik's access log (`common` and `json`) and the v1/v2/v3 debug lines that
//!   carry the cause of a 502/504 (`'502 Bad Gateway' caused by: dial tcp ...`).
//! - [`caddy`]: Caddy v2's JSON access, error and reverse-proxy logs, its `common_log`, and
//!   v1 text error lines; [`goerr`] reads the Go error strings both write.
//!
//! - [`envoy`]: Envoy and Istio access logs: the default text formats (Envoy's, Istio's
//!   current and older ones), TCP-proxy lines, JSON and key=value lines, and custom format
//!   strings ([`envoy::LogFormat`]), classified by `RESPONSE_CODE_DETAILS` and
//!   `RESPONSE_FLAGS`.
//!
//! [`signal`] reads the other side: backend lines (gunicorn, php-fpm, uWSGI, Puma, Unicorn,
//! PM2, Java, Go, the kernel OOM killer, systemd, Kubernetes, Docker) as [`signal::Signal`]s.
//!
//! - [`iis`]: IIS W3C extended logs (plain sites, ARR front ends) and HTTP.sys error logs,
//!   read with the file's own `#Fields` directives and classified by status, sub-status and
//!   the WinHTTP code in `sc-win32-status`.
//!
//! - [`cloudflare`]: Cloudflare `http_requests` records (Logpush, Logpull), classified from
//!   `EdgeResponseStatus`, `OriginResponseStatus` and the timing and security fields.
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
pub mod caddy;
pub mod class;
pub mod cloudflare;
pub mod detect;
pub mod envoy;
pub mod error;
pub mod event;
mod format;
pub mod goerr;
pub mod haproxy;
pub mod hint;
pub mod iis;
pub mod ingress;
pub mod join;
mod json;
pub mod lines;
pub mod nginx;
mod options;
pub mod pair;
mod parser;
pub mod signal;
pub mod time;
pub mod traefik;
mod value;
mod year;

pub use crate::class::{Class, Group, Phase};
pub use crate::error::{ParseError, ParseErrorKind};
pub use crate::event::{Event, Fields, Level, OwnedEvent, OwnedValue, Text, text};
pub use crate::format::Format;
pub use crate::options::Options;
pub use crate::parser::Parser;
pub use crate::time::{Timestamp, Tz, ZoneTable};
pub use crate::value::Value;

//! The line parser for one input, in a fixed format or detecting the format of each line.

use crate::detect;
use crate::error::{ParseError, ParseErrorKind};
use crate::event::Event;
use crate::format::Format;
use crate::options::Options;
use crate::{aws, envoy, haproxy, ingress, nginx};

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
    envoy: envoy::Parser,
    iis: crate::iis::Parser,
    /// Detection mode: a W3C directive block was seen and IIS reads the lines after it.
    in_w3c: bool,
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
            envoy: envoy::Parser::new(),
            iis: crate::iis::Parser::new(),
            in_w3c: false,
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

    /// Reads HAProxy traffic lines with `format` (an HAProxy `log-format`, see
    /// [`haproxy::LogFormat`]) instead of recognizing the built-in formats.
    ///
    /// In detection mode, lines are taken for HAProxy's as before (a syslog tag naming
    /// HAProxy, a known message, a built-in layout): give the format as `Some(Format::Haproxy)`
    /// for custom lines without such a tag.
    pub fn with_haproxy_format(mut self, format: haproxy::LogFormat) -> Parser {
        let opts = self.haproxy.options().clone();
        self.haproxy = haproxy::Parser::new(opts).with_format(format);
        self
    }

    /// Reads Envoy lines with `format` (an Envoy format string, see [`envoy::LogFormat`])
    /// first, and with the built-in layouts when a line does not fit it.
    ///
    /// In detection mode, lines that no detector recognizes are tried with it too.
    pub fn with_envoy_format(mut self, format: envoy::LogFormat) -> Parser {
        self.envoy = envoy::Parser::with_format(format);
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
        // A W3C directive block switches the input to IIS until a line IIS cannot read
        // (spec `iis-and-cloudflare.md` §1.2).
        if crate::iis::is_directive(line) {
            self.in_w3c = true;
        }
        if self.in_w3c {
            match self.iis.parse(line) {
                Ok(ev) => {
                    self.last_detected = Some(Format::Iis);
                    return Ok(ev);
                }
                Err(e) if matches!(e.kind, ParseErrorKind::Skipped(_) | ParseErrorKind::Empty) => {
                    return Err(e);
                }
                // Another format's line ends the block; anything else is an unparsed record.
                Err(_) if detect::detect_line(line).is_some() => self.in_w3c = false,
                Err(e) => return Err(e),
            }
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

    /// The options this parser was made with.
    pub(crate) fn options(&self) -> &Options {
        &self.opts
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
            Format::IngressController => ingress::parse_with(line, &self.opts),
            Format::Envoy => self.envoy.parse(line),
            Format::Traefik => crate::traefik::parse(line),
            Format::Caddy => crate::caddy::parse(line),
            Format::Iis => self.iis.parse(line),
            Format::Cloudflare => crate::cloudflare::parse(line),
        }
    }

    /// Whether a multi-line nginx FastCGI stderr entry is open after the line parsed last (see
    /// [`nginx::error::Parser::entry_open`]). A line that gives an nginx error-log event and
    /// leaves this true opened an entry: its event is complete only with the context of the
    /// entry's closing line, the first later line after which this is false again, read
    /// together with it by [`Parser::entry_event`].
    pub fn entry_open(&self) -> bool {
        self.nginx_error.entry_open()
    }

    /// The event of a multi-line nginx FastCGI entry from its first line and its closing line
    /// (see [`nginx::error::entry_event`]), read with this parser's options; the parser's
    /// state does not change.
    ///
    /// # Errors
    ///
    /// `first`'s parse error, when it is not an nginx error-log line.
    pub fn entry_event<'a>(
        &self,
        first: &'a [u8],
        last: &'a [u8],
    ) -> Result<Event<'a>, ParseError> {
        nginx::error::entry_event(first, last, &self.opts)
    }

    /// Forgets state carried from earlier lines (call it when a new input starts).
    pub fn reset(&mut self) {
        self.last_detected = None;
        self.nginx_error.reset();
        self.haproxy.reset();
        self.iis.reset();
        self.in_w3c = false;
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

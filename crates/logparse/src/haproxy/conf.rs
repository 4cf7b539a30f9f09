//! The log formats of a `haproxy.cfg`: which format each `frontend` and `listen` section logs
//! with, so that `--haproxy-log-format FILE[:NAME]` can pick one by section name.
//!
//! What is read (HAProxy `doc/configuration.txt`, sections 2 and 4): section headers
//! (`defaults [NAME]`, `frontend NAME [from DEFAULTS]`, `listen NAME [from DEFAULTS]`, and any
//! other section, whose directives are skipped), and in them `log-format STRING`, `option
//! httplog [clf]`, `option httpslog` and `option tcplog [clf]`; the last of them in a section
//! wins. A frontend or listen section without one takes the format of its `defaults`: the one
//! its `from` names, else the last `defaults` section above it. Comments (`#` outside quotes)
//! and every other directive are skipped.

use std::fmt;

use super::log_format::{FormatError, LogFormat};

/// One `defaults`, `frontend` or `listen` section and the format it logs with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// `defaults`, `frontend` or `listen`.
    pub kind: &'static str,
    /// The section's name (a `defaults` section may have none).
    pub name: Option<String>,
    /// The line of its header, from 1.
    pub line: usize,
    /// Its own format or the one it inherits; `None` when it logs none of them.
    pub format: Option<LogFormat>,
}

/// The sections of a configuration that can set a log format.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Conf {
    sections: Vec<Section>,
}

/// A `log-format` of the file that does not compile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfError {
    /// The line, from 1.
    pub line: usize,
    /// Why it does not compile.
    pub error: FormatError,
}

impl fmt::Display for ConfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.error)
    }
}

impl std::error::Error for ConfError {}

/// Why no single format could be picked.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SelectError {
    /// No section of the file sets a log format.
    NoFormat,
    /// No frontend, listen or defaults section has this name; the names there are.
    UnknownName(String, Vec<String>),
    /// The named section logs with no format (no `option httplog` and no `log-format`).
    NoFormatIn(String),
    /// Several frontends log with different formats: these.
    Ambiguous(Vec<String>),
}

impl fmt::Display for SelectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SelectError::NoFormat => f.write_str(
                "no section sets a log format (log-format, option httplog, option tcplog)",
            ),
            SelectError::UnknownName(n, names) => {
                write!(
                    f,
                    "no frontend, listen or defaults section `{n}` (there are: {})",
                    names.join(", ")
                )
            }
            SelectError::NoFormatIn(n) => write!(f, "section `{n}` sets no log format"),
            SelectError::Ambiguous(names) => {
                write!(f, "the frontends log with different formats ({})", names.join(", "))
            }
        }
    }
}

impl std::error::Error for SelectError {}

/// What is left of a line without its comment.
fn uncomment(line: &str) -> &str {
    let mut quote = None;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match (c, quote) {
            _ if escaped => escaped = false,
            ('\\', _) => escaped = true,
            ('"' | '\'', None) => quote = Some(c),
            (c, Some(q)) if c == q => quote = None,
            ('#', None) => return &line[..i],
            _ => {}
        }
    }
    line
}

impl Conf {
    /// Reads the sections of `text`, a haproxy.cfg.
    pub fn parse(text: &str) -> Result<Conf, ConfError> {
        let mut sections: Vec<Section> = Vec::new();
        // Index in `sections` of the section being read.
        let mut current: Option<usize> = None;
        let mut last_defaults: Option<usize> = None;
        let mut inherit: Vec<(usize, Option<usize>)> = Vec::new();
        for (n, raw) in text.lines().enumerate() {
            let line = uncomment(raw).trim();
            let mut words = line.split_whitespace();
            let Some(first) = words.next() else { continue };
            let kind = match first {
                "defaults" => Some("defaults"),
                "frontend" => Some("frontend"),
                "listen" => Some("listen"),
                "global" | "backend" | "peers" | "resolvers" | "userlist" | "mailers"
                | "program" | "http-errors" | "ring" | "cache" | "crt-store" | "traces"
                | "log-forward" | "fcgi-app" => None,
                _ => {
                    if let Some(i) = current {
                        let format = match (first, words.next(), words.next()) {
                            ("log-format", ..) => Some(
                                LogFormat::new(line)
                                    .map_err(|error| ConfError { line: n + 1, error })?,
                            ),
                            ("option", Some(o @ ("httplog" | "tcplog")), Some("clf")) => {
                                Some(LogFormat::new(&format!("{o} clf")).expect("built-in format"))
                            }
                            ("option", Some(o @ ("httplog" | "httpslog" | "tcplog")), _) => {
                                Some(LogFormat::new(o).expect("built-in format"))
                            }
                            _ => None,
                        };
                        if format.is_some() {
                            sections[i].format = format;
                        }
                    }
                    continue;
                }
            };
            let Some(kind) = kind else {
                current = None;
                continue;
            };
            let name = words.next().map(str::to_owned);
            let from = match (words.next(), words.next()) {
                (Some("from"), Some(d)) => Some(d.to_owned()),
                _ => None,
            };
            sections.push(Section { kind, name, line: n + 1, format: None });
            let i = sections.len() - 1;
            if kind == "defaults" {
                last_defaults = Some(i);
                if let Some(d) = from.as_deref() {
                    let parent = sections[..i]
                        .iter()
                        .rposition(|s| s.kind == "defaults" && s.name.as_deref() == Some(d));
                    inherit.push((i, parent));
                }
            } else {
                let parent = match from.as_deref() {
                    Some(d) => sections[..i]
                        .iter()
                        .rposition(|s| s.kind == "defaults" && s.name.as_deref() == Some(d)),
                    None => last_defaults,
                };
                inherit.push((i, parent));
            }
            current = Some(i);
        }
        // Parents come before their children, so one pass in order settles chains.
        for (i, parent) in inherit {
            if sections[i].format.is_none()
                && let Some(p) = parent
            {
                sections[i].format = sections[p].format.clone();
            }
        }
        Ok(Conf { sections })
    }

    /// Every `defaults`, `frontend` and `listen` section, in file order.
    pub fn sections(&self) -> &[Section] {
        &self.sections
    }

    /// The format of the section named `name`; without a name, the one format all frontends
    /// and listen sections log with (else the only `defaults` format).
    pub fn select(&self, name: Option<&str>) -> Result<LogFormat, SelectError> {
        if let Some(n) = name {
            let s = self.sections.iter().rev().find(|s| s.name.as_deref() == Some(n)).ok_or_else(
                || {
                    let names = self.sections.iter().filter_map(|s| s.name.clone()).collect();
                    SelectError::UnknownName(n.to_owned(), names)
                },
            )?;
            return s.format.clone().ok_or_else(|| SelectError::NoFormatIn(n.to_owned()));
        }
        let mut found: Vec<&Section> = Vec::new();
        let logging = self.sections.iter().filter(|s| s.kind != "defaults" && s.format.is_some());
        let logging: Vec<&Section> = logging.collect();
        let pool = if logging.is_empty() {
            self.sections.iter().filter(|s| s.format.is_some()).collect()
        } else {
            logging
        };
        for s in pool {
            if !found.iter().any(|f| f.format == s.format) {
                found.push(s);
            }
        }
        match found.as_slice() {
            [] => Err(SelectError::NoFormat),
            [one] => Ok(one.format.clone().expect("a section with a format")),
            many => Err(SelectError::Ambiguous(
                many.iter().map(|s| s.name.clone().unwrap_or_else(|| s.kind.to_owned())).collect(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CFG: &str = r#"
global
    log stdout format raw local0

defaults web
    mode http
    option httplog   # the usual one

frontend www
    bind :80
    default_backend app

frontend shop from web
    bind :443 ssl crt /etc/ssl/x.pem
    log-format "%ci:%cp [%tr] %ft %b/%s %[req.hdr(host)] %TR/%Tw/%Tc/%Tr/%Ta %ST %B %tsc %ac/%fc/%bc/%sc/%rc %{+Q}r"

backend app
    log-format "%ci %tsc"
    server a 10.0.0.1:80

defaults tcp
    mode tcp
    option tcplog

listen db
    bind :5432
"#;

    #[test]
    fn sections_take_their_own_format_or_their_defaults() {
        let conf = Conf::parse(CFG).unwrap();
        let names: Vec<(&str, Option<&str>, Option<&str>)> = conf
            .sections()
            .iter()
            .map(|s| (s.kind, s.name.as_deref(), s.format.as_ref().and_then(|f| f.name())))
            .collect();
        assert_eq!(
            names,
            [
                ("defaults", Some("web"), Some("httplog")),
                ("frontend", Some("www"), Some("httplog")),
                ("frontend", Some("shop"), None),
                ("defaults", Some("tcp"), Some("tcplog")),
                ("listen", Some("db"), Some("tcplog")),
            ]
        );
        let shop = conf.select(Some("shop")).unwrap();
        assert!(shop.as_str().starts_with("%ci:%cp [%tr] %ft %b/%s %[req.hdr(host)]"));
        assert_eq!(conf.select(Some("db")).unwrap().name(), Some("tcplog"));
    }

    #[test]
    fn selection_errors_say_what_there_is() {
        let conf = Conf::parse(CFG).unwrap();
        assert!(
            matches!(conf.select(None), Err(SelectError::Ambiguous(n)) if n == ["www", "shop", "db"])
        );
        assert!(matches!(conf.select(Some("nope")), Err(SelectError::UnknownName(..))));
        assert_eq!(Conf::parse("global\n").unwrap().select(None), Err(SelectError::NoFormat));
        let one = Conf::parse("frontend a\n  option httpslog\n").unwrap();
        assert_eq!(one.select(None).unwrap().name(), Some("httpslog"));
        let bad = Conf::parse("frontend a\n  log-format \"%ci %zz %tsc\"\n").unwrap_err();
        assert_eq!(bad.line, 2);
    }
}

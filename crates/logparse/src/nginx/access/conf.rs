//! Reading the `log_format` directives of an nginx configuration file: text in, named formats
//! out.
//!
//! The file is tokenized the way nginx's own configuration reader does it (`ngx_conf_file.c`,
//! described at <https://nginx.org/en/docs/beginners_guide.html#conf_structure>): words and
//! quoted strings separated by white space, directives ended by `;`, blocks in `{ }`, and `#`
//! comments to the end of the line (a `#` inside quotes, or inside a word, is text). Every
//! directive is read, wherever it is (`http { }`, `server { }` or the top level), and three of
//! them are kept:
//!
//! - `log_format NAME [escape=default|json|none] STRING...;`: the strings are joined and
//!   compiled into a [`LogFormat`] named `NAME` (`ngx_http_log_module`,
//!   <https://nginx.org/en/docs/http/ngx_http_log_module.html#log_format>);
//! - `access_log PATH [FORMAT [buffer=..] [gzip[=..]] [flush=..] [if=..]];`: the name of the
//!   format it writes in, `combined` when none is given (`access_log off` names none);
//! - `include PATH;`: not followed (this module reads text, never files), only listed, so the
//!   caller can say that formats in included files were not read.
//!
//! Every other directive is skipped. Errors name the line where the problem is.
//!
//! Nothing here is on the per-line path: reading a configuration allocates freely.
//!
//! ```
//! use logparse::nginx::access::conf::Conf;
//! let text = "http {\n\
//!     log_format short '$remote_addr $status';\n\
//!     log_format timed '$remote_addr [$time_local] '\n\
//!                      '$status';\n\
//!     access_log /var/log/nginx/access.log timed;\n\
//!     include conf.d/*.conf;  # not followed\n\
//! }\n";
//! let conf = Conf::parse(text).unwrap();
//! assert_eq!(conf.names().collect::<Vec<_>>(), ["short", "timed"]);
//! assert_eq!(conf.includes()[0].path, "conf.d/*.conf");
//! // No name given: the format `access_log` names.
//! assert_eq!(conf.select(None).unwrap().as_str(), "$remote_addr [$time_local] $status");
//! assert_eq!(conf.select(Some("short")).unwrap().name(), Some("short"));
//! ```

use std::fmt;

use super::log_format::{Escape, FormatError, LogFormat, compile, parse_escape};

/// A `log_format` directive of a configuration file, compiled.
#[derive(Clone, Debug)]
pub struct NamedFormat {
    /// The 1-based line the directive starts on.
    pub line: usize,
    /// The format, named as in the directive.
    pub format: LogFormat,
}

/// An `access_log` directive that names a format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessLog {
    /// The 1-based line of the directive.
    pub line: usize,
    /// The name of the format it writes in (`combined` when the directive names none).
    pub format: String,
}

/// An `include` directive: not followed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Include {
    /// The 1-based line of the directive.
    pub line: usize,
    /// The path or pattern it includes, as written.
    pub path: String,
}

/// What a configuration file says about access-log formats; see the module docs.
#[derive(Clone, Debug, Default)]
pub struct Conf {
    formats: Vec<NamedFormat>,
    access_logs: Vec<AccessLog>,
    includes: Vec<Include>,
}

/// Why a configuration file could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfError {
    /// The 1-based line of the problem.
    pub line: usize,
    /// What was wrong.
    pub kind: ConfErrorKind,
}

/// What was wrong with a configuration file.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfErrorKind {
    /// A quoted string is not closed before the end of the file.
    UnclosedQuote,
    /// A directive is not ended by `;` before the end of the file or of its block.
    UnendedDirective(String),
    /// A `}` closes no block.
    UnopenedBrace,
    /// A block is not closed before the end of the file; the text names its directive.
    UnclosedBlock(String),
    /// A `log_format` without a name.
    MissingName,
    /// Two `log_format` directives with the same name (nginx refuses to start).
    DuplicateName(String),
    /// A `log_format` whose strings do not compile.
    Format(String, FormatError),
}

impl fmt::Display for ConfErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfErrorKind::UnclosedQuote => f.write_str("a quoted string is not closed"),
            ConfErrorKind::UnendedDirective(d) => write!(f, "the `{d}` directive has no `;`"),
            ConfErrorKind::UnopenedBrace => f.write_str("a `}` closes no block"),
            ConfErrorKind::UnclosedBlock(d) => write!(f, "the `{d} {{` block is not closed"),
            ConfErrorKind::MissingName => f.write_str("log_format has no name"),
            ConfErrorKind::DuplicateName(n) => write!(f, "a second log_format named `{n}`"),
            ConfErrorKind::Format(n, e) => write!(f, "log_format {n}: {e}"),
        }
    }
}

impl fmt::Display for ConfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.kind)
    }
}

impl std::error::Error for ConfError {}

/// Why no format could be chosen from a [`Conf`]; see [`Conf::select`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SelectError {
    /// The file has no `log_format` directive.
    NoFormat,
    /// No `log_format` has the name asked for (nor is it `combined`, which nginx predefines);
    /// the names the file has follow.
    UnknownName(String, Vec<String>),
    /// Several formats and not exactly one format named by `access_log` directives: the
    /// names the file has, and the distinct names its `access_log` directives give.
    Ambiguous(Vec<String>, Vec<String>),
}

impl fmt::Display for SelectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SelectError::NoFormat => f.write_str("no log_format directive"),
            SelectError::UnknownName(name, names) => {
                write!(f, "no log_format named `{name}` (the names are: {})", names.join(", "))
            }
            SelectError::Ambiguous(names, used) => {
                write!(f, "several log_format directives ({})", names.join(", "))?;
                match used.len() {
                    0 => f.write_str(" and no access_log naming one of them"),
                    _ => write!(f, " and access_log directives naming {}", used.join(", ")),
                }
            }
        }
    }
}

impl std::error::Error for SelectError {}

impl Conf {
    /// Reads the directives of a configuration file's text (see the module docs).
    ///
    /// # Errors
    ///
    /// A [`ConfError`] naming the line of the first problem: broken quoting or braces, or a
    /// `log_format` that has no name, repeats a name or does not compile.
    pub fn parse(text: &str) -> Result<Conf, ConfError> {
        let mut conf = Conf::default();
        let mut lexer = Lexer { text, at: 0, line: 1 };
        // The directives of the blocks that are open, with the line each started on.
        let mut open: Vec<(String, usize)> = Vec::new();
        let mut words: Vec<Word> = Vec::new();
        while let Some(token) = lexer.next()? {
            match token {
                Token::Word(w) => words.push(w),
                Token::End => {
                    if !words.is_empty() {
                        conf.directive(&std::mem::take(&mut words))?;
                    }
                }
                Token::Open(line) => {
                    let name = words.first().map_or(String::new(), |w| w.text.clone());
                    words.clear();
                    open.push((name, line));
                }
                Token::Close(line) => {
                    if let Some(w) = words.first() {
                        return Err(ConfError {
                            line: w.line,
                            kind: ConfErrorKind::UnendedDirective(w.text.clone()),
                        });
                    }
                    if open.pop().is_none() {
                        return Err(ConfError { line, kind: ConfErrorKind::UnopenedBrace });
                    }
                }
            }
        }
        if let Some(w) = words.first() {
            return Err(ConfError {
                line: w.line,
                kind: ConfErrorKind::UnendedDirective(w.text.clone()),
            });
        }
        if let Some((name, line)) = open.pop() {
            return Err(ConfError { line, kind: ConfErrorKind::UnclosedBlock(name) });
        }
        Ok(conf)
    }

    /// The `log_format` directives, in file order.
    pub fn formats(&self) -> &[NamedFormat] {
        &self.formats
    }

    /// The names of the `log_format` directives, in file order.
    pub fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.formats.iter().filter_map(|f| f.format.name())
    }

    /// The `access_log` directives that name a format, in file order.
    pub fn access_logs(&self) -> &[AccessLog] {
        &self.access_logs
    }

    /// The `include` directives, which were not followed.
    pub fn includes(&self) -> &[Include] {
        &self.includes
    }

    /// The format named `name`; without a name, the file's only format, or else the one
    /// format its `access_log` directives name (all of them the same).
    ///
    /// `combined`, which nginx predefines, can be named without being defined.
    ///
    /// # Errors
    ///
    /// [`SelectError::NoFormat`] when the file has no `log_format`,
    /// [`SelectError::UnknownName`] when `name` (or the one name of `access_log`) is not
    /// there, [`SelectError::Ambiguous`] when there are several formats and no name decides.
    pub fn select(&self, name: Option<&str>) -> Result<LogFormat, SelectError> {
        if self.formats.is_empty() {
            return Err(SelectError::NoFormat);
        }
        let names = || self.names().map(str::to_owned).collect::<Vec<_>>();
        let find = |n: &str| {
            self.formats.iter().find(|f| f.format.name() == Some(n)).map(|f| f.format.clone())
        };
        let wanted = match name {
            Some(n) => n.to_owned(),
            None if self.formats.len() == 1 => return Ok(self.formats[0].format.clone()),
            None => {
                let mut used: Vec<String> = Vec::new();
                for a in &self.access_logs {
                    if !used.contains(&a.format) {
                        used.push(a.format.clone());
                    }
                }
                if used.len() != 1 {
                    return Err(SelectError::Ambiguous(names(), used));
                }
                used.remove(0)
            }
        };
        match find(&wanted) {
            Some(f) => Ok(f),
            None if wanted == "combined" => Ok(LogFormat::combined()),
            None => Err(SelectError::UnknownName(wanted, names())),
        }
    }

    /// Keeps what one directive says.
    fn directive(&mut self, words: &[Word]) -> Result<(), ConfError> {
        let line = words[0].line;
        let args = &words[1..];
        match words[0].text.as_str() {
            "log_format" => {
                let Some(name) = args.first() else {
                    return Err(ConfError { line, kind: ConfErrorKind::MissingName });
                };
                let fail =
                    |e| ConfError { line, kind: ConfErrorKind::Format(name.text.clone(), e) };
                let mut strings = &args[1..];
                let mut escape = Escape::Default;
                if let Some(e) = strings.first().and_then(|w| w.text.strip_prefix("escape=")) {
                    escape = parse_escape(e).map_err(fail)?;
                    strings = &strings[1..];
                }
                let text: String = strings.iter().map(|w| w.text.as_str()).collect();
                let format = compile(Some(name.text.clone()), escape, text).map_err(fail)?;
                if self.formats.iter().any(|f| f.format.name() == Some(&name.text)) {
                    return Err(ConfError {
                        line,
                        kind: ConfErrorKind::DuplicateName(name.text.clone()),
                    });
                }
                self.formats.push(NamedFormat { line, format });
            }
            "access_log" => {
                let off = args.first().is_none_or(|w| w.text == "off");
                if !off {
                    // The format is the second argument unless it is a `key=value` option.
                    let format = match args.get(1) {
                        Some(w) if !w.text.contains('=') && w.text != "gzip" => w.text.clone(),
                        _ => "combined".to_owned(),
                    };
                    self.access_logs.push(AccessLog { line, format });
                }
            }
            "include" => {
                let path = args.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" ");
                self.includes.push(Include { line, path });
            }
            _ => {}
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Tokens

/// A word or quoted string, with its quoting and escapes removed.
struct Word {
    text: String,
    /// The 1-based line it starts on.
    line: usize,
}

enum Token {
    Word(Word),
    /// `;`.
    End,
    /// `{`, on its line.
    Open(usize),
    /// `}`, on its line.
    Close(usize),
}

struct Lexer<'t> {
    text: &'t str,
    /// The byte offset of the next character.
    at: usize,
    line: usize,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.text[self.at..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += c.len_utf8();
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn next(&mut self) -> Result<Option<Token>, ConfError> {
        loop {
            let Some(c) = self.peek() else { return Ok(None) };
            match c {
                c if c.is_whitespace() => {
                    self.bump();
                }
                '#' => {
                    while let Some(c) = self.bump() {
                        if c == '\n' {
                            break;
                        }
                    }
                }
                ';' => {
                    self.bump();
                    return Ok(Some(Token::End));
                }
                '{' => {
                    self.bump();
                    return Ok(Some(Token::Open(self.line)));
                }
                '}' => {
                    self.bump();
                    return Ok(Some(Token::Close(self.line)));
                }
                '"' | '\'' => return self.quoted(c).map(|w| Some(Token::Word(w))),
                _ => return Ok(Some(Token::Word(self.bare()))),
            }
        }
    }

    /// A quoted string, with nginx's escapes (`\"`, `\'`, `\\`, `\n`, `\t`, `\r`; any other
    /// backslash is kept).
    fn quoted(&mut self, quote: char) -> Result<Word, ConfError> {
        let line = self.line;
        self.bump();
        let mut text = String::new();
        loop {
            match self.bump() {
                None => return Err(ConfError { line, kind: ConfErrorKind::UnclosedQuote }),
                Some(c) if c == quote => return Ok(Word { text, line }),
                Some('\\') => match self.peek() {
                    Some(n @ ('"' | '\'' | '\\')) => {
                        text.push(n);
                        self.bump();
                    }
                    Some(n @ ('n' | 't' | 'r')) => {
                        text.push(match n {
                            'n' => '\n',
                            't' => '\t',
                            _ => '\r',
                        });
                        self.bump();
                    }
                    _ => text.push('\\'),
                },
                Some(c) => text.push(c),
            }
        }
    }

    /// A bare word: up to white space, `;`, `{` or `}`, with `${name}` kept whole and a
    /// backslash escaping the next character.
    fn bare(&mut self) -> Word {
        let line = self.line;
        let mut text = String::new();
        while let Some(c) = self.peek() {
            match c {
                c if c.is_whitespace() => break,
                ';' | '{' | '}' => break,
                '\\' => {
                    self.bump();
                    if let Some(n) = self.bump() {
                        text.push(n);
                    }
                }
                '$' if self.text[self.at..].starts_with("${") => {
                    while let Some(c) = self.bump() {
                        text.push(c);
                        if c == '}' {
                            break;
                        }
                    }
                }
                c => {
                    text.push(c);
                    self.bump();
                }
            }
        }
        Word { text, line }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORMATS_CONF: &str = include_str!("../../../../../testdata/nginx-access/formats.conf");
    const NGINX_CONF: &str = include_str!("../../../../../testdata/nginx-access/nginx.conf");

    #[test]
    fn the_fixtures_formats_conf_gives_its_five_formats() {
        let conf = Conf::parse(FORMATS_CONF).unwrap();
        let names: Vec<&str> = conf.names().collect();
        assert_eq!(
            names,
            ["combined", "main_upstream", "upstreaminfo", "iso_timed", "json_upstream"]
        );
        assert_eq!(conf.select(Some("combined")).unwrap(), LogFormat::combined());
        assert_eq!(conf.select(Some("main_upstream")).unwrap(), LogFormat::main_upstream());
        assert_eq!(conf.select(Some("upstreaminfo")).unwrap(), LogFormat::upstreaminfo());
        let json = conf.select(Some("json_upstream")).unwrap();
        assert_eq!(json.escape(), Escape::Json);
        assert!(json.as_str().starts_with("{\"time\":\"$msec\",\"client\""), "{json}");
        // Lines of the directives, for error messages.
        assert_eq!(conf.formats()[0].line, 5);
        assert_eq!(
            conf.select(None),
            Err(SelectError::Ambiguous(names.iter().map(|s| s.to_string()).collect(), vec![]))
        );
    }

    #[test]
    fn a_whole_nginx_conf_gives_its_formats_and_access_log() {
        let conf = Conf::parse(NGINX_CONF).unwrap();
        assert_eq!(conf.names().collect::<Vec<_>>(), ["main", "main_upstream", "upstream_json"]);
        assert_eq!(conf.access_logs().len(), 1);
        assert_eq!(conf.access_logs()[0].format, "main_upstream");
        assert_eq!(
            conf.includes().iter().map(|i| i.path.as_str()).collect::<Vec<_>>(),
            ["/etc/nginx/mime.types", "/etc/nginx/conf.d/*.conf"]
        );
        // The comment at the end of a string's line is not part of the format.
        assert_eq!(conf.select(None).unwrap(), LogFormat::main_upstream());
        assert_eq!(conf.select(Some("main")).unwrap(), LogFormat::main());
        assert_eq!(
            conf.select(Some("nope")),
            Err(SelectError::UnknownName(
                "nope".into(),
                vec!["main".into(), "main_upstream".into(), "upstream_json".into()]
            ))
        );
    }

    #[test]
    fn access_log_without_format_is_combined_and_off_names_none() {
        let text = "log_format a '$status';\nlog_format b '$status $remote_addr';\n\
                    access_log off;\naccess_log /x buffer=1k;\n";
        let conf = Conf::parse(text).unwrap();
        assert_eq!(conf.access_logs(), [AccessLog { line: 4, format: "combined".into() }]);
        assert_eq!(conf.select(None).unwrap(), LogFormat::combined());
        let text = "log_format a '$status';\nlog_format b '$status $remote_addr';\n\
                    access_log /x a;\naccess_log /y b;\n";
        let err = Conf::parse(text).unwrap().select(None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "several log_format directives (a, b) and access_log directives naming a, b"
        );
    }

    #[test]
    fn quotes_comments_and_bare_words() {
        let text = "log_format q escape=none \"#not a comment \\\"$status\\\" \" # a comment\n\
                    '${remote_addr}' x$request_time;";
        let f = Conf::parse(text).unwrap().select(None).unwrap();
        assert_eq!(f.as_str(), "#not a comment \"$status\" ${remote_addr}x$request_time");
        assert_eq!(f.escape(), Escape::None);
        assert_eq!(f.variables().collect::<Vec<_>>(), ["status", "remote_addr", "request_time"]);
    }

    #[test]
    fn errors_name_the_line() {
        let err = |t: &str| Conf::parse(t).unwrap_err();
        assert_eq!(
            err("http {\n  log_format a '$status;\n}\n"),
            ConfError { line: 2, kind: ConfErrorKind::UnclosedQuote }
        );
        assert_eq!(
            err("http {\n  log_format a '$status'\n}\n"),
            ConfError { line: 2, kind: ConfErrorKind::UnendedDirective("log_format".into()) }
        );
        assert_eq!(err("}\n"), ConfError { line: 1, kind: ConfErrorKind::UnopenedBrace });
        assert_eq!(
            err("\nhttp {\n"),
            ConfError { line: 2, kind: ConfErrorKind::UnclosedBlock("http".into()) }
        );
        assert_eq!(err("log_format;"), ConfError { line: 1, kind: ConfErrorKind::MissingName });
        assert_eq!(
            err("log_format a '$status';\n\nlog_format a '$status';"),
            ConfError { line: 3, kind: ConfErrorKind::DuplicateName("a".into()) }
        );
        let e = err("# x\nlog_format bad escape=xml '$status';");
        assert_eq!(
            e.to_string(),
            "line 2: log_format bad: unknown log_format escape=\"xml\" (expected default, json or none)"
        );
        assert_eq!(
            err("log_format adj\n  '$remote_addr$status';").kind,
            ConfErrorKind::Format(
                "adj".into(),
                FormatError::AdjacentVariables("remote_addr".into(), "status".into())
            )
        );
        assert_eq!(Conf::parse("user nginx;\n").unwrap().select(None), Err(SelectError::NoFormat));
    }
}

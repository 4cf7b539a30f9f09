//! Reading cases from the files under `testdata/`.
//!
//! - [`cases_toml`]: a `cases.toml` file, the fixture format (`testdata/README.md`).
//! - [`nginx_error_logs`], [`nginx_access_logs`], [`aws_classes`], [`haproxy_logs`]: the
//!   annotated log collections. The command-line tests read the same `.log` files as inputs
//!   (`crates/cli/tests/cli.rs` snapshots every one of them), so they keep the layout each
//!   directory's README describes; these functions turn their annotations into cases.
//! - [`corpus_rows`]: the shared corpus of real lines.

use logparse::lines::Lines;
use logparse::nginx::access::LogFormat;
use logparse::{Class, Format, Tz};
use serde::Deserialize;
use toml::Spanned;

use super::{Case, Expect, Outcome, Setup, Want, testdata};

fn read(rel: &str) -> String {
    let path = testdata().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The number of the line that byte `offset` of `text` is on, from 1.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].bytes().filter(|&b| b == b'\n').count() + 1
}

// ---------------------------------------------------------------------------------------------
// cases.toml

/// The top of a `cases.toml` file: settings every case starts from, then the cases.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    format: Option<String>,
    log_format: Option<String>,
    year: Option<i32>,
    tz: Option<String>,
    #[serde(default)]
    case: Vec<Spanned<RawCase>>,
}

/// How to parse: the file's defaults, or one case's own.
struct RawSetup {
    format: Option<String>,
    log_format: Option<String>,
    year: Option<i32>,
    tz: Option<String>,
}

/// One or several class names.
#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    name: String,
    source: Option<String>,
    line: Option<String>,
    from: Option<String>,
    format: Option<String>,
    log_format: Option<String>,
    year: Option<i32>,
    tz: Option<String>,
    class: Option<OneOrMany>,
    error: Option<String>,
    error_offset: Option<usize>,
    parsed_as: Option<String>,
    detect: Option<String>,
    time: Option<String>,
    phase: Option<String>,
    level: Option<String>,
    status: Option<i64>,
    upstream: Option<String>,
    upstream_group: Option<String>,
    client: Option<String>,
    server: Option<String>,
    host: Option<String>,
    request: Option<String>,
    message: Option<String>,
    raw: Option<String>,
    #[serde(default)]
    fields: toml::Table,
    #[serde(default)]
    absent: Vec<String>,
    #[serde(default)]
    present: Vec<String>,
}

fn format_named(name: &str) -> Option<Format> {
    match name {
        "auto" => None,
        other => Some(other.parse().unwrap_or_else(|e| panic!("{e}"))),
    }
}

/// A zone written as `UTC`, `+HH:MM` or `-HH:MM`.
fn tz_named(text: &str) -> Result<Tz, String> {
    if text == "UTC" {
        return Ok(Tz::Utc);
    }
    let bad = || format!("tz {text:?}: expected UTC, +HH:MM or -HH:MM");
    let (sign, rest) = match text.as_bytes().first() {
        Some(b'+') => (1, &text[1..]),
        Some(b'-') => (-1, &text[1..]),
        _ => return Err(bad()),
    };
    let (h, m) = rest.split_once(':').ok_or_else(bad)?;
    let h: i32 = h.parse().map_err(|_| bad())?;
    let m: i32 = m.parse().map_err(|_| bad())?;
    Ok(Tz::Fixed(sign * (h * 3600 + m * 60)))
}

impl RawSetup {
    /// These settings over `base`.
    fn over(&self, base: &Setup) -> Result<Setup, String> {
        let mut s = base.clone();
        if let Some(f) = &self.format {
            s.format = format_named(f);
        }
        // Under `format = "haproxy"` the key is an HAProxy `log-format`.
        match &self.log_format {
            Some(f) if s.format == Some(Format::Haproxy) => {
                let f = logparse::haproxy::LogFormat::new(f);
                s.haproxy_log_format = Some(f.map_err(|e| format!("log_format: {e}"))?);
            }
            // Under `format = "envoy"` it is an Envoy format string.
            Some(f) if s.format == Some(Format::Envoy) => {
                let f = logparse::envoy::LogFormat::new(f);
                s.envoy_log_format = Some(f.map_err(|e| format!("log_format: {e}"))?);
            }
            Some(f) => {
                s.log_format = Some(LogFormat::new(f).map_err(|e| format!("log_format: {e}"))?);
            }
            None => {}
        }
        if let Some(y) = self.year {
            s.opts.year = Some(y);
        }
        if let Some(tz) = &self.tz {
            s.opts.tz = tz_named(tz)?;
        }
        Ok(s)
    }
}

/// A TOML value as an expected field value; the string `-` in a list stands for an absent
/// entry.
fn want_of(v: &toml::Value) -> Result<Want, String> {
    Ok(match v {
        toml::Value::String(s) => Want::Text(s.clone()),
        toml::Value::Integer(n) => Want::Int(*n),
        toml::Value::Float(x) => Want::Float(*x),
        toml::Value::Boolean(b) => Want::Bool(*b),
        toml::Value::Array(items) => Want::List(
            items
                .iter()
                .map(|i| match i {
                    toml::Value::String(s) if s == "-" => Ok(None),
                    other => want_of(other).map(Some),
                })
                .collect::<Result<_, _>>()?,
        ),
        other => return Err(format!("a value of this type cannot be expected: {other:?}")),
    })
}

fn class_named(name: &str) -> Result<Class, String> {
    name.parse().map_err(|e| format!("{e}"))
}

impl RawCase {
    fn into_case(self, base: &Setup, at: String) -> Result<Case, String> {
        let raw = RawSetup {
            format: self.format,
            log_format: self.log_format,
            year: self.year,
            tz: self.tz,
        };
        let setup = raw.over(base)?;
        let classes = match self.class {
            None => Vec::new(),
            Some(OneOrMany::One(c)) => vec![class_named(&c)?],
            Some(OneOrMany::Many(cs)) => {
                cs.iter().map(|c| class_named(c)).collect::<Result<_, _>>()?
            }
        };
        let outcome = match (self.error, self.error_offset) {
            (Some(kind), offset) => Outcome::Error { kind: Some(kind), offset },
            (None, Some(_)) => return Err("error_offset without error".into()),
            (None, None) => Outcome::Event,
        };
        let mut values = Vec::new();
        for (k, v) in [
            ("time", self.time),
            ("phase", self.phase),
            ("level", self.level),
            ("upstream", self.upstream),
            ("upstream_group", self.upstream_group),
            ("client", self.client),
            ("server", self.server),
            ("host", self.host),
            ("request", self.request),
            ("message", self.message),
            ("raw", self.raw),
        ] {
            if let Some(v) = v {
                values.push((k.to_string(), Want::Text(v)));
            }
        }
        if let Some(s) = self.status {
            values.push(("status".into(), Want::Int(s)));
        }
        for (k, v) in &self.fields {
            values.push((k.clone(), want_of(v).map_err(|e| format!("fields.{k}: {e}"))?));
        }
        let detect = self.detect.as_deref().map(|d| match d {
            "none" => None,
            other => format_named(other),
        });
        let expect = Expect {
            outcome,
            classes,
            values,
            absent: self.absent,
            present: self.present,
            detect,
            parsed_as: self.parsed_as.as_deref().and_then(format_named),
            same_with_default_layout: false,
        };
        if setup.format.is_none() && expect.parsed_as.is_none() && expect.outcome == Outcome::Event
        {
            return Err("a case read with format \"auto\" needs parsed_as".into());
        }
        let line = match (self.line, self.from) {
            (Some(line), None) => line.into_bytes(),
            (None, Some(from)) => line_from(&from)?,
            _ => return Err("give either line or from".into()),
        };
        Ok(Case { name: self.name, at, source: self.source, setup, line, expect })
    }
}

/// The line that `from` names: `<file under testdata>:<line number>`.
fn line_from(from: &str) -> Result<Vec<u8>, String> {
    let bad = || format!("from {from:?}: expected <file under testdata>:<line number>");
    let (file, n) = from.rsplit_once(':').ok_or_else(bad)?;
    let n: usize = n.parse().map_err(|_| bad())?;
    let path = testdata().join(file);
    let data = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let line = Lines::new(&data).nth(n.checked_sub(1).ok_or_else(bad)?);
    line.map(<[u8]>::to_vec).ok_or_else(|| format!("{file} has no line {n}"))
}

/// The cases of `testdata/<rel>`, a `cases.toml` file.
pub fn cases_toml(rel: &str) -> Vec<Case> {
    let text = read(rel);
    let file: CaseFile = toml::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let raw =
        RawSetup { format: file.format, log_format: file.log_format, year: file.year, tz: file.tz };
    let base = raw.over(&Setup::default()).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let cases: Vec<Case> = file
        .case
        .into_iter()
        .map(|c| {
            let at = format!("{rel}:{}", line_of(&text, c.span().start));
            let name = c.get_ref().name.clone();
            c.into_inner()
                .into_case(&base, at.clone())
                .unwrap_or_else(|e| panic!("{at}: case `{name}`: {e}"))
        })
        .collect();
    assert!(!cases.is_empty(), "{rel}: no cases");
    cases
}

// ---------------------------------------------------------------------------------------------
// Annotated log collections

/// The `.log` files of `testdata/<dir>`, sorted, as `(file name, text)`.
fn log_files(dir: &str) -> Vec<(String, String)> {
    let path = testdata().join(dir);
    let mut files: Vec<(String, String)> = std::fs::read_dir(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .map(|p| {
            let name = p.file_name().unwrap().to_str().unwrap().to_owned();
            (name.clone(), read(&format!("{dir}/{name}")))
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .log files in testdata/{dir}");
    files
}

fn setup(format: Format) -> Setup {
    Setup { format: Some(format), ..Setup::default() }
}

/// A case named after where it was written.
fn case(at: String, setup: &Setup, line: &[u8], expect: Expect, source: Option<String>) -> Case {
    Case { name: at.clone(), at, source, setup: setup.clone(), line: line.to_vec(), expect }
}

/// `testdata/nginx-error/*.log`, one list of cases per file, as `(file name, cases)`.
///
/// Each `<class>.log` holds lines of that class (the file name up to its first dot);
/// `*.multiline.log` files also hold the later lines of multi-line entries; `unparsed.log`
/// holds lines that are no event (any error but a continuation); every line of `sample.log` is
/// an event of some class.
pub fn nginx_error_logs() -> Vec<(String, Vec<Case>)> {
    let s = setup(Format::NginxError);
    log_files("nginx-error")
        .into_iter()
        .map(|(name, text)| {
            let label = name.split('.').next().unwrap().to_owned();
            let multiline = name.contains(".multiline.");
            let expect = match label.as_str() {
                "sample" => Expect::default(),
                "unparsed" => Expect {
                    outcome: Outcome::Error { kind: None, offset: None },
                    ..Expect::default()
                },
                class => Expect {
                    outcome: if multiline { Outcome::EventOrContinuation } else { Outcome::Event },
                    classes: vec![class_named(class).unwrap_or_else(|e| panic!("{name}: {e}"))],
                    ..Expect::default()
                },
            };
            let cases = Lines::new(text.as_bytes())
                .enumerate()
                .map(|(i, line)| {
                    case(format!("nginx-error/{name}:{}", i + 1), &s, line, expect.clone(), None)
                })
                .collect();
            (name, cases)
        })
        .collect()
}

/// The `log_format` directives of `testdata/nginx-access/formats.conf`, compiled, in order.
pub fn nginx_access_formats() -> Vec<LogFormat> {
    let conf = read("nginx-access/formats.conf");
    let mut formats = Vec::new();
    let mut directive = String::new();
    for line in conf.lines() {
        if directive.is_empty() && (line.trim().is_empty() || line.trim_start().starts_with('#')) {
            continue;
        }
        directive.push_str(line);
        directive.push('\n');
        if line.trim_end().ends_with(';') {
            formats.push(LogFormat::new(&directive).unwrap_or_else(|e| panic!("{e}: {directive}")));
            directive.clear();
        }
    }
    assert!(directive.is_empty(), "unterminated directive in formats.conf: {directive}");
    formats
}

/// Layouts gatelog reads without being told (see `nginx::access`).
const DEFAULT_READABLE: [&str; 3] = ["combined", "main_upstream", "upstreaminfo"];

/// `testdata/nginx-access/<name>.log`, one list of cases per file, as `(name, cases)`.
///
/// Each file was written by `log_format <name>` of `formats.conf` and `<name>.classes` gives
/// the class of each of its lines. Every line has a time and nothing after the last variable;
/// lines of the layouts read by default read the same without the `log_format`, and are
/// detected as access-log lines.
pub fn nginx_access_logs() -> Vec<(String, Vec<Case>)> {
    let formats = nginx_access_formats();
    let files = log_files("nginx-access");
    assert_eq!(files.len(), formats.len(), "one .log file per log_format of formats.conf");
    files
        .into_iter()
        .map(|(file, text)| {
            let stem = file.strip_suffix(".log").unwrap().to_owned();
            let fmt = formats
                .iter()
                .find(|f| f.name() == Some(stem.as_str()))
                .unwrap_or_else(|| panic!("no log_format {stem} in formats.conf"));
            let classes = read(&format!("nginx-access/{stem}.classes"));
            let lines: Vec<&str> = text.lines().collect();
            let classes: Vec<&str> = classes.lines().collect();
            assert_eq!(lines.len(), classes.len(), "{stem}: one class per line");
            let s = Setup { log_format: Some(fmt.clone()), ..setup(Format::NginxAccess) };
            let default_readable = DEFAULT_READABLE.contains(&stem.as_str());
            let cases = lines
                .iter()
                .zip(classes)
                .enumerate()
                .map(|(i, (line, class))| {
                    let expect = Expect {
                        classes: vec![class_named(class).unwrap_or_else(|e| panic!("{stem}: {e}"))],
                        present: vec!["time".into()],
                        absent: vec!["trailing".into()],
                        detect: default_readable.then_some(Some(Format::NginxAccess)),
                        same_with_default_layout: default_readable,
                        ..Expect::default()
                    };
                    case(
                        format!("nginx-access/{file}:{}", i + 1),
                        &s,
                        line.as_bytes(),
                        expect,
                        None,
                    )
                })
                .collect();
            (stem, cases)
        })
        .collect()
}

/// `testdata/<dir>/classes.log` of the AWS formats: `<class><TAB><line>` rows, or
/// `skipped:<what><TAB><line>` for a line the parser must skip as `<what>`, each with the `#`
/// comment above it as its source. Every line must be detected as `format`, except the sibling
/// logs: ALB connection-log and NLB lines are detected as ALB, and nothing is required of the
/// health-check-log line (its layout is unverified; see `testdata/alb/README.md`).
pub fn aws_classes(dir: &str, format: Format) -> Vec<Case> {
    let rel = format!("{dir}/classes.log");
    let text = read(&rel);
    let s = setup(format);
    let mut source = None;
    let mut cases = Vec::new();
    for (n, row) in text.lines().enumerate() {
        if let Some(comment) = row.strip_prefix('#') {
            source = Some(comment.trim().to_owned());
            continue;
        }
        if row.is_empty() {
            continue;
        }
        let at = format!("{rel}:{}", n + 1);
        let (label, line) = row.split_once('\t').unwrap_or_else(|| panic!("{at}: no tab"));
        let mut expect = Expect { detect: Some(Some(format)), ..Expect::default() };
        match label.strip_prefix("skipped:") {
            Some(what) => {
                expect.outcome =
                    Outcome::Error { kind: Some(format!("skipped: {what}")), offset: Some(0) };
                expect.detect = match what {
                    "alb connection log" | "nlb access log" => Some(Some(Format::Alb)),
                    _ => None,
                };
            }
            None => {
                expect.classes = vec![class_named(label).unwrap_or_else(|e| panic!("{at}: {e}"))]
            }
        }
        cases.push(case(at, &s, line.as_bytes(), expect, source.take()));
    }
    cases
}

/// `testdata/haproxy/*.log`, one list of cases per file, as `(file name, cases)`: every line
/// has the class of the `# expect: <class>` comment above it; other `#` lines and blank lines
/// are comments.
pub fn haproxy_logs() -> Vec<(String, Vec<Case>)> {
    let s = setup(Format::Haproxy);
    log_files("haproxy")
        .into_iter()
        .map(|(name, text)| {
            let mut expected: Option<Class> = None;
            let mut cases = Vec::new();
            for (n, line) in text.lines().enumerate() {
                let at = format!("haproxy/{name}:{}", n + 1);
                if let Some(class) = line.strip_prefix("# expect: ") {
                    expected =
                        Some(class_named(class.trim()).unwrap_or_else(|e| panic!("{at}: {e}")));
                    continue;
                }
                if line.starts_with('#') || line.trim().is_empty() {
                    continue;
                }
                let class = expected.unwrap_or_else(|| panic!("{at} has no # expect: above it"));
                let expect = Expect { classes: vec![class], ..Expect::default() };
                cases.push(case(at, &s, line.as_bytes(), expect, None));
            }
            (name, cases)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The corpus

/// The shared corpus, compiled in so that its tests need no files at run time.
pub const CORPUS: &str = include_str!("../../../../testdata/corpus/real_lines.tsv");

/// One row of the corpus.
pub struct Row {
    /// The row's line number in the file.
    pub number: usize,
    /// The format label (`nginx-error`, `haproxy`, ..., or a format gatelog does not read).
    pub format: &'static str,
    /// The expected class; `client` means `client_abort` or `client_error`.
    pub expected: &'static str,
    /// Where the line was posted.
    pub source: &'static str,
    /// The line.
    pub line: &'static str,
}

/// Every row of the corpus, without the header.
pub fn corpus_rows() -> Vec<Row> {
    CORPUS
        .lines()
        .enumerate()
        .skip(1)
        .filter(|(_, l)| !l.is_empty())
        .map(|(i, l)| {
            let mut cols = l.splitn(4, '\t');
            let mut next =
                || cols.next().unwrap_or_else(|| panic!("row {} has fewer than 4 columns", i + 1));
            Row { number: i + 1, format: next(), expected: next(), source: next(), line: next() }
        })
        .collect()
}

/// The classes a corpus label accepts.
pub fn corpus_classes(label: &str) -> Result<Vec<Class>, String> {
    match label {
        "client" => Ok(vec![Class::ClientAbort, Class::ClientError]),
        other => Ok(vec![class_named(other)?]),
    }
}

/// The corpus rows labelled `label`, as cases read as `format`.
pub fn corpus_cases(label: &str, format: Format) -> Vec<Case> {
    let s = setup(format);
    corpus_rows()
        .into_iter()
        .filter(|r| r.format == label)
        .map(|r| {
            let at = format!("corpus/real_lines.tsv:{}", r.number);
            let classes = corpus_classes(r.expected).unwrap_or_else(|e| panic!("{at}: {e}"));
            let expect = Expect { classes, ..Expect::default() };
            Case {
                name: format!("row {}", r.number),
                at,
                source: Some(r.source.to_owned()),
                setup: s.clone(),
                line: r.line.as_bytes().to_vec(),
                expect,
            }
        })
        .collect()
}

//! `summary --output csv`: long form, one row per upstream, class and unit with a non-zero
//! count.
//!
//! Columns: `upstream,class,count,unit`. `upstream` is `-` for events that name no upstream;
//! `unit` is `attempts` or `responses` (see the JSON docs: counts of different units are
//! never added). Text from a log is written as the table shows it: bytes that are not UTF-8
//! and control characters (ESC, BEL, tab, CR, LF, ...) as `\xNN`, characters that reorder or
//! hide text as `\u{NNNN}`, so a cell never holds a raw control byte or a line break. Fields
//! are quoted when they contain a comma or a quote.
//!
//! A field from a log that starts with `=`, `+`, `-` or `@` is written quoted with a `'` in
//! front (`"'=cmd|..."`), so a spreadsheet shows it as text instead of evaluating it as a
//! formula; see [`field`].

use std::borrow::Cow;
use std::io::{self, Write};

use engine::timeline::Summary;

use super::style::sanitize;

/// The columns of `summary --output csv`, in order.
pub const COLUMNS: [&str; 4] = ["upstream", "class", "count", "unit"];

/// Writes the CSV report.
pub fn write(w: &mut impl Write, s: &Summary) -> io::Result<()> {
    writeln!(w, "{}", COLUMNS.join(","))?;
    for unit in s.units() {
        for row in s.rows(unit) {
            let name = match row.name() {
                Some(n) => field(&engine::logparse::text(n).to_string()).into_owned(),
                None => "-".to_owned(),
            };
            for (class, n) in row.classes(unit) {
                w.write_all(name.as_bytes())?;
                writeln!(w, ",{class},{n},{}", unit.as_str())?;
            }
        }
    }
    Ok(())
}

/// One CSV field holding text from a log, ready to write.
///
/// Control characters and characters that reorder or hide text are escaped as the table
/// escapes them ([`sanitize`]: `\x1B`, `\x09`, `\u{202E}`), so that a spreadsheet or a
/// terminal showing the file sees no raw ESC, BEL, CR or BS, and a tab or a line break never
/// splits a cell. Quoted when it contains a comma or a quote (quotes doubled). A value that a
/// spreadsheet would read as a formula (starting with `=`, `+`, `-` or `@`) gets a `'` in front
/// and is quoted: log text is written by whoever sent the request, and `=HYPERLINK(...)` or
/// `=cmd|...` must stay text when the file is opened.
pub fn field(s: &str) -> Cow<'_, str> {
    let safe = sanitize(s.as_bytes());
    let formula = safe.starts_with(['=', '+', '-', '@']);
    if formula {
        Cow::Owned(format!("\"'{}\"", safe.replace('"', "\"\"")))
    } else if safe.contains([',', '"']) {
        Cow::Owned(format!("\"{}\"", safe.replace('"', "\"\"")))
    } else {
        safe
    }
}

/// The columns of `events --output csv`, in order (`raw` is added last with `--raw`).
///
/// `record` is `event`, `unparsed` or `continuation` (the last two only with `--unparsed`);
/// `error` is the parse error of an unparsed line. Absent values are empty cells; text from
/// the log goes through [`field`].
pub const EVENT_COLUMNS: [&str; 19] = [
    "source",
    "line",
    "record",
    "time",
    "format",
    "class",
    "group",
    "phase",
    "level",
    "status",
    "upstream",
    "upstream_group",
    "client",
    "server",
    "host",
    "request",
    "message",
    "error",
    "reason",
];

/// One line's record in `events --output csv`.
pub enum Record<'e, 'a> {
    /// An event.
    Event(&'e engine::logparse::Event<'a>),
    /// A line that continues an earlier entry.
    Continuation,
    /// A line that is not an event.
    Unparsed(&'e engine::logparse::ParseError),
}

/// Writes the header of `events --output csv`.
pub fn write_event_header(w: &mut impl Write, raw: bool) -> io::Result<()> {
    w.write_all(EVENT_COLUMNS.join(",").as_bytes())?;
    w.write_all(if raw { b",raw\n" } else { b"\n" })
}

/// Writes one row of `events --output csv`; `source` is the input's name, already a field.
pub fn write_event_row(
    w: &mut impl Write,
    source: &[u8],
    line: u64,
    record: &Record<'_, '_>,
    raw: bool,
) -> io::Result<()> {
    let text = |w: &mut dyn Write, v: Option<&[u8]>| -> io::Result<()> {
        w.write_all(b",")?;
        match v {
            Some(v) => w.write_all(field(&engine::logparse::text(v).to_string()).as_bytes()),
            None => Ok(()),
        }
    };
    w.write_all(source)?;
    write!(w, ",{line}")?;
    match record {
        Record::Event(ev) => {
            w.write_all(b",event,")?;
            if let Some(t) = ev.time {
                write!(w, "{t}")?;
            }
            write!(w, ",{},{},{},{},", ev.format, ev.class, ev.class.group(), ev.phase)?;
            if let Some(l) = ev.level {
                write!(w, "{l}")?;
            }
            w.write_all(b",")?;
            if let Some(s) = ev.status {
                write!(w, "{s}")?;
            }
            for v in [ev.upstream, ev.upstream_group, ev.client, ev.server, ev.host, ev.request] {
                text(w, v)?;
            }
            text(w, Some(ev.message))?;
            w.write_all(b",,")?;
            if raw {
                text(w, Some(ev.raw))?;
            }
        }
        Record::Continuation => {
            // Columns 4 to 19 are empty.
            w.write_all(b",continuation")?;
            w.write_all(&[b','; 16])?;
            if raw {
                w.write_all(b",")?;
            }
        }
        Record::Unparsed(err) => {
            // Columns 4 to 17 are empty; then `error` and `reason`.
            w.write_all(b",unparsed")?;
            w.write_all(&[b','; 14])?;
            write!(w, ",{},{}", field(&err.to_string()), err.reason())?;
            if raw {
                w.write_all(b",")?;
            }
        }
    }
    w.write_all(b"\n")
}

/// Writes one CSV field holding text from a log; see [`field`].
pub fn write_field(w: &mut impl Write, s: &str) -> io::Result<()> {
    w.write_all(field(s).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::logparse::{Class, Event, Format};

    #[test]
    fn long_form_with_quoting() {
        let mut s = Summary::new();
        for (up, class) in [
            (Some(&b"10.0.0.1:80"[..]), Class::ConnectRefused),
            (Some(b"10.0.0.1:80"), Class::ConnectRefused),
            (Some(b"a,\"b\""), Class::Info),
            (None, Class::NoLiveUpstreams),
        ] {
            let mut ev = Event::new(Format::NginxError, b"");
            ev.upstream = up;
            ev.class = class;
            s.push_event(&ev);
        }
        let mut out = Vec::new();
        write(&mut out, &s).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "upstream,class,count,unit\n\
             10.0.0.1:80,connect_refused,2,attempts\n\
             -,no_live_upstreams,1,attempts\n\
             \"a,\"\"b\"\"\",info,1,attempts\n"
        );
    }

    #[test]
    fn fields_a_spreadsheet_would_evaluate_stay_text() {
        assert_eq!(field("10.0.0.1:80"), "10.0.0.1:80");
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("+1"), "\"'+1\"");
        assert_eq!(field("-2+3"), "\"'-2+3\"");
        assert_eq!(field("@SUM(A1)"), "\"'@SUM(A1)\"");
        assert_eq!(field("a=b"), "a=b");
        // A tab or CR in front is escaped, so it no longer starts a formula.
        assert_eq!(field("\t=1"), "\\x09=1");
        assert_eq!(field("\r=1"), "\\x0D=1");
    }

    #[test]
    fn control_characters_are_escaped_as_in_the_table() {
        assert!(matches!(field("10.0.0.1:80"), Cow::Borrowed("10.0.0.1:80")));
        assert_eq!(field("a\x1b[2J\x07\r\x08\tb"), "a\\x1B[2J\\x07\\x0D\\x08\\x09b");
        assert_eq!(field("line\nbreak"), "line\\x0Abreak");
        assert_eq!(field("x\u{202E}y,z"), "\"x\\u{202E}y,z\"");
        assert_eq!(field("=\x1b"), "\"'=\\x1B\"");
        assert_eq!(field("caf\\xE9"), "caf\\xE9");
    }
}

//! `summary` as aligned plain text (the default).
//!
//! Everything that came from a log (upstream names, sample lines, paths) goes through
//! [`sanitize`] first.

use std::io::{self, Write};

use logparse::Class;
use timeline::{Summary, Unit};

use super::{Hint, sanitize};

/// The width hint paragraphs are wrapped at.
const WRAP: usize = 96;

/// Column alignment.
#[derive(Clone, Copy)]
enum Align {
    Left,
    Right,
}

/// Writes rows as columns separated by two spaces, each `indent` spaces in.
fn write_columns(
    w: &mut impl Write,
    indent: usize,
    align: &[Align],
    rows: &[Vec<String>],
) -> io::Result<()> {
    let mut widths = vec![0; align.len()];
    for row in rows {
        for (wd, cell) in widths.iter_mut().zip(row) {
            *wd = (*wd).max(cell.chars().count());
        }
    }
    for row in rows {
        let mut line = " ".repeat(indent);
        for (i, (cell, (a, wd))) in row.iter().zip(align.iter().zip(&widths)).enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            let pad = wd - cell.chars().count();
            match a {
                Align::Left => {
                    line.push_str(cell);
                    line.extend(std::iter::repeat_n(' ', pad));
                }
                Align::Right => {
                    line.extend(std::iter::repeat_n(' ', pad));
                    line.push_str(cell);
                }
            }
        }
        writeln!(w, "{}", line.trim_end())?;
    }
    Ok(())
}

/// What a count of `unit` is, in words.
fn unit_note(unit: Unit) -> &'static str {
    match unit {
        Unit::Attempts => "error-log events: one per attempt to reach an upstream",
        Unit::Responses => "access-log events: one per response to a client",
    }
}

/// Writes the table report.
pub fn write(w: &mut impl Write, s: &Summary, hints: &[Hint]) -> io::Result<()> {
    let left = Align::Left;
    let right = Align::Right;
    let range = match s.time_range() {
        Some((a, b)) => format!("{a} .. {b}"),
        None => "-".into(),
    };
    let formats: Vec<String> =
        s.formats().map(|(f, n)| format!("{f} ({n} {})", counted(n, Unit::of(f)))).collect();
    let formats = if formats.is_empty() { "-".into() } else { formats.join(", ") };
    let mut counts: Vec<(&str, u64, &str)> =
        vec![("Lines read", s.lines(), ""), ("  events", s.events(), "")];
    if s.excluded() > 0 {
        counts.push(("  excluded", s.excluded(), "  (left out by filters)"));
    }
    counts.push(("  continuation", s.continuation(), "  (later lines of multi-line entries)"));
    counts.push(("  unparsed", s.unparsed(), ""));
    let digits = counts.iter().map(|c| c.1.to_string().len()).max().unwrap_or(1);
    writeln!(w, "{:<16}{range}", "Time range")?;
    for (label, n, note) in counts {
        writeln!(w, "{label:<16}{n:>digits$}{note}")?;
    }
    writeln!(w, "{:<16}{formats}", "Formats")?;

    let reasons = s.reasons();
    if !reasons.is_empty() {
        writeln!(w, "\nUnparsed lines by reason")?;
        for r in reasons {
            let format = r.format.map_or("no known format", |f| f.as_str());
            writeln!(w, "  {:>8}  {format}: {}", r.count, r.reason)?;
            for x in &r.samples {
                let more = if x.clipped { " [...]" } else { "" };
                let line = format!(
                    "            {}:{}: {}{more}",
                    sanitize(x.name.as_bytes()),
                    x.line,
                    sanitize(&x.text)
                );
                writeln!(w, "{}", line.trim_end())?;
            }
        }
    }

    for unit in s.units() {
        let rows = s.rows(unit);
        let mut classes: Vec<Class> = Class::LEAD.to_vec();
        for c in Class::ALL {
            if !classes.contains(&c) && rows.iter().any(|r| r.count(unit, c) > 0) {
                classes.push(c);
            }
        }
        let title = match unit {
            Unit::Attempts => "Attempts per upstream",
            Unit::Responses => "Responses per upstream",
        };
        writeln!(w, "\n{title} ({})", unit_note(unit))?;
        let mut table = Vec::with_capacity(rows.len() + 1);
        let mut header = vec!["UPSTREAM".to_owned()];
        header.extend(classes.iter().map(|c| c.as_str().to_owned()));
        header.extend(["failures".to_owned(), "total".to_owned()]);
        table.push(header);
        for row in rows {
            let name = row.name().map_or("-".into(), |n| sanitize(n).into_owned());
            let mut cells = vec![name];
            cells.extend(classes.iter().map(|&c| row.count(unit, c).to_string()));
            cells.extend([row.failures(unit).to_string(), row.total(unit).to_string()]);
            table.push(cells);
        }
        let mut align = vec![left];
        align.extend(std::iter::repeat_n(right, classes.len() + 2));
        write_columns(w, 2, &align, &table)?;
    }

    if !hints.is_empty() {
        writeln!(w, "\nHints")?;
        for h in hints {
            writeln!(w, "  {} ({} {}):", h.class, h.count, counted(h.count, h.unit))?;
            for line in wrap(h.class.hint(), WRAP - 4) {
                writeln!(w, "    {line}")?;
            }
        }
    }
    Ok(())
}

/// The unit's word for a count of `n`: `1 attempt`, `2 attempts`.
fn counted(n: u64, unit: Unit) -> &'static str {
    match (unit, n) {
        (Unit::Attempts, 1) => "attempt",
        (Unit::Responses, 1) => "response",
        (u, _) => u.as_str(),
    }
}

/// Splits `text` into lines of at most `width` characters, at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use logparse::{Event, Format};

    #[test]
    fn wrap_respects_width() {
        let lines = wrap("aa bb cc dd ee", 5);
        assert_eq!(lines, ["aa bb", "cc dd", "ee"]);
    }

    #[test]
    fn rows_are_aligned_and_log_text_sanitized() {
        let mut s = Summary::new();
        for (up, class) in [
            (Some(&b"10.0.0.1:80"[..]), Class::ConnectRefused),
            (Some(b"evil\x1b[31m"), Class::ResponseTimeout),
            (Some(b"evil\x1b[31m"), Class::ResponseTimeout),
            (None, Class::Info),
        ] {
            let mut ev = Event::new(Format::NginxError, b"");
            ev.upstream = up;
            ev.class = class;
            s.push_event(&ev);
        }
        let mut out = Vec::new();
        write(&mut out, &s, &super::super::hints(&s)).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains('\x1b'));
        let header = text.lines().find(|l| l.trim_start().starts_with("UPSTREAM")).unwrap();
        assert!(header.contains("connect_refused  prematurely_closed  invalid_header  no_live_upstreams  response_timeout  info  failures  total"), "{header}");
        let evil = text.lines().find(|l| l.contains("evil")).unwrap();
        assert!(evil.starts_with("  evil\\x1B[31m "), "{evil}");
        assert!(evil.ends_with("  2     0         2      2"), "{evil}");
        assert_eq!(header.len(), evil.len());
        assert!(text.contains("response_timeout (2 attempts):"));
    }
}

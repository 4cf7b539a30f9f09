//! `summary` as aligned plain text (the default).
//!
//! Everything that came from a log (upstream names, sample lines, paths) goes through
//! [`sanitize`] first.

use std::io::{self, Write};

use engine::logparse::Class;
use engine::timeline::messages::SHOWN_UNRECOGNIZED;
use engine::timeline::{Summary, Unit};

use super::style::{Hint, Style, sanitize};

/// The width hint paragraphs are wrapped at.
const WRAP: usize = 96;

/// Column alignment.
#[derive(Clone, Copy)]
enum Align {
    Left,
    Right,
}

/// The width of rows as [`write_columns`] writes them.
fn columns_width(indent: usize, rows: &[Vec<String>]) -> usize {
    let mut widths: Vec<usize> = Vec::new();
    for row in rows {
        widths.resize(widths.len().max(row.len()), 0);
        for (wd, cell) in widths.iter_mut().zip(row) {
            *wd = (*wd).max(cell.chars().count());
        }
    }
    indent + widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1)
}

/// Writes rows as columns separated by two spaces, each `indent` spaces in. `paint` gives the
/// ANSI color of a cell (row, column), applied after padding.
fn write_columns(
    w: &mut impl Write,
    indent: usize,
    align: &[Align],
    rows: &[Vec<String>],
    paint: &dyn Fn(usize, usize) -> Option<&'static str>,
) -> io::Result<()> {
    let mut widths = vec![0; align.len()];
    for row in rows {
        for (wd, cell) in widths.iter_mut().zip(row) {
            *wd = (*wd).max(cell.chars().count());
        }
    }
    for (r, row) in rows.iter().enumerate() {
        let mut line = " ".repeat(indent);
        for (i, (cell, (a, wd))) in row.iter().zip(align.iter().zip(&widths)).enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            let pad = wd - cell.chars().count();
            let painted = match paint(r, i) {
                Some(code) => format!("\x1b[{code}m{cell}\x1b[0m"),
                None => cell.clone(),
            };
            match a {
                Align::Left => {
                    line.push_str(&painted);
                    line.extend(std::iter::repeat_n(' ', pad));
                }
                Align::Right => {
                    line.extend(std::iter::repeat_n(' ', pad));
                    line.push_str(&painted);
                }
            }
        }
        writeln!(w, "{}", line.trim_end())?;
    }
    Ok(())
}

/// The rows of one unit's table: a header, then one row per upstream; with `other`, the
/// classes left out are summed into an `other` column.
fn summary_rows(
    unit: Unit,
    rows: &[&engine::timeline::Upstream],
    classes: &[Class],
    other: bool,
) -> Vec<Vec<String>> {
    let mut table = Vec::with_capacity(rows.len() + 1);
    let mut header = vec!["UPSTREAM".to_owned()];
    header.extend(classes.iter().map(|c| c.as_str().to_owned()));
    if other {
        header.push("other".to_owned());
    }
    header.extend(["failures".to_owned(), "total".to_owned()]);
    table.push(header);
    for row in rows {
        let name = row.name().map_or("-".into(), |n| sanitize(n).into_owned());
        let mut cells = vec![name];
        cells.extend(classes.iter().map(|&c| row.count(unit, c).to_string()));
        if other {
            let shown: u64 = classes.iter().map(|&c| row.count(unit, c)).sum();
            cells.push((row.total(unit) - shown).to_string());
        }
        cells.extend([row.failures(unit).to_string(), row.total(unit).to_string()]);
        table.push(cells);
    }
    table
}

/// The class columns that fit in `width` (see [`write()`]), in taxonomy order, and whether an
/// `other` column is needed.
fn fit(
    s: &Summary,
    unit: Unit,
    rows: &[&engine::timeline::Upstream],
    classes: Vec<Class>,
    width: Option<usize>,
) -> (Vec<Class>, bool) {
    let Some(width) = width else { return (classes, false) };
    let fits =
        |cs: &[Class], other: bool| columns_width(2, &summary_rows(unit, rows, cs, other)) <= width;
    if fits(&classes, false) {
        return (classes, false);
    }
    let mut seen: Vec<Class> =
        classes.into_iter().filter(|&c| s.class_total(unit, c) > 0).collect();
    if fits(&seen, false) {
        return (seen, false);
    }
    // Most frequent first; the taxonomy's order breaks ties.
    let mut by_count = seen.clone();
    by_count.sort_by_key(|&c| std::cmp::Reverse(s.class_total(unit, c)));
    for keep in (0..by_count.len()).rev() {
        let kept = &by_count[..keep];
        seen.retain(|c| kept.contains(c));
        if fits(&seen, true) || keep == 0 {
            return (seen, true);
        }
    }
    (seen, true)
}

/// What a count of `unit` is, in words.
fn unit_note(unit: Unit) -> &'static str {
    match unit {
        Unit::Attempts => "error-log events: one per attempt to reach an upstream",
        Unit::Responses => "access-log events: one per response to a client",
        Unit::Notices => "HAProxy: one per message of a state change, not a client response",
        Unit::ControllerMessages => "ingress-nginx controller: one per line of its own log",
    }
}

/// Writes the table report.
///
/// With `style.width`, a table wider than the terminal loses columns: first the lead classes
/// without events, then the least frequent classes, whose counts go to an `other` column.
/// With `style.color`, class names and non-zero counts take the color of their class group.
pub fn write(w: &mut impl Write, s: &Summary, hints: &[Hint], style: Style) -> io::Result<()> {
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
    if s.copies() > 0 {
        counts.insert(
            2,
            (
                "    copies",
                s.copies(),
                "  (second copies of a health or admin message, counted once)",
            ),
        );
    }
    let digits = counts.iter().map(|c| c.1.to_string().len()).max().unwrap_or(1);
    writeln!(w, "{:<16}{range}", "Time range")?;
    for (label, n, note) in counts {
        writeln!(w, "{label:<16}{n:>digits$}{note}")?;
    }
    writeln!(w, "{:<16}{formats}", "Formats")?;
    for note in s.formats().filter_map(|(f, _)| f.upstream_note()) {
        writeln!(w, "{:<16}{note}", "Upstreams")?;
    }

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

    let unknown = s.unrecognized();
    if unknown.total() > 0 {
        writeln!(
            w,
            "\nUnrecognized messages ({} events; digits written N; gatelog does not know these yet)",
            unknown.total()
        )?;
        for m in unknown.top(SHOWN_UNRECOGNIZED) {
            writeln!(w, "  {:>8}  {}: {}", m.count, m.format.as_str(), sanitize(&m.text))?;
            let line = format!(
                "            {}:{}: {}",
                sanitize(m.name.as_bytes()),
                m.line,
                sanitize(&m.sample)
            );
            writeln!(w, "{}", line.trim_end())?;
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
            Unit::Notices => "Health and admin messages per upstream",
            Unit::ControllerMessages => "Controller messages per upstream",
        };
        writeln!(w, "\n{title} ({})", unit_note(unit))?;
        let (classes, other) = fit(s, unit, &rows, classes, style.width);
        let table = summary_rows(unit, &rows, &classes, other);
        let mut align = vec![left];
        align.extend(std::iter::repeat_n(right, classes.len() + usize::from(other) + 2));
        let paint = |r: usize, i: usize| -> Option<&'static str> {
            let class = classes.get(i.checked_sub(1)?)?;
            // A header is colored when its column has a count, a count when it is not 0.
            let zero = if r == 0 {
                table.iter().skip(1).all(|row| row.get(i).is_none_or(|c| c == "0"))
            } else {
                table.get(r).and_then(|row| row.get(i)).is_some_and(|c| c == "0")
            };
            (style.color && !zero).then(|| super::style::ansi(class.group()))
        };
        write_columns(w, 2, &align, &table, &paint)?;
    }

    if s.has_join() {
        write_join(w, s)?;
    }

    if !hints.is_empty() {
        writeln!(w, "\nHints")?;
        for h in hints {
            writeln!(w, "  {} ({} {}):", h.class, h.count, counted(h.count, h.unit))?;
            for line in wrap(h.class.hint(), WRAP - 4) {
                writeln!(w, "    {line}")?;
            }
            for extra in
                s.formats().filter_map(|(f, _)| engine::logparse::hint::for_format(f, h.class))
            {
                for line in wrap(extra, WRAP - 4) {
                    writeln!(w, "    {line}")?;
                }
            }
        }
    }
    Ok(())
}

/// The join of the nginx error log to the access log: what users saw, and what retries hid.
fn write_join(w: &mut impl Write, s: &Summary) -> io::Result<()> {
    let r = s.join();
    writeln!(
        w,
        "\nError log joined to access log ({} 5xx responses users got, {} failed attempts retried well)",
        r.responses(),
        r.hidden()
    )?;
    let mut by: Vec<_> = r.responses_by_class.iter().collect();
    by.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    writeln!(w, "  Responses by class of the attempt that produced them")?;
    for (c, n) in by {
        writeln!(w, "  {n:>8}  {c}")?;
    }
    let mut peers: Vec<_> = r.hidden_by_upstream.iter().collect();
    peers.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    if !peers.is_empty() {
        writeln!(w, "  Hidden failures (retried on another peer, which answered)")?;
        for ((peer, c), n) in peers {
            writeln!(w, "  {n:>8}  {c} attempts on {}", sanitize(peer))?;
        }
    }
    writeln!(
        w,
        "  Unmatched: {} attempts without a response line, {} 5xx responses without their attempt",
        r.unmatched_attempts, r.unmatched_responses
    )?;
    if r.settled_early > 0 {
        writeln!(w, "  {} lines joined early: too many waited for their partner", r.settled_early)?;
    }
    Ok(())
}

/// The unit's word for a count of `n`: `1 attempt`, `2 attempts`.
fn counted(n: u64, unit: Unit) -> &'static str {
    match (unit, n) {
        (Unit::Attempts, 1) => "attempt",
        (Unit::Responses, 1) => "response",
        (Unit::Notices, 1) => "notice",
        (Unit::ControllerMessages, 1) => "controller message",
        (Unit::ControllerMessages, _) => "controller messages",
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
    use engine::logparse::{Event, Format};

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
        write(&mut out, &s, &crate::report::style::hints(&s), Style::default()).unwrap();
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

    fn many_classes() -> Summary {
        let mut s = Summary::new();
        let classes = [
            (Class::ConnectRefused, 9),
            (Class::ResponseTimeout, 7),
            (Class::DnsFailure, 5),
            (Class::TlsHandshake, 3),
            (Class::AppStderr, 2),
            (Class::ConnectionReset, 1),
        ];
        for (class, n) in classes {
            for _ in 0..n {
                let mut ev = Event::new(Format::NginxError, b"");
                ev.upstream = Some(b"10.0.0.1:80");
                ev.class = class;
                s.push_event(&ev);
            }
        }
        s
    }

    fn table_lines(text: &str) -> Vec<&str> {
        let from = text.lines().position(|l| l.trim_start().starts_with("UPSTREAM")).unwrap();
        text.lines().skip(from).take(2).collect()
    }

    #[test]
    fn a_narrow_terminal_keeps_the_frequent_classes_and_sums_the_rest_into_other() {
        let s = many_classes();
        let mut wide = Vec::new();
        write(&mut wide, &s, &[], Style { color: false, width: Some(400) }).unwrap();
        let wide = String::from_utf8(wide).unwrap();
        assert!(table_lines(&wide)[0].contains("connection_reset"), "{wide}");
        assert!(!table_lines(&wide)[0].contains("other"));

        let mut narrow = Vec::new();
        write(&mut narrow, &s, &[], Style { color: false, width: Some(80) }).unwrap();
        let narrow = String::from_utf8(narrow).unwrap();
        let lines = table_lines(&narrow);
        assert!(lines.iter().all(|l| l.chars().count() <= 80), "{narrow}");
        let header: Vec<&str> = lines[0].split_whitespace().collect();
        let row: Vec<&str> = lines[1].split_whitespace().collect();
        // The lead classes without events went first, then the least frequent ones.
        assert!(!header.contains(&"prematurely_closed"), "{narrow}");
        assert!(!header.contains(&"connection_reset"), "{narrow}");
        assert_eq!(header[1], "connect_refused");
        assert_eq!(header[header.len() - 3], "other");
        let other = row[header.len() - 3].parse::<u64>().unwrap();
        let shown: u64 = row[1..header.len() - 3].iter().map(|c| c.parse::<u64>().unwrap()).sum();
        assert_eq!(shown + other, 27);
        assert_eq!(row[header.len() - 1], "27");
    }

    #[test]
    fn colors_mark_class_columns_with_non_zero_counts_only_when_asked() {
        let s = many_classes();
        let mut plain = Vec::new();
        write(&mut plain, &s, &[], Style { color: false, width: None }).unwrap();
        assert!(!plain.contains(&0x1b));
        let mut colored = Vec::new();
        write(&mut colored, &s, &[], Style { color: true, width: None }).unwrap();
        let colored = String::from_utf8(colored).unwrap();
        // connect_refused is a connect-group class: red, as header and count.
        assert!(colored.contains("\x1b[31mconnect_refused\x1b[0m"), "{colored}");
        assert!(colored.contains("\x1b[31m9\x1b[0m"), "{colored}");
        // A lead class without events stays plain.
        assert!(colored.contains("  prematurely_closed"), "{colored}");
        assert!(!colored.contains("m0\x1b[0m"), "{colored}");
        // Colors do not move the columns.
        let strip = colored.replace("\x1b[0m", "").replace("\x1b[31m", "").replace("\x1b[33m", "");
        let strip = strip.replace("\x1b[95m", "").replace("\x1b[93m", "").replace("\x1b[34m", "");
        assert_eq!(strip, String::from_utf8(plain).unwrap());
    }
}

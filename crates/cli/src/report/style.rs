//! What every writer shares: the terminal [`Style`], colors of class groups ([`ansi`]), log
//! text made safe for a terminal ([`sanitize`]), and the classes worth a hint ([`hints`]).

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, IsTerminal};

use engine::logparse::Class;
use engine::timeline::{Summary, Unit};

use crate::config::ColorWhen;

/// How many failure classes get a hint.
const HINTS: usize = 3;

/// A failure class worth a hint: one of the most frequent in the summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hint {
    /// The class.
    pub class: Class,
    /// The unit its count is in.
    pub unit: Unit,
    /// How many events of the class (in that unit).
    pub count: u64,
}

/// The most frequent upstream-failure classes, at most [`HINTS`], each class once (with the
/// unit where it is most frequent). Ties go to the taxonomy's order.
pub fn hints(s: &Summary) -> Vec<Hint> {
    let mut all: Vec<Hint> = Vec::new();
    for unit in s.units() {
        for class in Class::ALL.into_iter().filter(|c| c.is_upstream_failure()) {
            let count = s.class_total(unit, class);
            if count > 0 {
                all.push(Hint { class, unit, count });
            }
        }
    }
    all.sort_by_key(|h| std::cmp::Reverse(h.count));
    let mut out: Vec<Hint> = Vec::new();
    for h in all {
        if out.len() < HINTS && !out.iter().any(|o| o.class == h.class) {
            out.push(h);
        }
    }
    out
}

/// How text tables are drawn: colored or not, and the width to fit them in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Style {
    /// Color class columns by class group (ANSI escapes).
    pub color: bool,
    /// The terminal's width; `None` (output to a file or a pipe) leaves tables whole.
    pub width: Option<usize>,
}

impl Style {
    /// The style for standard output: colors as `when` and `NO_COLOR` say, the width of the
    /// terminal when standard output is one (`COLUMNS` when set, else the terminal's own).
    pub fn for_stdout(when: ColorWhen) -> Style {
        let tty = io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match when {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => tty && !no_color,
        };
        let width = tty
            .then(|| {
                std::env::var("COLUMNS")
                    .ok()
                    .and_then(|c| c.trim().parse::<usize>().ok())
                    .or_else(|| console::Term::stdout().size_checked().map(|(_, w)| w.into()))
            })
            .flatten()
            .filter(|&w| w >= 20);
        Style { color, width }
    }
}

/// The ANSI color (SGR parameters) of a class group on a terminal.
pub fn ansi(g: engine::logparse::Group) -> &'static str {
    use engine::logparse::Group;
    match g {
        Group::Connect => "31",
        Group::Response => "33",
        Group::Protocol => "35",
        Group::Capacity => "91",
        Group::Dns => "95",
        Group::Tls => "93",
        Group::App => "34",
        Group::Unknown => "90",
        Group::Health => "36",
        Group::Proxy => "94",
        Group::Ok => "32",
        _ => "2",
    }
}

/// Log bytes made safe for a terminal: bytes that are not UTF-8 as `\xNN`, control
/// characters as `\xNN`, and characters that reorder or hide text (bidi controls, zero-width
/// characters) as `\u{NNNN}`. Log text is chosen by whoever sent the request; printed raw it
/// could move the cursor, rewrite earlier lines or disguise itself.
pub fn sanitize(bytes: &[u8]) -> Cow<'_, str> {
    let risky = |c: char| {
        c.is_control()
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
    };
    if let Ok(s) = std::str::from_utf8(bytes) {
        if !s.chars().any(risky) {
            return Cow::Borrowed(s);
        }
    }
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if !risky(c) {
                out.push(c);
            } else if (c as u32) < 0x100 {
                let _ = write!(out, "\\x{:02X}", c as u32);
            } else {
                let _ = write!(out, "\\u{{{:04X}}}", c as u32);
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02X}");
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_escapes_what_a_terminal_would_act_on() {
        assert!(matches!(sanitize(b"10.0.0.1:80"), Cow::Borrowed("10.0.0.1:80")));
        assert_eq!(sanitize(b"a\x1b[2Jb\tc\x7f"), "a\\x1B[2Jb\\x09c\\x7F");
        assert_eq!(sanitize("x\u{202E}y\u{85}".as_bytes()), "x\\u{202E}y\\x85");
        assert_eq!(sanitize(b"caf\xc3\xa9\xff"), "café\\xFF");
    }

    #[test]
    fn hints_pick_the_top_failure_classes_once() {
        use engine::logparse::{Event, Format};
        let mut s = Summary::new();
        let mut push = |format, class, n| {
            for _ in 0..n {
                let mut ev = Event::new(format, b"");
                ev.class = class;
                s.push_event(&ev);
            }
        };
        push(Format::NginxError, Class::ConnectRefused, 5);
        push(Format::NginxAccess, Class::ConnectRefused, 9);
        push(Format::NginxError, Class::AppStderr, 50);
        push(Format::NginxError, Class::PrematurelyClosed, 2);
        push(Format::NginxError, Class::InvalidHeader, 3);
        push(Format::NginxError, Class::ResponseTimeout, 1);
        let h = hints(&s);
        let got: Vec<(Class, Unit, u64)> = h.iter().map(|h| (h.class, h.unit, h.count)).collect();
        assert_eq!(
            got,
            [
                (Class::ConnectRefused, Unit::Responses, 9),
                (Class::InvalidHeader, Unit::Attempts, 3),
                (Class::PrematurelyClosed, Unit::Attempts, 2)
            ]
        );
    }
}

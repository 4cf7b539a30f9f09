//! Applies the message catalog ([`super::catalog`]) to the message of a line.
//!
//! Everything here is linear scans over the message: `memmem` searchers built once for every
//! text of the catalog, no allocation per line.

use std::cell::OnceCell;
use std::sync::LazyLock;

use memchr::memmem::Finder;

use super::catalog::{self, CALLS, COMMON, Call, ERRNOS, Errno, Meaning, RESOLVING, RULES, Test};
use crate::bytes::{digit_run, finder, parse_u64, trim};
use crate::class::{Class, Phase};

/// How a message was classified: the class, and for `upstream timed out` whether nginx's own
/// timer fired (which decides the implied status).
pub(super) struct Verdict {
    pub(super) class: Class,
    pub(super) nginx_timer: bool,
    /// The status nginx answers a request it refused itself ([`Meaning::Refused`],
    /// [`Meaning::StaticFile`]).
    pub(super) refused: Option<u16>,
}

/// A searcher for every text of every rule, in the order of [`RULES`] (empty for rules
/// without texts), built on first use.
static SEARCHERS: LazyLock<Vec<Vec<Finder<'static>>>> = LazyLock::new(|| {
    let all = |texts: &[&'static [u8]]| texts.iter().map(|t| Finder::new(*t)).collect();
    RULES
        .iter()
        .map(|rule| match rule.test {
            Test::Any(texts) => all(texts),
            Test::AnyEndingWith(text, _) => all(&[text]),
            Test::ClientSide => all(catalog::TLS_HANDSHAKE),
            Test::Prefix(_) | Test::Action(_) | Test::Failed(_) => Vec::new(),
        })
        .collect()
});

/// What `meaning` gives with this message, action and errno.
fn resolve(
    meaning: Meaning,
    msg: &[u8],
    action: Option<(&[u8], Phase, bool)>,
    errno: Option<u32>,
) -> Verdict {
    let plain = |class| Verdict { class, nginx_timer: false, refused: None };
    let refused =
        |status| Verdict { class: Class::ClientError, nginx_timer: false, refused: Some(status) };
    match meaning {
        Meaning::Is(class) => plain(class),
        Meaning::Timer => Verdict {
            class: if matches!(action, Some((_, Phase::Connect, _))) {
                Class::ConnectTimeout
            } else {
                Class::ResponseTimeout
            },
            nginx_timer: true,
            refused: None,
        },
        Meaning::ConnectTimer => {
            Verdict { class: Class::ConnectTimeout, nginx_timer: true, refused: None }
        }
        Meaning::Refused(status) => refused(status),
        Meaning::StaticFile(table) => {
            let status = errno.and_then(|n| table.iter().find(|&&(e, _)| e == n)).map(|e| e.1);
            match status {
                Some(status) if action.is_none() && !names_temp_file(msg) => refused(status),
                _ => plain(Class::ProxyError),
            }
        }
        Meaning::Reset => plain(if action.is_some_and(|(_, _, client)| client) {
            Class::ClientError
        } else {
            Class::ConnectionReset
        }),
        Meaning::ByErrno(classes) => plain(match errno {
            None => classes.none,
            Some(n) => match errno_kind(n) {
                Some(Errno::Refused) => classes.refused,
                Some(Errno::TimedOut) => classes.timed_out,
                Some(Errno::Local) => classes.local,
                None => classes.other,
            },
        }),
    }
}

/// Whether the first quoted path of the message is a temporary file of nginx's: its last
/// component is ten digits (`ngx_create_temp_file` in `src/core/ngx_file.c`).
fn names_temp_file(msg: &[u8]) -> bool {
    let Some(open) = memchr::memchr(b'"', msg) else { return false };
    let rest = &msg[open + 1..];
    let Some(close) = memchr::memchr(b'"', rest) else { return false };
    let path = &rest[..close];
    let name = path.rsplit(|&c| c == b'/' || c == b'\\').next().unwrap_or(path);
    name.len() == 10 && name.iter().all(u8::is_ascii_digit)
}

/// The kind of an errno number, `None` for one without a kind of its own.
fn errno_kind(n: u32) -> Option<Errno> {
    ERRNOS.iter().find(|&&(e, _)| e == n).map(|&(_, kind)| kind)
}

/// The kind of a call named in a `name() failed` message.
fn call_kind(name: &[u8]) -> Option<Call> {
    CALLS.iter().find(|&&(c, _)| c == name).map(|&(_, kind)| kind)
}

/// Classifies a message by the decision procedure ([`RULES`]); `None` when no rule holds.
pub(super) fn classify(
    msg: &[u8],
    action: Option<(&[u8], Phase, bool)>,
    errno: Option<u32>,
) -> Option<Verdict> {
    // The failed call is looked for once, and only when a rule needs it.
    let call = OnceCell::new();
    let call = || *call.get_or_init(|| failed_call(msg).and_then(call_kind));
    let client_action = action.is_some_and(|(_, _, client)| client);
    for (rule, finders) in RULES.iter().zip(SEARCHERS.iter()) {
        let any = || finders.iter().any(|f| f.find(msg).is_some());
        let holds = match rule.test {
            Test::Prefix(text) => msg.starts_with(text),
            Test::Any(_) => any(),
            Test::AnyEndingWith(_, suffix) => any() && trim(msg).ends_with(suffix),
            Test::Action(text) => action.is_some_and(|(a, _, _)| a == text),
            Test::ClientSide => {
                client_action
                    && finder!(b"upstream").find(msg).is_none()
                    && (any() || call() == Some(Call::Transport))
            }
            Test::Failed(kind) => call() == Some(kind),
        };
        if holds {
            return Some(resolve(rule.meaning, msg, action, errno));
        }
    }
    None
}

/// The messages nginx writes most ([`COMMON`]), matched whole; `None` for anything else.
///
/// An exact match cannot contain any other text the full procedure looks for, so this gives the
/// same verdict as [`classify`] (a test checks every entry against it, with every action).
pub(super) fn classify_common(msg: &[u8], action: Option<(&[u8], Phase, bool)>) -> Option<Verdict> {
    if action.is_some_and(|(text, _, _)| text == RESOLVING) {
        // The resolver's own socket errors: the full procedure makes these `dns_failure`.
        return None;
    }
    let &(_, meaning) = COMMON.iter().find(|&&(text, _)| text == msg)?;
    Some(resolve(meaning, msg, action, None))
}

/// Matches the text after ` while ` against the known actions ([`catalog::ACTIONS`]).
///
/// The action returned is the text of the line (every field of an event borrows from its line).
pub(super) fn match_action(after: &[u8]) -> Option<(&[u8], Phase, bool)> {
    let first = *after.first()?;
    let mut best: Option<(&[u8], Phase, bool)> = None;
    for &(text, phase, client) in catalog::ACTIONS {
        if text[0] == first && after.starts_with(text) {
            // A known action must end at a word boundary (`upstream(proxy_connect)` is fine).
            let next = after.get(text.len()).copied();
            let boundary = !matches!(next, Some(c) if c.is_ascii_alphanumeric() || c == b' ' && after.get(text.len() + 1).is_some_and(|c| c.is_ascii_lowercase()));
            if boundary && best.is_none_or(|(t, _, _)| text.len() > t.len()) {
                best = Some((&after[..text.len()], phase, client));
            }
        }
    }
    best
}

/// The errno in the first `(N: ` of the message.
pub(super) fn errno_of(msg: &[u8]) -> Option<u32> {
    for open in memchr::memchr_iter(b'(', msg) {
        let rest = &msg[open + 1..];
        let d = digit_run(rest);
        if d > 0 && rest.get(d) == Some(&b':') {
            return parse_u64(&rest[..d]).and_then(|v| u32::try_from(v).ok());
        }
    }
    None
}

/// The name of the system or library call a `<call>() ... failed` message reports.
fn failed_call(msg: &[u8]) -> Option<&[u8]> {
    let failed = finder!(b" failed").find(msg)?;
    let head = &msg[..failed];
    if finder!(b"reported that connect()").find(head).is_some() {
        return Some(b"connect");
    }
    let open = memchr::memchr(b'(', head)?;
    let mut end = open;
    while end > 0 && head[end - 1] == b' ' {
        end -= 1;
    }
    let start = head[..end]
        .iter()
        .rposition(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
        .map_or(0, |i| i + 1);
    (start < end).then(|| &head[start..end])
}

//! Walks every entry of the catalog: a line is built from it and parsed, and the class the line
//! gets must be the one the entry says.

use super::*;
use crate::event::Fields as EventFields;
use crate::nginx::error::parse;

/// An error-log line with `msg`, the action after ` while ` when given, and an HTTP context.
fn line(msg: &[u8], action: Option<&[u8]>) -> Vec<u8> {
    let mut l = b"2024/01/01 00:00:00 [error] 7#7: *1 ".to_vec();
    l.extend_from_slice(msg);
    if let Some(a) = action {
        l.extend_from_slice(b" while ");
        l.extend_from_slice(a);
    }
    l.extend_from_slice(
        b", client: 10.0.0.1, server: a, request: \"GET / HTTP/1.1\", upstream: \"http://10.0.0.9:80/\", host: \"a\"",
    );
    l
}

/// The class of the line built from `msg` and `action`; checks that the action was read whole.
fn class_of(msg: &[u8], action: Option<Action>) -> Class {
    let l = line(msg, action.map(|a| a.0));
    let ev = parse(&l).unwrap_or_else(|e| panic!("{e}: {}", crate::text(&l)));
    let EventFields::NginxError(f) = &ev.fields else { panic!("not nginx error fields") };
    assert_eq!(f.action, action.map(|a| a.0), "{}", crate::text(&l));
    ev.class
}

/// The class a meaning gives, spelled out again here so that the tests do not lean on the code
/// under test.
fn expected(meaning: Meaning, action: Option<Action>, errno: Option<u32>) -> Class {
    let client_side = action.is_some_and(|a| a.2);
    match meaning {
        Meaning::Is(class) => class,
        Meaning::Timer if action.is_some_and(|a| a.1 == Phase::Connect) => Class::ConnectTimeout,
        Meaning::Timer => Class::ResponseTimeout,
        Meaning::ConnectTimer => Class::ConnectTimeout,
        Meaning::Reset if client_side => Class::ClientError,
        Meaning::Reset => Class::ConnectionReset,
        Meaning::Refused(_) => Class::ClientError,
        // The built messages name no path, so never a temporary file.
        Meaning::StaticFile(table) => match errno {
            Some(n) if action.is_none() && table.iter().any(|e| e.0 == n) => Class::ClientError,
            _ => Class::ProxyError,
        },
        Meaning::ByErrno(c) => match errno.map(|n| ERRNOS.iter().find(|e| e.0 == n).map(|e| e.1)) {
            None => c.none,
            Some(None) => c.other,
            Some(Some(Errno::Refused)) => c.refused,
            Some(Some(Errno::TimedOut)) => c.timed_out,
            Some(Some(Errno::Local)) => c.local,
        },
    }
}

fn action(text: &[u8]) -> Action {
    *ACTIONS.iter().find(|a| a.0 == text).expect("a known action")
}

/// No action, one of the connect phase, one after it: the actions a message is tried with.
fn upstream_actions() -> [Option<Action>; 3] {
    [
        None,
        Some(action(b"connecting to upstream")),
        Some(action(b"reading response header from upstream")),
    ]
}

/// `name() failed`, and `name() failed (N: ...)` for every errno number of the table and one
/// without a kind of its own (113, EHOSTUNREACH on Linux).
fn failed_calls(name: &[u8]) -> Vec<(Vec<u8>, Option<u32>)> {
    let errnos = std::iter::once(None).chain(ERRNOS.iter().map(|e| Some(e.0))).chain([Some(113)]);
    errnos
        .map(|errno| {
            let mut msg = [name, b"() failed"].concat();
            if let Some(n) = errno {
                msg.extend_from_slice(format!(" ({n}: some error text)").as_bytes());
            }
            (msg, errno)
        })
        .collect()
}

#[test]
fn every_common_message_gives_its_class_in_a_line() {
    // The resolver's action is left to the rules (see `classify_common`); every other one, and
    // none, takes the table's meaning.
    let actions = std::iter::once(None)
        .chain(ACTIONS.iter().filter(|a| a.0 != RESOLVING).map(|&a| Some(a)))
        .collect::<Vec<_>>();
    for &(msg, meaning) in COMMON {
        assert!(!matches!(meaning, Meaning::ByErrno(_)), "{}", crate::text(msg));
        for &a in &actions {
            assert_eq!(
                class_of(msg, a),
                expected(meaning, a, None),
                "{} / {:?}",
                crate::text(msg),
                a.map(|a| crate::text(a.0))
            );
        }
    }
}

#[test]
fn every_rule_gives_its_class_in_a_line() {
    for (i, rule) in RULES.iter().enumerate() {
        // The messages built from the rule, with their errno, and the actions to try them with.
        let mut cases: Vec<(Vec<u8>, Option<u32>)> = Vec::new();
        let mut actions = upstream_actions().to_vec();
        match rule.test {
            Test::Prefix(text) => cases.push((text.to_vec(), None)),
            Test::Any(texts) => {
                for &text in texts {
                    // A text that ends in a space needs a word after it: messages are trimmed.
                    let msg =
                        if text.ends_with(b" ") { [text, b"x"].concat() } else { text.to_vec() };
                    cases.push((msg, None));
                }
            }
            Test::AnyEndingWith(text, suffix) => {
                cases.push(([text, b": \"X-A: 1\"", suffix].concat(), None))
            }
            Test::Action(text) => {
                cases.push((b"an unknown message".to_vec(), None));
                actions = vec![Some(action(text))];
            }
            Test::ClientSide => {
                cases.extend(TLS_HANDSHAKE.iter().map(|t| (t.to_vec(), None)));
                for &(name, _) in CALLS.iter().filter(|c| c.1 == Call::Transport) {
                    cases.extend(failed_calls(name));
                }
                actions = ACTIONS.iter().filter(|a| a.2).map(|&a| Some(a)).collect();
            }
            Test::Failed(kind) => {
                for &(name, _) in CALLS.iter().filter(|c| c.1 == kind) {
                    cases.extend(failed_calls(name));
                }
            }
        }
        assert!(!cases.is_empty(), "rule {i} has no case");
        for (msg, errno) in cases {
            for &a in &actions {
                assert_eq!(
                    class_of(&msg, a),
                    expected(rule.meaning, a, errno),
                    "rule {i}: {} / {:?}",
                    crate::text(&msg),
                    a.map(|a| crate::text(a.0))
                );
            }
        }
    }
}

#[test]
fn every_action_gives_its_phase_and_side() {
    for &(text, phase, client) in ACTIONS {
        let msg = b"recv() failed (104: Connection reset by peer)";
        let l = line(msg, Some(text));
        let ev = parse(&l).unwrap();
        assert_eq!(ev.phase, phase, "{}", crate::text(text));
        let class = if text == RESOLVING {
            Class::DnsFailure
        } else if client {
            Class::ClientError
        } else {
            Class::ConnectionReset
        };
        assert_eq!(class_of(msg, Some((text, phase, client))), class, "{}", crate::text(text));
    }
}

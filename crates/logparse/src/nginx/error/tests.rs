use super::catalog::{ACTIONS, COMMON};
use super::*;
use crate::time::{Tz, ZoneTable};
use std::sync::Arc;

#[test]
fn lines_that_are_not_nginx_are_not_recognized() {
    for line in
        [&b"hello world"[..], b"GET / HTTP/1.1 200", b"{\"level\":\"info\"}", b"\x00\x01\x02"]
    {
        let err = parse(line).unwrap_err();
        assert_eq!(err.kind, ParseErrorKind::NotRecognized, "{}", crate::text(line));
    }
    assert_eq!(parse(b"   ").unwrap_err().kind, ParseErrorKind::Empty);
}

#[test]
fn fastcgi_multiline_entry_is_one_event_and_continuations() {
    let lines: [&[u8]; 5] = [
        b"2013/05/30 22:07:34 [error] 19162#0: *490 FastCGI sent in stderr: \"PHP message: PHP Fatal error:  Uncaught Exception: boom in /app/x.php:10",
        b"Stack trace:",
        b"#0 {main}",
        b"  thrown in /app/x.php on line 10\" while reading response header from upstream, client: 1.2.3.4, server: a, request: \"GET / HTTP/1.1\", upstream: \"fastcgi://unix:/run/php.sock:\", host: \"a\"",
        b"2013/05/30 22:07:35 [error] 19162#0: *491 connect() failed (111: Connection refused) while connecting to upstream, client: 1.2.3.4, server: a",
    ];
    let mut p = Parser::new(Options::default());
    let kinds: Vec<Result<Class, ParseErrorKind>> =
        lines.iter().map(|l| p.parse(l).map(|e| e.class).map_err(|e| e.kind)).collect();
    assert_eq!(
        kinds,
        vec![
            Ok(Class::AppStderr),
            Err(ParseErrorKind::Continuation),
            Err(ParseErrorKind::Continuation),
            Err(ParseErrorKind::Continuation),
            Ok(Class::ConnectRefused),
        ]
    );
}

/// The last line of every entry of `app_stderr.multiline.log`, read without the lines before
/// it, is an `app_stderr` event with the entry's context and no time; inside its entry it is a
/// continuation (the entry's event is its first line).
#[test]
fn fastcgi_entry_last_line_alone_is_an_event_with_its_context() {
    let log = include_bytes!("../../../../../testdata/nginx-error/app_stderr.multiline.log");
    let mut p = Parser::new(Options::default());
    let mut got = Vec::new();
    for (i, line) in crate::lines::Lines::new(log).enumerate() {
        let in_order = p.parse(line);
        let closes = !has_header(line) && finder!(b"\" while ").find(line).is_some();
        if closes {
            assert_eq!(in_order.unwrap_err().kind, ParseErrorKind::Continuation);
            let ev = parse(line).unwrap();
            let EventFields::NginxError(f) = &ev.fields else { panic!("not nginx error fields") };
            assert_eq!((ev.class, ev.time, ev.level), (Class::AppStderr, None, None));
            assert!(ev.client.is_some() && ev.request.is_some() && f.action.is_some());
            got.push((
                i + 1,
                ev.upstream.map(|u| crate::text(u).to_string()),
                ev.phase,
                crate::text(ev.message).to_string(),
            ));
        }
    }
    let fpm = || Some("unix:/run/php/fpm.sock".to_owned());
    let php82 = || Some("unix:/run/php/php8.2-fpm.sock".to_owned());
    assert_eq!(
        got,
        [
            (5, php82(), Phase::Header, "thrown in /var/www/app/Cart.php on line 88".to_owned()),
            (8, php82(), Phase::Header, "totals ok".to_owned()),
            (12, fpm(), Phase::Header, "thrown in /srv/app/x.php on line 9".to_owned()),
            (
                14,
                Some("172.19.0.6:9000".to_owned()),
                Phase::Body,
                "PHP message: PHP Notice:  Trying to access array offset on value of type null in /srv/app/cart.php on line 4".to_owned()
            ),
            (16, fpm(), Phase::Header, String::new()),
        ]
    );
}

/// nginx cuts an entry at 2047 bytes, before its context: the line that reaches the size is
/// the entry's last; the next line is no longer inside it.
#[test]
fn fastcgi_multiline_entry_cut_at_nginx_size_limit_ends_there() {
    let first = b"2024/03/14 09:44:00 [error] 7#7: *5 FastCGI sent in stderr: \"PHP message: dump";
    let filler = vec![b'x'; 1000];
    // The entry's bytes: the first line, a newline, the filler, a newline, the last line.
    let last = vec![b'y'; MAX_ENTRY - first.len() - 2 - filler.len()];
    let mut p = Parser::new(Options::default());
    assert_eq!(p.parse(first).unwrap().class, Class::AppStderr);
    assert_eq!(p.parse(&filler).unwrap_err().kind, ParseErrorKind::Continuation);
    assert_eq!(p.parse(&last).unwrap_err().kind, ParseErrorKind::Continuation);
    assert_eq!(
        p.parse(b"some arbitrary app text").unwrap_err().kind,
        ParseErrorKind::NotRecognized
    );
}

#[test]
fn open_stderr_entry_swallows_arbitrary_text_until_closed() {
    let mut p = Parser::new(Options::default());
    assert!(p.parse(b"2020/04/24 04:34:27 [error] 7581#7581: *6618 FastCGI sent in stderr: \"PHP message: debug - Checking").is_ok());
    assert_eq!(p.parse(b"some arbitrary app text").unwrap_err().kind, ParseErrorKind::Continuation);
    assert_eq!(p.parse(b"end of it\"").unwrap_err().kind, ParseErrorKind::Continuation);
    // The entry is closed: free text is no longer a continuation.
    assert_eq!(
        p.parse(b"some arbitrary app text").unwrap_err().kind,
        ParseErrorKind::NotRecognized
    );
}

#[test]
fn time_zone_converts_local_time() {
    let line = b"2024/07/01 12:00:00 [error] 1#1: *1 no live upstreams while connecting to upstream, client: 1.1.1.1, server: a, upstream: \"http://b/\"";
    let ev = parse_with(line, &Options::with_tz(Tz::Fixed(2 * 3600))).unwrap();
    assert_eq!(ev.time.unwrap().to_string(), "2024-07-01T10:00:00Z");
    let table = ZoneTable::new("Test/West", vec![(i64::MIN, -5 * 3600)]);
    let ev = parse_with(line, &Options::with_tz(Tz::Table(Arc::new(table)))).unwrap();
    assert_eq!(ev.time.unwrap().to_string(), "2024-07-01T17:00:00Z");
}

#[test]
fn impossible_date_gives_no_time_but_an_event() {
    let ev = parse(b"2024/02/30 12:00:00 [error] 1#1: *1 upstream prematurely closed connection while reading response header from upstream, client: a, server: b").unwrap();
    assert_eq!(ev.time, None);
    assert_eq!(ev.class, Class::PrematurelyClosed);
}

#[test]
fn crafted_request_cannot_move_the_client_or_server() {
    let ev = parse(b"2024/01/01 00:00:00 [error] 1#1: *1 upstream prematurely closed connection while reading response header from upstream, client: 1.2.3.4, server: real, request: \"GET /x\", upstream: \"http://evil:1/ HTTP/1.1\", upstream: \"http://10.0.0.1:80/x\", host: \"h\"").unwrap();
    assert_eq!(ev.client, Some(&b"1.2.3.4"[..]));
    assert_eq!(ev.server, Some(&b"real"[..]));
}

#[test]
fn visit_lists_present_fields_in_order() {
    let ev = parse(b"2024/01/01 00:00:00 [error] 7#0: *3 connect() failed (111: Connection refused) while connecting to upstream, client: 1.2.3.4, server: a, upstream: \"http://10.0.0.1:80/x\"").unwrap();
    let mut names = Vec::new();
    ev.fields.visit(&mut |k, _| names.push(k));
    assert_eq!(
        names,
        [
            "pid",
            "tid",
            "connection",
            "errno",
            "action",
            "upstream_scheme",
            "upstream_uri",
            "implied_status"
        ]
    );
}

#[test]
fn a_request_imitating_the_host_key_does_not_hide_upstream_or_host() {
    let ev = parse(b"2024/01/01 00:00:00 [error] 1#1: *1 upstream prematurely closed connection while reading response header from upstream, client: 1.2.3.4, server: s, request: \"GET /x\", host: \"evil HTTP/1.1\", upstream: \"http://10.0.0.1:80/x\", host: \"real\"").unwrap();
    assert_eq!(ev.upstream, Some(&b"10.0.0.1:80"[..]));
    assert_eq!(ev.host, Some(&b"real"[..]));
    assert_eq!(ev.request, Some(&b"GET /x\", host: \"evil HTTP/1.1"[..]));
}

#[test]
fn common_messages_take_the_same_class_as_the_full_procedure() {
    // Every message of the exact-match table, with every action and with none.
    let messages: &[&[u8]] = &COMMON.iter().map(|&(text, _)| text).collect::<Vec<_>>();
    let actions = std::iter::once(None).chain(ACTIONS.iter().map(|&a| Some(a)));
    let mut checked = 0;
    for action in actions {
        for &msg in messages {
            let slow = classify(msg, action, errno_of(msg)).expect("classified");
            let Some(fast) = classify_common(msg, action) else {
                // The table steps aside only for the resolver's action.
                assert_eq!(action.map(|a| a.0), Some(&b"resolving"[..]));
                checked += 1;
                continue;
            };
            assert_eq!(
                (fast.class, fast.nginx_timer),
                (slow.class, slow.nginx_timer),
                "{} / {:?}",
                crate::text(msg),
                action.map(|a| crate::text(a.0))
            );
            checked += 1;
        }
    }
    assert_eq!(checked, messages.len() * (ACTIONS.len() + 1));
    assert!(classify_common(b"upstream sent invalid header", None).is_none());
}

#[test]
fn rfind_while_finds_the_last_occurrence() {
    assert_eq!(rfind_while(b"a while b while c"), Some(9));
    assert_eq!(rfind_while(b" while "), Some(0));
    assert_eq!(rfind_while(b"while x"), None);
    assert_eq!(rfind_while(b"w w  while"), None);
    assert_eq!(rfind_while(b""), None);
}

#[test]
fn an_unknown_message_in_an_upstream_context_is_a_gateway_error_and_is_marked() {
    let line = b"2024/03/14 09:30:00 [error] 2811#2811: *10500 foo() failed (999: Frobnication failed) while connecting to upstream, client: 203.0.113.7, server: shop.example.com, request: \"GET / HTTP/1.1\", upstream: \"http://10.0.4.21:8080/\", host: \"shop.example.com\"";
    let ev = parse(line).unwrap();
    assert_eq!(ev.class, Class::GatewayError);
    assert!(ev.class.is_upstream_failure());
    assert_eq!(ev.upstream, Some(&b"10.0.4.21:8080"[..]));
    assert_eq!(ev.unrecognized, Some(&b"foo() failed (999: Frobnication failed)"[..]));
    assert_eq!(ev.check_borrows(line), Ok(()));
    // A known message is not marked; a notice the catalog does not know is not either.
    let known = b"2024/03/14 09:30:00 [error] 1#1: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 1.2.3.4, server: a, upstream: \"http://10.0.4.21:8080/\"";
    assert_eq!(parse(known).unwrap().unrecognized, None);
    assert_eq!(
        parse(b"2024/03/14 09:49:08 [notice] 1#1: start worker process 31").unwrap().unrecognized,
        None
    );
    // At `warn` it stays `info`, but is marked.
    let warn = b"2024/03/14 09:30:02 [warn] 1#1: *2 frobnicator is slow while reading response header from upstream, client: 1.2.3.4, server: a, upstream: \"http://10.0.4.21:8080/\"";
    let ev = parse(warn).unwrap();
    assert_eq!((ev.class, ev.unrecognized), (Class::Info, Some(&b"frobnicator is slow"[..])));
}

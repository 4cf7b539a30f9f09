//! Envoy lines among other formats, and properties of the Envoy parser on generated lines:
//! no panic, every field a sub-slice of its line, and the values written read back.

mod common;

use logparse::{Class, Event, Fields, Format, Options, Parser, Value};
use proptest::prelude::*;

/// `testdata/envoy/mixed.log` (Istio sidecar text, Envoy JSON in two spellings, a TCP line,
/// nginx error lines): each line is detected on its own and read as `mixed.expect` says,
/// with no line unparsed.
#[test]
fn a_mixed_input_is_detected_line_by_line() {
    let dir = common::testdata().join("envoy");
    let log = std::fs::read(dir.join("mixed.log")).unwrap();
    let expect = std::fs::read_to_string(dir.join("mixed.expect")).unwrap();
    let expect: Vec<(Format, Class)> = expect
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (f, c) = l.split_once(' ').unwrap();
            (f.parse().unwrap(), c.parse().unwrap())
        })
        .collect();
    let mut p = Parser::new(None, Options::default());
    let got: Vec<(Format, Class)> = logparse::lines::Lines::new(&log)
        .enumerate()
        .map(|(i, line)| {
            let ev = p.parse(line).unwrap_or_else(|e| panic!("line {}: unparsed: {e}", i + 1));
            assert_eq!(logparse::detect::detect_line(line), Some(ev.format), "line {}", i + 1);
            (ev.format, ev.class)
        })
        .collect();
    assert_eq!(got, expect);
}

#[test]
fn a_ten_megabyte_line_is_handled() {
    let parser = Parser::new(Some(Format::Envoy), Options::default());
    let mut text = br#"[2024-06-18T10:19:42.614Z] "GET /"#.to_vec();
    text.resize(10 * 1024 * 1024, b'a');
    text.extend_from_slice(br#" HTTP/1.1" 503 UF - - "-" 0 0 1 - "-" "-" "-" "-" "10.0.0.1:80""#);
    let ev = parser.clone().parse(&text).unwrap();
    assert_eq!(ev.class, Class::ConnectError);
    let mut json = br#"{"response_flags":"UF","user_agent":""#.to_vec();
    json.resize(10 * 1024 * 1024, b'\\');
    json.extend_from_slice(br#"","response_code":503}"#);
    let _ = parser.clone().parse(&json);
    let mut deep = br#"{"response_flags":"UF","x":"#.to_vec();
    deep.resize(10 * 1024 * 1024, b'[');
    assert!(parser.clone().parse(&deep).is_err());
}

/// A value of the line a generated field may hold: printable text, with spaces, quotes,
/// backslashes, braces and non-UTF-8 bytes.
fn text_value() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        prop_oneof![
            8 => b'a'..=b'z',
            2 => b'0'..=b'9',
            1 => Just(b' '),
            1 => Just(b'"'),
            1 => Just(b'\\'),
            1 => Just(b'{'),
            1 => Just(b','),
            1 => Just(b'='),
            1 => Just(0xC3u8),
        ],
        1..24,
    )
}

/// A word without spaces or quotes (addresses, cluster names, flags).
fn word() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        prop_oneof![
            Just(b'a'),
            Just(b'z'),
            Just(b'0'),
            Just(b'9'),
            Just(b'.'),
            Just(b':'),
            Just(b'|')
        ],
        1..20,
    )
}

fn flags() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["-", "UF", "UF,URX", "UH", "UT", "UC", "DC", "NR", "UO", "LR", "URX"])
}

#[derive(Clone, Debug)]
struct Gen {
    code: u16,
    flags: &'static str,
    user_agent: Vec<u8>,
    host: Vec<u8>,
    cluster: Vec<u8>,
}

fn generated() -> impl Strategy<Value = Gen> {
    (0u16..600, flags(), text_value(), word(), word()).prop_map(
        |(code, flags, user_agent, host, cluster)| Gen { code, flags, user_agent, host, cluster },
    )
}

impl Gen {
    /// An Istio text line.
    fn istio(&self) -> Vec<u8> {
        let mut l = format!(
            r#"[2024-06-18T10:19:42.614Z] "GET /p HTTP/1.1" {} {} - - "-" 0 1 2 - "-" ""#,
            self.code, self.flags
        )
        .into_bytes();
        // Envoy does not escape a quote followed by a space; the generated text avoids that
        // one sequence so that the quoted field ends where it was written to end.
        let ua: Vec<u8> =
            self.user_agent.iter().map(|&c| if c == b'"' { b'\'' } else { c }).collect();
        l.extend_from_slice(&ua);
        l.extend_from_slice(br#"" "-" "h" ""#);
        l.extend_from_slice(&self.host);
        l.extend_from_slice(b"\" ");
        l.extend_from_slice(&self.cluster);
        l.extend_from_slice(b" - 10.0.0.1:80 10.0.0.2:5000 - default");
        l
    }

    /// A JSON line; the user agent is escaped as JSON requires.
    fn json(&self) -> (Vec<u8>, Vec<u8>) {
        let mut ua = Vec::new();
        for &c in &self.user_agent {
            if matches!(c, b'"' | b'\\') {
                ua.push(b'\\');
            }
            ua.push(c);
        }
        let mut l = format!(
            r#"{{"response_code":{},"response_flags":"{}","user_agent":""#,
            self.code, self.flags
        )
        .into_bytes();
        l.extend_from_slice(&ua);
        l.extend_from_slice(br#"","upstream_host":""#);
        l.extend_from_slice(&self.host);
        l.extend_from_slice(br#"","upstream_cluster":""#);
        l.extend_from_slice(&self.cluster);
        l.extend_from_slice(br#"","method":"GET","nested":{"a":[1,{"b":"}"}]}}"#);
        (l, ua)
    }
}

fn field<'a>(ev: &Event<'a>, name: &str) -> Option<Value<'a>> {
    let mut got = None;
    ev.fields.visit(&mut |k, v| {
        if k == name {
            got = Some(v);
        }
    });
    got
}

fn borrows(line: &[u8], ev: &Event<'_>) -> Result<(), TestCaseError> {
    let checked = ev.check_borrows(line);
    prop_assert!(checked.is_ok(), "{:?} is not inside the line", checked);
    prop_assert!(matches!(ev.fields, Fields::Envoy(_)));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Every field of an event read from a generated Istio line is a sub-slice of the line,
    /// and the upstream, cluster and user agent read back as written.
    #[test]
    fn istio_text_fields_borrow_from_the_line(g in generated()) {
        let line = g.istio();
        for mut p in [Parser::new(Some(Format::Envoy), Options::default()), Parser::new(None, Options::default())] {
            let ev = p.parse(&line).map_err(|e| TestCaseError::fail(format!("{e}")))?;
            borrows(&line, &ev)?;
            prop_assert_eq!(ev.format, Format::Envoy);
            prop_assert_eq!(ev.upstream, Some(&g.host[..]));
            prop_assert_eq!(field(&ev, "upstream_cluster"), Some(Value::Text(&g.cluster)));
            let ua: Vec<u8> = g.user_agent.iter().map(|&c| if c == b'"' { b'\'' } else { c }).collect();
            prop_assert_eq!(field(&ev, "user_agent"), Some(Value::Text(&ua)));
        }
    }

    /// The same for JSON lines: escaped values are kept as written, inside the line.
    #[test]
    fn json_fields_borrow_from_the_line(g in generated()) {
        let (line, ua) = g.json();
        for mut p in [Parser::new(Some(Format::Envoy), Options::default()), Parser::new(None, Options::default())] {
            let ev = p.parse(&line).map_err(|e| TestCaseError::fail(format!("{e}")))?;
            borrows(&line, &ev)?;
            prop_assert_eq!(ev.upstream, Some(&g.host[..]));
            prop_assert_eq!(field(&ev, "user_agent"), Some(Value::Text(&ua)));
            prop_assert_eq!(ev.status, Some(g.code).filter(|&c| c != 0));
        }
    }

    /// Generated lines cut anywhere or with a byte changed never panic, and what they give
    /// still borrows from them.
    #[test]
    fn damaged_lines_never_panic(g in generated(), at in any::<usize>(), byte in any::<u8>(), json in any::<bool>()) {
        let mut line = if json { g.json().0 } else { g.istio() };
        let at = at % line.len();
        if byte % 2 == 0 { line.truncate(at) } else { line[at] = byte }
        let mut p = Parser::new(Some(Format::Envoy), Options::default());
        if let Ok(ev) = p.parse(&line) {
            borrows(&line, &ev)?;
        }
    }
}

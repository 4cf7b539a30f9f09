//! Properties that hold for every parser on any input: no panic, and every borrowed field of an
//! event lies inside the line it came from.

use logparse::{Event, Format, Options, Parser};
use proptest::prelude::*;

const CORPUS: &str = include_str!("../../../testdata/corpus/real_lines.tsv");

fn real_lines() -> Vec<&'static [u8]> {
    CORPUS.lines().skip(1).filter_map(|l| l.splitn(4, '\t').nth(3)).map(str::as_bytes).collect()
}

fn check_borrows(line: &[u8], ev: &Event<'_>) -> Result<(), TestCaseError> {
    let checked = ev.check_borrows(line);
    prop_assert!(checked.is_ok(), "{:?} is not inside the line", checked);
    Ok(())
}

fn all_parsers() -> Vec<Parser> {
    let mut v: Vec<Parser> =
        Format::ALL.iter().map(|&f| Parser::new(Some(f), Options::default())).collect();
    v.push(Parser::new(None, Options::default()));
    v
}

/// Real lines with a few bytes changed, cut or repeated.
fn mutated_line() -> impl Strategy<Value = Vec<u8>> {
    let lines = real_lines();
    (0..lines.len(), proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..4), 0..6))
        .prop_map(move |(i, edits)| {
            let mut line = lines[i].to_vec();
            for (at, byte, op) in edits {
                if line.is_empty() {
                    break;
                }
                let at = at % line.len();
                match op {
                    0 => line[at] = byte,
                    1 => line.truncate(at),
                    2 => line.insert(at, byte),
                    _ => {
                        let tail = line[at..].to_vec();
                        line.extend_from_slice(&tail);
                    }
                }
            }
            line
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        for mut p in all_parsers() {
            if let Ok(ev) = p.parse(&bytes) {
                check_borrows(&bytes, &ev)?;
            }
        }
    }

    #[test]
    fn mutated_real_lines_never_panic(line in mutated_line()) {
        for mut p in all_parsers() {
            if let Ok(ev) = p.parse(&line) {
                check_borrows(&line, &ev)?;
            }
        }
    }

    #[test]
    fn printable_noise_with_nginx_keywords_never_panics(
        parts in proptest::collection::vec(prop_oneof![
            Just(&b"2024/01/02 03:04:05 "[..]), Just(&b"[error] "[..]), Just(&b"12#34: "[..]),
            Just(&b"*5 "[..]), Just(&b" while "[..]), Just(&b", client: "[..]), Just(&b", server: "[..]),
            Just(&b", upstream: \""[..]), Just(&b"\""[..]), Just(&b"unix:"[..]), Just(&b"://"[..]),
            Just(&b"connect() to "[..]), Just(&b" failed ("[..]), Just(&b"111: "[..]), Just(&b"["[..]),
            Just(&b"]"[..]), Just(&b"connecting to upstream"[..]), Just(&b"FastCGI sent in stderr: \""[..]),
            Just(&b", host: \""[..]), Just(&b"("[..]), Just(&b":"[..]), Just(&b" "[..]),
        ], 0..24)
    ) {
        let line: Vec<u8> = parts.concat();
        for mut p in all_parsers() {
            if let Ok(ev) = p.parse(&line) {
                check_borrows(&line, &ev)?;
            }
        }
    }
}

#[test]
fn a_ten_megabyte_line_is_handled() {
    let mut line = b"2024/01/02 03:04:05 [error] 1#1: *1 FastCGI sent in stderr: \"".to_vec();
    line.resize(10 * 1024 * 1024, b'A');
    for mut p in all_parsers() {
        let _ = p.parse(&line);
    }
    let ev = Parser::new(Some(Format::NginxError), Options::default()).parse(&line).unwrap();
    assert_eq!(ev.class, logparse::Class::AppStderr);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Pieces of Traefik's and Caddy's lines (JSON keys, logrus and zerolog headers, Go error
    /// texts) in any order: every field of an event borrows from the line, and nothing panics.
    #[test]
    fn traefik_and_caddy_pieces_borrow_from_the_line(
        parts in proptest::collection::vec(prop_oneof![
            Just(&b"{"[..]), Just(&b"}"[..]), Just(&b"["[..]), Just(&b"]"[..]), Just(&b","[..]),
            Just(&b"\""[..]), Just(&b"\\"[..]), Just(&b":"[..]), Just(&b" "[..]), Just(&b"502"[..]),
            Just(&b"\"DownstreamStatus\":"[..]), Just(&b"\"OriginStatus\":"[..]),
            Just(&b"\"ServiceURL\":\"http://10.0.0.5:80\""[..]), Just(&b"\"RouterName\":"[..]),
            Just(&b"\"StartUTC\":\"2024-03-14T09:26:53Z\""[..]), Just(&b"\"logger\":\"http.log.error\""[..]),
            Just(&b"\"ts\":1710408413.5"[..]), Just(&b"\"msg\":\""[..]), Just(&b"\"request\":"[..]),
            Just(&b"\"level\":\"debug\""[..]), Just(&b"\"error\":\""[..]), Just(&b"\"message\":\"504 x"[..]),
            Just(&b"time=\"2024-03-14T09:26:53Z\" "[..]), Just(&b"level=debug "[..]), Just(&b"msg=\""[..]),
            Just(&b"'502 Bad Gateway' caused by: "[..]), Just(&b"dial tcp "[..]), Just(&b"dial unix "[..]),
            Just(&b"10.0.0.5:80"[..]), Just(&b": connect: connection refused"[..]), Just(&b"->"[..]),
            Just(&b"Round trip: "[..]), Just(&b", code: "[..]), Just(&b"2024-05-01T10:00:00Z DBG "[..]),
            Just(&b" > "[..]), Just(&b" error="[..]), Just(&b"10.0.0.2 - - [14/Mar/2024:09:26:53 +0000] \""[..]),
            Just(&b"0ms"[..]), Just(&b"29/Jan/2016:15:18:59 +0100 [ERROR 502 /x] "[..]), Just(&b"EOF"[..]),
        ], 0..24)
    ) {
        let line: Vec<u8> = parts.concat();
        for format in [Some(Format::Traefik), Some(Format::Caddy), None] {
            if let Ok(ev) = Parser::new(format, Options::default()).parse(&line) {
                check_borrows(&line, &ev)?;
            }
        }
        for parse in [logparse::traefik::parse, logparse::caddy::parse] {
            if let Ok(ev) = parse(&line) {
                check_borrows(&line, &ev)?;
            }
        }
    }
}

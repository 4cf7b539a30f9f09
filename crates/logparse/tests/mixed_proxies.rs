//! `testdata/mixed/traefik-caddy.log`: Traefik, Caddy and nginx lines in one input, each
//! detected as its own format, none unparsed; the unexplained 502s pair with their causes.

mod common;

use logparse::lines::Lines;
use logparse::pair::{self, Pairs};
use logparse::{Class, Format, Options, Parser, detect};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(common::testdata().join("mixed").join(name)).unwrap()
}

#[test]
fn every_line_is_detected_as_its_format_and_parsed() {
    let log = fixture("traefik-caddy.log");
    let formats = String::from_utf8(fixture("traefik-caddy.formats")).unwrap();
    let want: Vec<Format> = formats.lines().map(|f| f.parse().unwrap()).collect();
    let lines: Vec<&[u8]> = Lines::new(&log).collect();
    assert_eq!(lines.len(), want.len(), "one format per line");
    let mut parser = Parser::new(None, Options::default());
    for (i, (line, want)) in lines.iter().zip(&want).enumerate() {
        assert_eq!(detect::detect_line(line), Some(*want), "line {}", i + 1);
        let ev = parser.parse(line).unwrap_or_else(|e| panic!("line {}: {e}", i + 1));
        assert_eq!(ev.format, *want, "line {}", i + 1);
        assert_eq!(ev.check_borrows(line), Ok(()), "line {}", i + 1);
    }
    for f in [Format::Traefik, Format::Caddy, Format::NginxError] {
        assert!(want.contains(&f), "the fixture has {f} lines");
    }
}

/// The classes of the lines after pairing, read as one input or cut in two at every line
/// (two parts paired apart, then merged): the same in every case.
#[test]
fn unexplained_502s_take_their_causes_class_however_the_input_is_cut() {
    let log = fixture("traefik-caddy.log");
    let lines: Vec<&[u8]> = Lines::new(&log).collect();
    let classes = |range: std::ops::Range<usize>, pairs: &mut Pairs<usize>| {
        let mut parser = Parser::new(None, Options::default());
        let mut out: Vec<(usize, Class)> = Vec::new();
        for i in range {
            let ev = parser.parse(lines[i]).unwrap();
            let mut class = ev.class;
            if let Some((key, role)) = pair::role_of(&ev) {
                match pairs.push(key, role, i) {
                    Err(c) => class = c.class,
                    Ok(Some((j, c))) => out.iter_mut().find(|(k, _)| *k == j).unwrap().1 = c.class,
                    Ok(None) => {}
                }
            }
            out.push((i, class));
        }
        out
    };
    let mut whole = Pairs::default();
    let one = classes(0..lines.len(), &mut whole);
    let responses_of = |v: &[(usize, Class)]| -> Vec<Class> {
        v.iter().filter(|(i, _)| matches!(*i, 5 | 6 | 9 | 10)).map(|(_, c)| *c).collect()
    };
    // Lines 6 and 7 (0-based 5 and 6: Traefik's CLF and JSON 502s) take their debug lines'
    // `connection refused`; line 10 (Caddy's access 502) its error line's `i/o timeout`;
    // line 11 (a Traefik 504 without a debug line) stays unexplained.
    assert_eq!(
        responses_of(&one),
        [Class::ConnectRefused, Class::ConnectRefused, Class::ConnectTimeout, Class::GatewayError]
    );
    for cut in 1..lines.len() {
        let mut a = Pairs::default();
        let mut b = Pairs::default();
        let mut first = classes(0..cut, &mut a);
        let mut second = classes(cut..lines.len(), &mut b);
        for (i, c) in a.merge(b) {
            let slot = first.iter_mut().chain(second.iter_mut()).find(|(k, _)| *k == i).unwrap();
            slot.1 = c.class;
        }
        first.append(&mut second);
        assert_eq!(first, one, "cut before line {}", cut + 1);
    }
}

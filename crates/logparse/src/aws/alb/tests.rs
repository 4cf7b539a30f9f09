use super::*;
use crate::aws::tests::{assert_inside, mutate};
use crate::value::Value;
use proptest::prelude::*;

const DOC_HTTPS: &[u8] = b"https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 \"GET https://www.example.com:443/ HTTP/1.1\" \"curl/7.46.0\" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 \"Root=1-58337281-1d84f3d73c47ec4e58577259\" \"www.example.com\" \"arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012\" 1 2018-07-02T22:22:48.364000Z \"authenticate,forward\" \"-\" \"-\" 10.0.0.1:80 200 \"-\" \"-\"";

#[test]
fn has_action_matches_whole_items() {
    let ev = parse(DOC_HTTPS).unwrap();
    let EventFields::Alb(f) = &ev.fields else { panic!("not ALB fields: {:?}", ev.fields) };
    assert_eq!(f.actions_executed, Some(&b"authenticate,forward"[..]));
    assert!(f.has_action(b"forward") && !f.has_action(b"auth"));
}

#[test]
fn sibling_logs_are_skipped() {
    let cases: [(&[u8], &str); 3] = [
        (b"2024-06-11T09:15:02.470129Z 203.0.113.24 51234 443 TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 4 \"-\" - - Success TID_4f6c2b9a0e1d47c8a3b5e7f901234567", "alb connection log"),
        (b"tls 2.0 2018-12-20T02:59:40 net/my-network-loadbalancer/c6e77e28c25b2234 g3d4b5e8bb8464cd 72.21.218.154:51341 172.100.100.185:443 5 2 98 246 - arn:aws:acm:x - ECDHE-RSA-AES128-SHA tlsv12 - my-nlb.elb.amazonaws.com - - - 2018-12-20T02:59:30", "nlb access log"),
        (b"http 2025-11-21T10:00:04.512000Z 10.0.3.17:8080 tg-6d0ecf831eec9f09 unhealthy 5002 Target.Timeout", "alb health check log"),
    ];
    for (line, what) in cases {
        let e = parse(line).unwrap_err();
        assert_eq!(e.kind, ParseErrorKind::Skipped(what), "{}", crate::text(line));
        assert_eq!(e.format, Some(Format::Alb));
    }
}

#[test]
fn errors_name_the_field_and_offset() {
    let line = b"https 2018-07-02T22:23:00Z app/a/b 1.2.3.4:5 - 0.001 fast 0.000 200 200";
    let e = parse(line).unwrap_err();
    assert_eq!(e.kind, ParseErrorKind::InvalidField("target_processing_time"));
    assert_eq!(e.offset, line.iter().position(|&c| c == b'f').unwrap());
    let e = parse(b"https 2018-07-02T22:23:00Z app/a/b 1.2.3.4:5 - 0.001 0.002").unwrap_err();
    assert_eq!(e.kind, ParseErrorKind::MissingField("response_processing_time"));
    let e = parse(b"https 2018-02-30T22:23:00Z app/a/b 1.2.3.4:5 - 0 0 0 200 200").unwrap_err();
    assert_eq!((e.kind, e.offset), (ParseErrorKind::InvalidField("time"), 6));
    let e = parse(b"https 2018-07-02T22:23:00Z app/a/b 1.2.3.4:5 - 0 0 0 2000 200").unwrap_err();
    assert_eq!(e.kind, ParseErrorKind::InvalidField("elb_status_code"));
    assert_eq!(parse(b"  \r\n").unwrap_err().kind, ParseErrorKind::Empty);
    for other in [
        &b"2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000086 0.001048 0.001337 200 200 0 57 \"GET / HTTP/1.1\" \"curl\" - -"[..],
        b"2024/11/03 06:09:29 [error] 1#1: *1 no live upstreams",
        b"GET / HTTP/1.1",
    ] {
        assert_eq!(parse(other).unwrap_err().kind, ParseErrorKind::NotRecognized);
    }
}

#[test]
fn visit_lists_present_fields_in_order() {
    let ev =
        parse(b"https 2018-07-02T22:23:00Z app/a/b 1.2.3.4:5 - -1 -1 -1 503 - 0 1 \"- - -\" \"-\"")
            .unwrap();
    let mut seen = Vec::new();
    ev.fields.visit(&mut |k, v| seen.push((k, v)));
    assert_eq!(
        seen,
        [
            ("type", Value::Text(b"https")),
            ("client_ip", Value::Text(b"1.2.3.4")),
            ("client_port", Value::Uint(5)),
            // `-1` processing times were not measured: no durations.
            ("received_bytes", Value::Uint(0)),
            ("sent_bytes", Value::Uint(1)),
            ("rule", Value::Label("D1")),
        ]
    );
}

#[test]
fn parser_dispatches_alb_in_fixed_and_detected_mode() {
    for format in [Some(Format::Alb), None] {
        let mut p = crate::Parser::new(format, crate::Options::default());
        assert_eq!(p.parse(DOC_HTTPS).unwrap().format, Format::Alb);
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(line in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(ev) = parse(&line) {
            assert_inside(&ev, &line);
        }
    }

    #[test]
    fn mutated_real_lines_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
        which in 0usize..3,
    ) {
        let base: [&[u8]; 3] = [
            DOC_HTTPS,
            b"h2 2023-03-08T12:05:52.352228Z app/x/y 1.2.3.4:12653 10.0.8.248:31130 -1 -1 -1 504 - 49 202 \"GET https://a.example:443/ HTTP/2.0\" \"curl/7.86.0\" - - arn:aws:elasticloadbalancing:r:1:targetgroup/tg/1 \"Root=1\" \"a.example\" \"-\" 2 2023-03-08T12:05:42.351000Z \"forward\" \"-\" \"-\" \"10.0.8.248:31130\" \"-\" \"-\" \"-\" TID_1 \"-\" \"-\" \"-\" extra",
            b"http 2022-05-12T06:41:29.051646Z app/a/b 75.100.154.140:41542 - -1 -1 -1 301 - 233 390 \"GET http://127.0.0.1:80/s?a b HTTP/1.1\" \"Hello, world\" - - - \"Root=1\" \"-\" \"-\" 0 2022-05-12T06:41:29.051000Z \"redirect\" \"https://x/\" \"-\" \"-\" \"-\" \"Acceptable\" \"SpaceInUri\"",
        ];
        let line = mutate(base[which], &edits);
        if let Ok(ev) = parse(&line) {
            assert_inside(&ev, &line);
        }
    }
}

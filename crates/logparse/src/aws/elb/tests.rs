use super::*;
use crate::aws::tests::{assert_inside, mutate};
use proptest::prelude::*;

const DOC_HTTPS: &[u8] = b"2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000086 0.001048 0.001337 200 200 0 57 \"GET https://www.example.com:443/ HTTP/1.1\" \"curl/7.38.0\" DHE-RSA-AES128-SHA TLSv1.2";

#[test]
fn errors_and_siblings() {
    let e = parse(b"2015-05-13T23:39:43.945958Z lb 1.2.3.4:5 - 0.1 x 0.1 200 200").unwrap_err();
    assert_eq!(e.kind, ParseErrorKind::InvalidField("backend_processing_time"));
    assert_eq!(e.offset, 47);
    let e = parse(b"2015-05-13T23:39:43.945958Z lb 1.2.3.4:5 - 0.1 0.1 0.1").unwrap_err();
    assert_eq!(e.kind, ParseErrorKind::MissingField("elb_status_code"));
    // A line without client and backend would shift every field: it is rejected, not misread.
    let e =
        parse(b"2024-06-11T09:15:02.481915Z shop -1 -1 -1 503 0 0 0 \"GET / HTTP/1.1\" \"ua\" - -")
            .unwrap_err();
    assert_eq!((e.kind, e.offset), (ParseErrorKind::InvalidField("client:port"), 33));
    let e = parse(b"2015-13-13T23:39:43.945958Z lb 1.2.3.4:5 - 0.1 0.1 0.1 200 200").unwrap_err();
    assert_eq!((e.kind, e.offset), (ParseErrorKind::InvalidField("timestamp"), 0));
    let e = parse(b"2024-06-11T09:15:02.470129Z 203.0.113.24 51234 443 TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 4 \"-\" - - Success TID_4f").unwrap_err();
    assert_eq!(e.kind, ParseErrorKind::Skipped("alb connection log"));
    for other in [
        &b"https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 \"GET / HTTP/1.1\" \"c\" - -"[..],
        b"2024/11/03 06:09:29 [error] 1#1: *1 no live upstreams",
        b"\xff\xfe",
    ] {
        assert_eq!(parse(other).unwrap_err().kind, ParseErrorKind::NotRecognized);
    }
    assert_eq!(parse(b"\n").unwrap_err().kind, ParseErrorKind::Empty);
}

#[test]
fn parser_dispatches_elb_in_fixed_and_detected_mode() {
    for format in [Some(Format::Elb), None] {
        let mut p = crate::Parser::new(format, crate::Options::default());
        assert_eq!(p.parse(DOC_HTTPS).unwrap().format, Format::Elb);
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(line in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(ev) = parse(&line) {
            assert_inside(&ev, &line);
        }
    }

    #[test]
    fn mutated_real_lines_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
        which in 0usize..2,
    ) {
        let base: [&[u8]; 2] = [
            DOC_HTTPS,
            b"2017-11-22T16:33:26.751965Z ELB 46.133.22.112:50991 192.168.1.48:443 0.00073 0.000009 0.000013 - - 255 2933 \"- - - \" \"-\" - -",
        ];
        let line = mutate(base[which], &edits);
        if let Ok(ev) = parse(&line) {
            assert_inside(&ev, &line);
        }
    }
}

use super::*;
use crate::aws::tests::{assert_inside, mutate};
use proptest::prelude::*;

/// One test per line: `name, line, |event, fields| assertions`.
macro_rules! elb {
    ($($name:ident, $line:expr, |$ev:ident, $f:ident| $body:block)*) => {
        $(
            #[test]
            fn $name() {
                let line: &[u8] = $line;
                let $ev = parse(line).unwrap_or_else(|e| panic!("{e}: {}", crate::text(line)));
                assert_inside(&$ev, line);
                let $f = ef(&$ev);
                $body
            }
        )*
    };
}

fn ef<'a>(ev: &'a Event<'_>) -> &'a Fields<'a> {
    match &ev.fields {
        EventFields::Elb(f) => f,
        other => panic!("not ELB fields: {other:?}"),
    }
}

const DOC_HTTPS: &[u8] = b"2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000086 0.001048 0.001337 200 200 0 57 \"GET https://www.example.com:443/ HTTP/1.1\" \"curl/7.38.0\" DHE-RSA-AES128-SHA TLSv1.2";

elb! {
    doc_https_entry_maps_every_event_field,
    DOC_HTTPS,
    |ev, f| {
        assert_eq!(ev.format, Format::Elb);
        assert_eq!(ev.class, Class::Ok);
        assert_eq!(ev.time.unwrap().to_string(), "2015-05-13T23:39:43.945958Z");
        assert_eq!(ev.status, Some(200));
        assert_eq!(ev.upstream, Some(&b"10.0.0.1:80"[..]));
        assert_eq!(ev.upstream_group, None);
        assert_eq!(ev.server, Some(&b"my-loadbalancer"[..]));
        assert_eq!(ev.client, Some(&b"192.168.131.39:2817"[..]));
        assert_eq!(ev.request, Some(&b"GET https://www.example.com:443/ HTTP/1.1"[..]));
        assert_eq!(ev.host, Some(&b"www.example.com"[..]));
        assert_eq!((f.backend_ip, f.backend_port), (Some(&b"10.0.0.1"[..]), Some(80)));
        assert_eq!(f.request_processing_time, Some(Timing::Micros(86)));
        assert_eq!(f.backend_processing_time, Some(Timing::Micros(1_048)));
        assert_eq!(f.response_processing_time, Some(Timing::Micros(1_337)));
        assert_eq!(f.backend_status_code, Some(200));
        assert_eq!((f.received_bytes, f.sent_bytes), (Some(0), Some(57)));
        assert_eq!(f.user_agent, Some(&b"curl/7.38.0"[..]));
        assert_eq!(f.ssl_cipher, Some(&b"DHE-RSA-AES128-SHA"[..]));
        assert_eq!(f.ssl_protocol, Some(&b"TLSv1.2"[..]));
        assert!(!f.tcp && !f.truncated);
        assert_eq!(f.field_count, 15);
        assert_eq!(f.rule, "L3");
    }

    tcp_listener_has_no_status_and_no_request,
    b"2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.001069 0.000028 0.000041 - - 82 305 \"- - - \" \"-\" - -",
    |ev, f| {
        assert_eq!(ev.class, Class::Ok);
        assert_eq!(ev.status, None);
        assert_eq!(ev.request, None);
        assert_eq!(ev.host, None);
        assert_eq!(f.backend_status_code, None);
        assert_eq!(f.user_agent, None);
        assert!(f.tcp);
        assert_eq!(f.rule, "L1");
    }

    lb_504_without_backend_is_the_closed_connection,
    b"2020-08-21T12:22:30.612524Z awseb-e-w-AWSEBLoa-RI9LF5IRC7HI 10.0.6.24:59036 - -1 -1 -1 504 0 0 0 \"GET http://book.example:80/_next/static/chunks/c04d.js HTTP/1.0\" \"Mozilla/5.0 (iPhone)\" - -",
    |ev, f| {
        assert_eq!(ev.class, Class::PrematurelyClosed);
        assert_eq!(ev.phase, Phase::None);
        assert_eq!(ev.upstream, None);
        assert_eq!(f.backend_status_code, Some(0));
        assert_eq!(f.request_processing_time, Some(Timing::Failed));
        assert_eq!(f.rule, "L7");
    }

    lb_504_with_backend_is_the_idle_timeout,
    b"2020-08-21T12:22:30.612524Z web 10.0.6.24:59036 10.0.1.5:80 0.000035 -1 -1 504 0 120 0 \"POST http://web.example:80/report HTTP/1.1\" \"ua\" - -",
    |ev, f| {
        assert_eq!(ev.class, Class::ResponseTimeout);
        assert_eq!(ev.phase, Phase::Header);
        assert_eq!(f.rule, "L8");
    }

    backend_503_is_upstream_5xx,
    b"2017-06-26T08:38:27.991796Z xxxxxxx 172.27.19.150:43326 172.27.19.217:80 0.00008 0.000626 0.000057 503 503 566 326 \"POST http://internal-xxx.example:80/api/v1/hoge HTTP/1.0\" \"Xxxx/1.0.4 (iPad; iOS 10.3.2; Scale/2.00)\" - -",
    |ev, f| {
        assert_eq!(ev.class, Class::Upstream5xx);
        assert_eq!(f.user_agent, Some(&b"Xxxx/1.0.4 (iPad; iOS 10.3.2; Scale/2.00)"[..]));
        assert_eq!(f.rule, "L2");
    }

    no_healthy_instance_full_line,
    b"2024-06-11T09:15:02.481915Z shop 203.0.113.9:5123 - -1 -1 -1 503 0 0 0 \"GET http://shop.example:80/ HTTP/1.1\" \"ua\" - -",
    |ev, f| {
        assert_eq!(ev.class, Class::NoLiveUpstreams);
        assert_eq!(ev.phase, Phase::Connect);
        assert_eq!(f.rule, "L6");
    }

    client_408_is_client_abort,
    b"2024-06-11T09:15:02.481915Z shop 203.0.113.9:5123 - -1 -1 -1 408 0 0 0 \"POST http://shop.example:80/upload HTTP/1.1\" \"ua\" - -",
    |ev, f| {
        assert_eq!(ev.class, Class::ClientAbort);
        assert_eq!(f.rule, "L4");
    }

    ipv6_client_and_trailing_field,
    b"2024-06-11T09:15:02.481915Z shop 2001:db8::24:51234 10.0.1.52:80 0.000086 0.001048 0.000037 200 200 0 1830 \"GET https://shop.example:443/ HTTP/1.1\" \"ua\" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 extra-field",
    |ev, f| {
        assert_eq!(f.client_ip, Some(&b"2001:db8::24"[..]));
        assert_eq!(f.client_port, Some(51234));
        assert_eq!(f.trailing, b"extra-field");
        assert_eq!(ev.class, Class::Ok);
    }
}

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

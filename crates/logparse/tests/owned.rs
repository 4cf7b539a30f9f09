//! `OwnedEvent`: every event of the fixtures converts with a copy of every field, and (with the
//! `serde` feature) reads back from JSON as it was written.

mod common;

use common::{Case, load};
use logparse::{Event, Format, OwnedEvent, OwnedValue};

/// Every fixture case of every format, with its setup.
fn all_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for dir in ["nginx-error", "nginx-access", "haproxy", "alb", "elb"] {
        cases.extend(load::cases_toml(&format!("{dir}/cases.toml")));
    }
    for (_, c) in load::nginx_error_logs()
        .into_iter()
        .chain(load::nginx_access_logs())
        .chain(load::haproxy_logs())
    {
        cases.extend(c);
    }
    cases.extend(load::aws_classes("alb", Format::Alb));
    cases.extend(load::aws_classes("elb", Format::Elb));
    for (label, format) in [
        ("nginx-error", Format::NginxError),
        ("haproxy", Format::Haproxy),
        ("alb", Format::Alb),
        ("elb", Format::Elb),
    ] {
        cases.extend(load::corpus_cases(label, format));
    }
    cases
}

/// Calls `f` with the event of every case whose line is one (each parsed on its own).
fn for_each_event(mut f: impl FnMut(&Case, Event<'_>)) -> usize {
    let mut events = 0;
    for case in all_cases() {
        if let Ok(ev) = case.setup.parser().parse(&case.line) {
            events += 1;
            f(&case, ev);
        }
    }
    assert!(events > 500, "only {events} fixture events");
    events
}

#[test]
fn every_field_of_every_fixture_event_is_copied() {
    for_each_event(|case, ev| {
        let owned = ev.to_owned();
        let at = &case.at;
        assert_eq!(owned, OwnedEvent::from(ev.clone()), "{at}");
        assert_eq!(
            (owned.format, owned.time, owned.class, owned.phase, owned.level, owned.status),
            (ev.format, ev.time, ev.class, ev.phase, ev.level, ev.status),
            "{at}"
        );
        let texts = [
            (owned.upstream.as_deref(), ev.upstream),
            (owned.upstream_group.as_deref(), ev.upstream_group),
            (owned.client.as_deref(), ev.client),
            (owned.server.as_deref(), ev.server),
            (owned.host.as_deref(), ev.host),
            (owned.request.as_deref(), ev.request),
            (Some(&*owned.message), Some(ev.message)),
            (Some(&*owned.raw), Some(ev.raw)),
        ];
        for (i, (got, want)) in texts.into_iter().enumerate() {
            assert_eq!(got, want, "{at}: text field {i}");
        }
        assert_eq!(owned.upstream_key(), ev.upstream_key(), "{at}");
        let mut visited = Vec::new();
        ev.fields.visit(&mut |k, v| visited.push((k, OwnedValue::from(&v))));
        let names: Vec<&str> = owned.fields.iter().map(|(k, _)| &**k).collect();
        let want: Vec<&str> = visited.iter().map(|(k, _)| *k).collect();
        assert_eq!(names, want, "{at}: field names and order");
        for (k, v) in &visited {
            assert_eq!(owned.field(k), Some(v), "{at}: field {k}");
        }
    });
}

#[test]
fn an_owned_event_outlives_its_line() {
    let line = b"10.1.0.5 - - [27/Oct/2023:11:37:31 +0000] \"GET /i HTTP/1.1\" 502 157 \"-\" \"curl\" \"-\" rt=0.015 ua=\"10.0.0.5:8080, 10.0.0.6:8080\" us=\"502, 502\" ut=\"0.000, 0.014\" uct=\"-, 0.001\" uht=\"-, -\"".to_vec();
    let owned = logparse::nginx::access::parse(&line).unwrap().to_owned();
    drop(line);
    assert_eq!(owned.upstream.as_deref(), Some(&b"10.0.0.6:8080"[..]));
    assert_eq!(
        owned.field("upstream_status"),
        Some(&OwnedValue::List(vec![Some(OwnedValue::Uint(502)), Some(OwnedValue::Uint(502))]))
    );
    assert_eq!(
        owned.field("upstream_connect_time"),
        Some(&OwnedValue::List(vec![None, Some(OwnedValue::Float(0.001))]))
    );
    assert_eq!(owned.field("no_such_field"), None);
}

#[cfg(feature = "serde")]
mod serde_round_trip {
    use super::*;
    use logparse::{Class, Level, Phase, Timestamp};
    use serde::de::DeserializeOwned;

    fn round_trip<T: serde::Serialize + DeserializeOwned>(v: &T) -> T {
        let json = serde_json::to_string(v).unwrap();
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"))
    }

    #[test]
    fn every_fixture_event_reads_back_from_json() {
        for_each_event(|case, ev| {
            let owned = ev.to_owned();
            assert_eq!(round_trip(&owned), owned, "{}", case.at);
        });
    }

    #[test]
    fn json_shape_of_an_elb_event() {
        let line = b"2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000086 0.001048 -1 504 0 0 57 \"GET https://www.example.com:443/ HTTP/1.1\" \"curl/7.38.0\" - -";
        let owned = logparse::aws::elb::parse(line).unwrap().to_owned();
        let json = serde_json::to_value(&owned).unwrap();
        let want = serde_json::json!({
            "format": "elb",
            "time": "2015-05-13T23:39:43.945958Z",
            "class": "response_timeout",
            "phase": "header",
            "level": null,
            "status": 504,
            "upstream": "10.0.0.1:80",
            "upstream_group": null,
            "client": "192.168.131.39:2817",
            "server": "my-loadbalancer",
            "host": "www.example.com",
            "request": "GET https://www.example.com:443/ HTTP/1.1",
            "message": "",
            "raw": std::str::from_utf8(line).unwrap(),
            "fields": {
                "client_ip": {"text": "192.168.131.39"},
                "client_port": {"uint": 2817},
                "backend_ip": {"text": "10.0.0.1"},
                "backend_port": {"uint": 80},
                "request_processing_time": {"float": 0.000086},
                "backend_processing_time": {"float": 0.001048},
                "backend_status_code": {"uint": 0},
                "received_bytes": {"uint": 0},
                "sent_bytes": {"uint": 57},
                "user_agent": {"text": "curl/7.38.0"},
                "rule": {"label": "L8"},
            },
        });
        assert_eq!(json, want);
        // The keys of `fields` keep the order `visit` gives them.
        let text = serde_json::to_string(&owned).unwrap();
        let order: Vec<usize> = ["\"client_ip\"", "\"backend_port\"", "\"user_agent\"", "\"rule\""]
            .iter()
            .map(|k| text.find(k).unwrap())
            .collect();
        assert!(order.is_sorted(), "{text}");
    }

    #[test]
    fn text_that_is_not_utf8_is_written_as_bytes_and_reads_back() {
        let line = b"2024/03/14 09:26:53 [error] 7#7: *1 upstream prematurely closed connection while reading response header from upstream, client: 10.0.0.1, server: a, request: \"GET /\xff\xfe HTTP/1.1\", upstream: \"http://10.0.4.21:8080/\"";
        let owned = logparse::nginx::error::parse(line).unwrap().to_owned();
        let json = serde_json::to_value(&owned).unwrap();
        let bytes: Vec<serde_json::Value> =
            b"GET /\xff\xfe HTTP/1.1".iter().map(|&b| b.into()).collect();
        assert_eq!(json["request"], serde_json::Value::Array(bytes));
        assert_eq!(json["upstream"], "10.0.4.21:8080");
        assert_eq!(round_trip(&owned), owned);
    }

    #[test]
    fn small_types_use_their_stable_names() {
        for c in Class::ALL {
            assert_eq!(serde_json::to_string(&c).unwrap(), format!("\"{}\"", c.as_str()));
            assert_eq!(round_trip(&c), c);
        }
        for f in Format::ALL {
            assert_eq!(serde_json::to_string(&f).unwrap(), format!("\"{}\"", f.as_str()));
            assert_eq!(round_trip(&f), f);
        }
        let phases = [
            Phase::Connect,
            Phase::Send,
            Phase::Header,
            Phase::Body,
            Phase::Queue,
            Phase::Health,
            Phase::None,
        ];
        for p in phases {
            assert_eq!(serde_json::to_string(&p).unwrap(), format!("\"{}\"", p.as_str()));
            assert_eq!(round_trip(&p), p);
        }
        for l in [Level::Emerg, Level::Alert, Level::Crit, Level::Error, Level::Warn] {
            assert_eq!(serde_json::to_string(&l).unwrap(), format!("\"{}\"", l.as_str()));
            assert_eq!(round_trip(&l), l);
        }
        for l in [Level::Notice, Level::Info, Level::Debug] {
            assert_eq!(round_trip(&l), l);
        }
        let err = serde_json::from_str::<Class>("\"refused\"").unwrap_err().to_string();
        assert!(err.contains("unknown class \"refused\""), "{err}");
        assert!(serde_json::from_str::<Phase>("\"Connect\"").is_err());
        assert!(serde_json::from_str::<Level>("\"warning\"").is_err());
        assert!(serde_json::from_str::<Format>("\"nginx\"").is_err());
    }

    #[test]
    fn timestamps_are_rfc3339_text_in_utc() {
        for (micros, text) in [
            (0, "1970-01-01T00:00:00Z"),
            (1_710_408_413_000_000, "2024-03-14T09:26:53Z"),
            (1_710_408_413_120_000, "2024-03-14T09:26:53.120000Z"),
            (951_782_400_000_001, "2000-02-29T00:00:00.000001Z"),
        ] {
            let t = Timestamp::from_unix_micros(micros);
            assert_eq!(serde_json::to_string(&t).unwrap(), format!("\"{text}\""));
            assert_eq!(round_trip(&t), t);
        }
        let t: Timestamp = serde_json::from_str("\"2024-03-14T09:26:53.12Z\"").unwrap();
        assert_eq!(t.unix_micros(), 1_710_408_413_120_000);
        for bad in [
            "2024-03-14 09:26:53Z",
            "2024-03-14T09:26:53",
            "2024-03-14T09:26:53+01:00",
            "2024-02-30T09:26:53Z",
            "2024-03-14T09:26:53.Z",
            "2024-03-14T09:26:53.1234567Z",
            "2024-3-14T09:26:53Z",
            "",
        ] {
            let json = format!("\"{bad}\"");
            assert!(serde_json::from_str::<Timestamp>(&json).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn missing_optional_fields_read_as_none() {
        let json = r#"{"format":"alb","time":null,"class":"ok","phase":"none","status":200,
            "message":"","raw":"x","fields":{}}"#;
        let ev: OwnedEvent = serde_json::from_str(json).unwrap();
        assert_eq!((ev.format, ev.class, ev.status), (Format::Alb, Class::Ok, Some(200)));
        assert_eq!((ev.level, ev.upstream, ev.host), (None, None, None));
        assert!(ev.fields.is_empty());
    }
}

//! Every fixture line gives the event its file says, for every format: the cases of
//! `testdata/<format>/cases.toml` (the fixture format, described in `testdata/README.md`) and
//! the annotated log collections beside them, all through the one checker of `common`.

mod common;

use common::{check, check_in_order, load};
use logparse::Format;

#[test]
fn nginx_error_cases() {
    check(&load::cases_toml("nginx-error/cases.toml"));
}

/// `testdata/nginx-error/<class>.log`, each file read in order as one input.
#[test]
fn nginx_error_logs_have_their_file_class() {
    let mut events = 0;
    for (name, cases) in load::nginx_error_logs() {
        let report = check_in_order(&cases);
        if name != "unparsed.log" {
            assert!(report.events > 0, "nginx-error/{name}: no events");
        }
        events += report.events;
    }
    assert!(events >= 140, "only {events} events in the nginx-error logs");
}

#[test]
fn nginx_access_cases() {
    check(&load::cases_toml("nginx-access/cases.toml"));
}

/// `testdata/nginx-access/<name>.log` with its `log_format` and its `.classes` file.
#[test]
fn nginx_access_logs_have_their_classes() {
    let mut checked = 0;
    for (_, cases) in load::nginx_access_logs() {
        checked += check_in_order(&cases).cases;
    }
    assert!(checked >= 50, "only {checked} nginx-access log lines");
}

#[test]
fn haproxy_cases() {
    check(&load::cases_toml("haproxy/cases.toml"));
}

/// `testdata/haproxy/*.log`, each file read in order as one input, by their `# expect:`
/// comments.
#[test]
fn haproxy_logs_have_their_annotated_classes() {
    let mut checked = 0;
    for (_, cases) in load::haproxy_logs() {
        checked += check_in_order(&cases).cases;
    }
    assert!(checked > 100, "only {checked} haproxy log lines");
}

#[test]
fn ingress_controller_cases() {
    check(&load::cases_toml("ingress-controller/cases.toml"));
}

#[test]
fn alb_cases() {
    check(&load::cases_toml("alb/cases.toml"));
}

/// `testdata/alb/classes.log`; between them its lines trigger every rule of the table in
/// `aws::alb`, so that a rule cannot lose its last fixture unnoticed.
#[test]
fn alb_classes_have_their_class_and_cover_every_rule() {
    let report = check(&load::aws_classes("alb", Format::Alb));
    assert!(report.cases > 10, "too few ALB rows");
    let all = [
        "A1", "A2", "A3", "A4", "A5", "B1", "B2", "B3", "C1", "C2", "C3", "C4", "C5", "D1", "D2",
        "D3", "D4", "E1", "E3", "F1", "G1", "G2",
    ];
    assert_eq!(report.labels("rule"), all.into_iter().collect());
}

#[test]
fn elb_cases() {
    check(&load::cases_toml("elb/cases.toml"));
}

/// `testdata/elb/classes.log`, covering every rule of the table in `aws::elb`.
#[test]
fn elb_classes_have_their_class_and_cover_every_rule() {
    let report = check(&load::aws_classes("elb", Format::Elb));
    assert!(report.cases > 10, "too few ELB rows");
    let all = ["L1", "L2", "L3", "L4", "L5", "L6", "L7", "L8", "L9", "L10", "L11"];
    assert_eq!(report.labels("rule"), all.into_iter().collect());
}

/// `testdata/envoy/cases.toml`: one case per class the Envoy mapping gives (upstream and
/// group checked), every layout, format strings, detection and damaged lines.
#[test]
fn envoy_cases_cover_every_mapped_class() {
    let cases = load::cases_toml("envoy/cases.toml");
    check(&cases);
    let classes: std::collections::BTreeSet<_> =
        cases.iter().flat_map(|c| c.expect.classes.iter().copied()).collect();
    for class in [
        "ok",
        "upstream_5xx",
        "connect_refused",
        "connect_timeout",
        "connect_unreachable",
        "connect_error",
        "tls_handshake",
        "tls_certificate",
        "prematurely_closed",
        "invalid_header",
        "no_live_upstreams",
        "upstream_busy",
        "response_timeout",
        "dns_failure",
        "proxy_error",
        "client_abort",
        "client_error",
    ] {
        let c: logparse::Class = class.parse().unwrap();
        assert!(classes.contains(&c), "no envoy case of class {class}");
    }
}

#[test]
fn traefik_cases() {
    let report = check(&load::cases_toml("traefik/cases.toml"));
    assert!(report.cases >= 30, "only {} traefik cases", report.cases);
}

#[test]
fn caddy_cases() {
    let report = check(&load::cases_toml("caddy/cases.toml"));
    assert!(report.cases >= 15, "only {} caddy cases", report.cases);
}

#[test]
fn iis_cases() {
    let report = check(&load::cases_toml("iis/cases.toml"));
    assert!(report.cases >= 60, "only {} iis cases", report.cases);
}

use logparse::{Event, Format, Timestamp};

use super::*;

fn marker(start: i64, service: Option<&str>) -> Deploy {
    Deploy { start, service: service.map(Into::into), ..Deploy::default() }
}

#[test]
fn match_levels() {
    let mut map = ServiceMap::new();
    map.insert("Cart", [b"10.0.4.21:8080".to_vec()]);
    let api = marker(0, Some("api"));
    let none: &[&[u8]] = &[];
    assert_eq!(match_level(&api, Some(b"api_backend"), none, &map), Match::Fuzzy);
    assert_eq!(match_level(&api, Some(b"api.default.svc"), none, &map), Match::Fuzzy);
    assert_eq!(match_level(&api, Some(b"search"), none, &map), Match::Mismatch);
    assert_eq!(match_level(&api, Some(b"10.0.0.5:3000"), none, &map), Match::Unknown);
    assert_eq!(match_level(&marker(0, None), Some(b"search"), none, &map), Match::Unknown);
    let cart = marker(0, Some("cart"));
    assert_eq!(match_level(&cart, Some(b"10.0.4.21:8080"), none, &map), Match::Exact);
    assert_eq!(match_level(&cart, Some(b"10.0.4.22:8080"), none, &map), Match::Mismatch);
    assert_eq!(match_level(&cart, Some(b"cart"), &[b"10.0.4.21:8080"], &map), Match::Exact);
    let listed = Deploy { upstreams: vec!["api_backend".into()], ..marker(0, Some("web")) };
    assert_eq!(match_level(&listed, Some(b"api_backend"), none, &map), Match::Exact);
    assert_eq!(match_level(&listed, Some(b"web"), none, &map), Match::Mismatch);
    // Generic words do not make a match.
    let svc = marker(0, Some("billing-svc"));
    assert_eq!(match_level(&svc, Some(b"orders.svc"), none, &map), Match::Mismatch);
}

fn onset(series: &'static [u8], start: i64, seconds: i64, restart_share: f64) -> Onset<'static> {
    Onset { series: Some(series), peers: &[], start, seconds, restart_share }
}

fn params() -> AttributionParams {
    AttributionParams { skew: 5, post: 120, span: 7200 }
}

#[test]
fn onset_window_runs_from_start_minus_skew_to_end_plus_post_and_skew() {
    let map = ServiceMap::new();
    let d = [Deploy { end: Some(1100), ..marker(1000, Some("api")) }];
    let at = |t| attribute_onset(&onset(b"api", t, 10, 1.0), &d, &map, &params());
    assert!(at(994).is_none());
    assert_eq!(at(995).unwrap().delta, -105);
    assert_eq!(at(1225).unwrap().delta, 125);
    assert!(at(1226).is_none());
}

#[test]
fn matching_markers_win_over_unknown_ones_and_closest_wins() {
    let map = ServiceMap::new();
    let d = [
        marker(1000, None),
        marker(1001, Some("api")),
        marker(1002, Some("search")),
        marker(1003, Some("api")),
    ];
    let a = attribute_onset(&onset(b"api", 1004, 5, 1.0), &d, &map, &params()).unwrap();
    assert_eq!((a.deploy, a.delta, a.level), (3, 1, Match::Fuzzy));
    assert_eq!(a.others, [1, 0]);
    // Three attributable markers in 2 h, Δ = 1 s: 1 − exp(−3 · 7 / 7200).
    assert!((a.p_coinc - (1.0 - (-3.0 * 7.0 / 7200.0f64).exp())).abs() < 1e-12);
    assert_eq!((a.signature, a.confidence), (Signature::RestartBlip, Confidence::High));
}

#[test]
fn signatures_and_confidence() {
    let map = ServiceMap::new();
    let d = [marker(1000, Some("api"))];
    let a = |secs, share| {
        attribute_onset(&onset(b"api", 1002, secs, share), &d, &map, &params()).unwrap()
    };
    assert_eq!(a(15, 0.96).signature, Signature::RestartBlip);
    assert_eq!(a(15, 0.2).signature, Signature::Burst);
    assert_eq!(a(15, 0.2).confidence, Confidence::Medium);
    assert_eq!(a(600, 0.2).signature, Signature::Regression);
    // An IP-only upstream, a timeout burst, 100 s after the marker in a 1000 s file.
    let short = AttributionParams { span: 1000, ..params() };
    let unknown = attribute_onset(&onset(b"10.0.0.1:80", 1100, 15, 0.2), &d, &map, &short).unwrap();
    assert!(unknown.p_coinc > 0.05, "{}", unknown.p_coinc);
    assert_eq!((unknown.level, unknown.confidence), (Match::Unknown, Confidence::Low));
}

#[test]
fn two_rate_test_against_hand_computed_values() {
    // 0 errors in 300 s before, 10 in 60 s after: P(X >= 10 | n = 10, q = 1/6) = (1/6)^10.
    let (up, _) = two_rates(0, 300, 10, 60);
    assert!((up.log10() - 10.0 * (1.0f64 / 6.0).log10()).abs() < 1e-9);
    // Equal rates: the upper tail is not small.
    let (up, low) = two_rates(50, 300, 10, 60);
    assert!(up.value() > 0.3 && low.value() > 0.3);
    // No time to compare against.
    assert_eq!(two_rates(5, 0, 5, 60).0.value(), 1.0);
}

#[test]
fn verdicts_of_the_three_windows() {
    let w = Windows { before: (0, 300), blip: (300, 360), after: (360, 600) };
    assert_eq!(compare(1, 80, 1, &w, 1e-3).verdict, Verdict::RestartBlip);
    assert_eq!(compare(3, 40, 120, &w, 1e-3).verdict, Verdict::Regression);
    assert_eq!(compare(300, 20, 2, &w, 1e-3).verdict, Verdict::Improvement);
    assert_eq!(compare(3, 1, 2, &w, 1e-3).verdict, Verdict::Clean);
}

fn push(agg: &mut Aggregator, t: i64, upstream: &'static [u8], class: Class) {
    let mut ev = Event::new(Format::NginxError, b"");
    ev.time = Some(Timestamp::from_unix_seconds(t));
    ev.upstream = Some(upstream);
    ev.class = class;
    agg.push(&ev);
}

#[test]
fn report_compares_the_matched_upstreams_around_each_marker() {
    let mut agg = Aggregator::new();
    let t0 = 1_700_000_000;
    for i in 0..40 {
        push(&mut agg, t0 + i * 90, b"api_backend", Class::ResponseTimeout);
        push(&mut agg, t0 + i * 90, b"search", Class::ResponseTimeout);
    }
    // v2 of api at t0+1200: a restart blip. v3 at t0+2400: timeouts from then on.
    for i in 0..30 {
        push(&mut agg, t0 + 1202 + i / 10, b"api_backend", Class::ConnectRefused);
    }
    for i in 0..600 {
        push(&mut agg, t0 + 2405 + i, b"api_backend", Class::ResponseTimeout);
    }
    let d =
        [marker(t0 + 1200, Some("api")), marker(t0 + 2400, Some("api")), marker(t0 + 600, None)];
    let r = report(&agg, &d, &ServiceMap::new(), 1e-3);
    assert_eq!(r.len(), 3);
    assert!(r[0].matched && r[1].matched);
    assert_eq!(r[0].upstreams.len(), 1);
    assert_eq!(r[0].verdict, Verdict::RestartBlip);
    let refused = r[0].upstreams[0].classes.iter().find(|c| c.0 == Class::ConnectRefused).unwrap();
    assert_eq!((refused.1.before, refused.1.blip, refused.1.after), (0, 30, 0));
    assert_eq!(r[1].verdict, Verdict::Regression);
    // A marker without a service is compared on every upstream with failures around it.
    assert!(!r[2].matched);
    assert_eq!(r[2].upstreams.len(), 2);
    assert_eq!(r[2].verdict, Verdict::Clean);
    assert!(r[0].overlaps.is_empty());
}

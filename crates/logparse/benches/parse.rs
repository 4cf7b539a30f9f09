//! Parser throughput, in bytes of log per second, on the fixture lines of each format
//! (`testdata/`): one group per format, plus detection mode over a mix of all of them.
//!
//! Run with `cargo bench -p logparse`; `cargo bench -p logparse -- nginx_error` for one group.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use logparse::{Format, Options, Parser};
use std::borrow::Cow;
use std::hint::black_box;

/// The log lines of a fixture file: `#` comments and blank lines dropped, and for the
/// `class<TAB>line` files (ALB, ELB), the line column.
fn lines(text: &'static str, tabbed: bool) -> Vec<&'static [u8]> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| if tabbed { l.split_once('\t').map(|(_, line)| line) } else { Some(l) })
        .map(str::as_bytes)
        .collect()
}

/// Parses every line with a parser for `format` (`None`: detection), as an input would.
fn bench(c: &mut Criterion, name: &str, format: Option<Format>, lines: &[&[u8]]) {
    let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Bytes(bytes as u64));
    let mut opts = Options::default();
    opts.year = Some(2024);
    group.bench_function("lines", |b| {
        let mut parser = Parser::new(format, opts.clone());
        b.iter(|| {
            let mut events = 0usize;
            for line in lines {
                events += usize::from(parser.parse(black_box(line)).is_ok());
            }
            parser.reset();
            events
        })
    });
    group.finish();
}

fn parsers(c: &mut Criterion) {
    let nginx_error = lines(include_str!("../../../testdata/nginx-error/sample.log"), false);
    let combined = lines(include_str!("../../../testdata/nginx-access/combined.log"), false);
    let upstream = lines(include_str!("../../../testdata/nginx-access/main_upstream.log"), false);
    let haproxy = lines(include_str!("../../../testdata/haproxy/http.log"), false);
    let alb = lines(include_str!("../../../testdata/alb/classes.log"), true);
    let elb = lines(include_str!("../../../testdata/elb/classes.log"), true);
    let mixed = lines(include_str!("../../../testdata/mixed/all-formats.log"), false);
    bench(c, "nginx_error", Some(Format::NginxError), &nginx_error);
    bench(c, "nginx_access_combined", Some(Format::NginxAccess), &combined);
    bench(c, "nginx_access_main_upstream", Some(Format::NginxAccess), &upstream);
    bench(c, "haproxy", Some(Format::Haproxy), &haproxy);
    bench(c, "alb", Some(Format::Alb), &alb);
    bench(c, "elb", Some(Format::Elb), &elb);
    bench(c, "auto_nginx_error", None, &nginx_error);
    bench(c, "auto_nginx_access", None, &upstream);
    bench(c, "auto_mixed", None, &mixed);
    // Traefik and Caddy: the lines of their mixed fixture, by the format named for each.
    let proxies = lines(include_str!("../../../testdata/mixed/traefik-caddy.log"), false);
    let names: Vec<&str> =
        include_str!("../../../testdata/mixed/traefik-caddy.formats").lines().collect();
    for (name, format) in [("traefik", Format::Traefik), ("caddy", Format::Caddy)] {
        let mine: Vec<&[u8]> =
            proxies.iter().zip(&names).filter(|(_, n)| **n == name).map(|(l, _)| *l).collect();
        bench(c, name, Some(format), &mine);
    }
    bench(c, "auto_traefik_caddy", None, &proxies);
    envoy(c);
}

/// Envoy text and JSON lines (`testdata/envoy/`), and, for the JSON lines, the same keys
/// deserialized by `serde_json` into borrowed fields: the cost of the library route that the
/// parser's own scanner (`envoy::json`) was chosen over.
fn envoy(c: &mut Criterion) {
    let mixed = lines(include_str!("../../../testdata/envoy/mixed.log"), false);
    let cases = include_str!("../../../testdata/envoy/cases.toml");
    let from_cases = cases.lines().filter_map(|l| l.strip_prefix("line = '")?.strip_suffix('\''));
    let all: Vec<&[u8]> = mixed.iter().copied().chain(from_cases.map(str::as_bytes)).collect();
    let text: Vec<&[u8]> = all.iter().copied().filter(|l| l.starts_with(b"[")).collect();
    let json: Vec<&[u8]> = all.iter().copied().filter(|l| l.starts_with(b"{")).collect();
    bench(c, "envoy_text", Some(Format::Envoy), &text);
    bench(c, "envoy_json", Some(Format::Envoy), &json);
    bench(c, "auto_envoy_text", None, &text);
    bench(c, "auto_envoy_json", None, &json);

    /// The keys of Istio's JSON encoding, borrowed where no escape is in the way.
    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct IstioJson<'a> {
        #[serde(borrow)]
        authority: Option<Cow<'a, str>>,
        #[serde(borrow)]
        method: Option<Cow<'a, str>>,
        #[serde(borrow)]
        path: Option<Cow<'a, str>>,
        #[serde(borrow)]
        protocol: Option<Cow<'a, str>>,
        #[serde(borrow)]
        start_time: Option<Cow<'a, str>>,
        #[serde(borrow)]
        response_flags: Option<Cow<'a, str>>,
        #[serde(borrow)]
        response_code_details: Option<Cow<'a, str>>,
        #[serde(borrow)]
        upstream_transport_failure_reason: Option<Cow<'a, str>>,
        #[serde(borrow)]
        upstream_host: Option<Cow<'a, str>>,
        #[serde(borrow)]
        upstream_cluster: Option<Cow<'a, str>>,
        #[serde(borrow)]
        user_agent: Option<Cow<'a, str>>,
        #[serde(borrow)]
        downstream_remote_address: Option<Cow<'a, str>>,
        #[serde(borrow)]
        x_forwarded_for: Option<Cow<'a, str>>,
        #[serde(borrow)]
        request_id: Option<Cow<'a, str>>,
        response_code: Option<serde_json::Value>,
        bytes_received: Option<serde_json::Value>,
        bytes_sent: Option<serde_json::Value>,
        duration: Option<serde_json::Value>,
    }
    let bytes: usize = json.iter().map(|l| l.len() + 1).sum();
    let mut group = c.benchmark_group("envoy_json_serde_borrowed");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("lines", |b| {
        b.iter(|| {
            let mut ok = 0usize;
            for line in &json {
                ok += usize::from(serde_json::from_slice::<IstioJson<'_>>(black_box(line)).is_ok());
            }
            ok
        })
    });
    group.finish();
}

criterion_group!(benches, parsers);
criterion_main!(benches);

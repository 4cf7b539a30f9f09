//! The parse path allocates nothing per line, for every format and for detection.
//!
//! This binary installs a global allocator that counts the allocations made on the current
//! thread while a measurement is on (a `#[global_allocator]` serves the whole binary, hence a
//! test binary of its own). Each test loads its lines first, warms a parser on them once (the
//! lines of every fixture file of the format, so every code path a fixture reaches has run),
//! then parses them all again many times and requires that no allocation, reallocation or
//! zeroed allocation happened meanwhile.
//!
//! Counting is per thread, so the test harness and tests running beside on other threads do
//! not disturb a measurement.

// The counting allocator is the one place where this crate's tests need `unsafe`: the
// `GlobalAlloc` trait is unsafe to implement, and its methods forward to `System`.
#![allow(unsafe_code)]

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;

use std::sync::Arc;

use common::{Case, Setup, load};
use logparse::lines::Lines;
use logparse::{Format, Options, Tz, ZoneTable};

/// `System`, counting the calls that obtain memory on the current thread while it is asked to.
struct Counting;

thread_local! {
    /// The allocations counted on this thread, or `None` when no measurement is on. `const`
    /// initialization: reading it allocates nothing and needs no destructor registration.
    static COUNT: Cell<Option<u64>> = const { Cell::new(None) };
}

fn count_one() {
    // `try_with`: during thread teardown the slot may be gone; such allocations are not ours.
    let _ = COUNT.try_with(|c| {
        if let Some(n) = c.get() {
            c.set(Some(n + 1));
        }
    });
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so the
// contract `GlobalAlloc` requires of an implementation is `System`'s; counting touches only a
// thread-local `Cell` and never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: the caller upholds `alloc`'s contract (non-zero size), passed on unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        // SAFETY: `ptr` was allocated by this allocator, that is by `System`, with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by this allocator, that is by `System`, with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// How many allocations `f` makes on this thread.
fn allocations_in(f: impl FnOnce()) -> u64 {
    COUNT.with(|c| c.set(Some(0)));
    f();
    COUNT.with(|c| c.replace(None)).unwrap_or(0)
}

/// How many times the lines are parsed while counting.
const ROUNDS: usize = 20;

/// Parses `lines` with `parser`: once to warm it, then [`ROUNDS`] times while counting; fails
/// unless the counted rounds made no allocation.
fn assert_no_allocation(what: &str, mut parser: logparse::Parser, lines: &[Vec<u8>]) {
    assert!(lines.len() >= 10, "{what}: only {} lines", lines.len());
    let mut events = 0;
    for line in lines {
        events += usize::from(parser.parse(line).is_ok());
    }
    assert!(events > 0, "{what}: no line is an event");
    let n = allocations_in(|| {
        for _ in 0..ROUNDS {
            for line in lines {
                black_box(parser.parse(black_box(line)).ok());
            }
        }
    });
    assert_eq!(n, 0, "{what}: {n} allocations while parsing {} lines {ROUNDS} times", lines.len());
}

fn lines_of(cases: &[Case]) -> Vec<Vec<u8>> {
    cases.iter().map(|c| c.line.clone()).collect()
}

/// The counter itself sees allocations (else every test below would pass vacuously).
#[test]
fn the_counter_counts() {
    let n = allocations_in(|| {
        black_box(vec![1u8; 64]);
        black_box(String::from("x").repeat(100));
    });
    assert!(n >= 2, "counted {n}");
    assert_eq!(allocations_in(|| black_box(())), 0);
}

#[test]
fn nginx_error_lines_parse_without_allocating() {
    let mut lines: Vec<Vec<u8>> =
        load::nginx_error_logs().iter().flat_map(|(_, cases)| lines_of(cases)).collect();
    lines.extend(lines_of(&load::cases_toml("nginx-error/cases.toml")));
    lines.extend(lines_of(&load::corpus_cases("nginx-error", Format::NginxError)));
    let parser = Setup { format: Some(Format::NginxError), ..Setup::default() }.parser();
    assert_no_allocation("nginx error log", parser, &lines);
}

/// Local times converted through a zone table, and a given year for syslog dates.
#[test]
fn lines_with_zone_and_year_options_parse_without_allocating() {
    let table = ZoneTable::new("Test/Zone", vec![(i64::MIN, 3600), (1_711_846_800, 7200)]);
    let mut opts = Options::with_tz(Tz::Table(Arc::new(table)));
    opts.year = Some(2024);
    for (format, cases) in
        [(Format::NginxError, load::nginx_error_logs()), (Format::Haproxy, load::haproxy_logs())]
    {
        let lines: Vec<Vec<u8>> = cases.iter().flat_map(|(_, cases)| lines_of(cases)).collect();
        let parser =
            Setup { format: Some(format), opts: opts.clone(), ..Setup::default() }.parser();
        assert_no_allocation(&format!("{format} with a zone table and a year"), parser, &lines);
    }
}

/// Each access log with the `log_format` that wrote it, compiled once before counting.
#[test]
fn nginx_access_lines_parse_without_allocating_with_a_compiled_log_format() {
    for (name, cases) in load::nginx_access_logs() {
        let setup = &cases[0].setup;
        assert!(setup.log_format.is_some());
        let mut lines = lines_of(&cases);
        // Short files are repeated so that every measurement covers a few dozen lines.
        while lines.len() < 10 {
            lines.extend(lines_of(&cases));
        }
        assert_no_allocation(&format!("nginx access log {name}"), setup.parser(), &lines);
    }
}

/// Every access-log line, read with the default layouts.
#[test]
fn nginx_access_lines_parse_without_allocating_with_the_default_layouts() {
    let mut lines: Vec<Vec<u8>> =
        load::nginx_access_logs().iter().flat_map(|(_, cases)| lines_of(cases)).collect();
    lines.extend(lines_of(&load::cases_toml("nginx-access/cases.toml")));
    let parser = Setup { format: Some(Format::NginxAccess), ..Setup::default() }.parser();
    assert_no_allocation("nginx access log, default layouts", parser, &lines);
}

/// Every HAProxy fixture file on its own (`framing.log` holds every framing: local, RFC 3164,
/// RFC 5424, journald, stderr labels, container prefixes), then all the lines together.
#[test]
fn haproxy_lines_parse_without_allocating_in_every_framing() {
    let logs = load::haproxy_logs();
    let parser = || Setup { format: Some(Format::Haproxy), ..Setup::default() }.parser();
    for (name, cases) in &logs {
        assert_no_allocation(&format!("haproxy {name}"), parser(), &lines_of(cases));
    }
    let mut all: Vec<Vec<u8>> = logs.iter().flat_map(|(_, cases)| lines_of(cases)).collect();
    all.extend(lines_of(&load::cases_toml("haproxy/cases.toml")));
    all.extend(lines_of(&load::corpus_cases("haproxy", Format::Haproxy)));
    assert_no_allocation("haproxy, every file", parser(), &all);
}

/// Every HAProxy case read with its `log-format` (compiled once, before counting): the
/// built-in formats by name and the custom ones.
#[test]
fn haproxy_lines_parse_without_allocating_with_a_compiled_log_format() {
    let cases: Vec<Case> = load::cases_toml("haproxy/cases.toml")
        .into_iter()
        .filter(|c| c.setup.haproxy_log_format.is_some())
        .filter(|c| c.setup.parser().parse(&c.line).is_ok())
        .collect();
    assert!(cases.len() >= 8, "only {} haproxy cases with a log-format", cases.len());
    for case in &cases {
        let mut lines = vec![case.line.clone(); 10];
        lines.push(case.line.clone());
        assert_no_allocation(&format!("haproxy {}", case.name), case.setup.parser(), &lines);
    }
}

#[test]
fn alb_lines_parse_without_allocating() {
    let mut lines = lines_of(&load::aws_classes("alb", Format::Alb));
    lines.extend(lines_of(&load::cases_toml("alb/cases.toml")));
    lines.extend(lines_of(&load::corpus_cases("alb", Format::Alb)));
    let parser = Setup { format: Some(Format::Alb), ..Setup::default() }.parser();
    assert_no_allocation("alb", parser, &lines);
}

#[test]
fn elb_lines_parse_without_allocating() {
    let mut lines = lines_of(&load::aws_classes("elb", Format::Elb));
    lines.extend(lines_of(&load::cases_toml("elb/cases.toml")));
    lines.extend(lines_of(&load::corpus_cases("elb", Format::Elb)));
    let parser = Setup { format: Some(Format::Elb), ..Setup::default() }.parser();
    assert_no_allocation("elb", parser, &lines);
}

#[test]
fn ingress_controller_lines_parse_without_allocating() {
    let lines = lines_of(&load::cases_toml("ingress-controller/cases.toml"));
    let parser = Setup { format: Some(Format::IngressController), ..Setup::default() }.parser();
    assert_no_allocation("ingress-controller", parser, &lines);
}

#[test]
fn traefik_lines_parse_without_allocating() {
    let mut lines = lines_of(&load::cases_toml("traefik/cases.toml"));
    lines.extend(lines_of(&load::corpus_cases("traefik", Format::Traefik)));
    let parser = Setup { format: Some(Format::Traefik), ..Setup::default() }.parser();
    assert_no_allocation("traefik", parser, &lines);
}

/// Caddy's JSON lines nest objects in objects (`request.headers` maps names to arrays): they
/// are skipped without a buffer.
#[test]
fn caddy_lines_parse_without_allocating() {
    let mut lines = lines_of(&load::cases_toml("caddy/cases.toml"));
    lines.extend(lines_of(&load::corpus_cases("caddy", Format::Caddy)));
    let parser = Setup { format: Some(Format::Caddy), ..Setup::default() }.parser();
    assert_no_allocation("caddy", parser, &lines);
}

/// Detection per line, over the journal that mixes all five formats and over every fixture
/// line of every format.
#[test]
fn detected_lines_parse_without_allocating() {
    let mixed = std::fs::read(common::testdata().join("mixed/all-formats.log")).unwrap();
    let journal: Vec<Vec<u8>> = Lines::new(&mixed).map(<[u8]>::to_vec).collect();
    let auto = || Setup::default().parser();
    assert_no_allocation("detection, mixed journal", auto(), &journal);

    let mut all = journal;
    for (_, cases) in load::nginx_error_logs() {
        all.extend(lines_of(&cases));
    }
    for (_, cases) in load::nginx_access_logs().into_iter().chain(load::haproxy_logs()) {
        all.extend(lines_of(&cases));
    }
    all.extend(lines_of(&load::aws_classes("alb", Format::Alb)));
    all.extend(lines_of(&load::aws_classes("elb", Format::Elb)));
    for dir in [
        "nginx-error",
        "nginx-access",
        "haproxy",
        "alb",
        "elb",
        "ingress-controller",
        "traefik",
        "caddy",
    ] {
        all.extend(lines_of(&load::cases_toml(&format!("{dir}/cases.toml"))));
    }
    all.extend(load::corpus_rows().iter().map(|r| r.line.as_bytes().to_vec()));
    assert_no_allocation("detection, every fixture line", auto(), &all);
}

/// Envoy lines of every layout (JSON with escapes included), read as Envoy's, detected, and
/// with each format string of the fixtures.
#[test]
fn envoy_lines_parse_without_allocating() {
    let cases = load::cases_toml("envoy/cases.toml");
    let mut lines = lines_of(&cases);
    lines.extend(lines_of(&load::corpus_cases("envoy", Format::Envoy)));
    let mixed = std::fs::read(common::testdata().join("envoy/mixed.log")).unwrap();
    lines.extend(Lines::new(&mixed).map(<[u8]>::to_vec));
    let parser = Setup { format: Some(Format::Envoy), ..Setup::default() }.parser();
    assert_no_allocation("envoy", parser, &lines);
    assert_no_allocation("envoy, detected", Setup::default().parser(), &lines);
    for case in cases.iter().filter(|c| c.setup.envoy_log_format.is_some()) {
        let mut with = lines.clone();
        with.push(case.line.clone());
        assert_no_allocation(&format!("envoy {}", case.name), case.setup.parser(), &with);
    }
}

/// The IIS and Cloudflare rows of `corpus/iis-cloudflare.tsv`, in file order: the IIS
/// directive blocks reuse the field list's buffer, so only the first round allocates.
#[test]
fn iis_and_cloudflare_lines_parse_without_allocating() {
    let tsv =
        std::fs::read_to_string(common::testdata().join("corpus/iis-cloudflare.tsv")).unwrap();
    let rows = |label: &str| -> Vec<Vec<u8>> {
        tsv.lines()
            .skip(1)
            .filter_map(|l| {
                let c: Vec<&str> = l.splitn(4, '\t').collect();
                (c.len() == 4 && c[0] == label).then(|| c[3].as_bytes().to_vec())
            })
            .collect()
    };
    for (label, format) in [("iis", Format::Iis), ("cloudflare", Format::Cloudflare)] {
        let lines = rows(label);
        assert_no_allocation(
            label,
            Setup { format: Some(format), ..Setup::default() }.parser(),
            &lines,
        );
        assert_no_allocation(label, Setup::default().parser(), &lines);
    }
}

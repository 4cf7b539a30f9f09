//! `Summary::push_event` throughput: events per second over a realistic spread of upstreams
//! and classes (names interned once, the same upstream often on consecutive lines).
//!
//! Run with `cargo bench -p timeline`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use logparse::{Class, Event, Format, Timestamp};
use std::hint::black_box;
use timeline::Summary;

fn push(c: &mut Criterion) {
    let names: Vec<String> = (0..40).map(|i| format!("10.0.{}.{}:8080", i / 8, i % 8)).collect();
    let classes = [Class::Ok, Class::ConnectRefused, Class::ResponseTimeout, Class::Ok, Class::Ok];
    let mut events = Vec::new();
    let mut x: u64 = 1;
    for i in 0..10_000u64 {
        // A small deterministic generator: runs of the same upstream, as in real logs.
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let upstream = if x % 7 == 0 {
            None
        } else {
            Some(names[(x >> 33) as usize % names.len()].as_bytes())
        };
        let mut ev =
            Event::new(if i % 3 == 0 { Format::NginxError } else { Format::NginxAccess }, b"");
        ev.upstream = upstream;
        ev.class = classes[(x >> 40) as usize % classes.len()];
        ev.time = Some(Timestamp::from_unix_seconds(1_700_000_000 + i as i64));
        events.push(ev);
    }
    let mut group = c.benchmark_group("summary");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("push_event", |b| {
        b.iter(|| {
            let mut s = Summary::new();
            for ev in &events {
                s.push_event(black_box(ev));
            }
            s.events()
        })
    });
    group.bench_function("merge", |b| {
        let mut parts = Vec::new();
        for chunk in events.chunks(1000) {
            let mut s = Summary::new();
            chunk.iter().for_each(|ev| s.push_event(ev));
            parts.push(s);
        }
        b.iter(|| parts.iter().cloned().fold(Summary::new(), Summary::merge).events())
    });
    group.finish();
}

criterion_group!(benches, push);
criterion_main!(benches);

use logparse::{Class, Event, Format, ParseError, ParseErrorKind, Timestamp};
use proptest::prelude::*;

use super::*;

const UPSTREAMS: [Option<&[u8]>; 4] =
    [None, Some(b"10.0.0.1:80"), Some(b"10.0.0.2:80"), Some(b"app")];

/// One input line, as the aggregator sees it.
#[derive(Clone, Debug)]
enum Item {
    Event { format: Format, class: Class, upstream: usize, time: Option<i64> },
    Excluded,
    Continuation,
    Unparsed { format: Option<Format>, kind: ParseErrorKind },
}

fn push(s: &mut Summary, item: &Item, source: u32, line: u64) {
    match *item {
        Item::Event { format, class, upstream, time } => {
            let mut ev = Event::new(format, b"raw");
            ev.class = class;
            ev.upstream = UPSTREAMS[upstream];
            ev.time = time.map(Timestamp::from_unix_seconds);
            s.push_event(&ev);
        }
        Item::Excluded => s.push_excluded(),
        Item::Continuation => s.push_continuation(),
        Item::Unparsed { format, kind } => {
            let err = ParseError::new(format, kind, 0);
            let text = format!("bad line {line}");
            s.push_unparsed(&err, Sample { source, name: "in.log", line, text: text.as_bytes() });
        }
    }
}

fn one_pass(items: &[Item]) -> Summary {
    let mut s = Summary::new();
    for (i, item) in items.iter().enumerate() {
        push(&mut s, item, 0, i as u64 + 1);
    }
    s
}

fn item() -> impl Strategy<Value = Item> {
    let format = prop::sample::select(vec![Format::NginxError, Format::NginxAccess, Format::Alb]);
    let class = prop::sample::select(Class::ALL.to_vec());
    let kind = prop::sample::select(vec![
        ParseErrorKind::Empty,
        ParseErrorKind::NotRecognized,
        ParseErrorKind::MissingField("time"),
        ParseErrorKind::InvalidField("status"),
    ]);
    prop_oneof![
        6 => (format.clone(), class, 0..UPSTREAMS.len(), prop::option::of(0i64..1_000_000))
            .prop_map(|(format, class, upstream, time)| Item::Event { format, class, upstream, time }),
        1 => Just(Item::Excluded),
        1 => Just(Item::Continuation),
        2 => (prop::option::of(format), kind).prop_map(|(format, kind)| Item::Unparsed { format, kind }),
    ]
}

proptest! {
    #[test]
    fn merging_any_split_equals_one_pass(
        items in prop::collection::vec(item(), 0..60),
        cuts in prop::collection::vec(0usize..60, 0..5),
        reverse in any::<bool>(),
    ) {
        let whole = one_pass(&items);
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(items.len())).collect();
        cuts.push(0);
        cuts.push(items.len());
        cuts.sort_unstable();
        let mut parts = Vec::new();
        for w in cuts.windows(2) {
            let mut s = Summary::new();
            for (i, item) in items.iter().enumerate().take(w[1]).skip(w[0]) {
                push(&mut s, item, 0, i as u64 + 1);
            }
            parts.push(s);
        }
        if reverse {
            parts.reverse();
        }
        let merged = parts.into_iter().fold(Summary::new(), Summary::merge);
        prop_assert_eq!(merged.lines(), items.len() as u64);
        prop_assert_eq!(&merged, &whole);
        // The per-reason samples are the same lines, not just equal counts.
        for (a, b) in merged.reasons().iter().zip(whole.reasons()) {
            prop_assert_eq!(&a.samples, &b.samples);
        }
    }
}

#[test]
fn lines_are_the_sum_of_every_kind() {
    let items = [
        Item::Event {
            format: Format::NginxError,
            class: Class::ConnectRefused,
            upstream: 1,
            time: Some(5),
        },
        Item::Continuation,
        Item::Unparsed { format: None, kind: ParseErrorKind::Empty },
        Item::Excluded,
    ];
    let s = one_pass(&items);
    assert_eq!(
        (s.lines(), s.events(), s.continuation(), s.unparsed(), s.excluded()),
        (4, 1, 1, 1, 1)
    );
}

#[test]
fn counts_per_upstream_unit_and_class() {
    let e = |format, class, upstream| Item::Event { format, class, upstream, time: None };
    let items = [
        e(Format::NginxError, Class::ConnectRefused, 1),
        e(Format::NginxError, Class::ConnectRefused, 1),
        e(Format::NginxError, Class::Info, 0),
        e(Format::NginxAccess, Class::Ok, 1),
        e(Format::NginxAccess, Class::GatewayError, 2),
    ];
    let s = one_pass(&items);
    let row = |name: Option<&[u8]>| s.upstreams().find(|u| u.name() == name).unwrap();
    let a = row(Some(b"10.0.0.1:80"));
    assert_eq!(a.count(Unit::Attempts, Class::ConnectRefused), 2);
    assert_eq!(a.count(Unit::Responses, Class::Ok), 1);
    assert_eq!(a.count(Unit::Responses, Class::ConnectRefused), 0);
    assert_eq!(a.failures(Unit::Attempts), 2);
    assert_eq!(row(None).count(Unit::Attempts, Class::Info), 1);
    assert_eq!(s.upstreams().count(), 3);
    assert_eq!(s.units().collect::<Vec<_>>(), [Unit::Attempts, Unit::Responses]);
    let names: Vec<_> = s.rows(Unit::Responses).iter().map(|u| u.name()).collect();
    assert_eq!(names, [Some(&b"10.0.0.2:80"[..]), Some(&b"10.0.0.1:80"[..])]);
    assert_eq!(s.class_total(Unit::Attempts, Class::ConnectRefused), 2);
    assert_eq!(
        s.formats().collect::<Vec<_>>(),
        [(Format::NginxError, 3), (Format::NginxAccess, 2)]
    );
}

#[test]
fn time_range_ignores_events_without_time() {
    let e = |time| Item::Event { format: Format::Alb, class: Class::Ok, upstream: 0, time };
    let s = one_pass(&[e(None), e(Some(30)), e(Some(10)), e(None), e(Some(20))]);
    let (first, last) = s.time_range().unwrap();
    assert_eq!((first.unix_seconds(), last.unix_seconds()), (10, 30));
    assert_eq!(one_pass(&[e(None)]).time_range(), None);
}

#[test]
fn samples_keep_the_earliest_three_and_clip_long_lines() {
    let err = ParseError::new(Some(Format::NginxError), ParseErrorKind::NotRecognized, 0);
    let mut late = Summary::new();
    let long = vec![b'x'; SAMPLE_BYTES + 50];
    for line in [9, 7, 8, 6] {
        late.push_unparsed(&err, Sample { source: 1, name: "b.log", line, text: &long });
    }
    let mut early = Summary::new();
    early.push_unparsed(&err, Sample { source: 0, name: "a.log", line: 40, text: b"short" });
    for merged in [late.clone().merge(early.clone()), early.merge(late)] {
        let r = &merged.reasons()[0];
        assert_eq!(r.count, 5);
        let keys: Vec<(u32, u64)> = r.samples.iter().map(|s| (s.source, s.line)).collect();
        assert_eq!(keys, [(0, 40), (1, 6), (1, 7)]);
        assert_eq!(&*r.samples[0].text, b"short");
        assert!(!r.samples[0].clipped);
        assert_eq!(r.samples[1].text.len(), SAMPLE_BYTES);
        assert!(r.samples[1].clipped);
    }
}

#[test]
fn reasons_are_split_by_format_and_continuations_are_not_unparsed() {
    let mut s = Summary::new();
    let sample = Sample { source: 0, name: "-", line: 1, text: b"" };
    s.push_error(&ParseError::new(None, ParseErrorKind::Empty, 0), sample);
    s.push_error(&ParseError::new(Some(Format::Haproxy), ParseErrorKind::Empty, 0), sample);
    s.push_error(&ParseError::new(Some(Format::Haproxy), ParseErrorKind::Empty, 0), sample);
    s.push_error(
        &ParseError::new(Some(Format::NginxError), ParseErrorKind::Continuation, 0),
        sample,
    );
    assert_eq!((s.unparsed(), s.continuation()), (3, 1));
    let r: Vec<(Option<Format>, &str, u64)> =
        s.reasons().iter().map(|r| (r.format, r.reason, r.count)).collect();
    assert_eq!(r, [(Some(Format::Haproxy), "empty line", 2), (None, "empty line", 1)]);
}

#[test]
fn upstream_names_are_interned_once() {
    let mut s = Summary::new();
    let names: [&[u8]; 3] = [b"a:1", b"b:2", b"a:1"];
    for _ in 0..100 {
        for n in names {
            let mut ev = Event::new(Format::NginxError, b"");
            ev.upstream = Some(n);
            s.push_event(&ev);
        }
    }
    assert_eq!(s.upstreams().count(), 2);
    assert_eq!(s.index.len(), 2);
    let a = s.upstreams().find(|u| u.name() == Some(&b"a:1"[..])).unwrap();
    assert_eq!(a.total(Unit::Attempts), 200);
}

#[test]
fn shifted_parts_merge_into_the_whole() {
    let err = ParseError::new(None, ParseErrorKind::NotRecognized, 0);
    let sample = |source, line| Sample { source, name: "a.log", line, text: b"x" };
    let mut whole = Summary::new();
    for line in [2, 5, 7] {
        whole.push_unparsed(&err, sample(0, line));
    }
    whole.push_unparsed(&err, sample(1, 1));
    // The same lines seen as two parts of input 0 (lines 1-4 and 5-8), numbered per part.
    let mut first = Summary::new();
    first.push_unparsed(&err, sample(0, 2));
    let mut second = Summary::new();
    second.push_unparsed(&err, sample(0, 1));
    second.push_unparsed(&err, sample(0, 3));
    second.push_unparsed(&err, sample(1, 1));
    second.shift_lines(0, 4);
    let merged = first.merge(second);
    assert_eq!(merged, whole);
    let keys: Vec<(u32, u64)> =
        merged.reasons()[0].samples.iter().map(|s| (s.source, s.line)).collect();
    assert_eq!(keys, [(0, 2), (0, 5), (0, 7)]);
}

#[test]
fn a_narrow_table_keeps_the_top_classes_and_sums_the_rest() {
    let mut s = Summary::new();
    let mut push = |upstream: &'static [u8], class: Class, n: usize| {
        for _ in 0..n {
            let mut ev = Event::new(Format::NginxAccess, b"");
            ev.upstream = Some(upstream);
            ev.class = class;
            s.push_event(&ev);
        }
    };
    push(b"a:80", Class::Ok, 100);
    push(b"a:80", Class::ConnectRefused, 5);
    push(b"a:80", Class::ResponseTimeout, 9);
    push(b"b:80", Class::ConnectRefused, 2);
    push(b"b:80", Class::Upstream5xx, 1);
    push(b"b:80", Class::ClientAbort, 3);
    let u = Unit::Responses;
    let c = s.columns(u, 2);
    // Failures first, by count (timeouts 9, refused 7, 5xx 1), then the others (ok 100,
    // client_abort 3); the two top columns leave the rest.
    assert_eq!(c.top, [Class::ResponseTimeout, Class::ConnectRefused]);
    assert_eq!(c.rest, [Class::Upstream5xx, Class::Ok, Class::ClientAbort]);
    let b = s.rows(u).into_iter().find(|r| r.name() == Some(&b"b:80"[..])).unwrap();
    assert_eq!(c.rest_count(b, u), 4);
    assert_eq!(c.rest_total(&s, u), 104);
    assert_eq!((s.unit_total(u), s.unit_failures(u)), (120, 17));
    // Room for all but one: the one left is a column of its own, not a rest of one.
    let all = s.columns(u, 4);
    assert_eq!((all.top.len(), all.rest.len()), (5, 0));
    assert_eq!(s.columns(u, 5).top.len(), 5);
}

/// The stderr and syslog copies of one HAProxy message (testdata/haproxy/copies.log), and a
/// client 503 between them.
const COPIES: [&[u8]; 4] = [
    b"Feb 19 04:03:06 debian11 haproxy[4418]: [WARNING] 049/040306 (4418) : Server web_servers/debian11-3 is DOWN, reason: Layer4 connection problem, info: \"Connection refused\", check duration: 0ms. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.",
    b"Feb 19 04:03:05 debian11 haproxy[4418]: 10.2.0.1:56932 [19/Feb/2023:04:03:02.911] web_proxy web_servers/debian11-3 0/0/-1/-1/3009 503 221 - - SC-- 1/1/0/0/3 0/0 \"GET / HTTP/1.1\"",
    b"Feb 19 04:03:07 debian11 haproxy[4418]: Server web_servers/debian11-3 is DOWN, reason: Layer4 connection problem, info: \"Connection refused\", check duration: 0ms. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.",
    b"Feb 19 04:03:09 debian11 haproxy[4418]: Server web_servers/debian11-3 is DOWN, reason: Layer4 connection problem, info: \"Connection refused\", check duration: 0ms. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.",
];

fn summary_of(lines: &[&[u8]]) -> Summary {
    let mut opts = logparse::Options::default();
    opts.year = Some(2023);
    let mut s = Summary::new();
    for line in lines {
        s.push_event(&logparse::haproxy::parse_with(line, &opts).unwrap());
    }
    s
}

#[test]
fn haproxy_message_copies_count_once_as_notices_in_one_pass_and_merged() {
    let row = |s: &Summary| {
        let r = s.upstreams().find(|r| r.name() == Some(&b"debian11-3"[..])).unwrap();
        (
            r.count(Unit::Notices, Class::UpstreamDown),
            r.count(Unit::Responses, Class::ConnectRefused),
            r.total(Unit::Responses),
        )
    };
    let whole = summary_of(&COPIES);
    // The copy a second later is merged; the DOWN three seconds later is a state change.
    assert_eq!(row(&whole), (2, 1, 1));
    assert_eq!((whole.events(), whole.copies()), (4, 1));
    assert_eq!(whole.units().collect::<Vec<_>>(), [Unit::Responses, Unit::Notices]);
    for cut in 0..=COPIES.len() {
        let merged = summary_of(&COPIES[..cut]).merge(summary_of(&COPIES[cut..]));
        assert_eq!(row(&merged), (2, 1, 1), "cut at {cut}");
        assert_eq!(merged, whole, "cut at {cut}");
    }
}

#[test]
fn ingress_controller_lines_count_as_controller_messages_apart_from_responses() {
    let lines: [&[u8]; 2] = [
        b"W0412 10:02:11.120533       7 controller.go:1112] Service \"shop/cart\" does not have any active Endpoint.",
        b"I0412 10:02:12.000000       7 controller.go:200] Backend successfully reloaded",
    ];
    let mut s = Summary::new();
    for line in lines {
        s.push_event(&logparse::ingress::parse(line).unwrap());
    }
    let cart = s.upstreams().find(|r| r.name() == Some(&b"shop/cart"[..])).unwrap();
    assert_eq!(cart.count(Unit::ControllerMessages, Class::NoLiveUpstreams), 1);
    assert_eq!(cart.total(Unit::Responses), 0);
    assert_eq!(s.units().collect::<Vec<_>>(), [Unit::ControllerMessages]);
    assert_eq!(Unit::of(Format::IngressController).as_str(), "controller_messages");
}

fn aggregator_of(lines: &[&[u8]]) -> Aggregator {
    let mut opts = logparse::Options::default();
    opts.year = Some(2023);
    let mut agg = Aggregator::new();
    for line in lines {
        agg.push(&logparse::haproxy::parse_with(line, &opts).unwrap());
    }
    agg
}

/// The notices of `upstream_down` per second in the series `debian11-3`'s backend.
fn downs(agg: &Aggregator) -> Vec<(i64, u64)> {
    let key = agg.find(Some(b"web_servers"), Unit::Notices).unwrap();
    agg.counts(key, i64::MIN, i64::MAX)
        .filter(|c| c.class == Class::UpstreamDown)
        .map(|c| (c.second, c.n))
        .collect()
}

#[test]
fn haproxy_message_copies_count_once_in_timelines_whatever_the_parts() {
    let whole = aggregator_of(&COPIES);
    // 04:03:06 and its copy at 04:03:07 count once, at the first; 04:03:09 is another.
    let t = |s: i64| 1_676_779_380 + s;
    assert_eq!(downs(&whole), [(t(6), 1), (t(9), 1)]);
    assert_eq!(whole.copies(), 1);
    for cut in 0..=COPIES.len() {
        let merged = aggregator_of(&COPIES[..cut]).merge(aggregator_of(&COPIES[cut..]));
        assert_eq!(merged, whole, "cut at {cut}");
        assert_eq!(merged.copies(), 1, "cut at {cut}");
    }
}

proptest! {
    /// Copies count once per run of seconds, whatever the order and the parts: merging any
    /// split in any order gives the one-pass counts.
    #[test]
    fn copies_merge_like_one_pass(
        seconds in prop::collection::vec(0i64..12, 1..24),
        cut in any::<prop::sample::Index>(),
        swap in any::<bool>(),
    ) {
        let line = |s: i64| format!(
            "Feb 19 04:03:{s:02} debian11 haproxy[4418]: Server web_servers/debian11-3 is DOWN, \
             reason: Layer4 connection problem, info: \"Connection refused\", check duration: \
             0ms. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining \
             in queue."
        );
        let lines: Vec<String> = seconds.iter().map(|&s| line(s)).collect();
        let bytes: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
        let whole = aggregator_of(&bytes);
        let whole_summary = summary_of(&bytes);
        let cut = cut.index(bytes.len() + 1);
        let (a, b) = (&bytes[..cut], &bytes[cut..]);
        let (merged, merged_summary) = if swap {
            (aggregator_of(b).merge(aggregator_of(a)), summary_of(b).merge(summary_of(a)))
        } else {
            (aggregator_of(a).merge(aggregator_of(b)), summary_of(a).merge(summary_of(b)))
        };
        prop_assert_eq!(&merged, &whole);
        prop_assert_eq!(merged.copies(), whole.copies());
        prop_assert_eq!(&merged_summary, &whole_summary);
        prop_assert_eq!(merged_summary.copies(), whole_summary.copies());
        // The count is the number of runs of distinct seconds.
        let mut distinct = seconds.clone();
        distinct.sort_unstable();
        distinct.dedup();
        let runs = distinct.iter().filter(|&&s| !distinct.contains(&(s - 1))).count() as u64;
        let total: u64 = downs(&whole).iter().map(|d| d.1).sum();
        prop_assert_eq!(total, runs);
        prop_assert_eq!(whole.copies(), seconds.len() as u64 - runs);
        let row = whole_summary.upstreams().find(|r| r.name() == Some(&b"debian11-3"[..])).unwrap();
        prop_assert_eq!(row.count(Unit::Notices, Class::UpstreamDown), runs);
        prop_assert_eq!(whole_summary.copies(), seconds.len() as u64 - runs);
    }
}

/// HAProxy's `no server available` message of backend `web_servers` at `second` (Unix), as
/// syslog keeps it.
fn no_server_line(second: i64) -> String {
    let t = Timestamp::from_unix_seconds(second).to_string();
    let hms = &t[11..19];
    format!("Feb 19 {hms} debian11 haproxy[4418]: backend web_servers has no server available!")
}

#[test]
fn a_live_detector_counts_copies_in_separate_batches_once() {
    // An hour of one message every five minutes, then a burst of thirty within ninety
    // seconds; each message comes twice (its copy a second later), the copies in separate
    // batches.
    let start = 1_676_779_200; // 2023-02-19T04:00:00Z
    let mut seconds: Vec<i64> = (0..12).map(|i| start + 300 * i).collect();
    seconds.extend((0..30).map(|i| start + 3600 + 3 * i));
    let mut lines = Vec::new();
    for &s in &seconds {
        lines.push(no_server_line(s));
        lines.push(no_server_line(s + 1));
    }
    let bytes: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
    let whole = aggregator_of(&bytes);
    assert_eq!(whole.copies(), seconds.len() as u64);
    let mut d = live::Detector::new(analysis::Settings::default());
    for line in &bytes {
        d.push(&aggregator_of(&[line]));
    }
    let done = d.finish();
    let want = analysis::analyze(&whole, &analysis::Settings::default());
    assert!(!want.spikes.is_empty(), "the burst is a spike");
    assert_eq!(done.analysis, want);
    assert_eq!(done.late, 0);
}

use std::io::Write as _;

use proptest::prelude::*;
use timeline::Summary;

use super::*;

/// Inputs with every kind of state the parser carries across lines: see
/// `testdata/driver/README.md` for `chunking.log`, and `testdata/*/README.md` for the others.
const FIXTURES: [&[u8]; 6] = [
    include_bytes!("../../../../testdata/driver/chunking.log"),
    include_bytes!("../../../../testdata/mixed/all-formats.log"),
    include_bytes!("../../../../testdata/nginx-error/app_stderr.multiline.log"),
    include_bytes!("../../../../testdata/haproxy/admin.log"),
    include_bytes!("../../../../testdata/haproxy/framing.log"),
    include_bytes!("../../../../testdata/driver/small.log"),
];

/// Every line's outcome, in order: the strictest aggregate there is.
#[derive(Debug, Default, PartialEq)]
struct Trace(Vec<(u64, String)>);

impl Aggregate for Trace {
    fn push(&mut self, at: &At<'_>, outcome: Outcome<'_, '_>) {
        let what = match outcome {
            Outcome::Event(ev) => format!("{ev:?}"),
            Outcome::Excluded => "excluded".into(),
            Outcome::Continuation => "continuation".into(),
            Outcome::Unparsed(e) => format!("{e:?}"),
        };
        self.0.push((at.line, what));
    }

    fn merge(mut self, next: Trace) -> Trace {
        self.0.extend(next.0);
        self
    }

    fn shift_lines(&mut self, _source: u32, by: u64) {
        for (line, _) in &mut self.0 {
            *line += by;
        }
    }
}

fn input() -> Input {
    Input { path: None, name: "in.log".into() }
}

fn template() -> Parser {
    let mut opts = logparse::Options::default();
    opts.year = Some(2023);
    Parser::new(None, opts)
}

/// One pass over `data` with one parser.
fn one_pass<A: Aggregate + Default>(data: &[u8]) -> A {
    let mut agg = A::default();
    let (filter, input) = (Filter::default(), input());
    let push = &mut |at: &At<'_>, o: Outcome<'_, '_>| {
        agg.push(at, o);
        Ok::<(), Infallible>(())
    };
    let Ok(_) = scan(&mut template(), &filter, 0, &input, data, 1, push);
    agg
}

/// `data` read in the chunks `ranges`.
fn chunked<A: Aggregate + Default>(data: &[u8], ranges: &[std::ops::Range<usize>]) -> (A, Done) {
    let (filter, input, template) = (Filter::default(), input(), template());
    let stop = AtomicBool::new(false);
    let job =
        Job { filter: &filter, index: 0, input: &input, data, template: &template, stop: &stop };
    job.run(ranges, &A::default, &|_| {})
}

/// Cuts at the line starts at or after each of `at`.
fn cuts_at(data: &[u8], at: &[usize]) -> Vec<std::ops::Range<usize>> {
    let mut cuts: Vec<usize> = at
        .iter()
        .filter_map(|&a| {
            let a = a.min(data.len());
            if a == 0 {
                return Some(0);
            }
            memchr::memchr(b'\n', &data[a - 1..]).map(|i| a + i)
        })
        .collect();
    cuts.push(0);
    cuts.push(data.len());
    cuts.sort_unstable();
    cuts.dedup();
    cuts.windows(2).map(|w| w[0]..w[1]).collect()
}

fn fixtures(order: &[usize]) -> Vec<u8> {
    let mut data = Vec::new();
    for &i in order {
        data.extend_from_slice(FIXTURES[i % FIXTURES.len()]);
        if !data.ends_with(b"\n") {
            data.push(b'\n');
        }
    }
    data
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_chunking_gives_the_one_pass_result(
        order in prop::collection::vec(0..FIXTURES.len(), 1..6),
        at in prop::collection::vec(any::<prop::sample::Index>(), 0..12),
        size in 1usize..4096,
        by_detection in any::<bool>(),
    ) {
        let data = fixtures(&order);
        let ranges = if by_detection {
            input::chunks(&data, size)
        } else {
            let at: Vec<usize> = at.iter().map(|i| i.index(data.len() + 1)).collect();
            cuts_at(&data, &at)
        };
        prop_assert_eq!(ranges.iter().map(|r| r.len()).sum::<usize>(), data.len());
        let (trace, _) = chunked::<Trace>(&data, &ranges);
        prop_assert_eq!(&trace, &one_pass::<Trace>(&data));
        let (summary, _) = chunked::<Summary>(&data, &ranges);
        let whole = one_pass::<Summary>(&data);
        prop_assert_eq!(&summary, &whole);
        for (a, b) in summary.reasons().iter().zip(whole.reasons()) {
            prop_assert_eq!(&a.samples, &b.samples);
        }
    }
}

/// The line starts of `data`, 1-based by line number.
fn line_start(data: &[u8], line: usize) -> usize {
    if line <= 1 {
        return 0;
    }
    memchr::memchr_iter(b'\n', data).nth(line - 2).map_or(data.len(), |i| i + 1)
}

#[test]
fn cuts_where_the_state_matters_are_parsed_again() {
    let data = FIXTURES[0];
    let whole = one_pass::<Trace>(data);
    // Line 4 is an access line inside an open FastCGI entry; line 8 is the first January line
    // after the December ones (the year advances); line 12 continues an entry.
    for line in [4, 8, 12] {
        let ranges = cuts_at(data, &[line_start(data, line)]);
        let (trace, done) = chunked::<Trace>(data, &ranges);
        assert_eq!(trace, whole, "cut at line {line}");
        assert_eq!(done.reparsed, 1, "cut at line {line}");
    }
    // A cut at a line with a header of its own, after the rollover, is taken as it is.
    let ranges = cuts_at(data, &[line_start(data, 17)]);
    let (trace, done) = chunked::<Trace>(data, &ranges);
    assert_eq!((trace == whole, done.reparsed), (true, 1), "the year is still 2024 there");
    // Before the rollover, the states meet at the next year-less line: nothing to redo.
    let ranges = cuts_at(data, &[line_start(data, 2)]);
    let (trace, done) = chunked::<Trace>(data, &ranges);
    assert_eq!((trace == whole, done.reparsed), (true, 0));
    // Line 3 starts an nginx chunk whose state meets the previous one only at line 8, which
    // is read differently (2024 after December, 2023 from a fresh start).
    let ranges = cuts_at(data, &[line_start(data, 3)]);
    let (trace, done) = chunked::<Trace>(data, &ranges);
    assert_eq!((trace == whole, done.reparsed), (true, 1));
}

fn summary_of(path: &std::path::Path, mmap: bool) -> (Summary, bool) {
    let mut eng = Engine::new(Options { mmap, ..Options::default() });
    eng.chunk = 16 * 1024;
    let input = Input { path: Some(path.to_path_buf()), name: "in.log".into() };
    let opened = input::open(&input, mmap, &eng.progress).unwrap();
    let mapped = matches!(opened.source, Source::Mapped(_));
    (aggregate_input(&eng, 0, &input, &Summary::new, None), mapped)
}

#[test]
fn mapped_read_and_compressed_files_give_identical_summaries() {
    // Several chunks' worth, with a CRLF line, an overlong line and no final newline.
    let mut data = Vec::new();
    while data.len() < 300_000 {
        data.extend_from_slice(&fixtures(&[0, 1, 2, 3, 4, 5]));
        data.extend_from_slice(b"2024/01/01 00:00:00 [error] 1#1: *1 no live upstreams\r\n");
    }
    data.extend(std::iter::repeat_n(b'x', input::MAX_LINE + 10));
    data.extend_from_slice(b"\nlast line without a newline");
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("in.log");
    std::fs::write(&plain, &data).unwrap();
    let gz = dir.path().join("in.log.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&data).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();

    let (mapped, was_mapped) = summary_of(&plain, true);
    let (read, was_read) = summary_of(&plain, false);
    let (unzipped, _) = summary_of(&gz, true);
    assert!(was_mapped && !was_read);
    let lines = memchr::memchr_iter(b'\n', &data).count() as u64 + 1;
    assert_eq!(mapped.lines(), lines);
    assert_eq!(mapped, read);
    assert_eq!(mapped, unzipped);
    assert!(mapped.unparsed() > 0 && mapped.continuation() > 0);
}

#[test]
fn cuts_in_a_plain_log_need_no_second_pass() {
    // A custom access-log format and a zone table are part of the parser's state too: they
    // must compare equal between a fresh parser and one that has read lines.
    let mut data = Vec::new();
    while data.len() < 200_000 {
        data.extend_from_slice(include_bytes!(
            "../../../../testdata/nginx-access/main_upstream.log"
        ));
        data.extend_from_slice(include_bytes!("../../../../testdata/nginx-error/sample.log"));
    }
    let mut opts = logparse::Options::with_tz(crate::tz::zone("Europe/Paris").unwrap());
    opts.year = Some(2024);
    let template = Parser::new(None, opts)
        .with_access_format(logparse::nginx::access::LogFormat::main_upstream());
    let (filter, input) = (Filter::default(), input());
    let stop = AtomicBool::new(false);
    let job = Job {
        filter: &filter,
        index: 0,
        input: &input,
        data: &data,
        template: &template,
        stop: &stop,
    };
    let ranges = input::chunks(&data, 8 * 1024);
    assert!(ranges.len() > 20);
    let (summary, done) = job.run(&ranges, &Summary::new, &|_| {});
    assert_eq!(done, Done::default());
    assert_eq!(summary.lines(), memchr::memchr_iter(b'\n', &data).count() as u64);
}

use crate::logparse;
use std::io::Write as _;

use crate::logparse::Class;
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
    let push = &mut |at: &At<'_>, o: Outcome<'_, '_>, _carried: bool| {
        agg.push(at, o);
        Ok::<(), Infallible>(())
    };
    let mut reading = Reading::new(template());
    let Ok(_) = scan(&mut reading, &filter, 0, &input, data, 1, push);
    let Ok(()) = release(&mut reading, false, &filter, 0, &input, push);
    agg
}

/// `data` read in the chunks `ranges`.
fn chunked<A: Aggregate + Default>(data: &[u8], ranges: &[std::ops::Range<usize>]) -> (A, Done) {
    let (filter, input, template) = (Filter::default(), input(), template());
    let stop = AtomicBool::new(false);
    let job = Job { filter: &filter, index: 0, input: &input, template: &template, stop: &stop };
    job.run(ranges.iter().map(|r| &data[r.clone()]), &A::default, &|_| {})
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

fn summary_of(path: &std::path::Path, chunked: bool) -> (Summary, bool) {
    let mut eng = Engine::new(Options { chunked, ..Options::default() });
    eng.chunk = 16 * 1024;
    let input = Input { path: Some(path.to_path_buf()), name: "in.log".into() };
    let opened = input::open(&input, chunked, &eng.progress).unwrap();
    let in_chunks = matches!(opened.source, Source::Chunks(_));
    (aggregate_input(&eng, 0, &input, &Summary::new, None), in_chunks)
}

#[test]
fn chunked_streamed_and_compressed_files_give_identical_summaries() {
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

    let (chunked, was_chunked) = summary_of(&plain, true);
    let (read, was_read) = summary_of(&plain, false);
    let (unzipped, _) = summary_of(&gz, true);
    assert!(was_chunked && !was_read);
    let lines = memchr::memchr_iter(b'\n', &data).count() as u64 + 1;
    assert_eq!(chunked.lines(), lines);
    assert_eq!(chunked, read);
    assert_eq!(chunked, unzipped);
    assert!(chunked.unparsed() > 0 && chunked.continuation() > 0);
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
    let job = Job { filter: &filter, index: 0, input: &input, template: &template, stop: &stop };
    let ranges = input::chunks(&data, 8 * 1024);
    assert!(ranges.len() > 20);
    let (summary, done) = job.run(ranges.iter().map(|r| &data[r.clone()]), &Summary::new, &|_| {});
    assert_eq!((done.reparsed, done.interrupted), (0, None));
    assert_eq!(summary.lines(), memchr::memchr_iter(b'\n', &data).count() as u64);
}

/// An engine that reads in 16 KiB chunks and keeps the messages of the problems it reports.
fn recording_engine(chunked: bool) -> (Engine, Arc<Mutex<Vec<String>>>) {
    let problems = Arc::new(Mutex::new(Vec::new()));
    let sink = problems.clone();
    let mut eng = Engine::new(Options { chunked, ..Options::default() })
        .on_problem(move |p| lock(&sink).push(p.to_string()));
    eng.chunk = 16 * 1024;
    (eng, problems)
}

/// About 300 KB of whole lines of every fixture.
fn plain_log() -> Vec<u8> {
    let mut data = Vec::new();
    while data.len() < 300_000 {
        data.extend_from_slice(&fixtures(&[0, 1, 2, 3, 4, 5]));
    }
    data
}

#[test]
fn a_file_truncated_while_read_is_a_problem_and_its_lines_before_the_cut_are_kept() {
    let data = plain_log();
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("in.log");
    let gz = dir.path().join("in.log.gz");
    // Stored, not compressed: larger than what the decoder reads when it starts (256 KiB).
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::none());
    enc.write_all(&data).unwrap();
    enc.write_all(&data).unwrap();
    let zipped = enc.finish().unwrap();
    for (path, chunked, content, cut) in [
        (&plain, true, &data, 100_000),
        (&plain, false, &data, 100_000),
        (&gz, true, &zipped, 400_000),
    ] {
        std::fs::write(path, content).unwrap();
        let (eng, problems) = recording_engine(chunked);
        let input = Input::path(path);
        let opened = input::open(&input, chunked, &eng.progress).unwrap();
        std::fs::File::options().write(true).open(path).unwrap().set_len(cut as u64).unwrap();
        let summary = aggregate_opened(&eng, 0, &input, opened, &Summary::new, None);
        let problems = lock(&problems).clone();
        let what = format!("{} chunked={chunked}: {problems:?}", input.name);
        assert_eq!(problems.len(), 1, "{what}");
        let size = content.len();
        let want = format!(
            "{}: truncated while it was read: {size} bytes when opened, {cut} bytes read",
            input.name
        );
        assert!(problems[0].starts_with(&want), "{what}");
        let covers = format!("the report covers its first {} lines", summary.lines());
        assert!(problems[0].ends_with(&covers), "{what}");
        if path == &plain {
            // Every complete line before the cut, and not the line it cut.
            let lines = memchr::memchr_iter(b'\n', &data[..cut]).count() as u64;
            assert_eq!(summary.lines(), lines, "{what}");
        } else {
            assert!(summary.lines() > 0 && problems[0].contains("(gzip data, "), "{what}");
        }
    }
}

#[test]
fn a_file_appended_to_while_read_is_read_up_to_its_size_at_open() {
    let data = plain_log();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.log");
    let lines = memchr::memchr_iter(b'\n', &data).count() as u64;
    for chunked in [true, false] {
        std::fs::write(&path, &data).unwrap();
        let (eng, problems) = recording_engine(chunked);
        let input = Input::path(&path);
        let opened = input::open(&input, chunked, &eng.progress).unwrap();
        let mut f = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(&data).unwrap();
        let summary = aggregate_opened(&eng, 0, &input, opened, &Summary::new, None);
        assert_eq!(summary.lines(), lines, "chunked={chunked}");
        assert!(lock(&problems).is_empty(), "chunked={chunked}");
    }
}

/// The entries of `testdata/driver/fastcgi-entries.log` (see its README).
const ENTRIES: &[u8] = include_bytes!("../../../../testdata/driver/fastcgi-entries.log");

/// Each event's line, whether it has a time, its client and its phase; the number of
/// continuations. The lines of the second input (index 1) are numbered after the third
/// value's.
#[derive(Clone, Debug, Default, PartialEq)]
struct Entries(Vec<EntryEvent>, u64, u64);

/// An event's line, whether it has a time, its client and its phase.
type EntryEvent = (u64, bool, Option<String>, String);

impl Aggregate for Entries {
    fn push(&mut self, at: &At<'_>, outcome: Outcome<'_, '_>) {
        match outcome {
            Outcome::Event(ev) => {
                let client = ev.client.map(|c| String::from_utf8_lossy(c).into_owned());
                let line = at.line + if at.index == 1 { self.2 } else { 0 };
                self.0.push((line, ev.time.is_some(), client, ev.phase.as_str().into()));
            }
            Outcome::Continuation => self.1 += 1,
            Outcome::Excluded | Outcome::Unparsed(_) => panic!("line {}", at.line),
        }
    }

    fn merge(mut self, next: Entries) -> Entries {
        self.0.extend(next.0);
        self.1 += next.1;
        self
    }

    fn shift_lines(&mut self, _source: u32, by: u64) {
        for e in &mut self.0 {
            e.0 += by;
        }
    }
}

/// The aggregate's results, without its numbering.
fn results(e: Entries) -> (Vec<EntryEvent>, u64) {
    (e.0, e.1)
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap()
}

#[test]
fn a_fastcgi_entry_is_one_event_with_the_context_of_its_last_line_wherever_the_cuts_fall() {
    let whole = one_pass::<Entries>(ENTRIES);
    let s = |v: &str| Some(v.to_owned());
    let want = Entries(
        vec![
            (1, true, s("203.0.113.7"), "header".into()),
            (6, true, s("203.0.113.8"), "connect".into()),
            (7, true, None, "none".into()),
            (9, true, s("203.0.113.9"), "header".into()),
            (10, true, s("203.0.113.10"), "body".into()),
            (14, true, None, "none".into()),
        ],
        9,
        0,
    );
    assert_eq!(whole, want);
    let lines = memchr::memchr_iter(b'\n', ENTRIES).count();
    let starts: Vec<usize> = (1..=lines + 1).map(|l| line_start(ENTRIES, l)).collect();
    for threads in [1, 2] {
        pool(threads).install(|| {
            // One cut at every line start, two cuts at every pair, every line a chunk.
            for &a in &starts {
                for &b in starts.iter().filter(|&&b| b >= a) {
                    let (got, _) = chunked::<Entries>(ENTRIES, &cuts_at(ENTRIES, &[a, b]));
                    assert_eq!(got, whole, "{threads} threads, cuts at {a} and {b}");
                    let (trace, _) = chunked::<Trace>(ENTRIES, &cuts_at(ENTRIES, &[a, b]));
                    assert_eq!(trace, one_pass::<Trace>(ENTRIES), "{threads} threads, {a}, {b}");
                }
            }
            let (got, _) = chunked::<Entries>(ENTRIES, &cuts_at(ENTRIES, &starts));
            assert_eq!(got, whole, "{threads} threads, a chunk per line");
        });
    }
}

#[test]
fn a_fastcgi_entry_cut_by_a_file_edge_ends_there_and_its_last_line_stands_alone() {
    let dir = tempfile::tempdir().unwrap();
    let lines = memchr::memchr_iter(b'\n', ENTRIES).count();
    for cut_line in 2..=lines {
        let cut = line_start(ENTRIES, cut_line);
        let (a, b) = (dir.path().join("a.log"), dir.path().join("b.log"));
        std::fs::write(&a, &ENTRIES[..cut]).unwrap();
        std::fs::write(&b, &ENTRIES[cut..]).unwrap();
        let inputs = [Input::path(&a), Input::path(&b)];
        // What each file gives on its own, the second file's lines numbered after the first's.
        let want = one_pass::<Entries>(&ENTRIES[..cut]);
        let mut second = one_pass::<Entries>(&ENTRIES[cut..]);
        second.shift_lines(1, cut_line as u64 - 1);
        let want = want.merge(second);
        for threads in [1, 2] {
            for chunked in [true, false] {
                let mut eng =
                    Engine::new(Options { threads: Some(threads), chunked, ..Options::default() });
                eng.chunk = 64;
                // Line numbers are per input: number the second file's after the first's.
                let new = || Entries(Vec::new(), 0, cut_line as u64 - 1);
                let got = eng.collect(&inputs, &new, None);
                let label = format!("cut at line {cut_line}, {threads} threads, chunked {chunked}");
                assert_eq!(results(got), results(want.clone()), "{label}");
            }
        }
    }
    // The first entry cut after its second line: its first line's event without context, and
    // its last line an event of its own with that context and no time.
    let cut = line_start(ENTRIES, 3);
    let (first, second) =
        (one_pass::<Entries>(&ENTRIES[..cut]), one_pass::<Entries>(&ENTRIES[cut..]));
    assert_eq!(first, Entries(vec![(1, true, None, "none".into())], 1, 0));
    assert_eq!(second.0[0], (3, false, Some("203.0.113.7".into()), "header".into()));
}

#[test]
fn haproxy_message_copies_count_once_wherever_the_cuts_fall() {
    // Each health and admin message twice (stderr and syslog copies, some a second apart).
    let data: &[u8] = include_bytes!("../../../../testdata/haproxy/copies.log");
    let whole = one_pass::<Summary>(data);
    let timeline = one_pass::<timeline::Aggregator>(data);
    let debian = whole.upstreams().find(|r| r.name() == Some(&b"debian11-3"[..])).unwrap();
    let notices = |c| debian.count(timeline::Unit::Notices, c);
    assert_eq!((notices(Class::UpstreamDown), notices(Class::UpstreamUp)), (2, 1));
    assert_eq!(whole.copies(), timeline.copies());
    assert!(whole.copies() >= 4, "{}", whole.copies());
    let key = timeline.find(Some(b"web_servers"), timeline::Unit::Notices).unwrap();
    let downs: u64 = timeline
        .counts(key, i64::MIN, i64::MAX)
        .filter(|c| c.class == Class::UpstreamDown)
        .map(|c| c.n)
        .sum();
    assert_eq!(downs, 2, "the timeline counts each message once");
    let lines = memchr::memchr_iter(b'\n', data).count();
    let starts: Vec<usize> = (1..=lines + 1).map(|l| line_start(data, l)).collect();
    for threads in [1, 2] {
        pool(threads).install(|| {
            for &a in &starts {
                for &b in starts.iter().filter(|&&b| b >= a) {
                    let ranges = cuts_at(data, &[a, b]);
                    let (summary, _) = chunked::<Summary>(data, &ranges);
                    assert_eq!(summary, whole, "{threads} threads, cuts at {a} and {b}");
                    assert_eq!(summary.copies(), whole.copies());
                    let (agg, _) = chunked::<timeline::Aggregator>(data, &ranges);
                    assert_eq!(agg, timeline, "{threads} threads, cuts at {a} and {b}");
                    assert_eq!(agg.copies(), timeline.copies());
                }
            }
        });
    }
}

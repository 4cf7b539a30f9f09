//! An IIS W3C file whose `#Fields` directive changes mid-file is read with the right field
//! list on both sides of the change, whether it is read on one thread or cut into chunks read
//! on two (a chunk after the change starts without the directive: the driver must carry the
//! field list across the cut).

use engine::logparse::{Class, Format};
use engine::timeline::{Summary, Unit};
use engine::{Engine, Input, Options};

/// Records before the change: 16 fields; a refused connect (502.3, WinHTTP 12029 after 1 s)
/// on route `/a` every fourth record, a 200 otherwise.
const FIELDS_A: &str = "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status sc-substatus sc-win32-status sc-bytes cs-bytes time-taken";
/// After it: 15 fields in another order, the length of IIS 8's default list, so a reader
/// that guessed the default would take `cs-uri-stem` for `cs-uri-query` and the time-taken
/// for the status. A 30 s ARR timeout (502.3, 12002) on route `/b` every fourth record.
const FIELDS_B: &str = "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port c-ip cs(User-Agent) time-taken sc-status sc-substatus sc-win32-status sc-bytes cs-bytes";

fn file(records: u32) -> (String, u64) {
    let mut s = String::from(
        "#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n#Date: 2026-06-02 08:00:00\n",
    );
    s.push_str(FIELDS_A);
    s.push('\n');
    let mut failures = 0;
    for k in 0..records {
        let (m, sec) = (k / 60 % 60, k % 60);
        let (status, sub, w, tt) = if k % 4 == 0 { (502, 3, 12029, 1021) } else { (200, 0, 0, 12) };
        failures += u64::from(k % 4 == 0);
        s.push_str(&format!(
            "2026-06-02 08:{m:02}:{sec:02} 192.0.2.10 GET /a/api/items X-ARR-CACHE-HIT=0&X-ARR-LOG-ID=0b9a7c1e-0000-4000-8000-{k:012} 443 - 198.51.100.7 Mozilla/5.0+(Windows+NT+10.0) {status} {sub} {w} 1617 390 {tt}\n"
        ));
    }
    s.push_str("#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n#Date: 2026-06-02 09:00:00\n");
    s.push_str(FIELDS_B);
    s.push('\n');
    for k in 0..records {
        let (m, sec) = (k / 60 % 60, k % 60);
        let (status, sub, w, tt) =
            if k % 4 == 0 { (502, 3, 12002, 30011) } else { (200, 0, 0, 12) };
        s.push_str(&format!(
            "2026-06-02 09:{m:02}:{sec:02} 192.0.2.10 GET /b/report X-ARR-CACHE-HIT=0&X-ARR-LOG-ID=0b9a7c1e-0000-4000-8000-{k:012} 443 198.51.100.7 Mozilla/5.0+(Windows+NT+10.0) {tt} {status} {sub} {w} 1617 390\n"
        ));
    }
    (s, failures)
}

fn summary(threads: usize, input: &Input, format: Option<Format>) -> Summary {
    let engine = Engine::new(Options { threads: Some(threads), format, ..Options::default() });
    let s: Summary = engine.collect(std::slice::from_ref(input), &Summary::new, None);
    assert_eq!(engine.problems(), 0);
    s
}

fn responses(s: &Summary, class: Class) -> u64 {
    s.rows(Unit::Responses).iter().map(|r| r.count(Unit::Responses, class)).sum()
}

#[test]
fn fields_change_mid_file_read_right_on_one_and_two_threads() {
    const RECORDS: u32 = 3000;
    let (text, failures) = file(RECORDS);
    assert!(text.len() > 8 * 65536, "the file is cut into chunks ({} bytes)", text.len());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("u_ex260602.log");
    std::fs::write(&path, &text).unwrap();
    let input = Input::path(&path);
    let directives = text.lines().filter(|l| l.starts_with('#')).count() as u64;
    let mut seen = Vec::new();
    for format in [Some(Format::Iis), None] {
        for threads in [1, 2] {
            let s = summary(threads, &input, format);
            let at = format!("{format:?}, {threads} threads");
            // The directives are accounted for as skipped lines, not as events.
            assert_eq!(s.unparsed(), directives, "{at}");
            assert_eq!(s.events(), 2 * u64::from(RECORDS), "{at}: directives are no events");
            assert_eq!(responses(&s, Class::ConnectRefused), failures, "{at}");
            assert_eq!(responses(&s, Class::ResponseTimeout), failures, "{at}");
            assert_eq!(responses(&s, Class::Ok), 2 * (u64::from(RECORDS) - failures), "{at}");
            seen.push(s);
        }
    }
    assert!(seen.windows(2).all(|w| w[0] == w[1]), "same summary every way");
}

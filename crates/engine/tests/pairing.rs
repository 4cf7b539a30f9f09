//! Traefik's and Caddy's unexplained 502/504 responses take the class of the line that explains
//! them (`logparse::pair`), in the summary and the per-second counts, whether an input is read
//! on one thread or cut into chunks read on two, and whether the causes are in the same file
//! or in another one.

use engine::logparse::Class;
use engine::timeline::{Aggregator, Summary, Unit};
use engine::{Engine, Input, Options};

/// `seconds` seconds of a Traefik incident: each second one `connection refused` 502 (a CLF
/// access line and its debug line, the debug line first every other second), one unexplained
/// 504, and one Caddy 502 with its `i/o timeout` error line. Returns the access and debug
/// lines apart.
fn incident(seconds: u32) -> (String, String) {
    let (mut access, mut debug) = (String::new(), String::new());
    for k in 0..seconds {
        let (m, s) = (k / 60 % 60, k % 60);
        let h = 9 + k / 3600;
        let clf = format!(
            "10.1.2.3 - - [14/Mar/2024:{h:02}:{m:02}:{s:02} +0000] \"GET /cart HTTP/1.1\" 502 11 \"-\" \"curl/8.5.0\" {k} \"shop@kubernetescrd\" \"http://10.42.0.17:8080\" 1ms\n"
        );
        let cause = format!(
            "time=\"2024-03-14T{h:02}:{m:02}:{s:02}Z\" level=debug msg=\"'502 Bad Gateway' caused by: dial tcp 10.42.0.17:8080: connect: connection refused\"\n"
        );
        let timeout = format!(
            "10.1.2.3 - - [14/Mar/2024:{h:02}:{m:02}:{s:02} +0000] \"GET /pay HTTP/1.1\" 504 15 \"-\" \"curl/8.5.0\" {k} \"shop@kubernetescrd\" \"http://10.42.0.19:8080\" 30001ms\n"
        );
        let ts = 1_710_406_800 + u64::from(k);
        let caddy_error = format!(
            "{{\"level\":\"error\",\"ts\":{ts}.5,\"logger\":\"http.log.error\",\"msg\":\"dial tcp 10.0.0.9:8080: i/o timeout\",\"request\":{{\"remote_ip\":\"10.1.9.2\",\"method\":\"GET\",\"host\":\"blog.example\",\"uri\":\"/feed\",\"headers\":{{\"Accept\":[\"*/*\"]}}}},\"duration\":3.0,\"status\":502}}\n"
        );
        let caddy_access = format!(
            "{{\"level\":\"error\",\"ts\":{ts}.6,\"logger\":\"http.log.access\",\"msg\":\"handled request\",\"request\":{{\"remote_ip\":\"10.1.9.2\",\"method\":\"GET\",\"host\":\"blog.example\",\"uri\":\"/feed\",\"headers\":{{\"Accept\":[\"*/*\"]}}}},\"duration\":3.0,\"size\":0,\"status\":502}}\n"
        );
        if k % 2 == 0 {
            access.push_str(&clf);
            debug.push_str(&cause);
        } else {
            debug.push_str(&cause);
            access.push_str(&clf);
        }
        access.push_str(&timeout);
        access.push_str(&caddy_access);
        debug.push_str(&caddy_error);
    }
    (access, debug)
}

fn collect<A: engine::Aggregate>(
    threads: usize,
    inputs: &[Input],
    new: &(dyn Fn() -> A + Sync),
) -> A {
    let engine = Engine::new(Options { threads: Some(threads), ..Options::default() });
    let got = engine.collect(inputs, new, None);
    assert_eq!(engine.problems(), 0);
    got
}

fn responses(summary: &Summary, class: Class) -> u64 {
    summary.rows(Unit::Responses).iter().map(|r| r.count(Unit::Responses, class)).sum()
}

#[test]
fn pairs_do_not_depend_on_threads_chunks_or_files() {
    const SECONDS: u32 = 1500;
    let (access, debug) = incident(SECONDS);
    let dir = tempfile::tempdir().unwrap();
    let both = dir.path().join("both.log");
    // One file, each second's lines together (large enough to be cut into chunks).
    let mut interleaved = String::new();
    for (a, d) in access
        .split_inclusive('\n')
        .collect::<Vec<_>>()
        .chunks(3)
        .zip(debug.split_inclusive('\n').collect::<Vec<_>>().chunks(2))
    {
        interleaved.extend(d.iter().copied().chain(a.iter().copied()));
    }
    std::fs::write(&both, &interleaved).unwrap();
    assert!(interleaved.len() > 4 * 65536, "the file is cut into chunks");
    let (a_path, d_path) = (dir.path().join("access.log"), dir.path().join("traefik.log"));
    std::fs::write(&a_path, &access).unwrap();
    std::fs::write(&d_path, &debug).unwrap();

    let one_file = [Input::path(&both)];
    let two_files = [Input::path(&a_path), Input::path(&d_path)];
    let s1: Summary = collect(1, &one_file, &Summary::new);
    let s2: Summary = collect(2, &one_file, &Summary::new);
    let s3: Summary = collect(2, &two_files, &Summary::new);
    let n = u64::from(SECONDS);
    for s in [&s1, &s2, &s3] {
        assert_eq!(s.paired(), 2 * n);
        assert_eq!(responses(s, Class::ConnectRefused), n);
        assert_eq!(responses(s, Class::ConnectTimeout), n);
        assert_eq!(responses(s, Class::GatewayError), n, "the 504s without a cause");
    }
    assert_eq!(s1, s2);
    assert_eq!(s1, s3);
    let a1: Aggregator = collect(1, &one_file, &Aggregator::new);
    let a2: Aggregator = collect(2, &one_file, &Aggregator::new);
    let a3: Aggregator = collect(2, &two_files, &Aggregator::new);
    assert_eq!(a1, a2);
    assert_eq!(a1, a3);
}

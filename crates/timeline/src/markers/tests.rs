use std::path::Path;

use super::*;

/// 2026-11-20T12:00:01Z.
const T: i64 = 1_795_176_001;

fn fixture(name: &str) -> Vec<Deploy> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/deploys").join(name);
    read_deploys_file(&path).unwrap_or_else(|e| panic!("{name}: {e:#}"))
}

fn summary(d: &Deploy) -> (i64, Option<i64>, Option<&str>, Option<&str>) {
    (d.start, d.end, d.version.as_deref(), d.service.as_deref())
}

#[test]
fn deploy_flag_compact_forms() {
    let d = parse_deploy_flag("2026-11-20T12:00:01Z=v1.4.2@api").unwrap();
    assert_eq!(summary(&d), (T, None, Some("v1.4.2"), Some("api")));
    let d = parse_deploy_flag("2026-11-20T13:00:01+01:00").unwrap();
    assert_eq!(summary(&d), (T, None, None, None));
    let d = parse_deploy_flag("2026-11-20T12:00:01Z@api").unwrap();
    assert_eq!(summary(&d), (T, None, None, Some("api")));
    let d = parse_deploy_flag("@1795176001000=v2").unwrap();
    assert_eq!(summary(&d), (T, None, Some("v2"), None));
    let d = parse_deploy_flag("@1795176001@search").unwrap();
    assert_eq!(summary(&d), (T, None, None, Some("search")));
    // The service is after the last '@'.
    let d = parse_deploy_flag("2026-11-20T12:00:01Z=pkg@1.4.2@api").unwrap();
    assert_eq!(summary(&d), (T, None, Some("pkg@1.4.2"), Some("api")));
}

#[test]
fn deploy_flag_pair_form() {
    let d = parse_deploy_flag(
        "at=2026-11-20T12:00:01Z,end=2026-11-20T12:01:30Z,version=v1.4.2,service=api,env=prod,kind=rollback",
    )
    .unwrap();
    assert_eq!(summary(&d), (T, Some(T + 89), Some("v1.4.2"), Some("api")));
    assert_eq!((d.env.as_deref(), d.kind), (Some("prod"), Kind::Rollback));
    let err = format!("{:#}", parse_deploy_flag("at=2026-11-20T12:00:01Z,colour=red").unwrap_err());
    assert!(err.contains("colour"), "{err}");
    let err = format!(
        "{:#}",
        parse_deploy_flag("at=2026-11-20T12:00:01Z,end=2026-11-20T11:00:00Z").unwrap_err()
    );
    assert!(err.contains("before the start"), "{err}");
}

#[test]
fn zone_less_times_are_refused_with_a_reason() {
    for bad in ["2026-11-20T12:00:01=v1", "2026-11-20 12:00:01", "2026-11-20"] {
        let err = format!("{:#}", parse_deploy_flag(bad).unwrap_err());
        assert!(err.contains("no time zone") && err.contains("+02:00"), "{bad}: {err}");
    }
    let err = format!("{:#}", parse_deploy_flag("yesterday").unwrap_err());
    assert!(err.contains("RFC 3339"), "{err}");
}

#[test]
fn durations() {
    assert_eq!(parse_duration("5s", "--deploy-skew").unwrap(), 5);
    assert_eq!(parse_duration("15m", "--baseline").unwrap(), 900);
    assert_eq!(parse_duration("2h", "--bucket").unwrap(), 7200);
    assert_eq!(parse_duration("30", "--bucket").unwrap(), 30);
    let err = format!("{:#}", parse_duration("1 minute", "--bucket").unwrap_err());
    assert!(err.contains("--bucket") && err.contains("15m"), "{err}");
}

#[test]
fn a_duration_too_long_for_the_seconds_counter_is_refused() {
    assert_eq!(
        parse_duration("106751991167300d", "--bucket").unwrap(),
        106_751_991_167_300 * 86_400
    );
    let err = parse_duration("106751991167301d", "--bucket").unwrap_err();
    assert!(matches!(err.kind, MarkerErrorKind::Duration { .. }), "{err}");
    assert!(parse_duration("9223372036854775807s", "--bucket").is_ok());
}

#[test]
fn service_map_values() {
    let mut map = ServiceMap::new();
    parse_service_map(&mut map, "api=10.0.0.5:3000,10.0.0.6:3000").unwrap();
    assert!(!map.is_empty());
    let d = Deploy { service: Some("API".into()), ..Deploy::default() };
    let level = crate::deploy::match_level(&d, Some(b"10.0.0.6:3000"), &[], &map);
    assert_eq!(level, crate::deploy::Match::Exact);
    assert!(parse_service_map(&mut map, "api").is_err());
    assert!(parse_service_map(&mut map, "api=").is_err());
}

#[test]
fn grafana_annotations() {
    let d = fixture("grafana.json");
    assert_eq!(summary(&d[0]), (T, Some(T + 89), Some("v1.4.2"), Some("api")));
    assert_eq!(summary(&d[1]), (T + 3600, None, Some("2.0.0"), Some("search")));
}

#[test]
fn datadog_events() {
    let d = fixture("datadog.jsonl");
    assert_eq!(summary(&d[0]), (T, None, Some("1.4.2"), Some("api")));
    assert_eq!(d[0].env.as_deref(), Some("prod"));
    assert_eq!(d.len(), 2);
}

#[test]
fn honeycomb_markers() {
    let d = fixture("honeycomb.jsonl");
    assert_eq!(summary(&d[0]), (T, Some(T + 89), None, None));
    assert_eq!(d[0].kind, Kind::Deploy);
}

#[test]
fn sentry_deploys() {
    let d = fixture("sentry.jsonl");
    assert_eq!(summary(&d[0]), (T, Some(T + 89), None, None));
    assert_eq!(d[0].env.as_deref(), Some("production"));
}

#[test]
fn argo_cd_history() {
    let d = fixture("argocd.json");
    assert_eq!(d.len(), 2);
    assert_eq!(summary(&d[0]), (T - 3600, Some(T - 3561), Some("9f2c41d"), Some("api")));
    assert_eq!(summary(&d[1]), (T, Some(T + 89), Some("a83be07"), Some("api")));
}

#[test]
fn github_deployments() {
    let d = fixture("github.json");
    assert_eq!(summary(&d[0]), (T, None, Some("a83be07c51d2"), None));
    assert_eq!(d[0].env.as_deref(), Some("production"));
}

#[test]
fn generic_json_lines() {
    let d = fixture("generic.jsonl");
    assert_eq!(summary(&d[0]), (T, Some(T + 89), Some("v1.4.2"), Some("api")));
    assert_eq!(d[0].upstreams, ["10.0.0.5:3000", "api_backend"]);
    assert_eq!(d[0].source.as_deref(), Some("argo"));
    assert_eq!(
        (summary(&d[1]), d[1].kind),
        ((T, None, Some("v1.4.1"), Some("api")), Kind::Rollback)
    );
}

#[test]
fn kubectl_events_group_a_rollout_and_keep_restarts() {
    let d = fixture("kubectl.json");
    let got: Vec<_> = d.iter().map(|d| (summary(d), d.kind)).collect();
    assert_eq!(
        got,
        [
            ((T, Some(T + 89), Some("7d9f8c6b5"), Some("api")), Kind::Deploy),
            ((T + 30, None, None, Some("api")), Kind::Restart),
            ((T + 3600, None, Some("66b8d4f7c"), Some("search")), Kind::Deploy),
        ]
    );
}

#[test]
fn csv_with_a_header() {
    let d = fixture("deploys.csv");
    assert_eq!(summary(&d[0]), (T, Some(T + 89), Some("v1.4.2"), Some("api")));
    assert_eq!(d[0].upstreams, ["10.0.0.5:3000", "10.0.0.6:3000"]);
    assert_eq!(summary(&d[1]), (T + 3600, None, Some("2.0.0"), Some("search, eu")));
}

#[test]
fn git_log_commits() {
    let d = fixture("git.log");
    assert_eq!(d.len(), 2);
    assert_eq!((summary(&d[1]), d[1].kind), ((T, None, Some("a83be07"), None), Kind::Commit));
    assert_eq!(d[0].start, T - 9906);
}

#[test]
fn bad_files_name_the_line() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/deploys/bad.jsonl");
    let err = format!("{:#}", read_deploys_file(&path).unwrap_err());
    assert!(err.contains("bad.jsonl:2") && err.contains("invalid JSON"), "{err}");
    let err = format!("{:#}", parse_deploys("{\"service\": \"api\"}\n", "m.jsonl").unwrap_err());
    assert!(err.contains("m.jsonl:1") && err.contains("no time field"), "{err}");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/deploys/zoneless.csv");
    let err = format!("{:#}", read_deploys_file(&path).unwrap_err());
    assert!(err.contains("zoneless.csv:2") && err.contains("no time zone"), "{err}");
    let err = format!("{:#}", parse_deploys("deployed api yesterday\n", "notes.txt").unwrap_err());
    assert!(err.contains("notes.txt:1") && err.contains("JSON Lines"), "{err}");
    let err = format!("{:#}", parse_deploys("service,version\napi,1\n", "x.csv").unwrap_err());
    assert!(err.contains("x.csv:1") && err.contains("no time column"), "{err}");
    let err = format!(
        "{:#}",
        parse_deploys("time,service\n2026-11-20T12:00:01Z\n", "y.csv").unwrap_err()
    );
    assert!(err.contains("y.csv:2") && err.contains("header has 2"), "{err}");
}

proptest::proptest! {
    /// Text made of the characters the formats give meaning to, so that most inputs reach deep
    /// into a parser before failing: every parser returns, none panics.
    #[test]
    fn no_input_makes_a_parser_panic(
        text in r#"[\[\]{}":,@=;. \n/0-9a-fTZvs+-]{0,80}|\{"(time|end|items|kind|tags|status)": .{0,40}"#,
    ) {
        let _ = parse_deploys(&text, "p");
        let _ = parse_deploy_flag(&text);
        let _ = parse_duration(&text, "--bucket");
        let _ = parse_time(&text);
        let _ = parse_service_map(&mut ServiceMap::new(), &text);
    }
}

#[test]
fn unreadable_files_say_why() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/deploys");
    let err = read_deploys_file(&dir.join("no-such-file.jsonl")).unwrap_err();
    assert!(matches!(err.kind, MarkerErrorKind::Read(_)), "{err:?}");
    let msg = err.to_string();
    assert!(msg.ends_with("no-such-file.jsonl: the file does not exist"), "{msg}");
    assert!(!msg.contains("UTF-8"), "{msg}");
    let msg = read_deploys_file(&dir).unwrap_err().to_string();
    assert!(msg.contains("cannot read the file: ") && !msg.contains("UTF-8"), "{msg}");
    let err = read_through_a_file(b"2024-03-14T10:00:00Z abc ok\n2024-03-14T10:00:01Z caf\xe9 x\n");
    assert!(matches!(err.kind, MarkerErrorKind::NotUtf8 { line: 2, offset: 52 }), "{err:?}");
    assert!(err.to_string().contains("the file is not UTF-8 text (line 2"), "{err}");
}

/// Reads `bytes` through a temporary file, expecting an error.
fn read_through_a_file(bytes: &[u8]) -> MarkerError {
    let dir = std::env::temp_dir().join(format!("gatelog-markers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("latin1.log");
    std::fs::write(&path, bytes).unwrap();
    let err = read_deploys_file(&path).unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    err
}

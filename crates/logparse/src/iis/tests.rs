use super::*;

#[test]
fn hresult_is_reduced_to_its_win32_code() {
    assert_eq!(normalise_win32(2_147_954_402), 12002);
    assert_eq!(normalise_win32(12029), 12029);
    assert_eq!(normalise_win32(0x8004_0001), 0x8004_0001);
}

#[test]
fn fields_change_mid_file() {
    let mut p = Parser::new();
    assert!(
        p.parse(b"#Fields: date time sc-status sc-substatus sc-win32-status time-taken").is_err()
    );
    let ev = p.parse(b"2026-06-02 08:00:01 502 3 12029 1032").unwrap();
    assert_eq!(ev.class, Class::ConnectRefused);
    assert!(p.parse(b"2026-06-02 08:00:01 /x 502 3 12029 1032").is_err());
    assert!(
        p.parse(
            b"#Fields: date time cs-uri-stem sc-status sc-substatus sc-win32-status time-taken"
        )
        .is_err()
    );
    let ev = p.parse(b"2026-06-02 08:00:01 /x/y 502 3 12029 21034").unwrap();
    assert_eq!(ev.class, Class::ConnectTimeout);
    assert_eq!(ev.upstream, Some(&b"/x"[..]));
}

#[test]
fn times_with_and_without_seconds() {
    let t = stamp(b"2026-06-02", b"08:00:01.250").unwrap();
    assert_eq!(t.subsec_micros(), 250_000);
    assert_eq!(stamp(b"2026-06-02", b"08:00").unwrap().unix_seconds() % 60, 0);
    assert!(stamp(b"2026-06-02", b"08:00:").is_none());
}

#[test]
fn query_keys_only_at_key_boundaries() {
    let q = b"a=1&xSERVER-STATUS=9&SERVER-STATUS=200";
    assert_eq!(query_value(q, b"SERVER-STATUS="), Some(&b"200"[..]));
}

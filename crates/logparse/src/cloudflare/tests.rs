use super::*;

#[test]
fn unix_units_by_magnitude() {
    let want = Some(Timestamp::from_unix_seconds(1_780_380_000));
    for v in [
        &b"1780380000"[..],
        b"1780380000000",
        b"1780380000000000",
        b"1780380000000000000",
        b"\"1780380000\"",
    ] {
        assert_eq!(time(Some(v), "t").unwrap(), want, "{}", String::from_utf8_lossy(v));
    }
    assert_eq!(
        time(Some(b"\"2026-06-02T08:00:00Z\""), "t").unwrap().map(|t| t.unix_seconds() % 60),
        Some(0)
    );
}

#[test]
fn array_output_is_tolerated() {
    let line = br#"[{"ClientRequestHost":"a","EdgeResponseStatus":524,"OriginResponseStatus":0},"#;
    assert_eq!(parse(line).unwrap().class, Class::ResponseTimeout);
    assert!(looks_like(line));
}

#[test]
fn security_block_is_the_edge_answering() {
    let line = br#"{"ClientRequestHost":"a","EdgeResponseStatus":403,"OriginResponseStatus":0,"SecurityActions":["managedChallenge"]}"#;
    assert_eq!(parse(line).unwrap().class, Class::ClientError);
}

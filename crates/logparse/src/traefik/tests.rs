use super::*;

#[test]
fn clf_with_quoted_and_unquoted_server_url() {
    let quoted = br#"10.0.0.2 - - [08/Jan/2023:12:28:57 +0000] "GET /a HTTP/1.1" 502 11 "-" "curl/8" 7 "web@docker" "http://10.0.0.5:80" 3ms"#;
    let ev = parse(quoted).unwrap();
    assert_eq!(ev.class, Class::GatewayError);
    assert_eq!(ev.upstream, Some(&b"10.0.0.5:80"[..]));
    assert_eq!(ev.server, Some(&b"web@docker"[..]));
    let bare = br#"10.0.0.2 - - [08/Jan/2023:12:28:57 +0000] "GET /a HTTP/1.1" 200 11 "-" "curl/8" 7 "web@docker" http://10.0.0.5:80 0ms"#;
    let ev = parse(bare).unwrap();
    assert_eq!(ev.class, Class::Ok);
    assert_eq!(ev.upstream, Some(&b"10.0.0.5:80"[..]));
    assert!(looks_like(quoted) && looks_like(bare));
}

#[test]
fn json_wrong_type_names_the_key_and_unknown_keys_are_ignored() {
    let e = parse(br#"{"DownstreamStatus":"502","RouterName":"a"}"#).unwrap_err();
    assert_eq!(e.kind, ParseErrorKind::InvalidField("DownstreamStatus"));
    let e = parse(br#"{"DownstreamStatus":502,"Duration":-4}"#).unwrap_err();
    assert_eq!(e.kind, ParseErrorKind::InvalidField("Duration"));
    let ev = parse(br#"{"Zed":{"x":[1]},"DownstreamStatus":502,"OriginStatus":502,"ServiceURL":"http://10.0.0.5:80","RouterName":"r"}"#).unwrap();
    assert_eq!(ev.class, Class::GatewayError);
}

#[test]
fn zerolog_console_and_json_debug_lines() {
    let ev = parse(br#"2024-05-01T10:00:00Z DBG github.com/traefik/traefik/v3/pkg/proxy/httputil/proxy.go:113 > 502 Bad Gateway error="dial tcp 10.0.0.5:80: connect: connection refused""#).unwrap();
    assert_eq!(ev.class, Class::ConnectRefused);
    assert_eq!(ev.status, Some(502));
    assert_eq!(ev.upstream, Some(&b"10.0.0.5:80"[..]));
    let line = br#"{"level":"debug","error":"net/http: timeout awaiting response headers","time":"2024-05-01T10:00:00Z","message":"504 Gateway Timeout"}"#;
    assert!(looks_like(line));
    let ev = parse(line).unwrap();
    assert_eq!(ev.class, Class::ResponseTimeout);
    assert_eq!(ev.status, Some(504));
}

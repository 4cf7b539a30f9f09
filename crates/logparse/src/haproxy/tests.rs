use super::*;
use crate::event::Level;
use crate::time::Tz;
use proptest::prelude::*;

/// One test per line: `name, line, |event, fields| assertions`.
macro_rules! hap {
    ($($name:ident, $line:expr, |$ev:ident, $f:ident| $body:block)*) => {
        $(
            #[test]
            fn $name() {
                let line: &[u8] = $line;
                let $ev = parse(line).unwrap_or_else(|e| panic!("{e}: {}", crate::text(line)));
                let $f = hf(&$ev);
                $body
            }
        )*
    };
}

fn hf<'a>(ev: &'a Event<'_>) -> &'a Fields<'a> {
    match &ev.fields {
        EventFields::Haproxy(f) => f,
        other => panic!("not haproxy fields: {other:?}"),
    }
}

fn b(s: &str) -> Option<&[u8]> {
    Some(s.as_bytes())
}

hap! {
    http_spec_example_every_field,
    b"10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {1wt.eu} {} \"GET /index.html HTTP/1.1\"",
    |ev, f| {
        assert_eq!(ev.class, Class::Ok);
        assert_eq!(ev.phase, Phase::None);
        assert_eq!(ev.time.unwrap().to_string(), "2009-02-06T12:14:14.655000Z");
        assert_eq!(ev.client, b("10.0.1.2:33317"));
        assert_eq!(ev.server, b("http-in"));
        assert_eq!(ev.upstream_group, b("static"));
        assert_eq!(ev.upstream, b("srv1"));
        assert_eq!(ev.status, Some(200));
        assert_eq!(ev.request, b("GET /index.html HTTP/1.1"));
        assert_eq!(ev.host, b("1wt.eu"));
        assert_eq!(f.kind, LogKind::Http);
        assert_eq!((f.client_ip, f.client_port), (b("10.0.1.2"), b("33317")));
        assert_eq!(
            (f.request_ms, f.queue_ms, f.connect_ms, f.response_ms, f.total_ms),
            (Some(10), Some(0), Some(30), Some(69), Some(109))
        );
        assert_eq!((f.bytes, f.request_cookie, f.response_cookie), (Some(2750), None, None));
        assert_eq!(f.termination_state, b("----"));
        assert_eq!(
            (f.actconn, f.feconn, f.beconn, f.srv_conn, f.retries),
            (Some(1), Some(1), Some(1), Some(1), Some(0))
        );
        assert_eq!((f.srv_queue, f.backend_queue), (Some(0), Some(0)));
        assert_eq!((f.request_captures, f.response_captures), (b("1wt.eu"), b("")));
        assert!(!f.truncated && !f.logasap && !f.redispatched);
        assert_eq!(f.extra, None);
    }

    refused_connect_is_503_but_connect_refused,
    b"Feb 19 04:03:05 debian11 haproxy[4418]: 10.2.0.1:56932 [19/Feb/2023:04:03:02.911] web_proxy web_servers/debian11-3 0/0/-1/-1/3009 503 221 - - SC-- 1/1/0/0/3 0/0 \"GET / HTTP/1.1\"",
    |ev, f| {
        assert_eq!((ev.class, ev.phase), (Class::ConnectRefused, Phase::Connect));
        assert_eq!(ev.status, Some(503));
        assert_eq!((f.syslog_host, f.syslog_tag, f.pid), (b("debian11"), b("haproxy"), Some(4418)));
        assert_eq!(f.retries, Some(3));
    }

    nosrv_with_sc_is_no_live_upstreams_without_upstream,
    b"Jul 26 03:37:49 prod haproxy[23641]: 172.24.102.151:52162 [26/Jul/2019:03:37:49.123] https_frontend~ https_frontend/<NOSRV> -1/-1/-1/-1/0 503 212 - - SC-- 1/1/0/0/0 0/0 {209.17.97.114} \"GET / HTTP/1.1\"",
    |ev, f| {
        assert_eq!(ev.class, Class::NoLiveUpstreams);
        assert_eq!(ev.upstream, None);
        assert_eq!(f.server_name, b("<NOSRV>"));
        assert_eq!(ev.server, b("https_frontend~"));
        assert_eq!(ev.upstream_group, b("https_frontend"));
        assert_eq!(f.request_ms, Some(-1));
        // An IP address among the captures is not taken for a host name.
        assert_eq!(ev.host, None);
    }

    client_abort_logged_as_503_is_not_an_upstream_failure,
    b"10.0.1.2:1 [06/Feb/2009:12:14:14.655] fe be/s1 0/0/-1/-1/2000 503 0 - - CC-- 1/1/0/0/0 0/0 \"GET / HTTP/1.1\"",
    |ev, _f| { assert_eq!((ev.class, ev.phase), (Class::ClientAbort, Phase::Connect)); }

    status_minus_one_gives_no_status,
    b"10.0.1.2:1 [06/Feb/2009:12:14:14.655] fe be/s1 39/0/2062/-1/122101 -1 0 - - SD-- 1714/1714/1678/35/0 0/0 {0,\"\",\"\"} \"POST /ping HTTP/1.1\"",
    |ev, f| {
        assert_eq!((ev.class, ev.phase), (Class::ConnectionReset, Phase::Body));
        assert_eq!(ev.status, None);
        assert_eq!(f.status_raw, Some(-1));
        assert_eq!(f.request_captures, b("0,\"\",\"\""));
        assert_eq!(ev.request, b("POST /ping HTTP/1.1"));
    }

    ipv6_client_split_on_last_colon,
    b"::ffff:172.18.0.2:54708 [27/May/2020:15:57:53.587] fe be/clear 89/0/0/-1/268 -1 0 - - SD-- 1/1/0/0/0 0/0 \"GET / HTTP/1.1\"",
    |ev, f| {
        assert_eq!(ev.client, b("::ffff:172.18.0.2:54708"));
        assert_eq!((f.client_ip, f.client_port), (b("::ffff:172.18.0.2"), b("54708")));
    }

    unix_socket_client_is_kept_whole,
    b"unix:1 [06/Feb/2009:12:14:14.655] fe be/s1 1/0/0/1/2 200 5 - - ---- 1/1/1/1/0 0/0 \"GET / HTTP/1.1\"",
    |ev, f| {
        assert_eq!(ev.client, b("unix:1"));
        assert_eq!((f.client_ip, f.client_port), (None, None));
    }

    names_with_colons_and_dots_split_on_first_slash,
    b"::1:54494 [16/Mar/2020:14:09:49.775] marketbuker.yandex.ru:29310 marketbuker.yandex.ru:29310/sas3-1464.gencfg-c.yandex.net:27494 0/501/-1/-1/501 503 237 - - sQ-- 1373/31/16/13/0 1/0 {1584356989693/44|2a02:6b8:c08::2f|marketbuker.yandex.ru} \"GET /buker HTTP/1.1\"",
    |ev, f| {
        assert_eq!((ev.class, ev.phase), (Class::UpstreamBusy, Phase::Queue));
        assert_eq!(ev.server, b("marketbuker.yandex.ru:29310"));
        assert_eq!(ev.upstream_group, b("marketbuker.yandex.ru:29310"));
        assert_eq!(ev.upstream, b("sas3-1464.gencfg-c.yandex.net:27494"));
        assert_eq!((f.srv_queue, f.backend_queue), (Some(1), Some(0)));
        assert_eq!(ev.host, b("marketbuker.yandex.ru"));
    }

    two_capture_blocks_with_spaces,
    b"10.0.1.2:1 [06/Feb/2009:12:14:14.655] fe be/s1 1/0/0/1/2 200 5 - - ---- 1/1/1/1/0 0/0 {www.example.com|Mozilla/5.0 (X11; Linux)} {text/html; charset=utf-8} \"GET / HTTP/1.1\"",
    |ev, f| {
        assert_eq!(f.request_captures, b("www.example.com|Mozilla/5.0 (X11; Linux)"));
        assert_eq!(f.response_captures, b("text/html; charset=utf-8"));
        assert_eq!(ev.host, b("www.example.com"));
        assert_eq!(ev.request, b("GET / HTTP/1.1"));
    }

    truncated_request_keeps_what_is_there,
    b"10.0.1.2:1 [06/Feb/2009:12:14:14.655] fe be/s1 0/1/0/6/7 200 218 - - ---- 1231/30/0/0/+1 0/0 \"GET /record_hit?a=1&b",
    |ev, f| {
        assert_eq!(ev.class, Class::Ok);
        assert_eq!(ev.request, b("GET /record_hit?a=1&b"));
        assert!(f.truncated);
        assert!(f.redispatched);
        assert_eq!(f.retries, Some(1));
    }

    logasap_plus_prefixes,
    b"10.0.1.2:1 [06/Feb/2009:12:14:14.655] fe be/s1 10/0/30/69/+109 200 +2750 - - ---- 1/1/1/1/0 0/0 \"GET / HTTP/1.1\"",
    |_ev, f| {
        assert!(f.logasap);
        assert_eq!((f.total_ms, f.bytes), (Some(109), Some(2750)));
    }

    badreq_with_client_abort,
    b"10.0.1.2:1 [06/Feb/2009:12:14:14.655] fe fe/<NOSRV> -1/-1/-1/-1/0 400 187 - - CR-- 1/1/0/0/0 0/0 \"<BADREQ>\"",
    |ev, _f| {
        assert_eq!((ev.class, ev.phase), (Class::ClientAbort, Phase::None));
        assert_eq!(ev.request, b("<BADREQ>"));
        assert_eq!(ev.upstream, None);
    }

    applet_servers_are_kept_and_local_is_ok,
    b"10.0.1.2:1 [06/Feb/2009:12:14:14.655] stats~ stats/<STATS> 0/-1/-1/-1/0 200 1500 - - LR-- 1/1/0/0/0 0/0 \"GET /stats HTTP/1.1\"",
    |ev, _f| {
        assert_eq!(ev.class, Class::Ok);
        assert_eq!(ev.upstream, b("<STATS>"));
    }

    server_5xx_with_normal_state_is_upstream_5xx,
    b"10.0.1.2:1 [06/Feb/2009:12:14:14.655] fe be/s1 0/0/0/37/37 503 266 - - ---- 1/1/1/1/0 0/0 \"GET / HTTP/1.1\"",
    |ev, _f| { assert_eq!(ev.class, Class::Upstream5xx); }

    invalid_header_and_rewrite_failure_differ_by_status,
    b"10.0.1.2:1 [06/Feb/2009:12:14:14.655] fe be/s1 0/0/0/-1/1 502 212 - - PH-- 0/0/0/0/0 0/0 \"GET /test HTTP/1.1\"",
    |ev, _f| {
        assert_eq!((ev.class, ev.phase), (Class::InvalidHeader, Phase::Header));
        assert_eq!(classify_state(b"PH--", Some(500), false).0, Class::ProxyError);
    }

    https_tail_is_read,
    b"10.0.1.2:1 [06/Feb/2024:12:14:14.655] https-in~ be/s1 1/0/0/1/2 200 2750 - - ---- 1/1/1/1/0 0/0 \"GET https://shop.example.com/x HTTP/2.0\" 0/0000000000000000/0/0/1 compound.example.com/TLSv1.3/TLS_AES_128_GCM_SHA256",
    |ev, f| {
        assert_eq!(f.kind, LogKind::Https);
        assert_eq!(f.ssl_sni, b("compound.example.com"));
        assert_eq!(f.ssl_version, b("TLSv1.3"));
        assert_eq!(f.ssl_cipher, b("TLS_AES_128_GCM_SHA256"));
        assert_eq!(ev.host, b("shop.example.com"));
    }

    custom_tail_after_request_and_frontend_with_space,
    b"fddd:1194::1000:51034 [26/Mar/2025:20:15:23.929] webserver ~ webserver 0/0/36/-1/476 502 1029 - - SH-- 8/4/15/14/0 0/0 \"GET HTTP/2.0\" fc_err=- bc_err=ERESET tevts={,,e1}",
    |ev, f| {
        assert_eq!(ev.class, Class::PrematurelyClosed);
        assert_eq!(ev.server, b("webserver ~"));
        assert_eq!((ev.upstream_group, ev.upstream), (b("webserver"), None));
        assert_eq!(f.bc_err, b("ERESET"));
        assert_eq!(f.extra, b("fc_err=- bc_err=ERESET tevts={,,e1}"));
    }

    custom_format_without_cookies,
    b"192.168.176.1:37570 [01/Jul/2019:20:35:35.743] ssl_offload ssl_offload/http-in 0/0/0/-1/11003 502 273 SH-- 1/1/0/0/0 0/0 \"POST / HTTP/1.1\"",
    |ev, f| {
        assert_eq!(ev.class, Class::PrematurelyClosed);
        assert_eq!((f.request_cookie, f.response_cookie), (None, None));
        assert_eq!(ev.request, b("POST / HTTP/1.1"));
    }

    client_missing_when_relay_dropped_it,
    b"May 21 02:54:12 ingress haproxy-ingress [21/May/2020:02:47:12.224] _front001~ default_api/srv001 0/0/1/20190/420426 200 201155 - - cD-- 153/153/12/3/0 0/0 \"GET /some/url HTTP/1.1\"",
    |ev, f| {
        assert_eq!(ev.class, Class::ClientError);
        assert_eq!(ev.client, None);
        assert_eq!((f.syslog_host, f.syslog_tag, f.pid), (b("ingress"), b("haproxy-ingress"), None));
        assert_eq!(ev.server, b("_front001~"));
    }

    tcp_line_three_timers_two_letter_state,
    b"10.0.1.2:33313 [06/Feb/2009:12:12:51.443] fnt bck/srv1 0/0/5007 212 -- 0/0/0/0/3 0/0",
    |ev, f| {
        assert_eq!(ev.class, Class::Ok);
        assert_eq!(f.kind, LogKind::Tcp);
        assert_eq!((f.request_ms, f.queue_ms, f.connect_ms, f.response_ms, f.total_ms),
            (None, Some(0), Some(0), None, Some(5007)));
        assert_eq!((ev.status, ev.request, f.bytes), (None, None, Some(212)));
        assert_eq!(f.termination_state, b("--"));
    }

    tcp_nosrv_sc_is_no_live_upstreams,
    b"Nov  3 22:22:19 localhost haproxy[44]: 10.42.0.1:12558 [03/Nov/2016:22:22:19.363] 900 900/<NOSRV> -1/-1/4 213 SC 0/0/0/0/0 0/0",
    |ev, f| {
        assert_eq!(ev.class, Class::NoLiveUpstreams);
        assert_eq!((ev.server, ev.upstream_group), (b("900"), b("900")));
        assert_eq!(f.kind, LogKind::Tcp);
    }

    clf_http_line,
    b"x.x.x.x - - [10/Mar/2022:14:00:56 +0100] \"GET /5.js HTTP/1.1\" 503 217 \"\" \"\" 59794 528 \"fe~\" \"be\" \"srv\" 0 0 -1 -1 3 CC-- 4 1 0 0 0 0 0 \"\" \"\"",
    |ev, f| {
        assert_eq!(ev.class, Class::ClientAbort);
        assert_eq!(f.kind, LogKind::HttpClf);
        assert_eq!(ev.time.unwrap().to_string(), "2022-03-10T13:00:56Z");
        assert_eq!((ev.client, f.client_port), (b("x.x.x.x"), b("59794")));
        assert_eq!((ev.server, ev.upstream_group, ev.upstream), (b("fe~"), b("be"), b("srv")));
        assert_eq!((ev.status, ev.request), (Some(503), b("GET /5.js HTTP/1.1")));
        assert_eq!((f.connect_ms, f.response_ms, f.total_ms), (Some(-1), Some(-1), Some(3)));
        assert_eq!((f.actconn, f.feconn), (Some(4), Some(1)));
    }

    clf_tcp_line,
    b"10.0.1.2 - - [10/Mar/2022:14:00:56 +0000] \"TCP \" 000 0 \"\" \"\" 59794 528 fnt bck srv1 0 0 -1 3001 0 SC-- 1 1 0 0 3 0 0 \"\" \"\"",
    |ev, f| {
        assert_eq!(ev.class, Class::ConnectRefused);
        assert_eq!(f.kind, LogKind::TcpClf);
        assert_eq!((ev.status, ev.request), (None, None));
        assert_eq!(f.termination_state, b("SC"));
        assert_eq!((f.connect_ms, f.total_ms, f.retries), (Some(-1), Some(3001), Some(3)));
    }

    connection_error_format_is_client_side,
    b"127.0.0.1:56059 [03/Dec/2012:17:35:10.380] frt/f1: Connection error during SSL handshake",
    |ev, f| {
        assert_eq!(ev.class, Class::ClientError);
        assert_eq!(f.kind, LogKind::ConnectionError);
        assert_eq!((ev.server, f.bind), (b("frt"), b("f1")));
        assert_eq!(ev.message, b"Connection error during SSL handshake");
        assert_eq!(ev.upstream, None);
    }

    json_custom_format_by_termination_state,
    b"<134>Dec  4 22:31:11 ingress[8]: {\"connection\":{\"termination_state\":\"sC\",\"actconn\":1},\"http\":{\"response\":{\"status_code\":503}}}",
    |ev, f| {
        assert_eq!(ev.class, Class::ConnectTimeout);
        assert_eq!(f.kind, LogKind::Custom);
        assert_eq!(ev.status, Some(503));
        assert_eq!((f.syslog_tag, f.pid, ev.level), (b("ingress"), Some(8), Some(Level::Info)));
    }

    connect_from_default_format_is_info,
    b"Connect from 10.0.1.2:33312 to 10.0.3.31:8012 (www/HTTP)",
    |ev, f| {
        assert_eq!(ev.class, Class::Info);
        assert_eq!(f.kind, LogKind::Connect);
        assert_eq!((ev.client, ev.server), (b("10.0.1.2:33312"), b("www")));
    }

    rfc5424_with_structured_data,
    b"<134>1 2020-03-16T14:09:50.276+03:00 mslb01h haproxy 3307 - [sd@1 a=\"x] y\" b=\"\\\"\"][other@2] ::1:54494 [16/Mar/2020:14:09:49.775] fe be/s1 0/0/0/1/1 200 237 - - ---- 1/1/1/1/0 0/0 \"GET / HTTP/1.1\"",
    |ev, f| {
        assert_eq!(ev.class, Class::Ok);
        assert_eq!((f.syslog_host, f.syslog_tag, f.pid), (b("mslb01h"), b("haproxy"), Some(3307)));
        assert_eq!(ev.client, b("::1:54494"));
        // The accept date is read with the header's offset (+03:00), which it agrees with.
        assert_eq!(ev.time.unwrap().to_string(), "2020-03-16T11:09:49.775000Z");
    }

    server_down_with_cause,
    b"Feb 19 04:03:03 debian11 haproxy[4418]: [WARNING] 049/040303 (4418) : Server web_servers/debian11-3 is DOWN, reason: Layer4 connection problem, info: \"Connection refused\", check duration: 0ms. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.",
    |ev, f| {
        assert_eq!((ev.class, ev.phase), (Class::UpstreamDown, Phase::Health));
        assert_eq!((ev.upstream_group, ev.upstream), (b("web_servers"), b("debian11-3")));
        assert_eq!(ev.level, Some(Level::Warn));
        assert_eq!(f.kind, LogKind::Health);
        assert_eq!(f.check_reason, b("Layer4 connection problem"));
        assert_eq!(f.check_info, b("Connection refused"));
        assert_eq!(f.check_duration_ms, Some(0));
        assert_eq!(f.cause, Some(Class::ConnectRefused));
        assert_eq!((f.active_servers, f.backup_servers), (Some(1), Some(0)));
        assert!(ev.message.starts_with(b"Server web_servers/debian11-3 is DOWN"));
    }

    server_down_l7_status_cause,
    b"[WARNING]  (10003) : Server pg/<node3> is DOWN, reason: Layer7 wrong status, code: 503, info: \"Service Unavailable\", check duration: 2ms. 0 active and 1 backup servers left. Running on backup. 0 sessions active, 0 requeued, 0 remaining in queue.",
    |ev, f| {
        assert_eq!(ev.class, Class::UpstreamDown);
        assert_eq!(ev.upstream, b("<node3>"));
        assert_eq!((f.check_code, f.cause), (Some(503), Some(Class::Upstream5xx)));
        assert_eq!((f.active_servers, f.backup_servers), (Some(0), Some(1)));
        assert_eq!(f.pid, Some(10003));
    }

    server_up,
    b"rsyslog_1        | 2016-09-15T14:51:47+00:00 lb haproxy[8]: Server vault_pool/vault-node-02 is UP, reason: Layer7 check passed, code: 200, info: \"OK\", check duration: 0ms. 2 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.",
    |ev, f| {
        assert_eq!(ev.class, Class::UpstreamUp);
        assert_eq!(ev.time.unwrap().to_string(), "2016-09-15T14:51:47Z");
        assert_eq!((f.cause, f.active_servers), (None, Some(2)));
    }

    health_check_failed_with_timeout_cause,
    b"Health check for server be/srv failed, reason: Layer4 timeout, check duration: 2001ms, status: 0/2 DOWN.",
    |ev, f| {
        assert_eq!(ev.class, Class::HealthCheckFailed);
        assert_eq!((ev.upstream_group, ev.upstream), (b("be"), b("srv")));
        assert_eq!((f.cause, f.check_duration_ms), (Some(Class::ConnectTimeout), Some(2001)));
    }

    health_analyze_cause_from_last_error,
    b"[WARNING] 124/210930 (59014) : Health check for server Backend-Web/http1_2 failed, reason: Health analyze, info: \"Detected 10 consecutive errors, last one was: L4 unsuccessful connection\", status: 0/2 DOWN.",
    |ev, f| {
        assert_eq!(ev.class, Class::HealthCheckFailed);
        assert_eq!(f.check_info, b("Detected 10 consecutive errors, last one was: L4 unsuccessful connection"));
        assert_eq!(f.cause, Some(Class::ConnectError));
    }

    no_server_available_stderr_wording,
    b"[ALERT]    (190) : backend 'dev_out-port' has no server available!",
    |ev, f| {
        assert_eq!(ev.class, Class::NoLiveUpstreams);
        assert_eq!((ev.upstream_group, ev.upstream), (b("dev_out-port"), None));
        assert_eq!((ev.level, f.pid), (Some(Level::Alert), Some(190)));
    }

    no_server_available_syslog_wording,
    b"<128>Feb 19 04:11:57 haproxy[4436]: backend web has no server available!",
    |ev, _f| {
        assert_eq!(ev.class, Class::NoLiveUpstreams);
        assert_eq!(ev.upstream_group, b("web"));
        assert_eq!(ev.level, Some(Level::Emerg));
    }

    no_free_ports_is_proxy_error,
    b"Connect() failed for backend web: no free ports.",
    |ev, _f| {
        assert_eq!((ev.class, ev.phase), (Class::ProxyError, Phase::Connect));
        assert_eq!(ev.upstream_group, b("web"));
    }

    proxy_started_is_info,
    b"Dec 31 20:32:40 localhost haproxy[1580]: Proxy main started.",
    |ev, f| {
        assert_eq!(ev.class, Class::Info);
        assert_eq!((f.kind, f.proxy), (LogKind::Admin, b("main")));
    }
}

#[test]
fn lines_that_are_not_haproxy_are_errors() {
    for line in [&b"hello world"[..], b"GET / HTTP/1.1 200", b"{\"level\":\"info\"}", b"\x00\x01"] {
        let err = parse(line).unwrap_err();
        assert_eq!(err.kind, ParseErrorKind::NotRecognized, "{}", crate::text(line));
    }
    assert_eq!(parse(b"  ").unwrap_err().kind, ParseErrorKind::Empty);
    let cut = b"10.0.1.2:1 [06/Feb/2009:12:14:14.655] fe be/s1 0/0/";
    assert_eq!(parse(cut).unwrap_err().kind, ParseErrorKind::MissingField("timers"));
    let cut = b"10.0.1.2:1 [06/Feb/2009:12:14:14.655] fe be/s1 0/0/0/-1/1 502 212 - - PH";
    assert_eq!(parse(cut).unwrap_err().kind, ParseErrorKind::MissingField("termination_state"));
}

#[test]
fn unknown_message_under_a_syslog_header_is_info() {
    let ev = parse(b"Mar  1 10:00:00 lb haproxy[1]: something new").unwrap();
    assert_eq!((ev.class, hf(&ev).kind), (Class::Info, LogKind::Admin));
}

#[test]
fn stateless_year_comes_from_accept_date_or_options() {
    let admin = b"Feb 19 04:03:03 lb haproxy[1]: Proxy web started.";
    assert_eq!(parse(admin).unwrap().time, None);
    let opts = Options { year: Some(2021), ..Options::default() };
    assert_eq!(parse_with(admin, &opts).unwrap().time.unwrap().to_string(), "2021-02-19T04:03:03Z");
}

#[test]
fn parser_learns_the_year_and_rolls_over_in_january() {
    let now = Timestamp::from_civil_utc(2030, 6, 1, 0, 0, 0, 0).unwrap();
    let mut p = Parser::with_now(Options::default(), now);
    let lines: [&[u8]; 4] = [
        b"Dec 31 23:59:58 lb haproxy[1]: 1.2.3.4:5 [31/Dec/2019:23:59:58.000] fe be/s 0/0/0/1/1 200 1 - - ---- 1/1/1/1/0 0/0 \"GET / HTTP/1.1\"",
        b"Dec 31 23:59:59 lb haproxy[1]: Server be/s is DOWN. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.",
        b"Jan  1 00:00:01 lb haproxy[1]: Server be/s is UP. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.",
        b"Jan  1 00:00:02 lb haproxy[1]: Proxy fe stopped (cumulated conns: FE: 1, BE: 1).",
    ];
    let times: Vec<String> =
        lines.iter().map(|l| p.parse(l).unwrap().time.unwrap().to_string()).collect();
    assert_eq!(
        times,
        [
            "2019-12-31T23:59:58Z",
            "2019-12-31T23:59:59Z",
            "2020-01-01T00:00:01Z",
            "2020-01-01T00:00:02Z"
        ]
    );
    // After a reset nothing is known: the clock's year, or the year before for a date more
    // than a month ahead of it.
    p.reset();
    assert_eq!(p.parse(lines[3]).unwrap().time.unwrap().to_string(), "2030-01-01T00:00:02Z");
    p.reset();
    assert_eq!(p.parse(lines[1]).unwrap().time.unwrap().to_string(), "2029-12-31T23:59:59Z");
}

#[test]
fn options_year_is_the_starting_year() {
    let opts = Options { year: Some(2015), ..Options::default() };
    let mut p = Parser::with_now(opts, Timestamp::from_unix_seconds(0));
    let a = p.parse(b"Dec 31 23:59:59 lb haproxy[1]: Proxy a started.").unwrap();
    let b = p.parse(b"Jan  1 00:00:00 lb haproxy[1]: Proxy b started.").unwrap();
    assert_eq!(a.time.unwrap().to_string(), "2015-12-31T23:59:59Z");
    assert_eq!(b.time.unwrap().to_string(), "2016-01-01T00:00:00Z");
}

#[test]
fn local_times_use_tz_and_offsets_win() {
    let opts = Options::with_tz(Tz::Fixed(3600));
    let line = b"10.0.1.2:1 [06/Feb/2009:12:14:14.655] fe be/s1 1/0/0/1/2 200 5 - - ---- 1/1/1/1/0 0/0 \"GET / HTTP/1.1\"";
    assert_eq!(
        parse_with(line, &opts).unwrap().time.unwrap().to_string(),
        "2009-02-06T11:14:14.655000Z"
    );
    let iso = b"2024-11-18T12:48:56.327006+01:00 hermes haproxy[2] Proxy a started.";
    let ev = parse_with(iso, &Options::with_tz(Tz::Fixed(-5 * 3600))).unwrap();
    assert_eq!(ev.time.unwrap().to_string(), "2024-11-18T11:48:56.327006Z");
    // The old stderr label's day of the year, when nothing else gives the time.
    let old = b"[ALERT] 176/130324 (30) : Starting frontend public_ssl: cannot bind socket";
    let mut p = Parser::with_now(
        Options { year: Some(2019), ..Options::default() },
        Timestamp::from_unix_seconds(0),
    );
    assert_eq!(p.parse(old).unwrap().time.unwrap().to_string(), "2019-06-26T13:03:24Z");
}

#[test]
fn visit_lists_fields_with_stable_names() {
    let ev = parse(b"10.0.1.2:1 [06/Feb/2009:12:14:14.655] fe be/s1 0/0/-1/-1/3009 503 221 - - SC-- 1/1/0/0/3 0/0 \"GET / HTTP/1.1\"").unwrap();
    let mut seen = Vec::new();
    ev.fields.visit(&mut |k, v| seen.push((k, v)));
    assert_eq!(seen[0], ("kind", Value::Label("http")));
    assert!(seen.contains(&("connect_ms", Value::Int(-1))));
    assert!(seen.contains(&("termination_state", Value::Text(b"SC--"))));
    assert!(seen.contains(&("retries", Value::Uint(3))));
    assert!(!seen.iter().any(|(k, _)| *k == "truncated"));
}

#[test]
fn detection_accepts_haproxy_and_rejects_others() {
    let yes: [&[u8]; 6] = [
        b"10.0.1.2:1 [06/Feb/2009:12:14:14.655] fe be/s1 1/0/0/1/2 200 5 - - ---- 1/1/1/1/0 0/0 \"GET / HTTP/1.1\"",
        b"[WARNING]  (8) : Server web/app1 is DOWN. 0 active and 0 backup servers left.",
        b"Feb 19 04:03:03 lb haproxy[1]: anything at all",
        b"backend web has no server available!",
        b"10.0.1.2:33313 [06/Feb/2009:12:12:51.443] fnt bck/srv1 0/0/5007 212 -- 0/0/0/0/3 0/0",
        b"127.0.0.1:56059 [03/Dec/2012:17:35:10.380] frt/f1: Connection error during SSL handshake",
    ];
    for l in yes {
        assert!(looks_like(l), "{}", crate::text(l));
    }
    let no: [&[u8]; 6] = [
        b"2024/11/03 06:09:29 [error] 184#184: *94 no live upstreams while connecting to upstream",
        b"2024/11/03 06:09:29 [warn] 184#184: *94 upstream server temporarily disabled",
        b"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 2326 \"-\" \"curl\"",
        b"Feb 19 04:03:03 lb sshd[1]: Accepted publickey for root",
        b"http 2018-07-02T22:23:00.186641Z app/my-lb/50dc 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 \"GET http://x:80/ HTTP/1.1\"",
        b"hello world",
    ];
    for l in no {
        assert!(!looks_like(l), "{}", crate::text(l));
    }
}

/// Every line of the fixture files, with the class its `# expect:` comment names.
#[test]
fn fixtures_are_classified_as_annotated() {
    const FILES: [(&str, &str); 5] = [
        ("framing.log", include_str!("../../../../testdata/haproxy/framing.log")),
        ("http.log", include_str!("../../../../testdata/haproxy/http.log")),
        ("tcp.log", include_str!("../../../../testdata/haproxy/tcp.log")),
        ("formats.log", include_str!("../../../../testdata/haproxy/formats.log")),
        ("admin.log", include_str!("../../../../testdata/haproxy/admin.log")),
    ];
    let mut misses = Vec::new();
    let mut checked = 0;
    for (name, text) in FILES {
        let mut p = Parser::with_now(Options::default(), Timestamp::from_unix_seconds(0));
        let mut expected: Option<&str> = None;
        for (n, line) in text.lines().enumerate() {
            if let Some(class) = line.strip_prefix("# expect: ") {
                expected = Some(class.trim());
                continue;
            }
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let want = expected.unwrap_or_else(|| panic!("{name}:{} has no # expect:", n + 1));
            checked += 1;
            match p.parse(line.as_bytes()) {
                Ok(ev) if ev.class.as_str() == want => {}
                Ok(ev) => misses.push(format!("{name}:{}: want {want}, got {}", n + 1, ev.class)),
                Err(e) => misses.push(format!("{name}:{}: want {want}, got {e}", n + 1)),
            }
        }
    }
    assert!(checked > 100, "only {checked} fixture lines");
    assert!(misses.is_empty(), "{}", misses.join("\n"));
}

/// Every borrowed field of an event lies inside `line`.
fn borrowed_inside(line: &[u8], ev: &Event<'_>) {
    assert_eq!(ev.check_borrows(line), Ok(()), "{}", crate::text(line));
}

const SEEDS: [&str; 8] = [
    "Feb 19 04:03:05 debian11 haproxy[4418]: 10.2.0.1:56932 [19/Feb/2023:04:03:02.911] web_proxy web_servers/debian11-3 0/0/-1/-1/3009 503 221 - - SC-- 1/1/0/0/3 0/0 {a b|c} {d} \"GET / HTTP/1.1\" x/y/z/0/1 sni/TLSv1.3/C",
    "<134>1 2024-06-12T10:09:11.823400+02:00 lb1 haproxy 44 - [sd@1 a=\"]\"] 10.0.1.2:33317 [12/Jun/2024:10:09:11.820] http-in static/srv1 1/0/0/2/3 200 2750 - - ---- 1/1/1/1/0 0/0 \"GET / HTTP/1.1\"",
    "[WARNING] 049/161822 (30088) : Server plex-http/plex is DOWN, reason: Layer7 wrong status, code: 503, info: \"x\", check duration: 2ms. 0 active and 0 backup servers left.",
    "x.x.x.x - - [10/Mar/2022:14:00:56 +0000] \"GET /5.js HTTP/1.1\" 503 217 \"\" \"\" 59794 528 \"fe~\" \"be\" \"srv\" 0 0 -1 -1 3 CC-- 4 1 0 0 0 0 0 \"\" \"\"",
    "10.42.0.1:12558 [03/Nov/2016:22:22:19.363] 900 900/<NOSRV> -1/-1/4 213 SC 0/0/0/0/0 0/0",
    "2020-03-16T14:09:50.276+03:00 local2.info 2020-03-16T14:09:50+03:00 mslb01h haproxy 3307 - - Connect from a:1 to b:2 (fe/TCP)",
    "haproxy_1  | <134>May 27 15:57:53 haproxy[7]: {\"termination_state\":\"sC\",\"status_code\":503}",
    "Health check for server be/srv failed, reason: Health analyze, info: \"Detected 1 consecutive errors, last one was: Read timeout (http)\", status: 0/2 DOWN.",
];

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(line in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(ev) = parse(&line) {
            borrowed_inside(&line, &ev);
        }
        let mut p = Parser::with_now(Options::default(), Timestamp::from_unix_seconds(0));
        if let Ok(ev) = p.parse(&line) {
            borrowed_inside(&line, &ev);
        }
        let _ = looks_like(&line);
    }

    #[test]
    fn mutated_real_lines_never_panic(
        seed in 0..SEEDS.len(),
        cut in 0usize..400,
        edits in proptest::collection::vec((0usize..400, any::<u8>()), 0..8),
        tokens in proptest::collection::vec((0usize..400, prop::sample::select(vec![" ", "[", "]", "\"", "{", "}", "/", ":", "-1", "+", "<", ">", "SC--", " | ", "\\"])), 0..4),
    ) {
        let mut line = SEEDS[seed].as_bytes().to_vec();
        for (at, b) in edits {
            let n = line.len();
            if n > 0 {
                line[at % n] = b;
            }
        }
        for (at, t) in tokens {
            let at = at % (line.len() + 1);
            line.splice(at..at, t.bytes());
        }
        line.truncate(cut.max(1).min(line.len()));
        if let Ok(ev) = parse(&line) {
            borrowed_inside(&line, &ev);
        }
        let mut p = Parser::with_now(Options::default(), Timestamp::from_unix_seconds(0));
        if let Ok(ev) = p.parse(&line) {
            borrowed_inside(&line, &ev);
        }
    }
}

#[test]
fn known_message_after_a_bare_timestamp_is_not_taken_for_host_and_tag() {
    let ev = parse(b"2023-04-04 15:54:43 backend web has no server available!").unwrap();
    assert_eq!((ev.class, ev.upstream_group), (Class::NoLiveUpstreams, Some(&b"web"[..])));
    assert_eq!(hf(&ev).syslog_host, None);
    let ev =
        parse(b"2024-11-18T12:48:56+01:00 ingress haproxy-ingress Proxy web started.").unwrap();
    assert_eq!(hf(&ev).syslog_tag, Some(&b"haproxy-ingress"[..]));
    assert_eq!(hf(&ev).proxy, Some(&b"web"[..]));
}

#[test]
fn other_programs_syslog_lines_are_not_haproxy_events() {
    for line in [
        &b"Mar 14 09:50:00 web01 sshd[123]: Accepted publickey for root from 10.0.0.1 port 22"[..],
        b"Mar 14 09:50:00 web01 systemd[1]: Started nginx.service.",
        b"<30>Mar 14 09:50:00 web01 kernel: eth0: link up",
    ] {
        let err = parse(line).unwrap_err();
        assert_eq!(err.kind, ParseErrorKind::NotRecognized, "{}", crate::text(line));
    }
    // The same unknown text under HAProxy's own tag is an info event of this format.
    let ev = parse(b"Mar 14 09:50:00 lb1 haproxy[42]: some message of a newer version").unwrap();
    assert_eq!(ev.class, Class::Info);
}

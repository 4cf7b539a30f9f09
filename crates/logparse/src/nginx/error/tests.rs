use super::catalog::{ACTIONS, COMMON};
use super::*;
use crate::time::{Tz, ZoneTable};
use std::sync::Arc;

/// One test per line: `name, line, |event| assertions`.
macro_rules! nginx_err {
    ($($name:ident, $line:expr, |$ev:ident| $body:block)*) => {
        $(
            #[test]
            fn $name() {
                let line: &[u8] = $line;
                let $ev = parse(line).unwrap_or_else(|e| panic!("{e}: {}", crate::text(line)));
                $body
            }
        )*
    };
}

fn nf<'a>(ev: &'a Event<'_>) -> &'a Fields<'a> {
    match &ev.fields {
        EventFields::NginxError(f) => f,
        other => panic!("not nginx fields: {other:?}"),
    }
}

nginx_err! {
    connect_refused_async_http_upstream,
    b"2023/10/27 11:37:33 [error] 1109#0: *14969476 connect() failed (111: Connection refused) while connecting to upstream, client: 10.255.1.242, server: kong, request: \"POST /a HTTP/2.0\", upstream: \"http://10.1.186.173:8000/api/v1\", host: \"devops.example\", referrer: \"https://devops.example/x\"",
    |ev| {
        assert_eq!(ev.class, Class::ConnectRefused);
        assert_eq!(ev.phase, Phase::Connect);
        assert_eq!(ev.level, Some(Level::Error));
        assert_eq!(ev.time.unwrap().to_string(), "2023-10-27T11:37:33Z");
        assert_eq!(ev.upstream, Some(&b"10.1.186.173:8000"[..]));
        assert_eq!(ev.client, Some(&b"10.255.1.242"[..]));
        assert_eq!(ev.server, Some(&b"kong"[..]));
        assert_eq!(ev.request, Some(&b"POST /a HTTP/2.0"[..]));
        assert_eq!(ev.host, Some(&b"devops.example"[..]));
        assert_eq!(ev.message, b"connect() failed (111: Connection refused)");
        let f = nf(&ev);
        assert_eq!((f.pid, f.tid, f.connection, f.errno), (Some(1109), Some(0), Some(14969476), Some(111)));
        assert_eq!(f.action, Some(&b"connecting to upstream"[..]));
        assert_eq!(f.upstream_scheme, Some(&b"http"[..]));
        assert_eq!(f.upstream_uri, Some(&b"/api/v1"[..]));
        assert_eq!(f.referrer, Some(&b"https://devops.example/x"[..]));
        assert_eq!(f.implied_status, Some(502));
        assert!(!f.stream && !f.truncated);
    }

    connect_refused_windows_errno,
    b"2024/11/03 00:37:38 [error] 10916#8776: *19 connect() failed (10061: No connection could be made because the target machine actively refused it) while connecting to upstream, client: 127.0.0.1, server: localhost, request: \"GET / HTTP/1.1\", upstream: \"fastcgi://127.0.0.1:9010\", host: \"localhost\"",
    |ev| {
        assert_eq!(ev.class, Class::ConnectRefused);
        assert_eq!(ev.upstream, Some(&b"127.0.0.1:9010"[..]));
        assert_eq!(nf(&ev).upstream_uri, None);
    }

    connect_refused_bsd_kevent,
    b"2024/01/01 00:00:00 [error] 5#0: *3 kevent() reported that connect() failed (61: Connection refused) while connecting to upstream, client: 127.0.0.1, server: a, request: \"GET / HTTP/1.1\", upstream: \"http://127.0.0.1:8080/\", host: \"a\"",
    |ev| { assert_eq!(ev.class, Class::ConnectRefused); }

    connect_unix_socket_missing_is_local,
    b"2014/09/23 14:25:45 [crit] 11433#0: *41354 connect() to unix:/var/run/php5-fpm.sock failed (2: No such file or directory) while connecting to upstream, client: 184.176.244.217, server: project.website.com, request: \"GET / HTTP/1.1\", upstream: \"fastcgi://unix:/var/run/php5-fpm.sock:\", host: \"project.website.com\"",
    |ev| {
        assert_eq!(ev.class, Class::ConnectLocal);
        assert_eq!(ev.level, Some(Level::Crit));
        assert_eq!(ev.upstream, Some(&b"unix:/var/run/php5-fpm.sock"[..]));
        assert_eq!(nf(&ev).upstream_scheme, Some(&b"fastcgi"[..]));
    }

    connect_unix_backlog_full_is_local,
    b"2017/05/10 06:50:00 [error] 23#23: *423240 connect() to unix:/var/run/php-fpm.sock failed (11: Resource temporarily unavailable) while connecting to upstream, client: 172.18.0.1, server: x, request: \"GET / HTTP/1.0\", upstream: \"fastcgi://unix:/var/run/php-fpm.sock:\", host: \"xxx.org\"",
    |ev| { assert_eq!(ev.class, Class::ConnectLocal); }

    connect_ipv6_unreachable_musl_wording,
    b"2026/04/15 21:08:58 [error] 17#17: *30 connect() to [2a04:4e42:200::644]:443 failed (101: Network unreachable) while connecting to upstream, client: 10.89.0.40, server: _, request: \"GET /x HTTP/1.1\", upstream: \"https://[2a04:4e42:200::644]:443/releases/x\", host: \"cache\"",
    |ev| {
        assert_eq!(ev.class, Class::ConnectUnreachable);
        assert_eq!(ev.upstream, Some(&b"[2a04:4e42:200::644]:443"[..]));
        assert_eq!(nf(&ev).upstream_uri, Some(&b"/releases/x"[..]));
    }

    connect_kernel_timeout_is_connect_timeout_with_502,
    b"2024/01/01 00:00:00 [error] 5#5: *3 connect() failed (110: Connection timed out) while connecting to upstream, client: 1.2.3.4, server: a, request: \"GET / HTTP/1.1\", upstream: \"http://10.0.0.9:80/\", host: \"a\"",
    |ev| {
        assert_eq!(ev.class, Class::ConnectTimeout);
        assert_eq!(nf(&ev).implied_status, Some(502));
    }

    upstream_timed_out_connecting_is_connect_timeout_504,
    b"2017/10/04 16:42:10 [error] 7624#7624: *1 upstream timed out (110: Connection timed out) while connecting to upstream, client: 192.168.134.2, server: testnovnc.ai, request: \"GET /vncws/vnc.html HTTP/1.1\", upstream: \"http://193.18.135.200:6080/vnc.html\", host: \"192.168.135.192\"",
    |ev| {
        assert_eq!(ev.class, Class::ConnectTimeout);
        assert_eq!(nf(&ev).implied_status, Some(504));
    }

    upstream_timed_out_tls_handshake_is_connect_timeout,
    b"2024/01/01 00:00:00 [error] 5#5: *3 upstream timed out (110: Connection timed out) while SSL handshaking to upstream, client: 1.2.3.4, server: a, request: \"GET / HTTP/1.1\", upstream: \"https://10.0.0.9:443/\", host: \"a\"",
    |ev| { assert_eq!(ev.class, Class::ConnectTimeout); }

    upstream_timed_out_reading_header_is_response_timeout,
    b"2018/06/27 16:27:26 [error] 13#13: *315860 upstream timed out (110: Operation timed out) while reading response header from upstream, client: 172.18.0.1, server: , request: \"GET / HTTP/1.0\", upstream: \"http://10.0.0.101:80/\", host: \"10.0.0.101\"",
    |ev| {
        assert_eq!(ev.class, Class::ResponseTimeout);
        assert_eq!(ev.phase, Phase::Header);
        assert_eq!(ev.server, Some(&b""[..]));
        assert_eq!(nf(&ev).implied_status, Some(504));
    }

    upstream_timed_out_reading_body_is_truncated,
    b"2024/01/01 00:00:00 [error] 5#5: *3 upstream timed out (110: Connection timed out) while reading upstream, client: 1.2.3.4, server: a, request: \"GET / HTTP/1.1\", upstream: \"http://10.0.0.9:80/\", host: \"a\"",
    |ev| {
        assert_eq!(ev.class, Class::ResponseTimeout);
        assert_eq!(ev.phase, Phase::Body);
        assert_eq!(nf(&ev).implied_status, None);
    }

    websocket_idle_timeout_at_info,
    b"2024/01/01 00:00:00 [info] 5#5: *3 upstream timed out (110: Connection timed out) while proxying upgraded connection, client: 1.2.3.4, server: a, request: \"GET /ws HTTP/1.1\", upstream: \"http://10.0.0.9:80/ws\", host: \"a\"",
    |ev| { assert_eq!(ev.class, Class::ResponseTimeout); assert_eq!(ev.level, Some(Level::Info)); }

    premature_close_header,
    b"2024/11/03 06:09:29 [error] 184#184: *94 upstream prematurely closed connection while reading response header from upstream, client: 192.168.58.11, server: os.local, request: \"GET / HTTP/1.1\", upstream: \"http://10.244.3.84:5601/\", host: \"os.local\"",
    |ev| { assert_eq!(ev.class, Class::PrematurelyClosed); assert_eq!(nf(&ev).implied_status, Some(502)); }

    premature_close_fastcgi_request_freebsd_tid,
    b"2023/04/20 09:58:33 [error] 3484#102072: *1118 upstream prematurely closed FastCGI request while reading upstream, client: 10.0.0.11, server: S, request: \"GET /x HTTP/2.0\", upstream: \"fastcgi://unix:/var/run/nextcloud-php-fpm.sock:\", host: \"S\"",
    |ev| {
        assert_eq!(ev.class, Class::PrematurelyClosed);
        assert_eq!(nf(&ev).tid, Some(102072));
        assert_eq!(ev.upstream, Some(&b"unix:/var/run/nextcloud-php-fpm.sock"[..]));
    }

    reset_recv_104,
    b"2021/06/18 14:49:16 [error] 1379649#1379649: *9 recv() failed (104: Connection reset by peer) while reading response header from upstream, client: ::ffff:41.43.9.21, server: localhost, request: \"GET /robots.txt HTTP/1.1\", upstream: \"http://85.10.200.69:8080/robots.txt\", host: \"o.com\"",
    |ev| {
        assert_eq!(ev.class, Class::ConnectionReset);
        assert_eq!(ev.client, Some(&b"::ffff:41.43.9.21"[..]));
    }

    reset_writev_broken_pipe_sending_request,
    b"2022/09/08 10:29:07 [error] 58#58: *73334436 writev() failed (32: Broken pipe) while sending request to upstream, client: 10.23.4.251, server: _, request: \"POST /s HTTP/1.1\", upstream: \"http://100.81.255.198:8000/s\", host: \"h\"",
    |ev| { assert_eq!(ev.class, Class::ConnectionReset); assert_eq!(ev.phase, Phase::Send); }

    recv_refused_is_connect_refused,
    b"2024/08/15 14:30:50 [error] 3838#0: send() failed (111: Connection refused)",
    |ev| { assert_eq!(ev.class, Class::ConnectRefused); assert_eq!(nf(&ev).connection, None); }

    grpc_rst_stream_is_reset,
    b"2024/01/01 00:00:00 [error] 5#5: *3 upstream rejected request with error 2 while reading response header from upstream, client: 1.2.3.4, server: a, request: \"POST /svc/M HTTP/2.0\", upstream: \"grpc://10.0.0.9:50051\", host: \"a\"",
    |ev| { assert_eq!(ev.class, Class::ConnectionReset); }

    invalid_header_with_escape,
    b"[error] 139#139: *1067452 upstream sent invalid header: \"\\x20...\" while reading response header from upstream, client: 10.86.111.222, server: _, request: \"POST /abc HTTP/1.1\", upstream: \"http://10.18.93.225:8080/abc\", host: \"a.b.sit\"",
    |ev| {
        assert_eq!(ev.class, Class::InvalidHeader);
        assert_eq!(ev.time, None);
        assert_eq!(ev.level, Some(Level::Error));
        assert_eq!(ev.upstream, Some(&b"10.18.93.225:8080"[..]));
    }

    no_valid_http10_header_implies_009,
    b"2016/02/10 08:19:31 [error] 1467#0: *2 upstream sent no valid HTTP/1.0 header while reading response header from upstream, client: 192.168.1.146, server: localhost, request: \"GET /favicon.ico HTTP/1.1\", upstream: \"http://192.168.6.40:80/favicon.ico\", host: \"192.168.1.1:8080\"",
    |ev| { assert_eq!(ev.class, Class::InvalidHeader); assert_eq!(nf(&ev).implied_status, Some(9)); }

    duplicate_transfer_encoding_is_invalid_but_ignored_duplicate_is_info,
    b"2024/11/08 09:36:19 [error] 287658#0: *1 upstream sent duplicate header line: \"Transfer-Encoding: chunked\", previous value: \"Transfer-Encoding: chunked\" while reading response header from upstream, client: 1.1.1.1, server: a",
    |ev| {
        assert_eq!(ev.class, Class::InvalidHeader);
        let ignored = parse(b"2024/11/08 09:36:19 [warn] 287658#0: *1 upstream sent duplicate header line: \"Expires: 0\", previous value: \"Expires: 1\", ignored while reading response header from upstream, client: 1.1.1.1, server: a").unwrap();
        assert_eq!(ignored.class, Class::Info);
    }

    header_too_big_without_context,
    b"*40 upstream sent too big header while reading response header from upstream, client:",
    |ev| {
        assert_eq!(ev.class, Class::HeaderTooBig);
        assert_eq!(nf(&ev).connection, Some(40));
        assert_eq!(ev.time, None);
    }

    header_too_big_hand_edited_case,
    b"[error] 332#332: *26135 Upstream sent too big header while reading response header from upstream",
    |ev| { assert_eq!(ev.class, Class::HeaderTooBig); }

    invalid_chunked_is_invalid_body,
    b"2018/11/13 09:13:36 [error] 9971#9971: *24547 upstream sent invalid chunked response while reading upstream, client: REDACTED, server: d, request: \"GET /x HTTP/2.0\", upstream: \"http://127.0.0.1:8080/x\", host: \"d\"",
    |ev| { assert_eq!(ev.class, Class::InvalidBody); assert_eq!(ev.phase, Phase::Body); }

    no_live_upstreams_names_the_group,
    b"2018/12/04 16:30:08 [error] 3173#0: *3347 no live upstreams while connecting to upstream, client: 223.104.145.4, server: localhost, request: \"GET /wap/index?x=1 HTTP/1.1\", upstream: \"http://backend/wap/index?x=1\", host: \"xxx.com.cn\"",
    |ev| {
        assert_eq!(ev.class, Class::NoLiveUpstreams);
        assert_eq!(ev.upstream, Some(&b"backend"[..]));
        assert_eq!(ev.upstream_group, Some(&b"backend"[..]));
    }

    dns_could_not_be_resolved_without_upstream,
    b"2016/10/05 19:32:15 [error] 914385#914385: *50805 localhost could not be resolved (3: Host not found), client: 127.0.0.1, server: localhost, request: \"GET / HTTP/1.1\", host: \"localhost\"",
    |ev| {
        assert_eq!(ev.class, Class::DnsFailure);
        assert_eq!(ev.upstream, None);
        assert_eq!(nf(&ev).errno, Some(3));
    }

    dns_resolver_socket_refused,
    b"[error] 16#0: recv() failed (111: Connection refused) while resolving, resolver: 10.0.220.2:53",
    |ev| { assert_eq!(ev.class, Class::DnsFailure); }

    tls_handshake_to_upstream,
    b"2023/01/10 03:19:11 [error] 47#47: *151276 SSL_do_handshake() failed (SSL: error:14094438:SSL routines:ssl3_read_bytes:tlsv1 alert internal error:SSL alert number 80) while SSL handshaking to upstream, client: xxx, server: _, request: \"HEAD / HTTP/2.0\", upstream: \"https://xxx/\", host: \"xxx\"",
    |ev| { assert_eq!(ev.class, Class::TlsHandshake); assert_eq!(ev.phase, Phase::Connect); }

    tls_handshake_of_client_is_client_error,
    b"2024/01/01 00:00:00 [crit] 619#0: *39975386 SSL_do_handshake() failed (SSL: error:140A1175:SSL routines:SSL_BYTES_TO_CIPHER_LIST:inappropriate fallback) while SSL handshaking, client: 1.2.3.4, server: 0.0.0.0:443",
    |ev| { assert_eq!(ev.class, Class::ClientError); }

    ssl_read_eof_inside_message_while_keepalive,
    b"2022/09/02 00:00:23 [crit] 107474#107474: *4505 SSL_read() failed (SSL: error:0A000126:SSL routines::unexpected eof while reading) while keepalive, client: 165.227.126.192, server: 0.0.0.0:443",
    |ev| {
        assert_eq!(ev.class, Class::ClientError);
        assert_eq!(nf(&ev).action, Some(&b"keepalive"[..]));
        assert!(ev.message.ends_with(b"unexpected eof while reading)"));
    }

    certificate_verify_error,
    b"2024/01/01 00:00:00 [error] 5#5: *3 upstream SSL certificate verify error: (10:certificate has expired) while SSL handshaking to upstream, client: 1.2.3.4, server: a, request: \"GET / HTTP/1.1\", upstream: \"https://10.0.0.9:443/\", host: \"a\"",
    |ev| { assert_eq!(ev.class, Class::TlsCertificate); }

    fastcgi_stderr_is_app_stderr,
    b"2020/04/26 04:21:34 [error] 6#6: *2 FastCGI sent in stderr: \"Primary script unknown\" while reading response header from upstream, client: 192.168.88.3, server: localhost, request: \"GET / HTTP/1.1\", upstream: \"fastcgi://172.19.0.6:9000\", host: \"h:8080\"",
    |ev| {
        assert_eq!(ev.class, Class::AppStderr);
        assert_eq!(ev.upstream, Some(&b"172.19.0.6:9000"[..]));
    }

    client_abort_with_upstream_context,
    b"2018/05/22 15:17:24 [info] 45#0: *400 epoll_wait() reported that client prematurely closed connection, so upstream connection is closed too while sending request to upstream, client: 10.8.10.1, server: , request: \"GET /alive HTTP/1.1\", upstream: \"fastcgi://127.0.0.1:9000\", host: \"10.8.10.5:8080\"",
    |ev| {
        assert_eq!(ev.class, Class::ClientAbort);
        assert_eq!(nf(&ev).implied_status, Some(499));
    }

    client_broken_pipe_sending_to_client,
    b"2024/01/01 00:00:00 [info] 5#5: *3 writev() failed (32: Broken pipe) while sending to client, client: 1.2.3.4, server: a, request: \"GET / HTTP/1.1\", upstream: \"http://10.0.0.9:80/\", host: \"a\"",
    |ev| { assert_eq!(ev.class, Class::ClientError); }

    temporarily_disabled_is_upstream_down,
    b"2017/01/21 09:24:56 [warn] 1111#1111: *380 upstream server temporarily disabled while reading response header from upstream, client: 92.204.120.84, server: t, request: \"GET /ws/ HTTP/1.1\", upstream: \"http://10.42.239.185:8080/ws/\", host: \"t\"",
    |ev| { assert_eq!(ev.class, Class::UpstreamDown); assert_eq!(ev.level, Some(Level::Warn)); }

    buffered_to_temp_file_is_info,
    b"2017/05/23 21:16:24 [warn] 22012#22012: *13037 an upstream response is buffered to a temporary file /var/cache/nginx/proxy_temp/8/20/0000000208 while reading upstream, client: x.x.x.x, server: r, request: \"GET /f HTTP/2.0\", upstream: \"http://127.0.0.1:3000/f\", host: \"r\"",
    |ev| { assert_eq!(ev.class, Class::Info); }

    worker_connections_alert_without_context,
    b"2016/03/14 00:35:26 [alert] 25909#0: 1024 worker_connections are not enough",
    |ev| { assert_eq!(ev.class, Class::ProxyError); assert_eq!(ev.level, Some(Level::Alert)); }

    socket_too_many_files,
    b"nginx.1    | 2018/10/19 16:05:32 [alert] 42#42: *2602 socket() failed (24: Too many open files) while connecting to upstream, client: 54.87.141.190, server: o.org, request: \"GET / HTTP/1.1\", upstream: \"http://172.19.0.5:80/\", host: \"o.org\"",
    |ev| {
        assert_eq!(ev.class, Class::ProxyError);
        assert_eq!(ev.time.unwrap().to_string(), "2018-10-19T16:05:32Z");
    }

    temp_file_permission_is_proxy_error,
    b"2015-11-28 09:46:25.676384500  2015/11/28 09:46:25 [crit] 576#0: *1169 open() \"/var/lib/nginx/tmp/proxy/2/03/0000000032\" failed (13: Permission denied) while reading upstream, client: 10.124.0.1, server: example.com, request: \"GET /img.png HTTP/1.1\", upstream: \"http://10.127.246.228:80/img.png\", host: \"example.com\"",
    |ev| {
        assert_eq!(ev.class, Class::ProxyError);
        assert_eq!(ev.time.unwrap().to_string(), "2015-11-28T09:46:25Z");
    }

    stream_module_line,
    b"2017/06/22 20:57:10 [error] 12#12: *73 connect() failed (113: No route to host) while connecting to upstream, client: 172.21.0.1, server: 0.0.0.0:443, upstream: \"172.21.0.2:9090\", bytes from/to client:0/0, bytes from/to upstream:0/0",
    |ev| {
        assert_eq!(ev.class, Class::ConnectUnreachable);
        assert_eq!(ev.upstream, Some(&b"172.21.0.2:9090"[..]));
        assert_eq!(ev.server, Some(&b"0.0.0.0:443"[..]));
        let f = nf(&ev);
        assert!(f.stream);
        assert_eq!(f.upstream_scheme, None);
    }

    kubectl_prefix_before_timestamp,
    b"ingress-nginx-controller-678c58d9d6-8p8vj controller 2024-10-21T10:41:45.462803094+02:00 2024/10/21 08:41:45 [crit] 165#165: *18127 SSL_do_handshake() failed (SSL: error:0A000458:SSL routines::tlsv1 unrecognized name:SSL alert number 112) while SSL handshaking to upstream, client: 185.71.112.107, server: c, request: \"GET / HTTP/1.1\", upstream: \"https://209.38.212.82:443/meta\", host: \"c\"",
    |ev| {
        assert_eq!(ev.class, Class::TlsHandshake);
        assert_eq!(ev.time.unwrap().to_string(), "2024-10-21T08:41:45Z");
    }

    syslog_header_before_line,
    b"<11>Nov  3 22:22:18 web1 nginx: 2024/11/03 22:22:18 [error] 7#7: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 1.2.3.4, server: a, request: \"GET / HTTP/1.1\", upstream: \"http://10.0.0.9:80/\", host: \"a\"",
    |ev| {
        assert_eq!(ev.class, Class::ConnectRefused);
        assert_eq!(ev.time.unwrap().to_string(), "2024-11-03T22:22:18Z");
    }

    lost_digit_timestamp_keeps_class_without_time,
    b"020/04/15 15:17:42 [error] 16319#16319: *129 upstream prematurely closed connection while reading response header from upstream, client: x.x.x.1, server: x.x.x.2, request: \"GET /ws/ HTTP/1.1\", upstream: \"http://127.0.0.1:xxxx/ws/\", host: \"x.x.x.2",
    |ev| {
        assert_eq!(ev.class, Class::PrematurelyClosed);
        assert_eq!(ev.time, None);
        assert_eq!(ev.host, Some(&b"x.x.x.2"[..]));
        assert!(nf(&ev).truncated);
    }

    markdown_ate_the_star,
    b"2013/05/30 22:05:26 [error] 19162#0: _487 recv() failed (104: Connection reset by peer) while reading response header from upstream, client: a, server: b, request: \"GET / HTTP/1.1\", upstream: \"fastcgi://unix:/dev/shm/php-cgi.sock:\", host: \"c\"",
    |ev| {
        assert_eq!(ev.class, Class::ConnectionReset);
        assert_eq!(nf(&ev).connection, Some(487));
        assert_eq!(ev.message, b"recv() failed (104: Connection reset by peer)");
    }

    colonless_unix_upstream_in_timeout_line,
    b"'**[error] 15372#0: *77 upstream timed out (110: Connection timed out) while reading response header from upstream, client: x, server: y, request: \"GET /payment_auths/stripe_authorize HTTP/1.1\", upstream: \"http://unix:/var/deploy/myapp/shared/tmp/sockets/puma.sock/payment_auths/stripe_authorize\", host: \"h\", referrer: \"http://r\"**'",
    |ev| {
        assert_eq!(ev.class, Class::ResponseTimeout);
        assert_eq!(ev.upstream, Some(&b"unix:/var/deploy/myapp/shared/tmp/sockets/puma.sock"[..]));
        assert_eq!(nf(&ev).upstream_uri, Some(&b"/payment_auths/stripe_authorize"[..]));
    }

    truncated_errno_text_still_classified,
    b"> 2020/09/08 17:58:56 [error] 3087#3087: *2 connect() failed (111: Connection ref$",
    |ev| { assert_eq!(ev.class, Class::ConnectRefused); assert!(ev.time.is_some()); }

    lua_balancer_failure_is_no_live_upstreams,
    b"[lua] balancer.lua:327: run(): failed to pick server: failed to find valid upstream server, all upstream servers tried while connecting to upstream",
    |ev| { assert_eq!(ev.class, Class::NoLiveUpstreams); }

    third_party_unknown_message_is_info,
    b"2014/08/15 12:42:40 [error] 17499#0: *10445 ANDDOS mime: text/html; charset=utf-8 while reading response header from upstream, client: 197.160.161.142, server: a, request: \"GET / HTTP/1.1\", upstream: \"http://176.31.18.147:81/\", host: \"a\"",
    |ev| { assert_eq!(ev.class, Class::Info); }

    peer_from_message_when_context_missing,
    b"2024/01/01 00:00:00 [crit] 1#1: *1 connect() to unix:/run/app.sock failed (13: Permission denied)",
    |ev| {
        assert_eq!(ev.class, Class::ConnectLocal);
        assert_eq!(ev.upstream, Some(&b"unix:/run/app.sock"[..]));
    }
}

#[test]
fn lines_that_are_not_nginx_are_not_recognized() {
    for line in
        [&b"hello world"[..], b"GET / HTTP/1.1 200", b"{\"level\":\"info\"}", b"\x00\x01\x02"]
    {
        let err = parse(line).unwrap_err();
        assert_eq!(err.kind, ParseErrorKind::NotRecognized, "{}", crate::text(line));
    }
    assert_eq!(parse(b"   ").unwrap_err().kind, ParseErrorKind::Empty);
}

#[test]
fn fastcgi_multiline_entry_is_one_event_and_continuations() {
    let lines: [&[u8]; 5] = [
        b"2013/05/30 22:07:34 [error] 19162#0: *490 FastCGI sent in stderr: \"PHP message: PHP Fatal error:  Uncaught Exception: boom in /app/x.php:10",
        b"Stack trace:",
        b"#0 {main}",
        b"  thrown in /app/x.php on line 10\" while reading response header from upstream, client: 1.2.3.4, server: a, request: \"GET / HTTP/1.1\", upstream: \"fastcgi://unix:/run/php.sock:\", host: \"a\"",
        b"2013/05/30 22:07:35 [error] 19162#0: *491 connect() failed (111: Connection refused) while connecting to upstream, client: 1.2.3.4, server: a",
    ];
    let mut p = Parser::new(Options::default());
    let kinds: Vec<Result<Class, ParseErrorKind>> =
        lines.iter().map(|l| p.parse(l).map(|e| e.class).map_err(|e| e.kind)).collect();
    assert_eq!(
        kinds,
        vec![
            Ok(Class::AppStderr),
            Err(ParseErrorKind::Continuation),
            Err(ParseErrorKind::Continuation),
            Err(ParseErrorKind::Continuation),
            Ok(Class::ConnectRefused),
        ]
    );
}

#[test]
fn open_stderr_entry_swallows_arbitrary_text_until_closed() {
    let mut p = Parser::new(Options::default());
    assert!(p.parse(b"2020/04/24 04:34:27 [error] 7581#7581: *6618 FastCGI sent in stderr: \"PHP message: debug - Checking").is_ok());
    assert_eq!(p.parse(b"some arbitrary app text").unwrap_err().kind, ParseErrorKind::Continuation);
    assert_eq!(p.parse(b"end of it\"").unwrap_err().kind, ParseErrorKind::Continuation);
    // The entry is closed: free text is no longer a continuation.
    assert_eq!(
        p.parse(b"some arbitrary app text").unwrap_err().kind,
        ParseErrorKind::NotRecognized
    );
}

#[test]
fn time_zone_converts_local_time() {
    let line = b"2024/07/01 12:00:00 [error] 1#1: *1 no live upstreams while connecting to upstream, client: 1.1.1.1, server: a, upstream: \"http://b/\"";
    let ev = parse_with(line, &Options::with_tz(Tz::Fixed(2 * 3600))).unwrap();
    assert_eq!(ev.time.unwrap().to_string(), "2024-07-01T10:00:00Z");
    let table = ZoneTable::new("Test/West", vec![(i64::MIN, -5 * 3600)]);
    let ev = parse_with(line, &Options::with_tz(Tz::Table(Arc::new(table)))).unwrap();
    assert_eq!(ev.time.unwrap().to_string(), "2024-07-01T17:00:00Z");
}

#[test]
fn impossible_date_gives_no_time_but_an_event() {
    let ev = parse(b"2024/02/30 12:00:00 [error] 1#1: *1 upstream prematurely closed connection while reading response header from upstream, client: a, server: b").unwrap();
    assert_eq!(ev.time, None);
    assert_eq!(ev.class, Class::PrematurelyClosed);
}

#[test]
fn crafted_request_cannot_move_the_client_or_server() {
    let ev = parse(b"2024/01/01 00:00:00 [error] 1#1: *1 upstream prematurely closed connection while reading response header from upstream, client: 1.2.3.4, server: real, request: \"GET /x\", upstream: \"http://evil:1/ HTTP/1.1\", upstream: \"http://10.0.0.1:80/x\", host: \"h\"").unwrap();
    assert_eq!(ev.client, Some(&b"1.2.3.4"[..]));
    assert_eq!(ev.server, Some(&b"real"[..]));
}

#[test]
fn visit_lists_present_fields_in_order() {
    let ev = parse(b"2024/01/01 00:00:00 [error] 7#0: *3 connect() failed (111: Connection refused) while connecting to upstream, client: 1.2.3.4, server: a, upstream: \"http://10.0.0.1:80/x\"").unwrap();
    let mut names = Vec::new();
    ev.fields.visit(&mut |k, _| names.push(k));
    assert_eq!(
        names,
        [
            "pid",
            "tid",
            "connection",
            "errno",
            "action",
            "upstream_scheme",
            "upstream_uri",
            "implied_status"
        ]
    );
}

#[test]
fn a_request_imitating_the_host_key_does_not_hide_upstream_or_host() {
    let ev = parse(b"2024/01/01 00:00:00 [error] 1#1: *1 upstream prematurely closed connection while reading response header from upstream, client: 1.2.3.4, server: s, request: \"GET /x\", host: \"evil HTTP/1.1\", upstream: \"http://10.0.0.1:80/x\", host: \"real\"").unwrap();
    assert_eq!(ev.upstream, Some(&b"10.0.0.1:80"[..]));
    assert_eq!(ev.host, Some(&b"real"[..]));
    assert_eq!(ev.request, Some(&b"GET /x\", host: \"evil HTTP/1.1"[..]));
}

#[test]
fn common_messages_take_the_same_class_as_the_full_procedure() {
    // Every message of the exact-match table, with every action and with none.
    let messages: &[&[u8]] = &COMMON.iter().map(|&(text, _)| text).collect::<Vec<_>>();
    let actions = std::iter::once(None).chain(ACTIONS.iter().map(|&a| Some(a)));
    let mut checked = 0;
    for action in actions {
        for &msg in messages {
            let slow = classify(msg, action, errno_of(msg)).expect("classified");
            let Some(fast) = classify_common(msg, action) else {
                // The table steps aside only for the resolver's action.
                assert_eq!(action.map(|a| a.0), Some(&b"resolving"[..]));
                checked += 1;
                continue;
            };
            assert_eq!(
                (fast.class, fast.nginx_timer),
                (slow.class, slow.nginx_timer),
                "{} / {:?}",
                crate::text(msg),
                action.map(|a| crate::text(a.0))
            );
            checked += 1;
        }
    }
    assert_eq!(checked, messages.len() * (ACTIONS.len() + 1));
    assert!(classify_common(b"upstream sent invalid header", None).is_none());
}

#[test]
fn rfind_while_finds_the_last_occurrence() {
    assert_eq!(rfind_while(b"a while b while c"), Some(9));
    assert_eq!(rfind_while(b" while "), Some(0));
    assert_eq!(rfind_while(b"while x"), None);
    assert_eq!(rfind_while(b"w w  while"), None);
    assert_eq!(rfind_while(b""), None);
}

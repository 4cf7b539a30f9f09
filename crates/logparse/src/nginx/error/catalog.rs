//! The error-log message catalog: what nginx writes and which class each message means.
//!
//! Data only; [`super::classify`] applies it to a message. Four tables:
//!
//! - [`ACTIONS`]: the texts after ` while ` (the `log->action` strings nginx sets as a request
//!   moves through its phases), with the phase each names and whether it is the client's side.
//! - [`COMMON`]: the messages nginx writes most, matched whole before anything else (a fast
//!   path: one comparison instead of the walk over [`RULES`], which gives the same verdict; a
//!   test checks both against each other with every action).
//! - [`RULES`]: the ordered decision procedure. The first rule whose test holds gives the
//!   class; a message no rule takes is unknown: `gateway_error` at level `error` or worse in
//!   an upstream context, `info` otherwise (see `unknown_class` in `nginx/error.rs`).
//! - [`CALLS`] and [`ERRNOS`]: the system and library calls of `name() failed (N: text)`
//!   messages (with the names nginx for Windows gives them), and what their errno numbers
//!   say; [`UNIX_FILE_ERRNOS`] and [`WINDOWS_FILE_ERRNOS`]: the status a failed open of a file
//!   to serve answers.
//!
//! The message texts are the format strings nginx passes to `ngx_log_error` (mostly
//! `src/http/ngx_http_upstream.c`, the proxy, FastCGI, uwsgi, SCGI, gRPC and memcached modules
//! in `src/http/modules/`, `src/event/ngx_event_connect.c`, `src/event/ngx_event_openssl.c` and
//! `src/core/ngx_resolver.c`), up to their first variable part. Classes never depend on the
//! strerror wording, which differs between libcs and systems, only on the errno number.
//!
//! Every entry is exercised by a test (`catalog/tests.rs`) that builds a line from it and
//! checks the class the line gets.

use crate::class::{Class, Phase};

/// An action: `(text, phase, whether it is a client-side action)`.
pub(super) type Action = (&'static [u8], Phase, bool);

/// The actions nginx writes after ` while `, longest first where one is a prefix of another.
pub(super) const ACTIONS: &[Action] = &[
    (b"connecting to upstream", Phase::Connect, false),
    (b"SSL handshaking to upstream", Phase::Connect, false),
    (b"sending request to upstream", Phase::Send, false),
    (b"reading response header from upstream", Phase::Header, false),
    (b"sending early hints to client", Phase::Header, false),
    (b"reading upstream", Phase::Body, false),
    (b"sending to client", Phase::Body, true),
    (b"proxying upgraded connection", Phase::Body, false),
    (b"proxying and reading from upstream", Phase::Body, false),
    (b"proxying and sending to client", Phase::Body, false),
    (b"proxying and reading from client", Phase::Body, false),
    (b"proxying and sending to upstream", Phase::Body, false),
    (b"proxying connection", Phase::Body, false),
    (b"resolving", Phase::Connect, false),
    (b"waiting for request", Phase::None, true),
    (b"reading client request line", Phase::None, true),
    (b"reading client request headers", Phase::None, true),
    (b"reading client request body", Phase::None, true),
    (b"reading client request", Phase::None, true),
    (b"reading client pipelined request line", Phase::None, true),
    (b"reading PROXY protocol", Phase::None, true),
    (b"SSL handshaking", Phase::None, true),
    (b"keepalive", Phase::None, true),
    (b"closing request", Phase::None, true),
    (b"lingering close", Phase::None, true),
    (b"logging request", Phase::None, true),
    (b"sending response to client", Phase::None, true),
    (b"processing HTTP/2 connection", Phase::None, true),
    (b"processing HTTP/3 connection", Phase::None, true),
];

/// The action of resolver lines (`recv() failed (111: ...) while resolving`): their socket
/// errors are the resolver's, so [`COMMON`] does not apply to them.
pub(super) const RESOLVING: &[u8] = b"resolving";

/// What a recognized message means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Meaning {
    /// Always this class.
    Is(Class),
    /// nginx's own timer fired: `connect_timeout` during an action of the connect phase,
    /// `response_timeout` otherwise.
    Timer,
    /// nginx's own connect timer fired: `connect_timeout` whatever the action.
    ConnectTimer,
    /// The peer reset or closed the connection: `client_error` during a client-side action,
    /// `connection_reset` otherwise.
    Reset,
    /// A failed call: the class follows from the kind of its errno number ([`ERRNOS`]).
    ByErrno(ErrnoClasses),
    /// nginx refused the request itself and answers it with this status: `client_error`.
    Refused(u16),
    /// A file nginx could not open or stat to serve it (`open() "/srv/www/x" failed (2: ...)`,
    /// `ngx_http_static_module.c`): the errno numbers of the table are refused requests, with
    /// their status (`client_error`); any other errno, a temporary file (a name of ten
    /// digits, `ngx_create_temp_file`), or a file opened during an action (a temporary file
    /// while reading upstream) is the proxy's own problem (`proxy_error`).
    StaticFile(&'static [(u32, u16)]),
}

/// The class of a failed call for each kind of errno number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct ErrnoClasses {
    /// `ECONNREFUSED`.
    pub(super) refused: Class,
    /// `ETIMEDOUT`.
    pub(super) timed_out: Class,
    /// A cause on the proxy's own host ([`Errno::Local`]).
    pub(super) local: Class,
    /// Any other errno number.
    pub(super) other: Class,
    /// A message without an errno.
    pub(super) none: Class,
}

/// The messages nginx writes most, matched whole (after the action and context are cut off).
///
/// None of them depends on the errno beyond its own text, so no entry is
/// [`Meaning::ByErrno`].
pub(super) const COMMON: &[(&[u8], Meaning)] = &[
    (b"connect() failed (111: Connection refused)", Meaning::Is(Class::ConnectRefused)),
    (b"upstream prematurely closed connection", Meaning::Is(Class::PrematurelyClosed)),
    (b"upstream prematurely closed FastCGI stdout", Meaning::Is(Class::PrematurelyClosed)),
    (b"upstream prematurely closed FastCGI request", Meaning::Is(Class::PrematurelyClosed)),
    (b"upstream prematurely closed stream", Meaning::Is(Class::PrematurelyClosed)),
    (b"upstream timed out (110: Connection timed out)", Meaning::Timer),
    (b"upstream timed out (110: Operation timed out)", Meaning::Timer),
    (b"no live upstreams", Meaning::Is(Class::NoLiveUpstreams)),
    (b"upstream server temporarily disabled", Meaning::Is(Class::UpstreamDown)),
    (b"upstream sent too big header", Meaning::Is(Class::HeaderTooBig)),
    (b"upstream sent no valid HTTP/1.0 header", Meaning::Is(Class::InvalidHeader)),
    (b"upstream sent invalid chunked response", Meaning::Is(Class::InvalidBody)),
    (b"client prematurely closed connection", Meaning::Is(Class::ClientAbort)),
    (
        b"client prematurely closed connection, so upstream connection is closed too",
        Meaning::Is(Class::ClientAbort),
    ),
    (
        b"epoll_wait() reported that client prematurely closed connection, so upstream connection is closed too",
        Meaning::Is(Class::ClientAbort),
    ),
    (b"recv() failed (104: Connection reset by peer)", Meaning::Reset),
    (b"readv() failed (104: Connection reset by peer)", Meaning::Reset),
    (b"writev() failed (104: Connection reset by peer)", Meaning::Reset),
    (b"writev() failed (32: Broken pipe)", Meaning::Reset),
    (b"send() failed (104: Connection reset by peer)", Meaning::Reset),
    (b"send() failed (32: Broken pipe)", Meaning::Reset),
];

/// The errno numbers of a failed static-file open and the status nginx answers with
/// (`ngx_http_static_module.c`: ENOENT, ENOTDIR and ENAMETOOLONG give 404; EACCES, EMLINK
/// and ELOOP give 403), on Linux and the BSDs and macOS.
pub(super) const UNIX_FILE_ERRNOS: &[(u32, u16)] = &[
    (2, 404),  // ENOENT
    (20, 404), // ENOTDIR
    (36, 404), // ENAMETOOLONG, Linux
    (63, 404), // ENAMETOOLONG, BSD, macOS
    (13, 403), // EACCES
    (31, 403), // EMLINK
    (40, 403), // ELOOP, Linux
    (62, 403), // ELOOP, BSD, macOS
];

/// The same for nginx for Windows (`src/os/win32/ngx_errno.h`): ERROR_FILE_NOT_FOUND,
/// ERROR_PATH_NOT_FOUND (its ENOTDIR) and ERROR_BAD_PATHNAME (its ENAMETOOLONG) give 404,
/// ERROR_ACCESS_DENIED gives 403.
pub(super) const WINDOWS_FILE_ERRNOS: &[(u32, u16)] = &[(2, 404), (3, 404), (161, 404), (5, 403)];

/// How a rule tests a message.
#[derive(Clone, Copy, Debug)]
pub(super) enum Test {
    /// The message starts with the text.
    Prefix(&'static [u8]),
    /// The message contains one of the texts.
    Any(&'static [&'static [u8]]),
    /// The message contains the first text and ends with the second.
    AnyEndingWith(&'static [u8], &'static [u8]),
    /// The action after ` while ` is this one.
    Action(&'static [u8]),
    /// During a client-side action, a message that does not name the upstream reports a TLS
    /// handshake failure ([`TLS_HANDSHAKE`]) or a failed [`Call::Transport`] call: the
    /// client's connection failed, not the upstream's.
    ClientSide,
    /// The message reports a failed call (`name() failed`, `... reported that connect()
    /// failed`) of this kind in [`CALLS`].
    Failed(Call),
}

/// One step of the decision procedure.
#[derive(Clone, Copy, Debug)]
pub(super) struct Rule {
    /// When the rule applies.
    pub(super) test: Test,
    /// What the message then means.
    pub(super) meaning: Meaning,
}

const fn rule(test: Test, meaning: Meaning) -> Rule {
    Rule { test, meaning }
}

const fn any(texts: &'static [&'static [u8]], class: Class) -> Rule {
    rule(Test::Any(texts), Meaning::Is(class))
}

const fn refused(texts: &'static [&'static [u8]], status: u16) -> Rule {
    rule(Test::Any(texts), Meaning::Refused(status))
}

/// Texts of failed TLS handshakes (`src/event/ngx_event_openssl.c`).
pub(super) const TLS_HANDSHAKE: &[&[u8]] = &[
    b"SSL_do_handshake() failed",
    b"peer closed connection in SSL handshake",
    b"handshake rejected",
];

/// The decision procedure, in order: the first rule that holds gives the class.
///
/// The order matters where texts overlap: the client's side comes first (a client abort is one
/// even on a line that carries `upstream:`), the specific `upstream sent ...` texts before the
/// catch-all `upstream sent `, named messages before failed calls.
pub(super) const RULES: &[Rule] = &[
    rule(Test::Prefix(b"FastCGI sent in stderr"), Meaning::Is(Class::AppStderr)),
    // The client's side, even when the line carries `upstream:`.
    any(&[b"client prematurely closed", b"closed keepalive connection"], Class::ClientAbort),
    any(
        &[
            b"client timed out",
            b"client intended to send",
            b"client sent ",
            b"client read timed out",
            b"client write timed out",
        ],
        Class::ClientError,
    ),
    rule(Test::ClientSide, Meaning::Is(Class::ClientError)),
    // Requests nginx refuses itself (access, limit_req, limit_conn, index, auth_basic modules),
    // with the status it answers; `limit_req_status` and `limit_conn_status` can change the 503.
    // What only delays a request, or would refuse it in a dry run, lets it go on.
    any(
        &[
            b"delaying request",
            b"limiting requests, dry run",
            b"limiting connections, dry run",
            b"delaying unauthorized request",
        ],
        Class::Info,
    ),
    refused(&[b"limiting requests, excess:", b"limiting connections by zone"], 503),
    refused(&[b"access forbidden by rule", b"\" is forbidden"], 403),
    refused(&[b"\" is not found", b"\" is not a regular file"], 404),
    refused(&[b"\": password mismatch", b"\" was not found in \""], 401),
    // Active health checks, logged by their timers without a client or `upstream:`; the peer is
    // named in the message. nginx_upstream_check_module (also compiled into Tengine, and ported
    // to stream by ngx_stream_upstream_check_module) and OpenResty's
    // lua-resty-upstream-healthcheck (`healthcheck: ...` after the `[lua]` prefix).
    any(&[b"disable check peer", b"is turned down after "], Class::UpstreamDown),
    any(&[b"enable check peer", b"is turned up after "], Class::UpstreamUp),
    any(
        &[
            b"check time out with peer",
            b"error with peer: ",
            b"check pool NULL with peer",
            b"failed with peer: ",
            b"check peer closed connection with an incomplete response",
            b"check fastcgi ",
            b"healthcheck: failed to connect to ",
            b"healthcheck: failed to ssl handshake to ",
            b"healthcheck: failed to send request to ",
            b"healthcheck: failed to receive status line from ",
            b"healthcheck: bad status line from ",
            b"healthcheck: bad status code from ",
        ],
        Class::HealthCheckFailed,
    ),
    any(
        &[
            b"no live upstreams",
            b"upstream servers are busy or encounter error",
            b"failed to find valid upstream server",
            b"select peer failed",
        ],
        Class::NoLiveUpstreams,
    ),
    rule(Test::Action(RESOLVING), Meaning::Is(Class::DnsFailure)),
    any(
        &[
            b"could not be resolved",
            b"no resolver defined",
            b"host not found in upstream",
            b"DNS response",
            b"DNS error",
            b"unexpected response for",
        ],
        Class::DnsFailure,
    ),
    any(
        &[
            b"certificate verify error",
            b"SSL certificate does not match",
            b"ssl certificate verify",
        ],
        Class::TlsCertificate,
    ),
    any(TLS_HANDSHAKE, Class::TlsHandshake),
    // Before `upstream timed out`, which does not name the phase.
    rule(Test::Any(&[b"upstream connect timed out"]), Meaning::ConnectTimer),
    rule(Test::Any(&[b"upstream timed out"]), Meaning::Timer),
    any(&[b"upstream read timed out", b"upstream write timed out"], Class::ResponseTimeout),
    any(&[b"upstream sent too big header"], Class::HeaderTooBig),
    any(&[b"upstream prematurely closed"], Class::PrematurelyClosed),
    any(
        &[
            b"upstream sent invalid chunked response",
            b"upstream sent too big trailers",
            b"upstream sent invalid trailer",
            b"upstream sent trailer without end stream",
            b"upstream sent data frame for unknown stream",
            b"upstream violated stream flow control",
            b"upstream violated connection flow control",
            b"upstream sent frame for closed stream",
            b"upstream sent response body larger than indicated content length",
            b"memcached sent invalid trailer",
        ],
        Class::InvalidBody,
    ),
    any(&[b"server temporarily disabled"], Class::UpstreamDown),
    // Oddities nginx works around: the response goes on.
    any(
        &[
            b"upstream sent more data than specified",
            b"upstream sent data after final chunk",
            b"upstream sent data after trailers",
            b"upstream sent too big early hints",
            b"buffered to a temporary file",
        ],
        Class::Info,
    ),
    rule(Test::AnyEndingWith(b"duplicate header line", b", ignored"), Meaning::Is(Class::Info)),
    // A third-party module's diagnostic logged at `error` in an upstream context: not a
    // failure (the ANDDOS module's `ANDDOS mime: ...`, github:aufi/anddos#3). Known here so
    // that the rule for unknown messages does not make it a `gateway_error`.
    rule(Test::Prefix(b"ANDDOS"), Meaning::Is(Class::Info)),
    // gRPC: the upstream's HTTP/2 RST_STREAM or GOAWAY.
    any(
        &[b"upstream rejected request with error", b"upstream sent goaway with error"],
        Class::ConnectionReset,
    ),
    // Every other `upstream sent ...` is about the response header.
    any(
        &[b"upstream sent ", b"upstream prematurely sent", b"memcached sent "],
        Class::InvalidHeader,
    ),
    any(
        &[
            b"kevent() reported about an closed connection",
            b"kevent() reported that upstream closed connection",
        ],
        Class::ConnectionReset,
    ),
    rule(
        Test::Failed(Call::Connect),
        Meaning::ByErrno(ErrnoClasses {
            refused: Class::ConnectRefused,
            timed_out: Class::ConnectTimeout,
            local: Class::ConnectLocal,
            other: Class::ConnectUnreachable,
            none: Class::ConnectError,
        }),
    ),
    rule(
        Test::Failed(Call::Transport),
        Meaning::ByErrno(ErrnoClasses {
            refused: Class::ConnectRefused,
            timed_out: Class::ConnectionReset,
            local: Class::ConnectionReset,
            other: Class::ConnectionReset,
            none: Class::ConnectionReset,
        }),
    ),
    rule(Test::Failed(Call::File), Meaning::StaticFile(UNIX_FILE_ERRNOS)),
    rule(Test::Failed(Call::WindowsFile), Meaning::StaticFile(WINDOWS_FILE_ERRNOS)),
    rule(Test::Failed(Call::Local), Meaning::Is(Class::ProxyError)),
    // `nginx -t`'s verdicts, written to standard error without a level (`src/core/nginx.c`,
    // `src/core/ngx_cycle.c`): a failed test is the proxy's own problem.
    rule(
        Test::AnyEndingWith(b"configuration file ", b" test failed"),
        Meaning::Is(Class::ProxyError),
    ),
    rule(Test::AnyEndingWith(b"configuration file ", b" syntax is ok"), Meaning::Is(Class::Info)),
    rule(
        Test::AnyEndingWith(b"configuration file ", b" test is successful"),
        Meaning::Is(Class::Info),
    ),
    // The proxy's own limits and configuration.
    any(
        &[
            b"worker_connections are not enough",
            b"the new socket has number",
            b"no port in upstream",
            b"in upstream \"",
            b"no upstream configuration",
            b"invalid URL prefix",
            b"zero length URI",
            b"invalid header after joining FastCGI records",
            b"variable is not set",
            b"buffered data on next upstream",
            b"could not send PROXY protocol header",
            b"invalid local address",
            b"send() returned zero",
            b"bad buf in output chain",
            b"file buf in writev",
            b"recycled buffer in pipe out chain",
            b"no buffer space in grpc",
            b"too long http2 ",
        ],
        Class::ProxyError,
    ),
];

/// The kind of a call in a `name() failed` message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Call {
    /// `connect()`: the attempt to reach the peer.
    Connect,
    /// A call that moves bytes over an established connection.
    Transport,
    /// A call on the proxy's own host (sockets it sets up, writes to temporary files).
    Local,
    /// A call that opens or looks up a file, with the errno numbers of Linux and the BSDs: a
    /// file to serve ([`Meaning::StaticFile`]) or a temporary file.
    File,
    /// The same on nginx for Windows, with Windows' error numbers.
    WindowsFile,
}

/// The calls nginx names in `name() failed` messages.
pub(super) const CALLS: &[(&[u8], Call)] = &[
    (b"connect", Call::Connect),
    (b"recv", Call::Transport),
    (b"readv", Call::Transport),
    (b"writev", Call::Transport),
    (b"send", Call::Transport),
    (b"sendfile", Call::Transport),
    (b"sendmsg", Call::Transport),
    (b"recvmsg", Call::Transport),
    (b"SSL_read", Call::Transport),
    (b"SSL_write", Call::Transport),
    (b"SSL_sendfile", Call::Transport),
    (b"SSL_shutdown", Call::Transport),
    (b"kevent", Call::Transport),
    (b"sendto", Call::Transport),
    (b"sendfilev", Call::Transport),
    (b"SSL_read_early_data", Call::Transport),
    (b"SSL_write_early_data", Call::Transport),
    // nginx for Windows (`src/os/win32/`): winsock's names for recv(), send() and their UDP
    // forms (`WSARecv() or WSAGetOverlappedResult() failed` names WSARecv first).
    (b"WSARecv", Call::Transport),
    (b"WSASend", Call::Transport),
    (b"WSARecvFrom", Call::Transport),
    (b"WSASendTo", Call::Transport),
    (b"socket", Call::Local),
    (b"bind", Call::Local),
    (b"setsockopt", Call::Local),
    (b"getsockopt", Call::Local),
    (b"ioctl", Call::Local),
    (b"open", Call::File),
    (b"openat", Call::File),
    (b"stat", Call::File),
    (b"lstat", Call::File),
    (b"fstat", Call::File),
    (b"CreateFile", Call::WindowsFile),
    (b"GetFileAttributesEx", Call::WindowsFile),
    (b"GetFileInformationByHandle", Call::WindowsFile),
    (b"pwrite", Call::Local),
    (b"write", Call::Local),
    (b"accept4", Call::Local),
    (b"accept", Call::Local),
    (b"epoll_ctl", Call::Local),
    (b"fcntl", Call::Local),
    (b"SSL_set_tlsext_host_name", Call::Local),
    (b"SSL_set_alpn_protos", Call::Local),
    (b"SSL_set_session", Call::Local),
    (b"SSL_new", Call::Local),
    (b"getsockname", Call::Local),
    // nginx for Windows: socket(), ioctl() on sockets, closesocket(), and the file calls.
    (b"WSASocketW", Call::Local),
    (b"ioctlsocket", Call::Local),
    (b"closesocket", Call::Local),
    (b"WriteFile", Call::Local),
    (b"ReadFile", Call::Local),
];

/// What an errno number says, for the classes of [`Meaning::ByErrno`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Errno {
    /// `ECONNREFUSED`: nothing listens on the peer's port.
    Refused,
    /// `ETIMEDOUT`: the kernel gave up on the connection.
    TimedOut,
    /// The cause is on the proxy's host: a missing or forbidden unix socket, a full backlog,
    /// no local address or port left.
    Local,
}

/// The errno numbers with a kind of their own, on Linux, the BSDs and macOS, and Windows
/// (winsock); every other number is "other".
pub(super) const ERRNOS: &[(u32, Errno)] = &[
    (111, Errno::Refused),    // ECONNREFUSED, Linux
    (61, Errno::Refused),     // BSD, macOS
    (10061, Errno::Refused),  // WSAECONNREFUSED
    (110, Errno::TimedOut),   // ETIMEDOUT, Linux
    (60, Errno::TimedOut),    // BSD, macOS
    (10060, Errno::TimedOut), // WSAETIMEDOUT
    (2, Errno::Local),        // ENOENT
    (13, Errno::Local),       // EACCES
    (1, Errno::Local),        // EPERM
    (11, Errno::Local),       // EAGAIN, Linux
    (35, Errno::Local),       // EAGAIN, BSD, macOS
    (10035, Errno::Local),    // WSAEWOULDBLOCK
    (99, Errno::Local),       // EADDRNOTAVAIL, Linux
    (49, Errno::Local),       // BSD, macOS
    (10049, Errno::Local),    // WSAEADDRNOTAVAIL
];

#[cfg(test)]
mod tests;

//! The values of one Envoy line by the operator they come from, and what the layouts share
//! (key names, times), apart from the parsers that fill them.

use crate::bytes::{finder, parse_u64};
use crate::format::Format;
use crate::time::Timestamp;

/// The format of every error of these parsers.
pub(crate) const FORMAT: Option<Format> = Some(Format::Envoy);

/// The values of one line by the Envoy operator they come from, before they are typed:
/// each a sub-slice of the line, `None` when absent or `-`.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Rec<'a> {
    pub(crate) start_time: Option<&'a [u8]>,
    pub(crate) request: Option<&'a [u8]>,
    pub(crate) method: Option<&'a [u8]>,
    pub(crate) path: Option<&'a [u8]>,
    pub(crate) protocol: Option<&'a [u8]>,
    pub(crate) response_code: Option<&'a [u8]>,
    pub(crate) flags: Option<&'a [u8]>,
    pub(crate) details: Option<&'a [u8]>,
    pub(crate) termination: Option<&'a [u8]>,
    pub(crate) utfr: Option<&'a [u8]>,
    pub(crate) mixer: Option<&'a [u8]>,
    pub(crate) bytes_received: Option<&'a [u8]>,
    pub(crate) bytes_sent: Option<&'a [u8]>,
    pub(crate) duration: Option<&'a [u8]>,
    pub(crate) upstream_service_time: Option<&'a [u8]>,
    pub(crate) xff: Option<&'a [u8]>,
    pub(crate) user_agent: Option<&'a [u8]>,
    pub(crate) request_id: Option<&'a [u8]>,
    pub(crate) authority: Option<&'a [u8]>,
    pub(crate) upstream_host: Option<&'a [u8]>,
    pub(crate) cluster: Option<&'a [u8]>,
    pub(crate) upstream_local: Option<&'a [u8]>,
    pub(crate) downstream_local: Option<&'a [u8]>,
    pub(crate) downstream_remote: Option<&'a [u8]>,
    pub(crate) sni: Option<&'a [u8]>,
    pub(crate) route: Option<&'a [u8]>,
    pub(crate) grpc_status: Option<&'a [u8]>,
    pub(crate) truncated: bool,
    pub(crate) trailing: Option<&'a [u8]>,
}

/// Which value of a [`Rec`] an operator or key fills.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Slot {
    StartTime,
    Request,
    Method,
    Path,
    Protocol,
    ResponseCode,
    Flags,
    Details,
    Termination,
    Utfr,
    Mixer,
    BytesReceived,
    BytesSent,
    Duration,
    UpstreamServiceTime,
    Xff,
    UserAgent,
    RequestId,
    Authority,
    UpstreamHost,
    Cluster,
    UpstreamLocal,
    DownstreamLocal,
    DownstreamRemote,
    Sni,
    Route,
    GrpcStatus,
}

impl Slot {
    /// The field name used in errors (Envoy's operator in snake_case).
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Slot::StartTime => "start_time",
            Slot::Request => "request",
            Slot::Method => "method",
            Slot::Path => "path",
            Slot::Protocol => "protocol",
            Slot::ResponseCode => "response_code",
            Slot::Flags => "response_flags",
            Slot::Details => "response_code_details",
            Slot::Termination => "connection_termination_details",
            Slot::Utfr => "upstream_transport_failure_reason",
            Slot::Mixer => "mixer_status",
            Slot::BytesReceived => "bytes_received",
            Slot::BytesSent => "bytes_sent",
            Slot::Duration => "duration",
            Slot::UpstreamServiceTime => "upstream_service_time",
            Slot::Xff => "x_forwarded_for",
            Slot::UserAgent => "user_agent",
            Slot::RequestId => "request_id",
            Slot::Authority => "authority",
            Slot::UpstreamHost => "upstream_host",
            Slot::Cluster => "upstream_cluster",
            Slot::UpstreamLocal => "upstream_local_address",
            Slot::DownstreamLocal => "downstream_local_address",
            Slot::DownstreamRemote => "downstream_remote_address",
            Slot::Sni => "requested_server_name",
            Slot::Route => "route_name",
            Slot::GrpcStatus => "grpc_status",
        }
    }

    /// Whether the value must be a number.
    pub(crate) const fn numeric(self) -> bool {
        matches!(
            self,
            Slot::ResponseCode
                | Slot::BytesReceived
                | Slot::BytesSent
                | Slot::Duration
                | Slot::UpstreamServiceTime
        )
    }

    /// The slot a JSON or key=value key names, by its normalized spelling (ASCII lowercase,
    /// without `_`, `-`, `.`, `@`; see [`normalize`]).
    pub(crate) fn of_key(norm: &[u8]) -> Option<Slot> {
        Some(match norm {
            b"starttime" | b"timestamp" | b"time" => Slot::StartTime,
            b"fullpath" | b"requestline" => Slot::Request,
            b"method" | b"requestmethod" | b"reqmethod" => Slot::Method,
            b"path" | b"requestpath" | b"xenvoyoriginalpath" | b"uri" | b"request" => Slot::Path,
            b"protocol" | b"requestprotocol" | b"alpn" => Slot::Protocol,
            b"responsecode" | b"status" | b"code" | b"statuscode" => Slot::ResponseCode,
            b"responseflags" | b"responseflag" | b"flags" | b"responseflagslong" => Slot::Flags,
            b"responsecodedetails" | b"details" | b"statusdetails" => Slot::Details,
            b"connectionterminationdetails" => Slot::Termination,
            b"upstreamtransportfailurereason" => Slot::Utfr,
            b"mixerstatus" => Slot::Mixer,
            b"bytesreceived" | b"requestsize" => Slot::BytesReceived,
            b"bytessent" | b"responsesize" => Slot::BytesSent,
            b"duration" | b"durationms" | b"totaltimems" => Slot::Duration,
            b"upstreamservicetime" | b"xenvoyupstreamservicetime" | b"upstreamduration" => {
                Slot::UpstreamServiceTime
            }
            b"xforwardedfor" | b"xfor" | b"forwardedfor" => Slot::Xff,
            b"useragent" => Slot::UserAgent,
            b"requestid" | b"xrequestid" | b"envoyrequestid" => Slot::RequestId,
            b"authority" | b"host" | b"requestauthority" => Slot::Authority,
            b"upstreamhost" | b"upstream" | b"upstreamaddress" => Slot::UpstreamHost,
            b"upstreamcluster" | b"cluster" | b"upstreamservice" => Slot::Cluster,
            b"upstreamlocaladdress" => Slot::UpstreamLocal,
            b"downstreamlocaladdress" => Slot::DownstreamLocal,
            b"downstreamremoteaddress"
            | b"downstreamremoteaddresswithoutport"
            | b"remoteaddr"
            | b"clientaddress"
            | b"downstreamdirectremoteaddress" => Slot::DownstreamRemote,
            b"requestedservername" | b"sni" => Slot::Sni,
            b"routename" | b"route" => Slot::Route,
            b"grpcstatus" => Slot::GrpcStatus,
            _ => return None,
        })
    }
}

/// Writes `key` normalized into `buf`: ASCII lowercase, without `_`, `-`, `.`, `@`. `None`
/// when it does not fit (no known key is that long).
pub(crate) fn normalize<'b>(key: &[u8], buf: &'b mut [u8; 48]) -> Option<&'b [u8]> {
    let mut n = 0;
    for &c in key {
        if matches!(c, b'_' | b'-' | b'.' | b'@') {
            continue;
        }
        *buf.get_mut(n)? = c.to_ascii_lowercase();
        n += 1;
    }
    Some(&buf[..n])
}

impl<'a> Rec<'a> {
    /// Stores `v` in `slot`; `-` (and empty text) is "no value".
    pub(crate) fn set(&mut self, slot: Slot, v: &'a [u8]) {
        let v = (!v.is_empty() && v != b"-").then_some(v);
        let place = match slot {
            Slot::StartTime => &mut self.start_time,
            Slot::Request => &mut self.request,
            Slot::Method => &mut self.method,
            Slot::Path => &mut self.path,
            Slot::Protocol => &mut self.protocol,
            Slot::ResponseCode => &mut self.response_code,
            Slot::Flags => &mut self.flags,
            Slot::Details => &mut self.details,
            Slot::Termination => &mut self.termination,
            Slot::Utfr => &mut self.utfr,
            Slot::Mixer => &mut self.mixer,
            Slot::BytesReceived => &mut self.bytes_received,
            Slot::BytesSent => &mut self.bytes_sent,
            Slot::Duration => &mut self.duration,
            Slot::UpstreamServiceTime => &mut self.upstream_service_time,
            Slot::Xff => &mut self.xff,
            Slot::UserAgent => &mut self.user_agent,
            Slot::RequestId => &mut self.request_id,
            Slot::Authority => &mut self.authority,
            Slot::UpstreamHost => &mut self.upstream_host,
            Slot::Cluster => &mut self.cluster,
            Slot::UpstreamLocal => &mut self.upstream_local,
            Slot::DownstreamLocal => &mut self.downstream_local,
            Slot::DownstreamRemote => &mut self.downstream_remote,
            Slot::Sni => &mut self.sni,
            Slot::Route => &mut self.route,
            Slot::GrpcStatus => &mut self.grpc_status,
        };
        *place = v;
    }
}

/// The offset of `v` in `line` (0 when it is not inside it), for errors.
pub(crate) fn offset_in(line: &[u8], v: &[u8]) -> usize {
    (v.as_ptr() as usize).wrapping_sub(line.as_ptr() as usize).min(line.len())
}

/// Reads `%START_TIME%`: ISO 8601 (`2024-06-18T10:19:42.614Z`, `...960+0000`, `+00:00`),
/// or, when that fails, the first word that is a Unix time in seconds (10 digits, optional
/// fraction).
pub fn start_time(v: &[u8]) -> Option<Timestamp> {
    iso_time(v).or_else(|| {
        v.split(|&c| c == b' ').find_map(|w| {
            let int = memchr::memchr(b'.', w).map_or(w, |i| &w[..i]);
            (int.len() == 10).then(|| parse_u64(int)).flatten().map(|s| {
                let s = i64::try_from(s).unwrap_or(0);
                Timestamp::from_unix_seconds(s)
            })
        })
    })
}

/// ISO 8601 with `Z`, no zone (UTC), or a `±hh:mm` / `±hhmm` offset.
pub(crate) fn iso_time(v: &[u8]) -> Option<Timestamp> {
    if !crate::aws::looks_like_time(v) {
        return None;
    }
    let mut end = 19;
    if v.get(19) == Some(&b'.') {
        end = 20 + v[20..].iter().take_while(|c| c.is_ascii_digit()).count();
    }
    let zone = &v[end..];
    let offset_secs: i64 = match zone {
        [] | b"Z" => 0,
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (h, m) = match rest {
                [h1, h2, b':', m1, m2] | [h1, h2, m1, m2] => ([*h1, *h2], [*m1, *m2]),
                [h1, h2] => ([*h1, *h2], [b'0', b'0']),
                _ => return None,
            };
            let h = parse_u64(&h)? as i64;
            let m = parse_u64(&m)? as i64;
            let s = h * 3600 + m * 60;
            if *sign == b'+' { s } else { -s }
        }
        _ => return None,
    };
    let t = crate::aws::parse_time(&v[..end])?;
    Some(Timestamp::from_unix_micros(t.unix_micros() - offset_secs * 1_000_000))
}

/// Whether `line` has one of the key names that mark an Envoy JSON or key=value line.
pub(crate) fn has_envoy_key(line: &[u8]) -> bool {
    finder!(b"esponse_flag").find(line).is_some()
        || finder!(b"esponseFlag").find(line).is_some()
        || finder!(b"esponse_code_details").find(line).is_some()
        || finder!(b"esponseCodeDetails").find(line).is_some()
        || finder!(b"upstream_cluster").find(line).is_some()
        || finder!(b"upstreamCluster").find(line).is_some()
}

//! `docker events` text lines (spec §2.11; layout from docker/cli
//! `cli/command/system/events.go` `prettyPrintEvent`): `<RFC 3339 nano stamp> container
//! <action> <id> (k=v, ...)`, attributes sorted by key. Exit code 137 is 128 + SIGKILL.

use super::record::{Envelope, Kind, Signal, Source, Suspect, Unparsed};
use super::scan::{after, num, until, word};

/// Reads a `docker events` line into `sig`; `Ok(false)` when it is not one.
pub(crate) fn read(sig: &mut Signal<'_>) -> Result<bool, Unparsed> {
    let Some(rest) = sig.message.strip_prefix(b"container ") else { return Ok(false) };
    let (action, rest) = word(rest);
    let (id, attrs) = word(rest);
    if id.is_empty() || !id.iter().all(u8::is_ascii_hexdigit) {
        return Ok(false);
    }
    let attr = |key: &[u8]| -> Option<&[u8]> {
        let mut hay = attrs;
        while let Some(r) = after(hay, key) {
            let at = hay.len() - r.len() - key.len();
            if at > 0 && matches!(hay[at - 1], b'(' | b' ') {
                return Some(until(until(r, b','), b')'));
            }
            hay = r;
        }
        None
    };
    let kind = match action {
        b"oom" => Kind::OomKill,
        b"die" => {
            let code = attr(b"exitCode=").and_then(num).map(|(n, _)| n);
            sig.detail.exit_code = code.and_then(|c| i64::try_from(c).ok());
            match code {
                Some(137) => {
                    sig.detail.suspect = Some(Suspect::Oom);
                    Kind::Crash
                }
                Some(0 | 143) => Kind::Stop,
                _ => Kind::Crash,
            }
        }
        b"kill" | b"stop" => Kind::Stop,
        b"start" | b"restart" => Kind::Restart,
        _ => return Err(Unparsed::NotASignal),
    };
    sig.identity.container_id = Some(id);
    sig.identity.container_name = attr(b"com.docker.compose.service=").or_else(|| attr(b"name="));
    sig.identity.pod = attr(b"io.kubernetes.pod.name=");
    sig.identity.namespace = attr(b"io.kubernetes.pod.namespace=");
    sig.identity.pod_uid = attr(b"io.kubernetes.pod.uid=");
    sig.kind = Some(kind);
    sig.source = Source::DockerEvent;
    // The stamp is the event's own, not a `docker logs -t` wrapper.
    if sig.envelope == Envelope::DockerTs {
        sig.envelope = Envelope::Plain;
    }
    Ok(true)
}

//! systemd unit messages (spec §2.9; wording from systemd `src/core/service.c`, `unit.c`,
//! `job.c`). Each is prefixed `<unit>: ` by `LOG_UNIT_MESSAGE`; `Started`/`Stopped` lines are
//! read only when the syslog tag says `systemd`.

use super::record::{Kind, Signal, Source, Suspect, Unparsed};
use super::scan::{after, num, num_after, until};

/// Reads a systemd line into `sig`; `Ok(false)` when it is not one.
pub(crate) fn read(sig: &mut Signal<'_>) -> Result<bool, Unparsed> {
    let m = sig.message;
    let (unit, text) = match crate::bytes::find(m, b": ") {
        Some(i) if is_unit(&m[..i]) => (Some(&m[..i]), &m[i + 2..]),
        _ => (None, m),
    };
    let from_systemd = sig.identity.program.is_some_and(|p| p == b"systemd");
    let kind = if let Some(rest) = text.strip_prefix(b"Main process exited, code=") {
        let status = after(rest, b"status=").unwrap_or(b"");
        let code = num(status).map(|(n, _)| n);
        if let Some(name) = after(status, b"/") {
            sig.detail.signal_name = Some(until(name, b' '));
        }
        if rest.starts_with(b"exited") {
            sig.detail.exit_code = code.and_then(|c| i64::try_from(c).ok());
        } else {
            sig.detail.signal = code.and_then(|c| u8::try_from(c).ok());
            if code == Some(9) {
                sig.detail.suspect = Some(Suspect::Oom);
            }
        }
        Kind::Crash
    } else if let Some(rest) = text.strip_prefix(b"Failed with result '") {
        if until(rest, b'\'') == b"oom-kill" { Kind::OomKill } else { Kind::Crash }
    } else if text.starts_with(b"A process of this unit has been killed by the OOM killer.") {
        Kind::OomKill
    } else if text.starts_with(b"Scheduled restart job, restart counter is at ") {
        sig.detail.restart_count = num_after(text, b"restart counter is at ");
        Kind::Restart
    } else if from_systemd && text.starts_with(b"Deactivated successfully.") {
        Kind::Stop
    } else if from_systemd && text.starts_with(b"Started ") {
        Kind::Restart
    } else if from_systemd && text.starts_with(b"Stopped ") {
        Kind::Stop
    } else {
        return Ok(false);
    };
    if unit.is_none() && !from_systemd {
        return Ok(false);
    }
    sig.identity.unit = unit;
    // The tag's pid is systemd's own (1), not the unit's process.
    sig.identity.pid = None;
    sig.kind = Some(kind);
    sig.source = Source::Systemd;
    Ok(true)
}

/// `api.service`, `user@1021.service`, `session-3.scope`: a unit name.
fn is_unit(b: &[u8]) -> bool {
    const TYPES: [&[u8]; 6] = [b".service", b".scope", b".slice", b".socket", b".mount", b".timer"];
    !b.contains(&b' ') && TYPES.iter().any(|t| b.ends_with(t))
}

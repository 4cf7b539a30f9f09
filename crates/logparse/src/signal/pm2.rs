//! PM2 daemon lines (spec §2.6; wording from Unitech/pm2 `lib/God.js`, `lib/God/*.js`). The
//! daemon prefixes `YYYY-MM-DDTHH:mm:ss: PM2 log: ` (local time, no zone); PM2 1.x/2.x wrote
//! `PM2: YYYY-MM-DD HH:mm:ss: `. Note that `via signal [SIGINT]` is PM2's default text when no
//! signal was seen, so it is not recorded as a signal.

use super::envelope::set_time;
use super::record::{Kind, Signal, Source, Suspect, Unparsed};
use super::scan::{after, has, iso, num, num_after, until};

/// Reads a PM2 line into `sig`; `Ok(false)` when it is not one.
pub(crate) fn read(sig: &mut Signal<'_>) -> Result<bool, Unparsed> {
    let m = sig.message;
    let body = m.strip_prefix(b"PM2: ").unwrap_or(m);
    let stamp = iso(body).map(|(st, _)| st).filter(|st| body.get(st.len) == Some(&b':'));
    let text = match &stamp {
        Some(st) => body[st.len + 1..].strip_prefix(b" ").unwrap_or(&body[st.len + 1..]),
        None => body,
    };
    let text = text.strip_prefix(b"PM2 log: ").unwrap_or(text);
    if stamp.is_none() && text.len() == m.len() && !has(m, b"[PM2]") {
        return Ok(false);
    }
    let kind = if let Some(rest) = text.strip_prefix(b"App [") {
        let name = until(rest, b']');
        let (app, id) = match memchr::memrchr(b':', name) {
            Some(i) => (&name[..i], num(&name[i + 1..]).map(|(n, _)| n)),
            None => (name, num_after(rest, b"with id [")),
        };
        sig.identity.comm = Some(app);
        sig.identity.worker = id.and_then(|n| u32::try_from(n).ok());
        sig.identity.pid = num_after(rest, b"and pid [").and_then(|n| u32::try_from(n).ok());
        if let Some(code) = num_after(rest, b"exited with code [") {
            sig.detail.exit_code = i64::try_from(code).ok();
            if code == 0 { Kind::Stop } else { Kind::Crash }
        } else if rest.ends_with(b" online") || has(rest, b"] starting in -") {
            Kind::Restart
        } else {
            return Ok(false);
        }
    } else if let Some(rest) = text.strip_prefix(b"App name:") {
        sig.identity.comm = Some(until(rest, b' '));
        sig.identity.worker = num_after(rest, b" id:").and_then(|n| u32::try_from(n).ok());
        if rest.ends_with(b" online") { Kind::Restart } else { return Ok(false) }
    } else if has(text, b" had too many unstable restarts (") {
        Kind::Crash
    } else if has(text, b"exceeds --max-memory-restart") {
        sig.detail.suspect = Some(Suspect::Memory);
        Kind::Restart
    } else if let Some(rest) = after(text, b"Stopping app:") {
        sig.identity.comm = Some(until(rest, b' '));
        Kind::Stop
    } else {
        return Ok(false);
    };
    sig.kind = Some(kind);
    sig.source = Source::Pm2;
    if sig.time.is_none()
        && let Some(st) = &stamp
    {
        set_time(sig, st);
    }
    Ok(true)
}

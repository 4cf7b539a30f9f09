//! gunicorn's arbiter and worker lines (spec §2.2; wording from `gunicorn/arbiter.py`,
//! tags 19.9.0 to 26.1.0). The default prefix is `[%Y-%m-%d %H:%M:%S %z] [pid] [LEVEL] `; the
//! wording is found anywhere in the message, so custom prefixes work too. Never by level.

use super::envelope::set_time;
use super::record::{Kind, Signal, Source, Suspect, Unparsed};
use super::scan::{after, has, iso, num, num_after, pid_after, until};

/// Reads a gunicorn line into `sig`; `Ok(false)` when it is not one.
pub(crate) fn read(sig: &mut Signal<'_>) -> Result<bool, Unparsed> {
    let m = sig.message;
    let kind = if let Some(pid) = pid_after(m, b"WORKER TIMEOUT (pid:") {
        sig.identity.pid = Some(pid);
        Kind::WorkerTimeout
    } else if let Some(rest) = after(m, b"Worker with pid ") {
        // 20.1.0 only.
        let signal =
            num_after(rest, b" was terminated due to signal ").ok_or(Unparsed::UnknownMessage)?;
        sig.identity.pid = num(rest).and_then(|(p, _)| u32::try_from(p).ok());
        sig.detail.signal = u8::try_from(signal).ok();
        if signal == 9 {
            sig.detail.suspect = Some(Suspect::Oom);
        }
        Kind::Crash
    } else if let Some(rest) = after(m, b"Worker (pid:") {
        sig.identity.pid = num(rest).and_then(|(p, _)| u32::try_from(p).ok());
        if let Some(name) = after(rest, b") was sent ") {
            let name = until(until(name, b'!'), b' ');
            sig.detail.signal_name = Some(name);
            match name {
                b"SIGKILL" => {
                    sig.detail.signal = Some(9);
                    sig.detail.suspect = Some(Suspect::Oom);
                    Kind::Crash
                }
                b"SIGTERM" => {
                    sig.detail.signal = Some(15);
                    Kind::Stop
                }
                _ => Kind::Crash,
            }
        } else if let Some(code) = num_after(rest, b") exited with code ") {
            sig.detail.exit_code = i64::try_from(code).ok();
            if code == 0 { Kind::Stop } else { Kind::Crash }
        } else {
            return Ok(false);
        }
    } else if let Some(pid) = pid_after(m, b"Booting worker with pid: ") {
        sig.identity.pid = Some(pid);
        Kind::Restart
    } else if let Some(pid) = pid_after(m, b"Worker exiting (pid: ") {
        sig.identity.pid = Some(pid);
        Kind::Stop
    } else if has(m, b"Reason: Worker failed to boot.") || has(m, b"Reason: App failed to load.") {
        Kind::Crash
    } else if has(m, b"Shutting down: Master") {
        Kind::Stop
    } else if let Some(rest) = after(m, b"Listening at: ") {
        sig.identity.listen = Some(until(rest, b' '));
        sig.identity.pid = pid_after(rest, b"(");
        sig.source = Source::Gunicorn;
        prefix(sig);
        return Ok(true);
    } else {
        return Ok(false);
    };
    sig.kind = Some(kind);
    sig.source = Source::Gunicorn;
    prefix(sig);
    Ok(true)
}

/// The default prefix: its stamp (when the envelope gave none) and the writer's pid.
fn prefix(sig: &mut Signal<'_>) {
    let m = sig.message;
    let Some(b) = m.strip_prefix(b"[") else { return };
    let Some((st, _)) = iso(b) else { return };
    if sig.time.is_none() {
        set_time(sig, &st);
    }
    if let Some(rest) = b.get(st.len..).and_then(|r| r.strip_prefix(b"] ["))
        && let Some((pid, _)) = num(rest)
    {
        let writer = u32::try_from(pid).ok();
        if sig.identity.pid.is_none() {
            sig.identity.pid = writer;
        } else if sig.identity.pid != writer {
            sig.identity.master_pid = writer;
        }
    }
}

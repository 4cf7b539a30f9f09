//! uWSGI master lines (spec §2.4; wording from unbit/uwsgi `core/master.c`,
//! `core/master_utils.c`, `core/socket.c`, `core/utils.c`). Verbose lines start with ctime
//! output and ` - ` (`Tue Jan  9 21:53:28 2024 - `), local time; plain ones carry no time.

use super::envelope::set_time;
use super::record::SignalOptions;
use super::record::{Kind, Signal, Source, Suspect, Unparsed};
use super::scan::{after, ctime, has, num, num_after, pid_after, until};

/// Reads a uWSGI line into `sig`; `Ok(false)` when it is not one.
pub(crate) fn read(sig: &mut Signal<'_>, opts: &SignalOptions) -> Result<bool, Unparsed> {
    let m = sig.message;
    let worker = |after_text: &[u8]| num_after(m, after_text).and_then(|n| u32::try_from(n).ok());
    let kind = if has(m, b"*** HARAKIRI ON WORKER ") {
        sig.identity.worker = worker(b"HARAKIRI ON WORKER ");
        sig.identity.pid = pid_after(m, b"(pid: ");
        Kind::WorkerTimeout
    } else if let Some(rest) = after(m, b"DAMN ! worker ") {
        sig.identity.worker = num(rest).and_then(|(n, _)| u32::try_from(n).ok());
        sig.identity.pid = pid_after(rest, b"(pid: ");
        if let Some(s) = num_after(rest, b"killed by signal ") {
            sig.detail.signal = u8::try_from(s).ok();
            if s == 9 {
                sig.detail.suspect = Some(Suspect::Oom);
            }
        }
        Kind::Crash
    } else if has(m, b" killed successfully (pid: ") && has(m, b"worker ") {
        sig.identity.worker = worker(b"worker ");
        sig.identity.pid = pid_after(m, b"(pid: ");
        Kind::Stop
    } else if has(m, b"Respawned uWSGI worker ") {
        sig.identity.worker = worker(b"Respawned uWSGI worker ");
        sig.identity.pid = pid_after(m, b"(new pid: ");
        Kind::Restart
    } else if has(m, b"worker respawning too fast !!!") {
        Kind::Crash
    } else if let Some(rest) = after(m, b"*** uWSGI listen queue of socket \"") {
        sig.identity.listen = Some(until(rest, b'"'));
        sig.detail.limit =
            after(rest, b"full !!! (").and_then(|r| after(r, b"/")).and_then(num).map(|(n, _)| n);
        Kind::PoolExhausted
    } else if has(m, b"reload-on-") && has(m, b" limit reached (") {
        sig.detail.suspect = Some(Suspect::Memory);
        Kind::Restart
    } else if has(m, b" lifetime reached, it was running for ") {
        sig.identity.worker = worker(b"worker ");
        Kind::Restart
    } else if has(m, b"SIGINT/SIGQUIT received...killing workers...")
        || has(m, b"goodbye to uWSGI.")
    {
        Kind::Stop
    } else if has(m, b"uwsgi socket ")
        && (has(m, b" bound to TCP address ") || has(m, b" bound to UNIX address "))
    {
        let addr = after(m, b" address ").map(|r| until(r, b' '));
        sig.identity.listen = addr;
        sig.source = Source::Uwsgi;
        stamp(sig, opts);
        return Ok(true);
    } else {
        return Ok(false);
    };
    sig.kind = Some(kind);
    sig.source = Source::Uwsgi;
    stamp(sig, opts);
    Ok(true)
}

/// The verbose line's ctime stamp, when the envelope gave no time.
fn stamp(sig: &mut Signal<'_>, opts: &SignalOptions) {
    if sig.time.is_none()
        && let Some(st) = ctime(sig.message, opts.year)
        && sig.message.get(st.len..).is_some_and(|r| r.starts_with(b" - "))
    {
        set_time(sig, &st);
    }
}

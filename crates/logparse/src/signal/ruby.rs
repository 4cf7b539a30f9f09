//! Puma and Unicorn (spec §2.5; wording from puma/puma `lib/puma/cluster.rb` and
//! defunkt/unicorn `lib/unicorn/http_server.rb`). Puma writes no stamp (cluster mode prefixes
//! `[pid] `); Unicorn uses Ruby's Logger: `E, [2015-01-13T23:50:55.026210 #4449] ERROR -- : `,
//! local time, no zone.

use super::envelope::set_time;
use super::record::{Kind, Signal, Source, Suspect, Unparsed};
use super::scan::{after, has, iso, num, num_after, pid_after, seconds, until};

/// Reads a Puma line into `sig`; `Ok(false)` when it is not one.
pub(crate) fn puma(sig: &mut Signal<'_>) -> Result<bool, Unparsed> {
    let m = sig.message;
    let kind = if let Some(rest) = after(m, b"! Terminating timed out worker") {
        sig.identity.worker = num_after(rest, b"(Worker ").and_then(|n| u32::try_from(n).ok());
        sig.identity.pid = rest
            .iter()
            .rposition(|&c| c == b' ')
            .and_then(|i| num(&rest[i + 1..]))
            .and_then(|(n, _)| u32::try_from(n).ok());
        Kind::WorkerTimeout
    } else if has(m, b"- Worker ") && has(m, b") booted") {
        ids(sig, m);
        Kind::Restart
    } else if has(m, b"- Worker ") && has(m, b") terminating")
        || has(m, b"Early termination of worker")
    {
        ids(sig, m);
        Kind::Stop
    } else if let Some(rest) = after(m, b"* Listening on ") {
        sig.identity.listen = Some(until(rest, b' '));
        sig.source = Source::Puma;
        writer(sig);
        return Ok(true);
    } else {
        return Ok(false);
    };
    sig.kind = Some(kind);
    sig.source = Source::Puma;
    writer(sig);
    Ok(true)
}

/// `- Worker 1 (PID: 123)` or `(pid: 123)`.
fn ids(sig: &mut Signal<'_>, m: &[u8]) {
    sig.identity.worker = num_after(m, b"- Worker ").and_then(|n| u32::try_from(n).ok());
    sig.identity.pid = pid_after(m, b"(PID: ").or_else(|| pid_after(m, b"(pid: "));
}

/// Cluster mode's `[pid] ` prefix: the master that wrote the line.
fn writer(sig: &mut Signal<'_>) {
    if let Some((pid, rest)) = sig.message.strip_prefix(b"[").and_then(num)
        && rest.starts_with(b"] ")
    {
        let pid = u32::try_from(pid).ok();
        if sig.identity.pid.is_none() {
            sig.identity.pid = pid;
        } else if sig.identity.pid != pid {
            sig.identity.master_pid = pid;
        }
    }
}

/// Reads a Unicorn line into `sig`; `Ok(false)` when it is not one.
pub(crate) fn unicorn(sig: &mut Signal<'_>) -> Result<bool, Unparsed> {
    let m = sig.message;
    let kind = if let Some(rest) = after(m, b" timeout (").filter(|_| has(m, b"), killing")) {
        sig.identity.worker = num_after(m, b"worker=").and_then(|n| u32::try_from(n).ok());
        sig.identity.pid = pid_after(m, b"PID:");
        sig.detail.elapsed_s = seconds(rest);
        sig.detail.timeout_s = after(rest, b"> ").and_then(seconds);
        Kind::WorkerTimeout
    } else if let Some(rest) = after(m, b"reaped #<Process::Status: pid ") {
        sig.identity.pid = num(rest).and_then(|(n, _)| u32::try_from(n).ok());
        sig.identity.worker = num_after(rest, b"worker=").and_then(|n| u32::try_from(n).ok());
        sig.detail.signal = num_after(rest, b"(signal ").and_then(|n| u8::try_from(n).ok());
        if sig.detail.signal == Some(9) {
            sig.detail.suspect = Some(Suspect::Oom);
        }
        Kind::Crash
    } else if let Some(rest) = after(m, b"worker=").filter(|r| r.ends_with(b" ready")) {
        sig.identity.worker = num(rest).and_then(|(n, _)| u32::try_from(n).ok());
        Kind::Restart
    } else {
        return Ok(false);
    };
    sig.kind = Some(kind);
    sig.source = Source::Unicorn;
    // `E, [2015-01-13T23:50:55.026210 #4449] ERROR -- : `
    if let Some(b) = m.get(1..).and_then(|r| r.strip_prefix(b", ["))
        && let Some((st, _)) = iso(b)
    {
        if sig.time.is_none() {
            set_time(sig, &st);
        }
        let writer = pid_after(&b[st.len..], b"#");
        if sig.identity.pid.is_none() {
            sig.identity.pid = writer;
        } else if sig.identity.pid != writer {
            sig.identity.master_pid = writer;
        }
    }
    Ok(true)
}

//! PHP-FPM master lines (spec §2.3; wording from php-src `sapi/fpm/fpm/fpm_children.c`,
//! `fpm_process_ctl.c`, `fpm_request.c`, `fpm_stdio.c`). Prefix `[DD-Mon-YYYY HH:MM:SS] LEVEL: `
//! in local time (zlog.c), or `[LEVEL] ` under syslog.

use super::envelope::set_time;
use super::record::{Kind, Signal, Source, Suspect, Unparsed};
use super::scan::{after, dmy, has, num_after, pid_after, seconds, until};

/// Reads a php-fpm line into `sig`; `Ok(false)` when it is not one, `Err` for a php-fpm line
/// that is no signal (a child recycled with code 0, non-fatal stderr output).
pub(crate) fn read(sig: &mut Signal<'_>) -> Result<bool, Unparsed> {
    let m = sig.message;
    if let Some(rest) = after(m, b"[pool ") {
        sig.identity.pool = Some(until(rest, b']'));
    }
    let pooled = sig.identity.pool.is_some();
    let child = if pooled { pid_after(m, b"] child ") } else { None };
    let kind = if let (Some(pid), Some(sig_no)) = (child, num_after(m, b" exited on signal ")) {
        sig.identity.pid = Some(pid);
        sig.detail.signal = u8::try_from(sig_no).ok();
        if let Some(name) = after(m, b" exited on signal ").and_then(|r| after(r, b"(")) {
            sig.detail.signal_name = Some(until(until(name, b')'), b' '));
        }
        sig.detail.elapsed_s = after(m, b") after ").and_then(seconds);
        if sig_no == 9 {
            sig.detail.suspect = Some(Suspect::Oom);
        }
        Kind::Crash
    } else if let (Some(pid), Some(code)) = (child, num_after(m, b" exited with code ")) {
        sig.identity.pid = Some(pid);
        sig.detail.exit_code = i64::try_from(code).ok();
        if code == 0 {
            return Err(Unparsed::NotASignal);
        }
        Kind::Crash
    } else if child.is_some() && has(m, b"execution timed out (") {
        sig.identity.pid = child;
        sig.detail.request = request(m);
        sig.detail.elapsed_s = after(m, b"execution timed out (").and_then(seconds);
        Kind::WorkerTimeout
    } else if child.is_some() && has(m, b"executing too slow (") {
        sig.identity.pid = child;
        sig.detail.request = request(m);
        sig.detail.elapsed_s = after(m, b"executing too slow (").and_then(seconds);
        Kind::SlowRequest
    } else if child.is_some() && has(m, b" said into stderr: \"") {
        sig.identity.pid = child;
        if !has(m, b"PHP Fatal error") {
            return Err(Unparsed::NotASignal);
        }
        Kind::AppException
    } else if let Some(pid) = child.filter(|_| m.ends_with(b" started")) {
        sig.identity.pid = Some(pid);
        Kind::Restart
    } else if let Some(limit) = num_after(m, b"reached pm.max_children setting (")
        .or_else(|| num_after(m, b"reached max_children setting ("))
    {
        sig.detail.limit = Some(limit);
        Kind::PoolExhausted
    } else if (pooled && has(m, b"] seems busy ("))
        || has(m, b"The maximum number of processes has been reached")
    {
        Kind::PoolExhausted
    } else if has(m, b"failed processes threshold (") {
        Kind::Restart
    } else if has(m, b"NOTICE: Terminating ...") || has(m, b"NOTICE: exiting, bye-bye!") {
        Kind::Stop
    } else if has(m, b"NOTICE: ready to handle connections") {
        Kind::Restart
    } else {
        return Ok(false);
    };
    sig.kind = Some(kind);
    sig.source = Source::PhpFpm;
    if sig.time.is_none()
        && let Some(st) = m.strip_prefix(b"[").and_then(dmy)
    {
        set_time(sig, &st);
    }
    Ok(true)
}

/// `script '/x.php' (request: "GET /x")`: the quoted request, else the script.
fn request(m: &[u8]) -> Option<&[u8]> {
    after(m, b"(request: \"")
        .map(|r| until(r, b'"'))
        .or_else(|| after(m, b"script '").map(|r| until(r, b'\'')))
}

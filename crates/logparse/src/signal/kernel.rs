//! The Linux kernel OOM killer (spec §2.8; wording from `mm/oom_kill.c` and
//! `mm/memcontrol.c`). The victim is the pid of `Killed process` (the older `Kill process ...
//! or sacrifice child` names a candidate that can differ); `invoked oom-killer` names the
//! allocating task, never the victim, so it sets no pid. Sizes are printed in `kB`, which are
//! KiB.

use super::record::{Kind, Signal, Source, Unparsed};
use super::scan::{after, has, num, num_after, until};

/// Reads a kernel OOM line into `sig`; `Ok(false)` when it is not one.
pub(crate) fn read(sig: &mut Signal<'_>) -> Result<bool, Unparsed> {
    let m = sig.message;
    if let Some(rest) = after(m, b"Killed process ")
        .or_else(|| after(m, b"Kill process "))
        .or_else(|| after(m, b"oom_reaper: reaped process "))
    {
        victim(sig, rest);
        sig.detail.total_vm_kib = num_after(rest, b"total-vm:");
        sig.detail.rss_kib = num_after(rest, b"anon-rss:").map(|anon| {
            let file = num_after(rest, b"file-rss:").unwrap_or(0);
            let shmem = num_after(rest, b"shmem-rss:").unwrap_or(0);
            anon.saturating_add(file).saturating_add(shmem)
        });
    } else if let Some(rest) = after(m, b"oom-kill:constraint=") {
        sig.detail.constraint = Some(until(rest, b','));
        let memcg = after(rest, b"task_memcg=").or_else(|| after(rest, b"oom_memcg="));
        if let Some(cg) = memcg {
            cgroup(sig, until(cg, b','));
        }
        sig.identity.comm = after(rest, b",task=").map(|t| until(t, b','));
        sig.identity.pid = num_after(rest, b",pid=").and_then(|n| u32::try_from(n).ok());
    } else if let Some(rest) = after(m, b"Task in ") {
        if !has(rest, b" killed as a result of limit of ") {
            return Ok(false);
        }
        cgroup(sig, until(rest, b' '));
    } else if has(m, b" invoked oom-killer: ") {
        // The trigger line: no victim identity.
    } else {
        return Ok(false);
    }
    sig.kind = Some(Kind::OomKill);
    sig.source = Source::Kernel;
    Ok(true)
}

/// `1483 (uvicorn) ...`: pid and comm.
fn victim<'a>(sig: &mut Signal<'a>, rest: &'a [u8]) {
    if let Some((pid, r)) = num(rest) {
        sig.identity.pid = u32::try_from(pid).ok();
        if let Some(c) = r.strip_prefix(b" (") {
            sig.identity.comm = Some(until(c, b')'));
        }
    }
}

/// A memcg path: records it, and the pod UID and container id it names
/// (`kubepods-burstable-pod<uid>.slice/cri-containerd-<id>.scope`, `/docker/<id>`).
fn cgroup<'a>(sig: &mut Signal<'a>, cg: &'a [u8]) {
    sig.detail.memcg = Some(cg);
    if let Some(r) = after(cg, b"-pod").or_else(|| after(cg, b"/pod")) {
        let uid = until(until(r, b'.'), b'/');
        if !uid.is_empty() {
            sig.identity.pod_uid = Some(uid);
        }
    }
    for key in [&b"cri-containerd-"[..], b"docker-", b"crio-", b"/docker/"] {
        if let Some(r) = after(cg, key) {
            let id = until(until(r, b'.'), b'/');
            if !id.is_empty() {
                sig.identity.container_id = Some(id);
                break;
            }
        }
    }
}

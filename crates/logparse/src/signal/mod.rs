//! Backend signals: the backend's own account of a 502/504 (spec `backend-signals.md`).
//!
//! [`parse`] reads one line of an application server, supervisor, kernel or orchestrator log
//! and returns a [`Signal`] borrowing from it: when (with how far that can be trusted,
//! [`TimeQuality`]), what happened ([`Kind`]: `oom_kill`, `crash`, `worker_timeout`, ...), who
//! wrote it ([`Source`]), the wrapper it came in ([`Envelope`]), who it is about
//! ([`Identity`]: pid, pool, unit, container, pod, bind address) and kind-specific facts
//! ([`Detail`]: signal, exit code, RSS, limits). Lines of no known shape are
//! [`Unparsed`], with a reason.
//!
//! The envelope is peeled first (syslog RFC 3164 and RFC 3339, `journalctl -o short-iso`,
//! raw and `-T` dmesg, `docker logs -t`, compose and `pm2 logs` prefixes, kubectl event
//! tables), then the message is matched against fixed wording of each family, found anywhere
//! after the envelope, never by log level. One module per family:
//! kernel OOM killer, systemd, gunicorn, php-fpm, uWSGI, Puma and Unicorn, PM2, Java and Go,
//! Kubernetes (events, kubelet), `docker events`.
//!
//! Zone-less stamps are returned as [`TimeQuality::Local`], the civil time stored as if it
//! were UTC: the caller applies the zone the backend wrote in. Lines with no stamp have
//! [`TimeQuality::None`] and the caller inherits the previous line's time.
//!
//! Like the proxy parsers, this never panics, allocates nothing and scans linearly with
//! `memchr`/`memmem`.
//!
//! ```
//! use logparse::signal::{self, Kind, Source, SignalOptions, TimeQuality};
//!
//! let line = b"[ 7063.247407] Memory cgroup out of memory: Killed process 63214 (uwsgi) total-vm:3149468kB, anon-rss:164992kB, file-rss:52176kB, shmem-rss:92kB, UID:0";
//! let s = signal::parse(line, &SignalOptions::default()).unwrap();
//! assert_eq!((s.source, s.kind), (Source::Kernel, Some(Kind::OomKill)));
//! assert_eq!(s.identity.pid, Some(63214));
//! assert_eq!(s.identity.comm, Some(&b"uwsgi"[..]));
//! assert_eq!(s.detail.rss_kib, Some(164992 + 52176 + 92));
//! assert_eq!(s.time_quality, TimeQuality::Uptime); // no boot time given
//! ```

mod docker;
mod envelope;
mod gunicorn;
mod jvm;
mod k8s;
mod kernel;
mod php_fpm;
mod pm2;
mod record;
mod ruby;
mod scan;
mod systemd;
mod uwsgi;

pub use record::{
    Detail, Envelope, Identity, Kind, Signal, SignalOptions, Source, Suspect, TimeQuality, Unparsed,
};

/// Reads one backend log line (without its line terminator; a trailing `\r` is ignored).
///
/// # Errors
///
/// [`Unparsed::Empty`] for a blank line, [`Unparsed::KubectlHeader`] for a kubectl table
/// header, [`Unparsed::NotASignal`] for a known line that reports no failure, and
/// [`Unparsed::UnknownMessage`] for anything else.
pub fn parse<'a>(line: &'a [u8], opts: &SignalOptions) -> Result<Signal<'a>, Unparsed> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.iter().all(u8::is_ascii_whitespace) {
        return Err(Unparsed::Empty);
    }
    let mut sig = envelope::peel(line, opts);
    if sig.envelope == Envelope::Plain || sig.envelope == Envelope::Compose {
        let mut table = sig;
        if let Some(r) = k8s::table(sig.message, &mut table) {
            return r.map(|()| table);
        }
    }
    let found = kernel::read(&mut sig)?
        || systemd::read(&mut sig)?
        || gunicorn::read(&mut sig)?
        || php_fpm::read(&mut sig)?
        || uwsgi::read(&mut sig, opts)?
        || ruby::unicorn(&mut sig)?
        || ruby::puma(&mut sig)?
        || pm2::read(&mut sig)?
        || k8s::kubelet(&mut sig, opts)?
        || docker::read(&mut sig)?
        || jvm::read(&mut sig)?;
    if found { Ok(sig) } else { Err(Unparsed::UnknownMessage) }
}

#[cfg(test)]
mod tests;

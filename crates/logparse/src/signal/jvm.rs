//! Java (JVM default handler, Tomcat) and Go runtime lines (spec §2.7). These carry no stamp
//! of their own on the lines that matter (the JVM handler writes none; Tomcat 6/7 JUL puts it
//! on the previous line): time comes from an envelope or is inherited by the caller.

use super::record::{Kind, Signal, Source, Suspect, Unparsed};
use super::scan::has;

/// Reads a Java or Go line into `sig`; `Ok(false)` when it is not one.
pub(crate) fn read(sig: &mut Signal<'_>) -> Result<bool, Unparsed> {
    let m = sig.message;
    let (source, kind) = if m.starts_with(b"Exception in thread \"") {
        if has(m, b"java.lang.OutOfMemoryError") {
            sig.detail.suspect = Some(Suspect::Memory);
        }
        (Source::Java, Kind::AppException)
    } else if has(
        m,
        b"An exception or error occurred in the container during the request processing",
    ) {
        (Source::Java, Kind::AppException)
    } else if m.starts_with(b"fatal error: runtime: out of memory") {
        sig.detail.suspect = Some(Suspect::Memory);
        (Source::Go, Kind::Crash)
    } else if m.starts_with(b"panic: ") || m.starts_with(b"fatal error: ") {
        (Source::Go, Kind::Crash)
    } else if has(m, b"http: panic serving ") {
        (Source::Go, Kind::AppException)
    } else {
        return Ok(false);
    };
    sig.source = source;
    sig.kind = Some(kind);
    Ok(true)
}

//! The fields of an ingress-nginx controller line that the event does not carry.
//!
//! Kept apart from the parser: the event model holds them and must not depend on the parser.

use crate::value::{Emit, Value};

/// Fields of an ingress-nginx controller (klog) line that other formats do not have.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Fields<'a> {
    /// The thread id klog writes after the time (the process id in a container, often `7`).
    pub thread: Option<u64>,
    /// The Go source location that wrote the line, `file.go:line` (`controller.go:1112`).
    pub source: Option<&'a [u8]>,
    /// The protocol and port of a TCP/UDP service without endpoints (`TCP port 5432`).
    pub service_port: Option<&'a [u8]>,
}

impl<'a> Fields<'a> {
    /// Calls `f` with every field that is present; see [`crate::Fields::visit`].
    pub fn visit(&self, f: &mut dyn FnMut(&'static str, Value<'a>)) {
        let mut e = Emit::new(f);
        e.uint("thread", self.thread);
        e.text("source", self.source);
        e.text("service_port", self.service_port);
    }
}

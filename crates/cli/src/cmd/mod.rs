//! One module per command: each asks the engine for the aggregate it needs (through
//! [`crate::reading`]), has `timeline` analyse it, and hands the result to its writers in
//! [`crate::report`].

pub mod events;
pub mod report;
pub mod signals;
pub mod spikes;
pub mod summary;
pub mod timeline;
pub mod watch;

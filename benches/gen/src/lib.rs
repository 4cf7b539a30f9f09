//! The parts of `gatelog-gen` that tests use directly.

pub mod join;
pub mod scenario;
pub mod util;

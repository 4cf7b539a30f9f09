//! The parts of `gatelog-gen` that tests use directly.

pub mod scenario;
pub mod util;

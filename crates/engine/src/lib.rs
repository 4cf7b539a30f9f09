//! Reading reverse-proxy logs at scale: everything between the files and the aggregates.
//!
//! # Overview
//!
//! [`logparse`] turns one line into an event; [`timeline`] turns events into counts, timelines
//! and spikes. `engine` is what lies between: it finds the inputs, opens them and hands their
//! lines to the parser on every core, so that a program built on it does what `gatelog
//! summary DIR` does.
//!
//! - [`input`]: inputs ([`Input`]: a file or standard input), opening them (files read up to
//!   their size at open, in chunks or as streams; gzip, zstd and bzip2 recognized by their
//!   first bytes), cutting bytes into lines; [`input::paths`] expands directories and glob
//!   patterns and orders rotated sets oldest first; [`input::follow`] follows growing files
//!   the way `tail -F` does (rotation by rename and by truncation, files that appear later).
//! - [`driver`]: the [`Engine`], which parses inputs in parallel into any [`Aggregate`]
//!   ([`timeline::Summary`], [`timeline::Aggregator`], or one of your own) with the result of
//!   a single pass, or hands every line over in order ([`Engine::for_each_line`]).
//! - [`aggregate`]: the aggregates filled out of the box ([`timeline::Summary`],
//!   [`timeline::Aggregator`], and [`aggregate::Report`] for a whole incident report).
//! - [`reader`]: events from any `io::Read`, decompressed when asked, for tools that read
//!   their own sources.
//! - [`Filter`]: which events reach the aggregate.
//! - [`tz`]: time zones by name, and times as people type them.
//!
//! # Example
//!
//! Per-upstream failure counts of a directory of rotated, compressed nginx error logs:
//!
//! ```
//! use engine::{Engine, Input, Options, input::paths::NameFilter};
//! use timeline::{Summary, Unit};
//!
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/rotated");
//! let engine = Engine::new(Options::default()).on_problem(|p| eprintln!("{p}"));
//! let logs = NameFilter::new("error.log*").unwrap();
//! let inputs = engine.expand(&[Input::path(dir)], Some(&logs));
//! let summary = engine.collect(&inputs, &Summary::new, None);
//! for row in summary.rows(Unit::Attempts) {
//!     let name = String::from_utf8_lossy(row.name().unwrap_or(b"-"));
//!     println!("{name:24} {:>6} failures of {:>6}", row.failures(Unit::Attempts), row.total(Unit::Attempts));
//! }
//! assert_eq!(engine.problems(), 0);
//! assert_eq!((inputs.len(), summary.lines(), summary.unparsed()), (4, 65, 0));
//! ```
//!
//! # Threads and memory
//!
//! The engine owns no state between calls. [`Engine::collect`] runs on rayon's global pool, or
//! on a pool of [`Options::threads`] threads; standard input and compressed files are
//! decompressed on a thread of their own, in blocks of at most [`input::BLOCK`] bytes, so
//! memory stays bounded however long a stream runs.

#![deny(missing_docs)]

use std::fmt;

pub mod aggregate;
pub mod driver;
pub mod filter;
pub mod input;
pub mod misread;
pub mod reader;
pub mod tz;

pub use crate::driver::{Aggregate, At, Engine, Options, Outcome, Step};
pub use crate::filter::Filter;
pub use crate::input::Input;
pub use crate::misread::{LooksLike, Misread};
/// The aggregation and analysis library the engine fills, so that a program needs only `engine`.
pub use timeline;
/// The parser library the engine reads with, so that a program needs only `engine`.
pub use timeline::logparse;

/// A problem with one input: it could not be opened, read to its end, or decompressed. The
/// run goes on with the other inputs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The input's name, as [`Input::name`] (or a directory's path).
    pub input: String,
    /// What went wrong and, where it helps, what to check.
    pub message: String,
}

impl Problem {
    /// A problem with `input`.
    pub fn new(input: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem { input: input.into(), message: message.into() }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.input, self.message)
    }
}

impl std::error::Error for Problem {}

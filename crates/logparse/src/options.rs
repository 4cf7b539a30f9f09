//! The settings the parsers share.

use crate::time::Tz;

/// Settings shared by the parsers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// The zone of timestamps written as local time without a zone (nginx error log, syslog
    /// headers). Defaults to UTC.
    pub tz: Tz,
    /// The year of timestamps written without one (syslog `Mmm dd HH:MM:SS` headers). `None`
    /// lets the parser infer it (see the format's docs).
    pub year: Option<i32>,
}

impl Options {
    /// Options with the given time zone.
    pub fn with_tz(tz: Tz) -> Options {
        Options { tz, ..Options::default() }
    }
}

//! Exit codes.

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// Every input was read and the report written: exit code 0.
    Success,
    /// `spikes --fail-on-spike` found a spike: exit code 1.
    SpikesFound,
    /// Something went wrong (an input could not be read, bad arguments): exit code 2. Inputs
    /// that could be read were still reported.
    Error,
}

impl Exit {
    /// The process exit code.
    pub const fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::SpikesFound => 1,
            Exit::Error => 2,
        }
    }

    /// The outcome of two parts of a run: the worse of the two.
    pub fn merge(self, other: Exit) -> Exit {
        self.max(other)
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> std::process::ExitCode {
        std::process::ExitCode::from(e.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_the_convention() {
        assert_eq!(Exit::Success.code(), 0);
        assert_eq!(Exit::Error.code(), 2);
        assert_eq!(Exit::SpikesFound.code(), 1);
    }

    #[test]
    fn an_error_outranks_a_found_spike() {
        assert_eq!(Exit::SpikesFound.merge(Exit::Error), Exit::Error);
        assert_eq!(Exit::Success.merge(Exit::SpikesFound), Exit::SpikesFound);
    }

    #[test]
    fn an_error_anywhere_wins() {
        assert_eq!(Exit::Success.merge(Exit::Success), Exit::Success);
        assert_eq!(Exit::Success.merge(Exit::Error), Exit::Error);
        assert_eq!(Exit::Error.merge(Exit::Success), Exit::Error);
    }
}

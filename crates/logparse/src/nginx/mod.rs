//! Nginx logs.
//!
//! - [`error`]: the error log (`error_log`), where nginx says *why* an upstream attempt failed.
//!   This is the richest source of causes.
//! - [`access`]: the access log (`access_log`), one line per response, in the `log_format` the
//!   server was configured with (`combined` by default). It gives the status the client got and
//!   every upstream attempt, but only seldom the cause of a 502/504.

pub mod access;
pub mod error;

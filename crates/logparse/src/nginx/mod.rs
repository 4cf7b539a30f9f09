//! Nginx logs.
//!
//! - [`error`]: the error log (`error_log`), where nginx says *why* an upstream attempt failed.
//!   This is the richest source of causes.

pub mod error;

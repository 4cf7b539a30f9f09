//! The command line of `gatelog-gen`: its help, and its errors.

use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_gatelog-gen");

fn gen_(args: &[&str]) -> Output {
    // A backtrace would be printed with every error when these are set: the messages must not
    // depend on them.
    Command::new(BIN)
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .env("RUST_LIB_BACKTRACE", "1")
        .output()
        .expect("run gatelog-gen")
}

/// `--help` (or `-h`, or `help`), anywhere, prints the usage of every mode on stdout and exits
/// 0 without generating anything.
#[test]
fn help_prints_the_usage_and_exits_0() {
    for args in [
        &["--help"][..],
        &["-h"],
        &["help"],
        &["nginx-error", "--lines", "5", "--help"],
        &["scenario", "--help"],
    ] {
        let out = gen_(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(out.stderr.is_empty(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        let help = String::from_utf8(out.stdout).unwrap();
        assert!(help.starts_with("gatelog-gen: "), "{args:?}: {help}");
        for usage in [
            "gatelog-gen nginx-error|nginx-access|traefik|traefik-json|caddy [--lines N | --size BYTES]",
            "gatelog-gen scenario deploys --out-dir DIR [--seed S]",
            "--upstreams N",
            "--days D",
        ] {
            assert!(help.contains(usage), "{args:?}: no {usage:?} in {help}");
        }
    }
}

/// A mistake gets one line saying what is wrong and the usage, on stderr, exit 2: no
/// `Error:` debug form, no backtrace.
#[test]
fn errors_say_what_is_wrong_then_the_usage() {
    for (args, what) in [
        (&[][..], "gatelog-gen: no format given"),
        (&["--bogus"], "gatelog-gen: unknown format \"--bogus\""),
        (&["nginx-error", "--lines"], "gatelog-gen: --lines needs a value"),
        (&["nginx-error", "--colour", "x"], "gatelog-gen: unknown option --colour"),
        (&["scenario", "nope"], "gatelog-gen: unknown scenario"),
    ] {
        let out = gen_(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let msg = String::from_utf8(out.stderr).unwrap();
        assert!(msg.starts_with(what), "{args:?}: {msg}");
        assert!(msg.contains("usage:\n  gatelog-gen nginx-error|nginx-access"), "{args:?}: {msg}");
        assert!(!msg.contains("backtrace") && !msg.contains("Error:"), "{args:?}: {msg}");
    }
}

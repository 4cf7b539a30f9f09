//! `--color`: class names colored by group when asked, and no escape when the output is a
//! pipe (`auto`, the default) or `never`.

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_gatelog");

fn run(args: &[&str]) -> String {
    let sample =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/nginx-error/sample.log");
    let out = Command::new(BIN).args(args).arg("-q").arg(sample).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn tables_are_colored_only_when_asked_or_on_a_terminal() {
    for cmd in [&["summary"][..], &["timeline", "--bucket", "5s"], &["spikes", "--min-errors", "3"]]
    {
        let colored = run(&[cmd, &["--color", "always"]].concat());
        // connect_refused is a connect-group class: red.
        assert!(colored.contains("\x1b[31mconnect_refused\x1b[0m"), "{cmd:?}: {colored}");
        for plain in [run(cmd), run(&[cmd, &["--color", "never"]].concat())] {
            assert!(!plain.contains('\x1b'), "{cmd:?}: {plain}");
            assert!(plain.contains("connect_refused"), "{cmd:?}");
        }
    }
}

use super::*;

fn p(line: &[u8]) -> Signal<'_> {
    parse(line, &SignalOptions { year: 2024, boot_time: None }).unwrap()
}

#[test]
fn gunicorn_ids() {
    let s = p(b"[2024-01-09 13:24:39 +0000] [1637] [CRITICAL] WORKER TIMEOUT (pid:7214)");
    assert_eq!((s.identity.pid, s.identity.master_pid), (Some(7214), Some(1637)));
    assert_eq!(s.time_quality, TimeQuality::Absolute);
    let s =
        p(b"[2024-01-09 13:24:30 +0000] [1637] [INFO] Listening at: http://127.0.0.1:8000 (1637)");
    assert_eq!((s.kind, s.identity.listen), (None, Some(&b"http://127.0.0.1:8000"[..])));
}

#[test]
fn not_signals() {
    let o = SignalOptions::default();
    assert_eq!(parse(b"", &o).unwrap_err(), Unparsed::Empty);
    assert_eq!(parse(b"hello world", &o).unwrap_err(), Unparsed::UnknownMessage);
    assert_eq!(
        parse(b"[25-Oct-2021 13:14:08] NOTICE: [pool www] child 1 exited with code 0 after 1.0 seconds from start", &o).unwrap_err(),
        Unparsed::NotASignal
    );
    assert_eq!(
        parse(b"LAST SEEN   TYPE      REASON      OBJECT   MESSAGE", &o).unwrap_err(),
        Unparsed::KubectlHeader
    );
}

#[test]
fn dmesg_with_boot_time() {
    let boot = crate::Timestamp::from_unix_seconds(1_000_000);
    let s = parse(
        b"[   10.500000] Killed process 5 (x)",
        &SignalOptions { year: 2024, boot_time: Some(boot) },
    )
    .unwrap();
    assert_eq!(s.time, Some(crate::Timestamp::from_unix_micros(1_000_010_500_000)));
    assert_eq!(s.time_quality, TimeQuality::BootRelative);
}

#[test]
fn docker_die_137() {
    let s = p(b"2024-04-10T14:39:26.708084488Z container die 0123abcd (exitCode=137, image=x, name=api_1)");
    assert_eq!((s.kind, s.detail.suspect), (Some(Kind::Crash), Some(Suspect::Oom)));
    assert_eq!(s.identity.container_name, Some(&b"api_1"[..]));
    assert_eq!(s.envelope, Envelope::Plain);
}

use logparse::{Event, Format, Timestamp};

use super::*;

const T0: i64 = 1_700_000_000;

struct Log(Aggregator);

impl Log {
    fn new() -> Log {
        // A quiet first hour so every series has a baseline.
        let mut a = Aggregator::new();
        let mut ev = Event::new(Format::NginxError, b"");
        ev.time = Some(Timestamp::from_unix_seconds(T0));
        a.push(&ev);
        Log(a)
    }

    fn push(
        &mut self,
        format: Format,
        t: i64,
        group: Option<&'static [u8]>,
        peer: &'static [u8],
        class: Class,
        n: u32,
    ) {
        for _ in 0..n {
            let mut ev = Event::new(format, b"");
            ev.time = Some(Timestamp::from_unix_seconds(T0 + t));
            ev.upstream_group = group;
            ev.upstream = Some(peer);
            ev.class = class;
            self.0.push(&ev);
        }
    }

    /// An nginx error-log restart of `peer`: closed, then refused for `secs` seconds.
    fn restart(&mut self, t: i64, group: Option<&'static [u8]>, peer: &'static [u8], secs: i64) {
        self.push(Format::NginxError, t, None, peer, Class::PrematurelyClosed, 2);
        for i in 1..=secs {
            self.push(Format::NginxError, t + i, None, peer, Class::ConnectRefused, 5);
        }
        if let Some(g) = group {
            // The access log names the group and the peer.
            self.push(Format::NginxAccess, t - 100, Some(g), peer, Class::Ok, 1);
        }
    }

    fn end(&mut self, t: i64) {
        let mut ev = Event::new(Format::NginxError, b"");
        ev.time = Some(Timestamp::from_unix_seconds(T0 + t));
        self.0.push(&ev);
    }

    fn infer(&self) -> Vec<(Pattern, i64, i64, usize, bool)> {
        infer(&self.0, &Params::default())
            .into_iter()
            .map(|x| (x.pattern, x.start - T0, x.end - T0, x.peers.len(), x.non_graceful))
            .collect()
    }
}

#[test]
fn one_peer_refusing_then_recovering_is_a_non_graceful_restart() {
    let mut l = Log::new();
    l.restart(2000, None, b"10.0.0.1:80", 6);
    l.end(4000);
    assert_eq!(l.infer(), [(Pattern::Restart, 2000, 2006, 1, true)]);
}

#[test]
fn errors_that_do_not_stop_are_not_a_restart() {
    let mut l = Log::new();
    for t in 2000..2600 {
        l.push(Format::NginxError, t, None, b"10.0.0.1:80", Class::ConnectRefused, 3);
    }
    l.end(4000);
    assert_eq!(l.infer(), []);
}

#[test]
fn peers_of_one_group_one_after_the_other_are_a_rolling_restart() {
    let mut l = Log::new();
    l.restart(2000, Some(b"api"), b"10.0.0.1:80", 6);
    l.restart(2030, Some(b"api"), b"10.0.0.2:80", 6);
    l.restart(2060, Some(b"api"), b"10.0.0.3:80", 6);
    l.end(4000);
    assert_eq!(l.infer(), [(Pattern::RollingRestart, 2000, 2066, 3, true)]);
}

#[test]
fn without_a_known_group_peers_are_reported_one_by_one() {
    let mut l = Log::new();
    l.restart(2000, None, b"10.0.0.1:80", 6);
    l.restart(2030, None, b"10.0.0.2:80", 6);
    l.end(4000);
    let got: Vec<Pattern> = l.infer().into_iter().map(|x| x.0).collect();
    assert_eq!(got, [Pattern::Restart, Pattern::Restart]);
}

#[test]
fn peers_down_together_or_no_live_upstreams_are_an_outage() {
    let mut l = Log::new();
    l.restart(2000, Some(b"api"), b"10.0.0.1:80", 6);
    l.restart(2002, Some(b"api"), b"10.0.0.2:80", 6);
    l.end(4000);
    assert_eq!(l.infer(), [(Pattern::Outage, 2000, 2008, 2, true)]);

    let mut l = Log::new();
    for i in 0..5 {
        l.push(Format::NginxError, 3000 + i, Some(b"cart"), b"cart", Class::NoLiveUpstreams, 4);
    }
    l.end(5000);
    let x = infer(&l.0, &Params::default());
    assert_eq!(x.len(), 1);
    assert_eq!((x[0].pattern, x[0].group.as_deref()), (Pattern::Outage, Some(&b"cart"[..])));
}

#[test]
fn the_same_peer_with_doubling_gaps_is_a_crash_loop() {
    let mut l = Log::new();
    for t in [2000, 2040, 2120, 2280] {
        l.restart(t, None, b"10.0.0.1:80", 3);
    }
    l.end(4000);
    assert_eq!(l.infer(), [(Pattern::CrashLoop, 2000, 2283, 1, true)]);
}

#[test]
fn a_health_check_down_then_up_is_high_evidence() {
    let mut l = Log::new();
    l.push(Format::Haproxy, 2000, Some(b"be_api"), b"api1", Class::UpstreamDown, 1);
    l.push(Format::Haproxy, 2015, Some(b"be_api"), b"api1", Class::UpstreamUp, 1);
    l.push(Format::Haproxy, 3000, Some(b"be_api"), b"api2", Class::UpstreamDown, 1);
    l.end(4000);
    let x = infer(&l.0, &Params::default());
    assert_eq!(x.len(), 1, "{x:?}");
    assert_eq!((x[0].start - T0, x[0].end - T0, x[0].evidence), (2000, 2015, Evidence::High));
    assert_eq!(x[0].group.as_deref(), Some(&b"be_api"[..]));
}

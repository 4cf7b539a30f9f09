//! Merging backend signals that describe one event into episodes (spec `backend-signals.md`
//! §2.12).
//!
//! One OOM kill of a gunicorn worker can be told by the kernel (`Killed process 4242`), by
//! gunicorn (`Worker (pid:4242) was sent SIGKILL!`) and by systemd: the same pid, container,
//! pod UID or unit on the same host within [`WINDOW_S`] seconds (plus a clock skew) makes one
//! episode, whose kind is the strongest of its members in the precedence of
//! [`Kind::ALL`] (`oom_kill` > `worker_timeout` > `crash` > ... > `restart`), so a SIGKILL
//! after a worker timeout stays a `worker_timeout` and a suspected-OOM crash with a kernel
//! victim line becomes an `oom_kill`. Signals without a usable time, or without any identity
//! key, are episodes of their own.

use logparse::Timestamp;
use logparse::signal::Kind;

/// How far apart, in seconds, two lines of one episode can be (before skew).
pub const WINDOW_S: i64 = 5;

/// What [`merge`] needs of one signal (owned, so that callers can drop the lines).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Member {
    /// When it happened, in µs on one consistent clock; `None` when unknown.
    pub time: Option<Timestamp>,
    /// The signal's kind; `None` for identity-only lines (bind announcements), which join no
    /// episode.
    pub kind: Option<Kind>,
    /// Host from the envelope.
    pub host: Option<String>,
    /// Pid the signal is about.
    pub pid: Option<u32>,
    /// Container id.
    pub container_id: Option<String>,
    /// Kubernetes pod UID.
    pub pod_uid: Option<String>,
    /// systemd unit.
    pub unit: Option<String>,
}

impl Member {
    /// Whether `self` and `other` name the same process, container, pod or unit.
    fn same_subject(&self, other: &Member) -> bool {
        fn eq<T: PartialEq>(a: &Option<T>, b: &Option<T>) -> bool {
            a.is_some() && a == b
        }
        self.host == other.host
            && (eq(&self.pid, &other.pid)
                || eq(&self.container_id, &other.container_id)
                || eq(&self.pod_uid, &other.pod_uid)
                || eq(&self.unit, &other.unit))
    }
}

/// One backend event, told by one or more lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Episode {
    /// The earliest member's time.
    pub time: Option<Timestamp>,
    /// The strongest kind among the members.
    pub kind: Kind,
    /// Indices of the members in the slice given to [`merge`], in time order.
    pub members: Vec<usize>,
}

/// Merges `members` into episodes, in time order (untimed ones last, in input order).
/// `skew_s` widens the window for clocks that disagree. Lines with no kind are left out.
pub fn merge(members: &[Member], skew_s: i64) -> Vec<Episode> {
    let window = (WINDOW_S + skew_s.max(0)) * 1_000_000;
    let mut order: Vec<usize> = (0..members.len()).filter(|&i| members[i].kind.is_some()).collect();
    order.sort_by_key(|&i| (members[i].time.is_none(), members[i].time, i));
    let mut out: Vec<Episode> = Vec::new();
    // Episodes still open: (index in `out`, time of its latest member).
    let mut open: Vec<(usize, i64)> = Vec::new();
    for i in order {
        let m = &members[i];
        let kind = m.kind.unwrap_or(Kind::Restart);
        let Some(t) = m.time.map(Timestamp::unix_micros) else {
            out.push(Episode { time: None, kind, members: vec![i] });
            continue;
        };
        open.retain(|&(_, last)| t - last <= window);
        let joined = open
            .iter_mut()
            .find(|(e, _)| out[*e].members.iter().any(|&j| members[j].same_subject(m)));
        match joined {
            Some((e, last)) => {
                *last = t;
                let ep = &mut out[*e];
                ep.members.push(i);
                if rank(kind) < rank(ep.kind) {
                    ep.kind = kind;
                }
            }
            None => {
                out.push(Episode { time: m.time, kind, members: vec![i] });
                open.push((out.len() - 1, t));
            }
        }
    }
    out
}

/// Position in the precedence (0 strongest).
fn rank(k: Kind) -> usize {
    Kind::ALL.iter().position(|&x| x == k).unwrap_or(Kind::ALL.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(secs: i64, kind: Kind, pid: u32) -> Member {
        Member {
            time: Some(Timestamp::from_unix_seconds(secs)),
            kind: Some(kind),
            host: Some("web1".into()),
            pid: Some(pid),
            ..Member::default()
        }
    }

    #[test]
    fn kernel_kill_and_gunicorn_sigkill_are_one_oom_episode() {
        let members =
            [m(100, Kind::Crash, 4242), m(101, Kind::OomKill, 4242), m(101, Kind::Restart, 4300)];
        let eps = merge(&members, 0);
        assert_eq!(eps.len(), 2);
        assert_eq!((eps[0].kind, eps[0].members.clone()), (Kind::OomKill, vec![0, 1]));
        assert_eq!(eps[0].time, Some(Timestamp::from_unix_seconds(100)));
        assert_eq!(eps[1].kind, Kind::Restart);
    }

    #[test]
    fn far_apart_or_other_host_stay_apart() {
        let mut other = m(101, Kind::OomKill, 4242);
        other.host = Some("web2".into());
        let members =
            [m(100, Kind::WorkerTimeout, 7), m(100 + WINDOW_S + 1, Kind::Crash, 7), other];
        assert_eq!(merge(&members, 0).len(), 3);
        // A wider skew joins the first two; a SIGKILL after a timeout stays a timeout.
        let eps = merge(&members, 2);
        assert_eq!(eps.len(), 2);
        assert_eq!(eps[0].kind, Kind::WorkerTimeout);
    }
}

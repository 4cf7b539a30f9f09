//! Everything `gatelog spikes` and `gatelog report` find in an [`Aggregator`], computed once:
//! the spikes, their deploy attributions, the deploy report, the restarts inferred from the
//! logs, and which inferred restart each unexplained spike coincides with.
//!
//! Writers (terminal, JSON, CSV, HTML) only format an [`Analysis`]; none of them computes a
//! number of its own, so the outputs of one analysis cannot disagree.
//!
//! ```
//! use logparse::{Class, Event, Format, Timestamp};
//! use timeline::Aggregator;
//! use timeline::analysis::{Settings, analyze};
//!
//! let mut agg = Aggregator::new();
//! // A quiet hour with an error every five minutes, then a burst of refused connects.
//! let mut push = |t: i64, class: Class| {
//!     let mut ev = Event::new(Format::NginxError, b"");
//!     ev.time = Some(Timestamp::from_unix_seconds(t));
//!     ev.upstream = Some(b"10.0.0.1:8080");
//!     ev.class = class;
//!     agg.push(&ev);
//! };
//! for t in (0..3600).step_by(300) {
//!     push(t, Class::ResponseTimeout);
//! }
//! for t in 3600..3620 {
//!     for _ in 0..5 {
//!         push(t, Class::ConnectRefused);
//!     }
//! }
//! let a = analyze(&agg, &Settings::default());
//! assert_eq!(a.spikes.len(), 1);
//! assert_eq!(a.spikes[0].top_class().map(|(c, _)| c), Some(Class::ConnectRefused));
//! assert_eq!(a.attributions, [None]); // no deploy markers given
//! ```

use crate::Aggregator;
use crate::deploy::{self, Attribution, AttributionParams, Deploy, DeployReport, ServiceMap};
use crate::restarts::{self, Inferred};
use crate::spikes::{self, Params, Spike};

/// How spikes are found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Method {
    /// The multi-window count scan against a trailing baseline ([`spikes::detect`]).
    #[default]
    Scan,
    /// PELT segmentation with a Poisson cost ([`crate::segments::detect`]), for slow
    /// degradations and long overloads.
    Segments,
}

/// The settings of an analysis.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// The scan's settings (also used by the restart inference).
    pub params: Params,
    /// How spikes are found.
    pub method: Method,
    /// The deploy markers, sorted by start.
    pub deploys: Vec<Deploy>,
    /// Which upstreams each service's deploys concern.
    pub map: ServiceMap,
    /// How far deploy clocks may be off, in seconds: widens every marker's window both ways.
    pub skew: i64,
}

impl Default for Settings {
    /// The scan with default parameters, no markers, 5 s of clock skew.
    fn default() -> Settings {
        Settings {
            params: Params::default(),
            method: Method::Scan,
            deploys: Vec::new(),
            map: ServiceMap::new(),
            skew: 5,
        }
    }
}

/// What an analysis found.
#[derive(Clone, Debug, PartialEq)]
pub struct Analysis {
    /// The spikes, by start.
    pub spikes: Vec<Spike>,
    /// The attribution of each spike to a deploy marker (parallel to `spikes`).
    pub attributions: Vec<Option<Attribution>>,
    /// The deploy report, one per marker.
    pub reports: Vec<DeployReport>,
    /// Restarts inferred from the logs.
    pub inferred: Vec<Inferred>,
    /// For each spike, the index in `inferred` of the restart it coincides with (see
    /// [`coinciding`]), parallel to `spikes`. Reports show it for the spikes no marker
    /// explains.
    pub coinciding: Vec<Option<usize>>,
    /// The first and last second of the aggregate (Unix seconds), `None` when it has no timed
    /// event.
    pub span: Option<(i64, i64)>,
}

/// Detects, attributes and explains the spikes of `agg`.
pub fn analyze(agg: &Aggregator, c: &Settings) -> Analysis {
    let spikes = match c.method {
        Method::Scan => spikes::detect(agg, &c.params),
        Method::Segments => {
            let seg = crate::segments::SegmentParams {
                alpha: c.params.alpha,
                min_count: c.params.min_count,
                ..Default::default()
            };
            crate::segments::detect(agg, &c.params, &seg)
        }
    };
    let reports = deploy::report(agg, &c.deploys, &c.map, 1e-3);
    let inferred = restarts::infer(agg, &c.params);
    complete(spikes, reports, inferred, agg.span(), c)
}

/// The analysis of the spikes, deploy report and inferred restarts found over `span`: the
/// attributions and coincidences that follow from them.
pub(crate) fn complete(
    spikes: Vec<Spike>,
    reports: Vec<DeployReport>,
    inferred: Vec<Inferred>,
    span: Option<(i64, i64)>,
    c: &Settings,
) -> Analysis {
    let attr =
        AttributionParams { skew: c.skew, post: 120, span: span.map_or(1, |(a, b)| b - a + 1) };
    let attributions = deploy::attribute(&spikes, &c.deploys, &c.map, &attr);
    let coinciding = spikes.iter().map(|s| coinciding(s, &inferred)).collect();
    Analysis { spikes, attributions, reports, inferred, coinciding, span }
}

/// The inferred restart a spike coincides with: its onset from 5 s before the restart's start
/// to 120 s after its end, on the same upstream, one of its peers, or one of its echoes'
/// series.
pub fn coinciding(s: &Spike, inferred: &[Inferred]) -> Option<usize> {
    inferred.iter().position(|x| {
        let on_it = |n: &[u8]| x.peers.iter().any(|p| **p == *n) || x.group.as_deref() == Some(n);
        let named = s.series.as_deref().is_some_and(on_it)
            || s.spike_peers().any(|p| on_it(&p.key))
            || s.echoes.iter().any(|e| e.series.as_deref().is_some_and(on_it));
        named && s.start >= x.start - 5 && s.start <= x.end + 120
    })
}

/// Why a spike happened, as far as the analysis can tell: what the one-sentence verdict of a
/// spike names, from [`Analysis::cause`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cause<'a> {
    /// A deploy marker explains it; `deploy` indexes the markers the analysis was given.
    Deploy(&'a Attribution),
    /// No marker does, but it coincides with a restart inferred from the logs ([`coinciding`]).
    Restart(&'a Inferred),
    /// Neither a marker nor an inferred restart explains it.
    Unexplained,
}

impl Analysis {
    /// The cause of spike `i` (an index into [`spikes`](Analysis::spikes)): its deploy
    /// attribution when there is one, else the inferred restart it coincides with, else
    /// [`Cause::Unexplained`] (also for an `i` past the end).
    pub fn cause(&self, i: usize) -> Cause<'_> {
        if let Some(Some(a)) = self.attributions.get(i) {
            return Cause::Deploy(a);
        }
        match self.coinciding.get(i) {
            Some(Some(x)) => self.inferred.get(*x).map_or(Cause::Unexplained, Cause::Restart),
            _ => Cause::Unexplained,
        }
    }
}

#[cfg(test)]
mod tests {
    use logparse::{Class, Event, Format, Timestamp};

    use super::*;

    /// Half an hour on two upstreams with a timeout every five minutes, and a burst of refused
    /// connects on each: `a` at 600 s, `b` at 1200 s.
    fn two_bursts() -> Aggregator {
        let mut agg = Aggregator::new();
        for (upstream, at) in [(&b"a:80"[..], 600), (b"b:80", 1200)] {
            let mut push = |t: i64, class: Class| {
                let mut ev = Event::new(Format::NginxError, b"");
                ev.time = Some(Timestamp::from_unix_seconds(t));
                ev.upstream = Some(upstream);
                ev.class = class;
                agg.push(&ev);
            };
            for t in (0..1800).step_by(300) {
                push(t, Class::ResponseTimeout);
            }
            for t in at..at + 10 {
                for _ in 0..5 {
                    push(t, Class::ConnectRefused);
                }
            }
        }
        agg
    }

    #[test]
    fn each_spike_has_its_deploy_its_inferred_restart_or_no_cause() {
        let agg = two_bursts();
        let deploy = Deploy { start: 598, version: Some("v2".into()), ..Deploy::default() };
        let a = analyze(&agg, &Settings { deploys: vec![deploy], ..Settings::default() });
        assert_eq!(a.spikes.len(), 2);
        assert_eq!(a.spikes[0].series.as_deref(), Some(&b"a:80"[..]));
        match a.cause(0) {
            Cause::Deploy(at) => assert_eq!((at.deploy, at.delta), (0, 2)),
            other => panic!("the first spike is the deploy's: {other:?}"),
        }
        // No marker near the second: the logs show b refusing, then recovering.
        match a.cause(1) {
            Cause::Restart(x) => assert_eq!((&*x.peers[0], x.start), (&b"b:80"[..], 1200)),
            other => panic!("the second spike is an inferred restart: {other:?}"),
        }
        assert_eq!(a.cause(2), Cause::Unexplained);
        // Without markers, and with neither a marker nor a restart.
        let bare = analyze(&agg, &Settings::default());
        assert!(matches!(bare.cause(0), Cause::Restart(_)));
        let mut unexplained = bare.clone();
        unexplained.coinciding = vec![None, None];
        assert_eq!(unexplained.cause(0), Cause::Unexplained);
    }
}

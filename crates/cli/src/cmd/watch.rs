//! `gatelog watch`: follow logs like `tail -F` and serve their classified failures to
//! Prometheus.
//!
//! Threads, and what each may wait on:
//!
//! - the main thread polls the files ([`engine::input::follow::Follow`], every
//!   [`POLL_EVERY`]), parses and counts each line into the metrics (atomic adds through
//!   handles it keeps, [`metrics::Counter`]), and hands per-second counts to the detector in
//!   batches, without waiting: when the detector is behind, the batch keeps growing instead;
//! - standard input, when it is an input, is read the same way on a thread of its own;
//! - the detector thread runs the streaming spike detector ([`Detector`]) on the batches,
//!   sets `gatelog_spike_active` and renders the body of `/spikes`;
//! - the HTTP threads ([`http`]) answer scrapes from copies of the shared state, so a stuck
//!   client blocks only the thread writing to it;
//! - a signal thread ends the process at once, with exit code 0, on SIGTERM.
//!
//! Memory is bounded by the number of series, never by time: the metrics by `--max-series`,
//! the detector by its window (its findings are forgotten an hour after they closed,
//! [`Detector::forget_before`]), `/spikes` by [`KEEP_SPIKES`].

pub mod http;
pub mod metrics;
pub mod process;

use std::collections::BTreeSet;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use engine::input::follow::{Follow, FollowOptions};
use engine::logparse::Event;
use engine::timeline::Aggregator;
use engine::timeline::Spike;
use engine::timeline::analysis::{Analysis, Settings};
use engine::timeline::live::{Detector, State};
use engine::{Engine, Input, Outcome, Step};

use crate::config::{Config, WatchConfig};
use crate::exit::Exit;
use crate::report::spikes::Found;
use crate::{interrupt, messages};
use http::Shared;
use metrics::{Counter, Folded, Metrics, OTHER, Seen, SpikeLabels, UpstreamLabels};

/// How often the files are looked at.
pub const POLL_EVERY: Duration = Duration::from_millis(250);

/// A poll that read this many bytes or more is followed by another at once.
const CATCH_UP: u64 = 4 << 20;

/// How often counts are handed to the detector, at most.
const BATCH_EVERY: Duration = Duration::from_secs(1);

/// Spikes shown by `/spikes`: the open ones and those that closed within the last hour of the
/// log's time, at most this many (the oldest closed ones go first).
pub const KEEP_SPIKES: usize = 1000;

/// How long, in the log's seconds, what the detector found is kept after it closed.
const KEEP_SECONDS: i64 = 3600;

/// Runs until SIGTERM (exit 0 at once) or Ctrl-C.
pub fn run(config: &Config, w: &WatchConfig) -> Result<Exit> {
    terminate_on_sigterm()?;
    let metrics = Arc::new(Metrics::new(w.max_series));
    let shared = Arc::new(Shared {
        metrics: metrics.clone(),
        unhealthy: Mutex::new(Vec::new()),
        spikes: Mutex::new(Arc::new(render(&[], None))),
    });
    let server = tiny_http::Server::http(w.listen)
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", w.listen))?;
    let addr = server.server_addr().to_ip().unwrap_or(w.listen);
    let s = shared.clone();
    std::thread::Builder::new()
        .name("gatelog-http".into())
        .spawn(move || http::serve(server, s))
        .context("starting the HTTP thread")?;

    let (tx, rx) = mpsc::sync_channel::<Aggregator>(4);
    let s = shared.clone();
    std::thread::Builder::new()
        .name("gatelog-detect".into())
        .spawn(move || detect(&rx, &s))
        .context("starting the detector thread")?;

    if config.inputs.iter().any(|i| i.path.is_none()) {
        let engine = Engine::new(config.engine.clone()).on_problem(|p| messages::error(p));
        let mut sink = Sink::new(metrics.clone(), tx.clone());
        std::thread::Builder::new()
            .name("gatelog-stdin".into())
            .spawn(move || {
                let _ = engine.for_each_line(&[Input::stdin()], &mut |step| {
                    match step {
                        Step::Line(at, o) => sink.line(&at.input.name, o),
                        Step::Idle => sink.tick(Instant::now()),
                    }
                    Ok(())
                });
                sink.flush();
                messages::say("standard input ended; still serving the metrics");
            })
            .context("starting the standard input thread")?;
    }

    let files: Vec<Input> = config.inputs.iter().filter(|i| i.path.is_some()).cloned().collect();
    let options = FollowOptions {
        from_start: w.from_start,
        filter: config.glob.clone(),
        ..FollowOptions::default()
    };
    let mut follow = Follow::new(&files, config.engine.clone(), options);
    let mut sink = Sink::new(metrics.clone(), tx);
    let stop = interrupt::flag();
    let mut announced = false;
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        let started = Instant::now();
        let mut read = 0;
        if !files.is_empty() {
            read = follow.poll(started, &mut |at, o| sink.line(&at.input.name, o), &mut |n| {
                messages::say(n)
            });
            let bad = follow.unhealthy();
            metrics.unhealthy.set(bad.len() as i64);
            metrics.open_files.set(follow.open_files() as i64);
            *shared.unhealthy.lock().unwrap_or_else(|e| e.into_inner()) = bad;
        }
        sink.tick(Instant::now());
        if !announced {
            // After the first look at the files: what was there is behind, what comes is read.
            messages::say(format_args!("serving http://{addr}/metrics, /healthz and /spikes"));
            announced = true;
        }
        // Behind (a backlog, a burst): read on at once.
        if read < CATCH_UP {
            std::thread::sleep(POLL_EVERY.saturating_sub(started.elapsed()));
        }
    }
    Ok(Exit::Success)
}

/// Exits at once with code 0 on SIGTERM: nothing is buffered that a restart would miss (the
/// counters start again from zero, which Prometheus reads as a counter reset).
fn terminate_on_sigterm() -> Result<()> {
    let mut signals = signal_hook::iterator::Signals::new([signal_hook::consts::SIGTERM])
        .context("installing the SIGTERM handler")?;
    std::thread::Builder::new()
        .name("gatelog-signal".into())
        .spawn(move || {
            if signals.forever().next().is_some() {
                std::process::exit(0);
            }
        })
        .context("starting the signal thread")?;
    Ok(())
}

/// What one reading thread feeds: the metrics, and the per-second counts for the detector.
struct Sink {
    counter: Counter,
    pending: Aggregator,
    tx: SyncSender<Aggregator>,
    sent: Instant,
}

impl Sink {
    fn new(metrics: Arc<Metrics>, tx: SyncSender<Aggregator>) -> Sink {
        Sink {
            counter: Counter::new(metrics),
            pending: Aggregator::new(),
            tx,
            sent: Instant::now(),
        }
    }

    fn line(&mut self, source: &str, o: Outcome<'_, '_>) {
        let seen = match o {
            Outcome::Event(ev) => Seen::Event(Some(ev)),
            Outcome::Excluded => Seen::Event(None),
            Outcome::Continuation => Seen::Continuation,
            Outcome::Unparsed(_) => Seen::Unparsed,
        };
        let folded = self.counter.line(source, seen);
        if let Outcome::Event(ev) = o {
            self.scan(ev, &folded);
        }
    }

    /// Counts an event for the detector, under its folded names.
    fn scan(&mut self, ev: &Event<'_>, folded: &Folded) {
        if !folded.upstream && !folded.group {
            self.pending.push(ev);
            return;
        }
        let mut ev = ev.clone();
        if folded.upstream {
            ev.upstream = Some(OTHER.as_bytes());
        }
        if folded.group {
            ev.upstream_group = Some(OTHER.as_bytes());
        }
        self.pending.push(&ev);
    }

    /// Hands the counts over when a batch is due and the detector can take it.
    fn tick(&mut self, now: Instant) {
        if now.saturating_duration_since(self.sent) >= BATCH_EVERY {
            self.flush();
            self.sent = now;
        }
    }

    fn flush(&mut self) {
        if self.pending.events() == 0 {
            return;
        }
        let batch = std::mem::take(&mut self.pending);
        match self.tx.try_send(batch) {
            Ok(()) => {}
            // The detector is behind: the counts wait here, and are sent with the next ones.
            Err(TrySendError::Full(batch)) => self.pending = batch,
            Err(TrySendError::Disconnected(_)) => {}
        }
    }
}

/// The detector thread: scans the batches, announces the spikes into the metrics and the body
/// of `/spikes`, and forgets what closed long ago.
fn detect(rx: &Receiver<Aggregator>, shared: &Shared) {
    let metrics = &shared.metrics;
    let mut d = Detector::new(Settings::default());
    let mut current: Vec<(State, Spike)> = Vec::new();
    let mut active: BTreeSet<SpikeLabels> = BTreeSet::new();
    let mut span: Option<(i64, i64)> = None;
    let mut late = 0;
    let mut forgot = i64::MIN;
    loop {
        match rx.recv_timeout(Duration::from_secs(1)) {
            Ok(batch) => {
                let mut batch = Some(batch);
                while let Some(b) = batch {
                    span = match (span, b.span()) {
                        (Some(a), Some(b)) => Some((a.0.min(b.0), a.1.max(b.1))),
                        (a, b) => a.or(b),
                    };
                    d.push(&b);
                    batch = rx.try_recv().ok();
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        metrics.detector_bytes.set(i64::try_from(d.memory()).unwrap_or(i64::MAX));
        metrics.late.inc_by(d.late() - late);
        late = d.late();
        let news = d.announce();
        let Some(latest) = d.latest() else { continue };
        if !news.is_empty() {
            for (state, s) in news {
                let same = current.iter().position(|(_, c)| {
                    c.series == s.series && c.unit == s.unit && c.start <= s.end && s.start <= c.end
                });
                match same {
                    Some(i) => current[i] = (state, s),
                    None => {
                        let upstream = label(s.series.as_deref());
                        metrics.spikes.get_or_create(&UpstreamLabels { upstream }).inc();
                        current.push((state, s));
                    }
                }
            }
            current.sort_by_key(|(_, s)| s.start);
            let now: BTreeSet<SpikeLabels> = current
                .iter()
                .filter(|(state, _)| *state == State::Provisional)
                .flat_map(|(_, s)| {
                    let upstream = label(s.series.as_deref());
                    s.classes.iter().filter(|c| c.count > 0).map(move |c| SpikeLabels {
                        upstream: upstream.clone(),
                        class: c.key.as_str().to_owned(),
                    })
                })
                .collect();
            for gone in active.difference(&now) {
                metrics.spike_active.remove(gone);
            }
            for l in &now {
                metrics.spike_active.get_or_create(l).set(1);
            }
            active = now;
        }
        // Closed spikes are shown for an hour of the log's time, and the detector forgets
        // its findings after that.
        let before = current.len();
        current.retain(|(state, s)| *state == State::Provisional || s.end >= latest - KEEP_SECONDS);
        while current.len() > KEEP_SPIKES {
            let i = current.iter().position(|(st, _)| *st == State::Final).unwrap_or(0);
            current.remove(i);
        }
        if latest >= forgot.saturating_add(600) {
            d.forget_before(latest - KEEP_SECONDS);
            forgot = latest;
        }
        let spikes: Vec<Spike> = current.iter().map(|(_, s)| s.clone()).collect();
        if before != current.len() || !spikes.is_empty() || span.is_some() {
            let body = Arc::new(render(&spikes, span));
            *shared.spikes.lock().unwrap_or_else(|e| e.into_inner()) = body;
        }
    }
}

/// The label value of a spike's series.
fn label(series: Option<&[u8]>) -> String {
    series.map(|s| engine::logparse::text(s).to_string()).unwrap_or_default()
}

/// The body of `/spikes`: the JSON of `gatelog spikes -o json` for `spikes`.
fn render(spikes: &[Spike], span: Option<(i64, i64)>) -> String {
    let n = spikes.len();
    let analysis = Analysis {
        spikes: spikes.to_vec(),
        attributions: vec![None; n],
        reports: Vec::new(),
        inferred: Vec::new(),
        coinciding: vec![None; n],
        span,
    };
    let mut out = Vec::new();
    let found = Found { analysis: &analysis, deploys: &[] };
    match crate::report::spikes::json(&mut out, &found) {
        Ok(()) => String::from_utf8_lossy(&out).into_owned(),
        Err(_) => "{}".to_owned(),
    }
}

//! `gatelog spikes`: spikes of upstream failures, explained and tied to deploys.
//!
//! Files are read whole (on every core) and analysed once. Standard input is followed as a
//! stream: the thread reading it only parses lines and counts them per second, and hands the
//! counts over in batches, through a bounded channel, to a detector thread
//! ([`engine::timeline::live::Detector`]) that scans the seconds that became final, prints each spike
//! as it is found (`provisional` while open, `final` once closed), and keeps only what later
//! seconds can need; the full report follows when the stream ends (or on Ctrl-C). A stream
//! that falls idle costs nothing: the detector waits for the next batch.

use std::cell::RefCell;
use std::io::{self, BufWriter, Write};
use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError};
use std::time::Instant;

use anyhow::{Context, Result};
use engine::timeline::Aggregator;
use engine::timeline::analysis::{Analysis, Method, Settings};
use engine::timeline::live::{Detector, Pace, State};
use engine::{Aggregate, At, Outcome};

use crate::config::{Config, SpikesConfig, SpikesOutput};
use crate::exit::Exit;
use crate::report;
use crate::report::spikes::Found;

/// Detects, attributes and writes the spikes of the inputs.
pub fn run(config: &Config, c: &SpikesConfig) -> Result<Exit> {
    let (engine, inputs, bar) = crate::reading::engine(config, true);
    // Segmentation needs the whole input; a stream is scanned as it comes.
    let stream = c.analysis.method == Method::Scan
        && inputs.len() == 1
        && inputs.iter().all(|i| i.path.is_none());
    let analysis = if stream {
        let live = c.output == SpikesOutput::Table;
        let (analysis, late) = follow(&c.analysis, live, |new, tick| {
            let feed = engine.collect(&inputs, new, Some(tick));
            bar.finish_and_clear();
            feed
        })?;
        if late > 0 {
            crate::messages::say(format_args!(
                "{late} events arrived more than {} s after newer lines and were left out of the analysis",
                engine::timeline::live::LAG
            ));
        }
        analysis
    } else {
        let agg = engine.collect(&inputs, &Aggregator::new, None);
        bar.finish_and_clear();
        engine::timeline::analysis::analyze(&agg, &c.analysis)
    };
    let found = Found { analysis: &analysis, deploys: &c.analysis.deploys };
    let mut out = BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    match c.output {
        SpikesOutput::Table => {
            report::spikes::table(&mut out, &found, report::style::Style::for_stdout(config.color))
        }
        SpikesOutput::Json => report::spikes::json(&mut out, &found),
        SpikesOutput::Csv => report::spikes::csv(&mut out, &found),
    }
    .context("writing spikes")?;
    out.flush().context("writing to standard output")?;
    let spikes_found = !analysis.spikes.is_empty() && c.fail_on_spike;
    Ok(if spikes_found { Exit::SpikesFound } else { Exit::Success })
}

/// Where announced spikes go (the terminal, or a test's buffer).
type Print<'a> = Option<&'a dyn Fn(State, &engine::timeline::Spike)>;

/// How many events the reading thread counts before it hands a batch over (and at the
/// latest every [`engine::driver::TICK_EVERY`]).
const BATCH: u64 = 16 * 1024;

/// Batches waiting for the detector: the reading thread waits when it is this far ahead.
const QUEUE: usize = 4;

/// The aggregate the engine fills while reading a stream: the per-second counts of the lines
/// read since the last batch was handed over.
struct Feed {
    pending: RefCell<Aggregator>,
    tx: SyncSender<Aggregator>,
}

impl Feed {
    /// Hands the counts gathered so far to the detector, if there are any.
    fn flush(&self) {
        let batch = std::mem::take(&mut *self.pending.borrow_mut());
        if batch.events() > 0 {
            // The detector is gone only when its thread failed; the join reports that.
            let _ = self.tx.send(batch);
        }
    }
}

impl Aggregate for Feed {
    fn push(&mut self, _: &At<'_>, outcome: Outcome<'_, '_>) {
        if let Outcome::Event(ev) = outcome {
            let pending = self.pending.get_mut();
            pending.push(ev);
            if pending.events() >= BATCH {
                self.flush();
            }
        }
    }

    fn merge(self, next: Feed) -> Feed {
        self.flush();
        next.flush();
        next
    }

    fn shift_lines(&mut self, _: u32, _: u64) {}
}

/// Runs `read` (which reads the stream into the [`Feed`]s it is given, calling the tick while
/// it reads) with a detector thread fed by it; prints the spikes as they are announced when
/// `live`. Returns the analysis and the number of events that arrived too late for it.
fn follow(
    settings: &Settings,
    live: bool,
    read: impl FnOnce(&(dyn Fn() -> Feed + Sync), &(dyn Fn(&Feed) + Sync)) -> Feed,
) -> Result<(Analysis, u64)> {
    let (tx, rx) = mpsc::sync_channel::<Aggregator>(QUEUE);
    let detector = Detector::new(settings.clone());
    let start = Instant::now();
    let thread = std::thread::Builder::new()
        .name("gatelog-detect".into())
        .spawn(move || {
            let print = |state, s: &engine::timeline::Spike| {
                let mut o = io::stdout().lock();
                // A failed write shows again in the final report's write.
                let _ = report::spikes::live(&mut o, state, s);
                let _ = o.flush();
            };
            let print: Print<'_> = live.then_some(&print);
            detect(detector, &rx, print, Pace::new(engine::driver::TICK_EVERY, start), Instant::now)
        })
        .context("starting the detector thread")?;
    let new = || Feed { pending: RefCell::new(Aggregator::new()), tx: tx.clone() };
    let tick = |f: &Feed| f.flush();
    let feed = read(&new, &tick);
    feed.flush();
    drop(feed);
    drop(tx);
    let finished = thread.join().map_err(|_| anyhow::anyhow!("the detector thread failed"))?;
    Ok((finished.analysis, finished.late))
}

/// The detector thread: hands each batch received to [`step`], with the time `now` gives, and
/// finishes when the channel closes. A queue that stays empty leaves it blocked, at no cost.
fn detect(
    mut d: Detector,
    rx: &Receiver<Aggregator>,
    print: Print<'_>,
    mut pace: Pace,
    now: impl Fn() -> Instant,
) -> engine::timeline::live::Finished {
    let mut next = rx.recv().ok();
    while let Some(batch) = next {
        next = match rx.try_recv() {
            Ok(b) => Some(b),
            Err(TryRecvError::Empty) => None,
            // The stream has ended: the report follows at once.
            Err(TryRecvError::Disconnected) => {
                d.push(&batch);
                break;
            }
        };
        step(&mut d, &batch, next.is_none(), now(), &mut pace, print);
        if next.is_none() {
            next = rx.recv().ok();
        }
    }
    d.finish()
}

/// Pushes one batch into the detector and, when `pace` says so at `now` (`caught_up`: no other
/// batch is waiting), prints what it announces.
fn step(
    d: &mut Detector,
    batch: &Aggregator,
    caught_up: bool,
    now: Instant,
    pace: &mut Pace,
    print: Print<'_>,
) {
    d.push(batch);
    if let Some(print) = print {
        if pace.due(now, caught_up) {
            for (state, s) in d.announce() {
                print(state, &s);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use engine::logparse::{Class, Event, Format, Timestamp};

    use super::*;

    fn batch(lines: &[(i64, Class)]) -> Aggregator {
        let mut agg = Aggregator::new();
        for &(t, class) in lines {
            let mut ev = Event::new(Format::NginxError, b"");
            ev.time = Some(Timestamp::from_unix_seconds(t));
            ev.upstream = Some(b"10.0.1.10:3000");
            ev.class = class;
            agg.push(&ev);
        }
        agg
    }

    /// The printer of a stream, driven with a clock of its own: nothing within the first two
    /// seconds, a burst printed provisional while open and final once later lines close it,
    /// and at the end the analysis of the whole.
    #[test]
    fn the_stream_printer_announces_a_burst_provisional_then_final() {
        let t0 = 1_710_410_400; // 2024-03-14T10:00:00Z
        let quiet: Vec<(i64, Class)> =
            (0..900).step_by(300).map(|s| (t0 + s, Class::ResponseTimeout)).collect();
        let burst: Vec<(i64, Class)> = (900..906)
            .flat_map(|s| std::iter::repeat_n((t0 + s, Class::ConnectRefused), 8))
            .collect();
        let after = [(t0 + 1030, Class::ResponseTimeout)];

        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        let printed = RefCell::new(Vec::<String>::new());
        let print = |state: State, s: &engine::timeline::Spike| {
            let mut line = Vec::new();
            report::spikes::live(&mut line, state, s).unwrap();
            printed.borrow_mut().push(String::from_utf8(line).unwrap());
        };
        let mut d = Detector::new(Settings::default());
        let mut pace = Pace::new(Duration::from_secs(2), start);
        // The quiet quarter of an hour arrives at once: too early to print anything.
        step(&mut d, &batch(&quiet), true, at(100), &mut pace, Some(&print));
        assert!(printed.borrow().is_empty());
        // The burst, at the first tick.
        step(&mut d, &batch(&burst), true, at(2000), &mut pace, Some(&print));
        assert_eq!(printed.borrow().len(), 1, "{:?}", printed.borrow());
        assert!(printed.borrow()[0].starts_with("provisional spike 2024-03-14T10:15:00Z"));
        // Two minutes later in the log (a tick later on the clock), the burst has closed.
        step(&mut d, &batch(&after), true, at(4000), &mut pace, Some(&print));
        let lines = printed.borrow().clone();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[1].starts_with("final spike 2024-03-14T10:15:00Z–10:15:05"), "{lines:?}");
        assert!(lines[1].contains("48 errors"), "{lines:?}");
        let done = d.finish();
        let whole = batch(&quiet).merge(batch(&burst)).merge(batch(&after));
        assert_eq!(
            done.analysis,
            engine::timeline::analysis::analyze(&whole, &Settings::default())
        );
    }
}

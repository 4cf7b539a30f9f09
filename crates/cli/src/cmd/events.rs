//! `gatelog events`: one record per event (or per line, with `--unparsed`), in input order.
//!
//! A Traefik or Caddy 502/504 response whose line does not say why takes the class of the
//! line of the same input that does (`logparse::pair`: same second, status and upstream).
//! While such a response waits for its cause, the records after it are held back (at most
//! [`HOLD`] of them, and never past two seconds of the waiting response's format's log time,
//! a new input, or a pause of a live stream), so that records keep their input order. Only
//! lines of that format move its clock: a merged stream of several proxies whose clocks (or
//! dates) differ does not cut the wait short.

use std::collections::VecDeque;
use std::io::{self, BufWriter, IsTerminal, Write};

use anyhow::{Context, Result};
use engine::logparse::pair::{self, Cause, Pairs, Role};
use engine::logparse::{Event, Format};
use engine::{Outcome, Step};

use crate::config::Config;
use crate::report;

/// The most records held back while a response waits for its cause.
const HOLD: usize = 4096;

/// Records held back, and the responses among them that wait for a cause.
struct Held {
    pairs: Pairs<u64>,
    records: VecDeque<(u64, Vec<u8>)>,
    next: u64,
    /// The second and format of the oldest response waiting.
    waiting_since: Option<(i64, Format)>,
    csv: bool,
    /// The length of the source field at the start of each record.
    source_len: usize,
}

impl Held {
    fn new(csv: bool) -> Held {
        Held {
            pairs: Pairs::with_capacity(HOLD),
            records: VecDeque::new(),
            next: 0,
            waiting_since: None,
            csv,
            source_len: 0,
        }
    }

    fn flush(&mut self, out: &mut impl Write) -> io::Result<()> {
        for (_, r) in self.records.drain(..) {
            out.write_all(&r)?;
        }
        self.waiting_since = None;
        self.pairs = Pairs::with_capacity(HOLD);
        Ok(())
    }

    /// Rewrites the class, group and phase of a `gateway_error` record (phase `none`, as
    /// access lines have it) to the cause's.
    fn recount(&self, record: &mut Vec<u8>, cause: Cause) {
        let (class, group, phase) = (cause.class, cause.class.group(), cause.phase);
        let (old, new) = if self.csv {
            (b",gateway_error,unknown,none,".to_vec(), format!(",{class},{group},{phase},"))
        } else {
            (
                b"\"class\":\"gateway_error\",\"group\":\"unknown\",\"phase\":\"none\"".to_vec(),
                format!("\"class\":\"{class}\",\"group\":\"{group}\",\"phase\":\"{phase}\""),
            )
        };
        let new = new.into_bytes();
        let from = self.source_len.min(record.len());
        if let Some(i) = record[from..].windows(old.len()).position(|w| w == old.as_slice()) {
            record.splice(from + i..from + i + old.len(), new);
        }
    }

    /// Takes the record of one line (`ev` when it is an event) and writes what can go out.
    /// `record` is left empty, for the next line, when it was held back.
    fn push(
        &mut self,
        out: &mut impl Write,
        ev: Option<&Event<'_>>,
        record: &mut Vec<u8>,
    ) -> io::Result<()> {
        let second = ev.and_then(|e| e.time.map(|t| (t.unix_seconds(), e.format)));
        if let (Some((since, format)), Some((now, of))) = (self.waiting_since, second)
            && of == format
            && now > since + 1
        {
            self.flush(out)?;
        }
        let seq = self.next;
        self.next += 1;
        let mut waits = false;
        if let Some((key, role)) = ev.and_then(pair::role_of) {
            match self.pairs.push(key, role, seq) {
                Err(cause) => self.recount(record, cause),
                Ok(Some((held, cause))) => {
                    if let Some(i) = self.records.iter().position(|(s, _)| *s == held) {
                        let mut r = std::mem::take(&mut self.records[i].1);
                        self.recount(&mut r, cause);
                        self.records[i].1 = r;
                    }
                }
                Ok(None) if role == Role::Unexplained => {
                    waits = true;
                    if let Some(e) = ev {
                        self.waiting_since.get_or_insert((key.second, e.format));
                    }
                }
                Ok(None) => {}
            }
        }
        if self.records.is_empty() && !waits {
            return out.write_all(record);
        }
        self.records.push_back((seq, std::mem::take(record)));
        if self.records.len() >= HOLD {
            self.flush(out)?;
        }
        Ok(())
    }
}

/// Streams the records of every line of the inputs to standard output.
pub fn run(config: &Config, raw: bool, unparsed: bool, csv: bool) -> Result<()> {
    // Records written to the terminal would tear the progress bar.
    let (engine, inputs, bar) = crate::reading::engine(config, !io::stdout().is_terminal());
    let mut out = BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    let mut source = Vec::new();
    let mut last_index = u32::MAX;
    let mut held = Held::new(csv);
    let mut record = Vec::with_capacity(1024);
    if csv {
        report::csv::write_event_header(&mut out, raw).context("writing to standard output")?;
    }
    engine
        .for_each_line(&inputs, &mut |step| {
            let (at, outcome) = match step {
                Step::Line(at, outcome) => (at, outcome),
                // Records of a live stream go out as they come, not a buffer at a time.
                Step::Idle => {
                    held.flush(&mut out)?;
                    return out.flush();
                }
            };
            if at.index != last_index {
                held.flush(&mut out)?;
                source = if csv {
                    report::csv::field(&at.input.name).into_owned().into_bytes()
                } else {
                    report::json::quoted(&at.input.name)
                };
                held.source_len = source.len();
                last_index = at.index;
            }
            record.clear();
            let w = &mut record;
            let mut event = None;
            if csv {
                let row = match outcome {
                    Outcome::Event(ev) => {
                        event = Some(ev);
                        report::csv::Record::Event(ev)
                    }
                    Outcome::Continuation if unparsed => report::csv::Record::Continuation,
                    Outcome::Unparsed(err) if unparsed => report::csv::Record::Unparsed(err),
                    _ => return Ok(()),
                };
                report::csv::write_event_row(w, &source, at.line, &row, raw)?;
            } else {
                match outcome {
                    Outcome::Event(ev) => {
                        event = Some(ev);
                        report::json::write_event(w, &source, at.line, ev, raw)?
                    }
                    Outcome::Continuation if unparsed => {
                        report::json::write_continuation(w, &source, at.line)?
                    }
                    Outcome::Unparsed(err) if unparsed => {
                        report::json::write_unparsed(w, &source, at.line, err)?
                    }
                    Outcome::Excluded | Outcome::Continuation | Outcome::Unparsed(_) => {
                        return Ok(());
                    }
                }
            }
            held.push(&mut out, event, &mut record)
        })
        .context("writing to standard output")?;
    held.flush(&mut out).context("writing to standard output")?;
    bar.finish_and_clear();
    out.flush().context("writing to standard output")
}

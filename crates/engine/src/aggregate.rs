//! The aggregates the engine fills out of the box: [`timeline::Summary`] (counts per upstream
//! and class), [`timeline::Aggregator`] (per-second counts, for timelines and spikes), and
//! [`Report`], everything an incident report shows.

use std::collections::BTreeMap;

use timeline::messages::{InputCounts, Messages};
use timeline::{Aggregator, Sample, Summary};

use crate::{Aggregate, At, Outcome};

/// The per-second counts behind `timeline` and `spikes`: events only, no line numbers.
impl Aggregate for Aggregator {
    fn push(&mut self, _: &At<'_>, outcome: Outcome<'_, '_>) {
        if let Outcome::Event(ev) = outcome {
            Aggregator::push(self, ev);
        }
    }

    fn merge(self, next: Aggregator) -> Aggregator {
        Aggregator::merge(self, next)
    }

    fn shift_lines(&mut self, _: u32, _: u64) {}
}

impl Aggregate for Summary {
    fn push(&mut self, at: &At<'_>, outcome: Outcome<'_, '_>) {
        match outcome {
            Outcome::Event(ev) => {
                self.push_event(ev);
                if ev.unrecognized.is_some() {
                    let sample = Sample {
                        source: at.index,
                        name: &at.input.name,
                        line: at.line,
                        text: at.text,
                    };
                    self.push_unrecognized(ev, sample);
                }
            }
            Outcome::Excluded => self.push_excluded(),
            Outcome::Continuation => self.push_continuation(),
            Outcome::Unparsed(err) => self.push_unparsed(
                err,
                Sample { source: at.index, name: &at.input.name, line: at.line, text: at.text },
            ),
        }
    }

    fn merge(self, next: Summary) -> Summary {
        Summary::merge(self, next)
    }

    fn shift_lines(&mut self, source: u32, by: u64) {
        Summary::shift_lines(self, source, by);
    }
}

/// What an incident report is made of: the summary, the per-second counts, the messages of
/// each class and the counts of each input. Parts merge like each of these.
#[derive(Default)]
pub struct Report {
    /// Counts per upstream and class.
    pub summary: Summary,
    /// Counts per second (timeline and spikes).
    pub agg: Aggregator,
    /// The messages of each class.
    pub messages: Messages,
    /// The counts of each input, by its position among the inputs.
    pub inputs: BTreeMap<u32, InputCounts>,
}

impl Aggregate for Report {
    fn push(&mut self, at: &At<'_>, outcome: Outcome<'_, '_>) {
        let input = self
            .inputs
            .entry(at.index)
            .or_insert_with(|| InputCounts { name: at.input.name.clone(), ..Default::default() });
        input.lines += 1;
        match &outcome {
            Outcome::Event(ev) => {
                *input.formats.entry(ev.format).or_default() += 1;
                self.messages.push(ev.class, ev.message, at.index, at.line, at.text);
                Aggregate::push(&mut self.agg, at, Outcome::Event(ev));
            }
            Outcome::Unparsed(_) => input.unparsed += 1,
            Outcome::Excluded | Outcome::Continuation => {}
        }
        Aggregate::push(&mut self.summary, at, outcome);
    }

    fn merge(self, next: Report) -> Report {
        let mut inputs = self.inputs;
        for (i, n) in next.inputs {
            inputs
                .entry(i)
                .or_insert_with(|| InputCounts { name: n.name.clone(), ..Default::default() })
                .add(&n);
        }
        Report {
            summary: self.summary.merge(next.summary),
            agg: self.agg.merge(next.agg),
            messages: self.messages.merge(next.messages),
            inputs,
        }
    }

    fn shift_lines(&mut self, source: u32, by: u64) {
        self.summary.shift_lines(source, by);
        self.messages.shift_lines(source, by);
    }
}

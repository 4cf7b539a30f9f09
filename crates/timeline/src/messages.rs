//! The most frequent messages of each class, with a sample line each, and the counts of each
//! input: what an incident report lists besides the numbers.
//!
//! Both are bounded: [`Messages`] keeps at most [`MESSAGE_CAP`] distinct messages per class
//! (the rest are counted, not kept), each clipped to [`CLIP`] bytes; [`InputCounts`] is a
//! handful of counters per input.

use std::collections::BTreeMap;

use logparse::{Class, Format};

/// How many distinct messages each class keeps (per part of the input; see [`Messages`]).
pub const MESSAGE_CAP: usize = 256;
/// How many messages of a class [`Messages::top`] returns.
pub const SHOWN_MESSAGES: usize = 5;
/// Messages and sample lines are clipped to this many bytes.
pub const CLIP: usize = 400;

/// A sample line: where it is and its (clipped) text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The input's position among the inputs.
    pub source: u32,
    /// The 1-based line number.
    pub line: u64,
    /// The line, at most [`CLIP`] bytes.
    pub text: Box<[u8]>,
}

/// One message of a class: how often it was seen and its first line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The message (clipped); empty for formats whose lines have none (access logs).
    pub text: Box<[u8]>,
    /// Events with this message.
    pub count: u64,
    /// The first line with it.
    pub sample: Line,
}

/// The messages of each class, bounded: per class, the first [`MESSAGE_CAP`] distinct
/// messages in input order with their counts, and the count of the rest.
///
/// Parts merge in input order. A message's count is exact unless some part of the input had
/// more than [`MESSAGE_CAP`] distinct messages of its class before it: that part counted it
/// among the rest, so the count is then a lower bound (and the rest an upper one).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Messages {
    by_class: BTreeMap<Class, (Vec<Message>, u64)>,
}

impl Messages {
    /// Counts one event of `class` with `message`, found on line `line` (1-based) of input
    /// `source`, whose text is `text` (kept, clipped, when the message is new).
    pub fn push(&mut self, class: Class, message: &[u8], source: u32, line: u64, text: &[u8]) {
        let (list, rest) = self.by_class.entry(class).or_default();
        let message = message.get(..CLIP).unwrap_or(message);
        if let Some(m) = list.iter_mut().find(|m| *m.text == *message) {
            m.count += 1;
        } else if list.len() < MESSAGE_CAP {
            let text = text.get(..CLIP).unwrap_or(text);
            list.push(Message {
                text: message.into(),
                count: 1,
                sample: Line { source, line, text: text.into() },
            });
        } else {
            *rest += 1;
        }
    }

    /// Adds `next`, the messages of the lines that follow.
    pub fn merge(mut self, next: Messages) -> Messages {
        for (class, (list, rest)) in next.by_class {
            let (mine, my_rest) = self.by_class.entry(class).or_default();
            *my_rest += rest;
            for m in list {
                if let Some(x) = mine.iter_mut().find(|x| x.text == m.text) {
                    x.count += m.count;
                } else if mine.len() < MESSAGE_CAP {
                    mine.push(m);
                } else {
                    *my_rest += m.count;
                }
            }
        }
        self
    }

    /// Adds `by` to the line numbers of the samples of input `source`.
    pub fn shift_lines(&mut self, source: u32, by: u64) {
        for (list, _) in self.by_class.values_mut() {
            for m in list.iter_mut().filter(|m| m.sample.source == source) {
                m.sample.line += by;
            }
        }
    }

    /// The classes seen, each with its most frequent messages (at most [`SHOWN_MESSAGES`];
    /// ties: first seen first) and the number of events of the class.
    pub fn top(&self) -> Vec<(Class, Vec<&Message>, u64)> {
        self.by_class
            .iter()
            .map(|(class, (list, rest))| {
                let mut top: Vec<&Message> = list.iter().collect();
                top.sort_by_key(|m| std::cmp::Reverse(m.count));
                top.truncate(SHOWN_MESSAGES);
                let total = list.iter().map(|m| m.count).sum::<u64>() + rest;
                (*class, top, total)
            })
            .collect()
    }
}

/// The counts of one input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InputCounts {
    /// The input's name.
    pub name: String,
    /// Lines read.
    pub lines: u64,
    /// Events, by format (kept by the filters or not).
    pub formats: BTreeMap<Format, u64>,
    /// Lines that are not events (continuation lines excluded).
    pub unparsed: u64,
}

impl InputCounts {
    /// Adds the counts of a later part of the same input.
    pub fn add(&mut self, n: &InputCounts) {
        self.lines += n.lines;
        self.unparsed += n.unparsed;
        for (f, c) in &n.formats {
            *self.formats.entry(*f).or_default() += c;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_merged_from_parts_equal_those_of_one_pass() {
        let lines: Vec<(Class, &[u8])> = vec![
            (Class::ConnectRefused, b"connect() failed (111: Connection refused)"),
            (Class::ResponseTimeout, b"upstream timed out (110: Connection timed out)"),
            (Class::ConnectRefused, b"connect() failed (111: Connection refused)"),
            (Class::ConnectRefused, b"connect() to unix:/run/app.sock failed"),
            (Class::ResponseTimeout, b"upstream timed out (110: Connection timed out)"),
            (Class::ConnectRefused, b"connect() failed (111: Connection refused)"),
        ];
        let build = |from: usize, to: usize| {
            let mut m = Messages::default();
            for (i, (class, msg)) in lines.iter().enumerate().take(to).skip(from) {
                m.push(*class, msg, 0, i as u64 + 1, msg);
            }
            m
        };
        let whole = build(0, lines.len());
        for cut in 0..=lines.len() {
            let mut second = build(cut, lines.len());
            // Each part numbers its lines from 1; the driver shifts them into place.
            for (list, _) in second.by_class.values_mut() {
                for m in list {
                    m.sample.line -= cut as u64;
                }
            }
            second.shift_lines(0, cut as u64);
            assert_eq!(build(0, cut).merge(second), whole, "cut at {cut}");
        }
        let top = whole.top();
        let (class, msgs, total) = &top[0];
        assert_eq!((*class, *total), (Class::ConnectRefused, 4));
        assert_eq!((msgs[0].count, msgs[0].sample.line), (3, 1));
        assert_eq!((msgs[1].count, msgs[1].sample.line), (1, 4));
    }
}

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

/// How many distinct unrecognized messages [`Unrecognized`] keeps (per part of the input).
pub const UNRECOGNIZED_CAP: usize = 64;
/// How many unrecognized messages a summary shows.
pub const SHOWN_UNRECOGNIZED: usize = 10;

/// One message the parsers do not know, normalised ([`normalize`]): how often it was seen and
/// its first line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownMessage {
    /// The format of its lines.
    pub format: Format,
    /// The message with every run of digits written `N` (clipped to [`CLIP`] bytes), so that
    /// addresses, ports, errno numbers and ids do not split one message into many.
    pub text: Box<[u8]>,
    /// Events with it.
    pub count: u64,
    /// The first line with it: the input's position among the inputs.
    pub source: u32,
    /// The input's name as shown to the user.
    pub name: Box<str>,
    /// The 1-based line number.
    pub line: u64,
    /// The line, at most [`CLIP`] bytes.
    pub sample: Box<[u8]>,
}

/// The messages the parsers did not recognize ([`logparse::Event::unrecognized`]), bounded:
/// the first [`UNRECOGNIZED_CAP`] distinct normalised messages in input order with their
/// counts, and the count of the rest. Counts are exact under the same condition as
/// [`Messages`]' (otherwise lower bounds, and the rest an upper one).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Unrecognized {
    list: Vec<UnknownMessage>,
    rest: u64,
}

/// `message` with every run of ASCII digits replaced by `N`, clipped to [`CLIP`] bytes:
/// `connect() to 10.0.4.21:8080 failed (999: x)` becomes `connect() to N.N.N.N:N failed (N: x)`.
pub fn normalize(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len().min(CLIP));
    let mut in_digits = false;
    for &c in message {
        if out.len() >= CLIP {
            break;
        }
        if c.is_ascii_digit() {
            if !in_digits {
                out.push(b'N');
            }
            in_digits = true;
        } else {
            out.push(c);
            in_digits = false;
        }
    }
    out
}

impl Unrecognized {
    /// Counts one event of `format` whose unrecognized message is `message`, found on line
    /// `line` (1-based) of input `source` named `name`, whose text is `text`.
    ///
    /// Allocates the normalised message (only unrecognized events come here, never the
    /// parsing loop).
    pub fn push(
        &mut self,
        format: Format,
        message: &[u8],
        (source, name): (u32, &str),
        line: u64,
        text: &[u8],
    ) {
        let key = normalize(message);
        if let Some(m) = self.list.iter_mut().find(|m| m.format == format && *m.text == *key) {
            m.count += 1;
        } else if self.list.len() < UNRECOGNIZED_CAP {
            self.list.push(UnknownMessage {
                format,
                text: key.into(),
                count: 1,
                source,
                name: name.into(),
                line,
                sample: text.get(..CLIP).unwrap_or(text).into(),
            });
        } else {
            self.rest += 1;
        }
    }

    /// Adds `next`, the unrecognized messages of the lines that follow.
    pub fn merge(mut self, next: Unrecognized) -> Unrecognized {
        self.rest += next.rest;
        for m in next.list {
            if let Some(x) = self.list.iter_mut().find(|x| x.format == m.format && x.text == m.text)
            {
                x.count += m.count;
            } else if self.list.len() < UNRECOGNIZED_CAP {
                self.list.push(m);
            } else {
                self.rest += m.count;
            }
        }
        self
    }

    /// Adds `by` to the line numbers of the samples of input `source`.
    pub fn shift_lines(&mut self, source: u32, by: u64) {
        for m in self.list.iter_mut().filter(|m| m.source == source) {
            m.line += by;
        }
    }

    /// The `n` most frequent messages (ties: first seen first).
    pub fn top(&self, n: usize) -> Vec<&UnknownMessage> {
        let mut top: Vec<&UnknownMessage> = self.list.iter().collect();
        top.sort_by_key(|m| std::cmp::Reverse(m.count));
        top.truncate(n);
        top
    }

    /// Events with an unrecognized message, kept or not.
    pub fn total(&self) -> u64 {
        self.list.iter().map(|m| m.count).sum::<u64>() + self.rest
    }

    /// Distinct messages kept.
    pub fn distinct(&self) -> usize {
        self.list.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unrecognized_messages_are_normalised_bounded_and_merge_like_one_pass() {
        let msgs: Vec<Vec<u8>> = (0..200u32)
            .map(|i| match i % 3 {
                0 => format!("foo() failed ({}: x) to 10.0.4.{}:80", 900 + i, i).into_bytes(),
                1 => b"frobnicator is slow".to_vec(),
                _ => format!("message number {i}x{}", "y".repeat(i as usize % 70)).into_bytes(),
            })
            .collect();
        let build = |from: usize, to: usize| {
            let mut u = Unrecognized::default();
            for (i, m) in msgs.iter().enumerate().take(to).skip(from) {
                u.push(Format::NginxError, m, (0, "error.log"), i as u64 + 1, m);
            }
            u
        };
        let whole = build(0, msgs.len());
        assert_eq!(whole.total(), 200);
        assert_eq!(whole.distinct(), UNRECOGNIZED_CAP);
        let top = whole.top(2);
        assert_eq!(&*top[0].text, b"foo() failed (N: x) to N.N.N.N:N");
        assert_eq!((top[0].count, top[0].line), (67, 1));
        assert_eq!(&*top[0].sample, &msgs[0][..]);
        assert_eq!((&*top[1].text, top[1].count), (&b"frobnicator is slow"[..], 67));
        for cut in [0, 1, 50, 199, 200] {
            let mut second = build(cut, msgs.len());
            for m in &mut second.list {
                m.line -= cut as u64;
            }
            second.shift_lines(0, cut as u64);
            let merged = build(0, cut).merge(second);
            assert_eq!(merged.total(), 200, "cut at {cut}");
            assert_eq!(merged.top(2), whole.top(2), "cut at {cut}");
        }
    }

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

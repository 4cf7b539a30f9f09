//! Timelines: the counts of an [`Aggregator`] in buckets of any size.

use logparse::Class;

use crate::Unit;
use crate::aggregate::Aggregator;

/// The counts of every series in fixed-size buckets.
///
/// Buckets are aligned to multiples of their size since the Unix epoch (a 1-minute bucket
/// starts at a whole UTC minute), and cover the input's span from the bucket holding its first
/// event to the one holding its last. Rows stay sparse: only non-zero (bucket, class) counts are
/// stored, so a timeline of a few events years apart at 1-minute buckets holds a few cells,
/// not millions of empty buckets; [`len`](Timeline::len) is only a number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timeline {
    bucket: i64,
    start: i64,
    len: usize,
    rows: Vec<Row>,
}

/// One series of a [`Timeline`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    name: Option<Box<[u8]>>,
    unit: Unit,
    /// (bucket index, class, count), by bucket then class.
    cells: Vec<(usize, Class, u64)>,
}

impl Row {
    /// The series name (`None` for events without an upstream).
    pub fn name(&self) -> Option<&[u8]> {
        self.name.as_deref()
    }

    /// The unit of the counts.
    pub fn unit(&self) -> Unit {
        self.unit
    }

    /// The non-zero counts: `(bucket index, class, count)`, by bucket then class.
    pub fn cells(&self) -> &[(usize, Class, u64)] {
        &self.cells
    }

    /// The total of the classes that pass `keep` in each bucket that has one:
    /// `(bucket index, total)`, by bucket. Its size is that of the row's cells, however many
    /// buckets the timeline spans.
    pub fn bucket_totals(&self, keep: impl Fn(Class) -> bool) -> Vec<(usize, u64)> {
        let mut v: Vec<(usize, u64)> = Vec::new();
        for &(i, _, n) in self.cells.iter().filter(|c| keep(c.1)) {
            match v.last_mut() {
                Some(last) if last.0 == i => last.1 += n,
                _ => v.push((i, n)),
            }
        }
        v
    }

    /// The total of the classes that pass `keep`, per bucket (dense, `len` buckets: one slot
    /// per bucket of the span; [`bucket_totals`](Row::bucket_totals) holds only the non-zero
    /// ones).
    pub fn totals(&self, len: usize, keep: impl Fn(Class) -> bool) -> Vec<u64> {
        let mut v = vec![0; len];
        for &(i, c, n) in &self.cells {
            if keep(c) {
                if let Some(slot) = v.get_mut(i) {
                    *slot += n;
                }
            }
        }
        v
    }

    /// The total of the classes that pass `keep` over all buckets.
    pub fn total(&self, keep: impl Fn(Class) -> bool) -> u64 {
        self.cells.iter().filter(|c| keep(c.1)).map(|c| c.2).sum()
    }
}

impl Timeline {
    /// The counts of `agg` in buckets of `bucket` seconds (at least 1).
    pub fn new(agg: &Aggregator, bucket: i64) -> Timeline {
        let bucket = bucket.max(1);
        let Some((first, last)) = agg.span() else {
            return Timeline { bucket, start: 0, len: 0, rows: Vec::new() };
        };
        let start = first.div_euclid(bucket) * bucket;
        let len =
            usize::try_from(last.div_euclid(bucket) - first.div_euclid(bucket) + 1).unwrap_or(0);
        let mut rows = Vec::new();
        for key in agg.series() {
            let mut sums: std::collections::BTreeMap<(usize, Class), u64> = Default::default();
            for c in agg.counts(key, first, last) {
                let i = ((c.second - start) / bucket) as usize;
                *sums.entry((i, c.class)).or_insert(0) += c.n;
            }
            rows.push(Row {
                name: agg.name(key).map(Into::into),
                unit: key.unit(),
                cells: sums.into_iter().map(|((i, c), n)| (i, c, n)).collect(),
            });
        }
        Timeline { bucket, start, len, rows }
    }

    /// The bucket size in seconds.
    pub fn bucket(&self) -> i64 {
        self.bucket
    }

    /// How many buckets the span covers.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no buckets (no timed event).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The start of bucket `i`, in seconds since the Unix epoch.
    pub fn bucket_start(&self, i: usize) -> i64 {
        self.start + i as i64 * self.bucket
    }

    /// The rows, by name then unit.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }
}

/// Bucket sizes [`auto_bucket`] rounds up to, in seconds.
const BUCKETS: [i64; 17] =
    [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/// The bucket size (seconds) that cuts `span` seconds into at most about 60 buckets, rounded
/// up to a usual size (1 s, 5 s, ... 1 h, ... 1 day, then whole days).
pub fn auto_bucket(span: i64) -> i64 {
    let want = (span + 59) / 60;
    BUCKETS.iter().copied().find(|&b| b >= want).unwrap_or_else(|| (want + 86399) / 86400 * 86400)
}

#[cfg(test)]
mod tests {
    use logparse::{Event, Format, Timestamp};

    use super::*;

    #[test]
    fn auto_bucket_gives_about_sixty_buckets_of_a_usual_size() {
        assert_eq!(auto_bucket(1), 1);
        assert_eq!(auto_bucket(600), 10);
        assert_eq!(auto_bucket(3600), 60);
        assert_eq!(auto_bucket(3601), 120);
        assert_eq!(auto_bucket(86400), 1800);
        assert_eq!(auto_bucket(100 * 86400), 2 * 86400);
    }

    #[test]
    fn buckets_are_aligned_and_sparse() {
        let mut agg = Aggregator::new();
        for (t, class) in [
            (125, Class::ConnectRefused),
            (130, Class::ConnectRefused),
            (179, Class::Ok),
            (300, Class::ResponseTimeout),
        ] {
            let mut ev = Event::new(Format::NginxAccess, b"");
            ev.upstream = Some(b"10.0.0.1:80");
            ev.class = class;
            ev.time = Some(Timestamp::from_unix_seconds(t));
            agg.push(&ev);
        }
        let tl = Timeline::new(&agg, 60);
        assert_eq!((tl.len(), tl.bucket_start(0), tl.bucket_start(3)), (4, 120, 300));
        let row = &tl.rows()[0];
        assert_eq!(
            row.cells(),
            [(0, Class::ConnectRefused, 2), (0, Class::Ok, 1), (3, Class::ResponseTimeout, 1)]
        );
        assert_eq!(row.totals(tl.len(), Class::is_upstream_failure), [2, 0, 0, 1]);
        assert_eq!(row.total(|_| true), 4);
        let seconds = Timeline::new(&agg, 1);
        assert_eq!((seconds.len(), seconds.bucket_start(0)), (176, 125));
    }
}

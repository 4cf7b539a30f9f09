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
    /// The first and last second with an event (the span the buckets cover).
    span: (i64, i64),
    rows: Vec<Row>,
}

/// The series of a [`Timeline`] side by side on one scale, worst first: what an overview of
/// all upstreams (small multiples, a heatmap) draws. Made by [`Timeline::overview`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overview {
    /// The series with a count, worst first: by total descending, then peak descending, then
    /// in the timeline's order (name, then unit).
    pub rows: Vec<OverviewRow>,
    /// The largest count of any series in any bucket: the scale every series shares (0 when
    /// no series has a count).
    pub max: u64,
}

/// One series of an [`Overview`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverviewRow {
    /// The index of the series in [`Timeline::rows`].
    pub row: usize,
    /// Its count over all buckets.
    pub total: u64,
    /// Its largest count in one bucket.
    pub peak: u64,
    /// Its non-zero counts per bucket: `(bucket index, count)`, by bucket.
    pub cells: Vec<(usize, u64)>,
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
            return Timeline { bucket, start: 0, len: 0, span: (0, -1), rows: Vec::new() };
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
        Timeline { bucket, start, len, span: (first, last), rows }
    }

    /// How many seconds of bucket `i` lie within the span of the events (from the first
    /// event's second to the last one's, inclusive): the bucket size for a whole bucket, fewer
    /// for the first and last buckets when the input starts or ends inside them, 0 outside.
    pub fn covered(&self, i: usize) -> i64 {
        let a = self.bucket_start(i).max(self.span.0);
        let b = (self.bucket_start(i) + self.bucket - 1).min(self.span.1);
        (b - a + 1).max(0)
    }

    /// Whether bucket `i` is partial: the input covers only part of it
    /// ([`covered`](Timeline::covered) is less than the bucket size), so its counts are not
    /// comparable with those of whole buckets (a last bucket cut short by the end of the log
    /// would look like a recovery).
    pub fn is_partial(&self, i: usize) -> bool {
        i < self.len && self.covered(i) < self.bucket
    }

    /// The series side by side: for each series with a count of the classes that pass
    /// `keep`, its counts per bucket, worst first, and the largest count of all as the shared
    /// scale.
    pub fn overview(&self, keep: impl Fn(Class) -> bool) -> Overview {
        let mut rows: Vec<OverviewRow> = self
            .rows
            .iter()
            .enumerate()
            .map(|(row, r)| {
                let cells = r.bucket_totals(&keep);
                OverviewRow {
                    row,
                    total: cells.iter().map(|c| c.1).sum(),
                    peak: cells.iter().map(|c| c.1).max().unwrap_or(0),
                    cells,
                }
            })
            .filter(|r| r.total > 0)
            .collect();
        rows.sort_by(|a, b| {
            b.total.cmp(&a.total).then(b.peak.cmp(&a.peak)).then(a.row.cmp(&b.row))
        });
        let max = rows.iter().map(|r| r.peak).max().unwrap_or(0);
        Overview { rows, max }
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

    fn push(agg: &mut Aggregator, upstream: &'static [u8], t: i64, class: Class, n: usize) {
        for _ in 0..n {
            let mut ev = Event::new(Format::NginxError, b"");
            ev.upstream = Some(upstream);
            ev.class = class;
            ev.time = Some(Timestamp::from_unix_seconds(t));
            agg.push(&ev);
        }
    }

    #[test]
    fn the_buckets_the_input_starts_and_ends_inside_are_partial() {
        let mut agg = Aggregator::new();
        // From 00:01:30 to 00:03:10: the first minute has its last 30 s, the last one 11 s.
        push(&mut agg, b"a:80", 90, Class::ConnectRefused, 1);
        push(&mut agg, b"a:80", 190, Class::ConnectRefused, 1);
        let tl = Timeline::new(&agg, 60);
        assert_eq!(tl.len(), 3);
        assert_eq!([tl.covered(0), tl.covered(1), tl.covered(2), tl.covered(3)], [30, 60, 11, 0]);
        assert_eq!([tl.is_partial(0), tl.is_partial(1), tl.is_partial(2)], [true, false, true]);
        assert!(!tl.is_partial(3), "past the end is no bucket");
        // Aligned on both ends, no bucket is partial.
        let mut whole = Aggregator::new();
        push(&mut whole, b"a:80", 60, Class::ConnectRefused, 1);
        push(&mut whole, b"a:80", 179, Class::ConnectRefused, 1);
        let tl = Timeline::new(&whole, 60);
        assert_eq!((tl.len(), tl.is_partial(0), tl.is_partial(1)), (2, false, false));
    }

    #[test]
    fn the_overview_puts_the_worst_series_first_on_one_scale() {
        let mut agg = Aggregator::new();
        // a: routine noise, one failure a minute; b: an incident of 40 in one minute; c: only
        // successes, so it has no failures to show.
        for m in 0..5 {
            push(&mut agg, b"a:80", 60 * m, Class::ResponseTimeout, 1);
        }
        push(&mut agg, b"b:80", 120, Class::ConnectRefused, 30);
        push(&mut agg, b"b:80", 125, Class::ConnectionReset, 10);
        push(&mut agg, b"c:80", 60, Class::Ok, 7);
        let tl = Timeline::new(&agg, 60);
        let o = tl.overview(Class::is_upstream_failure);
        assert_eq!(o.max, 40);
        let names: Vec<_> = o.rows.iter().map(|r| tl.rows()[r.row].name().unwrap()).collect();
        assert_eq!(names, [&b"b:80"[..], b"a:80"]);
        assert_eq!(
            (o.rows[0].total, o.rows[0].peak, o.rows[0].cells.clone()),
            (40, 40, vec![(2, 40)])
        );
        assert_eq!((o.rows[1].total, o.rows[1].peak), (5, 1));
        assert_eq!(o.rows[1].cells, [(0, 1), (1, 1), (2, 1), (3, 1), (4, 1)]);
        // Ties on the total go to the higher peak.
        let mut tie = Aggregator::new();
        push(&mut tie, b"a:80", 0, Class::ResponseTimeout, 2);
        push(&mut tie, b"a:80", 60, Class::ResponseTimeout, 2);
        push(&mut tie, b"z:80", 0, Class::ResponseTimeout, 4);
        let tl = Timeline::new(&tie, 60);
        let o = tl.overview(Class::is_upstream_failure);
        assert_eq!(tl.rows()[o.rows[0].row].name(), Some(&b"z:80"[..]));
        assert_eq!(Timeline::new(&Aggregator::new(), 60).overview(|_| true).max, 0);
    }
}

//! Deploy markers read from text: `--deploy` values, files of markers in the formats that
//! deploy tools export, `--service-map` values, and durations.
//!
//! Every parser returns [`Deploy`] values (see [`deploy`](crate::deploy) for what is done with
//! them) whose times are Unix seconds, UTC. Nothing here reads standard input or the clock: a
//! caller that accepts `-` for standard input reads it and hands the text to
//! [`parse_deploys`].
//!
//! # Times
//!
//! A time is written one of two ways ([`parse_time`]):
//!
//! - an RFC 3339 timestamp with `Z` or a numeric offset (`2026-11-20T12:00:01Z`,
//!   `2026-11-20T13:00:01+01:00`; RFC 3339 section 5.6), fractions of a second dropped. A date,
//!   or a date and time, without a zone is refused with a reason: read in the wrong zone, a
//!   deploy time would be tied to the wrong spikes without any sign of it;
//! - `@EPOCH`, an integer count of seconds or milliseconds since 1970-01-01T00:00:00Z. The
//!   magnitude tells them apart: from 10¹¹ on (after the year 5138 in seconds, after
//!   1973-03-03 in milliseconds) the number is milliseconds.
//!
//! JSON numbers in time fields follow the same rule (fractions floored).
//!
//! # `--deploy` values
//!
//! [`parse_deploy_flag`] reads two forms:
//!
//! - compact, `TIME[=VERSION][@SERVICE]`: `2026-11-20T12:00:01Z=v1.4.2@api`,
//!   `@1795176001@search`. The service is what follows the *last* `@`, so a version that
//!   contains `@` needs the long form;
//! - long, comma-separated `key=value` pairs, chosen when the value contains a comma or starts
//!   with `at=` or `time=`: `at` (or `time`, `start`; required), `end`, `version`, `service`,
//!   `env`, `kind` (a [`Kind`] name: `deploy`, `rollback`, `restart`, `config`, `commit`) and
//!   `upstreams` (names separated by `;` or spaces).
//!
//! Their source is `--deploy`.
//!
//! # Files of markers
//!
//! [`parse_deploys`] (and [`read_deploys_file`], which reads the file first) recognizes the
//! format from the content, after a byte-order mark, blank lines and `//` comment lines:
//!
//! | the first line starts with | format |
//! | --- | --- |
//! | `[` | one JSON array of marker objects |
//! | `{` | `kubectl get events -o json`, an object with an `items` array of markers, one marker object over several lines (an Argo CD `Application`), or else JSON Lines |
//! | `<time> <hex hash>` | `git log --format='%cI %h %s'` |
//! | anything with a comma | CSV with a header row |
//!
//! Markers come out sorted by start (markers with the same start keep the order they were read
//! in); a marker without a `source` field gets the name the file was given by.
//!
//! ## JSON marker objects
//!
//! A marker object is read by field name, so the exports of the usual tools are accepted as
//! they are. For each marker attribute the names below are tried in order and the first one
//! present with a non-empty string or a number is used. Field names, types and units are
//! those of each tool's public API documentation:
//!
//! | attribute | field names |
//! | --- | --- |
//! | start | `time` (Grafana annotations HTTP API, `GET /api/annotations`: epoch milliseconds), `start_time` (Honeycomb markers API: Unix seconds), `date_happened` (Datadog events API v1: POSIX seconds), `dateStarted` (Sentry release deploys API: ISO 8601), `deployStartedAt` (Argo CD `Application.status.history[]`), `startedAt`, `created_at` (GitHub REST API deployments), `@timestamp`, `timestamp`, `at`, `start`, `date` |
//! | end | `end`, `timeEnd` (Grafana), `end_time` (Honeycomb), `dateFinished` (Sentry), `deployedAt` (Argo CD), `finishedAt` |
//! | version | `version`, `revision` (Argo CD), `release`, `sha` (GitHub), `ref` (GitHub) |
//! | service | `service`, `app`, `application` |
//! | env | `env`, `environment` (Sentry, GitHub) |
//! | kind | `kind`, `type` (Honeycomb); a [`Kind`] name, anything else meaning `deploy` |
//! | upstreams | `upstreams`: an array of names, or one string of names separated by `;`, `,` or spaces |
//! | source | `source` (a string; other types are ignored) |
//!
//! Numbers in the version, service and env fields are read as the text of the number.
//!
//! - **Time fields**: a string is a [time](#times), a number is epoch seconds or milliseconds;
//!   a string that is not a time is an error, not a reason to try the next name. When only an
//!   end is given (Argo CD `deployedAt` alone), it is the start; an end equal to the start is
//!   dropped, and an end before the start is an error.
//! - **Tags** (`tags`: an array of strings, as Grafana and Datadog write them, or one
//!   comma-separated string): `service:S`, `version:V` and `env:E` (Datadog's `key:value`
//!   tags) fill the attribute when no field gave it; other `key:value` tags are ignored. A tag
//!   without a colon is read by its shape, as Grafana's free tags have no keys: the first that
//!   looks like a version (an optional `v`, then a digit, and a `.`: `v1.4.2`, `2.0.0`) is the
//!   version, and the first other tag that is not a word of kind (`deploy`, `deployment`,
//!   `release`, `rollback`, `restart`, `config`, `annotation`) is the service, each when
//!   nothing set it before.
//! - **Argo CD**: an object with a `status.history` array (an `Application`) gives one marker
//!   per history entry, each entry read as a marker object (`revision`, `deployStartedAt`,
//!   `deployedAt`), its service the Application's `metadata.name` when the entry names none.
//!
//! ## JSON Lines, arrays and `items`
//!
//! JSON Lines: one marker object per line, blank lines and lines starting with `//` skipped. A
//! JSON array (Grafana and GitHub list endpoints return one) and the `items` array of an
//! object hold one marker object per element.
//!
//! ## `kubectl get events -o json`
//!
//! An object with `"kind": "EventList"`, or whose first `items` element has `involvedObject`
//! and `reason` (Kubernetes `core/v1` Event). Only these events are read, timed by the first
//! non-empty of `eventTime`, `lastTimestamp` and `firstTimestamp`:
//!
//! - `ScalingReplicaSet` of a `Deployment`: the events of one Deployment at most 300 s apart are
//!   one rollout, a `deploy` marker from the first to the last, its service the Deployment's
//!   name and its version the pod-template hash of the last replica set scaled up. The
//!   deployment controller writes `Scaled up replica set <deployment>-<hash> to <n>` (Kubernetes
//!   `pkg/controller/deployment/sync.go`), so the hash is what follows the Deployment's name;
//! - `Killing` and `BackOff` of a `Pod` (kubelet) and `OOMKilling` of a `Node`
//!   (node-problem-detector): `restart` markers, the events of one service at most 60 s apart
//!   grouped into one. A Pod's service is its name without the last two `-` parts (the replica
//!   set's hash and the pod's suffix: `api-7d9f8c6b5-x2x9z` is `api`).
//!
//! Their source is `kubectl`.
//!
//! ## CSV
//!
//! A header row, then one marker per row (RFC 4180 quoting, without line breaks inside quotes;
//! blank lines skipped). The header must name a start or end column; columns are named like the
//! JSON fields and read the same way, integers in time columns as epoch numbers, everything
//! else as text (so `upstreams` holds names separated by `;` or spaces). Every row has as many
//! fields as the header; empty fields are absent.
//!
//! ## `git log --format='%cI %h %s'`
//!
//! Each non-blank line is a committer date in strict ISO 8601 (`%cI`), an abbreviated hash
//! (`%h`, at least four hex digits) and the subject (`%s`), the placeholders of git-log(1)
//! "PRETTY FORMATS". Each gives a `commit` marker whose version is the hash and whose source is
//! `git`: a commit time is when code existed, not when it was deployed.
//!
//! # `--service-map` values and durations
//!
//! [`parse_service_map`] reads `SERVICE=UPSTREAM[,UPSTREAM...]` into a [`ServiceMap`].
//! [`parse_duration`] reads a whole number of seconds with an optional unit `s`, `m`, `h` or
//! `d`.
//!
//! # Errors
//!
//! Every parser returns a [`MarkerError`]: what was wrong ([`MarkerErrorKind`]) and where
//! ([`Location`]: the `--deploy` value, or the file and line or array element, and the field).
//! Its message is one lower-case line, which says what was expected where that helps.
//!
//! # Untrusted input
//!
//! Marker files come from other tools and from people: the parsers return an error for any
//! input they cannot read and do not panic. A file is read into memory whole.
//!
//! # Example
//!
//! ```
//! use timeline::deploy::Kind;
//! use timeline::markers::{self, Location};
//!
//! // Datadog events, one per line, and a Honeycomb marker with a start and an end.
//! let text = r#"{"date_happened": 1795176001, "tags": ["service:api", "version:1.4.2"]}
//! {"start_time": 1795179601, "end_time": 1795179690, "type": "rollback"}
//! "#;
//! let deploys = markers::parse_deploys(text, "deploys.jsonl")?;
//! assert_eq!(deploys[0].start, 1_795_176_001); // 2026-11-20T12:00:01Z
//! assert_eq!(deploys[0].label(), "1.4.2@api");
//! assert_eq!((deploys[1].end, deploys[1].kind), (Some(1_795_179_690), Kind::Rollback));
//! assert_eq!(deploys[1].source.as_deref(), Some("deploys.jsonl"));
//!
//! let d = markers::parse_deploy_flag("2026-11-20T13:00:01+01:00=v1.4.2@api")?;
//! assert_eq!((d.start, d.label()), (1_795_176_001, "v1.4.2@api".to_owned()));
//!
//! let err = markers::parse_deploys("{\"service\": \"api\"}\n", "deploys.jsonl").unwrap_err();
//! assert_eq!(err.location, Some(Location::Line { name: "deploys.jsonl".into(), line: 1 }));
//! assert!(err.to_string().starts_with("deploys.jsonl:1: no time field (expected one of: time,"));
//! # Ok::<(), markers::MarkerError>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde_json::Value;

use crate::deploy::{Deploy, Kind, ServiceMap};

/// An error of one of this module's parsers: what was wrong, and where.
///
/// The message (`Display`) reads `WHERE: field "F": WHAT`, the first two parts present when
/// known, for example `deploys.csv:2: field "time": time "2026-11-20 12:00:01" has no time
/// zone; ...`; at a `--deploy` value, WHERE reads `invalid --deploy "VALUE"`. The message
/// includes that of an underlying I/O or JSON error, so [`source`] is `None`.
///
/// [`source`]: std::error::Error::source
#[derive(Debug)]
pub struct MarkerError {
    /// Where the problem is: the `--deploy` value, or the file and the line or element; `None`
    /// for a single value that is not a `--deploy` (a time, a duration, a `--service-map`).
    pub location: Option<Location>,
    /// The JSON field or CSV column whose value is wrong, when one is.
    pub field: Option<String>,
    /// What is wrong.
    pub kind: MarkerErrorKind,
}

/// Where a [`MarkerError`] is. A file is named as the caller named it (a path, `-`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Location {
    /// A `--deploy` value, as given.
    DeployFlag(String),
    /// A line of a file, numbered from 1.
    Line {
        /// The file's name.
        name: String,
        /// The 1-based line number.
        line: usize,
    },
    /// A file as a whole (reading it, or one JSON object spread over its lines).
    File {
        /// The file's name.
        name: String,
    },
    /// An element of the JSON array a file holds, numbered from 1.
    Element {
        /// The file's name.
        name: String,
        /// The 1-based position in the array.
        number: usize,
    },
    /// An element of the `items` array of the JSON object a file holds, numbered from 0 as in
    /// `items[0]`.
    Item {
        /// The file's name.
        name: String,
        /// The 0-based index in `items`.
        index: usize,
    },
}

/// What was wrong, in a [`MarkerError`].
#[derive(Debug)]
#[non_exhaustive]
pub enum MarkerErrorKind {
    /// A duration that is not a whole non-negative number of seconds with an optional unit
    /// `s`, `m`, `h` or `d`.
    Duration {
        /// The option it was given to (`--bucket`), for the message.
        flag: String,
        /// The value as given.
        value: String,
    },
    /// `@EPOCH` whose number is not an integer (the text holds the time as given).
    Epoch(String),
    /// A date, or a date and time, without `Z` or an offset.
    NoZone(String),
    /// A time that is neither RFC 3339 nor `@EPOCH`.
    Time(String),
    /// A part of a long-form `--deploy` that is not `key=value`.
    NotAPair(String),
    /// A `kind=` value of a `--deploy` that is not a [`Kind`] name.
    UnknownKind(String),
    /// A key of a long-form `--deploy` that is none of `at`, `time`, `start`, `end`,
    /// `version`, `service`, `env`, `kind`, `upstreams`.
    UnknownKey(String),
    /// A long-form `--deploy` without `at=TIME`.
    NoStart,
    /// Text after the time of a compact `--deploy` that starts with neither `=` nor `@`.
    AfterTime(String),
    /// A marker whose end is before its start.
    EndBeforeStart,
    /// A `--service-map` value without `=` (the text holds the value).
    ServiceMapSyntax(String),
    /// A `--service-map` value with no service or no upstream (the text holds the value).
    ServiceMapEmpty(String),
    /// A file that could not be opened or read (it does not exist, is a directory, is not
    /// readable, ...).
    Read(std::io::Error),
    /// A file whose content is not UTF-8 text.
    NotUtf8 {
        /// The 1-based line of the first byte that is not part of valid UTF-8.
        line: usize,
        /// That byte's offset in the file (0-based, in bytes).
        offset: usize,
    },
    /// Text that is not valid JSON where JSON was expected.
    Json(serde_json::Error),
    /// A JSON value that is not an object where a marker object was expected.
    NotAnObject,
    /// A marker object with none of the start and end fields.
    NoTimeField,
    /// A kubectl event of a kind that is read, without `eventTime`, `lastTimestamp` or
    /// `firstTimestamp`.
    NoEventTime,
    /// A line of a git log that is not `<time> <hash> <subject>`.
    GitLine,
    /// A CSV record with a quote that is not closed on its line.
    UnterminatedQuote,
    /// A CSV header without a start or end column.
    NoTimeColumn,
    /// A CSV record whose number of fields differs from the header's.
    FieldCount {
        /// The record's number of fields.
        fields: usize,
        /// The header's number of fields.
        header: usize,
    },
    /// Text in none of the formats of a file of markers.
    UnknownFormat,
}

impl MarkerError {
    fn new(kind: MarkerErrorKind) -> MarkerError {
        MarkerError { location: None, field: None, kind }
    }

    /// The error at `location`, unless it already has one (the innermost place is the most
    /// precise).
    fn at(mut self, location: Location) -> MarkerError {
        self.location.get_or_insert(location);
        self
    }

    fn in_field(mut self, field: &str) -> MarkerError {
        self.field.get_or_insert_with(|| field.to_owned());
        self
    }
}

impl fmt::Display for MarkerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(Location::DeployFlag(value)) => write!(f, "invalid --deploy {value:?}: ")?,
            Some(location) => write!(f, "{location}: ")?,
            None => {}
        }
        if let Some(field) = &self.field {
            write!(f, "field {field:?}: ")?;
        }
        write!(f, "{}", self.kind)
    }
}

impl std::error::Error for MarkerError {}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::DeployFlag(value) => write!(f, "--deploy {value:?}"),
            Location::Line { name, line } => write!(f, "{name}:{line}"),
            Location::File { name } => f.write_str(name),
            Location::Element { name, number } => write!(f, "{name}: array element {number}"),
            Location::Item { name, index } => write!(f, "{name}: items[{index}]"),
        }
    }
}

impl fmt::Display for MarkerErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use MarkerErrorKind as K;
        match self {
            K::Duration { flag, value } => {
                write!(
                    f,
                    "invalid {flag} value {value:?} (expected a duration like 30s, 15m or 1h)"
                )
            }
            K::Epoch(s) => write!(f, "invalid epoch time {s:?}"),
            K::NoZone(s) => write!(
                f,
                "time {s:?} has no time zone; add `Z` for UTC or an offset like `+02:00` \
                 (a deploy time read in the wrong zone would be tied to the wrong spikes)"
            ),
            K::Time(s) => write!(
                f,
                "invalid time {s:?} (expected RFC 3339 like 2026-11-20T12:00:01Z, or @EPOCH)"
            ),
            K::NotAPair(pair) => write!(f, "expected key=value, got {pair:?}"),
            K::UnknownKind(kind) => {
                write!(f, "unknown kind {kind:?} (deploy, rollback, restart, config, commit)")
            }
            K::UnknownKey(key) => write!(
                f,
                "unknown key {key:?} (expected at, end, version, service, env, kind, upstreams)"
            ),
            K::NoStart => f.write_str("no at=TIME"),
            K::AfterTime(rest) => write!(f, "unexpected {rest:?} after the time"),
            K::EndBeforeStart => f.write_str("the end is before the start"),
            K::ServiceMapSyntax(s) => write!(
                f,
                "invalid --service-map {s:?} (expected SERVICE=UPSTREAM[,UPSTREAM...], \
                 e.g. api=10.0.0.5:3000,10.0.0.6:3000)"
            ),
            K::ServiceMapEmpty(s) => write!(
                f,
                "invalid --service-map {s:?}: a service and at least one upstream are needed"
            ),
            K::Read(e) if e.kind() == std::io::ErrorKind::NotFound => {
                f.write_str("the file does not exist")
            }
            K::Read(e) => write!(f, "cannot read the file: {e}"),
            K::NotUtf8 { line, offset } => write!(
                f,
                "the file is not UTF-8 text (line {line} has a byte that is not UTF-8, at \
                 offset {offset})"
            ),
            K::Json(e) => write!(f, "invalid JSON: {e}"),
            K::NotAnObject => f.write_str("expected a JSON object"),
            K::NoTimeField => write!(f, "no time field (expected one of: {})", START.join(", ")),
            K::NoEventTime => f.write_str("no eventTime, lastTimestamp or firstTimestamp"),
            K::GitLine => f.write_str(
                "expected `<ISO time with zone> <hash> <subject>` as written by \
                 git log --format='%cI %h %s'",
            ),
            K::UnterminatedQuote => f.write_str("unterminated quote"),
            K::NoTimeColumn => write!(
                f,
                "the CSV header names no time column (expected one of: {})",
                START.join(", ")
            ),
            K::FieldCount { fields, header } => {
                write!(f, "{fields} fields, but the header has {header}")
            }
            K::UnknownFormat => f.write_str(
                "not a deploy marker format gatelog reads (JSON Lines, a JSON array, \
                 `kubectl get events -o json`, CSV with a header, or \
                 `git log --format='%cI %h %s'`)",
            ),
        }
    }
}

type Result<T> = std::result::Result<T, MarkerError>;

/// Parses a duration into seconds: a whole non-negative number with an optional unit `s`,
/// `m`, `h` or `d` (seconds when none), white space around it ignored: `5s`, `15m`, `1h`, `30`.
///
/// `flag` names the option the value was given to, for the message.
///
/// # Errors
///
/// [`MarkerErrorKind::Duration`] for anything else (`1 minute`, `-5s`, `1.5h`), and for a
/// duration of more seconds than an `i64` holds.
pub fn parse_duration(s: &str, flag: &str) -> Result<i64> {
    let t = s.trim();
    let (num, mult) = match t.as_bytes().last() {
        Some(b's') => (&t[..t.len() - 1], 1),
        Some(b'm') => (&t[..t.len() - 1], 60),
        Some(b'h') => (&t[..t.len() - 1], 3600),
        Some(b'd') => (&t[..t.len() - 1], 86_400),
        _ => (t, 1),
    };
    match num.parse::<i64>().ok().filter(|n| *n >= 0).and_then(|n| n.checked_mul(mult)) {
        Some(seconds) => Ok(seconds),
        None => Err(MarkerError::new(MarkerErrorKind::Duration {
            flag: flag.to_owned(),
            value: s.to_owned(),
        })),
    }
}

/// Parses a [time](self#times) into Unix seconds: RFC 3339 with a zone, or `@EPOCH` (seconds
/// or milliseconds), white space around it ignored.
///
/// # Errors
///
/// [`MarkerErrorKind::Epoch`] for `@` followed by anything but an integer,
/// [`MarkerErrorKind::NoZone`] for a date or date and time without a zone, and
/// [`MarkerErrorKind::Time`] for anything else.
pub fn parse_time(s: &str) -> Result<i64> {
    let t = s.trim();
    if let Some(epoch) = t.strip_prefix('@') {
        let n: i64 =
            epoch.parse().map_err(|_| MarkerError::new(MarkerErrorKind::Epoch(s.to_owned())))?;
        return Ok(epoch_seconds(n as f64));
    }
    if let Ok(ts) = t.parse::<jiff::Timestamp>() {
        return Ok(ts.as_second());
    }
    if t.parse::<jiff::civil::DateTime>().is_ok() || t.parse::<jiff::civil::Date>().is_ok() {
        return Err(MarkerError::new(MarkerErrorKind::NoZone(s.to_owned())));
    }
    Err(MarkerError::new(MarkerErrorKind::Time(s.to_owned())))
}

/// Epoch seconds or milliseconds (anything from 1e11 on, i.e. after 5138 in seconds, is
/// milliseconds) to seconds.
fn epoch_seconds(n: f64) -> i64 {
    if n.abs() >= 1e11 { (n / 1000.0).floor() as i64 } else { n.floor() as i64 }
}

/// Parses one `--deploy` value, in the compact or the long form (see the
/// [module docs](self#--deploy-values)); the marker's source is `--deploy`.
///
/// # Errors
///
/// An error at [`Location::DeployFlag`]: a time error of [`parse_time`], or
/// [`NotAPair`](MarkerErrorKind::NotAPair), [`UnknownKey`](MarkerErrorKind::UnknownKey),
/// [`UnknownKind`](MarkerErrorKind::UnknownKind), [`NoStart`](MarkerErrorKind::NoStart),
/// [`EndBeforeStart`](MarkerErrorKind::EndBeforeStart) or
/// [`AfterTime`](MarkerErrorKind::AfterTime).
pub fn parse_deploy_flag(s: &str) -> Result<Deploy> {
    deploy_flag(s).map_err(|e| e.at(Location::DeployFlag(s.to_owned())))
}

fn deploy_flag(s: &str) -> Result<Deploy> {
    let value = s.trim();
    if value.contains(',') || value.starts_with("at=") || value.starts_with("time=") {
        let mut d = Deploy { source: Some("--deploy".into()), ..Deploy::default() };
        let mut start = None;
        for pair in value.split(',') {
            let (k, v) = pair
                .split_once('=')
                .ok_or_else(|| MarkerError::new(MarkerErrorKind::NotAPair(pair.to_owned())))?;
            let v = v.trim();
            match k.trim() {
                "at" | "time" | "start" => start = Some(parse_time(v)?),
                "end" => d.end = Some(parse_time(v)?),
                "version" => d.version = Some(v.into()),
                "service" => d.service = Some(v.into()),
                "env" => d.env = Some(v.into()),
                "upstreams" => d.upstreams = split_names(v),
                "kind" => {
                    d.kind = Kind::from_name(v).ok_or_else(|| {
                        MarkerError::new(MarkerErrorKind::UnknownKind(v.to_owned()))
                    })?
                }
                other => {
                    return Err(MarkerError::new(MarkerErrorKind::UnknownKey(other.to_owned())));
                }
            }
        }
        d.start = start.ok_or_else(|| MarkerError::new(MarkerErrorKind::NoStart))?;
        return check_end(d);
    }
    // Compact form: TIME[=VERSION][@SERVICE]. An epoch time starts with '@' itself.
    let (time, rest) = if let Some(epoch) = value.strip_prefix('@') {
        let end = epoch.find(|c: char| !c.is_ascii_digit()).unwrap_or(epoch.len());
        (&value[..end + 1], &epoch[end..])
    } else {
        let end = value.find(['=', '@']).unwrap_or(value.len());
        (&value[..end], &value[end..])
    };
    let mut d =
        Deploy { start: parse_time(time)?, source: Some("--deploy".into()), ..Deploy::default() };
    let (version, service) = match rest.strip_prefix('=') {
        Some(r) => match r.rsplit_once('@') {
            Some((v, svc)) => (Some(v), Some(svc)),
            None => (Some(r), None),
        },
        None => (None, rest.strip_prefix('@')),
    };
    if !rest.is_empty() && !rest.starts_with(['=', '@']) {
        return Err(MarkerError::new(MarkerErrorKind::AfterTime(rest.to_owned())));
    }
    d.version = version.filter(|v| !v.is_empty()).map(Into::into);
    d.service = service.filter(|v| !v.is_empty()).map(Into::into);
    Ok(d)
}

fn check_end(d: Deploy) -> Result<Deploy> {
    if d.end.is_some_and(|e| e < d.start) {
        return Err(MarkerError::new(MarkerErrorKind::EndBeforeStart));
    }
    Ok(d)
}

fn split_names(v: &str) -> Vec<String> {
    v.split([';', ' ', ',']).map(str::trim).filter(|s| !s.is_empty()).map(Into::into).collect()
}

/// Adds one `--service-map` value, `SERVICE=UPSTREAM[,UPSTREAM...]`, to `map` (white space
/// around names and empty names ignored).
///
/// # Errors
///
/// [`MarkerErrorKind::ServiceMapSyntax`] without `=`, [`MarkerErrorKind::ServiceMapEmpty`]
/// when the service or every upstream is empty; `map` is then unchanged.
pub fn parse_service_map(map: &mut ServiceMap, s: &str) -> Result<()> {
    let (service, ups) = s
        .split_once('=')
        .ok_or_else(|| MarkerError::new(MarkerErrorKind::ServiceMapSyntax(s.to_owned())))?;
    let ups: Vec<Vec<u8>> = ups
        .split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(|u| u.as_bytes().to_vec())
        .collect();
    if service.trim().is_empty() || ups.is_empty() {
        return Err(MarkerError::new(MarkerErrorKind::ServiceMapEmpty(s.to_owned())));
    }
    map.insert(service.trim(), ups);
    Ok(())
}

/// Reads the file of markers at `path` (whole, into memory) and parses it with
/// [`parse_deploys`], naming it in errors and sources as `path.display()` shows it. `-` is a
/// file like any other: a caller that means standard input reads it and calls
/// [`parse_deploys`].
///
/// # Errors
///
/// At [`Location::File`]: [`MarkerErrorKind::Read`] when the file cannot be opened or read,
/// [`MarkerErrorKind::NotUtf8`] when its content is not UTF-8; and the errors of
/// [`parse_deploys`].
pub fn read_deploys_file(path: &Path) -> Result<Vec<Deploy>> {
    let name = path.display().to_string();
    let at = |kind| MarkerError::new(kind).at(Location::File { name: name.clone() });
    let bytes = std::fs::read(path).map_err(|e| at(MarkerErrorKind::Read(e)))?;
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        let offset = e.valid_up_to();
        let line = 1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count();
        at(MarkerErrorKind::NotUtf8 { line, offset })
    })?;
    parse_deploys(text, &name)
}

/// Parses the text of a file of markers in any of the [formats](self#files-of-markers), sorted
/// by start. `name` names the file in errors and is the source of markers that give none.
///
/// Text with nothing but blank and comment lines holds no markers.
///
/// # Errors
///
/// The first problem found, at its line, array element or `items` index:
/// [`UnknownFormat`](MarkerErrorKind::UnknownFormat) at line 1 when the text is in none of
/// the formats, [`Json`](MarkerErrorKind::Json) for invalid JSON, a time error of
/// [`parse_time`] in a field, and the other kinds for what the format requires. The line of
/// invalid JSON in a JSON array is counted from the array's first line.
pub fn parse_deploys(text: &str, name: &str) -> Result<Vec<Deploy>> {
    let text = text.trim_start_matches('\u{feff}');
    // Detection looks past blank and comment lines.
    let first = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with("//"));
    let trimmed = first.map_or("", |f| &text[text.find(f).unwrap_or(0)..]);
    let mut out = if trimmed.starts_with('[') {
        json_array(trimmed, name)?
    } else if trimmed.starts_with('{') {
        json_object(text, trimmed, name)?
    } else if is_git_log(trimmed) {
        git_log(text, name)?
    } else if trimmed.lines().next().is_some_and(|l| l.contains(',')) {
        csv(text, name)?
    } else if trimmed.is_empty() {
        Vec::new()
    } else {
        return Err(MarkerError::new(MarkerErrorKind::UnknownFormat)
            .at(Location::Line { name: name.to_owned(), line: 1 }));
    };
    for d in &mut out {
        if d.source.is_none() {
            d.source = Some(name.to_owned());
        }
    }
    out.sort_by_key(|d| d.start);
    Ok(out)
}

/// A JSON array of marker objects; `trimmed` starts at the `[`.
fn json_array(trimmed: &str, name: &str) -> Result<Vec<Deploy>> {
    let v: Value = serde_json::from_str(trimmed).map_err(|e| {
        let line = e.line();
        MarkerError::new(MarkerErrorKind::Json(e))
            .at(Location::Line { name: name.to_owned(), line })
    })?;
    let items = v.as_array().map(|a| a.to_vec()).unwrap_or_default();
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = || Location::Element { name: name.to_owned(), number: i + 1 };
        out.extend(from_json(item).map_err(|e| e.at(at()))?);
    }
    Ok(out)
}

/// Text whose first line starts with `{`: kubectl events, an object with `items`, one object
/// over several lines, or JSON Lines. `trimmed` starts at the `{`.
fn json_object(text: &str, trimmed: &str, name: &str) -> Result<Vec<Deploy>> {
    match serde_json::from_str::<Value>(trimmed) {
        Ok(v) if is_event_list(&v) => kube_events(&v, name),
        Ok(v) if v.get("items").is_some_and(Value::is_array) => {
            let mut out = Vec::new();
            for (i, item) in v["items"].as_array().into_iter().flatten().enumerate() {
                let at = || Location::Item { name: name.to_owned(), index: i };
                out.extend(from_json(item).map_err(|e| e.at(at()))?);
            }
            Ok(out)
        }
        // One object over several lines (an Argo CD Application).
        Ok(v) if trimmed.trim_end().contains('\n') => {
            from_json(&v).map_err(|e| e.at(Location::File { name: name.to_owned() }))
        }
        _ => json_lines(text, name),
    }
}

fn json_lines(text: &str, name: &str) -> Result<Vec<Deploy>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        let at = || Location::Line { name: name.to_owned(), line: i + 1 };
        let v: Value = serde_json::from_str(line)
            .map_err(|e| MarkerError::new(MarkerErrorKind::Json(e)).at(at()))?;
        out.extend(from_json(&v).map_err(|e| e.at(at()))?);
    }
    Ok(out)
}

/// The fields of a marker's start, in the order they are tried.
const START: &[&str] = &[
    "time",
    "start_time",
    "date_happened",
    "dateStarted",
    "deployStartedAt",
    "startedAt",
    "created_at",
    "@timestamp",
    "timestamp",
    "at",
    "start",
    "date",
];
const END: &[&str] = &["end", "timeEnd", "end_time", "dateFinished", "deployedAt", "finishedAt"];
const VERSION: &[&str] = &["version", "revision", "release", "sha", "ref"];
const SERVICE: &[&str] = &["service", "app", "application"];
const ENV: &[&str] = &["env", "environment"];
const KIND_WORDS: &[&str] =
    &["deploy", "deployment", "release", "rollback", "restart", "config", "annotation"];

/// The marker(s) of one JSON object.
fn from_json(v: &Value) -> Result<Vec<Deploy>> {
    let obj = v.as_object().ok_or_else(|| MarkerError::new(MarkerErrorKind::NotAnObject))?;
    // Argo CD Application: one marker per history entry.
    if let Some(history) = v.pointer("/status/history").and_then(Value::as_array) {
        let service = v.pointer("/metadata/name").and_then(Value::as_str);
        let mut out = Vec::new();
        for h in history {
            let mut d = from_json(h)?;
            for m in &mut d {
                if m.service.is_none() {
                    m.service = service.map(Into::into);
                }
            }
            out.extend(d);
        }
        return Ok(out);
    }
    let time_of = |keys: &[&str]| -> Result<Option<i64>> {
        for k in keys {
            match obj.get(*k) {
                Some(Value::String(s)) if !s.is_empty() => {
                    return parse_time(s).map(Some).map_err(|e| e.in_field(k));
                }
                Some(Value::Number(n)) => {
                    let x = n.as_f64().unwrap_or(0.0);
                    return Ok(Some(epoch_seconds(x)));
                }
                _ => {}
            }
        }
        Ok(None)
    };
    let str_of = |keys: &[&str]| -> Option<String> {
        keys.iter().find_map(|k| match obj.get(*k) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        })
    };
    let start = time_of(START)?;
    let end = time_of(END)?;
    let Some(start) = start.or(end) else {
        return Err(MarkerError::new(MarkerErrorKind::NoTimeField));
    };
    let mut d = Deploy {
        start,
        end: end.filter(|e| *e != start),
        version: str_of(VERSION),
        service: str_of(SERVICE),
        env: str_of(ENV),
        source: str_of(&["source"]),
        ..Deploy::default()
    };
    if let Some(k) = str_of(&["kind", "type"]) {
        d.kind = Kind::from_name(&k).unwrap_or_default();
    }
    if let Some(ups) = obj.get("upstreams") {
        d.upstreams = match ups {
            Value::Array(a) => a.iter().filter_map(Value::as_str).map(Into::into).collect(),
            Value::String(s) => split_names(s),
            _ => Vec::new(),
        };
    }
    let tags: Vec<&str> = match obj.get("tags") {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        Some(Value::String(s)) => s.split(',').map(str::trim).collect(),
        _ => Vec::new(),
    };
    for tag in tags {
        match tag.split_once(':') {
            Some(("service", s)) if d.service.is_none() => d.service = Some(s.into()),
            Some(("version", s)) if d.version.is_none() => d.version = Some(s.into()),
            Some(("env", s)) if d.env.is_none() => d.env = Some(s.into()),
            Some(_) => {}
            None if looks_like_version(tag) => {
                d.version.get_or_insert_with(|| tag.into());
            }
            None if !KIND_WORDS.contains(&tag.to_ascii_lowercase().as_str()) => {
                d.service.get_or_insert_with(|| tag.into());
            }
            None => {}
        }
    }
    Ok(vec![check_end(d)?])
}

fn looks_like_version(s: &str) -> bool {
    let rest = s.strip_prefix(['v', 'V']).unwrap_or(s);
    rest.starts_with(|c: char| c.is_ascii_digit()) && rest.contains('.')
}

fn is_event_list(v: &Value) -> bool {
    v.get("kind").and_then(Value::as_str) == Some("EventList")
        || v.get("items").and_then(Value::as_array).is_some_and(|items| {
            items
                .first()
                .is_some_and(|i| i.get("involvedObject").is_some() && i.get("reason").is_some())
        })
}

/// `kubectl get events -o json`: rollouts grouped, restarts as their own markers.
fn kube_events(v: &Value, name: &str) -> Result<Vec<Deploy>> {
    // (deployment) -> [(time, scaled-up replica set hash)]
    let mut rollouts: BTreeMap<String, Vec<(i64, Option<String>)>> = BTreeMap::new();
    let mut restarts: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for (i, e) in v["items"].as_array().into_iter().flatten().enumerate() {
        let at = || Location::Item { name: name.to_owned(), index: i };
        let kind = e.pointer("/involvedObject/kind").and_then(Value::as_str).unwrap_or("");
        let reason = e.get("reason").and_then(Value::as_str).unwrap_or("");
        let obj = e.pointer("/involvedObject/name").and_then(Value::as_str).unwrap_or("");
        let time = ["eventTime", "lastTimestamp", "firstTimestamp"]
            .iter()
            .find_map(|k| e.get(*k).and_then(Value::as_str).filter(|s| !s.is_empty()));
        let wanted = matches!(
            (kind, reason),
            ("Deployment", "ScalingReplicaSet")
                | ("Pod", "Killing" | "BackOff")
                | ("Node", "OOMKilling")
        );
        if !wanted {
            continue;
        }
        let time = time.ok_or_else(|| MarkerError::new(MarkerErrorKind::NoEventTime).at(at()))?;
        let t = parse_time(time).map_err(|e| e.at(at()))?;
        if reason == "ScalingReplicaSet" {
            let msg = e.get("message").and_then(Value::as_str).unwrap_or("");
            // "Scaled up replica set api-7d9f8c6b5 to 3"
            let hash = msg
                .strip_prefix("Scaled up replica set ")
                .and_then(|r| r.split_whitespace().next())
                .and_then(|rs| rs.strip_prefix(obj).and_then(|h| h.strip_prefix('-')))
                .map(str::to_owned);
            rollouts.entry(obj.to_owned()).or_default().push((t, hash));
        } else {
            let service = if kind == "Pod" { pod_service(obj) } else { obj.to_owned() };
            restarts.entry(service).or_default().push(t);
        }
    }
    let mut out = Vec::new();
    for (service, mut evs) in rollouts {
        evs.sort();
        let mut group: Vec<(i64, Option<String>)> = Vec::new();
        for ev in evs {
            if group.last().is_some_and(|l| ev.0 - l.0 > 300) {
                out.push(rollout(&service, &group));
                group.clear();
            }
            group.push(ev);
        }
        if !group.is_empty() {
            out.push(rollout(&service, &group));
        }
    }
    for (service, mut ts) in restarts {
        ts.sort_unstable();
        let mut start: Option<(i64, i64)> = None;
        for t in ts {
            match start {
                Some((s, e)) if t - e <= 60 => start = Some((s, t)),
                Some((s, e)) => {
                    out.push(restart_marker(&service, s, e));
                    start = Some((t, t));
                }
                None => start = Some((t, t)),
            }
        }
        if let Some((s, e)) = start {
            out.push(restart_marker(&service, s, e));
        }
    }
    Ok(out)
}

fn rollout(service: &str, group: &[(i64, Option<String>)]) -> Deploy {
    let first = group.first().map_or(0, |g| g.0);
    let last = group.last().map_or(first, |g| g.0);
    Deploy {
        start: first,
        end: (last > first).then_some(last),
        version: group.iter().rev().find_map(|g| g.1.clone()),
        service: Some(service.into()),
        source: Some("kubectl".into()),
        ..Deploy::default()
    }
}

fn restart_marker(service: &str, s: i64, e: i64) -> Deploy {
    Deploy {
        start: s,
        end: (e > s).then_some(e),
        service: Some(service.into()),
        kind: Kind::Restart,
        source: Some("kubectl".into()),
        ..Deploy::default()
    }
}

/// `api-7d9f8c6b5-x2x9z` -> `api`: a Deployment's pod name without the ReplicaSet hash and
/// the pod suffix.
fn pod_service(pod: &str) -> String {
    let parts: Vec<&str> = pod.split('-').collect();
    if parts.len() >= 3 { parts[..parts.len() - 2].join("-") } else { pod.to_owned() }
}

fn is_git_log(text: &str) -> bool {
    text.lines().find(|l| !l.trim().is_empty()).is_some_and(|l| git_line(l).is_some())
}

/// `<RFC 3339> <hash> <subject>`.
fn git_line(line: &str) -> Option<(i64, &str)> {
    let mut parts = line.trim().splitn(3, char::is_whitespace);
    let time = parts.next()?;
    let hash = parts.next()?;
    if hash.len() < 4 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let t = time.parse::<jiff::Timestamp>().ok()?;
    Some((t.as_second(), hash))
}

fn git_log(text: &str, name: &str) -> Result<Vec<Deploy>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let (start, hash) = git_line(line).ok_or_else(|| {
            MarkerError::new(MarkerErrorKind::GitLine)
                .at(Location::Line { name: name.to_owned(), line: i + 1 })
        })?;
        out.push(Deploy {
            start,
            version: Some(hash.into()),
            kind: Kind::Commit,
            source: Some("git".into()),
            ..Deploy::default()
        });
    }
    Ok(out)
}

/// Splits one CSV record (RFC 4180 quoting, no embedded line breaks).
fn csv_fields(line: &str) -> Result<Vec<String>> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (false, '"') if cur.is_empty() => quoted = true,
            (false, ',') => fields.push(std::mem::take(&mut cur)),
            (_, c) => cur.push(c),
        }
    }
    if quoted {
        return Err(MarkerError::new(MarkerErrorKind::UnterminatedQuote));
    }
    fields.push(cur);
    Ok(fields)
}

fn csv(text: &str, name: &str) -> Result<Vec<Deploy>> {
    let line_at = |i: usize| Location::Line { name: name.to_owned(), line: i + 1 };
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let Some((hi, header)) = lines.next() else { return Ok(Vec::new()) };
    let header: Vec<String> = csv_fields(header.trim_start_matches('\u{feff}'))
        .map_err(|e| e.at(line_at(hi)))?
        .into_iter()
        .map(|h| h.trim().to_owned())
        .collect();
    if !header.iter().any(|h| START.contains(&h.as_str()) || END.contains(&h.as_str())) {
        return Err(MarkerError::new(MarkerErrorKind::NoTimeColumn).at(line_at(hi)));
    }
    let mut out = Vec::new();
    for (i, line) in lines {
        let fields = csv_fields(line).map_err(|e| e.at(line_at(i)))?;
        if fields.len() != header.len() {
            let kind = MarkerErrorKind::FieldCount { fields: fields.len(), header: header.len() };
            return Err(MarkerError::new(kind).at(line_at(i)));
        }
        let mut obj = serde_json::Map::new();
        for (h, f) in header.iter().zip(fields) {
            let f = f.trim().to_owned();
            if f.is_empty() {
                continue;
            }
            // Epoch numbers stay numbers; everything else is text.
            let v = match f.parse::<i64>() {
                Ok(n) if START.contains(&h.as_str()) || END.contains(&h.as_str()) => Value::from(n),
                _ => Value::from(f),
            };
            obj.insert(h.clone(), v);
        }
        out.extend(from_json(&Value::Object(obj)).map_err(|e| e.at(line_at(i)))?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests;

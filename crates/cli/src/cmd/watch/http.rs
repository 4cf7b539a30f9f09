//! The HTTP side of `gatelog watch`: `/metrics`, `/healthz`, `/spikes`.
//!
//! One thread takes requests off the server ([`tiny_http`] reads each connection on a thread
//! of its own, so a client that sends half a request holds only that thread), and each request
//! is answered on a thread of its own: a client that never reads its answer blocks only its
//! thread, never the reading of the logs nor the other scrapers. At most [`IN_FLIGHT`]
//! answers are under way; past that, a request is dropped (its connection closed). What an
//! answer needs is copied out of the shared state first (the metrics encoded into a buffer,
//! the health and spikes cloned), so no lock is held while a client is written to.

use std::io::Cursor;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use prometheus_client::encoding::text::encode;
use tiny_http::{Header, Method, Request, Response, Server};

use super::metrics::Metrics;

/// Answers written at once, at most.
pub const IN_FLIGHT: usize = 64;

/// What the answers read, shared with the reading and detecting threads.
pub struct Shared {
    /// The metrics.
    pub metrics: Arc<Metrics>,
    /// The inputs missing or unreadable now, with why: `/healthz` is 503 unless it is empty.
    pub unhealthy: Mutex<Vec<(String, String)>>,
    /// The body of `/spikes`, rendered by the detector thread.
    pub spikes: Mutex<Arc<String>>,
}

/// The OpenMetrics content type.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// The Prometheus text format's content type.
const TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Serves requests until the process ends.
pub fn serve(server: Server, shared: Arc<Shared>) {
    let busy = Arc::new(AtomicUsize::new(0));
    for request in server.incoming_requests() {
        if busy.fetch_add(1, Ordering::SeqCst) >= IN_FLIGHT {
            busy.fetch_sub(1, Ordering::SeqCst);
            drop(request);
            continue;
        }
        let shared = shared.clone();
        let done = busy.clone();
        let spawned = std::thread::Builder::new().name("gatelog-answer".into()).spawn(move || {
            answer(request, &shared);
            done.fetch_sub(1, Ordering::SeqCst);
        });
        if spawned.is_err() {
            busy.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("a valid header")
}

fn answer(request: Request, shared: &Shared) {
    let head = *request.method() == Method::Head;
    if !head && *request.method() != Method::Get {
        let r = Response::from_string("only GET and HEAD\n")
            .with_status_code(405)
            .with_header(header("Allow", "GET, HEAD"));
        let _ = request.respond(r);
        return;
    }
    let path = request.url().split('?').next().unwrap_or("");
    let (status, kind, body) = match path {
        "/metrics" => {
            let open = request
                .headers()
                .iter()
                .any(|h| h.field.equiv("Accept") && wants_openmetrics(h.value.as_str()));
            let mut text = String::with_capacity(64 * 1024);
            if encode(&mut text, &shared.metrics.registry).is_err() {
                (500, "text/plain; charset=utf-8", "encoding the metrics failed\n".to_owned())
            } else if open {
                (200, OPENMETRICS, text)
            } else {
                (200, TEXT, to_text_format(&text))
            }
        }
        "/healthz" => {
            let bad = shared.unhealthy.lock().unwrap_or_else(|e| e.into_inner()).clone();
            if bad.is_empty() {
                (200, "text/plain; charset=utf-8", "ok\n".to_owned())
            } else {
                let mut body = String::new();
                for (input, why) in bad {
                    body.push_str(&format!("{input}: {why}\n"));
                }
                (503, "text/plain; charset=utf-8", body)
            }
        }
        "/spikes" => {
            let body = shared.spikes.lock().unwrap_or_else(|e| e.into_inner()).clone();
            (200, "application/json", body.as_str().to_owned())
        }
        "/" => (
            200,
            "text/plain; charset=utf-8",
            "gatelog watch: /metrics, /healthz, /spikes\n".to_owned(),
        ),
        _ => (
            404,
            "text/plain; charset=utf-8",
            "not found: try /metrics, /healthz, /spikes\n".to_owned(),
        ),
    };
    let len = body.len();
    let data = if head { Vec::new() } else { body.into_bytes() };
    let r = Response::new(
        status.into(),
        vec![header("Content-Type", kind)],
        Cursor::new(data),
        Some(len),
        None,
    )
    // The length is known: say it, rather than cutting the body into chunks.
    .with_chunked_threshold(usize::MAX);
    let _ = request.respond(r);
}

/// Whether an `Accept` header asks for OpenMetrics (with a non-zero quality), as Prometheus
/// does when it prefers it.
pub fn wants_openmetrics(accept: &str) -> bool {
    accept.split(',').any(|part| {
        let mut params = part.split(';').map(str::trim);
        let media = params.next().unwrap_or("");
        let q = params
            .filter_map(|p| p.strip_prefix("q="))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        media.eq_ignore_ascii_case("application/openmetrics-text") && q > 0.0
    })
}

/// The Prometheus text format (version 0.0.4) of an OpenMetrics exposition: counters' `HELP`
/// and `TYPE` lines name the metric with its `_total` suffix, as its samples do; `UNIT` lines,
/// `_created` samples and the `# EOF` marker, which that format does not have, are left out;
/// `unknown` is `untyped` there.
pub fn to_text_format(open: &str) -> String {
    let mut out = String::with_capacity(open.len());
    let mut help: Option<&str> = None;
    let mut counters: Vec<&str> = Vec::new();
    for line in open.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            help = Some(rest);
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap_or((rest, "untyped"));
            let (name_out, kind) = match kind {
                "counter" => {
                    counters.push(name);
                    (format!("{name}_total"), "counter")
                }
                "unknown" => (name.to_owned(), "untyped"),
                k => (name.to_owned(), k),
            };
            if let Some(h) = help.take() {
                let text = h.split_once(' ').map_or("", |x| x.1);
                out.push_str(&format!("# HELP {name_out} {text}\n"));
            }
            out.push_str(&format!("# TYPE {name_out} {kind}\n"));
            continue;
        }
        if line.starts_with("# UNIT ") || line == "# EOF" {
            continue;
        }
        let name = line.split(['{', ' ']).next().unwrap_or("");
        if name.ends_with("_created") && counters.iter().any(|c| name == format!("{c}_created")) {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_headers_choose_the_format() {
        let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert!(wants_openmetrics(prometheus));
        assert!(!wants_openmetrics("text/plain;version=0.0.4"));
        assert!(!wants_openmetrics("*/*"));
        assert!(!wants_openmetrics("application/openmetrics-text; q=0"));
    }

    #[test]
    fn openmetrics_becomes_the_text_format() {
        let open = "# HELP a_events Events read.\n# TYPE a_events counter\na_events_total{class=\"x\"} 3\na_events_created 1.0\n# HELP g A gauge.\n# TYPE g gauge\n# UNIT g seconds\ng 1\n# EOF\n";
        assert_eq!(
            to_text_format(open),
            "# HELP a_events_total Events read.\n# TYPE a_events_total counter\na_events_total{class=\"x\"} 3\n# HELP g A gauge.\n# TYPE g gauge\ng 1\n"
        );
    }
}

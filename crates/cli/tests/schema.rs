//! The JSON and CSV outputs against their documentation: the docs of each writer are the
//! schema, so the keys and columns a run writes must be the ones the docs list.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_gatelog");

const JSON_DOCS: &str = include_str!("../src/report/json.rs");
const CSV_DOCS: &str = include_str!("../src/report/csv.rs");
const TIMELINE_DOCS: &str = include_str!("../src/report/timeline.rs");
const SPIKES_DOCS: &str = include_str!("../src/report/spikes.rs");

fn sample() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/nginx-error/sample.log")
        .display()
        .to_string()
}

fn gatelog(args: &[&str]) -> String {
    let out = Command::new(BIN).args(args).arg("-q").arg(sample()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The module docs (`//!` lines) of a source file, without the prefix.
fn module_docs(src: &str) -> Vec<&str> {
    src.lines()
        .map_while(|l| l.strip_prefix("//!"))
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect()
}

/// The first ```text block after the heading `heading` in the module docs.
fn text_block(src: &str, heading: &str) -> String {
    let docs = module_docs(src);
    let at = docs.iter().position(|l| *l == heading).unwrap_or_else(|| panic!("no {heading}"));
    let open = at + docs[at..].iter().position(|l| *l == "```text").expect("no text block");
    let close = open + 1 + docs[open + 1..].iter().position(|l| *l == "```").unwrap();
    docs[open + 1..close]
        .iter()
        .map(|l| l.split(" //").next().unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The keys of each object in a documented JSON shape, by path: the keys of the enclosing
/// objects under which the object sits (`[]` for the top level). A key is a string that opens
/// an object or follows a comma in one (`{"a": N, "b"}`: the docs may leave values out).
fn doc_keys(block: &str) -> BTreeMap<Vec<String>, BTreeSet<String>> {
    let mut out: BTreeMap<Vec<String>, BTreeSet<String>> = BTreeMap::new();
    // One entry per open bracket: for objects, the last key seen in it.
    let mut stack: Vec<Option<String>> = Vec::new();
    let mut objects: Vec<bool> = Vec::new();
    let chars: Vec<char> = block.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '{' | '[' => {
                objects.push(chars[i] == '{');
                stack.push(None);
            }
            '}' | ']' => {
                objects.pop();
                stack.pop();
            }
            '"' => {
                let end = i + 1 + chars[i + 1..].iter().position(|&c| c == '"').unwrap();
                let s: String = chars[i + 1..end].iter().collect();
                let before = chars[..i].iter().rev().find(|c| !c.is_whitespace());
                if matches!(before, Some('{' | ',')) && objects.last() == Some(&true) {
                    let path: Vec<String> = stack[..stack.len() - 1]
                        .iter()
                        .zip(&objects)
                        .filter(|(_, o)| **o)
                        .filter_map(|(k, _)| k.clone())
                        .collect();
                    out.entry(path).or_default().insert(s.clone());
                    *stack.last_mut().unwrap() = Some(s);
                }
                i = end;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().expect("an object").keys().cloned().collect()
}

/// Checks the top-level keys of `json` and those of the first object under each top-level
/// key against the documented shape.
fn check_json(name: &str, json: &str, block: &str) {
    let doc = doc_keys(block);
    let v: Value = serde_json::from_str(json).unwrap();
    assert_eq!(keys(&v), doc[&vec![]], "{name}: top-level keys");
    assert_eq!(v["schema_version"], 1, "{name}: schema_version");
    let mut checked = 0;
    for (path, want) in doc.iter().filter(|(p, _)| p.len() == 1) {
        let first = match &v[&path[0]] {
            Value::Array(a) => a.first(),
            o @ Value::Object(_) => Some(o),
            _ => None,
        };
        if let Some(obj) = first.filter(|o| o.is_object()) {
            assert_eq!(&keys(obj), want, "{name}: keys of {}", path[0]);
            checked += 1;
        }
    }
    assert!(checked > 0, "{name}: no nested object was compared");
}

#[test]
fn summary_json_has_the_documented_keys() {
    let block = text_block(JSON_DOCS, "# `gatelog summary --output json`");
    check_json("summary", &gatelog(&["summary", "-o", "json"]), &block);
}

#[test]
fn timeline_json_has_the_documented_keys() {
    let block = text_block(TIMELINE_DOCS, "# `gatelog timeline --output json`");
    check_json("timeline", &gatelog(&["timeline", "-o", "json", "--bucket", "5s"]), &block);
}

#[test]
fn spikes_json_has_the_documented_keys() {
    let block = text_block(SPIKES_DOCS, "# `gatelog spikes --output json`");
    let json = gatelog(&[
        "spikes",
        "-o",
        "json",
        "--min-errors",
        "3",
        "--deploy",
        "2024-03-14T09:26:50Z=v42",
    ]);
    let v: Value = serde_json::from_str(&json).unwrap();
    assert!(!v["spikes"].as_array().unwrap().is_empty(), "the sample has a spike");
    check_json("spikes", &json, &block);
}

#[test]
fn events_have_the_documented_keys() {
    // The keys of the table rows: | `source` | ... and | `client`, `server`, ... |.
    let mut documented = BTreeSet::new();
    for l in module_docs(JSON_DOCS) {
        let Some(cell) = l.strip_prefix("| `").and_then(|c| c.split(" |").next()) else {
            continue;
        };
        for k in format!("`{cell}").split(", ") {
            documented.insert(k.trim_matches('`').to_owned());
        }
    }
    let out = gatelog(&["events", "--raw"]);
    let mut seen = BTreeSet::new();
    for line in out.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let k = keys(&v);
        assert!(k.is_subset(&documented), "undocumented keys in {line}");
        seen.extend(k);
    }
    assert_eq!(seen, documented, "documented keys never written");
}

/// The header of a CSV output, which the writer's docs must give verbatim in backquotes.
fn check_csv_header(name: &str, csv: &str, docs: &str) {
    let header = csv.lines().next().unwrap();
    let quoted = format!("`{header}`");
    assert!(
        module_docs(docs).join(" ").contains(&quoted),
        "{name}: the header {header} is not in the docs"
    );
    let n = header.split(',').count();
    for row in csv.lines().skip(1) {
        // The sample has no comma or quote in its names: no quoted fields.
        assert_eq!(row.split(',').count(), n, "{name}: {row}");
    }
}

#[test]
fn csv_headers_are_the_documented_columns() {
    check_csv_header("summary", &gatelog(&["summary", "-o", "csv"]), CSV_DOCS);
    check_csv_header(
        "timeline",
        &gatelog(&["timeline", "-o", "csv", "--bucket", "5s"]),
        TIMELINE_DOCS,
    );
    let spikes = gatelog(&["spikes", "-o", "csv", "--min-errors", "3"]);
    assert!(spikes.lines().count() > 1, "the sample has a spike");
    check_csv_header("spikes", &spikes, SPIKES_DOCS);
}

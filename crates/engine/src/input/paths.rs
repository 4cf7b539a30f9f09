//! From the paths on the command line to the list of files to read.
//!
//! - A file is read as given; `-` is standard input.
//! - A directory is walked recursively (symbolic links to directories are not followed, so a
//!   link loop cannot trap the walk); `--glob` keeps only the files whose name matches.
//! - A path that does not exist but contains glob characters (`*`, `?`, `[`, `{`) is expanded
//!   here, for patterns the shell did not expand (quoted, or too many files for the command
//!   line).
//!
//! Files found in a directory or by a pattern are sorted so that each rotated set is read in
//! time order: `error.log-20240301.gz` (dated, oldest date first), then `error.log.3.gz`,
//! `error.log.2`, `error.log.1` (numbered, highest first), then the live `error.log`. The
//! compression suffix (`.gz`, `.zst`, `.bz2`, ...) is ignored for this. Files named one after
//! another on the command line that belong to the same set are put in that order too (a
//! shell's `error.log*` lists the live file first); other files keep the order given.

use crate::logparse;
use std::cmp::Reverse;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};

use crate::Problem;
use crate::input::Input;

/// The `--glob` filter: matched against a file's name, or against its path below the walked
/// directory when the pattern contains a `/`.
#[derive(Clone, Debug)]
pub struct NameFilter {
    matcher: GlobMatcher,
    whole_path: bool,
}

impl NameFilter {
    /// Compiles `pattern` (`*` and `?` do not match `/`; `**` does).
    ///
    /// # Errors
    ///
    /// The pattern's syntax error (an unclosed `[` or `{`, say).
    pub fn new(pattern: &str) -> Result<NameFilter, globset::Error> {
        let matcher = glob(pattern)?;
        Ok(NameFilter { matcher, whole_path: pattern.contains('/') })
    }

    /// Whether a file with this `name`, at `relative` below the walked directory, is kept.
    pub fn matches(&self, name: &Path, relative: &Path) -> bool {
        self.matcher.is_match(if self.whole_path { relative } else { name })
    }
}

fn glob(pattern: &str) -> Result<GlobMatcher, globset::Error> {
    Ok(GlobBuilder::new(pattern).literal_separator(true).build()?.compile_matcher())
}

/// Expands the inputs as given into the files to read, in reading order. Problems (a directory
/// that cannot be read, a pattern that matches nothing) go to `report`, and the rest goes on.
pub fn expand(
    given: &[Input],
    filter: Option<&NameFilter>,
    report: &mut dyn FnMut(Problem),
) -> Vec<Input> {
    let mut out: Vec<Input> = Vec::new();
    // The start of the current run of command-line files, for ordering rotated sets.
    let mut run_start = 0;
    for input in given {
        let Some(path) = &input.path else {
            out.push(input.clone());
            run_start = out.len();
            continue;
        };
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => {
                let mut files = Vec::new();
                walk(
                    path,
                    Path::new(""),
                    usize::MAX,
                    &mut |rel, full| {
                        let name = Path::new(rel.file_name().unwrap_or_default());
                        if filter.is_none_or(|f| f.matches(name, rel)) {
                            files.push(full);
                        }
                    },
                    report,
                );
                if files.is_empty() {
                    let why = if filter.is_some() { " matching --glob" } else { "" };
                    report(Problem::new(&input.name, format!("no file{why} in this directory")));
                }
                push_sorted(&mut out, files);
                run_start = out.len();
            }
            Err(_) if has_glob_chars(path.as_os_str()) => {
                let files = expand_pattern(path, &input.name, report);
                if files.is_empty() {
                    report(Problem::new(&input.name, "no file matches this pattern"));
                }
                push_sorted(&mut out, files);
                run_start = out.len();
            }
            _ => {
                // A file (or something `open` will report): part of the current run.
                let same_set = out[run_start..]
                    .iter()
                    .all(|o| o.path.as_deref().map(set_of) == Some(set_of(path)));
                if !same_set {
                    run_start = out.len();
                }
                out.push(input.clone());
                out[run_start..].sort_by_cached_key(|i| {
                    rotation_key(i.path.as_deref().unwrap_or(Path::new("")))
                });
            }
        }
    }
    out
}

fn push_sorted(out: &mut Vec<Input>, mut files: Vec<PathBuf>) {
    files.sort_by_cached_key(|p| rotation_key(p));
    out.extend(files.into_iter().map(|p| {
        let name = logparse::text(p.as_os_str().as_encoded_bytes()).to_string();
        Input { path: Some(p), name }
    }));
}

/// Calls `found(relative, full)` for every file below `dir`, at most `depth` levels down.
fn walk(
    dir: &Path,
    rel: &Path,
    depth: usize,
    found: &mut dyn FnMut(&Path, PathBuf),
    report: &mut dyn FnMut(Problem),
) {
    let here = dir.join(rel);
    let entries = match std::fs::read_dir(&here) {
        Ok(e) => e,
        Err(e) => {
            report(Problem::new(
                here.display().to_string(),
                format!("cannot read this directory: {e}"),
            ));
            return;
        }
    };
    for entry in entries.flatten() {
        let rel = rel.join(entry.file_name());
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() {
            if depth > 1 {
                walk(dir, &rel, depth - 1, found, report);
            }
        } else if kind.is_file() || (kind.is_symlink() && entry.path().is_file()) {
            found(&rel, entry.path());
        }
    }
}

fn has_glob_chars(s: &OsStr) -> bool {
    s.as_encoded_bytes().iter().any(|b| matches!(b, b'*' | b'?' | b'[' | b'{'))
}

/// The files matching a pattern: the directory before the first component with glob
/// characters is walked, as deep as the pattern goes (any depth with `**`).
fn expand_pattern(pattern: &Path, shown: &str, report: &mut dyn FnMut(Problem)) -> Vec<PathBuf> {
    let Some(text) = pattern.to_str() else {
        report(Problem::new(shown, "a glob pattern must be valid UTF-8"));
        return Vec::new();
    };
    let matcher = match glob(text) {
        Ok(m) => m,
        Err(e) => {
            report(Problem::new(shown, format!("invalid glob pattern: {e}")));
            return Vec::new();
        }
    };
    let mut base = PathBuf::new();
    let mut rest = 0;
    let comps: Vec<_> = pattern.components().collect();
    for (i, c) in comps.iter().enumerate() {
        if has_glob_chars(c.as_os_str()) {
            rest = comps.len() - i;
            break;
        }
        base.push(c);
    }
    let depth = if text.contains("**") { usize::MAX } else { rest };
    let root = if base.as_os_str().is_empty() { PathBuf::from(".") } else { base.clone() };
    let mut files = Vec::new();
    walk(
        &root,
        Path::new(""),
        depth,
        &mut |rel, _| {
            let candidate = base.join(rel);
            if matcher.is_match(&candidate) {
                files.push(candidate);
            }
        },
        report,
    );
    files
}

/// The rotated set a file belongs to: its directory and its name without rotation and
/// compression suffixes.
fn set_of(path: &Path) -> (PathBuf, String) {
    let (dir, base, _) = rotation(path);
    (dir, base)
}

/// Where a file stands in its rotated set.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Age {
    /// `name-YYYYMMDD[...]`: oldest date first.
    Dated(String),
    /// `name.N`: the highest number is the oldest.
    Numbered(Reverse<u64>),
    /// The live file.
    Live,
}

fn rotation(path: &Path) -> (PathBuf, String, Age) {
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut stem = name.as_str();
    for ext in [".gz", ".zst", ".zstd", ".bz2", ".xz", ".lz4"] {
        if let Some(s) = stem.strip_suffix(ext) {
            stem = s;
            break;
        }
    }
    if let Some((base, n)) = stem.rsplit_once('.') {
        if !n.is_empty() && n.len() <= 6 && n.bytes().all(|b| b.is_ascii_digit()) {
            let n = n.parse().unwrap_or(0);
            return (dir, base.to_owned(), Age::Numbered(Reverse(n)));
        }
    }
    if let Some((base, date)) = stem.rsplit_once('-') {
        let digits = date.bytes().filter(u8::is_ascii_digit).count();
        if digits >= 8 && date.bytes().all(|b| b.is_ascii_digit() || b == b'-' || b == b'_') {
            return (dir, base.to_owned(), Age::Dated(date.to_owned()));
        }
    }
    (dir, stem.to_owned(), Age::Live)
}

/// Whether a file's name is that of a live log, not of a rotated copy (`name.N`,
/// `name-YYYYMMDD`) nor of a compressed file: the files a follower picks up in a directory.
pub(crate) fn is_live_name(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    let compressed =
        [".gz", ".zst", ".zstd", ".bz2", ".xz", ".lz4"].iter().any(|e| name.ends_with(e));
    !compressed && rotation(path).2 == Age::Live
}

fn rotation_key(path: &Path) -> (PathBuf, String, Age, String) {
    let (dir, base, age) = rotation(path);
    (dir, base, age, path.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(inputs: &[Input]) -> Vec<String> {
        inputs
            .iter()
            .map(|i| i.path.as_ref().unwrap().file_name().unwrap().to_string_lossy().into_owned())
            .collect()
    }

    fn file(p: &Path) -> Input {
        Input { path: Some(p.to_path_buf()), name: p.display().to_string() }
    }

    #[test]
    fn rotated_sets_are_read_oldest_first() {
        let mut paths: Vec<PathBuf> = [
            "error.log",
            "error.log.1",
            "error.log.10.gz",
            "error.log.2.gz",
            "access.log",
            "access.log-20240302.gz",
            "access.log-20240301.gz",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        paths.sort_by_cached_key(|p| rotation_key(p));
        let got: Vec<_> = paths.iter().map(|p| p.to_str().unwrap()).collect();
        assert_eq!(
            got,
            [
                "access.log-20240301.gz",
                "access.log-20240302.gz",
                "access.log",
                "error.log.10.gz",
                "error.log.2.gz",
                "error.log.1",
                "error.log",
            ]
        );
    }

    #[test]
    fn directories_are_walked_and_filtered_and_patterns_expanded() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("old")).unwrap();
        for f in ["error.log", "error.log.1", "error.log.2.gz", "notes.txt", "old/error.log.3.gz"] {
            std::fs::write(d.join(f), "x\n").unwrap();
        }
        let errors = std::cell::RefCell::new(Vec::new());
        let mut report = |e: Problem| errors.borrow_mut().push(e.to_string());
        let all = expand(&[file(d)], None, &mut report);
        assert_eq!(
            names(&all),
            ["error.log.2.gz", "error.log.1", "error.log", "notes.txt", "error.log.3.gz"]
        );
        let filter = NameFilter::new("error.log*").unwrap();
        let logs = expand(&[file(d)], Some(&filter), &mut report);
        assert_eq!(names(&logs), ["error.log.2.gz", "error.log.1", "error.log", "error.log.3.gz"]);
        let by_path = NameFilter::new("old/*").unwrap();
        assert_eq!(names(&expand(&[file(d)], Some(&by_path), &mut report)), ["error.log.3.gz"]);

        let pattern = d.join("error.log*");
        let found = expand(&[file(&pattern)], None, &mut report);
        assert_eq!(names(&found), ["error.log.2.gz", "error.log.1", "error.log"]);
        let deep = d.join("**/*.gz");
        assert_eq!(
            names(&expand(&[file(&deep)], None, &mut report)),
            ["error.log.2.gz", "error.log.3.gz"]
        );
        assert!(errors.borrow().is_empty(), "{errors:?}");

        let none = expand(&[file(&d.join("*.nothing"))], None, &mut report);
        assert!(none.is_empty());
        let errors = errors.into_inner();
        assert_eq!(errors.len(), 1);
        assert!(errors[0].contains("no file matches"), "{errors:?}");
    }

    #[test]
    fn command_line_files_of_one_set_are_reordered_and_others_kept() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let given: Vec<Input> = ["b.log", "error.log", "error.log.1", "error.log.2.gz", "a.log"]
            .iter()
            .map(|f| file(&d.join(f)))
            .collect();
        let got = expand(&given, None, &mut |e| panic!("{e}"));
        assert_eq!(names(&got), ["b.log", "error.log.2.gz", "error.log.1", "error.log", "a.log"]);
    }
}

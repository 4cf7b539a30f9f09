//! `FILE[:NAME]` values of the log-format options: which file, and which of its named formats.
//!
//! `--nginx-log-format` takes either a format itself or a configuration file that defines
//! formats by name, optionally followed by `:NAME` to pick one. The rules here know nothing
//! of nginx, so the options other proxies' formats will get (an HAProxy `log-format`, an
//! Envoy access-log format) read their files the same way: [`FileArg::of`] says whether the
//! value names a file and which name it asks for, [`FileArg::read`] reads the file's text, and
//! the caller's own parser (for nginx, `logparse::nginx::access::conf`) picks the format.

use std::ffi::OsStr;
use std::path::PathBuf;

use anyhow::{Context, Result};

/// A log-format option's value that names a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileArg {
    /// The file.
    pub path: PathBuf,
    /// The name after the last `:`, when the text before it is a file.
    pub name: Option<String>,
}

impl FileArg {
    /// Whether `value` names a file, and which.
    ///
    /// In order: an existing file, taken whole (a file name holding `:` still opens); `PATH:NAME`
    /// where `PATH` is an existing file and `NAME` has no `/`; any other value with no `sigil`
    /// (the byte that starts a variable: `$` in nginx, `%` in HAProxy; a format always has a
    /// variable), taken as the path of a file that is missing. `None` means the value is a
    /// format itself.
    pub fn of(value: &OsStr, sigil: u8) -> Option<FileArg> {
        let whole = PathBuf::from(value);
        if whole.is_file() {
            return Some(FileArg { path: whole, name: None });
        }
        let bytes = value.as_encoded_bytes();
        if let Some(colon) = bytes.iter().rposition(|&b| b == b':') {
            let (path, name) = (&bytes[..colon], &bytes[colon + 1..]);
            // Names are ASCII words; a path that is not UTF-8 with a name is not supported.
            if let (Ok(path), Ok(name)) = (std::str::from_utf8(path), std::str::from_utf8(name)) {
                let file = PathBuf::from(path);
                if !name.is_empty() && !name.contains('/') && file.is_file() {
                    return Some(FileArg { path: file, name: Some(name.to_owned()) });
                }
            }
        }
        (!bytes.contains(&sigil)).then_some(FileArg { path: whole, name: None })
    }

    /// The file's text; `flag` names the option in the error.
    pub fn read(&self, flag: &str) -> Result<String> {
        std::fs::read_to_string(&self.path)
            .with_context(|| format!("{flag}: cannot read {} as UTF-8 text", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_names_and_formats_are_told_apart() {
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("nginx.conf");
        std::fs::write(&conf, "").unwrap();
        let colon = dir.path().join("a:b.conf");
        std::fs::write(&colon, "").unwrap();
        let of = |v: &std::path::Path| FileArg::of(v.as_os_str(), b'$');
        assert_eq!(of(&conf), Some(FileArg { path: conf.clone(), name: None }));
        let named = PathBuf::from(format!("{}:upstream_json", conf.display()));
        assert_eq!(
            of(&named),
            Some(FileArg { path: conf.clone(), name: Some("upstream_json".into()) })
        );
        assert_eq!(of(&colon), Some(FileArg { path: colon.clone(), name: None }));
        let missing = dir.path().join("missing.conf");
        assert_eq!(of(&missing), Some(FileArg { path: missing.clone(), name: None }));
        assert_eq!(FileArg::of("$remote_addr [$time_local] $status".as_ref(), b'$'), None);
        assert_eq!(FileArg::of("log_format x '$status';".as_ref(), b'$'), None);
        assert_eq!(FileArg::of("%ci [%tr] %tsc".as_ref(), b'%'), None);
        assert_eq!(
            FileArg::of(conf.as_os_str(), b'%'),
            Some(FileArg { path: conf.clone(), name: None })
        );
    }
}

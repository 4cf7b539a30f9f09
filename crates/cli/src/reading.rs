//! The engine of a run: built from the configuration, with its inputs expanded, problems
//! reported as they happen ([`crate::messages`]), Ctrl-C as its stop flag
//! ([`crate::interrupt`]), and the progress bar.

use engine::logparse::Format;
use engine::{Engine, Input, LooksLike, Misread};

use crate::config::Config;
use crate::{interrupt, messages, report};

/// The engine for `config`, with its inputs expanded and the progress bar set up (shown when
/// `bar` and the configuration allow it and every input is a file).
pub fn engine(config: &Config, bar: bool) -> (Engine, Vec<Input>, indicatif::ProgressBar) {
    let (custom, fixed) = (config.engine.access_format.is_some(), config.engine.format);
    let haproxy_custom = config.engine.haproxy_format.is_some();
    let engine = Engine::new(config.engine.clone())
        .on_problem(|p| messages::error(p))
        .on_misread(move |m| messages::warning(misread(m, custom, haproxy_custom, fixed)))
        .stop_when(interrupt::flag());
    let inputs = engine.expand(&config.inputs, config.glob.as_ref());
    let (total, all_files) = engine::input::total_size(&inputs);
    let bar = report::progress::bar(total, bar && config.progress && all_files);
    let progress = bar.clone();
    (engine.on_progress(move |n| progress.inc(n)), inputs, bar)
}

/// The aggregate of every input of the run, built with `new`, with the progress bar shown as
/// configured. `tick`, when given, is called every few seconds with the aggregate of a stream
/// read so far (`--follow`), from the thread reading it.
pub fn collect<A: engine::Aggregate>(
    config: &Config,
    new: &(dyn Fn() -> A + Sync),
    tick: Option<&(dyn Fn(&A) + Sync)>,
) -> A {
    let (engine, inputs, bar) = engine(config, true);
    let agg = engine.collect(&inputs, new, tick);
    bar.finish_and_clear();
    agg
}

/// What to say of an input most of whose first lines were not read, with the likely cause;
/// `custom` says whether `--nginx-log-format` was given, `haproxy_custom` whether
/// `--haproxy-log-format` was, `fixed` is `--format` unless auto.
pub fn misread(m: &Misread, custom: bool, haproxy_custom: bool, fixed: Option<Format>) -> String {
    let share = m.unparsed * 100 / m.lines.max(1);
    let mut msg = format!(
        "{}: {} of its first {} lines ({share}%) were not read",
        m.input, m.unparsed, m.lines
    );
    if let Some((field, n)) = m.field {
        msg.push_str(&format!("; `{field}` was missing or did not fit in {n} of them"));
    }
    // A guess that holds for most of the unread lines, and is not the format that failed.
    let looks = m.looks_like.filter(|&(_, n)| n * 2 > m.unparsed).map(|(l, _)| l);
    let cause = match looks {
        Some(LooksLike::NginxPreset(p)) if custom => format!(
            "the lines look like nginx's `{p}` format: pass the matching --nginx-log-format, \
             or none (gatelog reads `{p}` without it)"
        ),
        Some(LooksLike::NginxPreset(p)) => format!(
            "the lines look like nginx access-log lines (`{p}`): use --format auto or nginx-access"
        ),
        Some(LooksLike::Format(f)) if m.format != Some(f) => {
            format!("the lines look like {f} lines: use --format auto or {f}")
        }
        _ if m.format == Some(Format::NginxAccess) && custom => {
            "the --nginx-log-format given does not describe these lines: pass the log_format \
             that wrote them (FILE:NAME picks one in a configuration file)"
                .to_owned()
        }
        _ if m.format == Some(Format::Haproxy) && haproxy_custom => {
            "the --haproxy-log-format given does not describe these lines: pass the log-format \
             that wrote them (FILE:NAME picks a frontend's in a haproxy.cfg)"
                .to_owned()
        }
        _ if m.format == Some(Format::Haproxy) => {
            "if they are HAProxy lines of a log-format of your own, pass it with \
             --haproxy-log-format (the string, or haproxy.cfg:FRONTEND)"
                .to_owned()
        }
        _ if m.format == Some(Format::NginxAccess) || fixed.is_none() => {
            "if they are nginx access-log lines of a layout of your own, pass its log_format \
             with --nginx-log-format"
                .to_owned()
        }
        _ => format!(
            "they are not {} lines as gatelog reads them",
            fixed.map_or("known".to_owned(), |f| f.to_string())
        ),
    };
    format!("{msg}; {cause}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misread_messages_name_the_input_the_share_the_field_and_the_cause() {
        let m = Misread {
            input: "access.log".into(),
            lines: 20,
            unparsed: 20,
            format: Some(Format::NginxAccess),
            field: Some(("$upstream_addr", 20)),
            looks_like: Some((LooksLike::NginxPreset("combined"), 20)),
        };
        assert_eq!(
            misread(&m, true, false, Some(Format::NginxAccess)),
            "access.log: 20 of its first 20 lines (100%) were not read; `$upstream_addr` was missing or did not \
             fit in 20 of them; the lines look like nginx's `combined` format: pass the matching \
             --nginx-log-format, or none (gatelog reads `combined` without it)"
        );
        let m = Misread {
            format: Some(Format::Haproxy),
            field: None,
            looks_like: Some((LooksLike::Format(Format::NginxError), 20)),
            ..m
        };
        assert!(
            misread(&m, false, false, Some(Format::Haproxy)).ends_with(
                "the lines look like nginx-error lines: use --format auto or nginx-error"
            ),
            "{}",
            misread(&m, false, false, Some(Format::Haproxy))
        );
        let m = Misread { field: Some(("status", 20)), looks_like: None, ..m };
        assert!(
            misread(&m, false, false, Some(Format::Haproxy)).ends_with(
                "pass it with --haproxy-log-format (the string, or haproxy.cfg:FRONTEND)"
            )
        );
        assert!(
            misread(&m, false, true, Some(Format::Haproxy))
                .contains("the --haproxy-log-format given does not describe these lines")
        );
        let m = Misread { format: Some(Format::NginxAccess), looks_like: None, ..m };
        assert!(misread(&m, true, false, None).contains("does not describe these lines"));
    }
}

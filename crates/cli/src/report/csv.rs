//! `summary --output csv`: long form, one row per upstream, class and unit with a non-zero
//! count.
//!
//! Columns: `upstream,class,count,unit`. `upstream` is `-` for events that name no upstream;
//! `unit` is `attempts` or `responses` (see the JSON docs: counts of different units are
//! never added). Fields are quoted when they contain a comma, a quote or a line break; bytes
//! that are not UTF-8 are written as `\xNN`.

use std::io::{self, Write};

use timeline::Summary;

/// The columns of `summary --output csv`, in order.
pub const COLUMNS: [&str; 4] = ["upstream", "class", "count", "unit"];

/// Writes the CSV report.
pub fn write(w: &mut impl Write, s: &Summary) -> io::Result<()> {
    writeln!(w, "{}", COLUMNS.join(","))?;
    for unit in s.units() {
        for row in s.rows(unit) {
            let name = match row.name() {
                Some(n) => logparse::text(n).to_string(),
                None => "-".to_owned(),
            };
            for (class, n) in row.classes(unit) {
                write_field(w, &name)?;
                writeln!(w, ",{class},{n},{}", unit.as_str())?;
            }
        }
    }
    Ok(())
}

pub fn write_field(w: &mut impl Write, s: &str) -> io::Result<()> {
    if s.contains([',', '"', '\n', '\r']) {
        write!(w, "\"{}\"", s.replace('"', "\"\""))
    } else {
        w.write_all(s.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use logparse::{Class, Event, Format};

    #[test]
    fn long_form_with_quoting() {
        let mut s = Summary::new();
        for (up, class) in [
            (Some(&b"10.0.0.1:80"[..]), Class::ConnectRefused),
            (Some(b"10.0.0.1:80"), Class::ConnectRefused),
            (Some(b"a,\"b\""), Class::Info),
            (None, Class::NoLiveUpstreams),
        ] {
            let mut ev = Event::new(Format::NginxError, b"");
            ev.upstream = up;
            ev.class = class;
            s.push_event(&ev);
        }
        let mut out = Vec::new();
        write(&mut out, &s).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "upstream,class,count,unit\n\
             10.0.0.1:80,connect_refused,2,attempts\n\
             -,no_live_upstreams,1,attempts\n\
             \"a,\"\"b\"\"\",info,1,attempts\n"
        );
    }
}

//! The usual process metrics (the names every Prometheus client library exports), read from
//! `/proc` at each scrape: `process_cpu_seconds_total`, `process_resident_memory_bytes`,
//! `process_virtual_memory_bytes`, `process_open_fds`, `process_max_fds`,
//! `process_start_time_seconds` and `process_threads`. Where `/proc` is missing (not Linux),
//! the metrics it would give are left out.
//!
//! Facts from proc(5): `/proc/self/stat` fields 14 and 15 are user and system time in clock
//! ticks, 20 the thread count, 22 the start time in ticks after boot, 23 the virtual size in
//! bytes; `/proc/self/status` gives `VmRSS` in kB; `/proc/stat`'s `btime` is the boot time in
//! Unix seconds; `/proc/self/limits` the soft `Max open files`. The tick is `USER_HZ`, which
//! the kernel fixes at 100 for what it shows to user space on every architecture Rust targets
//! but Alpha.

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;

/// Clock ticks per second in `/proc` times (`USER_HZ`).
const TICKS: f64 = 100.0;

/// The collector of process metrics.
#[derive(Debug)]
pub struct Process;

impl Process {
    /// The collector.
    pub fn new() -> Process {
        Process
    }
}

/// What `/proc` says of this process now.
#[derive(Debug, Default, PartialEq)]
struct Sample {
    cpu_seconds: Option<f64>,
    threads: Option<i64>,
    start_time: Option<f64>,
    virtual_bytes: Option<i64>,
    resident_bytes: Option<i64>,
    open_fds: Option<i64>,
    max_fds: Option<i64>,
}

impl Sample {
    fn read() -> Sample {
        let stat = std::fs::read_to_string("/proc/self/stat").ok();
        let status = std::fs::read_to_string("/proc/self/status").ok();
        let boot = std::fs::read_to_string("/proc/stat").ok();
        let limits = std::fs::read_to_string("/proc/self/limits").ok();
        let mut s = parse(stat.as_deref(), status.as_deref(), boot.as_deref(), limits.as_deref());
        s.open_fds = std::fs::read_dir("/proc/self/fd").ok().map(|d| d.count() as i64);
        s
    }
}

/// The sample the texts of the `/proc` files give.
fn parse(
    stat: Option<&str>,
    status: Option<&str>,
    boot: Option<&str>,
    limits: Option<&str>,
) -> Sample {
    let mut s = Sample::default();
    if let Some(stat) = stat {
        // The command name, field 2, is in parentheses and may hold spaces: count after it.
        if let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) {
            let f: Vec<&str> = rest.split_whitespace().collect();
            // `rest` starts at field 3.
            let field = |n: usize| f.get(n - 3).and_then(|v| v.parse::<u64>().ok());
            if let (Some(u), Some(st)) = (field(14), field(15)) {
                s.cpu_seconds = Some((u + st) as f64 / TICKS);
            }
            s.threads = field(20).map(|v| v as i64);
            s.virtual_bytes = field(23).map(|v| v as i64);
            let btime = boot.and_then(|b| {
                b.lines()
                    .find_map(|l| l.strip_prefix("btime "))
                    .and_then(|v| v.trim().parse::<u64>().ok())
            });
            if let (Some(start), Some(btime)) = (field(22), btime) {
                s.start_time = Some(btime as f64 + start as f64 / TICKS);
            }
        }
    }
    s.resident_bytes = status.and_then(|st| {
        st.lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<i64>().ok())
            .map(|kb| kb * 1024)
    });
    s.max_fds = limits.and_then(|l| {
        l.lines()
            .find_map(|l| l.strip_prefix("Max open files"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<i64>().ok())
    });
    s
}

impl Collector for Process {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), std::fmt::Error> {
        let s = Sample::read();
        if let Some(v) = s.cpu_seconds {
            let c = ConstCounter::new(v);
            let m = encoder.encode_descriptor(
                "process_cpu_seconds",
                "Total user and system CPU time spent in seconds",
                None,
                c.metric_type(),
            )?;
            c.encode(m)?;
        }
        let gauges = [
            ("process_resident_memory_bytes", "Resident memory size in bytes", s.resident_bytes),
            ("process_virtual_memory_bytes", "Virtual memory size in bytes", s.virtual_bytes),
            ("process_open_fds", "Number of open file descriptors", s.open_fds),
            ("process_max_fds", "Maximum number of open file descriptors", s.max_fds),
            ("process_threads", "Number of OS threads in the process", s.threads),
        ];
        for (name, help, v) in gauges {
            if let Some(v) = v {
                let g = ConstGauge::new(v);
                let m = encoder.encode_descriptor(name, help, None, g.metric_type())?;
                g.encode(m)?;
            }
        }
        if let Some(v) = s.start_time {
            let g = ConstGauge::new(v);
            let m = encoder.encode_descriptor(
                "process_start_time_seconds",
                "Start time of the process since unix epoch in seconds",
                None,
                g.metric_type(),
            )?;
            g.encode(m)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_files_are_read_field_by_field() {
        // A command name with a space and a parenthesis, as proc(5) allows.
        let stat = "4242 (gate log) x) S 1 4242 4242 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 7 0 \
                    12345 104857600 2560 18446744073709551615";
        let status = "Name:\tgatelog\nVmRSS:\t   10240 kB\n";
        let boot = "cpu  1 2 3\nbtime 1700000000\n";
        let limits = "Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 524288               files\n";
        let s = parse(Some(stat), Some(status), Some(boot), Some(limits));
        assert_eq!(s.cpu_seconds, Some(3.0));
        assert_eq!(s.threads, Some(7));
        assert_eq!(s.start_time, Some(1_700_000_123.45));
        assert_eq!(s.virtual_bytes, Some(104_857_600));
        assert_eq!(s.resident_bytes, Some(10_485_760));
        assert_eq!(s.max_fds, Some(1024));
        assert_eq!(parse(None, None, None, None), Sample::default());
    }

    #[test]
    fn this_process_has_its_metrics() {
        if !std::path::Path::new("/proc/self/stat").exists() {
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                b"SKIPPED process metrics: no /proc here\n",
            );
            return;
        }
        let s = Sample::read();
        assert!(s.resident_bytes.unwrap() > 0);
        assert!(s.open_fds.unwrap() > 0);
        assert!(s.threads.unwrap() >= 1);
    }
}

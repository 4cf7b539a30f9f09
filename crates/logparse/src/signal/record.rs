//! The [`Signal`] record and its enums (spec `backend-signals.md` §1).

use crate::time::Timestamp;

/// What happened to the backend, in the stable snake_case names of spec §1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// The kernel, a cgroup or a userspace OOM killer killed a process (or a supervisor says so).
    OomKill,
    /// The server killed its own worker for running too long (gunicorn, uWSGI harakiri, ...).
    WorkerTimeout,
    /// Unexpected death: fatal signal, non-zero exit, unrecovered panic, crash loop.
    Crash,
    /// No free worker or backlog slot (php-fpm `max_children`, uWSGI listen queue).
    PoolExhausted,
    /// A liveness, readiness or startup probe failed.
    ProbeFailed,
    /// A request exceeded a slow-log threshold; nothing was killed.
    SlowRequest,
    /// The application raised and survived (uncaught exception line, Java OOME).
    AppException,
    /// Deliberate shutdown or clean exit.
    Stop,
    /// A process or worker (re)started, or a restart was scheduled.
    Restart,
}

impl Kind {
    /// Every kind, in the merge precedence of spec §2.12 (strongest first).
    pub const ALL: [Kind; 9] = [
        Kind::OomKill,
        Kind::WorkerTimeout,
        Kind::Crash,
        Kind::PoolExhausted,
        Kind::ProbeFailed,
        Kind::SlowRequest,
        Kind::AppException,
        Kind::Stop,
        Kind::Restart,
    ];

    /// The stable name: `"oom_kill"`, `"crash"`, ...
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::OomKill => "oom_kill",
            Kind::WorkerTimeout => "worker_timeout",
            Kind::Crash => "crash",
            Kind::PoolExhausted => "pool_exhausted",
            Kind::ProbeFailed => "probe_failed",
            Kind::SlowRequest => "slow_request",
            Kind::AppException => "app_exception",
            Kind::Stop => "stop",
            Kind::Restart => "restart",
        }
    }

    /// The kind named `name` ([`Kind::as_str`]), if any.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// The message family a line belongs to (spec §1 `source`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    /// The Linux kernel (OOM killer).
    Kernel,
    /// systemd (PID 1 unit messages).
    Systemd,
    /// gunicorn's arbiter and workers.
    Gunicorn,
    /// PHP-FPM's master.
    PhpFpm,
    /// uWSGI's master.
    Uwsgi,
    /// Puma.
    Puma,
    /// Unicorn.
    Unicorn,
    /// PM2's daemon.
    Pm2,
    /// A JVM or Tomcat.
    Java,
    /// A Go runtime.
    Go,
    /// A Kubernetes event (`kubectl get events`, `describe`).
    K8sEvent,
    /// The kubelet's own klog lines.
    Kubelet,
    /// `docker events`.
    DockerEvent,
}

impl Source {
    /// Every source.
    pub const ALL: [Source; 13] = [
        Source::Kernel,
        Source::Systemd,
        Source::Gunicorn,
        Source::PhpFpm,
        Source::Uwsgi,
        Source::Puma,
        Source::Unicorn,
        Source::Pm2,
        Source::Java,
        Source::Go,
        Source::K8sEvent,
        Source::Kubelet,
        Source::DockerEvent,
    ];

    /// The stable name: `"kernel"`, `"php_fpm"`, `"k8s_event"`, ...
    pub const fn as_str(self) -> &'static str {
        match self {
            Source::Kernel => "kernel",
            Source::Systemd => "systemd",
            Source::Gunicorn => "gunicorn",
            Source::PhpFpm => "php_fpm",
            Source::Uwsgi => "uwsgi",
            Source::Puma => "puma",
            Source::Unicorn => "unicorn",
            Source::Pm2 => "pm2",
            Source::Java => "java",
            Source::Go => "go",
            Source::K8sEvent => "k8s_event",
            Source::Kubelet => "kubelet",
            Source::DockerEvent => "docker_event",
        }
    }

    /// The source named `name` ([`Source::as_str`]), if any.
    pub fn from_name(name: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// The wrapper a line arrived in (spec §2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Envelope {
    /// No wrapper: the message family's own line.
    Plain,
    /// RFC 3164 syslog: `Nov 20 15:10:43 host tag[pid]: msg` (local time, no year).
    Syslog3164,
    /// rsyslog RFC 3339: `2026-02-08T00:40:07.136808+00:00 host tag[pid]: msg`.
    Syslog3339,
    /// `journalctl -o short-iso`: like RFC 3339 but the offset has no colon (`+0000`).
    JournalShort,
    /// Raw `dmesg`: `[ 7063.247407] msg`, seconds since boot.
    Dmesg,
    /// `dmesg -T`: `[Tue Oct  5 16:38:47 2021] msg`, local time computed by dmesg.
    DmesgCtime,
    /// `docker logs -t`: an RFC 3339 UTC stamp with nanoseconds, then the app line.
    DockerTs,
    /// `docker compose logs` / `pm2 logs`: `service_1  | line`.
    Compose,
    /// `kubectl get events` / `kubectl describe` table rows (relative ages).
    KubectlTable,
}

impl Envelope {
    /// The stable name: `"plain"`, `"syslog3164"`, `"dmesg_ctime"`, ...
    pub const fn as_str(self) -> &'static str {
        match self {
            Envelope::Plain => "plain",
            Envelope::Syslog3164 => "syslog3164",
            Envelope::Syslog3339 => "syslog3339",
            Envelope::JournalShort => "journal_short",
            Envelope::Dmesg => "dmesg",
            Envelope::DmesgCtime => "dmesg_ctime",
            Envelope::DockerTs => "docker_ts",
            Envelope::Compose => "compose",
            Envelope::KubectlTable => "kubectl_table",
        }
    }
}

/// How far [`Signal::time`] can be trusted (spec §1 `time_quality`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimeQuality {
    /// The line carried a UTC offset: `time` is exact.
    Absolute,
    /// A zone-less local stamp, stored as if it were UTC: the caller shifts it by the zone
    /// the backend wrote in (`--signal-tz`).
    Local,
    /// dmesg seconds since boot converted with [`SignalOptions::boot_time`].
    BootRelative,
    /// Seconds since boot with no boot time known: `time` is `None`, the uptime is in
    /// [`Detail::uptime_us`].
    Uptime,
    /// A kubectl age (`14m`): `time` is `None`, the age is in [`Detail::age_s`].
    Relative,
    /// The line has no stamp: the caller inherits the previous line's time.
    None,
}

impl TimeQuality {
    /// The stable name: `"absolute"`, `"local"`, `"boot_relative"`, ...
    pub const fn as_str(self) -> &'static str {
        match self {
            TimeQuality::Absolute => "absolute",
            TimeQuality::Local => "local",
            TimeQuality::BootRelative => "boot_relative",
            TimeQuality::Uptime => "uptime",
            TimeQuality::Relative => "relative",
            TimeQuality::None => "none",
        }
    }
}

/// Why a process is suspected to have died (spec §1 `detail.suspect`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Suspect {
    /// An unexplained SIGKILL (or exit 137): usually the OOM killer.
    Oom,
    /// The process said it ran out of memory (Java OOME, Go `out of memory`, PM2 max memory).
    Memory,
}

impl Suspect {
    /// The stable name: `"oom"` or `"memory"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Suspect::Oom => "oom",
            Suspect::Memory => "memory",
        }
    }
}

/// Who the signal is about; every field optional, each a slice of the line (spec §1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Identity<'a> {
    /// Host name from the syslog/journal envelope.
    pub host: Option<&'a [u8]>,
    /// systemd unit (`api.service`).
    pub unit: Option<&'a [u8]>,
    /// syslog tag (`kernel`, `uwsgi`).
    pub program: Option<&'a [u8]>,
    /// php-fpm pool name.
    pub pool: Option<&'a [u8]>,
    /// Pid of the process the event is about (the victim, the worker).
    pub pid: Option<u32>,
    /// Pid of the process that wrote the line when it is another one (gunicorn arbiter).
    pub master_pid: Option<u32>,
    /// Worker number (uWSGI, unicorn, puma, PM2 app id).
    pub worker: Option<u32>,
    /// Kernel task name (at most 15 bytes) or app name.
    pub comm: Option<&'a [u8]>,
    /// Container id (or its prefix).
    pub container_id: Option<&'a [u8]>,
    /// Container or compose service name.
    pub container_name: Option<&'a [u8]>,
    /// Kubernetes namespace.
    pub namespace: Option<&'a [u8]>,
    /// Kubernetes pod name.
    pub pod: Option<&'a [u8]>,
    /// Kubernetes pod UID (from a memcg path).
    pub pod_uid: Option<&'a [u8]>,
    /// Kubernetes node.
    pub node: Option<&'a [u8]>,
    /// Address the backend said it binds or serves (`http://127.0.0.1:8000`, `:5000`).
    pub listen: Option<&'a [u8]>,
}

/// Kind-specific facts (spec §1 `detail`); every field optional.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Detail<'a> {
    /// Signal number (9 for SIGKILL).
    pub signal: Option<u8>,
    /// Signal name as written (`SIGKILL`, `KILL`).
    pub signal_name: Option<&'a [u8]>,
    /// Exit code.
    pub exit_code: Option<i64>,
    /// Resident memory of an OOM victim in KiB: anon + file + shmem.
    pub rss_kib: Option<u64>,
    /// Virtual memory of an OOM victim in KiB.
    pub total_vm_kib: Option<u64>,
    /// OOM constraint (`CONSTRAINT_MEMCG`).
    pub constraint: Option<&'a [u8]>,
    /// Memory cgroup path of the victim.
    pub memcg: Option<&'a [u8]>,
    /// A configured limit that was hit (php-fpm max_children, uWSGI listen backlog).
    pub limit: Option<u64>,
    /// A timeout in seconds (unicorn's limit).
    pub timeout_s: Option<f64>,
    /// Elapsed seconds (php-fpm slow or killed request, child lifetime).
    pub elapsed_s: Option<f64>,
    /// The request (script or method + URI) where logged.
    pub request: Option<&'a [u8]>,
    /// Probe text (`Liveness probe failed: ...`).
    pub probe: Option<&'a [u8]>,
    /// Restart counter or kubectl repeat count.
    pub restart_count: Option<u64>,
    /// Why the death is suspicious.
    pub suspect: Option<Suspect>,
    /// For [`TimeQuality::Relative`]: the kubectl age in seconds.
    pub age_s: Option<u64>,
    /// For raw dmesg lines: microseconds since boot.
    pub uptime_us: Option<u64>,
}

/// One backend line read as a signal, borrowing from the line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Signal<'a> {
    /// The whole line.
    pub raw: &'a [u8],
    /// The message after the envelope (and the family's own prefix where it has one).
    pub message: &'a [u8],
    /// When it happened (see `time_quality`); `None` when the line says nothing usable.
    pub time: Option<Timestamp>,
    /// How `time` was obtained.
    pub time_quality: TimeQuality,
    /// Resolution of the stamp in microseconds (1_000_000 for whole seconds).
    pub precision_us: u32,
    /// What happened; `None` for a line that only announces identity (a bind address: gunicorn
    /// `Listening at:`, uWSGI `bound to TCP address`, Puma `Listening on`).
    pub kind: Option<Kind>,
    /// The message family.
    pub source: Source,
    /// The wrapper it came in.
    pub envelope: Envelope,
    /// Who it is about.
    pub identity: Identity<'a>,
    /// Kind-specific facts.
    pub detail: Detail<'a>,
}

impl Signal<'_> {
    /// `Ok` when every borrowed field lies inside `line`, else the name of the first that does
    /// not (a check for tests and fuzzing).
    pub fn check_borrows(&self, line: &[u8]) -> Result<(), &'static str> {
        let inside = |v: &[u8]| {
            let (o, i) = (line.as_ptr_range(), v.as_ptr_range());
            v.is_empty() || (o.start <= i.start && i.end <= o.end)
        };
        let id = &self.identity;
        let d = &self.detail;
        for (name, v) in [
            ("raw", Some(self.raw)),
            ("message", Some(self.message)),
            ("host", id.host),
            ("unit", id.unit),
            ("program", id.program),
            ("pool", id.pool),
            ("comm", id.comm),
            ("container_id", id.container_id),
            ("container_name", id.container_name),
            ("namespace", id.namespace),
            ("pod", id.pod),
            ("pod_uid", id.pod_uid),
            ("node", id.node),
            ("listen", id.listen),
            ("signal_name", d.signal_name),
            ("constraint", d.constraint),
            ("memcg", d.memcg),
            ("request", d.request),
            ("probe", d.probe),
        ] {
            if let Some(v) = v
                && !inside(v)
            {
                return Err(name);
            }
        }
        Ok(())
    }
}

/// Why a line is not a signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unparsed {
    /// Blank line.
    Empty,
    /// The envelope was read but the message is of no known family or wording.
    UnknownMessage,
    /// A known backend line that reports no failure (a php-fpm child recycled with code 0,
    /// stderr output that is no fatal error).
    NotASignal,
    /// A `kubectl get events` table header: use `kubectl get events -o json` for exact times.
    KubectlHeader,
}

impl Unparsed {
    /// A short reason for reports.
    pub const fn as_str(self) -> &'static str {
        match self {
            Unparsed::Empty => "empty line",
            Unparsed::UnknownMessage => "no known backend message",
            Unparsed::NotASignal => "known backend line that reports no failure",
            Unparsed::KubectlHeader => {
                "kubectl table header (use `kubectl get events -o json` for exact times)"
            }
        }
    }
}

/// What the caller knows that the lines do not say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignalOptions {
    /// Year for stamps without one (RFC 3164 syslog, uWSGI `log-date` without year).
    pub year: i32,
    /// Boot time, to turn raw dmesg seconds into [`TimeQuality::BootRelative`] times.
    pub boot_time: Option<Timestamp>,
}

impl Default for SignalOptions {
    fn default() -> Self {
        SignalOptions { year: 1970, boot_time: None }
    }
}

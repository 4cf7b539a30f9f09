#!/usr/bin/env bash
# Checks `gatelog spikes` on long spans and on streams, against its own file runs.
#
# 1. Span: three nginx error lines dated 2020, 2023 and 2026. `spikes`, `timeline` and
#    `report` must each finish in under 2 s and 100 MB of peak RSS.
# 2. A long sparse stream: 2,000,000 generated error lines over 46 days across 1,000
#    upstreams, piped into `gatelog spikes -o json -`. Its peak RSS must stay under 200 MB, and
#    its report must be byte for byte that of `gatelog spikes -o json FILE`.
# 3. Idle: `(cat 500MB.log; sleep 30) | gatelog spikes -` (the table, with its live lines). Once
#    the input is read, the process must use less than 2 % of a core (utime + stime from
#    /proc/PID/stat, sampled 2 s and 28 s after the last byte was written); its time without the
#    30 s of sleep, wall and CPU, must be within 20 % of `gatelog spikes FILE`'s; and its report
#    must be the file run's.
#
# 4. Ctrl-C: `gatelog spikes -` on the 46-day log, interrupted once 3 s of it were written and
#    again once all of it was (then idle): the report must be out within a second of SIGINT,
#    with exit code 0.
#
# Usage: benches/stream-check.sh
# Environment: BENCH_DIR (default target/bench-data), IDLE_SIZE (500M), SEED (1).
# Needs: cargo, python3. Linux only (/proc). Prints one line per measure and `stream-check: ok`
# or the checks that failed (exit 1).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BENCH_DIR:-target/bench-data}
idle_size=${IDLE_SIZE:-500M}
seed=${SEED:-1}
mkdir -p "$dir"

cargo build --release --quiet -p gatelog -p gatelog-gen
gen=target/release/gatelog-gen
bin=target/release/gatelog

# Generate each log once per shape and generator build.
make_log() {
  local out=$1
  shift
  local stamp="$out.stamp" want="$* $(sha256sum "$gen" | cut -c1-16)"
  if [ -f "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    return
  fi
  echo "generating $out ($*)" >&2
  "$gen" "$@" --out "$out"
  echo "$want" > "$stamp"
}
make_log "$dir/sparse-46d.log" nginx-error --lines 2000000 --days 46 --upstreams 1000 --seed "$seed"
make_log "$dir/idle.log" nginx-error --size "$idle_size" --seed "$seed"
cat > "$dir/years.log" <<'EOF'
2020/03/14 10:00:00 [error] 7#7: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 10.9.0.1, server: shop, request: "GET / HTTP/1.1", upstream: "http://10.0.1.10:3000/", host: "shop"
2023/03/14 10:00:00 [error] 7#7: *2 connect() failed (111: Connection refused) while connecting to upstream, client: 10.9.0.1, server: shop, request: "GET / HTTP/1.1", upstream: "http://10.0.1.10:3000/", host: "shop"
2026/03/14 10:00:00 [error] 7#7: *3 connect() failed (111: Connection refused) while connecting to upstream, client: 10.9.0.1, server: shop, request: "GET / HTTP/1.1", upstream: "http://10.0.1.10:3000/", host: "shop"
EOF
# The page cache holds the inputs: the file runs do not wait for the disk.
cat "$dir/sparse-46d.log" "$dir/idle.log" > /dev/null

python3 - "$bin" "$dir" <<'PY'
import os, subprocess, sys, threading, time

binary, d = sys.argv[1], sys.argv[2]
failed = []
tick = os.sysconf("SC_CLK_TCK")

def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failed.append(what)

def run(argv, stdin_path=None, out_path=os.devnull):
    """Wall time, CPU time (s) and peak RSS (MB) of `argv` alone, stdin from a file (fed by a
    separate `cat` process so that it is a pipe) or nothing."""
    with open(out_path, "wb") as out:
        feeder = None
        stdin = subprocess.DEVNULL
        if stdin_path:
            feeder = subprocess.Popen(["cat", stdin_path], stdout=subprocess.PIPE)
            stdin = feeder.stdout
        t = time.monotonic()
        p = subprocess.Popen(argv, stdin=stdin, stdout=out, stderr=subprocess.DEVNULL)
        if feeder:
            feeder.stdout.close()
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t
        if feeder:
            feeder.wait()
    code = os.waitstatus_to_exitcode(status)
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024, code

def same(a, b):
    with open(a, "rb") as x, open(b, "rb") as y:
        return x.read() == y.read()

# 1. Three lines over six years.
years = os.path.join(d, "years.log")
for cmd in (["spikes", years], ["timeline", years], ["report", years, "-o", os.path.join(d, "years.html")]):
    wall, cpu, rss, code = run([binary] + cmd)
    print(f"span   gatelog {cmd[0]:8} years.log: {wall:.3f} s, {rss:.1f} MB peak RSS")
    check(code == 0 and wall < 2.0 and rss < 100, f"{cmd[0]} on three lines over six years: under 2 s and 100 MB")

# 2. 2,000,000 lines over 46 days across 1,000 upstreams, file and stream.
sparse = os.path.join(d, "sparse-46d.log")
file_json, stream_json = os.path.join(d, "sparse-file.json"), os.path.join(d, "sparse-stream.json")
fw, fc, fr, fcode = run([binary, "spikes", "-o", "json", sparse], out_path=file_json)
sw, sc, sr, scode = run([binary, "spikes", "-o", "json", "-"], stdin_path=sparse, out_path=stream_json)
print(f"sparse gatelog spikes -o json FILE:   {fw:.2f} s, CPU {fc:.2f} s, {fr:.0f} MB peak RSS")
print(f"sparse cat FILE | gatelog spikes -o json -: {sw:.2f} s, CPU {sc:.2f} s, {sr:.0f} MB peak RSS")
check(fcode == 0 and scode == 0, "sparse runs exit 0")
check(sr < 200, "sparse stream: peak RSS under 200 MB")
check(same(file_json, stream_json), "sparse stream: the report of the file run, byte for byte")

# 3. Idle after a 500 MB stream.
idle = os.path.join(d, "idle.log")
file_out, stream_out = os.path.join(d, "idle-file.txt"), os.path.join(d, "idle-stream.txt")
fw, fc, fr, fcode = run([binary, "spikes", idle], out_path=file_out)
print(f"idle   gatelog spikes FILE: {fw:.2f} s, CPU {fc:.2f} s, {fr:.0f} MB peak RSS")

def cpu_of(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick  # utime, stime

with open(stream_out, "wb") as out:
    t0 = time.monotonic()
    p = subprocess.Popen([binary, "spikes", "-"], stdin=subprocess.PIPE, stdout=out, stderr=subprocess.DEVNULL)
    with open(idle, "rb") as f:
        while True:
            block = f.read(1 << 20)
            if not block:
                break
            p.stdin.write(block)
        p.stdin.flush()
    fed = time.monotonic()
    time.sleep(2)
    c1, t1 = cpu_of(p.pid), time.monotonic()
    time.sleep(26)
    c2, t2 = cpu_of(p.pid), time.monotonic()
    time.sleep(max(0.0, fed + 30 - time.monotonic()))
    closed = time.monotonic()
    p.stdin.close()
    _, status, ru = os.wait4(p.pid, 0)
    end = time.monotonic()
share = (c2 - c1) / (t2 - t1)
busy = (fed - t0) + (end - closed)
cpu = ru.ru_utime + ru.ru_stime
print(f"idle   (cat FILE; sleep 30) | gatelog spikes -: read in {fed - t0:.2f} s, report {end - closed:.2f} s after the end of input, "
      f"CPU {cpu:.2f} s, {ru.ru_maxrss / 1024:.0f} MB peak RSS")
print(f"idle   CPU while idle: {c2 - c1:.2f} s over {t2 - t1:.1f} s = {100 * share:.2f} % of a core")
check(share < 0.02, "idle stream: under 2 % of a core")
check(busy <= 1.2 * fw, f"idle stream: time without the sleep ({busy:.2f} s) within 20 % of the file run's ({fw:.2f} s)")
check(cpu <= 1.2 * fc, f"idle stream: CPU time ({cpu:.2f} s) within 20 % of the file run's ({fc:.2f} s)")
with open(stream_out, "rb") as s, open(file_out, "rb") as f:
    tail, whole = s.read(), f.read()
check(tail.endswith(whole), "idle stream: its report (after the live lines) is the file run's")
live = [l for l in tail[: len(tail) - len(whole)].split(b"\n") if l]
print(f"idle   {len(live)} live lines before the report")

# 4. Ctrl-C while reading and while idle.
import signal
for label, all_of_it in (("while reading", False), ("while idle", True)):
    p = subprocess.Popen([binary, "spikes", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    t0 = time.monotonic()
    with open(sparse, "rb") as f:
        while True:
            block = f.read(1 << 20)
            if not block or (not all_of_it and time.monotonic() - t0 > 3):
                break
            p.stdin.write(block)
    p.stdin.flush()
    time.sleep(1)
    t = time.monotonic()
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate()
    dt = time.monotonic() - t
    print(f"ctrl-c {label}: report {dt:.3f} s after SIGINT, exit {p.returncode}, {len(out)} bytes written")
    check(p.returncode == 0 and dt < 1.0 and len(out) > 0, f"Ctrl-C {label}: the report within a second")

print("stream-check: " + ("ok" if not failed else f"{len(failed)} checks failed"))
sys.exit(1 if failed else 0)
PY

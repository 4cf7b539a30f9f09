#!/usr/bin/env bash
# End-to-end throughput of `gatelog summary`, against `wc -l` on the same files.
#
# Generates (once, cached by size and seed) ~300 MB of nginx error log and ~400 MB of nginx
# access log with benches/gen, ~200 MB each of Traefik `common`, Traefik JSON and Caddy JSON
# logs (with their debug and error lines), and a gzip of each; warms the page cache; then times, on the same
# files in one run: `wc -l`, `gatelog summary` with 1 thread and with all threads, on plain and
# gzip input, and `gatelog summary` reading the access log from a pipe. Each command runs
# RUNS times (default 3) and the fastest run is kept, which is the least disturbed by other
# work on the machine. Prints MB/s (of uncompressed log), lines/s, peak RSS and the time
# relative to `wc -l`, as a Markdown table.
#
# Usage: benches/run.sh [RUNS]
# Environment: BENCH_DIR (default target/bench-data), ERROR_SIZE (300M), ACCESS_SIZE (400M),
#              SEED (1), THREADS (default: all cores), ENVOY_SIZE (300M: an Istio sidecar's
#              log, text and JSON), PROXY_SIZE (200M, each Traefik and Caddy log), INPUTS
#              (default: all of "error.log access.log envoy.log envoy-json.log traefik.log
#              traefik-json.log caddy.log"; the files to time).
# Needs: cargo, python3, gzip, wc.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
dir=${BENCH_DIR:-target/bench-data}
error_size=${ERROR_SIZE:-300M}
access_size=${ACCESS_SIZE:-400M}
proxy_size=${PROXY_SIZE:-200M}
seed=${SEED:-1}
threads=${THREADS:-$(nproc)}
mkdir -p "$dir"

cargo build --release --quiet -p gatelog -p gatelog-gen
gen=target/release/gatelog-gen
bin=target/release/gatelog

# Generate each log once per (format, size, seed); the stamp file records what is there.
make_log() {
  local format=$1 size=$2 out=$3
  local stamp="$out.stamp" want="$format $size $seed $(sha256sum "$gen" | cut -c1-16)"
  if [ -f "$out" ] && [ -f "$out.gz" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    return
  fi
  echo "generating $out ($format, $size, seed $seed)" >&2
  "$gen" "$format" --size "$size" --seed "$seed" --out "$out"
  echo "compressing $out" >&2
  gzip -6 -c "$out" > "$out.gz"
  echo "$want" > "$stamp"
}
make_log nginx-error "$error_size" "$dir/error.log"
make_log nginx-access "$access_size" "$dir/access.log"
envoy_size=${ENVOY_SIZE:-300M}
make_log envoy "$envoy_size" "$dir/envoy.log"
make_log envoy-json "$envoy_size" "$dir/envoy-json.log"
make_log traefik "$proxy_size" "$dir/traefik.log"
make_log traefik-json "$proxy_size" "$dir/traefik-json.log"
make_log caddy "$proxy_size" "$dir/caddy.log"
inputs=${INPUTS:-error.log access.log envoy.log envoy-json.log traefik.log traefik-json.log caddy.log}

# Warm the page cache: the targets are for files in memory.
for f in $inputs; do cat "$dir/$f" "$dir/$f.gz" > /dev/null; done

python3 - "$runs" "$threads" "$bin" "$dir" "$inputs" <<'PY'
import os, subprocess, sys, time

runs, threads, binary, d = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
inputs = sys.argv[5].split()

def measure(argv, stdin_file=None):
    """Best wall time (s), with the CPU time (s) and peak RSS (KiB) of that run, of `argv`
    alone (os.wait4)."""
    best = None
    for _ in range(runs):
        feeder = None
        stdin = subprocess.DEVNULL
        if stdin_file:
            feeder = subprocess.Popen(["cat", stdin_file], stdout=subprocess.PIPE)
            stdin = feeder.stdout
        t0 = time.monotonic()
        p = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.DEVNULL)
        if feeder:
            feeder.stdout.close()
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
        if feeder:
            feeder.wait()
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"failed: {' '.join(argv)}")
        if best is None or wall < best[0]:
            best = (wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)
    return best

def lines_of(path):
    out = subprocess.run(["wc", "-l", path], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[0])

load = os.getloadavg()[0]
print(f"runs per command: {runs} (fastest kept); all threads = {threads}; cores: {os.cpu_count()}; "
      f"load average before: {load:.2f}")
print()
print("| input | command | time s | CPU s | MB/s | lines/s | peak RSS MB | x wc -l |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
for name in inputs:
    plain = os.path.join(d, name)
    gz = plain + ".gz"
    size = os.path.getsize(plain)
    lines = lines_of(plain)
    wc, wc_cpu, _ = measure(["wc", "-l", plain])
    rows = [
        ("plain", "wc -l", wc, wc_cpu, None),
    ]
    for label, path, stdin in [("plain", plain, None), ("gzip", gz, None)]:
        for j in [1, threads]:
            t, cpu, rss = measure([binary, "summary", "-q", "-j", str(j), path])
            rows.append((label, f"gatelog summary -j{j}", t, cpu, rss))
    t, cpu, rss = measure([binary, "summary", "-q", "-j", str(threads), "-"], stdin_file=plain)
    rows.append(("stdin (a pipe)", f"gatelog summary -j{threads} -", t, cpu, rss))
    for label, cmd, t, cpu, rss in rows:
        mbps = size / t / 1e6
        rss_s = f"{rss / 1024:.0f}" if rss is not None else "-"
        print(f"| {name} {label} | `{cmd}` | {t:.3f} | {cpu:.2f} | {mbps:,.0f} | {lines / t:,.0f} | {rss_s} | {t / wc:.1f} |")
print()
print(", ".join(f"{n}: {os.path.getsize(os.path.join(d, n)) / 1e6:.0f} MB, {lines_of(os.path.join(d, n)):,} lines "
                f"(gzip {os.path.getsize(os.path.join(d, n + '.gz')) / 1e6:.0f} MB)" for n in inputs))
PY

#!/usr/bin/env bash
# `gatelog watch` over a long run: appends nginx error-log lines at a steady rate across many
# upstreams (with a rename rotation every few minutes), samples the watcher's RSS and the time
# /metrics takes to answer every 10 s, and checks at the end that every line written was
# counted.
#
#   benches/watch-soak.sh [SECONDS] [LINES_PER_SECOND] [UPSTREAMS] [BACKLOG]
#   (defaults: 600 5000 2000 1200)
#
# The spike detector keeps the per-second counts of its window (the 15-minute baseline and
# its guards, about 1,110 s of the log's own time): its memory grows until the log spans that
# window, then stays flat. So that the run measures the steady state, BACKLOG seconds of lines
# (at the same rate, dated over the BACKLOG seconds before the start) are written first, as
# fast as they can be; the samples start once the live lines do.
#
# Passes when the RSS of every sample after the first minute is within 10 % of the RSS at one
# minute, every /metrics answer took under 50 ms, and gatelog_lines_total sums to the lines
# written. Needs cargo, python3 and curl. Prints one line per sample, then the verdict.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_TOTAL=${1:-600}
RATE=${2:-5000}
UPSTREAMS=${3:-2000}
BACKLOG=${4:-1200}

cargo build --release -q -p gatelog
BIN=target/release/gatelog
WORK=$(mktemp -d)
trap 'kill $WATCH $GEN 2>/dev/null || true; rm -rf "$WORK"' EXIT
LOG=$WORK/error.log
: >"$LOG"

"$BIN" watch "$LOG" --listen 127.0.0.1:0 2>"$WORK/watch.err" &
WATCH=$!
for _ in $(seq 50); do
  grep -q serving "$WORK/watch.err" 2>/dev/null && break
  sleep 0.1
done
ADDR=$(grep -o 'http://[0-9.:]*' "$WORK/watch.err" | head -1)

# The writer: RATE lines a second in 10 batches, upstream and class drawn in turn, a rename
# rotation every 200 s (the writer reopens the log, as nginx does on USR1).
python3 - "$LOG" "$SECONDS_TOTAL" "$RATE" "$UPSTREAMS" "$WORK/written" "$BACKLOG" <<'EOF' &
import os, sys, time
log, total, rate, ups, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
backlog = int(sys.argv[6])
msgs = [
    'connect() failed (111: Connection refused) while connecting to upstream',
    'upstream timed out (110: Connection timed out) while reading response header from upstream',
    'upstream prematurely closed connection while reading response header from upstream',
    'recv() failed (104: Connection reset by peer) while reading response header from upstream',
]
f = open(log, 'a')
written, n = 0, 0
step = rate // 10

def batch(stamp):
    global n
    lines = []
    for _ in range(step):
        u = n % ups
        m = msgs[(n // ups) % len(msgs)]
        lines.append(f'{stamp} [error] 7#7: *{n} {m}, client: 10.9.{u % 250}.1, server: shop, '
                     f'request: "GET /api/{n % 97} HTTP/1.1", upstream: "http://10.{u // 250}.{u % 250}.2:8080/api", '
                     f'host: "shop"\n')
        n += 1
    return ''.join(lines)

now = int(time.time())
for t in range(now - backlog, now):
    stamp = time.strftime('%Y/%m/%d %H:%M:%S', time.gmtime(t))
    f.write(''.join(batch(stamp) for _ in range(10)))
    written += 10 * step
f.flush()
open(out + '.live', 'w').close()
start = time.time()
rotated_at = start
while time.time() - start < total:
    tick = time.time()
    stamp = time.strftime('%Y/%m/%d %H:%M:%S', time.gmtime(tick))
    f.write(batch(stamp))
    f.flush()
    written += step
    if tick - rotated_at >= 200:
        os.rename(log, log + '.1')
        f.close()
        f = open(log, 'a')
        rotated_at = tick
    time.sleep(max(0.0, 0.1 - (time.time() - tick)))
f.close()
open(out, 'w').write(str(written))
EOF
GEN=$!
until [[ -e $WORK/written.live ]]; do sleep 0.2; done

rss() { awk '/^VmRSS:/ {print $2}' "/proc/$WATCH/status"; }
echo "t_s rss_kb metrics_ms metrics_bytes detector_kb spikes_shown"
BASE=""
WORST_RSS=0
WORST_MS=0
for ((t = 10; t <= SECONDS_TOTAL; t += 10)); do
  sleep 10
  R=$(rss)
  read -r MS BYTES < <(curl -s -o "$WORK/metrics" -w '%{time_total} %{size_download}\n' "$ADDR/metrics" |
    awk '{printf "%.1f %d\n", $1 * 1000, $2}')
  DET=$(awk '/^gatelog_detector_memory_bytes/ {printf "%d", $2 / 1024}' "$WORK/metrics")
  SPIKES=$(curl -s "$ADDR/spikes" | grep -c '"start"' || true)
  echo "$t $R $MS $BYTES $DET $SPIKES"
  if ((t == 60)); then BASE=$R; fi
  if [[ -n $BASE ]] && ((t > 60)); then
    DEV=$(awk -v r="$R" -v b="$BASE" 'BEGIN {d = (r - b) / b * 100; if (d < 0) d = -d; printf "%.1f", d}')
    WORST_RSS=$(awk -v a="$WORST_RSS" -v b="$DEV" 'BEGIN {print (b > a) ? b : a}')
  fi
  WORST_MS=$(awk -v a="$WORST_MS" -v b="$MS" 'BEGIN {print (b > a) ? b : a}')
done
wait $GEN
sleep 2
WRITTEN=$(cat "$WORK/written")
COUNTED=$(curl -s "$ADDR/metrics" | awk '/^gatelog_lines_total/ {s += $2} END {print s}')
FOLDED=$(curl -s "$ADDR/metrics" | awk '/^gatelog_folded_events_total/ {print $2}')
SERIES=$(curl -s "$ADDR/metrics" | grep -c '^gatelog_upstream_events_total' || true)
echo "written $WRITTEN counted $COUNTED folded $FOLDED upstream-event series $SERIES"
echo "RSS at 60 s ${BASE} kB, worst deviation after it ${WORST_RSS} %; slowest /metrics ${WORST_MS} ms"
OK=1
awk -v d="$WORST_RSS" 'BEGIN {exit !(d <= 10)}' || { echo "FAIL: RSS moved more than 10 %"; OK=0; }
awk -v m="$WORST_MS" 'BEGIN {exit !(m < 50)}' || { echo "FAIL: /metrics took 50 ms or more"; OK=0; }
[[ "$WRITTEN" == "$COUNTED" ]] || { echo "FAIL: $WRITTEN lines written, $COUNTED counted"; OK=0; }
((OK)) && echo "PASS"

#!/usr/bin/env bash
# Generates an nginx error log (1,000,000 lines by default), runs `gatelog summary` on it, and
# checks its per-class totals against two counts made without gatelog's parser:
#   - the generator's own record of what it wrote (--expect), and
#   - grep on each message family's fixed text.
# Usage: benches/check-counts.sh [LINES] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-1000000}
seed=${2:-1}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

cargo build --release --quiet -p gatelog -p gatelog-gen
./target/release/gatelog-gen nginx-error --lines "$lines" --seed "$seed" \
  --out "$dir/error.log" --expect "$dir/expect.csv"
./target/release/gatelog summary --output csv "$dir/error.log" > "$dir/summary.csv"
./target/release/gatelog summary --output json "$dir/error.log" > "$dir/summary.json"

# Per-class totals from gatelog.
awk -F, 'NR > 1 { n[$2] += $3 } END { for (c in n) print c "," n[c] }' "$dir/summary.csv" \
  | sort > "$dir/got.csv"

# Per-class totals from grep, one fixed text per family the generator writes.
g() { grep -cF -- "$1" "$dir/error.log" || true; }
{
  echo "app_stderr,$(g 'FastCGI sent in stderr')"
  echo "client_abort,$(g 'client prematurely closed connection')"
  echo "connect_local,$(g 'failed (11: Resource temporarily unavailable)')"
  echo "connect_refused,$(g '(111: Connection refused)')"
  echo "connect_timeout,$(g 'upstream timed out (110: Connection timed out) while connecting to upstream')"
  echo "connect_unreachable,$(g '(113: No route to host)')"
  echo "connection_reset,$(g 'recv() failed (104: Connection reset by peer)')"
  echo "dns_failure,$(g 'could not be resolved')"
  echo "header_too_big,$(g 'upstream sent too big header')"
  echo "info,$(g 'an upstream response is buffered to a temporary file')"
  echo "invalid_header,$(g 'upstream sent invalid header')"
  echo "no_live_upstreams,$(g 'no live upstreams')"
  echo "prematurely_closed,$(g 'upstream prematurely closed connection')"
  echo "proxy_error,$(g 'worker_connections are not enough')"
  echo "response_timeout,$(g 'upstream timed out (110: Connection timed out) while reading response header')"
  echo "tls_handshake,$(g 'SSL_do_handshake() failed')"
  echo "upstream_down,$(g 'upstream server temporarily disabled')"
} | sort > "$dir/grep.csv"
grep -v -e '^class,' -e '^continuation,' -e '^lines,' "$dir/expect.csv" | sort > "$dir/expect-classes.csv"

status=0
printf '%-22s %10s %10s %10s\n' class gatelog grep generator
join -t, "$dir/got.csv" "$dir/grep.csv" | join -t, - "$dir/expect-classes.csv" \
  | while IFS=, read -r class got grepped expected; do
      mark=""
      [ "$got" = "$grepped" ] && [ "$got" = "$expected" ] || mark="  MISMATCH"
      printf '%-22s %10s %10s %10s%s\n' "$class" "$got" "$grepped" "$expected" "$mark"
    done | tee "$dir/table.txt"
grep -q MISMATCH "$dir/table.txt" && status=1
for f in got grep expect-classes; do
  [ "$(wc -l < "$dir/$f.csv")" = "$(wc -l < "$dir/got.csv")" ] || { echo "class sets differ ($f)"; status=1; }
done

# Every line is accounted for: events + continuation + unparsed = lines.
read -r events cont unparsed < <(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["events"], s["continuation"], s["unparsed"])' "$dir/summary.json")
total=$(wc -l < "$dir/error.log")
echo "lines $total = events $events + continuation $cont + unparsed $unparsed"
[ $((events + cont + unparsed)) -eq "$total" ] || { echo "MISMATCH in line accounting"; status=1; }
expected_cont=$(grep '^continuation,' "$dir/expect.csv" | cut -d, -f2)
[ "$cont" = "$expected_cont" ] || { echo "MISMATCH: continuation $cont, generator wrote $expected_cont"; status=1; }
[ $status -eq 0 ] && echo "all counts match"
exit $status

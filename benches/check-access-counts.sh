#!/usr/bin/env bash
# Generates an nginx access log (1,000,000 lines by default), runs `gatelog summary` on it, and
# checks its per-class totals against the generator's own record of what it wrote (--expect),
# an oracle that does not use gatelog's parser; then the same through gzip and standard input.
# Usage: benches/check-access-counts.sh [LINES] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-1000000}
seed=${2:-1}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

cargo build --release --quiet -p gatelog -p gatelog-gen
./target/release/gatelog-gen nginx-access --lines "$lines" --seed "$seed" \
  --out "$dir/access.log" --expect "$dir/expect.csv"
gzip -c "$dir/access.log" > "$dir/access.log.gz"
grep -v -e '^class,' -e '^lines,' "$dir/expect.csv" | sort > "$dir/expected.csv"

status=0
check() {
  local what=$1
  shift
  "$@" | awk -F, 'NR > 1 { n[$2] += $3 } END { for (c in n) print c "," n[c] }' | sort > "$dir/got.csv"
  if diff -u "$dir/expected.csv" "$dir/got.csv" > "$dir/diff.txt"; then
    echo "$what: every class matches ($(paste -sd' ' "$dir/got.csv"))"
  else
    echo "$what: MISMATCH"
    cat "$dir/diff.txt"
    status=1
  fi
}
check "file" ./target/release/gatelog summary --output csv "$dir/access.log"
check "gzip" ./target/release/gatelog summary --output csv "$dir/access.log.gz"
check "stdin" sh -c "./target/release/gatelog summary --output csv < '$dir/access.log'"
exit $status

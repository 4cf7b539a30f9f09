#!/usr/bin/env bash
# Checks that the working tree's `gatelog` writes exactly what BASE_REV's writes: runs both
# release binaries with the same arguments over every log fixture under testdata/ and compares
# stdout, stderr, the exit code and (for `report`) the HTML file, byte for byte.
#
# Covered: summary, timeline, spikes and report (plus events) with each output format, on each
# log fixture alone, on the fixtures of each directory together, on directories (one of them
# and the whole testdata tree), on mixed-format sets, with timeline buckets, deploy markers
# (every file of testdata/deploys, inline markers), filters, detection options, standard input,
# compressed and hostile input, errors, colors, and a terminal of fixed width.
#
# Usage: benches/compare-outputs.sh [BASE_REV]
#   BASE_REV  the revision to compare with (default 0549ecb, the last commit before the engine
#             moved out of the binary); `HEAD` compares the working tree with its last commit.
# BASE_REV's binary is built in a throwaway git worktree (removed on exit, also on failure)
# with its own target directory, target/compare-base/target, kept between runs; the binary is
# cached as target/compare-base/<commit>/gatelog and not rebuilt while it is there (remove
# target/compare-base to start over).
# Environment: COMPARE_TIMEOUT, seconds one gatelog run may take (default 1200);
#              COMPARE_VERBOSE=1 prints every run with its time (both binaries) to stderr.
# Needs: git, cargo, cmp, diff, gzip, timeout; zstd, bzip2 and script (util-linux) add cases.
# Prints one block per difference and a last line `compare-outputs: N runs, N identical,
# N differ`; exits 0 only when every run is identical.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
base_rev=${1:-0549ecb}
limit=${COMPARE_TIMEOUT:-1200}

base_sha=$(git rev-parse --verify --quiet "$base_rev^{commit}") || {
  echo "compare-outputs: unknown revision $base_rev" >&2
  exit 2
}
cache=$root/target/compare-base/$base_sha
work=$(mktemp -d "${TMPDIR:-/tmp}/compare-outputs.XXXXXX")
src=""
cleanup() {
  if [ -n "$src" ]; then
    git worktree remove --force "$src" 2>/dev/null || { rm -rf "$src"; git worktree prune; }
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- The two binaries -------------------------------------------------------------------------

base_bin=$cache/gatelog
if [ -x "$base_bin" ]; then
  echo "compare-outputs: base ${base_sha:0:12}: cached binary $base_bin" >&2
else
  echo "compare-outputs: base ${base_sha:0:12}: building in a temporary worktree" >&2
  mkdir -p "$root/target/compare-base"
  src=$(mktemp -d "$root/target/compare-base/src.XXXXXX")
  git worktree add --quiet --detach "$src" "$base_sha"
  (cd "$src" && CARGO_TARGET_DIR="$root/target/compare-base/target" \
    cargo build --release --locked --quiet -p gatelog)
  mkdir -p "$cache"
  cp "$root/target/compare-base/target/release/gatelog" "$cache/gatelog.tmp"
  mv "$cache/gatelog.tmp" "$base_bin"
  git worktree remove --force "$src"
  src=""
fi
echo "compare-outputs: current tree: building" >&2
cargo build --release --quiet -p gatelog
# A copy, so that another build of the tree during the run cannot swap it; named `gatelog`
# like the base binary, since clap's usage messages print the name the program was run as.
mkdir "$work/current"
cur_bin=$work/current/gatelog
cp target/release/gatelog "$cur_bin"

# --- The environment ---------------------------------------------------------------------------

# Both binaries read the same files from the same directory (this tree's testdata/, by relative
# path) in the same environment. Colors off unless a case asks for them; a fixed width for the
# terminal cases. RUST_BACKTRACE=0: a panic's backtrace holds build-specific addresses and
# paths, so a panic in both would show as a difference; its message alone is compared.
export NO_COLOR=1 COLUMNS=100 TZ=UTC LC_ALL=C RUST_BACKTRACE=0
unset RUST_LOG
# Nothing in the outputs was found to vary between two runs of one binary: no generation time,
# no absolute path except those given on the command line (the inputs derived below live in
# $work, the report is written to the same $out path by both binaries), so nothing is
# normalised. One input-dependent default to know of: a HAProxy file without a dated line takes
# its year from the file's modification time, and standard input without one from the clock;
# both binaries see the same file and the same year (unless a run straddles New Year).

# --- Inputs -------------------------------------------------------------------------------------

# The log fixtures: every file under testdata/ except the READMEs, the deploy markers
# (testdata/deploys/, whose git.log is a marker file) and the expected-value tables: `.classes`
# (nginx-access), `.formats` (mixed), `.conf` (the log_format directives) and the corpus's
# `.tsv` (its lines are read by the whole-tree runs).
logs=()
while IFS= read -r f; do logs+=("$f"); done < <(
  find testdata -type f ! -path 'testdata/deploys/*' ! -name README.md \
    ! -name '*.classes' ! -name '*.formats' ! -name '*.conf' ! -name '*.tsv' | LC_ALL=C sort
)
dirs=()
while IFS= read -r d; do dirs+=("$d"); done < <(printf '%s\n' "${logs[@]}" | sed 's|/[^/]*$||' | uniq)
# Deploy marker files (bad.jsonl and zoneless.csv are refused: their errors are compared).
markers=()
while IFS= read -r f; do markers+=("$f"); done < <(
  find testdata/deploys -type f ! -name README.md | LC_ALL=C sort
)

in=$work/in
mkdir -p "$in"
# The ALB and ELB fixtures start each line with its expected class and a tab; the bare lines.
for f in alb elb; do
  grep -v -e '^#' -e '^$' "testdata/$f/classes.log" | cut -f2- >"$in/$f.log"
done
# One log_format directive per access-log fixture, from formats.conf.
for name in combined main_upstream upstreaminfo iso_timed json_upstream; do
  awk -v name="$name" '$1 == "log_format" && $2 == name { on = 1 }
    on { print } on && /;[[:space:]]*$/ { exit }' testdata/nginx-access/formats.conf \
    >"$in/$name.conf"
done
sample=testdata/nginx-error/sample.log
gzip -nc "$sample" >"$in/sample.log.gz"
gzip -nc testdata/mixed/all-formats.log >"$in/mixed.log.gz"
# Cut inside the stream: reported with how far it was read, exit code 2.
head -c "$(($(wc -c <"$in/mixed.log.gz") / 2))" "$in/mixed.log.gz" >"$in/cut.log.gz"
# CRLF line ends, terminal escapes, bytes that are not UTF-8, a NUL, an overlong line.
sed 's/$/\r/' "$sample" >"$in/crlf.log"
{
  head -n 20 "$sample"
  printf '2024/03/14 09:26:51 [error] 7#7: *9 connect() failed (111: Connection refused) while connecting to upstream, client: 203.0.113.9, server: \033[2J\033]0;x\007evil, request: "GET /\xff\xfe\x00 HTTP/1.1", upstream: "http://10.0.4.21:8080/\033[31m", host: "a"\n'
  printf '\033[31m\xc3\x28 not a log line\n'
  head -c 70000 /dev/zero | tr '\0' 'x'
  printf '\n'
  tail -n 20 "$sample"
} >"$in/hostile.log"
extra=()
if command -v zstd >/dev/null; then
  zstd -q -c testdata/nginx-access/combined.log >"$in/combined.log.zst"
  extra+=("$in/combined.log.zst")
fi
if command -v bzip2 >/dev/null; then
  bzip2 -c testdata/haproxy/http.log >"$in/http.log.bz2"
  extra+=("$in/http.log.bz2")
fi
# Files of different formats read together: the mixed journal (all five formats, ALB and ELB
# included) beside an nginx error log, an nginx access log and a HAProxy log. (The bare ALB and
# ELB lines span years, second by second: kept to their own runs, which take seconds each.)
mixed_set=("$sample" testdata/nginx-access/main_upstream.log testdata/haproxy/http.log
  testdata/mixed/all-formats.log)

# --- Running and comparing ----------------------------------------------------------------------

out=$work/report.html # `report -o "$out"`: the same path for both binaries
runs=0
same=0
differ=0

# run [--stdin FILE] [--tty COLUMNS] ARG...: runs both binaries with ARG... and compares what
# they wrote. --tty runs them with stdout on a pseudo-terminal COLUMNS wide (stderr still goes
# to a file, so no progress bar is drawn).
run() {
  local stdin=/dev/null tty=""
  while :; do
    case $1 in
      --stdin) stdin=$2; shift 2 ;;
      --tty) tty=$2; shift 2 ;;
      *) break ;;
    esac
  done
  local side bin rc start=${EPOCHREALTIME/./}
  for side in base current; do
    if [ "$side" = base ]; then bin=$base_bin; else bin=$cur_bin; fi
    rm -f "$out" "$work/$side".*
    rc=0
    if [ -n "$tty" ]; then
      COLUMNS=$tty script -qec "$(printf '%q ' timeout --foreground "$limit" "$bin" "$@") \
        2>$(printf '%q' "$work/$side.stderr")" /dev/null <"$stdin" >"$work/$side.stdout" || rc=$?
    else
      timeout "$limit" "$bin" "$@" <"$stdin" >"$work/$side.stdout" 2>"$work/$side.stderr" || rc=$?
    fi
    if [ -e "$out" ]; then
      mv "$out" "$work/$side.html"
      printf 'exit code %s, report written\n' "$rc" >"$work/$side.status"
    else
      printf 'exit code %s, no report\n' "$rc" >"$work/$side.status"
    fi
  done
  runs=$((runs + 1))
  if [ "${COMPARE_VERBOSE:-}" = 1 ]; then
    local us=$((${EPOCHREALTIME/./} - start))
    printf '[%d.%03d s] gatelog %s\n' $((us / 1000000)) $((us / 1000 % 1000)) "${*//"$work"/\$TMP}" >&2
  fi
  local what bad=()
  for what in status stdout stderr html; do
    [ -e "$work/base.$what" ] || [ -e "$work/current.$what" ] || continue
    cmp -s "$work/base.$what" "$work/current.$what" 2>/dev/null || bad+=("$what")
  done
  if [ ${#bad[@]} -eq 0 ]; then
    same=$((same + 1))
    return
  fi
  differ=$((differ + 1))
  local line
  line=$(printf ' %q' "$@")
  line=${line//"$work"/\$TMP}
  printf 'DIFFER (%s):%s gatelog%s\n' "${bad[*]}" "${tty:+ [terminal, $tty columns]}" "$line"
  if [ "$stdin" != /dev/null ]; then printf '  stdin: %s\n' "${stdin//"$work"/\$TMP}"; fi
  for what in "${bad[@]}"; do
    if [ "$what" = html ] && ! { [ -e "$work/base.html" ] && [ -e "$work/current.html" ]; }; then
      continue # the status line says which one wrote no report
    fi
    { diff -a -u --label "base $what" --label "current $what" \
      "$work/base.$what" "$work/current.$what" || true; } | head -n 12 | sed 's/^/    /'
  done
}

# --- The cases ------------------------------------------------------------------------------------

# Every log fixture alone, every command, every output format.
for f in "${logs[@]}" "$in/alb.log" "$in/elb.log"; do
  for o in table json csv; do
    run summary --color never -o "$o" "$f"
    run timeline --color never -o "$o" "$f"
    run spikes --color never -o "$o" "$f"
  done
  run report -o "$out" "$f"
  run events --unparsed "$f"
  run events --unparsed -o csv "$f"
done

# The access-log fixtures read with the log_format that wrote each.
for name in combined main_upstream upstreaminfo iso_timed json_upstream; do
  f=testdata/nginx-access/$name.log
  run summary --nginx-log-format "$in/$name.conf" "$f"
  run summary --nginx-log-format "$in/$name.conf" -o json "$f"
  run timeline --nginx-log-format "$in/$name.conf" -o csv "$f"
  run spikes --nginx-log-format "$in/$name.conf" -o json "$f"
  run report --nginx-log-format "$in/$name.conf" -o "$out" "$f"
  run events --nginx-log-format "$in/$name.conf" --unparsed "$f"
done
run summary --nginx-log-format "$(cat "$in/iso_timed.conf")" testdata/nginx-access/iso_timed.log

# The fixtures of each directory together, then directories given as such: one of them, the
# whole tree (which also reads the READMEs, the tables and the deploy files as logs), globs.
for d in "${dirs[@]}"; do
  files=()
  for f in "${logs[@]}"; do [ "${f%/*}" = "$d" ] && files+=("$f"); done
  for o in table json csv; do
    run summary -o "$o" "${files[@]}"
    run timeline -o "$o" "${files[@]}"
    run spikes -o "$o" "${files[@]}"
  done
  run report -o "$out" "${files[@]}"
done
for t in testdata/nginx-error testdata; do
  for o in table json csv; do run summary -o "$o" "$t"; done
  run timeline "$t"
  run spikes "$t"
  run report -o "$out" "$t"
done
run events --unparsed testdata/nginx-error
run summary --glob '*.log' testdata
run summary --glob 'haproxy/*.log' -o json testdata
run summary --glob 'error.log*' testdata

# Mixed formats: one journal of all five, and files of different formats together.
for o in table json csv; do
  run summary -o "$o" "${mixed_set[@]}"
  run timeline -o "$o" "${mixed_set[@]}"
  run spikes -o "$o" "${mixed_set[@]}"
done
run report -o "$out" "${mixed_set[@]}"
run events --unparsed -o csv "${mixed_set[@]}"
run summary --format nginx-error testdata/mixed/all-formats.log
run summary --format haproxy testdata/mixed/all-formats.log
run summary --format alb "$in/alb.log" "$in/elb.log"
run summary --format elb -o json "$in/alb.log" "$in/elb.log"

# Timeline buckets (1s and 10s only on short spans: every bucket of a decade is slow).
for b in 1s 10s 5m 1h 1d; do
  run timeline --bucket "$b" "$sample"
  run timeline --bucket "$b" -o json "$sample"
  run timeline --bucket "$b" -o csv testdata/mixed/all-formats.log
done
for b in 5m 1h 1d; do
  run timeline --bucket "$b" testdata/nginx-error/*.log
  run timeline --bucket "$b" -o csv "${mixed_set[@]}"
done
run timeline --bucket 30s testdata/nginx-access/main_upstream.log
run report --bucket 10s -o "$out" "$sample"
run report --bucket 1h -o "$out" "${mixed_set[@]}"

# Deploy markers: every marker file, inline markers, the options that go with them.
deploy=2024-03-14T09:26:50Z=v42@cart
for m in "${markers[@]}"; do
  run spikes --deploys "$m" "$sample"
  run spikes --deploys "$m" -o json "$sample"
  run spikes --deploys "$m" -o csv "$sample"
  run timeline --deploys "$m" "$sample"
done
good_markers=()
for m in "${markers[@]}"; do
  case $m in */bad.jsonl | */zoneless.csv) ;; *) good_markers+=(--deploys "$m") ;; esac
done
for o in table json csv; do
  run spikes --deploy "$deploy" -o "$o" "$sample"
  run spikes "${good_markers[@]}" --deploy "$deploy" -o "$o" "${mixed_set[@]}"
  run timeline --deploy "$deploy" -o "$o" "$sample"
done
run spikes --deploy 2024-03-14T09:26:50Z=v42@api --service-map api=10.0.4.21:8080,10.0.4.22:8080 "$sample"
run spikes --deploy 2024-03-14T09:26:30Z=v41 --deploy-skew 30s "$sample"
run spikes --deploy 'at=2024-03-14T09:26:45Z,end=2024-03-14T09:26:55Z,version=v43,service=cart,kind=rollback' -o json "$sample"
run spikes --deploy @1710408410 -o csv "$sample"
run spikes --deploy 2024-03-14T09:26:50 "$sample"
run --stdin testdata/deploys/generic.jsonl spikes --deploys - "$sample"
run timeline --deploy "$deploy" --bucket 5m testdata/nginx-error/*.log
run report --deploy "$deploy" -o "$out" "$sample"
run report "${good_markers[@]}" --service-map cart=10.0.4.21:8080 -o "$out" "${mixed_set[@]}"
run report --deploys testdata/deploys/bad.jsonl -o "$out" "$sample"

# Detection options.
for s in low normal high; do run spikes --sensitivity "$s" testdata/nginx-error/*.log; done
# Segments cut every hour of the span: on inputs that span years a run takes minutes.
for o in table json csv; do run spikes --method segments -o "$o" "$sample"; done
run spikes --method segments --since 2024-03-14T00:00:00Z testdata/nginx-error/*.log
run spikes --min-errors 2 "$sample"
run spikes --min-errors 2 --baseline 5m -o json "$sample"
run spikes --baseline 30s "$sample"
run spikes --fail-on-spike "$sample"
run spikes --fail-on-spike testdata/nginx-error/info.log

# Filters, zones, years, reading options.
for c in summary timeline spikes; do
  run "$c" --class connect_refused,no_live_upstreams "$sample"
  run "$c" --upstream 10.0.4.21:8080 --upstream - "$sample"
  run "$c" --since 2024-03-14T09:26:50Z --until '2024-03-14 09:27:05' "$sample"
  run "$c" --tz Europe/Paris "${mixed_set[@]}"
  run "$c" --year 2019 testdata/haproxy/*.log
  run "$c" -j 1 --no-mmap "${mixed_set[@]}"
done
run report --class connect_refused --tz +02:00 -o "$out" "$sample"
run report --year 2019 -o "$out" testdata/haproxy/*.log
run summary --class no_such_class "$sample"
run summary --tz Mars/Olympus "$sample"
run summary --since yesterday "$sample"
run timeline --bucket 0s "$sample"
run summary --unknown-option "$sample"

# Standard input, compressed files, hostile input, missing files.
for c in summary timeline spikes; do
  run --stdin "$sample" "$c"
  run --stdin testdata/mixed/all-formats.log "$c" -o json -
  run --stdin testdata/haproxy/framing.log "$c" -o csv
  run "$c" "$in/sample.log.gz" "$in/mixed.log.gz" "${extra[@]}"
  run "$c" "$in/cut.log.gz"
  run "$c" "$in/crlf.log" "$in/hostile.log"
  run "$c" testdata/nginx-error/no-such-file.log "$sample"
done
run --stdin /dev/null summary
run --stdin "$in/hostile.log" events --unparsed --raw
run report -o "$out" "$in/sample.log.gz" "$in/cut.log.gz" "$in/hostile.log" "${extra[@]}"
run report -o "$out" testdata/nginx-error/no-such-file.log
run report -o "$work/no-such-dir/report.html" "$sample"

# Colors, and a terminal 100 columns wide (summary keeps its most frequent classes, timeline
# narrows its sparklines) or 60.
for c in summary timeline spikes; do
  run "$c" --color always "$sample"
  run "$c" --color always "${mixed_set[@]}"
done
if command -v script >/dev/null; then
  for c in summary timeline spikes; do
    run --tty 100 "$c" "$sample"
    run --tty 100 "$c" testdata/nginx-error/*.log
    run --tty 60 "$c" --color always "${mixed_set[@]}"
  done
else
  echo "compare-outputs: no \`script\` command: the terminal cases are skipped" >&2
fi

echo "compare-outputs: $runs runs, $same identical, $differ differ"
[ "$differ" -eq 0 ]

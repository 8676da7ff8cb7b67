#!/usr/bin/env bash
# Every performance figure of the README, each beside a baseline measured in the same run, on
# the fully optimized build (the `dist` profile).
#
#   benches/run.sh [N]        (default N = 10000 runbooks; 100000 for the large corpus)
#
# Needs hyperfine, wrk and ripgrep (Debian: apt-get install hyperfine wrk ripgrep).
# Set SKIP_HTTP=1 to leave out the two 30-second HTTP runs. Criterion's per-kind figures come
# from `cargo bench`.
set -euo pipefail
N=${1:-10000}
cd "$(dirname "$0")/.."
for tool in hyperfine wrk rg python3 curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install hyperfine wrk ripgrep curl)"; exit 2; }
done

cargo build --profile dist --bin runbook --example gen_corpus --example save_latency --example perf 2>/dev/null
# Wherever cargo puts its builds (CARGO_TARGET_DIR may move them).
TARGET=${CARGO_TARGET_DIR:-target}
BIN=$TARGET/dist/runbook
ROOT=target/bench-corpus-$N
"$TARGET"/dist/examples/gen_corpus "$ROOT" "$N" 42 >/dev/null
BYTES=$(cat "$ROOT/.complete")
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; corpus: $N runbooks, $((BYTES / 1000000)) MB (words-only search)"

echo
echo "== full index build, whole process (runbook index --rebuild)"
rm -rf "$ROOT/.runbook"
/usr/bin/time -f "%e %M" -o /tmp/runbook-index.time "$BIN" --root "$ROOT" index --rebuild >/dev/null
read -r SECS KB </tmp/runbook-index.time
python3 -c "print(f'runbook index: {$SECS:.2f} s, {$BYTES/1e6/$SECS:.1f} MB/s, peak RSS {$KB/1024:.0f} MB (target: build RSS <= 500 MB at 100k)')"

echo
echo "== full index build in process vs a plain tantivy index of the same files (target: >= 25 MB/s, ratio <= 1.5)"
"$TARGET"/dist/examples/perf build "$ROOT" 3

echo
echo "== runbook search (whole process, warm index, staleness check included) vs rg -i -l, 5 hyperfine runs in a row (target: ratio <= 0.5 in each)"
WORD=replication
"$BIN" --root "$ROOT" index >/dev/null
for run in 1 2 3 4 5; do
  hyperfine -N --warmup 3 --runs 20 --export-json /tmp/runbook-search.json \
    "$BIN --root $ROOT search $WORD --limit 10" \
    "rg -i -l $WORD $ROOT/runbooks" >/dev/null
  RUN=$run python3 - <<'PY'
import json, os, statistics
runs = json.load(open("/tmp/runbook-search.json"))["results"]
ours, rg = (statistics.median(r["times"]) * 1000 for r in runs)
print(f"run {os.environ['RUN']}: runbook search median {ours:.1f} ms, rg -i -l {rg:.1f} ms, ratio {ours / rg:.2f}")
PY
done

echo
echo "== save -> searchable under serve"
"$TARGET"/dist/examples/save_latency "$BIN" "$ROOT" 40

echo
echo "== in-process search, the query mix on both cores, vs plain tantivy on the same files (target at 100k: median <= 10 ms)"
"$TARGET"/dist/examples/perf search "$ROOT" 30

if [ -n "${SKIP_HTTP:-}" ]; then exit 0; fi
"$BIN" --root "$ROOT" serve --bind 127.0.0.1:7899 --no-watch >/tmp/runbook-serve.out 2>/dev/null &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
until curl -fs http://127.0.0.1:7899/healthz | grep -q '"ready":true'; do sleep 0.2; done
for script in wrk wrk-uncached; do
  echo
  echo "== HTTP /api/search under load: $script.lua (wrk, 2 threads, 32 connections, 30 s, query mix)"
  echo "   (targets: cached >= 3,000 req/s; every query new >= 1,500 req/s; p99 <= 25 ms; no errors)"
  wrk -t2 -c32 -d30s --latency -s "benches/$script.lua" http://127.0.0.1:7899 \
    | grep -E "Requests/sec|50%|99%|Non-2xx|Socket errors|requests in"
done
echo "peak RSS of the server: $(awk '/VmHWM/ {printf "%.0f MB", $2/1024}' /proc/$PID/status) (target: <= 150 MB)"

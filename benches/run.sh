#!/usr/bin/env bash
# Whole-process and HTTP figures, each against a baseline measured in the same run.
#
#   benches/run.sh [N]        (default N = 10000 runbooks)
#
# Needs hyperfine, wrk and ripgrep (Debian: apt-get install hyperfine wrk ripgrep).
# In-process figures (index build vs the parse-only floor, search latency per query kind) come
# from `cargo bench`.
set -euo pipefail
N=${1:-10000}
cd "$(dirname "$0")/.."
for tool in hyperfine wrk rg python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install hyperfine wrk ripgrep)"; exit 2; }
done

cargo build --release --bin runbook --example gen_corpus --example save_latency 2>/dev/null
# Wherever cargo puts its builds (CARGO_TARGET_DIR may move them).
TARGET=${CARGO_TARGET_DIR:-target}
BIN=$TARGET/release/runbook
ROOT=target/bench-corpus-$N
[ -f "$ROOT/.complete" ] || "$TARGET"/release/examples/gen_corpus "$ROOT" "$N" 42
BYTES=$(cat "$ROOT/.complete")
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; corpus: $N runbooks, $((BYTES / 1000000)) MB"

echo "== full index build (whole process)"
rm -rf "$ROOT/.runbook"
START=$(date +%s.%N)
"$BIN" --root "$ROOT" index >/dev/null
END=$(date +%s.%N)
python3 -c "s=$END-$START; print(f'index build: {s:.2f} s, {$BYTES/1e6/s:.1f} MB/s')"

echo "== runbook search (whole process, warm index, staleness check included) vs rg -i -l"
WORD=replication
hyperfine -N --warmup 3 --runs 40 --export-json /tmp/runbook-search.json \
  "$BIN --root $ROOT search $WORD --limit 10" \
  "rg -i -l $WORD $ROOT/runbooks" >/dev/null
python3 - <<'PY'
import json, statistics
runs = json.load(open("/tmp/runbook-search.json"))["results"]
def fig(r):
    t = sorted(r["times"]); return statistics.median(t) * 1000, t[int(0.95 * (len(t) - 1))] * 1000
ours, rg = fig(runs[0]), fig(runs[1])
print(f"runbook search: median {ours[0]:.1f} ms, p95 {ours[1]:.1f} ms")
print(f"rg -i -l:       median {rg[0]:.1f} ms, p95 {rg[1]:.1f} ms")
print(f"ratio (runbook / rg, median): {ours[0] / rg[0]:.2f}")
PY

echo "== save -> searchable under serve"
"$TARGET"/release/examples/save_latency "$BIN" "$ROOT" 40

"$BIN" --root "$ROOT" serve --bind 127.0.0.1:7899 --no-watch >/tmp/runbook-serve.out 2>/dev/null &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
until curl -fs http://127.0.0.1:7899/healthz | grep -q '"ready":true'; do sleep 0.2; done
for script in wrk wrk-uncached; do
  echo "== HTTP /api/search under load: $script.lua (wrk, 2 threads, 32 connections, 30 s, query mix)"
  wrk -t2 -c32 -d30s --latency -s "benches/$script.lua" http://127.0.0.1:7899 \
    | grep -E "Requests/sec|50%|99%|Non-2xx|Socket errors|requests in"
done
echo "peak RSS of the server: $(awk '/VmHWM/ {printf "%.0f MB", $2/1024}' /proc/$PID/status)"

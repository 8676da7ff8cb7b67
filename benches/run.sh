#!/usr/bin/env bash
# Every performance figure of the README, each beside a baseline measured in the same run, on
# the fully optimized build (the `dist` profile).
#
#   benches/run.sh [N]        (default N = 10000 runbooks; 100000 for the large corpus)
#
# Needs hyperfine, wrk and ripgrep (Debian: apt-get install hyperfine wrk ripgrep).
# Set SKIP_HTTP=1 to leave out the HTTP runs (words only and with the model). Criterion's
# per-kind figures come from `cargo bench`.
#
# The corpus's own book.toml searches by words only; the sentence model's figures (the default
# configuration) come from a second root over the same files (hard links) without that line:
# its server computes every vector in the background, and is measured while it does (searches
# per second and latency beside the words-only server's, in this run), then with no load until
# every section has its vector or FILL_WAIT seconds have passed (default 600; the rest is
# extrapolated from the rate), then under the same HTTP load as words only. SKIP_MODEL=1 leaves
# it out.
set -euo pipefail
N=${1:-10000}
cd "$(dirname "$0")/.."
for tool in hyperfine wrk rg python3 curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install hyperfine wrk ripgrep curl)"; exit 2; }
done

# PROFILE=release checks that this script runs without the long fat-LTO build; the README's
# figures are dist's.
PROFILE=${PROFILE:-dist}
cargo build --profile "$PROFILE" --bin runbook --example gen_corpus --example save_latency --example perf 2>/dev/null
# Wherever cargo puts its builds (CARGO_TARGET_DIR may move them).
TARGET=${CARGO_TARGET_DIR:-target}/$PROFILE
BIN=$TARGET/runbook
ROOT=target/bench-corpus-$N
"$TARGET"/examples/gen_corpus "$ROOT" "$N" 42 >/dev/null
BYTES=$(cat "$ROOT/.complete")
echo "build: $PROFILE; machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; corpus: $N runbooks, $((BYTES / 1000000)) MB (words-only search)"

echo
echo "== full index build, whole process (runbook index --rebuild)"
rm -rf "$ROOT/.runbook"
/usr/bin/time -f "%e %M" -o /tmp/runbook-index.time "$BIN" --root "$ROOT" index --rebuild >/dev/null
read -r SECS KB </tmp/runbook-index.time
python3 -c "print(f'runbook index: {$SECS:.2f} s, {$BYTES/1e6/$SECS:.1f} MB/s, peak RSS {$KB/1024:.0f} MB (target: build RSS <= 500 MB at 100k)')"

echo
echo "== full index build in process vs a plain tantivy index of the same files (target: >= 25 MB/s, ratio <= 1.5)"
"$TARGET"/examples/perf build "$ROOT" 3

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
"$TARGET"/examples/save_latency "$BIN" "$ROOT" 40

echo
echo "== in-process search, the query mix on both cores, vs plain tantivy on the same files (target at 100k: median <= 10 ms)"
"$TARGET"/examples/perf search "$ROOT" 30

if [ -n "${SKIP_HTTP:-}" ]; then exit 0; fi
PORT=7899
PID=
trap 'kill $PID 2>/dev/null || true' EXIT
serve() { # ROOT: starts a server and waits until it answers ready
  "$BIN" --root "$1" serve --bind 127.0.0.1:$PORT --no-watch >/tmp/runbook-serve.out 2>&1 &
  PID=$!
  until curl -fs http://127.0.0.1:$PORT/healthz | grep -q '"ready":true'; do sleep 0.2; done
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; }
peak_rss() { awk '/VmHWM/ {printf "%.0f MB", $2/1024}' "/proc/$PID/status"; }
semantic() { # sections and embedded, as /healthz says
  curl -fs http://127.0.0.1:$PORT/healthz | python3 -c 'import json, sys; s = json.load(sys.stdin)["semantic"]; print(s.get("sections", 0), s.get("embedded", 0), s["state"])'
}
load() { # SCRIPT LABEL: 30 s of wrk; prints its figures and keeps req/s in /tmp/runbook-wrk-LABEL
  wrk -t2 -c32 -d30s --latency -s "benches/$1.lua" http://127.0.0.1:$PORT >"/tmp/runbook-wrk-$2.out"
  grep -E "Requests/sec|50%|99%|Non-2xx|Socket errors|requests in" "/tmp/runbook-wrk-$2.out"
  awk '/Requests\/sec/ {print $2}' "/tmp/runbook-wrk-$2.out" >"/tmp/runbook-wrk-$2"
}

serve "$ROOT"
for script in wrk wrk-uncached; do
  echo
  echo "== HTTP /api/search under load, words only: $script.lua (wrk, 2 threads, 32 connections, 30 s, query mix)"
  echo "   (targets: cached >= 3,000 req/s; every query new >= 1,500 req/s; p99 <= 25 ms; no errors)"
  load "$script" "words-$script"
done
echo "peak RSS of the server: $(peak_rss) (target: <= 150 MB)"
stop

if [ -n "${SKIP_MODEL:-}" ]; then exit 0; fi
MROOT=$ROOT-model
rm -rf "$MROOT"
mkdir -p "$MROOT"
cp -al "$ROOT/runbooks" "$MROOT/runbooks"
grep -v '^semantic *= *false' "$ROOT/book.toml" >"$MROOT/book.toml"
"$BIN" --root "$MROOT" index --no-vectors >/dev/null
echo
echo "== search by meaning (the default configuration): the server computes every vector in the background"
serve "$MROOT"
read -r SECTIONS BEFORE _ < <(semantic)
STARTED=$(date +%s.%N)
echo "   $SECTIONS sections, $BEFORE with a vector at start"
echo
echo "== HTTP during the fill, every query new: wrk-uncached.lua (wrk, 2 threads, 32 connections, 30 s)"
echo "   (target: >= 0.5 x the words-only server's req/s above)"
load wrk-uncached model-filling
read -r _ UNDER_LOAD STATE < <(semantic)
LOADED=$(date +%s.%N)
python3 -c "
words, model = float(open('/tmp/runbook-wrk-words-wrk-uncached').read()), float(open('/tmp/runbook-wrk-model-filling').read())
print(f'searches/s during the fill {model:.0f} vs words only {words:.0f}: ratio {model / words:.2f} (target >= 0.5)')
print(f'the fill under that load: {($UNDER_LOAD - $BEFORE) / ($LOADED - $STARTED):.1f} sections/s ({$BEFORE} -> {$UNDER_LOAD} of {$SECTIONS}, $STATE)')"
echo
echo "== the fill with no load (at most ${FILL_WAIT:=600} s)"
DEADLINE=$(($(date +%s) + FILL_WAIT))
while read -r _ DONE STATE < <(semantic) && [ "$STATE" != ready ] && [ "$(date +%s)" -lt $DEADLINE ]; do sleep 2; done
read -r _ DONE STATE < <(semantic)
ENDED=$(date +%s.%N)
python3 -c "
rate = ($DONE - $UNDER_LOAD) / ($ENDED - $LOADED)
if '$STATE' == 'ready':
    print(f'every section had its vector {$ENDED - $STARTED:.0f} s after the server was ready (30 s of them under load); {rate:.1f} sections/s with no load')
else:
    print(f'{$DONE} of {$SECTIONS} sections after {$ENDED - $STARTED:.0f} s; {rate:.1f} sections/s with no load: every one in about {($ENDED - $STARTED) + ($SECTIONS - $DONE) / max(rate, 1e-9):.0f} s')"
echo "peak RSS of the server during the fill: $(peak_rss) (target: <= 250 MB)"
for script in wrk wrk-uncached; do
  echo
  echo "== HTTP /api/search under load, model on ($STATE): $script.lua (wrk, 2 threads, 32 connections, 30 s, query mix)"
  load "$script" "model-$script"
done
echo "peak RSS of the server, model on: $(peak_rss) (target: <= 250 MB)"
stop

#!/usr/bin/env bash
# Scale-out, shown end to end on one machine and only on loopback: two `runbook serve --pull`
# replicas, each with its own clone of one bare repository, behind HAProxy with /healthz checks.
#
#   1. both replicas come up and HAProxy sees them healthy;
#   2. an author pushes a new runbook; both replicas answer it through the balancer;
#   3. one replica is killed; every request through the balancer is still answered.
#
# Needs git, curl and HAProxy (Debian: apt-get install haproxy curl). Exit 0 when every step held.
#
# Environment (all optional):
#   RUNBOOK        the runbook binary (default: runbook on PATH)
#   LB_PORT        HAProxy's port (7880); REPLICA1_PORT, REPLICA2_PORT (7881, 7882)
#   PULL_SECS      how often the replicas pull (2)
#   REQUESTS       requests sent after the kill (50)
#   DEMO_DIR       work folder (default: a new temporary folder, removed at the end)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
runbook="${RUNBOOK:-runbook}"
lb_port="${LB_PORT:-7880}"
r1_port="${REPLICA1_PORT:-7881}"
r2_port="${REPLICA2_PORT:-7882}"
pull_secs="${PULL_SECS:-2}"
requests="${REQUESTS:-50}"
lb="http://127.0.0.1:$lb_port"

if [[ -n "${DEMO_DIR:-}" ]]; then
  work="$DEMO_DIR"
  mkdir -p "$work"
else
  work="$(mktemp -d)"
fi
pids=()
cleanup() {
  # Only the processes this script started, by their ids.
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if [[ -z "${DEMO_DIR:-}" ]]; then
    rm -rf "$work"
  fi
}
trap cleanup EXIT

say() { printf '== %s\n' "$*"; }
fail() {
  printf 'FAILED: %s\n' "$*" >&2
  for log in "$work"/*.log; do
    [[ -f "$log" ]] && { printf -- '--- %s\n' "$log" >&2; tail -n 20 "$log" >&2; }
  done
  exit 1
}
git_() {
  git -c user.name="Demo Author" -c user.email=author@example.com -c commit.gpgsign=false \
    -c init.defaultBranch=main "$@"
}

# Polls COMMAND until it succeeds, for at most SECS seconds.
wait_for() {
  local secs="$1" what="$2"
  shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "$what: not within ${secs}s"
    sleep 0.2
  done
}
ready() { curl -fsS --max-time 2 "$1/healthz" | grep -q '"ready":true'; }

say "one bare repository holding the example knowledge base"
git_ init --quiet --bare "$work/upstream.git"
git_ clone --quiet "$work/upstream.git" "$work/author" 2>/dev/null
cp "$repo/book.toml" "$work/author/"
cp -R "$repo/runbooks" "$work/author/"
git_ -C "$work/author" add -A
git_ -C "$work/author" commit --quiet -m "Example runbooks"
git_ -C "$work/author" push --quiet origin HEAD:main

for n in 1 2; do
  port_var="r${n}_port"
  port="${!port_var}"
  git_ clone --quiet "$work/upstream.git" "$work/replica$n"
  say "replica$n: runbook serve --pull $pull_secs on 127.0.0.1:$port"
  "$runbook" --root "$work/replica$n" --index-dir "$work/state$n" \
    serve --bind "127.0.0.1:$port" --pull "$pull_secs" >"$work/replica$n.log" 2>&1 &
  pids+=($!)
  eval "replica${n}_pid=$!"
done
wait_for 120 "replica1 ready" ready "http://127.0.0.1:$r1_port"
wait_for 120 "replica2 ready" ready "http://127.0.0.1:$r2_port"

say "HAProxy on $lb, checking /healthz of both"
LB_ADDR="127.0.0.1:$lb_port" \
  REPLICA1_ADDR="127.0.0.1:$r1_port" \
  REPLICA2_ADDR="127.0.0.1:$r2_port" \
  haproxy -db -f "$here/haproxy.cfg" >"$work/haproxy.log" 2>&1 &
pids+=($!)
wait_for 30 "HAProxy answering" ready "$lb"

say "an author pushes runbooks/zanzibar.md"
cat >"$work/author/runbooks/zanzibar.md" <<'RUNBOOK'
---
title: Zanzibar gateway
hosting: self
owner: team-infra
servers:
  - {host: zanzibar01.prod.example.com, ip: 10.99.0.7, role: gateway}
---
# Zanzibar gateway

## Login

1. `ssh ops@zanzibar01.prod.example.com`
RUNBOOK
git_ -C "$work/author" add -A
git_ -C "$work/author" commit --quiet -m "Add the Zanzibar gateway"
git_ -C "$work/author" push --quiet origin HEAD:main

# Which replica answered a search for the new runbook through the balancer (HAProxy names it in
# X-Served-By), or nothing when the answer did not find it.
answered_by() {
  local headers body
  headers="$(mktemp -p "$work")"
  body="$(curl -sS --max-time 5 -D "$headers" "$lb/api/search?q=zanzibar01")" || return 1
  grep -q '"app":"zanzibar"' <<<"$body" || return 1
  tr -d '\r' <"$headers" | sed -n 's/^[Xx]-[Ss]erved-[Bb]y: //p'
  rm -f "$headers"
}
seen=""
deadline=$((SECONDS + 60))
until [[ "$seen" == *replica1* && "$seen" == *replica2* ]]; do
  ((SECONDS < deadline)) || fail "both replicas answering the pushed runbook (seen: ${seen:-none})"
  if by="$(answered_by)" && [[ -n "$by" && "$seen" != *"$by"* ]]; then
    seen="$seen $by"
    say "$by answers zanzibar01 through the balancer"
  fi
  sleep 0.2
done
say "both replicas answered the pushed runbook through the balancer"

say "killing replica1 (pid $replica1_pid)"
kill "$replica1_pid"
ok=0
for ((i = 1; i <= requests; i++)); do
  if [[ -n "$(answered_by)" ]]; then
    ok=$((ok + 1))
  fi
done
say "$ok/$requests requests answered after replica1 was killed"
((ok == requests)) || fail "only $ok of $requests requests were answered"
say "all steps held"

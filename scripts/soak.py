#!/usr/bin/env python3
"""Soak test for `runbook serve` (issue #17, item 2). Python 3.11, standard library only.

    python3 scripts/soak.py                      # the full run: 10,000 runbooks, 30 minutes
    python3 scripts/soak.py --ci --binary target/debug/runbook    # the 60-second variant
    python3 scripts/soak.py --words-only         # search by words only (semantic = false)

The default configuration, sentence model on, is what is soaked: the runbooks are indexed with
`runbook index --no-vectors`, so the server computes every section's vector in the background
while it is searched. First, for --compare seconds, the same load and writer run against the
same knowledge base served with `semantic = false`: the words-only figure that the searches per
second during the fill are compared with (target: at least half of it). Then, for --duration
seconds, with the model on (no kill in the first --compare seconds, the window measured):

- `runbook serve` with the folder watcher on, over N generated runbooks,
  killed with SIGKILL every --kill-every seconds (+-20%) and restarted at once;
- HTTP search load: --connections keep-alive connections sending `/api/search` requests, every
  query new (a counter word excluded with `-zzqN`, as benches/wrk-uncached.lua does);
- a writer that appends lines to runbooks (in place, or as editors save: a temporary file renamed
  over the runbook), adds, renames (os.rename, as `git mv`) and deletes runbooks, and every
  --burst-every seconds changes 300 files at once, as a `git pull` does;
- `runbook check` and `runbook search` from the command line against the same root;
- a sampler reading the server's VmRSS from /proc every --rss-every seconds, and (model on) its
  /healthz `semantic` figures (sections, embedded) every second.

Then the writer stops, the index settles, and every runbook on disk is searched for the word
only it contains (`uniq<ID>marker`), every edited one also for the word of its last edit, and
every deleted or renamed-away path must be found by no query.

Pass criteria (exit 0; any failing one exits 1, a setup problem exits 2):

1. no HTTP response with a 5xx status, from any request this script made;
2. connection failures only while the server was killed (from the SIGKILL to /healthz answering
   `ready: true` again, plus --grace seconds): each failure is timed and checked against the
   kill windows; no other status than 2xx and no 200 without `"hits"`;
3. the server never exited unless killed, every restart became ready, and no server log has a
   panic;
4. `runbook check` always exited 0 (the generated runbooks are check-clean); `runbook search`
   exited 0 (found) or 1 (nothing found), nothing else. A check that failed only because files
   it listed were deleted or renamed away before it read them is counted apart; with
   --tolerate-check-races such runs do not fail the soak;
5. after the writer stopped: /api/runbooks lists exactly the runbooks on disk; each is the hit
   for its unique word; each edited one is a hit for its last edit's word; no deleted or
   renamed-away path is a hit for anything;
6. RSS did not grow: restarts reset RSS, so samples from the first --warmup seconds of every
   server lifetime are left out; the largest remaining sample in the last third of the run must
   be at most 1.2 x the largest in the first third (1.5 x with --ci, whose lifetimes of 20 s
   are mostly warm-up; or at most 16 MiB above it, for small servers). The heap (RssAnon), the
   mapped index files (RssFile), the index's size and segments, and the slope of a linear fit
   are printed too; --kill-every 0 keeps one server lifetime for the whole run.

The figures are printed at the end and, with --json FILE, written as JSON with every RSS
sample. With the model on it also prints: searches per second during the fill against the
words-only phase (and their ratio, target >= 0.5), search latency p50/p99 in both, the fill's
rate in sections per second, the time until every section had its vector, and the peak RSS
against 250 MiB; outside --ci (a debug build is not what the targets are for) the ratio and the
peak RSS are pass criteria too. A run that failed (or --keep) leaves the knowledge base and every server lifetime's log
(serve-N.log) in the folder named at the start.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

VOCAB = (
    "database connection pool restart worker queue backlog disk full certificate expired "
    "replication lag timeout login password rotation vendor escalation nginx proxy cache "
    "memory leak cpu spike deploy rollback cron job failed backup restore snapshot volume "
    "network latency dns resolver firewall rule ssh bastion token expiry sso saml ldap "
    "kafka consumer offset redis eviction postgres vacuum index bloat kubernetes pod crash "
    "loop node drain alert pager incident maintenance window upgrade patch invoice billing "
    "payment export report mail bounce smtp relay storage bucket quota rate limit"
).split()

# Writer operations, by weight (the burst has its own mix).
OPS = (("edit", 50), ("add", 17), ("rename", 13), ("delete", 17))
BURST_MIX = (("edit", 180), ("add", 40), ("rename", 40), ("delete", 40))  # 300 files


def now() -> float:
    return time.time()


def stamp(t: float) -> str:
    """A moment as the server logs write it (UTC), to find it in serve-N.log."""
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%H:%M:%S.%f")[:-3]


def marker(i: int) -> str:
    return f"uniq{i}marker"


def edit_word(i: int, version: int) -> str:
    return f"edit{i}v{version}mark"


def runbook_text(i: int, rng: random.Random, today: str) -> str:
    """A check-clean runbook: required facts, a contact with a schedule, login steps, a fresh
    review date, a host and an IP no other runbook claims, and the word only it contains."""
    ip = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
    team = f"team-{i % 23}"
    hosting = "self" if i % 3 else "hybrid"
    problems = " ".join(rng.choice(VOCAB) for _ in range(rng.randint(40, 90)))
    steps = " ".join(rng.choice(VOCAB) for _ in range(12))
    return (
        "---\n"
        f"title: Soak app {i} {rng.choice(VOCAB)} {rng.choice(VOCAB)}\n"
        f"hosting: {hosting}\n"
        f"owner: {team}\n"
        f"tags: [soak, {rng.choice(VOCAB)}]\n"
        "servers:\n"
        f"  - {{host: soak{i}.prod.example.com, ip: {ip}, role: app}}\n"
        "contacts:\n"
        f'  - {{role: on-call, name: On-call {team}, phone: "+44 20 7946 {i % 10000:04d}", hours: 24x7}}\n'
        f"reviewed: {today}\n"
        "---\n"
        f"# Soak app {i}\n\n"
        "## Login\n"
        f"1. `ssh ops@soak{i}.prod.example.com`, then {marker(i)}.\n"
        f"2. {steps}.\n\n"
        "## Common problems\n"
        f"{problems}.\n"
    )


def write_atomically(path: Path, text: str) -> None:
    """Writes a new version of a file as editors and git do: a temporary file renamed into
    place, so no reader ever sees a half-written runbook (`check` would rightly flag one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.tmp{threading.get_ident()}")
    temp.write_text(text)
    os.replace(temp, path)


class Stats:
    """Counters shared by threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: dict[str, int] = {}
        self.samples: dict[str, list] = {}

    def add(self, key: str, n: int = 1) -> None:
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + n

    def sample(self, key: str, value, keep: int = 20) -> None:
        with self.lock:
            bucket = self.samples.setdefault(key, [])
            if len(bucket) < keep:
                bucket.append(value)

    def get(self, key: str) -> int:
        with self.lock:
            return self.counts.get(key, 0)


class Truth:
    """What is on disk: each live runbook's path (under runbooks/) and edit version; every path
    that was deleted or renamed away, with the id whose word it held."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.books = root / "runbooks"
        self.lock = threading.Lock()
        self.live: dict[int, list] = {}  # id -> [relative path, version]
        self.gone: dict[str, tuple[int, str]] = {}  # relative path -> (id, "deleted"/"renamed")
        self.next_id = 0
        self.renames = 0


class Server:
    """`runbook serve`, restarted after every kill; records kill and ready moments."""

    def __init__(self, args, root: Path, port: int, workdir: Path, stats: Stats) -> None:
        self.args, self.root, self.port, self.workdir, self.stats = args, root, port, workdir, stats
        self.proc: subprocess.Popen | None = None
        self.lifetime = -1
        self.ready_at = 0.0
        self.lifetimes: list[dict] = []
        self.windows: list[list[float]] = []  # [kill moment, ready moment] per kill
        self.crashes: list[dict] = []
        self.lock = threading.Lock()

    def start(self) -> None:
        self.lifetime += 1
        log = open(self.workdir / f"serve-{self.lifetime}.log", "wb")
        started = now()
        proc = subprocess.Popen(
            [str(self.args.binary), "--root", str(self.root), "serve",
             "--bind", f"127.0.0.1:{self.port}"],
            stdout=log, stderr=subprocess.STDOUT, env=cli_env(), start_new_session=True,
        )
        log.close()
        with self.lock:
            self.proc = proc
            self.ready_at = 0.0  # not ready yet: the RSS sampler waits
        life = {"n": self.lifetime, "pid": proc.pid, "started": started, "ready": None,
                "ended": None, "how": None, "runbooks": None}
        self.lifetimes.append(life)
        health = self.wait_ready(proc, self.args.ready_timeout)
        life["ready"] = now()
        life["runbooks"] = health.get("runbooks")
        with self.lock:
            self.ready_at = life["ready"]

    def wait_ready(self, proc, timeout: float) -> dict:
        deadline = now() + timeout
        while now() < deadline:
            if proc.poll() is not None:
                raise SetupError(f"server exited with {proc.returncode} before it was ready; "
                                 f"log: {self.workdir}/serve-{self.lifetime}.log")
            health = self.health(timeout=5)
            if health and health.get("ready") is True:
                return health
            time.sleep(0.1)
        raise SetupError(f"server not ready within {timeout} s")

    def health(self, timeout: float = 5) -> dict | None:
        status, body = http_get(self.port, "/healthz", timeout)
        self.stats.add(f"health.{status_class(status)}")
        if status and 500 <= status < 600:
            self.stats.sample("health.5xx", (stamp(now()), status, body[:300]))
        if status == 200:
            try:
                return json.loads(body)
            except ValueError:
                return None
        return None

    def kill_and_restart(self) -> None:
        with self.lock:
            proc = self.proc
        killed = now()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        life = self.lifetimes[-1]
        life["ended"], life["how"] = killed, "SIGKILL"
        window = [killed, float("inf")]
        with self.lock:
            self.windows.append(window)
        self.start()
        window[1] = self.lifetimes[-1]["ready"]

    def check_alive(self) -> None:
        """A server that exited by itself is a crash: recorded, then restarted (the failed
        requests meanwhile count as real failures)."""
        with self.lock:
            proc = self.proc
        if proc is not None and proc.poll() is not None:
            life = self.lifetimes[-1]
            life["ended"], life["how"] = now(), f"exited {proc.returncode}"
            self.crashes.append({"at": stamp(now()), "lifetime": life["n"], "code": proc.returncode,
                                 "log": str(self.workdir / f"serve-{life['n']}.log")})
            self.start()

    def current(self):
        with self.lock:
            return self.proc, self.lifetime, self.ready_at

    def stop(self) -> None:
        with self.lock:
            proc = self.proc
        if proc and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self.lifetimes and self.lifetimes[-1]["ended"] is None:
            self.lifetimes[-1]["ended"], self.lifetimes[-1]["how"] = now(), "SIGTERM at the end"


class SetupError(Exception):
    pass


def cli_env() -> dict:
    env = dict(os.environ)
    env["NO_COLOR"] = "1"
    for key in ("RUNBOOK_ROOT", "RUNBOOK_INDEX_DIR", "RUNBOOK_NOW", "RUNBOOK_SERVER",
                "RUNBOOK_LOG"):
        env.pop(key, None)
    return env


def status_class(status: int) -> str:
    if status == 0:
        return "conn_fail"
    if 200 <= status < 300:
        return "2xx"
    if 500 <= status < 600:
        return "5xx"
    return "other"


def http_get(port: int, path: str, timeout: float) -> tuple[int, str]:
    """One GET on a fresh connection: status (0 when the connection failed) and body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    except (OSError, http.client.HTTPException):
        return 0, ""
    finally:
        conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the load ---------------------------------------------------------------------------------


class Load:
    def __init__(self, args, port: int, truth: Truth, stats: Stats, stop: threading.Event):
        self.args, self.port, self.truth, self.stats, self.stop = args, port, truth, stats, stop
        self.counter = 0
        self.counter_lock = threading.Lock()
        self.failures: list[tuple[float, float, str]] = []  # (start, end, what)
        self.fail_lock = threading.Lock()
        self.latencies: list[float] = []
        self.answered: list[tuple[float, float]] = []  # (answered at, latency) of every response

    def window(self, start: float, end: float) -> dict:
        """Searches answered between two moments: per second, and their latency."""
        with self.fail_lock:
            mine = [latency for at, latency in self.answered if start <= at < end]
        return {
            "seconds": round(end - start, 1),
            "answered": len(mine),
            "per_s": round(len(mine) / max(1e-9, end - start), 1),
            "latency_ms_p50": round(percentile(mine, 0.5) * 1000, 1),
            "latency_ms_p99": round(percentile(mine, 0.99) * 1000, 1),
        }

    def next_query(self, rng: random.Random) -> str:
        with self.counter_lock:
            self.counter += 1
            n = self.counter
        kind = rng.random()
        unique = f" -zzq{n}"  # a word no runbook has, excluded: a new query, the same results
        if kind < 0.55:
            words = " ".join(rng.choice(VOCAB) for _ in range(rng.randint(1, 3)))
            return words + unique
        if kind < 0.75:
            return marker(rng.randrange(max(1, self.truth.next_id))) + unique
        if kind < 0.85:
            return f"owner:team-{rng.randrange(23)} {rng.choice(VOCAB)}" + unique
        if kind < 0.95:
            word = rng.choice([w for w in VOCAB if len(w) >= 6] or VOCAB)
            cut = rng.randrange(1, len(word) - 1)
            return word[:cut] + word[cut + 1:] + unique  # a typo: fuzzy terms, maybe "did you mean"
        return f"soak{rng.randrange(max(1, self.truth.next_id))}.prod.example.com" + unique

    def worker(self, n: int) -> None:
        rng = random.Random(self.args.seed * 1000 + n)
        conn = None
        latencies = []
        answered = []
        while not self.stop.is_set():
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.args.request_timeout)
            query = self.next_query(rng)
            path = "/api/search?limit=10&q=" + urllib.parse.quote(query)
            started = now()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                body = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as e:
                ended = now()
                self.stats.add("load.conn_fail")
                with self.fail_lock:
                    self.failures.append((started, ended, type(e).__name__))
                conn.close()
                conn = None
                time.sleep(0.05)  # the server may be down: do not spin
                continue
            ended = now()
            latencies.append(ended - started)
            answered.append((ended, ended - started))
            cls = status_class(status)
            self.stats.add(f"load.{cls}")
            if cls == "5xx":
                self.stats.sample("load.5xx", (stamp(started), status, query, body[:300].decode("utf-8", "replace")))
            elif cls == "other":
                self.stats.sample("load.other", (stamp(started), status, query, body[:300].decode("utf-8", "replace")))
            elif b'"hits"' not in body:
                self.stats.add("load.bad_body")
                self.stats.sample("load.bad_body", (stamp(started), status, query, body[:300].decode("utf-8", "replace")))
            if response.will_close:
                conn.close()
                conn = None
        if conn is not None:
            conn.close()
        with self.fail_lock:
            self.latencies.extend(latencies)
            self.answered.extend(answered)


# --- the writer -------------------------------------------------------------------------------


class Writer:
    def __init__(self, args, truth: Truth, stats: Stats, stop: threading.Event):
        self.args, self.truth, self.stats, self.stop = args, truth, stats, stop
        self.rng = random.Random(args.seed + 1)
        self.today = datetime.date.today().isoformat()
        self.bursts = 0
        self.burst_seconds: list[float] = []
        self.last_write = now()

    def path_of(self, rel: str) -> Path:
        return self.truth.books / rel

    def do(self, op: str, folder: str | None = None) -> None:
        t, rng = self.truth, self.rng
        with t.lock:
            ids = None
            if op in ("edit", "rename", "delete"):
                if len(t.live) < 10:
                    op = "add"
                else:
                    ids = t.live
            if op == "add":
                i = t.next_id
                t.next_id += 1
                rel = f"{folder or 'new/' + format(i % 20, '02d')}/app-{i:05d}.md"
                write_atomically(self.path_of(rel), runbook_text(i, rng, self.today))
                t.live[i] = [rel, 0]
            else:
                i = rng.choice(list(ids)) if len(ids) < 2000 else self.pick(ids)
                rel, version = t.live[i]
                path = self.path_of(rel)
                if op == "edit":
                    version += 1
                    line = f"\nEdit {version}: {edit_word(i, version)} {rng.choice(VOCAB)} checked.\n"
                    if rng.random() < 0.7:
                        with open(path, "a") as f:
                            f.write(line)
                    else:  # as editors save: a temporary file renamed over the runbook
                        write_atomically(path, path.read_text() + line)
                    t.live[i][1] = version
                elif op == "rename":
                    t.renames += 1
                    new_rel = f"moved/{i % 20:02d}/app-{i:05d}-r{t.renames}.md"
                    new = self.path_of(new_rel)
                    new.parent.mkdir(parents=True, exist_ok=True)
                    os.rename(path, new)
                    t.live[i][0] = new_rel
                    t.gone[rel] = (i, "renamed")
                else:
                    path.unlink()
                    del t.live[i]
                    t.gone[rel] = (i, "deleted")
        self.stats.add(f"write.{op}")
        self.last_write = now()

    def pick(self, ids: dict) -> int:
        """A random live id without copying 10,000 keys: ids are dense, so a few guesses hit."""
        for _ in range(50):
            i = self.rng.randrange(self.truth.next_id)
            if i in ids:
                return i
        return self.rng.choice(list(ids))

    def burst(self) -> None:
        ops = [op for op, n in BURST_MIX for _ in range(n)]
        self.rng.shuffle(ops)
        self.bursts += 1
        folder = f"pull{self.bursts}"
        started = now()
        for op in ops:
            self.do(op, folder=folder)
        self.burst_seconds.append(now() - started)
        self.stats.add("write.burst_files", len(ops))

    def run(self, until: float) -> None:
        pause = 1.0 / self.args.writes_per_sec
        next_burst = now() + self.args.burst_every * self.rng.uniform(0.5, 1.0)
        weights = [w for _, w in OPS]
        names = [op for op, _ in OPS]
        while not self.stop.is_set() and now() < until:
            if now() >= next_burst:
                self.burst()
                next_burst = now() + self.args.burst_every
                continue
            self.do(self.rng.choices(names, weights)[0])
            self.stop.wait(pause)


# --- the command line -------------------------------------------------------------------------


class Cli:
    def __init__(self, args, root: Path, truth: Truth, stats: Stats, stop: threading.Event):
        self.args, self.root, self.truth, self.stats, self.stop = args, root, truth, stats, stop
        self.rng = random.Random(args.seed + 2)
        self.check_seconds: list[float] = []
        self.search_seconds: list[float] = []

    def run_cli(self, argv: list[str]) -> tuple[int, str, str, float]:
        started = now()
        try:
            out = subprocess.run([str(self.args.binary), "--root", str(self.root), *argv],
                                 capture_output=True, env=cli_env(), timeout=self.args.cli_timeout)
            code = out.returncode
            stdout, stderr = out.stdout.decode("utf-8", "replace"), out.stderr.decode("utf-8", "replace")
        except subprocess.TimeoutExpired as e:
            code, stdout, stderr = "timeout", "", str(e)
        return code, stdout, stderr, now() - started

    def run(self) -> None:
        while not self.stop.is_set():
            code, stdout, stderr, took = self.run_cli(["check", "--json"])
            self.check_seconds.append(took)
            self.stats.add(f"cli.check.exit_{code}")
            if code != 0:
                summary = describe_check(stamp(now()), code, stdout, stderr, self.truth)
                if summary.get("errors") and summary["errors"] == summary["race_errors"]:
                    # every error names a file the writer deleted or renamed away while check ran
                    self.stats.add("cli.check.failed_by_race")
                    self.stats.add("cli.check.race_errors", summary["race_errors"])
                    self.stats.sample("cli.check.race_failures", summary, keep=5)
                else:
                    self.stats.add("cli.check.failed")
                    self.stats.sample("cli.check.failures", summary)
            for _ in range(2):
                if self.stop.is_set():
                    break
                with self.truth.lock:
                    ids = self.truth.live
                    i = self.rng.choice(list(ids)) if ids else 0
                    rel = ids.get(i, [""])[0]
                code, stdout, stderr, took = self.run_cli(["search", marker(i), "--json", "--limit", "5"])
                self.search_seconds.append(took)
                self.stats.add(f"cli.search.exit_{code}")
                if code == 0:
                    try:
                        paths = [h["path"] for h in json.loads(stdout)["hits"]]
                    except (ValueError, KeyError, TypeError):
                        paths = None
                    if paths is None:
                        self.stats.add("cli.search.failed")
                        self.stats.sample("cli.search.failures", (stamp(now()), code, "not JSON", stdout[:300]))
                    elif f"runbooks/{rel}" in paths:
                        self.stats.add("cli.search.found_where_it_is")
                    else:  # answered from the server's last commit: may lag a rename
                        self.stats.add("cli.search.found_elsewhere")
                elif code != 1:
                    self.stats.add("cli.search.failed")
                    self.stats.sample("cli.search.failures", (stamp(now()), code, stderr[-500:]))
            self.stop.wait(self.args.cli_pause)


def describe_check(at: str, code, stdout: str, stderr: str, truth: Truth) -> dict:
    """A failed `check --json`: its errors, and how many of them are races with the writer: a
    file listed, then deleted or renamed away before it was read (`unreadable-file`, "No such
    file"), or read at both its old and its new name during a rename (a duplicate)."""
    summary = {"at": at, "exit": code, "stderr": stderr[-500:], "errors": None, "race_errors": 0}
    try:
        report = json.loads(stdout)
    except ValueError:
        summary["stdout"] = stdout[:500]
        return summary
    errors = [f for f in report.get("findings", []) if f.get("severity") == "error"]
    with truth.lock:
        gone = {f"runbooks/{rel}" for rel in truth.gone}

    def race(f) -> bool:
        path, message = f.get("path") or "", f.get("message") or ""
        if f.get("code") == "unreadable-file":
            return "No such file" in message and path in gone
        if f.get("code", "").startswith("duplicate"):
            return path in gone or any(f"{g} (as its" in message for g in gone)
        return False

    summary["errors"] = len(errors)
    summary["race_errors"] = sum(1 for f in errors if race(f))
    summary["first_errors"] = [
        f"{f.get('path')}:{f.get('line')}: {f.get('code')}: {f.get('message')}" for f in errors[:5]
    ]
    return summary


# --- RSS --------------------------------------------------------------------------------------


def read_status(pid: int) -> dict[str, int]:
    values = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                    values[key] = int(rest.split()[0])  # kB
    except (OSError, ValueError, IndexError):
        pass
    return values


def index_size(index_dir: Path) -> tuple[int, int]:
    """Bytes in the index folder, and its number of segments."""
    size = segments = 0
    try:
        for entry in os.scandir(index_dir):
            try:
                size += entry.stat().st_size
            except OSError:
                continue
            segments += entry.name.endswith(".idx")
    except OSError:
        pass
    return size, segments


def sample_rss(server: Server, samples: list, stop: threading.Event, every: float) -> None:
    """(time, lifetime, seconds since ready, VmRSS, VmHWM, RssAnon, RssFile, index bytes,
    index segments); memory in kB. RssAnon is the heap (what a leak grows); RssFile is mostly
    the memory-mapped index files."""
    index_dir = server.root / ".runbook" / "index"
    while not stop.is_set():
        proc, lifetime, ready_at = server.current()
        if proc is not None and ready_at:
            values = read_status(proc.pid)
            if "VmRSS" in values:
                size, segments = index_size(index_dir)
                samples.append((now(), lifetime, now() - ready_at, values["VmRSS"], values.get("VmHWM", 0),
                                values.get("RssAnon", 0), values.get("RssFile", 0), size, segments))
        stop.wait(every)


def rss_verdict(samples: list, start: float, end: float, warmup: float, tolerance: float) -> dict:
    """Post-warm-up samples of every lifetime; the first third of the run against the last."""
    mib = 1024
    usable = [(s[0], s[1], s[2], s[3]) for s in samples if s[2] >= warmup]
    third = (end - start) / 3
    first = [rss for t, _, _, rss in usable if t < start + third]
    last = [rss for t, _, _, rss in usable if t >= end - third]
    result = {"samples": len(samples), "after_warmup": len(usable), "warmup_s": warmup,
              "tolerance": tolerance}
    if not first or not last:
        result.update(ok=False, why="too few samples after warm-up (run longer or lower --warmup)")
        return result
    first_max, last_max = max(first), max(last)
    ok = last_max <= tolerance * first_max or last_max - first_max <= 16 * mib
    # least-squares slope over all post-warm-up samples, MiB per 10 minutes
    ts = [t - start for t, _, _, _ in usable]
    rs = [rss / mib for _, _, _, rss in usable]
    mean_t, mean_r = sum(ts) / len(ts), sum(rs) / len(rs)
    var = sum((t - mean_t) ** 2 for t in ts)
    slope = sum((t - mean_t) * (r - mean_r) for t, r in zip(ts, rs)) / var * 600 if var else 0.0
    peak = max(s[4] for s in samples)

    def third_max(index: int, last: bool) -> float:
        values = [x[index] for x in samples if x[2] >= warmup
                  and ((x[0] >= end - third) if last else (x[0] < start + third))]
        return max(values, default=0)

    result.update(
        anon_first_third_max_mib=third_max(5, False) / mib, anon_last_third_max_mib=third_max(5, True) / mib,
        file_first_third_max_mib=third_max(6, False) / mib, file_last_third_max_mib=third_max(6, True) / mib,
        index_mib_first_third_max=third_max(7, False) / 2**20, index_mib_last_third_max=third_max(7, True) / 2**20,
        segments_first_third_max=third_max(8, False), segments_last_third_max=third_max(8, True),
    )
    result.update(
        ok=ok, first_third_max_mib=first_max / mib, last_third_max_mib=last_max / mib,
        ratio=last_max / first_max, first_third_median_mib=sorted(first)[len(first) // 2] / mib,
        last_third_median_mib=sorted(last)[len(last) // 2] / mib, slope_mib_per_10min=slope,
        peak_hwm_mib=peak / mib,
    )
    return result


# --- the end checks ---------------------------------------------------------------------------


def search_paths(port: int, query: str, stats: Stats, timeout: float) -> list[str] | None:
    status, body = http_get(port, "/api/search?limit=20&q=" + urllib.parse.quote(query), timeout)
    stats.add(f"end.{status_class(status)}")
    if status != 200:
        if status and 500 <= status < 600:
            stats.sample("end.5xx", (stamp(now()), status, query, body[:300]))
        return None
    try:
        return [h["path"] for h in json.loads(body)["hits"]]
    except (ValueError, KeyError, TypeError):
        return None


def listed_paths(port: int, stats: Stats) -> set[str] | None:
    status, body = http_get(port, "/api/runbooks", 60)
    stats.add(f"end.{status_class(status)}")
    if status != 200:
        return None
    return {r["path"] for r in json.loads(body)}


def settle(server: Server, truth: Truth, stats: Stats, limit: float) -> tuple[float, bool]:
    """Waits until the server lists exactly the runbooks on disk (and the list stays put for
    two seconds), at most `limit` seconds."""
    expected = {f"runbooks/{rel}" for rel, _ in truth.live.values()}
    started = now()
    stable_since = None
    while now() - started < limit:
        server.check_alive()
        listed = listed_paths(server.port, stats)
        if listed == expected:
            stable_since = stable_since or now()
            if now() - stable_since >= 2:
                return now() - started, True
        else:
            stable_since = None
        time.sleep(0.25)
    return now() - started, False


def end_checks(args, server: Server, truth: Truth, stats: Stats) -> dict:
    port = server.port
    expected = {f"runbooks/{rel}": i for i, (rel, _) in truth.live.items()}
    listed = listed_paths(port, stats) or set()
    result = {
        "on_disk": len(expected),
        "listed": len(listed),
        "listed_but_not_on_disk": sorted(listed - expected.keys())[:20],
        "on_disk_but_not_listed": sorted(expected.keys() - listed)[:20],
    }
    result["listed_but_not_on_disk_count"] = len(listed - expected.keys())
    result["on_disk_but_not_listed_count"] = len(expected.keys() - listed)

    jobs = []  # (kind, query, path, must be present)
    for i, (rel, version) in truth.live.items():
        jobs.append(("marker", marker(i), f"runbooks/{rel}", True))
        if version:
            jobs.append(("edit", edit_word(i, version), f"runbooks/{rel}", True))
    for rel, (i, how) in truth.gone.items():
        jobs.append((how, marker(i), f"runbooks/{rel}", False))

    def run(job):
        kind, query, path, present = job
        for attempt in range(2):
            paths = search_paths(port, query, stats, args.request_timeout)
            if paths is not None:
                bad_hits = [p for p in paths if p not in expected]
                ok = (path in paths) == present and not bad_hits
                if ok or attempt == 1:
                    return kind, ok, query, path, paths[:3], bad_hits[:3], attempt
            time.sleep(2)
        return kind, False, query, path, None, [], attempt

    started = now()
    with ThreadPoolExecutor(max_workers=args.connections) as pool:
        outcomes = list(pool.map(run, jobs, chunksize=16))
    result["queries"] = len(jobs)
    result["took_s"] = now() - started
    for kind in ("marker", "edit", "deleted", "renamed"):
        mine = [o for o in outcomes if o[0] == kind]
        result[f"{kind}_checked"] = len(mine)
        result[f"{kind}_failed"] = sum(1 for o in mine if not o[1])
        result[f"{kind}_ok_on_retry"] = sum(1 for o in mine if o[1] and o[6] == 1)
    result["failures"] = [
        {"kind": k, "query": q, "path": p, "hits": h, "hits_not_on_disk": b}
        for k, ok, q, p, h, b, _ in outcomes if not ok
    ][:30]
    result["ok"] = (
        not result["failures"]
        and result["listed_but_not_on_disk_count"] == 0
        and result["on_disk_but_not_listed_count"] == 0
    )
    return result


# --- main -------------------------------------------------------------------------------------


def generate(root: Path, n: int, truth: Truth, seed: int, semantic: bool) -> None:
    (root / "runbooks").mkdir(parents=True)
    configure(root, semantic)
    rng = random.Random(seed)
    today = datetime.date.today().isoformat()
    for i in range(n):
        rel = f"gen/{i % 50:02d}/app-{i:05d}.md"
        path = truth.books / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(runbook_text(i, rng, today))
        truth.live[i] = [rel, 0]
    truth.next_id = n


def configure(root: Path, semantic: bool) -> None:
    """book.toml: the default configuration (sentence model on), or words only."""
    (root / "book.toml").write_text(
        '[book]\ntitle = "Soak"\nsrc = "runbooks"\n\n'
        "[preprocessor.runbook]\n"
        + ("" if semantic else "semantic = false\n")
    )


def sample_semantic(server: Server, samples: list, stop: threading.Event, every: float) -> None:
    """(time, lifetime, state, sections, embedded) from /healthz, while the server is up."""
    while not stop.is_set():
        _, lifetime, ready_at = server.current()
        if ready_at:
            health = server.health(timeout=5) or {}
            semantic = health.get("semantic") or {}
            if "sections" in semantic:
                samples.append((now(), lifetime, semantic.get("state"), semantic["sections"],
                                semantic.get("embedded", 0)))
        stop.wait(every)


def words_only_phase(args, root: Path, workdir: Path, truth: Truth) -> dict:
    """The same load and writer, for --compare seconds, against the same knowledge base served
    with `semantic = false`: the figure the model's is measured against, in the same run."""
    configure(root, semantic=False)
    stats = Stats()
    logs = workdir / "words-only"
    logs.mkdir(exist_ok=True)
    port = free_port()
    server = Server(args, root, port, logs, stats)
    stop_load, stop_writer, stop_side = threading.Event(), threading.Event(), threading.Event()
    load = Load(args, port, truth, stats, stop_load)
    writer = Writer(args, truth, stats, stop_writer)
    writer.rng.seed(args.seed + 5)  # not the main phase's sequence of writes again
    rss: list = []
    try:
        server.start()
        start = now()
        end = start + args.compare
        threads = [threading.Thread(target=load.worker, args=(n,), daemon=True) for n in range(args.connections)]
        threads.append(threading.Thread(target=sample_rss, args=(server, rss, stop_side, 1.0), daemon=True))
        threads.append(threading.Thread(target=writer.run, args=(end,), daemon=True))
        for t in threads:
            t.start()
        while now() < end:
            time.sleep(0.2)
        stop_writer.set()
        stop_load.set()
        stop_side.set()
        for t in threads:
            t.join()
        figures = load.window(start, end)
    finally:
        stop_writer.set()
        stop_load.set()
        stop_side.set()
        server.stop()
        configure(root, semantic=True)
    figures["errors"] = stats.get("load.5xx") + stats.get("load.other") + stats.get("load.conn_fail")
    figures["writes"] = sum(stats.get("write." + op) for op, _ in OPS)
    figures["peak_rss_mib"] = round(max((x[4] for x in rss), default=0) / 1024, 1)
    return figures


def fill_figures(args, samples: list, load: Load, start: float, end: float, words_only: dict,
                 rss: list) -> dict:
    """The model's figures: searches during the fill against words only, the fill's rate, the
    time until every section had its vector, peak RSS."""
    window_end = start + args.compare
    during = load.window(start, window_end)
    in_window = [x for x in samples if start <= x[0] < window_end and x[1] == 0]
    filling = [x for x in in_window if x[4] < x[3]]
    rate = None
    if len(in_window) >= 2:
        first, last = in_window[0], in_window[-1]
        rate = (last[4] - first[4]) / max(1e-9, last[0] - first[0])
    complete = next((x for x in samples if x[2] == "ready" and x[4] >= x[3]), None)
    last = samples[-1] if samples else None
    peak = max((x[4] for x in rss), default=0) / 1024
    ratio = during["per_s"] / words_only["per_s"] if words_only.get("per_s") else 0.0
    return {
        "words_only": words_only,
        "during_fill": during,
        "ratio": round(ratio, 2),
        "ratio_target": 0.5,
        "fill_running_in_window": f"{len(filling)}/{len(in_window)} samples",
        "fill_rate_in_window_per_s": round(rate, 1) if rate is not None else None,
        "sections_at_start": in_window[0][3] if in_window else None,
        "embedded_at_start": in_window[0][4] if in_window else None,
        "embedded_at_window_end": in_window[-1][4] if in_window else None,
        "fully_embedded_after_s": round(complete[0] - start, 1) if complete else None,
        "fully_embedded_lifetime": complete[1] if complete else None,
        "embedded_at_end": [last[4], last[3]] if last else None,
        # sections with a vector per second of the run, kills and their lost work included
        "fill_rate_overall_per_s": round((complete or last)[4] / max(1e-9, (complete or last)[0] - start), 1)
        if last else None,
        "peak_rss_mib": round(peak, 1),
        "peak_rss_target_mib": 250,
    }


def first_reindex(log: Path) -> dict | None:
    """The first `reindexed in X ms updated=U removed=R indexed=I` line of a server's log: what
    a restart had to catch up on."""
    try:
        with open(log, errors="replace") as f:
            for line in f:
                if "reindexed in" in line:
                    fields = dict(w.split("=", 1) for w in line.split() if "=" in w)
                    ms = float(line.split("reindexed in", 1)[1].split()[0])
                    return {"ms": ms, **{k: int(v) for k, v in fields.items()
                                         if k in ("updated", "removed", "indexed", "left_out")}}
    except (OSError, ValueError):
        pass
    return None


def scan_logs(workdir: Path, lifetimes: int) -> dict:
    """What the servers logged besides reindexing: warnings, errors, panics, and whether the
    disk filled up under the index (the server then goes on with an in-memory index)."""
    found = {"warn": 0, "error": 0, "panic": 0, "disk_full": 0, "in_memory_index": 0, "examples": []}
    for n in range(lifetimes):
        try:
            with open(workdir / f"serve-{n}.log", errors="replace") as f:
                for line in f:
                    kinds = [k for k, pattern in (("warn", " WARN "), ("error", " ERROR "), ("panic", "panicked"),
                                                  ("disk_full", "No space left"), ("in_memory_index", "in-memory index"))
                             if pattern in line]
                    for k in kinds:
                        found[k] += 1
                    # tantivy's segment manager warns when a merge ends after a commit dropped
                    # its segments: counted, not shown
                    if kinds and len(found["examples"]) < 10 and "tantivy::indexer::segment_manager" not in line:
                        found["examples"].append(f"serve-{n}.log: {line.strip()[:400]}")
        except OSError:
            pass
    return found


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(p * (len(values) - 1)))]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", type=Path, default=REPO / "target/release/runbook")
    p.add_argument("--runbooks", type=int, help="runbooks generated at the start (10000)")
    p.add_argument("--duration", type=float, help="seconds of load and churn (1800)")
    p.add_argument("--kill-every", type=float,
                   help="seconds between SIGKILLs, +-20%% (180); 0: never (one server lifetime, to watch RSS alone)")
    p.add_argument("--burst-every", type=float, help="seconds between bursts of 300 files (150)")
    p.add_argument("--writes-per-sec", type=float, default=5.0, help="single writes per second (5)")
    p.add_argument("--connections", type=int, default=8, help="HTTP load connections (8)")
    p.add_argument("--warmup", type=float, help="RSS samples left out after each start, s (45)")
    p.add_argument("--rss-every", type=float, default=2.0, help="RSS sample period, s (2)")
    p.add_argument("--rss-tolerance", type=float,
                   help="largest RSS in the last third / largest in the first third, at most (1.2; --ci 1.5)")
    p.add_argument("--grace", type=float, default=1.0,
                   help="seconds after a restart's readiness still counted as its kill window (1)")
    p.add_argument("--cli-pause", type=float, default=2.0, help="pause between CLI rounds, s (2)")
    p.add_argument("--tolerate-check-races", action="store_true",
                   help="do not fail when `runbook check` exits 1 only because files it listed were "
                        "deleted or renamed away before it read them (counted and printed either way)")
    p.add_argument("--seed", type=int, default=17)
    p.add_argument("--words-only", action="store_true",
                   help="serve with semantic = false (search by words only), as runs before the model was soaked")
    p.add_argument("--compare", type=float,
                   help="seconds of the words-only phase, and of the measured window of the fill after it (60; --ci 15)")
    p.add_argument("--ci", action="store_true",
                   help="the short variant: 2000 runbooks, 60 s, a kill every 20 s, a burst every 20 s")
    p.add_argument("--workdir", type=Path, help="where to generate the root (default: a new temp folder)")
    p.add_argument("--keep", action="store_true", help="keep the generated root and logs")
    p.add_argument("--json", type=Path, help="also write the figures to this file as JSON")
    p.add_argument("--request-timeout", type=float, default=30.0)
    p.add_argument("--ready-timeout", type=float, default=600.0)
    p.add_argument("--cli-timeout", type=float, default=600.0)
    p.add_argument("--settle-timeout", type=float, default=120.0)
    args = p.parse_args(argv)
    defaults = ({"runbooks": 2000, "duration": 60, "kill_every": 20, "burst_every": 20, "warmup": 8,
                 "rss_tolerance": 1.5, "compare": 15}
                if args.ci else
                {"runbooks": 10000, "duration": 1800, "kill_every": 180, "burst_every": 150, "warmup": 45,
                 "rss_tolerance": 1.2, "compare": 60})
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if not args.binary.exists():
        print(f"soak: no binary at {args.binary} (cargo build --release, or --binary PATH)", file=sys.stderr)
        return 2
    args.binary = args.binary.resolve()
    workdir = (args.workdir or Path(tempfile.mkdtemp(prefix="runbook-soak-"))).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    root = workdir / "kb"
    if root.exists():
        shutil.rmtree(root)
    stats, truth = Stats(), Truth(root)
    mtime = datetime.datetime.fromtimestamp(args.binary.stat().st_mtime, datetime.timezone.utc)
    print(f"soak: binary {args.binary} (built {mtime:%Y-%m-%d %H:%M} UTC); data in {workdir}", flush=True)
    kills = f"kill -9 every ~{args.kill_every:.0f} s" if args.kill_every > 0 else "no kill -9"
    model = "search by words only (semantic = false)" if args.words_only else \
        f"sentence model on (words-only comparison first, {args.compare:.0f} s)"
    print(f"soak: {model}", flush=True)
    print(f"soak: {args.runbooks} runbooks, {args.duration:.0f} s, {kills}, "
          f"a burst of 300 files every ~{args.burst_every:.0f} s, {args.writes_per_sec:g} writes/s, "
          f"{args.connections} connections, seed {args.seed}", flush=True)

    t0 = now()
    generate(root, args.runbooks, truth, args.seed, semantic=not args.words_only)
    generated_s = now() - t0
    t0 = now()
    # No vectors: the server computes them in the background, under the load, as it would
    # after a deployment or a large pull.
    built = subprocess.run([str(args.binary), "--root", str(root), "index", "--no-vectors"],
                           env=cli_env(), capture_output=True)
    index_s = now() - t0
    if built.returncode != 0:
        print(f"soak: runbook index failed: {built.stderr.decode()[-2000:]}", file=sys.stderr)
        return 2
    print(f"soak: generated in {generated_s:.1f} s, indexed by `runbook index` in {index_s:.1f} s", flush=True)
    words_only = None
    if not args.words_only:
        try:
            words_only = words_only_phase(args, root, workdir, truth)
        except SetupError as e:
            print(f"soak: the words-only phase failed: {e}", file=sys.stderr)
            return 2
        print(f"soak: words only, {words_only['seconds']} s: {words_only['per_s']} searches/s, "
              f"p50 {words_only['latency_ms_p50']} ms, p99 {words_only['latency_ms_p99']} ms, "
              f"peak RSS {words_only['peak_rss_mib']} MiB; now the model on", flush=True)

    port = free_port()
    server = Server(args, root, port, workdir, stats)
    stop_load, stop_writer, stop_side = threading.Event(), threading.Event(), threading.Event()
    rss_samples: list = []
    semantic_samples: list = []
    load = Load(args, port, truth, stats, stop_load)
    writer = Writer(args, truth, stats, stop_writer)
    cli = Cli(args, root, truth, stats, stop_side)
    threads = []
    failed_setup = None
    try:
        server.start()
        first_ready_s = server.lifetimes[0]["ready"] - server.lifetimes[0]["started"]
        print(f"soak: serving on 127.0.0.1:{port}, ready in {first_ready_s:.1f} s with "
              f"{server.lifetimes[0]['runbooks']} runbooks", flush=True)
        start = now()
        end = start + args.duration
        threads = [threading.Thread(target=load.worker, args=(n,), daemon=True) for n in range(args.connections)]
        threads.append(threading.Thread(target=sample_rss, args=(server, rss_samples, stop_side, args.rss_every), daemon=True))
        threads.append(threading.Thread(target=cli.run, daemon=True))
        if not args.words_only:
            threads.append(threading.Thread(target=sample_semantic, args=(server, semantic_samples, stop_side, 1.0),
                                            daemon=True))
        writer_thread = threading.Thread(target=writer.run, args=(end,), daemon=True)
        for t in threads + [writer_thread]:
            t.start()

        # the supervisor: kills, restarts, notices crashes, reports progress
        kill_rng = random.Random(args.seed + 3)
        # no kill while the searches during the fill are measured against the words-only phase
        measured = 0 if args.words_only else args.compare
        next_kill = start + measured + args.kill_every * kill_rng.uniform(0.8, 1.2) if args.kill_every > 0 else float("inf")
        next_report = start + min(60, args.duration / 4)
        while now() < end:
            server.check_alive()
            if now() >= next_kill:
                server.kill_and_restart()
                life = server.lifetimes[-1]
                print(f"soak: {now() - start:6.0f} s  kill -9 #{len(server.windows)}, "
                      f"ready again in {life['ready'] - server.windows[-1][0]:.1f} s", flush=True)
                next_kill = now() + args.kill_every * kill_rng.uniform(0.8, 1.2)
            if now() >= next_report:
                rss = rss_samples[-1][3] / 1024 if rss_samples else 0
                print(f"soak: {now() - start:6.0f} s  requests {sum(stats.get('load.' + k) for k in ('2xx', '5xx', 'other'))}"
                      f", live runbooks {len(truth.live)}, "
                      f"writes {sum(stats.get('write.' + op) for op, _ in OPS)}, bursts {writer.bursts}, RSS {rss:.0f} MiB",
                      flush=True)
                next_report = now() + 60
            time.sleep(0.2)

        stop_writer.set()
        writer_thread.join()
        last_write = writer.last_write
        stop_load.set()
        for t in threads[: args.connections]:
            t.join()
        load_end = now()
        stop_side.set()
        for t in threads[args.connections:]:
            t.join()
        with server.lock:
            windows_done = all(w[1] != float("inf") for w in server.windows)
        assert windows_done
        settle_s, settled = settle(server, truth, stats, args.settle_timeout)
        print(f"soak: writer stopped; the server listed exactly the runbooks on disk "
              f"{now() - last_write:.1f} s after the last write" if settled else
              f"soak: the server's list did not match the disk within {args.settle_timeout:.0f} s", flush=True)
        health = server.health() or {}
        checks = end_checks(args, server, truth, stats)
        server.check_alive()
    except SetupError as e:
        failed_setup = str(e)
        load_end = now()
        start = locals().get("start", now())
        settle_s, settled, health, checks = 0, False, {}, {"ok": False}
    finally:
        stop_writer.set()
        stop_load.set()
        stop_side.set()
        server.stop()

    # --- figures and verdict ----------------------------------------------------------------
    windows = [(a, b + args.grace) for a, b in server.windows]
    in_window = out_window = 0
    outside = []
    for started, ended, what in load.failures:
        if any(ended >= a and started <= b for a, b in windows):
            in_window += 1
        else:
            out_window += 1
            if len(outside) < 20:
                outside.append({"at": stamp(started), "at_s": round(started - start, 2), "took_s": round(ended - started, 2), "error": what})
    load_s = max(1e-9, load_end - start)
    responses = sum(stats.get("load." + k) for k in ("2xx", "5xx", "other"))
    rss = rss_verdict(rss_samples, start, load_end, args.warmup, args.rss_tolerance)
    restart_s = [life["ready"] - w[0] for life, w in zip(server.lifetimes[1:], server.windows) if life["ready"]]
    lifetimes = []
    full_reindexes = 0
    for life in server.lifetimes:
        first = first_reindex(workdir / f"serve-{life['n']}.log")
        if life["n"] > 0 and first and first["updated"] >= 0.9 * first["indexed"]:
            full_reindexes += 1  # the kill fell between a commit and its manifest: rebuilt
        mine = [x[3] for x in rss_samples if x[1] == life["n"]]
        after = [x[3] for x in rss_samples if x[1] == life["n"] and x[2] >= args.warmup]
        lifetimes.append({
            "n": life["n"], "pid": life["pid"],
            "ready_after_s": round(life["ready"] - life["started"], 2) if life["ready"] else None,
            "lived_s": round((life["ended"] or now()) - life["started"], 1), "end": life["how"],
            "rss_max_mib": round(max(mine) / 1024, 1) if mine else None,
            "rss_first_after_warmup_mib": round(after[0] / 1024, 1) if after else None,
            "rss_last_mib": round(mine[-1] / 1024, 1) if mine else None,
            "first_reindex": first,
        })
    checks_failed = stats.get("cli.check.failed")
    if not args.tolerate_check_races:
        checks_failed += stats.get("cli.check.failed_by_race")
    search_failed = stats.get("cli.search.failed")
    five_xx = stats.get("load.5xx") + stats.get("health.5xx") + stats.get("end.5xx")
    other = stats.get("load.other") + stats.get("load.bad_body")
    figures = {
        "binary": str(args.binary),
        "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "duration_s": round(load_end - start, 1),
        "runbooks_at_start": args.runbooks,
        "runbooks_at_end": len(truth.live),
        "generate_s": round(generated_s, 1), "initial_index_s": round(index_s, 1),
        "writes": {op: stats.get("write." + op) for op, _ in OPS},
        "bursts": writer.bursts, "burst_files": stats.get("write.burst_files"),
        "burst_write_s": [round(s, 2) for s in writer.burst_seconds],
        "requests": {
            "sent": responses + stats.get("load.conn_fail"),
            "per_s": round(responses / load_s, 1),
            "2xx": stats.get("load.2xx"), "5xx": stats.get("load.5xx"), "other_status": stats.get("load.other"),
            "200_without_hits": stats.get("load.bad_body"),
            "conn_failures": stats.get("load.conn_fail"),
            "conn_failures_in_kill_windows": in_window,
            "conn_failures_outside": out_window,
            "latency_ms_p50": round(percentile(load.latencies, 0.5) * 1000, 1),
            "latency_ms_p99": round(percentile(load.latencies, 0.99) * 1000, 1),
            "latency_ms_max": round(percentile(load.latencies, 1.0) * 1000, 1),
        },
        "health_requests": {k: stats.get("health." + k) for k in ("2xx", "5xx", "other", "conn_fail")},
        "kills": len(server.windows),
        "restart_to_ready_s": {"median": round(percentile(restart_s, 0.5), 2), "max": round(max(restart_s, default=0), 2)},
        "crashes": server.crashes,
        "restarts_that_reindexed_everything": full_reindexes,
        "server_logs": scan_logs(workdir, len(server.lifetimes)),
        "cli": {
            "check_runs": sum(v for k, v in stats.counts.items() if k.startswith("cli.check.exit_")),
            "check_exits": {k.removeprefix("cli.check.exit_"): v for k, v in stats.counts.items() if k.startswith("cli.check.exit_")},
            "check_s_median": round(percentile(cli.check_seconds, 0.5), 2),
            "check_failed_only_by_races": stats.get("cli.check.failed_by_race"),
            "check_race_errors": stats.get("cli.check.race_errors"),
            "check_failed_otherwise": stats.get("cli.check.failed"),
            "search_runs": sum(v for k, v in stats.counts.items() if k.startswith("cli.search.exit_")),
            "search_exits": {k.removeprefix("cli.search.exit_"): v for k, v in stats.counts.items() if k.startswith("cli.search.exit_")},
            "search_found_where_it_is": stats.get("cli.search.found_where_it_is"),
            "search_found_elsewhere": stats.get("cli.search.found_elsewhere"),
            "search_s_median": round(percentile(cli.search_seconds, 0.5), 2),
            "failed": checks_failed + search_failed,
        },
        "rss": rss,
        "lifetimes": lifetimes,
        "settled": settled, "settle_s": round(settle_s, 1),
        "healthz_at_end": {k: health.get(k) for k in ("runbooks", "ready", "watching")},
        "end_checks": checks,
        "samples": stats.samples,
        "failures_outside_kill_windows": outside,
        "setup_error": failed_setup,
        "soak_script_cpu_s": round(os.times().user + os.times().system, 1),
        "rss_samples": {
            "columns": ["s since start", "lifetime", "s since ready", "VmRSS MiB", "VmHWM MiB",
                        "RssAnon MiB", "RssFile MiB", "index MiB", "segments"],
            "rows": [[round(x[0] - start, 1), x[1], round(x[2], 1), *(round(v / 1024, 1) for v in x[3:7]),
                      round(x[7] / 2**20, 2), x[8]] for x in rss_samples],
        },
    }
    criteria = {
        "no 5xx": five_xx == 0,
        "no other status, every 200 has hits": other == 0,
        "connection failures only while killed": out_window == 0,
        "no crash, every restart ready": not server.crashes and failed_setup is None,
        "no panic in the server logs": figures["server_logs"]["panic"] == 0,
        "CLI check exit 0, search exit 0/1": checks_failed + search_failed == 0 and figures["cli"]["check_runs"] > 0,
        "index settled to the disk": settled,
        "every runbook found, none deleted found": bool(checks.get("ok")),
        "RSS did not grow": bool(rss.get("ok")),
        "at least one kill": len(server.windows) >= 1 or args.kill_every <= 0,
    }
    if words_only is not None:
        model = fill_figures(args, semantic_samples, load, start, load_end, words_only, rss_samples)
        figures["model"] = model
        figures["semantic_samples"] = [[round(x[0] - start, 1), *x[1:]] for x in semantic_samples]
        if not args.ci:  # a debug build's speed and memory are not what the targets are for
            criteria["searches during the fill >= 0.5 x words only"] = model["ratio"] >= model["ratio_target"]
            criteria["peak RSS with the model <= 250 MiB"] = model["peak_rss_mib"] <= model["peak_rss_target_mib"]
        criteria["the fill ran during the measured window"] = model["fill_running_in_window"].split("/")[0] not in ("0", "")
    figures["criteria"] = criteria
    print_summary(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))
    ok = all(criteria.values())
    if ok and not args.keep:
        if args.workdir:  # a folder of the caller's: take out only what this run put there
            shutil.rmtree(root, ignore_errors=True)
            for n in range(len(server.lifetimes)):
                (workdir / f"serve-{n}.log").unlink(missing_ok=True)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"soak: data and server logs kept in {workdir}")
    return 0 if ok else (2 if failed_setup else 1)


def print_summary(f: dict) -> None:
    r, c, e, m = f["requests"], f["cli"], f["end_checks"], f["rss"]
    lines = [
        "",
        "== soak figures",
        f"duration            {f['duration_s']} s; runbooks {f['runbooks_at_start']} at start, {f['runbooks_at_end']} at end "
        f"(generated in {f['generate_s']} s, first index {f['initial_index_s']} s)",
        f"writes              " + ", ".join(f"{k} {v}" for k, v in f["writes"].items())
        + f"; {f['bursts']} bursts of 300 files ({f['burst_files']} files; each written in "
        + (f"{min(f['burst_write_s']):.2f}-{max(f['burst_write_s']):.2f} s)" if f["burst_write_s"] else "-)"),
        f"HTTP load           {r['sent']} requests, {r['per_s']} req/s answered; 2xx {r['2xx']}, 5xx {r['5xx']}, "
        f"other {r['other_status']}, 200 without hits {r['200_without_hits']}",
        f"                    latency p50 {r['latency_ms_p50']} ms, p99 {r['latency_ms_p99']} ms, max {r['latency_ms_max']} ms "
        f"(this script used {f['soak_script_cpu_s']} s of CPU itself)",
        f"connection failures {r['conn_failures']}: {r['conn_failures_in_kill_windows']} while killed, "
        f"{r['conn_failures_outside']} outside the kill windows",
        f"kills               {f['kills']} x SIGKILL; ready again in median {f['restart_to_ready_s']['median']} s, "
        f"max {f['restart_to_ready_s']['max']} s; crashes {len(f['crashes'])}; restarts that re-indexed every runbook "
        f"{f['restarts_that_reindexed_everything']}",
        f"/healthz polls      " + ", ".join(f"{k} {v}" for k, v in f["health_requests"].items()),
        f"CLI                 check {c['check_runs']} runs (exits {c['check_exits']}, median {c['check_s_median']} s; "
        f"failed only because a file vanished while it ran: {c['check_failed_only_by_races']} runs, {c['check_race_errors']} errors; "
        f"failed otherwise: {c['check_failed_otherwise']}); "
        f"search {c['search_runs']} runs (exits {c['search_exits']}, median {c['search_s_median']} s; "
        f"hit at its current path {c['search_found_where_it_is']}, elsewhere {c['search_found_elsewhere']}); failed {c['failed']}",
    ]
    if "first_third_max_mib" in m:
        lines.append(
            f"RSS                 (criterion: last/first <= {m['tolerance']:g}) after {m['warmup_s']:g} s warm-up per lifetime: first third max {m['first_third_max_mib']:.1f} MiB "
            f"(median {m['first_third_median_mib']:.1f}), last third max {m['last_third_max_mib']:.1f} MiB "
            f"(median {m['last_third_median_mib']:.1f}), ratio {m['ratio']:.2f}; slope {m['slope_mib_per_10min']:+.1f} MiB/10 min; "
            f"peak VmHWM {m['peak_hwm_mib']:.1f} MiB; {m['samples']} samples"
        )
        lines.append(
            f"                    of which heap (RssAnon) max {m['anon_first_third_max_mib']:.1f} -> {m['anon_last_third_max_mib']:.1f} MiB, "
            f"mapped files (RssFile) max {m['file_first_third_max_mib']:.1f} -> {m['file_last_third_max_mib']:.1f} MiB; "
            f"index on disk max {m['index_mib_first_third_max']:.1f} -> {m['index_mib_last_third_max']:.1f} MiB, "
            f"segments max {m['segments_first_third_max']} -> {m['segments_last_third_max']}"
        )
    else:
        lines.append(f"RSS                 {m}")
    logs = f["server_logs"]
    lines.append(f"server logs         {logs['warn']} warnings, {logs['error']} errors, {logs['panic']} panics; "
                 f"disk full {logs['disk_full']} times, in-memory index {logs['in_memory_index']} times"
                 + (" (the disk filled up during the run: not the server's doing; it went on with an in-memory index)"
                    if logs["disk_full"] else ""))
    for example in logs["examples"][:6]:
        lines.append(f"  log: {example}")
    lines.append("lifetimes           " + "; ".join(
        f"#{l['n']} {l['lived_s']} s, max {l['rss_max_mib']} MiB, first reindex "
        + (f"{l['first_reindex'].get('updated')} files in {l['first_reindex']['ms'] / 1000:.1f} s" if l["first_reindex"] else "-")
        for l in f["lifetimes"]))
    if "queries" in e:
        lines += [
            f"settled             {f['settled']} in {f['settle_s']} s; /healthz at end {f['healthz_at_end']}",
            f"end checks          {e['queries']} queries in {e['took_s']:.1f} s: listed {e['listed']} of {e['on_disk']} on disk "
            f"(missing {e['on_disk_but_not_listed_count']}, extra {e['listed_but_not_on_disk_count']}); "
            f"unique word not found {e['marker_failed']}/{e['marker_checked']}, last edit not found {e['edit_failed']}/{e['edit_checked']}, "
            f"deleted found {e['deleted_failed']}/{e['deleted_checked']}, renamed-away found {e['renamed_failed']}/{e['renamed_checked']}",
        ]
        for fail in e.get("failures", [])[:10]:
            lines.append(f"  end-check failure: {fail}")
    for key, samples in f["samples"].items():
        for s in samples[:5]:
            lines.append(f"  sample {key}: {s}")
    for fail in f["failures_outside_kill_windows"][:10]:
        lines.append(f"  connection failure outside a kill window: {fail}")
    for crash in f["crashes"]:
        lines.append(f"  crash: {crash}")
    if "model" in f:
        m, w, d = f["model"], f["model"]["words_only"], f["model"]["during_fill"]
        lines += [
            f"words only          {w['seconds']} s before, same load and writer ({w['writes']} writes): "
            f"{w['per_s']} searches/s, p50 {w['latency_ms_p50']} ms, p99 {w['latency_ms_p99']} ms, "
            f"peak RSS {w['peak_rss_mib']} MiB, {w['errors']} failed",
            f"model on, filling   first {d['seconds']} s: {d['per_s']} searches/s, p50 {d['latency_ms_p50']} ms, "
            f"p99 {d['latency_ms_p99']} ms; the fill ran in {m['fill_running_in_window']} of the window",
            f"searches/s ratio    {m['ratio']:.2f} of words only (target >= {m['ratio_target']})",
            f"fill                {m['fill_rate_in_window_per_s']} sections/s under that load "
            f"({m['embedded_at_start']} -> {m['embedded_at_window_end']} of {m['sections_at_start']}); "
            + (f"every section had its vector {m['fully_embedded_after_s']} s after the start (lifetime "
               f"#{m['fully_embedded_lifetime']})" if m["fully_embedded_after_s"] is not None else
               f"not every section had its vector by the end ({m['embedded_at_end'][0]} of {m['embedded_at_end'][1]})"
               if m["embedded_at_end"] else "no /healthz figures")
            + f"; {m['fill_rate_overall_per_s']} sections/s over the run, kills included",
            f"peak RSS, model on  {m['peak_rss_mib']} MiB (target <= {m['peak_rss_target_mib']} MiB)",
        ]
    if f["setup_error"]:
        lines.append(f"setup error         {f['setup_error']}")
    lines.append("criteria            " + "; ".join(f"{k}: {'ok' if v else 'FAILED'}" for k, v in f["criteria"].items()))
    lines.append("soak: " + ("PASSED" if all(f["criteria"].values()) else "FAILED"))
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())

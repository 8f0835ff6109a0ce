"""`python -m bench.ceiling`: intake's throughput beside its own ceiling, measured in one run.

Starts, one after the other, each as its own process on loopback with the uvicorn options `complaints
serve` uses (`services.cli.server_options`, one worker):

- the ceiling: a bare FastAPI app, one sync endpoint returning a dict (`bench/bare_app.py`);
- this app's GET /healthz (the embedded process: every middleware, no database);
- POST /api/v1/complaints on the embedded system (`serve all`, SQLite, the event log in the database;
  routing and notify consume the complaints in the same process while the load runs);
- the same on `serve intake` alone (SQLite), which isolates intake's own path;
- `serve intake` on PostgreSQL (event log in the database), when PostgreSQL is available: Debian's
  package started for the run with PostgreSQL's own durable defaults (fsync, synchronous_commit on),
  or CEILING_PG_URL.

and drives each with `bench.loadgen` in a process of its own (16 keep-alive connections, closed loop,
a warm-up, then a fixed time). Prints a table with each figure beside the ceiling, how many cores the
server, the database and the load generator took; writes JSON to bench/results/ with the machine and the
previous run's figures. After each POST run it counts the complaints and their `complaint.received`
events in the database: every 201 the generator received must be there.

The aims (issue 12): ≥ 50% of the ceiling, p99 < 100 ms at 16 connections, no errors.

`--profile` also records each server process with py-spy while it is driven (`bench/profile.py`) and prints
where its CPU went: by library, and by our own functions with what they called (raw samples in
var/profiles/, the summary in the JSON). What limits intake is read there, not guessed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from bench import profile as profiler
from bench.__main__ import SAMPLES
from shared.contracts.events import ComplaintReceivedV1
from shared.db import make_engine
from tests.pg import PostgresServer, free_port
from tests.processes import ServedProcess

RESULTS = Path(__file__).parent / "results"
AIM_SHARE, AIM_P99_MS = 0.5, 100.0
BODIES = [json.dumps({"channel": "web", "content": content, "town": town}, ensure_ascii=False)
          for content, town in SAMPLES]


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    method: str = "GET"
    path: str = "/"
    bodies: tuple[str, ...] = ()
    expect: int = 200
    serve: str | None = None  # None: the bare app; else `complaints serve <serve>`
    database: str = "sqlite"  # sqlite | postgresql
    env: dict[str, str] = field(default_factory=dict)
    unique_header: str = ""  # a header with a new value in every request (Idempotency-Key, as the web form)
    bare_args: tuple[str, ...] = ()  # the bare app's uvicorn options beyond `serve`'s (a reference run)
    replicas: int = 1  # `complaints serve <serve>` processes on the one database, the connections spread over them
    reference: bool = False  # shown for comparison, not held to the aims

    @property
    def writes(self) -> bool:
        return self.method == "POST"


def posting(key: str, label: str, **options: Any) -> Target:
    """A target that reports complaints (POST /api/v1/complaints, 201 each)."""
    return Target(key, label, method="POST", path="/api/v1/complaints", bodies=tuple(BODIES), expect=201, **options)


KEYED = "Idempotency-Key"
TARGETS = (
    Target("bare", "bare FastAPI, sync endpoint (ceiling)"),
    Target("bare_h11", "  same, uvicorn on h11 + asyncio (reference)", bare_args=("--http", "h11", "--loop", "asyncio"),
           reference=True),
    Target("healthz", "this app: GET /healthz", path="/healthz", serve="all"),
    posting("sqlite_all", "POST complaints, embedded (serve all, SQLite)", serve="all"),
    posting("sqlite_intake", "POST complaints, serve intake, SQLite", serve="intake"),
    posting("sqlite_intake_key", "  same, each with an Idempotency-Key", serve="intake", unique_header=KEYED),
    posting("pg_intake", "POST complaints, serve intake, PostgreSQL", serve="intake", database="postgresql"),
    posting("pg_intake_key", "  same, each with an Idempotency-Key", serve="intake", database="postgresql",
            unique_header=KEYED),
    posting("pg_intake_x2", "POST complaints, 2 × serve intake, PostgreSQL", serve="intake", database="postgresql",
            replicas=2),
)


class DurablePostgres(PostgresServer):
    """PostgreSQL with its defaults: every commit waits for its WAL flush (group commit), as in production."""

    SERVER_OPTIONS = "-c max_connections=300"


@dataclass
class Server:
    base_url: str
    pid: int
    database_url: str | None = None
    database_pid: int | None = None
    replicas: tuple[tuple[int, int], ...] = ()  # more processes of the same service: (port, pid) each


@contextmanager
def bare_server(target: Target) -> Iterator[Server]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "bench.bare_app", "--port", str(port), *target.bare_args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the bare app did not start: " + (proc.stderr.read() if proc.stderr else
                                                                         b"").decode(errors="replace")) from None
                time.sleep(0.05)
        yield Server(f"http://127.0.0.1:{port}", proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def app_server(target: Target, pg: Postgres | None) -> Iterator[Server]:
    env = {"EMBEDDED_POLL_INTERVAL": "0.2", **target.env}
    database_pid = None
    if target.database == "postgresql":
        assert pg is not None
        database = pg.fresh_database()
        env["DATABASE_URL"] = database
        database_pid = pg.pid
    with ServedProcess(target.serve or "all", env, migrate=True) as served, ExitStack() as more:
        assert served.proc is not None
        replicas = []
        for _ in range(target.replicas - 1):  # the database is migrated already: the others only serve
            shared = {k: v for k, v in served.env.items() if k != "PORT"}  # the same database, a port of its own
            replica = more.enter_context(ServedProcess(target.serve or "all", shared, migrate=False))
            assert replica.proc is not None
            replicas.append((replica.port, replica.proc.pid))
        server = Server(served.base_url, served.proc.pid, served.env["DATABASE_URL"], database_pid, tuple(replicas))
        if target.serve == "all":
            routed_once(server)
        yield server


def routed_once(server: Server, timeout: float = 60) -> None:
    """One complaint through routing before the load: the classifier trains and loads its dictionary at its
    first complaint (seconds of one core), which belongs to the start, not to the figures."""
    httpx.post(server.base_url + "/api/v1/complaints", content=BODIES[0].encode(),
               headers={"content-type": "application/json"}, timeout=30).raise_for_status()
    assert server.database_url is not None
    engine = make_engine(server.database_url)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                if conn.scalar(text("SELECT count(*) FROM event_consumer_offset WHERE group_id = 'routing' "
                                    "AND position >= (SELECT max(position) FROM event_outbox "
                                    "WHERE topic = 'complaints.received')")):
                    return
            time.sleep(0.2)
    finally:
        engine.dispose()
    print("bench.ceiling: routing did not take the first complaint within a minute; measuring anyway")


class Postgres:
    """The run's PostgreSQL: started here (Debian's package) or given by CEILING_PG_URL; a new database per
    target run."""

    def __init__(self) -> None:
        self.server: DurablePostgres | None = None
        self.url = os.environ.get("CEILING_PG_URL", "")
        self.pid: int | None = None
        self.count = 0
        self.note = ""

    def start(self) -> bool:
        if self.url:
            self.note = "CEILING_PG_URL"
            return True
        try:
            self.server = DurablePostgres().start()
        except (RuntimeError, subprocess.CalledProcessError, OSError) as exc:
            self.note = f"no PostgreSQL: {exc}".splitlines()[0]
            return False
        self.url = self.server.url()
        self.pid = self.server.postmaster_pid()
        self.note = "Debian's PostgreSQL, started for this run, fsync and synchronous_commit on (the defaults)"
        return True

    def fresh_database(self) -> str:
        self.count += 1
        name = f"ceiling_{os.getpid()}_{self.count}"
        engine = make_engine(self.url)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return self.url.rsplit("/", 1)[0] + "/" + name

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()


def drive(target: Target, server: Server, *, connections: int, duration: float, warmup: float) -> dict[str, Any]:
    """Runs bench.loadgen in its own process against the server; its JSON figures."""
    cmd = [sys.executable, "-m", "bench.loadgen", server.base_url + target.path, "--method", target.method,
           "--connections", str(connections), "--duration", str(duration), "--warmup", str(warmup),
           "--expect", str(target.expect), "--watch", f"server={server.pid}"]
    for i, (port, pid) in enumerate(server.replicas, start=2):
        cmd += ["--also-port", str(port), "--watch", f"server{i}={pid}"]
    if server.database_pid:
        cmd += ["--watch", f"database={server.database_pid}"]
    for body in target.bodies:
        cmd += ["--body", body]
    if target.bodies:
        cmd += ["--header", "Content-Type: application/json"]
    if target.unique_header:
        cmd += ["--unique-header", target.unique_header]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=warmup + duration + 120)
    if done.returncode != 0:
        raise RuntimeError(f"bench.loadgen failed: {done.stderr[-2000:]}")
    figures = dict(json.loads(done.stdout.strip().splitlines()[-1]))
    cores = figures.get("watched_cores", {})
    for i in range(2, len(server.replicas) + 2):  # the service's cores: all its processes together
        cores["server"] = round(cores.get("server", 0.0) + cores.pop(f"server{i}", 0.0), 3)
    return figures


def check_stored(server: Server, acknowledged: int, *, routed: bool) -> dict[str, Any]:
    """Every 201 the generator received: a complaint row and its complaint.received event in the database.
    (More rows than 201s is fine: answers lost when the generator closed its connections.) `routed`: how
    many of those events routing's consumer (same process) had not read yet when the load stopped."""
    assert server.database_url is not None
    engine = make_engine(server.database_url)
    try:
        with engine.connect() as conn:
            complaints = conn.scalar(text("SELECT count(*) FROM intake_complaints"))
            events = conn.scalar(text("SELECT count(*) FROM event_outbox WHERE type = :type"),
                                 {"type": ComplaintReceivedV1.event_type})
            behind = conn.scalar(text(
                "SELECT count(*) FROM event_outbox WHERE topic = 'complaints.received' AND position > "
                "coalesce((SELECT position FROM event_consumer_offset WHERE group_id = 'routing'), 0)")) \
                if routed else None
    finally:
        engine.dispose()
    return {"acknowledged": acknowledged, "complaints": complaints, "received_events": events,
            "all_stored": complaints >= acknowledged and events >= acknowledged, "routing_behind": behind}


def measure(target: Target, pg: Postgres | None, *, connections: int, duration: float,
            warmup: float, profile: Path | None = None) -> dict[str, Any]:
    starter: Callable[[], Any] = (lambda: bare_server(target)) if target.serve is None else \
        (lambda: app_server(target, pg))
    with starter() as server:
        raw = profile / f"{target.key}.raw" if profile else None
        recording = profiler.start(server.pid, warmup + duration, raw) if raw else None
        figures = drive(target, server, connections=connections, duration=duration, warmup=warmup)
        if raw and recording is not None:
            found = profiler.finish(recording, raw)
            figures["profile"] = found if isinstance(found, str) else {
                "file": str(raw), "samples": found.samples, "areas": dict(found.areas[:12]),
                "ours": dict(found.ours[:12])}
            print(f"  {target.label.strip()} (process {server.pid}, the first one):")
            print("\n".join([f"    {found}"] if isinstance(found, str) else found.lines()))
        if target.writes:
            figures["stored"] = check_stored(server, figures["acknowledged_total"], routed=target.serve == "all")
            figures["group_commit"] = group_commit_figures(server)
    return figures


def group_commit_figures(server: Server) -> dict[str, float]:
    """The server's group commit (/metrics): transactions, units of work in them, the mean batch."""
    found: dict[str, float] = {}
    with suppress(httpx.HTTPError):
        for line in httpx.get(server.base_url + "/metrics", timeout=10).text.splitlines():
            name, _, value = line.partition(" ")
            if name in ("group_commit_transactions_total", "group_commit_sets_total"):
                found[name.removeprefix("group_commit_").removesuffix("_total")] = float(value)
    if found.get("transactions"):
        found["mean_batch"] = round(found["sets"] / found["transactions"], 2)
    return found


# --- the report ---------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    model = ""
    with suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    versions = {}
    for package in ("fastapi", "starlette", "uvicorn", "httptools", "uvloop", "pydantic", "sqlalchemy", "sqlmodel",
                    "psycopg"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    commit = ""
    with suppress(OSError, subprocess.CalledProcessError):
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                check=True, cwd=Path(__file__).parent).stdout.strip()
    return {"platform": platform.platform(), "cpu": model, "cores": os.cpu_count(),
            "python": platform.python_version(), "load_average": os.getloadavg(), "packages": versions,
            "commit": commit}


def previous_run(kind: str = "ceiling") -> tuple[str, dict[str, Any]] | None:
    """The newest readable `bench/results/<kind>-*.json`: its file name and its figures."""
    for path in sorted(RESULTS.glob(f"{kind}-*.json"), reverse=True):
        with suppress(OSError, ValueError):
            return path.name, json.loads(path.read_text())
    return None


def summary(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Per target over the rounds: the median rate, and its round's other figures."""
    ordered = sorted(rounds, key=lambda r: r["rate"])
    middle = ordered[(len(ordered) - 1) // 2]
    return {**middle, "rates": [round(r["rate"], 1) for r in rounds]}


def table(results: dict[str, dict[str, Any]], previous: dict[str, Any] | None) -> str:
    head = (f"{'':46} {'req/s':>7} {'ceiling':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} "
            f"{'server':>6} {'db':>5} {'loadgen':>7}  {'previous':>15}")
    lines = [head, f"{'':46} {'':>7} {'share':>8} {'':>7} {'':>7} {'':>6} {'cores':>6} {'cores':>5} {'cores':>7}"
                   f"  {'req/s, p99 ms':>15}"]
    for target in TARGETS:
        r = results.get(target.key)
        if r is None:
            continue
        share = f"{r['share']:.0%}" if "share" in r else "-"
        cores = r.get("watched_cores", {})
        db = f"{cores['database']:.2f}" if "database" in cores else "-"
        before = (previous or {}).get("results", {}).get(target.key)
        prev = f"{before['rate']:.0f}, {before['p99_ms']:.0f}" if before else "-"
        lines.append(f"{target.label:46} {r['rate']:7.0f} {share:>8} {r['p50_ms']:7.1f} {r['p99_ms']:7.1f} "
                     f"{r['errors']:6d} {cores.get('server', 0):6.2f} {db:>5} {r['cpu_cores']:7.2f}  {prev:>15}")
        if len(r.get("rates", [])) > 1:
            lines.append(f"{'':46} rounds: {', '.join(f'{x:.0f}' for x in r['rates'])} req/s, of that round's "
                         f"ceiling {', '.join(f'{x:.0%}' for x in r.get('shares', []))} (medians shown)")
    return "\n".join(lines)


def verdicts(results: dict[str, dict[str, Any]]) -> list[str]:
    ceiling = results.get("bare", {}).get("rate")
    out = []
    for target in TARGETS:
        r = results.get(target.key)
        if r is None or not target.writes or not ceiling or target.reference:
            continue
        share = r.get("share", r["rate"] / ceiling)
        stored = r.get("stored", {})
        checks = [f"{share:.0%} of the ceiling {'≥' if share >= AIM_SHARE else '<'} {AIM_SHARE:.0%}",
                  f"p99 {r['p99_ms']:.0f} ms {'<' if r['p99_ms'] < AIM_P99_MS else '≥'} {AIM_P99_MS:.0f} ms",
                  f"{r['errors']} errors",
                  f"{stored.get('acknowledged')} × 201, {stored.get('complaints')} complaints and "
                  f"{stored.get('received_events')} events stored"]
        if r.get("group_commit", {}).get("mean_batch"):
            checks.append(f"group commit: {r['group_commit']['mean_batch']:.1f} receipts per transaction")
        ok = share >= AIM_SHARE and r["p99_ms"] < AIM_P99_MS and r["errors"] == 0 and stored.get("all_stored")
        out.append(f"  {'met' if ok else 'NOT met'}: {target.label}: {'; '.join(checks)}")
        if stored.get("routing_behind") is not None:
            out.append(f"      (routing, in the same process, had {stored['routing_behind']} of the "
                       f"{stored['received_events']} complaints still to read when the load stopped)")
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m bench.ceiling", description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per target (default 10)")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=1, help="run every target this many times, interleaved; "
                                                               "the median is reported")
    parser.add_argument("--only", action="append", choices=[t.key for t in TARGETS],
                        help="run only these targets (the ceiling always runs)")
    parser.add_argument("--note", default="", help="a word on what this run is (kept in the JSON)")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results/")
    parser.add_argument("--profile", action="store_true",
                        help="record each server with py-spy while driven; print where its CPU went")
    args = parser.parse_args(argv)
    profile = Path("var") / "profiles" / datetime.now().strftime("%Y%m%d-%H%M%S") if args.profile else None

    targets = [t for t in TARGETS if not args.only or t.key == "bare" or t.key in args.only]
    pg: Postgres | None = None
    if any(t.database == "postgresql" for t in targets):
        pg = Postgres()
        if not pg.start():
            print(f"bench.ceiling: {pg.note}; the PostgreSQL target is skipped")
            targets = [t for t in targets if t.database != "postgresql"]
            pg = None
    info = machine()
    print(f"bench.ceiling: {args.connections} connections, {args.warmup:g} s warm-up + {args.duration:g} s per "
          f"target, {args.rounds} round(s); {info['cores']} cores ({info['cpu']}), load average "
          f"{info['load_average'][0]:.2f} at the start; uvicorn {info['packages']['uvicorn']}, "
          f"httptools {info['packages']['httptools']}, uvloop {info['packages']['uvloop']}")
    rounds: dict[str, list[dict[str, Any]]] = {t.key: [] for t in targets}
    started = time.monotonic()
    try:
        for _ in range(args.rounds):
            for target in targets:
                rounds[target.key].append(measure(target, pg, connections=args.connections, duration=args.duration,
                                                  warmup=args.warmup, profile=profile))
    finally:
        if pg is not None:
            pg.stop()
    results = {key: summary(r) for key, r in rounds.items() if r}
    for key, runs in rounds.items():  # each round's rate against the same round's ceiling
        if key in results and rounds.get("bare"):
            shares = sorted(r["rate"] / c["rate"] for r, c in zip(runs, rounds["bare"], strict=True) if c["rate"])
            if shares:
                results[key]["shares"] = [round(x, 3) for x in shares]
                results[key]["share"] = round(shares[(len(shares) - 1) // 2], 3)
    prev = previous_run()
    print(table(results, prev[1] if prev else None))
    loadgen = [r["cpu_cores"] for r in results.values()]
    print(f"  the load generator ran in its own process ({results['bare']['event_loop']} loop) and took at most "
          f"{max(loadgen):.2f} of the {info['cores']} cores (median {statistics.median(loadgen):.2f}); "
          f"server and db cores are over the same window")
    if pg is not None:
        print(f"  PostgreSQL: {pg.note}")
    for line in verdicts(results):
        print(line)
    if prev:
        print(f"  previous: bench/results/{prev[0]}")
    report = {"when": datetime.now().astimezone().isoformat(timespec="seconds"), "note": args.note,
              "machine": info, "settings": {"connections": args.connections, "duration": args.duration,
                                            "warmup": args.warmup, "rounds": args.rounds,
                                            "postgresql": pg.note if pg else None},
              "labels": {t.key: t.label for t in targets}, "results": results,
              "previous": {"file": prev[0], "results": {k: {"rate": v["rate"], "p99_ms": v["p99_ms"]}
                                                        for k, v in prev[1].get("results", {}).items()}}
              if prev else None,
              "seconds": round(time.monotonic() - started, 1)}
    if not args.no_save:
        RESULTS.mkdir(exist_ok=True)
        out = RESULTS / f"ceiling-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
        out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        print(f"  wrote {out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out}")
    return report


if __name__ == "__main__":
    main()

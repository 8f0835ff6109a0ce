"""`python -m bench.volume [--cases N]`: the supervisors' queries over N seeded cases on PostgreSQL (issue 12).

Starts its own PostgreSQL (Debian's package, as the tests do; shared_buffers 512 MB, otherwise its
defaults) or uses DATABASE_URL (an empty database: the cases are added to it), migrates, writes N cases
with `complaints seed-volume`'s code (services/volume.py: 24 months, the district's mix), serves the
embedded process (`complaints serve all`) on it and times each query over loopback HTTP, signed in as
the demo supervisor: a warm-up, then `--runs` requests one after another; median and p95.

The queries: the three targets for the last full month and for the last 365 days grouped by department,
a department's queue (first page; its replied cases, first and a deep page), triage, alerts, the cases
behind one figure (a page), the problem list (a page) and the cases behind one hotspot (a page), and the
citizen's tracking lookup. Prints a table and writes
JSON to bench/results/volume-<timestamp>.json with the machine. The aim: each under 300 ms at a million
(`--cases 1000000`; `make bench` runs 200,000 to stay within its time).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from bench.__main__ import percentile
from bench.ceiling import machine
from services import composition, volume
from shared.clock import SHANGHAI
from shared.db import make_engine
from tests.pg import PostgresServer
from tests.processes import ServedProcess

RESULTS = Path(__file__).parent / "results"
AIM_MS = 300.0
DEFAULT_CASES = 200_000
TIMEOUT_S = 120.0  # a query slower than this is shown as this (and not asked again)


@dataclass(frozen=True)
class Query:
    key: str
    label: str
    path: str
    params: dict[str, Any]


def queries(engine: sa.Engine, today: date) -> list[Query]:
    """What a supervisor and a citizen ask, over the seeded data (the busiest department, real codes)."""
    month_end = today.replace(day=1) - timedelta(days=1)
    month = {"from": month_end.replace(day=1).isoformat(), "to": month_end.isoformat()}
    year = {"from": (today - timedelta(days=364)).isoformat(), "to": today.isoformat()}
    with engine.connect() as conn:
        department = conn.execute(sa.text(
            "SELECT department FROM routing_cases WHERE department IS NOT NULL GROUP BY department "
            "ORDER BY count(*) DESC LIMIT 1")).scalar_one()
        town = conn.execute(sa.text(  # the town with the most noise complaints lately: surely on the list
            "SELECT town FROM notify_cases WHERE category = 'noise' AND town IS NOT NULL AND received_at >= :since "
            "GROUP BY town ORDER BY count(*) DESC LIMIT 1"), {"since": today - timedelta(days=30)}).scalar_one()
        codes = list(conn.execute(sa.text(
            "SELECT tracking_code FROM intake_complaints TABLESAMPLE SYSTEM (1) LIMIT 200")).scalars()) or list(
            conn.execute(sa.text("SELECT tracking_code FROM intake_complaints LIMIT 200")).scalars())  # a few cases
    code = random.Random(12).choice(codes)
    return [
        Query("targets_month", "三项指标 · 上月 · 按部门", "/api/v1/metrics/sla", {**month, "group_by": "department"}),
        Query("targets_year", "三项指标 · 近一年 · 按部门", "/api/v1/metrics/sla", {**year, "group_by": "department"}),
        Query("queue_first", f"部门待办 · {department} · 第一页", f"/api/v1/queues/{department}", {"limit": 50}),
        Query("queue_replied_first", f"部门已回复 · {department} · 第一页", f"/api/v1/queues/{department}",
              {"status": "replied", "limit": 50}),
        Query("queue_replied_deep", f"部门已回复 · {department} · offset 20000", f"/api/v1/queues/{department}",
              {"status": "replied", "limit": 50, "offset": 20_000}),
        Query("triage", "待人工分拨 · 第一页", "/api/v1/triage", {"limit": 50}),
        Query("alerts", "预警督办 · 第一页", "/api/v1/alerts", {"limit": 100}),
        Query("alerts_department", f"预警督办 · {department} · 第二页", "/api/v1/alerts",
              {"department": department, "limit": 100, "offset": 100}),
        Query("figure_cases", f"按时回复率未达标案件 · 近一年 · {department} · 一页", "/api/v1/metrics/sla/cases",
              {**year, "figure": "on_time_reply_rate", "outcome": "missed", "group_by": "department",
               "group": department, "limit": 50}),
        Query("hotspots", "问题清单 · 第一页", "/api/v1/hotspots", {"limit": 50}),
        Query("hotspot_cases", f"问题清单 · {town} 噪声的相关案件 · 一页",
              f"/api/v1/hotspots/recurring:{town}:noise/cases", {"limit": 50}),
        Query("tracking", "市民查询进度（查询码）", f"/api/v1/complaints/{code}", {}),
    ]


def time_queries(server: ServedProcess, targets: list[Query], runs: int) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    with httpx.Client(base_url=server.base_url, timeout=TIMEOUT_S) as client:
        token = client.post("/api/v1/auth/token", data={"username": "supervisor", "password": "demo"}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        for q in targets:
            print(f"volume: {q.key} ...", file=sys.stderr, flush=True)
            times, size = [], 0
            for run in range(runs + 1):
                started = time.perf_counter()
                try:
                    response = client.get(q.path, params=q.params, headers=headers)
                except httpx.TimeoutException:
                    times.append(TIMEOUT_S * 1000)
                    break
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise RuntimeError(f"{q.key}: {response.status_code} {response.text[:300]}")
                if run:  # the first is the warm-up
                    times.append(elapsed)
                size = len(response.content)
            results[q.key] = {"label": q.label, "path": q.path, "params": q.params,
                              "median_ms": statistics.median(times), "p95_ms": percentile(times, 0.95),
                              "max_ms": max(times), "bytes": size, "runs": runs}
    return results


def run(url: str, cases: int, runs: int, reuse: bool) -> dict[str, Any]:
    engine = make_engine(url)
    composition.migrate(engine, composition.SERVICE_NAMES)
    engines = dict.fromkeys(composition.SERVICE_NAMES, engine)
    seeded: dict[str, Any] = {}
    if reuse and volume.count_cases(engines)["notify"]:
        print(f"volume: timing the cases already in {engine.url.database}", file=sys.stderr)
        cases = volume.count_cases(engines)["notify"]
        volume.analyze(engines)  # a migration may just have rewritten the rows: fresh statistics, pages all-visible
    else:
        print(f"volume: seeding {cases:,} cases", file=sys.stderr)
        report = volume.seed_volume(engines, cases=cases, progress=volume.progress_bar())
        seeded = {"seconds": round(report.seconds, 1), "rows": report.rows}
        print(f"volume: {cases:,} cases, {sum(report.rows.values()):,} rows in {report.seconds:.0f} s", file=sys.stderr)
    targets = queries(engine, datetime.now(SHANGHAI).date())
    engine.dispose()
    with ServedProcess("all", {"DATABASE_URL": url, "EMBEDDED_POLL_INTERVAL": "1"}) as server:
        timings = time_queries(server, targets, runs)
    return {"cases": cases, "seeding": seeded, "queries": timings}


def show(report: dict[str, Any]) -> None:
    print(f"bench.volume: {report['cases']:,} cases on PostgreSQL, loopback HTTP, median / p95 of "
          f"{next(iter(report['queries'].values()))['runs']} runs (aim < {AIM_MS:.0f} ms)")
    if report["seeding"]:
        print(f"  seeding: {report['seeding']['seconds']} s")
    for key, r in report["queries"].items():
        mark = "ok " if r["p95_ms"] < AIM_MS else "SLOW"
        print(f"  {mark} {key:<22} {r['median_ms']:8.1f} {r['p95_ms']:8.1f} ms  {r['bytes']:>8,} B  {r['label']}")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m bench.volume", description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=DEFAULT_CASES, help=f"default {DEFAULT_CASES:,}")
    parser.add_argument("--runs", type=int, default=9, help="timed requests per query (after a warm-up)")
    parser.add_argument("--reuse", action="store_true",
                        help="with DATABASE_URL: time the cases already there instead of seeding")
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL")
    server = None
    if not url:
        server = PostgresServer()
        server.SERVER_OPTIONS = "-c shared_buffers=512MB -c max_connections=100"
        url = server.start().url()
    try:
        report = run(url, args.cases, args.runs, args.reuse)
    finally:
        if server is not None:
            server.stop()
    report |= {"at": datetime.now(SHANGHAI).isoformat(), "machine": machine(), "aim_ms": AIM_MS}
    show(report)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"volume-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"  → {out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out}")
    return report


if __name__ == "__main__":
    main()

"""`python -m bench`: intake throughput and the end-to-end latency (201 → department topic).

Runs a real embedded process (`complaints serve all`, SQLite, event log in the database) on a
free loopback port and drives it over HTTP; prints figures, asserts nothing. Then each consumer
group's own speed on a backlog (`bench.drain`), intake beside its ceiling (`bench.ceiling`: 16
connections against a bare FastAPI app, /healthz and the receipts on SQLite and PostgreSQL, in one
run; JSON in bench/results/), the supervisors' queries over 200,000 seeded cases on PostgreSQL
(`bench.volume`; the million: `python -m bench.volume --cases 1000000`) and, with the test extras,
the Kafka latency and the end to end at a steady 200 complaints/s on both transports (`bench.steady`,
with the CPU each process spends a complaint and its peak memory). The whole run is kept in
bench/results/bench-<time>.json, and the previous run's headline lines are printed beside this one's.
"""

from __future__ import annotations

import io
import json
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import redirect_stdout
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import httpx
from sqlalchemy import Engine, create_engine, text

from tests.processes import ServedProcess

SAMPLES = [
    ("合阳城街道某工地凌晨两点还在打桩，噪音太大", "合阳城街道"),
    ("小区楼下烧烤店油烟很大，熏得没法开窗", "南津街街道"),
    ("太和镇养猪场臭味很重，一到晚上就熏得睡不着", "太和镇"),
    ("广场舞音响声音太大，晚上十点还在跳", "钓鱼城街道"),
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def post_many(client: httpx.Client, count: int) -> list[float]:
    latencies = []
    for i in range(count):
        content, town = SAMPLES[i % len(SAMPLES)]
        started = time.perf_counter()
        response = client.post("/api/v1/complaints", json={"channel": "web", "content": content, "town": town})
        latencies.append(time.perf_counter() - started)
        response.raise_for_status()
    return latencies


def intake_figures(server: ServedProcess, count: int = 300, workers: int = 4) -> dict[str, float]:
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        post_many(client, 20)  # warm up
        started = time.perf_counter()
        sequential = post_many(client, count)
        seq_rate = count / (time.perf_counter() - started)
    clients = [httpx.Client(base_url=server.base_url, timeout=30) for _ in range(workers)]
    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(lambda c: post_many(c, count // workers), clients))
    par_rate = count / (time.perf_counter() - started)
    for c in clients:
        c.close()
    return {
        "sequential_per_s": seq_rate,
        "p50_ms": statistics.median(sequential) * 1000,
        "p95_ms": percentile(sequential, 0.95) * 1000,
        f"concurrent_{workers}_per_s": par_rate,
        "concurrent_p95_ms": percentile([x for r in results for x in r], 0.95) * 1000,
    }


def dispatch_times(engine: Engine) -> dict[str, float]:
    """Each dispatched complaint's work order time (epoch seconds) in the embedded event log, by complaint id."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT key, payload FROM event_outbox WHERE topic LIKE 'complaints.dispatch.%'"))
        return {key: datetime.fromisoformat(json.loads(payload)["time"]).timestamp() for key, payload in rows}


def dispatch_latencies(server: ServedProcess, count: int = 100) -> list[float]:
    """Seconds from receipt (201) to the case's work order on its department's topic, one at a time."""
    engine = create_engine(server.env["DATABASE_URL"])
    received: dict[str, float] = {}
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        for i in range(count):
            content, town = SAMPLES[i % len(SAMPLES)]
            body = client.post("/api/v1/complaints", json={"channel": "web", "content": content, "town": town}).json()
            received[body["id"]] = datetime.fromisoformat(body["received_at"]).timestamp()
            time.sleep(0.02)
    deadline = time.monotonic() + 30
    dispatched: dict[str, float] = {}
    while time.monotonic() < deadline and len(dispatched) < len(received):
        dispatched = dispatch_times(engine)
        time.sleep(0.2)
    engine.dispose()
    return [dispatched[k] - received[k] for k in received if k in dispatched]


class _Tee(io.TextIOBase):
    """Prints as usual and keeps the lines, for the run's JSON."""

    def __init__(self, out: TextIO) -> None:
        self.out, self._part = out, ""
        self.lines: list[str] = []

    def write(self, text: str) -> int:
        self.out.write(text)
        self.out.flush()
        self._part += text
        *done, self._part = self._part.split("\n")
        self.lines += done
        return len(text)


def _section(report: dict[str, Any], name: str, run: Callable[[], Any]) -> None:
    """Run one part of the bench, keeping what it printed, what it returned and how long it took."""
    tee = _Tee(sys.stdout)
    started = time.monotonic()
    with redirect_stdout(tee):
        data = run()
    report["sections"][name] = {"seconds": round(time.monotonic() - started, 1), "lines": tee.lines,
                                "data": data if isinstance(data, dict) else None}


def _embedded() -> dict[str, Any]:
    print("bench: embedded process (SQLite, event log in the database), loopback HTTP, 2 cores")
    with ServedProcess("all", {"EMBEDDED_POLL_INTERVAL": "0.2"}) as server:
        figures = intake_figures(server)
        print("  POST /api/v1/complaints:", ", ".join(f"{k} {v:.1f}" for k, v in figures.items()))
    with ServedProcess("all") as server:
        latencies = dispatch_latencies(server)
    if latencies:
        print(f"  201 → complaints.dispatch.<department> (embedded log), n={len(latencies)}: "
              f"p50 {statistics.median(latencies) * 1000:.0f} ms, p95 {percentile(latencies, 0.95) * 1000:.0f} ms, "
              f"max {max(latencies) * 1000:.0f} ms")
    else:
        print("  201 → department topic: no case was dispatched (is routing running?)")
    return {"intake": figures, "dispatch_s": latencies}


def main() -> None:
    """Every part in turn (about 15 minutes), then one JSON of the run (bench/results/bench-<time>.json)
    and, beside this run's headline lines, the previous run's."""
    from bench.ceiling import RESULTS, machine, previous_run
    from bench.ceiling import main as ceiling_main
    from bench.classifier import main as classifier_main
    from bench.drain import main as drain_main
    from bench.volume import main as volume_main

    previous = previous_run("bench")
    report: dict[str, Any] = {"at": datetime.now().astimezone().isoformat(timespec="seconds"),
                              "machine": machine(), "sections": {}}
    _section(report, "classifier", classifier_main)  # both models on the held-out split, the blind set, real ones
    _section(report, "embedded", _embedded)
    _section(report, "drain", lambda: drain_main([]))  # each consumer group alone, SQLite and PostgreSQL, ~1 min
    _section(report, "ceiling", lambda: ceiling_main([]))  # ~2.5 min: 8 targets of 2 s warm-up + 10 s each
    _section(report, "volume", lambda: volume_main([]))  # 200,000 seeded cases, ~4 min (--cases 1000000: 25)
    try:
        from bench.kafka_latency import main as kafka_main
        from bench.steady import main as steady_main
    except ImportError:
        pass
    else:
        _section(report, "kafka", kafka_main)
        _section(report, "steady", lambda: steady_main([]))  # 200 complaints/s for 20 s on each transport
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"bench-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
    total = sum(section["seconds"] for section in report["sections"].values())
    shown = out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out
    print(f"bench: {total / 60:.1f} min; wrote {shown}")
    if previous is not None:
        print(f"bench: the previous run ({previous[0]}, commit {previous[1]['machine'].get('commit', '?')}), "
              "its headline lines:")
        for name in ("embedded", "steady"):
            for line in previous[1]["sections"].get(name, {}).get("lines", []):
                if line.startswith("  ") and ("p50" in line or "CPU" in line or "POST" in line):
                    print(f"  [{name}] {line.strip()}")


if __name__ == "__main__":
    main()

"""`python -m bench`: intake throughput and the end-to-end latency (201 → department topic).

Runs a real embedded process (`complaints serve all`, SQLite, event log in the database) on a
free loopback port and drives it over HTTP; prints figures, asserts nothing. Then intake beside its
ceiling (`bench.ceiling`: 16 connections against a bare FastAPI app, /healthz and the receipts on
SQLite and PostgreSQL, in one run; JSON in bench/results/), the supervisors' queries over 200,000 seeded
cases on PostgreSQL (`bench.volume`; the million: `python -m bench.volume --cases 1000000`) and, with the
test extras, the Kafka latency and the end to end at a steady 200 complaints/s on both transports
(`bench.steady`).
"""

from __future__ import annotations

import json
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

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


def main() -> None:
    from bench.classifier import main as classifier_main

    classifier_main()  # both models on the held-out split, the blind set and (REAL_MESSAGES_TSV) real messages
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
    from bench.ceiling import main as ceiling_main

    ceiling_main([])  # about two and a half minutes: eight targets of 2 s warm-up + 10 s each
    from bench.volume import main as volume_main

    volume_main([])  # the supervisors' queries over 200,000 seeded cases, about four minutes (--cases 1000000: 25)
    try:
        from bench.kafka_latency import main as kafka_main
        from bench.steady import main as steady_main
    except ImportError:
        return
    kafka_main()
    steady_main([])  # 200 complaints/s for 20 s on each transport, about three minutes


if __name__ == "__main__":
    main()

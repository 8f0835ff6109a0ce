"""`python -m bench.drain [--complaints 400]`: each consumer group's own speed, one at a time (issue 12).

The end-to-end figures mix everything on two cores; this takes the services apart. In one process, with
the workers stopped: N complaints are posted (intake writes them and their events), then each group reads
the whole backlog alone, routing first (the others consume its events too), timed by the wall clock and by
this process's CPU clock. On SQLite (the embedded default) and on PostgreSQL (Debian's package, started
here, as the tests do). Prints complaints a second and CPU milliseconds a complaint per group; asserts
nothing. The inputs are routing's own corpus, so classification and duplicates work as they do for real.
"""

from __future__ import annotations

import argparse
import csv
import os
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest.mock import patch

from services import composition
from shared.clock import SystemClock
from shared.db import make_engine
from tests.pg import PostgresServer
from tests.system import EmbeddedSystem

CORPUS = Path(__file__).parent.parent / "services" / "routing" / "corpus" / "environmental.tsv"
GROUPS = ("routing", "notify", "intake")


def messages() -> list[str]:
    with CORPUS.open(encoding="utf-8") as f:
        return [row["text"] for row in csv.DictReader(f, delimiter="\t")]


def drain(url: str, complaints: int) -> dict[str, dict[str, float]]:
    # Every service in this one database, as `complaints serve all`, with the public demo keys (a throwaway
    # database); the environment as it was afterwards (`make bench` runs the other parts in this process).
    with patch.dict(os.environ, {"DATABASE_URL": url, "DEMO_MODE": os.environ.get("DEMO_MODE", "true")}):
        return _drain(url, complaints)


def _drain(url: str, complaints: int) -> dict[str, dict[str, float]]:
    engine = make_engine(url)
    composition.migrate(engine)
    composition.seed(engine)
    system = EmbeddedSystem(engine, SystemClock())  # type: ignore[arg-type]  # the real clock: nothing here moves it
    texts = messages()
    for i in range(complaints):
        system.report(content=f"{texts[i % len(texts)]}（{i}）", reporter={"phone": "13800000000"})
    for runtime in system.runtimes.values():
        runtime.warm_up()  # the classifier's model, loaded before the clock starts
    figures: dict[str, dict[str, float]] = {}
    for group in GROUPS:
        consumers = [c for c in system.consumers if c.spec.group == group]
        events, wall, cpu = 0, time.perf_counter(), time.process_time()
        for consumer in consumers:
            while handled := consumer.poll_once():
                events += handled
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        figures[group] = {"events": events, "seconds": round(wall, 2), "per_s": round(complaints / wall, 1),
                          "cpu_ms": round(cpu * 1000 / complaints, 2)}
    system.http.close()
    system.process.close()
    engine.dispose()
    return figures


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m bench.drain", description=__doc__.split("\n")[0])
    parser.add_argument("--complaints", type=int, default=400)
    args = parser.parse_args(argv)
    print(f"bench.drain: {args.complaints} complaints posted, then each consumer group reads the backlog alone "
          "(one process, one thread; CPU of this process)")
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="complaints-drain-") as folder:
        report["sqlite"] = drain(f"sqlite:///{folder}/drain.db", args.complaints)
    pg = PostgresServer().start()
    try:
        report["postgresql"] = drain(pg.url(), args.complaints)
    finally:
        pg.stop()
    for database, figures in report.items():
        print(f"  {database}: " + "; ".join(
            f"{group} {f['per_s']:.0f} complaints/s ({f['events']} events, {f['cpu_ms']:.1f} ms CPU a complaint)"
            for group, f in figures.items()))
    return report


if __name__ == "__main__":
    main()

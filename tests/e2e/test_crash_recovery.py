"""Anything accepted survives a crash: kill -9 the embedded process mid-stream, restart, nothing lost or doubled."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import create_engine, text

from tests.processes import ServedProcess

TEXTS = [
    ("合阳城街道某工地凌晨两点还在打桩，噪音太大", "合阳城街道"),
    ("小区楼下烧烤店油烟很大，熏得没法开窗", "南津街街道"),
    ("太和镇养猪场臭味很重", "太和镇"),
    ("请领导重视一下我们这里的问题", None),
]


def routed(database_url: str) -> dict[str, list[str]]:
    """complaint id -> the routing decisions (assigned/triaged event types) in routing's outbox."""
    engine = create_engine(database_url)
    decisions: dict[str, list[str]] = {}
    with engine.connect() as conn:
        for key, kind in conn.execute(text("SELECT key, type FROM event_outbox WHERE type LIKE '%case.assigned%' "
                                           "OR type LIKE '%case.triaged%'")):
            decisions.setdefault(key, []).append(kind)
    engine.dispose()
    return decisions


def test_complaints_accepted_before_a_kill_9_are_all_routed_exactly_once_after_restart(database_url):
    env = {"DATABASE_URL": database_url, "EMBEDDED_POLL_INTERVAL": "0.05"}
    accepted: list[str] = []
    with ServedProcess("all", env) as server:

        def post(i: int) -> str | None:
            content, town = TEXTS[i % len(TEXTS)]
            body = {"channel": "web", "content": f"{content}（第{i}次）", **({"town": town} if town else {})}
            try:
                response = httpx.post(f"{server.base_url}/api/v1/complaints", json=body, timeout=10)
            except httpx.HTTPError:
                return None  # the process died under this request: not accepted, nothing promised
            return response.json()["id"] if response.status_code == 201 else None

        with ThreadPoolExecutor(4) as pool:
            futures = [pool.submit(post, i) for i in range(120)]
            while sum(f.done() for f in futures) < 60:
                time.sleep(0.01)
            assert server.proc is not None
            server.proc.kill()  # kill -9, in the middle of the stream
            accepted = [cid for f in futures if (cid := f.result())]
    assert len(accepted) >= 60

    with ServedProcess("all", env, migrate=False):
        deadline = time.monotonic() + 60
        decisions = routed(database_url)
        while time.monotonic() < deadline and not set(accepted) <= decisions.keys():
            time.sleep(0.2)
            decisions = routed(database_url)
    missing = set(accepted) - decisions.keys()
    assert not missing, f"{len(missing)} accepted complaints were never routed"
    doubled = {cid: kinds for cid, kinds in decisions.items() if len(kinds) != 1}
    assert not doubled, json.dumps(doubled)[:500]

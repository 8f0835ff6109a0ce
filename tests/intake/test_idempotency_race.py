"""Concurrent retries of one report: one complaint, one 201, replays (200) for the rest, never a 500.

On PostgreSQL, requests with one Idempotency-Key (or one call_id) can all find no earlier complaint and
all insert; the losers hit the key's unique constraint at commit, and that must become a replay. On
SQLite writers are serialised, so the same test checks the ordinary path there.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import func, select

from services.intake.adapters.tables import ChannelRefRow, ComplaintRow, IdempotencyKeyRow
from services.intake.seed import DEMO_API_KEY
from shared.contracts.topics import REFERENCE
from shared.eventbus.tables import OutboxRecord
from tests.intake.conftest import EXAMPLE

THREADS = 8


def at_once(send: Callable[[], httpx.Response]) -> list[int | str]:
    """Every thread sends once, all released together; a status per thread (or the exception's name)."""
    start = threading.Barrier(THREADS)
    outcomes: list[int | str] = []
    lock = threading.Lock()

    def run() -> None:
        start.wait()
        try:
            outcome: int | str = send().status_code
        except Exception as exc:  # a server error surfaces here (raise_server_exceptions)
            outcome = type(exc).__name__
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def count(engine, table) -> int:
    """Rows of the table; of the event log, the complaints' (the seeded knowledge articles' events aside)."""
    query = select(func.count()).select_from(table)
    if table is OutboxRecord:
        query = query.where(OutboxRecord.topic != REFERENCE)
    with engine.connect() as conn:
        return conn.execute(query).scalar_one()


@pytest.mark.parametrize("attempt", range(3))
def test_one_idempotency_key_posted_by_eight_threads_at_once_makes_one_complaint(intake, attempt):
    answers: list[dict] = []

    def post() -> httpx.Response:
        response = intake.client.post("/api/v1/complaints", json=EXAMPLE,
                                      headers={"Idempotency-Key": f"race-{attempt}"})
        if response.status_code in (200, 201):
            answers.append(response.json())
        return response

    outcomes = at_once(post)
    assert sorted(outcomes, key=str) == [200] * (THREADS - 1) + [201], outcomes
    assert len({(a["id"], a["tracking_code"], a["citizen_token"]) for a in answers}) == 1  # one answer, one token
    assert (count(intake.engine, ComplaintRow), count(intake.engine, IdempotencyKeyRow),
            count(intake.engine, OutboxRecord)) == (1, 1, 1)


def test_one_call_id_posted_by_eight_threads_at_once_makes_one_complaint(intake):
    call = {"call_id": "CC-race-1", "caller_number": "13812341234", "content": "河里有死鱼，很多很多，请派人看看"}
    ids: list[str] = []

    def post() -> httpx.Response:
        response = intake.client.post("/api/v1/channels/hotline", json=call, headers={"X-API-Key": DEMO_API_KEY})
        if response.status_code in (200, 201):
            ids.append(response.json()["id"])
        return response

    outcomes = at_once(post)
    assert sorted(outcomes, key=str) == [200] * (THREADS - 1) + [201], outcomes
    assert len(set(ids)) == 1
    assert (count(intake.engine, ComplaintRow), count(intake.engine, ChannelRefRow),
            count(intake.engine, OutboxRecord)) == (1, 1, 1)

"""A database that cannot be reached: told apart from a statement's own error, and never a reason to park
a message (a consumer waits for the database instead)."""

from __future__ import annotations

import sqlite3
from datetime import datetime

import psycopg
import pytest
from sqlalchemy.exc import DisconnectionError, IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from shared.clock import SHANGHAI
from shared.contracts.envelope import CloudEvent
from shared.db import database_unavailable
from shared.eventbus.consumer import ConsumerSpec, RetryPolicy, deliver


def wrapped(orig: Exception, *, invalidated: bool = False) -> OperationalError:
    return OperationalError("INSERT INTO intake_complaints ...", {}, orig, connection_invalidated=invalidated)


@pytest.mark.parametrize("exc", [
    wrapped(psycopg.OperationalError("connection refused")),  # no server listening
    wrapped(psycopg.errors.ConnectionTimeout("timed out")),
    wrapped(psycopg.errors.AdminShutdown("terminating connection due to administrator command")),
    wrapped(psycopg.errors.CannotConnectNow("the database system is starting up")),
    wrapped(psycopg.errors.TooManyConnections("too many clients")),
    wrapped(sqlite3.OperationalError("disk I/O error"), invalidated=True),  # the dialect saw a disconnect
    PoolTimeout("QueuePool limit of size 10 overflow 20 reached"),
    DisconnectionError("a pooled connection was dropped while idle"),
], ids=lambda exc: type(getattr(exc, "orig", exc)).__name__)
def test_an_unreachable_database_is_recognised(exc: Exception) -> None:
    assert database_unavailable(exc)


def test_it_is_recognised_behind_another_exception() -> None:
    try:
        try:
            raise wrapped(psycopg.OperationalError("server closed the connection unexpectedly"))
        except OperationalError as inner:
            raise RuntimeError("the group commit failed") from inner
    except RuntimeError as outer:
        assert database_unavailable(outer)


@pytest.mark.parametrize("exc", [
    wrapped(sqlite3.OperationalError("no such table: intake_complaints")),  # a missing migration
    wrapped(psycopg.errors.SerializationFailure("could not serialize access")),
    wrapped(psycopg.errors.QueryCanceled("canceling statement due to statement timeout")),
    IntegrityError("INSERT ...", {}, psycopg.errors.UniqueViolation("duplicate key")),
    ProgrammingError("SELECT ...", {}, psycopg.errors.UndefinedColumn("column does not exist")),
    ValueError("not a database error"),
], ids=lambda exc: type(getattr(exc, "orig", exc)).__name__)
def test_a_statement_error_is_not_an_outage(exc: Exception) -> None:
    assert not database_unavailable(exc)


EVENT = CloudEvent(source="/hechuan/test", type="hechuan.complaints.complaint.received.v1", subject="c-1",
                   time=datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI), data={"complaint_id": "c-1"})


def failing(failures: list[Exception]):  # type: ignore[no-untyped-def]
    calls: list[int] = []

    def handle(_event: CloudEvent) -> None:
        calls.append(1)
        if failures:
            raise failures.pop(0)

    return handle, calls


def test_a_message_waits_for_the_database_however_many_tries_it_takes_and_is_never_parked() -> None:
    outage = [wrapped(psycopg.OperationalError("connection refused")) for _ in range(20)]
    handle, calls = failing(outage)
    parked: list[str] = []
    slept: list[float] = []
    policy = RetryPolicy(max_attempts=3, base_delay=0.05, max_delay=2.0, unavailable_wait=60)
    applied = deliver(EVENT, "complaints.received", ConsumerSpec("routing", ("complaints.received",), handle), policy,
                      lambda _e, _t, error, _a: parked.append(error), sleep=slept.append)
    assert applied and parked == [] and len(calls) == 21  # 20 failures (more than max_attempts), then applied
    assert max(slept) == 2.0 and slept == sorted(slept)  # backing off, up to max_delay


def test_a_long_outage_goes_up_to_the_worker_unparked_so_the_message_is_read_again() -> None:
    handle, _calls = failing([wrapped(psycopg.OperationalError("connection refused")) for _ in range(1000)])
    parked: list[str] = []
    policy = RetryPolicy(max_attempts=3, unavailable_wait=10)
    with pytest.raises(OperationalError):
        deliver(EVENT, "complaints.received", ConsumerSpec("routing", ("complaints.received",), handle), policy,
                lambda _e, _t, error, _a: parked.append(error), sleep=lambda _s: None)
    assert parked == []


def test_a_poison_message_is_still_parked_after_its_attempts() -> None:
    poison = [wrapped(sqlite3.OperationalError("no such table: routing_cases")) for _ in range(10)]
    handle, calls = failing(poison)
    parked: list[str] = []
    applied = deliver(EVENT, "complaints.received", ConsumerSpec("routing", ("complaints.received",), handle),
                      RetryPolicy(max_attempts=3), lambda _e, _t, error, _a: parked.append(error),
                      sleep=lambda _s: None)
    assert not applied and len(calls) == 3 and len(parked) == 1 and "no such table" in parked[0]

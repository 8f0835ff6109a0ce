"""Two notify processes, one sweeper: the lease holder sweeps, a kill -9 hands the lease to the other,
and every warning is raised exactly once across the two (issue: "two notify processes with a kill -9
raise each warning exactly once")."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from shared.clock import SHANGHAI
from shared.contracts.events import CaseAcceptedV1, CaseAssignedV1
from tests.distributed.conftest import DistributedSystem, wait_for

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

FAST = {"SLA_SWEEP_INTERVAL_SECONDS": "0.3", "SLA_SWEEP_LEASE_SECONDS": "3", "LOG_LEVEL": "INFO"}
HEADERS = [("content-type", b"application/cloudevents+json; charset=utf-8")]


def assign(system: DistributedSystem, complaint_id: str, *, due_in: float) -> None:
    """A case assigned and signed for, its reply due in `due_in` seconds, as routing would publish it."""
    now = datetime.now(SHANGHAI)
    due = now + timedelta(seconds=due_in)
    events = [
        CaseAssignedV1(complaint_id=complaint_id, tracking_code=f"HC-{complaint_id}", department="ecology_env",
                       category="noise", received_at=now, assigned_at=now, accept_due=due, return_due=due,
                       reply_due=due, assign_due=now, rule="test", by="system"),
        CaseAcceptedV1(complaint_id=complaint_id, tracking_code=f"HC-{complaint_id}", department="ecology_env",
                       accepted_at=now, by="dispatcher"),
    ]
    producer = system.producer()
    for event in events:
        producer.send(event.topic, key=complaint_id.encode(), headers=HEADERS,
                      value=event.to_event(source="/hechuan/routing", time=now).to_bytes()).get(timeout=30)
    producer.close()


def raised(system: DistributedSystem, complaint_id: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in system.rows("notify", "SELECT clock, level FROM notify_alerts "
                                                        "WHERE complaint_id = :c ORDER BY id", c=complaint_id)]


def lease_holder_pid(system: DistributedSystem) -> int | None:
    holder = system.scalar("notify", "SELECT holder FROM notify_leases WHERE name = 'sla-sweeper' "
                                     "AND expires_at > now()")
    return int(holder.split(":")[1]) if holder else None


def took_lease(log: str) -> int:
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    return sum(1 for line in lines if "lease sla-sweeper taken" in line.get("msg", ""))


def test_one_notify_sweeps_and_after_a_kill_9_the_other_takes_over_raising_each_warning_once(
        distributed: DistributedSystem):
    system = distributed
    first, second = system.start("notify", "notify", **FAST)
    wait_for(lambda: lease_holder_pid(system) is not None, 30, "a sweeper holding the lease")
    holder_pid = lease_holder_pid(system)
    holder, other = (first, second) if first.proc and first.proc.pid == holder_pid else (second, first)
    assert holder.proc is not None and other.proc is not None and holder.proc.pid == holder_pid

    assign(system, "lease-1", due_in=4)
    everything = [("reply", "yellow"), ("reply", "red"), ("reply", "escalated")]
    wait_for(lambda: raised(system, "lease-1") == everything, 60, "yellow, red and escalation for lease-1")
    assert took_lease(holder.log()) == 1 and took_lease(other.log()) == 0  # the other never swept

    holder.proc.kill()  # kill -9: no clean stop, the lease is not given back
    holder.proc.wait()
    assign(system, "lease-2", due_in=6)
    wait_for(lambda: lease_holder_pid(system) == other.proc.pid, 30, "the other notify taking the lease over")
    wait_for(lambda: raised(system, "lease-2") == everything, 60, "lease-2's warnings from the new holder")
    assert took_lease(other.log()) == 1
    assert raised(system, "lease-1") == everything  # nothing raised twice by the takeover

"""The lease that lets one replica at a time run a job (shared/lease.py), on both databases."""

from __future__ import annotations

import threading
from datetime import timedelta

from services.notify.adapters.tables import LEASES
from shared.lease import Lease, under_lease

TTL = timedelta(seconds=30)


def two(engine, clock) -> tuple[Lease, Lease]:
    return (Lease(engine, LEASES, "job", clock, ttl=TTL, holder="a"),
            Lease(engine, LEASES, "job", clock, ttl=TTL, holder="b"))


def test_one_holder_at_a_time_and_the_holder_renews(engine, clock):
    a, b = two(engine, clock)
    assert a.acquire() and not b.acquire()
    clock.advance(timedelta(seconds=25))
    assert a.acquire()  # renewed: another 30 s from now
    clock.advance(timedelta(seconds=25))
    assert not b.acquire() and a.holder_now() == "a"


def test_a_holder_that_stops_renewing_is_taken_over_after_its_time(engine, clock):
    a, b = two(engine, clock)
    assert a.acquire()
    clock.advance(TTL)
    assert not b.acquire()  # not before its time has passed
    clock.advance(timedelta(seconds=1))
    assert b.acquire() and b.holder_now() == "b"
    assert not a.acquire() and a.held is False  # the old holder, back, finds it taken


def test_a_clean_stop_hands_it_over_at_once(engine, clock):
    a, b = two(engine, clock)
    assert a.acquire()
    a.release()
    assert b.acquire()
    a.release()  # not the holder: changes nothing
    assert b.holder_now() == "b"


def test_leases_of_different_jobs_are_apart(engine, clock):
    a = Lease(engine, LEASES, "sweeper", clock, ttl=TTL, holder="a")
    b = Lease(engine, LEASES, "reporter", clock, ttl=TTL, holder="b")
    assert a.acquire() and b.acquire()


def test_the_job_runs_only_under_the_lease(engine, clock):
    a, b = two(engine, clock)
    runs: list[str] = []
    job_a, job_b = under_lease(a, lambda: runs.append("a")), under_lease(b, lambda: runs.append("b"))
    job_a(), job_b(), job_a(), job_b()
    assert runs == ["a", "a"]


def test_many_replicas_racing_for_a_free_lease_give_exactly_one_holder(engine, clock):
    leases = [Lease(engine, LEASES, "job", clock, ttl=TTL, holder=f"r{i}") for i in range(6)]
    won: list[str] = []
    start = threading.Barrier(len(leases))

    def race(lease: Lease) -> None:
        start.wait()
        if lease.acquire():
            won.append(lease.holder)

    threads = [threading.Thread(target=race, args=(lease,)) for lease in leases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(won) == 1 and leases[0].holder_now() == won[0]

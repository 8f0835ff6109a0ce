"""One behaviour suite for the event bus, run against every backend (embedded log and Kafka).

Each test writes events through a real unit of work into the outbox of a real database (SQLite and
PostgreSQL), moves them with the backend's relay, and consumes them with the backend's workers.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from tests.bus.harness import TEST_POLICY, BusHarness, wait_until

GROUP = "routing"


def test_events_arrive_in_order_per_complaint(bus_backend: BusHarness) -> None:
    h = bus_backend
    for seq in range(10):
        for complaint in ("c-1", "c-2", "c-3", "c-4"):
            h.publish(complaint, seq)
    h.pump()

    with h.running(h.bus.consumer(h.spec(GROUP))):
        wait_until(lambda: len(h.effects(GROUP)) == 40, what="40 effects")

    seen: dict[str, list[int]] = defaultdict(list)
    for _event_id, complaint, seq in h.effects(GROUP):
        seen[complaint].append(seq)
    assert seen == {c: list(range(10)) for c in ("c-1", "c-2", "c-3", "c-4")}


def test_the_same_event_delivered_twice_has_one_effect(bus_backend: BusHarness) -> None:
    h = bus_backend
    events = [h.publish("c-7", seq) for seq in range(3)]
    h.pump()

    with h.running(h.bus.consumer(h.spec(GROUP))):
        wait_until(lambda: len(h.effects(GROUP)) == 3, what="first delivery")
        h.redeliver_everything(GROUP)
        wait_until(lambda: h.handler_calls(GROUP) == 6, what="second delivery")

    assert [e[0] for e in h.effects(GROUP)] == [e.id for e in events]


def test_a_handler_that_fails_until_its_last_attempt_is_applied_once(bus_backend: BusHarness) -> None:
    h = bus_backend
    flaky = h.publish("c-9", 1, comment="flaky")
    after = h.publish("c-9", 2)
    h.pump()
    spec = h.spec(GROUP, fails=lambda e, attempt: e.id == flaky.id and attempt < TEST_POLICY.max_attempts)

    with h.running(h.bus.consumer(spec)):
        wait_until(lambda: len(h.effects(GROUP)) == 2, what="both events applied")

    assert [e[0] for e in h.effects(GROUP)] == [flaky.id, after.id]
    assert h.calls[(GROUP, flaky.id)] == TEST_POLICY.max_attempts
    assert h.bus.dead_letters(GROUP) == []


def test_a_poison_message_is_parked_and_the_consumer_goes_on(bus_backend: BusHarness) -> None:
    h = bus_backend
    before = h.publish("c-5", 1)
    poison = h.publish("c-5", 2, comment="poison")
    after = h.publish("c-5", 3)
    h.pump()
    spec = h.spec(GROUP, fails=lambda e, _attempt: e.id == poison.id)

    with h.running(h.bus.consumer(spec)):
        wait_until(lambda: len(h.effects(GROUP)) == 2, what="the messages around the poison one")

    assert [e[0] for e in h.effects(GROUP)] == [before.id, after.id]
    assert h.calls[(GROUP, poison.id)] == TEST_POLICY.max_attempts
    [parked] = h.bus.dead_letters(GROUP)
    assert (parked.event_id, parked.group, parked.topic) == (poison.id, GROUP, "complaints.lifecycle")
    assert parked.attempts == TEST_POLICY.max_attempts and parked.replayed_at is None
    assert "cannot apply c-5#2" in parked.error
    [stored_error] = h.parked_errors(GROUP)
    assert "RuntimeError: cannot apply c-5#2" in stored_error


def test_a_parked_message_replayed_after_the_fix_is_applied_exactly_once(bus_backend: BusHarness) -> None:
    h = bus_backend
    poison = h.publish("c-6", 1, comment="poison")
    h.pump()
    fixed = False
    spec = h.spec(GROUP, fails=lambda e, _attempt: e.id == poison.id and not fixed)
    with h.running(h.bus.consumer(spec)):
        wait_until(lambda: h.bus.dead_letters(GROUP), what="the poison message parked")
    [parked] = h.bus.dead_letters(GROUP)

    assert h.bus.replay(parked.id, spec) is False  # not fixed yet: stays parked
    assert h.effects(GROUP) == []
    fixed = True
    assert h.bus.replay(parked.id, spec) is True
    assert h.bus.replay(parked.id, spec) is True  # replaying again changes nothing

    assert [e[0] for e in h.effects(GROUP)] == [poison.id]
    [view] = h.bus.dead_letters(GROUP)
    assert view.replayed_at is not None
    with pytest.raises(LookupError):
        h.bus.replay(parked.id, h.spec("notify"))  # another group's dead letter is not its to replay


def test_a_consumer_restarted_from_its_committed_offset_does_not_reapply(bus_backend: BusHarness) -> None:
    h = bus_backend
    first = [h.publish(f"c-{n}", 1) for n in range(6)]
    h.pump()
    with h.running(h.bus.consumer(h.spec(GROUP))):
        wait_until(lambda: len(h.effects(GROUP)) == 6, what="the first events")
    calls_before = h.handler_calls(GROUP)

    second = [h.publish(f"c-{n}", 2) for n in range(6)]
    h.pump()
    with h.running(h.bus.consumer(h.spec(GROUP))):
        wait_until(lambda: len(h.effects(GROUP)) == 12, what="the events written while it was away")

    assert calls_before == 6
    assert h.handler_calls(GROUP) == 12  # nothing read twice: it started at the committed offsets
    assert sorted(e[0] for e in h.effects(GROUP)) == sorted(e.id for e in first + second)


@pytest.mark.parametrize("bus_backend", [pytest.param("kafka", marks=pytest.mark.kafka)], indirect=True)
def test_two_consumers_in_one_group_split_the_partitions(bus_backend: BusHarness) -> None:
    h = bus_backend
    one, two = h.bus.consumer(h.spec(GROUP)), h.bus.consumer(h.spec(GROUP))
    with h.running(one):
        with h.running(two, joined=False):
            wait_until(lambda: one.partitions() and two.partitions()  # type: ignore[attr-defined]
                       and len(one.partitions() | two.partitions()) == 3,  # type: ignore[attr-defined]
                       what="the group to give both members partitions")
            assert not one.partitions() & two.partitions()  # type: ignore[attr-defined]
            events = [h.publish(f"c-{n}", 1) for n in range(30)]
            h.pump()
            wait_until(lambda: len(h.effects(GROUP)) == 30, what="all events")
        assert one.handled > 0 and two.handled > 0  # type: ignore[attr-defined]

    assert sorted(e[0] for e in h.effects(GROUP)) == sorted(e.id for e in events)
    assert h.handler_calls(GROUP) == 30

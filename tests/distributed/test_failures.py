"""Failures in the distributed shape: a routing process killed mid-stream, the broker away for a while,
a poison message. Every complaint accepted (201) ends routed exactly once: at-least-once delivery,
exactly-once effect (inbox de-duplication, offsets committed after the transaction)."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor, as_completed

import httpx
import pytest

from tests.distributed.conftest import (
    ASSIGNED,
    PARTITIONS,
    TRIAGED,
    DistributedSystem,
    assignments,
    complaint_body,
    event_of,
    wait_for,
)

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

ROUTING_PARTITIONS = {(topic, p) for topic in ("complaints.received", "complaints.lifecycle", "complaints.accounts")
                      for p in range(PARTITIONS)}


def post_complaints(base_url: str, indexes: range, on_each=None, workers: int = 6) -> list[dict]:
    """POST complaints from a pool of clients; `on_each(count)` is called after each 201, in order."""
    local = threading.local()

    def post(i: int) -> dict:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=base_url, timeout=30)
        response = local.client.post("/api/v1/complaints", json=complaint_body(i))
        assert response.status_code == 201, response.text
        return response.json()

    accepted = []
    with ThreadPoolExecutor(workers) as pool:
        for future in as_completed([pool.submit(post, i) for i in indexes]):
            accepted.append(future.result())
            if on_each is not None:
                on_each(len(accepted))
    return accepted


def assert_routed_exactly_once(system: DistributedSystem, ids: set[str]) -> None:
    """Routing's own records and the lifecycle topic: one case and one routing decision per complaint."""
    cases = {row[0] for row in system.rows("routing", "SELECT complaint_id FROM routing_cases")}
    assert ids <= cases
    decisions = defaultdict(list)
    for key, event_type in system.rows("routing", "SELECT key, type FROM event_outbox WHERE type IN (:a, :t)",
                                       a=ASSIGNED, t=TRIAGED):
        decisions[key].append(event_type)
    assert {k for k in ids if len(decisions[k]) != 1} == set(), "a complaint routed twice, or never"

    def complete(records):
        return ids <= {r.key.decode() for r in records if event_of(r)["type"] in (ASSIGNED, TRIAGED)}

    try:
        lifecycle = system.read_topic("complaints.lifecycle", until=complete, timeout=60)
    except BaseException:
        seen = {r.key.decode() for r in system.read_topic("complaints.lifecycle", timeout=10)}
        missing = ids - seen
        rows = [system.rows("routing", "SELECT position, type, published_at FROM event_outbox WHERE key = :k", k=k)
                for k in missing]
        print(f"\nmissing on complaints.lifecycle: {missing}\nrouting outbox rows: {rows}")
        raise
    event_ids = defaultdict(set)
    for record in lifecycle:
        event = event_of(record)
        if event["type"] in (ASSIGNED, TRIAGED) and event["subject"] in ids:
            event_ids[event["subject"]].add(event["id"])
    doubled = {k: v for k, v in event_ids.items() if len(v) != 1}
    assert not doubled, f"complaints with two routing decisions on the topic: {doubled}"


def test_killing_a_routing_process_mid_stream_moves_its_partitions_and_routes_every_complaint_once(
        distributed: DistributedSystem):
    count, kill_after = 500, 150
    started = time.monotonic()
    distributed.start("intake", "notify", "routing")
    survivor, victim = distributed.processes["routing"][0], distributed.start("routing")[0]

    def both_consuming():  # the latest assignment of each copy: disjoint, together every partition
        latest = [assignments(p.log()) for p in (survivor, victim)]
        if not all(latest):
            return False
        a, b = latest[0][-1], latest[1][-1]
        return a and b and not a & b and a | b == ROUTING_PARTITIONS

    wait_for(both_consuming, 30, "two routing copies sharing the partitions")
    ready = time.monotonic()
    killed: dict[str, float] = {}

    def kill_at(posted: int) -> None:
        if posted == kill_after:
            victim.proc.kill()  # SIGKILL: no commit, no leaving the group
            killed["at"] = time.monotonic()
            killed["routed"] = distributed.scalar("routing", "SELECT count(*) FROM routing_cases")

    accepted = post_complaints(distributed.url("intake"), range(count), on_each=kill_at)
    posted = time.monotonic()
    ids = {a["id"] for a in accepted}
    assert len(ids) == count and killed
    victim.proc.wait(timeout=10)

    # the survivor takes every partition once the dead member's session has expired
    wait_for(lambda: (a := assignments(survivor.log())) and a[-1] == ROUTING_PARTITIONS, 60,
             "the survivor owns every routing partition")
    moved = time.monotonic()
    wait_for(lambda: distributed.scalar("routing", "SELECT count(*) FROM routing_cases") >= count, 120,
             f"{count} cases in routing")
    routed = time.monotonic()
    wait_for(lambda: distributed.unsent("routing") == 0, 60, "routing's outbox published")

    assert distributed.scalar("routing", "SELECT count(*) FROM routing_cases") == count
    assert_routed_exactly_once(distributed, ids)
    print(f"\nkill -9 test: setup {ready - started:.1f}s; {count} POSTs in {posted - ready:.1f}s; "
          f"killed after {kill_after} posted ({killed['routed']} routed by then); partitions moved "
          f"{moved - killed['at']:.1f}s after the kill; all routed {routed - ready:.1f}s after the first POST; "
          f"checks done {time.monotonic() - routed:.1f}s later")


def outbox_backlog(metrics_text: str) -> float | None:
    """The relay's `outbox_backlog` gauge from a Prometheus /metrics page."""
    for line in metrics_text.splitlines():
        if line.startswith("outbox_backlog{"):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_while_the_broker_is_down_intake_accepts_and_keeps_the_events_then_everything_flows_once(
        distributed_s3: DistributedSystem):
    system, broker = distributed_s3, distributed_s3.broker  # S3 storage: a restart keeps data and offsets
    started = time.monotonic()
    system.start("intake", "routing", "notify")
    before = {a["id"] for a in post_complaints(system.url("intake"), range(5))}
    wait_for(lambda: system.scalar("routing", "SELECT count(*) FROM routing_cases") == 5, 60, "warm-up routed")
    wait_for(lambda: all(system.unsent(name) == 0 for name in ("intake", "routing", "notify")), 30,
             "the warm-up published")
    intake = system.client("intake")

    broker.stop(graceful=True)  # see TansuBroker.stop: a kill can lose tansu's last acknowledged write
    down = time.monotonic()
    latencies: list[float] = []

    def timed_post(i: int) -> dict:
        began = time.monotonic()
        response = intake.post("/api/v1/complaints", json=complaint_body(i))
        latencies.append(time.monotonic() - began)
        assert response.status_code == 201, response.text  # the outbox takes it: no broker needed
        return response.json()

    during = {timed_post(i)["id"] for i in range(5, 35)}
    assert len(during) == 30
    assert system.unsent("intake") >= 30  # the relay's backlog: every event kept, none sent
    # the broker stays away until the relay has given up a round and reported its backlog on /metrics
    gauge = wait_for(lambda: (g := outbox_backlog(intake.get("/metrics").text)) is not None and g >= 30 and g,
                     90, "intake's outbox_backlog gauge reports the waiting events")
    assert intake.get("/readyz").status_code == 200
    outage = time.monotonic() - down

    broker.start()  # same port, same S3 bucket
    up = time.monotonic()
    wait_for(lambda: system.unsent("intake") == 0, 90, "intake's outbox drained")
    drained = time.monotonic()
    wait_for(lambda: system.scalar("routing", "SELECT count(*) FROM routing_cases") >= 35, 120,
             "every complaint routed")
    routed = time.monotonic()
    wait_for(lambda: system.unsent("routing") == 0, 60, "routing's outbox published")
    wait_for(lambda: outbox_backlog(intake.get("/metrics").text) == 0, 30, "the gauge back to 0")

    assert system.scalar("routing", "SELECT count(*) FROM routing_cases") == 35
    assert_routed_exactly_once(system, before | during)
    received = system.read_topic("complaints.received")
    assert during <= {r.key.decode() for r in received}  # nothing lost on the way
    assert len({event_of(r)["id"] for r in received}) == 35  # (a record sent twice would carry the same id)
    print(f"\nbroker outage: setup {down - started:.1f}s; 30 POSTs while down, max {max(latencies) * 1000:.0f} ms; "
          f"backlog gauge {gauge:.0f} after {outage:.1f}s down; after restart intake's outbox drained in "
          f"{drained - up:.1f}s, all routed in {routed - up:.1f}s")


def received_event(complaint_id: str, tracking_code: str, *, source: str) -> bytes:
    from datetime import datetime

    from shared.clock import SHANGHAI
    from shared.contracts.events import ComplaintReceivedV1

    now = datetime.now(SHANGHAI)
    payload = ComplaintReceivedV1(complaint_id=complaint_id, tracking_code=tracking_code, channel="hotline",
                                  content="合阳城街道某工地凌晨两点还在打桩，噪音太大", town="合阳城街道",
                                  received_at=now)
    return payload.to_event(source=source, time=now).to_bytes()


def test_a_poison_message_is_parked_after_its_retries_and_replayed_once_after_the_fix(
        distributed: DistributedSystem):
    """The poison: a work order forwarded by another platform (here, a 12345-hotline bridge writing to
    complaints.received) with a 40-character tracking code; routing's `tracking_code` column holds 32, so
    PostgreSQL refuses the insert on every attempt. The fix is the one an operator would ship: a schema
    change widening the column (done here with ALTER TABLE, standing in for that release's migration).
    The parked bytes are unchanged by the fix: the replay delivers exactly what was parked."""
    system = distributed
    system.start("routing", CONSUMER_MAX_ATTEMPTS="2")
    routing = system.processes["routing"][0]
    wait_for(lambda: (a := assignments(routing.log())) and a[-1] == ROUTING_PARTITIONS, 30, "routing consuming")

    poison_id, good_id = "ext-12345-0001", "ext-12345-0002"
    long_code = "CQ12345-20261128-HECHUAN-000000000001"  # 37 characters
    producer = system.producer()
    headers = [("content-type", b"application/cloudevents+json; charset=utf-8")]
    for complaint_id, code in ((poison_id, long_code), (good_id, "HC261128-EXT002")):  # one partition: in order
        producer.send("complaints.received", key=complaint_id.encode(), partition=0, headers=headers,
                      value=received_event(complaint_id, code, source="/cq12345/bridge")).get(timeout=30)
    producer.close()

    def case_count(complaint_id: str) -> int:
        return system.scalar("routing", "SELECT count(*) FROM routing_cases WHERE complaint_id = :c", c=complaint_id)

    # the message behind it is not held up: the poison was retried, parked, and its offset committed
    wait_for(lambda: case_count(good_id) == 1, 30, "the message after the poison routed")
    parked = system.read_topic("complaints.received.dlq", until=lambda records: len(records) >= 1)
    assert len(parked) == 1 and parked[0].key == poison_id.encode()
    dlq_headers = {k: v.decode() for k, v in parked[0].headers}
    assert "value too long" in dlq_headers["dlq-error"] and dlq_headers["dlq-attempts"] == "2"
    assert dlq_headers["dlq-group"] == "routing" and dlq_headers["dlq-original-topic"] == "complaints.received"
    assert case_count(poison_id) == 0

    def dead_letters() -> list[dict]:
        listed = system.cli("routing", "dlq", "list", "--service", "routing")
        assert listed.returncode == 0, listed.stderr
        return json.loads(listed.stdout)

    [letter] = dead_letters()
    assert letter["id"] == "complaints.received.dlq:" + f"{parked[0].partition}:{parked[0].offset}"
    assert (letter["group"], letter["topic"], letter["attempts"]) == ("routing", "complaints.received", 2)
    assert letter["event_id"] == json.loads(parked[0].value)["id"] and letter["replayed_at"] is None

    # replayed before the fix: fails again and stays parked, with the new attempt noted
    again = system.cli("routing", "dlq", "replay", letter["id"], "--service", "routing", "--group", "routing")
    assert again.returncode == 1 and "still parked" in again.stdout, again.stdout + again.stderr
    [letter] = dead_letters()
    assert letter["replayed_at"] is None and letter["attempts"] == 3 and case_count(poison_id) == 0

    # the fix, then the replay applies it once
    with system.engine("routing").begin() as conn:
        conn.exec_driver_sql("ALTER TABLE routing_cases ALTER COLUMN tracking_code TYPE VARCHAR(64)")
    replayed = system.cli("routing", "dlq", "replay", letter["id"], "--service", "routing", "--group", "routing")
    assert replayed.returncode == 0 and "replayed" in replayed.stdout, replayed.stdout + replayed.stderr

    def effects() -> tuple:
        return (
            case_count(poison_id),
            system.scalar("routing", "SELECT tracking_code FROM routing_cases WHERE complaint_id = :c", c=poison_id),
            system.scalar("routing", "SELECT count(*) FROM event_outbox WHERE key = :c", c=poison_id),
            system.scalar("routing", "SELECT count(*) FROM event_inbox WHERE event_id = :e", e=letter["event_id"]),
            system.scalar("routing", "SELECT count(*) FROM routing_cases"),
        )

    applied = effects()
    assert applied == (1, long_code, 2, 1, 2)  # case.assigned + its work order; the event applied once
    [letter] = dead_letters()
    assert letter["replayed_at"] is not None

    # a second replay changes nothing: no second delivery, no second marker
    markers = len(system.read_topic("complaints.received.dlq"))
    twice = system.cli("routing", "dlq", "replay", letter["id"], "--service", "routing", "--group", "routing")
    assert twice.returncode == 0, twice.stdout + twice.stderr
    assert effects() == applied and len(system.read_topic("complaints.received.dlq")) == markers == 3

    # the running routing process's relay publishes what the replay wrote: one work order
    orders = system.read_topic("complaints.dispatch.housing_construction",
                               until=lambda rs: any(r.key == poison_id.encode() for r in rs))
    assert len({event_of(r)["id"] for r in orders if r.key == poison_id.encode()}) == 1

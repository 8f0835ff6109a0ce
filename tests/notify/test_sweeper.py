"""The SLA sweep through the bus on the real database: alerts, events and messages, each once per clock cycle."""

import json
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.notify.adapters.tables import AlertRow, ClockRow
from services.notify.bootstrap import bootstrap
from services.notify.domain.commands import SweepSlaClocks
from services.notify.domain.notifications import SUPERVISORS, department_recipient
from services.notify.service_layer.uow import SOURCE
from shared.contracts import topics
from shared.eventbus.tables import OutboxRecord
from tests.notify.conftest import SETTINGS
from tests.notify.factories import T0, accepted, assigned, extension, triaged
from tests.system import service_context

HOUR = timedelta(hours=1)


def alerts(engine) -> list[tuple[str, str, str]]:
    with Session(engine) as session:
        rows = session.scalars(select(AlertRow).order_by(AlertRow.id)).all()
    return [(r.complaint_id, r.clock, r.level) for r in rows]


def published(engine) -> list[tuple[str, str, dict]]:
    """What notify wrote to the outbox (the seeded database holds routing's directory too)."""
    with Session(engine) as session:
        rows = session.scalars(select(OutboxRecord).order_by(OutboxRecord.position)).all()
    envelopes = [json.loads(r.payload) | {"topic": r.topic} for r in rows]
    return [(e["topic"], e["type"].split(".")[-2], e["data"]) for e in envelopes if e["source"] == SOURCE]


def levels(sent) -> list[tuple[str, str]]:
    return [(a.clock.value, a.level.value) for a in sent]


def accepted_at_once(feed, *cids: str) -> None:
    for cid in cids:
        feed(assigned(cid, assigned_at=T0, reply_due=T0 + 96 * HOUR))
        feed(accepted(cid, T0 + HOUR))


def test_a_reply_clock_goes_yellow_red_and_escalated_each_once_as_time_passes(feed, sweep, clock, notifier, engine):
    accepted_at_once(feed, "c1")  # only the reply clock runs, 96 hours from T0 to its deadline

    clock.set(T0 + 71 * HOUR)
    assert levels(sweep()) == []
    clock.set(T0 + 72 * HOUR)
    assert levels(sweep()) == [("reply", "yellow")]
    assert levels(sweep()) == []  # running twice sends nothing more
    clock.set(T0 + 96 * HOUR)
    assert levels(sweep()) == [("reply", "red")]
    clock.advance(timedelta(minutes=1))
    assert levels(sweep()) == [("reply", "escalated")]
    clock.advance(timedelta(days=3))
    assert levels(sweep()) == []

    assert alerts(engine) == [("c1", "reply", "yellow"), ("c1", "reply", "red"), ("c1", "reply", "escalated")]
    events = [(topic, kind, data.get("level")) for topic, kind, data in published(engine)]
    assert events == [(topics.LIFECYCLE, "sla_warning", "yellow"), (topics.LIFECYCLE, "sla_warning", "red"),
                      (topics.LIFECYCLE, "escalated", None)]
    assert all(data["complaint_id"] == "c1" and data["clock"] == "reply" and data["department"] == "ecology_env"
               for _t, _k, data in published(engine))
    with Session(engine) as session:
        clock_row = session.get(ClockRow, ("c1", "reply"))
    assert (clock_row.cycle, clock_row.last_level) == (1, "escalated")

    assert [m[:5] for m in notifier.to(department_recipient("ecology_env"), cause="assigned")] == ["【新案件】"]
    to_department = notifier.to(department_recipient("ecology_env"), cause="alert")
    assert len(to_department) == 3 and "黄灯" in to_department[0] and "HCc1" in to_department[0]
    assert "红灯" in to_department[1] and to_department[2].startswith("【催办】")  # the department is reminded
    [escalation] = notifier.to(SUPERVISORS)  # the supervisors are told to supervise it (督办)
    assert escalation.startswith("【督办】") and "HCc1" in escalation and "责任单位" in escalation


def test_the_sweeper_worker_sends_the_command_at_the_clock_s_time(runtime, feed, clock, engine):
    accepted_at_once(feed, "c1")
    clock.set(T0 + 80 * HOUR)
    worker, *_ = runtime.workers  # the sweeper (then the robot sender and the figure-days compactor)
    worker.job()
    worker.job()
    assert alerts(engine) == [("c1", "reply", "yellow")]
    assert published(engine)[0][2]["at"] == (T0 + 80 * HOUR).isoformat()


def test_a_late_first_sweep_sends_red_and_escalation_but_no_stale_yellow(feed, sweep, clock):
    accepted_at_once(feed, "c1")
    clock.set(T0 + 100 * HOUR)
    assert levels(sweep()) == [("reply", "red"), ("reply", "escalated")]


def test_an_unrouted_case_warns_the_supervisors_about_the_assignment_deadline(feed, sweep, clock, notifier):
    feed(triaged("c1", assign_due=T0 + 24 * HOUR))
    clock.set(T0 + 18 * HOUR)
    assert levels(sweep()) == [("assign", "yellow")]
    assert len(notifier.to(SUPERVISORS)) == 1 and "交办" in notifier.to(SUPERVISORS)[0]
    assert "人工分拨岗" in notifier.to(SUPERVISORS)[0]


def test_signing_for_a_case_stops_its_accept_clock(feed, sweep, clock):
    feed(assigned("c1", assigned_at=T0, accept_due=T0 + 24 * HOUR, reply_due=T0 + 96 * HOUR))
    clock.set(T0 + 18 * HOUR)
    assert levels(sweep()) == [("accept", "yellow")]
    feed(accepted("c1", T0 + 19 * HOUR))
    clock.set(T0 + 30 * HOUR)
    assert levels(sweep()) == []


def test_an_approved_extension_earns_its_warnings_again_at_the_new_deadline(feed, sweep, clock, engine):
    accepted_at_once(feed, "c1")
    clock.set(T0 + 96 * HOUR)
    assert levels(sweep()) == [("reply", "red")]
    feed(extension("c1", T0 + 196 * HOUR))  # 196 hours allowed from assignment: yellow at 147
    assert levels(sweep()) == []
    clock.set(T0 + 147 * HOUR)
    assert levels(sweep()) == [("reply", "yellow")]
    clock.set(T0 + 196 * HOUR)
    assert levels(sweep()) == [("reply", "red")]
    with Session(engine) as session:
        cycles = session.execute(select(AlertRow.level, AlertRow.cycle).order_by(AlertRow.id)).all()
    assert [tuple(c) for c in cycles] == [("red", 1), ("yellow", 2), ("red", 2)]


def test_escalation_waits_for_the_configured_grace(feed, engine, clock, notifier):
    settings = SETTINGS.model_copy(update={"escalation_grace_seconds": 2 * 3600})
    bus = bootstrap(service_context(settings, engine, clock), notifier=notifier).bus
    consumer = bus.consumer()
    for event in (assigned("c1", assigned_at=T0, reply_due=T0 + 96 * HOUR), accepted("c1", T0 + HOUR)):
        consumer.handle(event.to_event(source="/hechuan/routing", time=clock.now()))
    clock.set(T0 + 97 * HOUR)
    assert levels(bus.handle(SweepSlaClocks(at=clock.now()))) == [("reply", "red")]
    clock.set(T0 + 99 * HOUR)
    assert levels(bus.handle(SweepSlaClocks(at=clock.now()))) == [("reply", "escalated")]


class BrokenGateway:
    def send(self, key, recipient, body):
        raise ConnectionError("robot webhook down")


def test_a_failing_notifier_does_not_lose_the_alert_or_stop_the_sweep(feed, engine, clock):
    bus = bootstrap(service_context(SETTINGS, engine, clock), notifier=BrokenGateway()).bus
    consumer = bus.consumer()
    for cid in ("c1", "c2"):
        for event in (assigned(cid, assigned_at=T0, reply_due=T0 + 96 * HOUR), accepted(cid, T0 + HOUR)):
            consumer.handle(event.to_event(source="/hechuan/routing", time=clock.now()))
    clock.set(T0 + 80 * HOUR)
    assert len(bus.handle(SweepSlaClocks(at=clock.now()))) == 2
    assert alerts(engine) == [("c1", "reply", "yellow"), ("c2", "reply", "yellow")]
    assert len(published(engine)) == 2


def test_an_alert_already_on_record_rolls_back_only_its_own_case(feed, sweep, clock, engine, notifier):
    """Once per cycle is also the database's rule: a second copy of an alert (a sweeper that raced and
    lost) is refused, that case's transaction rolls back with its event, and the sweep goes on."""
    accepted_at_once(feed, "c1", "c2")
    with Session(engine) as session:
        session.add(AlertRow(complaint_id="c1", tracking_code="HCc1", department="ecology_env", clock="reply",
                             cycle=1, level="yellow", reply_round=1, due=T0 + 96 * HOUR, created_at=T0))
        session.commit()
    clock.set(T0 + 80 * HOUR)
    assert [a.complaint_id for a in sweep()] == ["c2"]
    assert [data["complaint_id"] for _t, _k, data in published(engine)] == ["c2"]
    assert len(notifier.to(department_recipient("ecology_env"), cause="alert")) == 1  # c2's only
    with Session(engine) as session:
        assert session.get(ClockRow, ("c1", "reply")).last_level == "none"
        assert session.get(ClockRow, ("c2", "reply")).last_level == "yellow"

"""The SLA sweep: yellow, red and escalation each once per clock as time moves, with their events."""

import json
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.notify.adapters.tables import AlertRow
from services.notify.domain.notifications import SUPERVISORS, department_recipient
from services.notify.service_layer.sweeper import SlaPolicy, sweep
from shared.contracts import topics
from shared.eventbus.tables import OutboxRecord
from tests.notify.factories import T0, accepted, assigned, extension, triaged

HOUR = timedelta(hours=1)


def alerts(engine) -> list[tuple[str, str, str]]:
    with Session(engine) as session:
        rows = session.scalars(select(AlertRow).order_by(AlertRow.id)).all()
    return [(r.complaint_id, r.clock, r.level) for r in rows]


def published(engine) -> list[tuple[str, str, dict]]:
    with Session(engine) as session:
        rows = session.scalars(select(OutboxRecord).order_by(OutboxRecord.position)).all()
    return [(r.topic, r.type.split(".")[-2], json.loads(r.payload)["data"]) for r in rows]


def run(uows, clock, notifier, **policy):
    return [(a.clock.value, a.level.value) for a in sweep(uows(), clock.now(), notifier, SlaPolicy(**policy))]


def test_a_reply_clock_goes_yellow_red_and_escalated_each_once_as_time_passes(feed, uows, clock, notifier, engine):
    # Accepted at once: only the reply clock runs, 96 hours from T0 to its deadline.
    feed(assigned("c1", assigned_at=T0, reply_due=T0 + 96 * HOUR))
    feed(accepted("c1", T0 + HOUR))

    clock.set(T0 + 71 * HOUR)
    assert run(uows, clock, notifier) == []
    clock.set(T0 + 72 * HOUR)
    assert run(uows, clock, notifier) == [("reply", "yellow")]
    assert run(uows, clock, notifier) == []  # running twice sends nothing more
    clock.set(T0 + 96 * HOUR)
    assert run(uows, clock, notifier) == [("reply", "red")]
    clock.advance(timedelta(minutes=1))
    assert run(uows, clock, notifier) == [("reply", "escalated")]
    clock.advance(timedelta(days=3))
    assert run(uows, clock, notifier) == []

    assert alerts(engine) == [("c1", "reply", "yellow"), ("c1", "reply", "red"), ("c1", "reply", "escalated")]
    events = [(topic, kind, data["level"] if "level" in data else None) for topic, kind, data in published(engine)]
    assert events == [(topics.LIFECYCLE, "sla_warning", "yellow"), (topics.LIFECYCLE, "sla_warning", "red"),
                      (topics.LIFECYCLE, "escalated", None)]
    assert all(data["complaint_id"] == "c1" and data["clock"] == "reply" and data["department"] == "ecology_env"
               for _t, _k, data in published(engine))

    to_department = notifier.to(department_recipient("ecology_env"))
    assert len(to_department) == 3 and "黄灯" in to_department[0] and "HCc1" in to_department[0]
    assert "红灯" in to_department[1] and "督办" in to_department[2]
    assert [m for m in notifier.to(SUPERVISORS)] == [to_department[2]]


def test_a_late_first_sweep_sends_red_and_escalation_but_no_stale_yellow(feed, uows, clock, notifier):
    feed(assigned("c1", assigned_at=T0, reply_due=T0 + 96 * HOUR))
    feed(accepted("c1", T0 + HOUR))
    clock.set(T0 + 100 * HOUR)
    assert run(uows, clock, notifier) == [("reply", "red"), ("reply", "escalated")]


def test_an_unrouted_case_warns_the_supervisors_about_the_assignment_deadline(feed, uows, clock, notifier):
    feed(triaged("c1", assign_due=T0 + 24 * HOUR))
    clock.set(T0 + 18 * HOUR)
    assert run(uows, clock, notifier) == [("assign", "yellow")]
    assert len(notifier.to(SUPERVISORS)) == 1 and "交办" in notifier.to(SUPERVISORS)[0]


def test_signing_for_a_case_stops_its_accept_clock(feed, uows, clock, notifier, engine):
    feed(assigned("c1", assigned_at=T0, accept_due=T0 + 24 * HOUR, reply_due=T0 + 96 * HOUR))
    clock.set(T0 + 18 * HOUR)
    assert run(uows, clock, notifier) == [("accept", "yellow")]
    feed(accepted("c1", T0 + 19 * HOUR))
    clock.set(T0 + 30 * HOUR)
    assert run(uows, clock, notifier) == []


def test_an_approved_extension_earns_its_warnings_again_at_the_new_deadline(feed, uows, clock, notifier, engine):
    feed(assigned("c1", assigned_at=T0, reply_due=T0 + 96 * HOUR))
    feed(accepted("c1", T0 + HOUR))
    clock.set(T0 + 96 * HOUR)
    assert run(uows, clock, notifier) == [("reply", "red")]
    feed(extension("c1", T0 + 196 * HOUR))  # 200 hours allowed from assignment: yellow at 147
    assert run(uows, clock, notifier) == []
    clock.set(T0 + 147 * HOUR)
    assert run(uows, clock, notifier) == [("reply", "yellow")]
    clock.set(T0 + 196 * HOUR)
    assert run(uows, clock, notifier) == [("reply", "red")]
    with Session(engine) as session:
        cycles = session.execute(select(AlertRow.level, AlertRow.cycle).order_by(AlertRow.id)).all()
    assert [tuple(c) for c in cycles] == [("red", 1), ("yellow", 2), ("red", 2)]


def test_escalation_waits_for_the_configured_grace(feed, uows, clock, notifier):
    feed(assigned("c1", assigned_at=T0, reply_due=T0 + 96 * HOUR))
    feed(accepted("c1", T0 + HOUR))
    clock.set(T0 + 97 * HOUR)
    assert run(uows, clock, notifier, escalate_after=2 * HOUR) == [("reply", "red")]
    clock.set(T0 + 99 * HOUR)
    assert run(uows, clock, notifier, escalate_after=2 * HOUR) == [("reply", "escalated")]


class BrokenGateway:
    def send(self, recipient, message):
        raise ConnectionError("SMS gateway down")


def test_a_failing_notifier_does_not_lose_the_alert_or_stop_the_sweep(feed, uows, clock, engine):
    feed(assigned("c1", assigned_at=T0, reply_due=T0 + 96 * HOUR))
    feed(assigned("c2", assigned_at=T0, reply_due=T0 + 96 * HOUR))
    feed(accepted("c1", T0 + HOUR))
    feed(accepted("c2", T0 + HOUR))
    clock.set(T0 + 80 * HOUR)
    assert len(sweep(uows(), clock.now(), BrokenGateway())) == 2
    assert alerts(engine) == [("c1", "reply", "yellow"), ("c2", "reply", "yellow")]

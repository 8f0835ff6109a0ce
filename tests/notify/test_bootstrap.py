"""notify wired up: consumer group and topic, the SLA sweeper worker, and the embedded event log end to end."""

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from services.notify.adapters.notifier import FakeNotifier
from services.notify.adapters.tables import AlertRow, CaseRow
from services.notify.bootstrap import NAME, bootstrap
from services.notify.settings import NotifySettings
from shared.contracts import topics
from shared.eventbus.dblog import DbLogBus
from shared.eventbus.tables import DeadLetter, InboxRecord
from shared.runtime import PeriodicWorker
from shared.uow import SqlUnitOfWork
from tests.notify.factories import T0, accepted, assigned

SETTINGS = NotifySettings(demo_mode=True, sla_sweep_interval_seconds=30)


def publish_as_routing(engine, clock, *payloads) -> None:
    with SqlUnitOfWork(sessionmaker(engine), clock=clock, source="/hechuan/routing") as uow:
        for payload in payloads:
            uow.publish(payload)
        uow.commit()


def count(engine, model, *where) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_notify_consumes_the_lifecycle_as_its_own_group_and_sweeps_on_a_schedule(engine, clock):
    runtime = bootstrap(SETTINGS, engine, clock=clock)
    assert runtime.name == NAME == "notify"
    [spec] = runtime.consumers
    assert (spec.group, spec.topics) == ("notify", (topics.LIFECYCLE,))
    [worker] = runtime.workers
    assert isinstance(worker, PeriodicWorker) and worker.name == "sla-sweeper" and worker.interval == 30


def test_events_on_the_embedded_log_reach_the_projection_and_its_own_warnings_are_skipped(engine, clock):
    notifier = FakeNotifier()
    runtime = bootstrap(SETTINGS, engine, clock=clock, notifier=notifier)
    consumer = DbLogBus(engine, clock).consumer(runtime.consumers[0])
    publish_as_routing(engine, clock, assigned("c1", assigned_at=T0, reply_due=T0 + timedelta(hours=96)),
                       accepted("c1", T0 + timedelta(hours=1)))
    consumer.poll_once()
    assert count(engine, CaseRow, CaseRow.status == "accepted") == 1

    clock.set(T0 + timedelta(hours=80))
    runtime.workers[0].job()  # one round of the sweeper, as its worker runs it
    runtime.workers[0].job()
    assert count(engine, AlertRow) == 1 and len(notifier.sent) == 1

    consumer.poll_once()  # reads the sweeper's own sla_warning event: nothing to project, nothing parked
    assert count(engine, InboxRecord, InboxRecord.group_id == "notify") == 2
    assert count(engine, DeadLetter) == 0

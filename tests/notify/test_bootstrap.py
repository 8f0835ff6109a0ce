"""notify wired up: its bus, consumer group and topics, the SLA sweeper, and the embedded event log end to end."""

import inspect
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from services.notify.adapters.tables import AlertRow, CaseRow
from services.notify.bootstrap import NAME, bootstrap
from services.notify.domain.commands import (
    GetCallback,
    ListAlerts,
    ListCallbacks,
    RecordCallbackCall,
    ReportSlaTargets,
    SweepSlaClocks,
)
from services.notify.domain.dashboard import ListDeadlineCases, ListFigureCases, ReportSlaTrend
from services.notify.domain.disclosure import PublicMonthly, ReportMonth
from services.notify.domain.hotspots import ListHotspotCases, ListHotspots, UpdateHotspot
from services.notify.domain.reviews import (
    GetRatingReview,
    ListUnsatisfiedRatings,
    MarkUnreasonable,
    WithdrawUnreasonable,
)
from services.notify.service_layer.assessment import AssessUnits, ListDepartmentNames
from services.notify.service_layer.knowledge import ReportConsultations
from shared.contracts import topics
from shared.eventbus.dblog import DbLogBus
from shared.eventbus.tables import DeadLetter, InboxRecord
from shared.messagebus import MessageBus
from shared.outbound import ListOutbound, ReplayOutbound
from shared.runtime import PeriodicWorker
from shared.uow import SqlUnitOfWork
from tests.notify.conftest import SETTINGS
from tests.notify.factories import T0, accepted, assigned, departments
from tests.system import service_context


def publish_as_routing(engine, clock, *payloads) -> None:
    with SqlUnitOfWork(sessionmaker(engine), clock=clock, source="/hechuan/routing") as uow:
        for payload in payloads:
            uow.publish(payload)
        uow.commit()


def count(engine, model, *where) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_bootstrap_takes_the_context_and_named_ports_only():
    parameters = inspect.signature(bootstrap).parameters
    assert list(parameters) == ["ctx", "notifier", "sms_gateway"]  # sms_gateway: the duty officer's SMS (incidents)
    assert all(parameters[p].kind is inspect.Parameter.KEYWORD_ONLY for p in ("notifier", "sms_gateway"))


def test_notify_consumes_received_lifecycle_and_reference_as_its_own_group_and_sweeps_on_a_schedule(engine, clock):
    runtime = bootstrap(service_context(SETTINGS.model_copy(update={"sla_sweep_interval_seconds": 30}),
                                        engine, clock))
    assert runtime.name == NAME == "notify"
    assert isinstance(runtime.bus, MessageBus) and runtime.bus.group == "notify"
    assert set(runtime.bus.command_handlers) == {SweepSlaClocks, ReportSlaTargets, ListAlerts,
                                                 ReportSlaTrend, ListFigureCases, ListDeadlineCases,
                                                 ListOutbound, ReplayOutbound, ListCallbacks, GetCallback,
                                                 RecordCallbackCall, ListHotspots, ListHotspotCases, UpdateHotspot,
                                                 ReportMonth,
                                                 PublicMonthly, AssessUnits, ListDepartmentNames,
                                                 ListUnsatisfiedRatings, GetRatingReview, MarkUnreasonable,
                                                 WithdrawUnreasonable, ReportConsultations}
    [spec] = runtime.consumers
    assert (spec.group, spec.topics) == ("notify", (topics.RECEIVED, topics.LIFECYCLE, topics.REFERENCE,
                                                    topics.ACCOUNTS))
    sweeper, sender, compactor = runtime.workers
    assert isinstance(sweeper, PeriodicWorker) and sweeper.name == "sla-sweeper" and sweeper.interval == 30
    assert isinstance(sender, PeriodicWorker) and sender.name == "robot-sender"
    # the targets' per-day deltas summed (notify_0022); running it changes no figure (tests/notify/test_figure_days.py)
    assert isinstance(compactor, PeriodicWorker) and compactor.name == "figure-days-compactor"
    compactor.job()


def test_events_on_the_embedded_log_reach_notify_and_its_own_warnings_are_skipped(runtime, engine, clock, notifier):
    consumer = DbLogBus(engine, clock).consumer(runtime.consumers[0])
    consumer.poll_once()  # what the seeded database holds already (routing's directory)
    before = count(engine, InboxRecord, InboxRecord.group_id == "notify")
    publish_as_routing(engine, clock, departments(("ecology_env", "区生态环境局")),
                       assigned("c1", assigned_at=T0, reply_due=T0 + timedelta(hours=96)),
                       accepted("c1", T0 + timedelta(hours=1)))
    consumer.poll_once()
    assert count(engine, CaseRow, CaseRow.status == "accepted") == 1

    clock.set(T0 + timedelta(hours=80))
    runtime.workers[0].job()  # one round of the sweeper, as its worker runs it
    runtime.workers[0].job()
    runtime.workers[1].job()  # and of the robot sender: the new case's message, then the warning
    assert count(engine, AlertRow) == 1 and len(notifier.sent) == 2
    assert "【新案件】" in notifier.sent[0].message and "区生态环境局" in notifier.sent[1].message

    consumer.poll_once()  # reads the sweeper's own sla_warning event: no handler, nothing parked
    assert count(engine, InboxRecord, InboxRecord.group_id == "notify") == before + 3
    assert count(engine, DeadLetter) == 0

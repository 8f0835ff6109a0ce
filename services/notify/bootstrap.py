"""Wiring of the notify service: settings, migrations, the bus with its handlers and ports, routes, sweeper."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

from services.notify.adapters import figure_days
from services.notify.adapters.duty_roster import DutyRosterSealer, OnRoster
from services.notify.adapters.tables import LEASES, OUTBOUND_MESSAGES
from services.notify.domain.assessment import DEFAULT_WEIGHTS, AssessmentPolicy
from services.notify.domain.callbacks import CallbackPolicy
from services.notify.domain.clocks import SlaPolicy
from services.notify.domain.commands import ListCallbacks, SweepSlaClocks
from services.notify.domain.dashboard import ListDeadlineCases
from services.notify.domain.followups import ProgressPolicy
from services.notify.domain.hotspots import HotspotRules
from services.notify.domain.incidents import parse_phones
from services.notify.domain.metrics import Targets
from services.notify.entrypoints.api import build_router
from services.notify.entrypoints.callbacks import build_callbacks_router
from services.notify.entrypoints.consultations import build_consultations_router
from services.notify.entrypoints.reports import build_reports_router
from services.notify.entrypoints.reviews import build_reviews_router
from services.notify.service_layer.handlers import COMMAND_HANDLERS, EVENT_HANDLERS
from services.notify.service_layer.uow import SOURCE, NotifyUnitOfWork
from services.notify.settings import NotifySettings
from shared.calendar import WorkingCalendar
from shared.clock import Clock
from shared.contracts import topics
from shared.http import combine
from shared.lease import Lease, under_lease
from shared.messagebus import MessageBus
from shared.metrics import Sample
from shared.migrations import upgrade
from shared.outbound import Channel as Via
from shared.outbound import OutboundSender, OutboundStore, Sender, SendPolicy, outbound_samples
from shared.outbound_http import GroupRobot, HttpSmsGateway, LoggingSender
from shared.runtime import PeriodicWorker, ServiceContext, ServiceRuntime
from shared.uow import uow_factory

NAME = "notify"
MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version_notify"
# how often the targets' per-day deltas are summed into one row per group (adapters/figure_days.py `compact`)
FIGURE_DAYS_COMPACT_SECONDS = 60.0


def load_settings() -> NotifySettings:
    return NotifySettings()


def migrate(engine: Engine) -> None:
    upgrade(engine, MIGRATIONS, VERSION_TABLE)


def seed(engine: Engine, settings: NotifySettings, clock: Clock) -> None:
    """Nothing to seed: notify's tables fill from events (department names too); targets and limits are settings."""


def bootstrap(ctx: ServiceContext[NotifySettings], *, notifier: Sender | None = None,
              sms_gateway: Sender | None = None) -> ServiceRuntime:
    """`notifier` delivers departments' and supervisors' messages: the group robots of ROBOT_WEBHOOKS
    by default (DingTalk's signed with ROBOT_SECRETS; none configured: kept, not sent); a test may pass its own."""
    settings, clock = ctx.settings, ctx.clock
    duty_phones = parse_phones(settings.notify_duty_officer_phones)  # 突发环境事件 (docs/incidents.md)
    # groups' names and case facts are nothing personal; the duty officer's number stays in the configuration
    outbound = OutboundStore(OUTBOUND_MESSAGES, DutyRosterSealer(duty_phones, settings.jwt_key))
    if notifier is None:
        notifier = (GroupRobot({group: str(url) for group, url in settings.robot_webhooks.items()},
                               secrets={group: s.get_secret_value() for group, s in settings.robot_secrets.items()})
                    if settings.robot_webhooks else LoggingSender("robot"))
    if sms_gateway is None:  # 突发环境事件: the duty officer's SMS (docs/incidents.md)
        sms_gateway = (HttpSmsGateway(settings.sms_gateway_url, settings.sms_gateway_secret.get_secret_value())
                       if settings.sms_gateway_url and settings.sms_gateway_secret else LoggingSender("sms"))
    sender = OutboundSender(ctx.engine, outbound, {Via.robot: notifier, Via.sms: OnRoster(sms_gateway)}, clock,
                            SendPolicy(max_attempts=settings.outbound_max_attempts))
    bus = MessageBus(
        uow_factory(NotifyUnitOfWork, ctx.engine, clock=clock, source=SOURCE, outbound=outbound),
        group=NAME, topics=(topics.RECEIVED, topics.LIFECYCLE, topics.REFERENCE, topics.ACCOUNTS),
        commands=COMMAND_HANDLERS, events=EVENT_HANDLERS,
        ports={
            "duty_phones": duty_phones,
            "policy": SlaPolicy(yellow_ratio=settings.yellow_ratio,
                                escalate_after=timedelta(seconds=settings.escalation_grace_seconds)),
            "targets": Targets(settings.target_assignment_rate, settings.target_on_time_reply_rate,
                               settings.target_satisfaction_rate),
            "callbacks": CallbackPolicy(share=settings.callback_share, shares=dict(settings.callback_shares),
                                        seed=settings.callback_seed,
                                        due_working_days=settings.callback_due_working_days,
                                        max_attempts=settings.callback_max_attempts),
            "calendar": WorkingCalendar(settings.calendar),
            "progress": ProgressPolicy(settings.progress_after_working_days, settings.progress_every_working_days),
            "assessment": AssessmentPolicy(weights={**DEFAULT_WEIGHTS, **settings.assessment_weights},
                                           min_cases=settings.assessment_min_cases,
                                           list_size=settings.assessment_list_size),
            "hotspot_rules": HotspotRules(settings.hotspot_min_cases, settings.hotspot_window_days,
                                          settings.hotspot_rising_factor, radius_m=settings.hotspot_radius_m,
                                          firm_threshold=settings.firm_repeat_threshold,
                                          firm_days=settings.firm_repeat_days),
        },
    )

    def sweep_sla_clocks() -> None:
        bus.handle(SweepSlaClocks(at=clock.now()))

    lease = Lease(ctx.engine, LEASES, "sla-sweeper", clock, ttl=timedelta(seconds=settings.sla_sweep_lease_seconds))

    def gauges() -> list[Sample]:
        deadlines = bus.handle(ListDeadlineCases(state="overdue", limit=1)).counts
        callbacks = bus.handle(ListCallbacks(status=None, limit=1))
        pending = bus.handle(ListCallbacks(status="pending", limit=1))["total"]
        return [
            *[Sample("sla_deadlines", "Running deadlines overdue or due soon (75% of the time used)",
                     {"state": state}, count) for state, count in deadlines.items()],
            Sample("callbacks_pending", "Satisfaction callbacks waiting for a call", {}, pending),
            Sample("callbacks_total", "Satisfaction callbacks ever opened", {}, callbacks["total"]),
            *outbound_samples(ctx.engine, outbound, NAME),
        ]

    def compact_figure_days() -> None:
        with ctx.engine.begin() as connection:
            figure_days.compact(connection)

    router = combine(
        build_router(settings, bus),  # /api/v1: targets, alerts, dashboard
        build_callbacks_router(settings.jwt_key, bus),  # /api/v1/callbacks: 抽查回访
        build_reports_router(settings.jwt_key, bus),  # /api/v1/hotspots, reports, public
        build_reviews_router(settings.jwt_key, bus),  # /api/v1/metrics/satisfaction/reviews
        build_consultations_router(settings.jwt_key, bus))  # /api/v1/reports/consultations
    return ServiceRuntime(
        name=NAME,
        router=router,
        gauges=gauges,
        bus=bus,
        consumers=[bus.consumer()],
        workers=[PeriodicWorker("sla-sweeper", under_lease(lease, sweep_sla_clocks),
                                settings.sla_sweep_interval_seconds, on_stop=lease.release),
                 PeriodicWorker("robot-sender", sender.run_once, settings.outbound_send_interval_seconds),
                 PeriodicWorker("figure-days-compactor", compact_figure_days, FIGURE_DAYS_COMPACT_SECONDS)],
    )

"""Wiring the routing service: settings, migrations, seed data, and the runtime a process runs."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from services.routing import seed as seed_data
from services.routing.adapters.model_cache import load_or_train
from services.routing.adapters.reference import ReferenceCache
from services.routing.domain.classifier import classify
from services.routing.domain.commands import ListDepartments
from services.routing.domain.corpus import read_board, scope_examples
from services.routing.domain.deadlines import DeadlinePolicy
from services.routing.domain.duplicates import DuplicatePolicy
from services.routing.domain.firms import RepeatRule
from services.routing.domain.pauses import SuspensionLimits
from services.routing.domain.text_model import use_model
from services.routing.entrypoints.api import PHOTO_PATH, build_router
from services.routing.entrypoints.firms import build_firms_router
from services.routing.entrypoints.followups import build_followups_router
from services.routing.entrypoints.incidents import build_incidents_router
from services.routing.entrypoints.inspections import build_inspections_router
from services.routing.entrypoints.investigations import INVESTIGATION_PHOTO_PATH, build_investigations_router
from services.routing.entrypoints.pauses import build_pauses_router
from services.routing.entrypoints.petitions import build_petitions_router
from services.routing.entrypoints.rewards import build_rewards_router
from services.routing.entrypoints.rules import build_rules_router
from services.routing.service_layer.handlers import (
    COMMAND_HANDLERS,
    EVENT_HANDLERS,
    PHOTO_MAX_BYTES,
    FileStore,
    TopicAdmin,
)
from services.routing.service_layer.petitions import policy_of
from services.routing.service_layer.uow import RoutingUnitOfWork
from services.routing.settings import RoutingSettings
from shared.calendar import WorkingCalendar
from shared.clock import Clock
from shared.contracts import topics
from shared.filestore import open_store
from shared.http import MULTIPART_OVERHEAD, UPLOAD_TYPES, combine
from shared.messagebus import MessageBus
from shared.metrics import Sample
from shared.migrations import upgrade
from shared.runtime import ServiceContext, ServiceRuntime
from shared.uow import uow_factory

NAME = "routing"
VERSION_TABLE = "alembic_version_routing"
MIGRATIONS = Path(__file__).parent / "migrations"
SOURCE = "/hechuan/routing"


def load_settings() -> RoutingSettings:
    return RoutingSettings()


def migrate(engine: Engine) -> None:
    upgrade(engine, MIGRATIONS, VERSION_TABLE)


def seed(engine: Engine, settings: RoutingSettings, clock: Clock) -> None:
    """Departments, towns, routing rules and time limits, when missing (idempotent)."""
    seed_data.seed(uow_factory(RoutingUnitOfWork, engine, clock=clock, source=SOURCE))


def bootstrap(ctx: ServiceContext[RoutingSettings], *, calendar: WorkingCalendar | None = None,
              deadlines: DeadlinePolicy | None = None, min_confidence: float | None = None,
              max_extension_days: int | None = None, topic_admin: TopicAdmin | None = None,
              photos: FileStore | None = None) -> ServiceRuntime:
    """The routing runtime. Each port has a real default; a test passes a fake by name."""
    settings = ctx.settings
    ports = {
        "deadlines": deadlines or DeadlinePolicy(calendar or WorkingCalendar(settings.calendar)),
        "min_confidence": settings.routing_min_confidence if min_confidence is None else min_confidence,
        "max_extension_days": max_extension_days or settings.routing_max_extension_days,
        "topic_admin": topic_admin or ctx.transport,
        "assist_days": settings.routing_assist_working_days,
        "backlog_days": settings.routing_backlog_days,
        "photos": photos or open_store(settings, "replies"),
        "duplicates": DuplicatePolicy(window_days=settings.routing_duplicate_days,
                                      radius_m=settings.routing_duplicate_radius_m),
        "petition_policy": policy_of(settings),  # 信访件: ROUTING_PETITION_* (calendar days)
        "repeat_rule": RepeatRule(settings.firm_repeat_threshold, settings.firm_repeat_days),  # 被举报企业
        "suspension_limits": SuspensionLimits(settings.routing_max_suspensions,
                                              settings.routing_max_suspension_days),  # 挂起
    }
    reference = ReferenceCache()  # rules, departments, towns, time limits while unchanged (adapters/reference.py)
    bus = MessageBus(uow_factory(RoutingUnitOfWork, ctx.engine, clock=ctx.clock, source=SOURCE, reference=reference),
                     group=NAME,
                     topics=(topics.RECEIVED, topics.LIFECYCLE, topics.ACCOUNTS), commands=COMMAND_HANDLERS,
                     events=EVENT_HANDLERS, ports=ports)

    def dispatch_topics() -> list[str]:
        """One topic per active department, read from routing_departments."""
        listed = bus.handle(ListDepartments())["departments"]
        return [topics.dispatch(d["code"]) for d in listed if d["active"]]

    key = settings.jwt_key
    router = combine(
        build_router(bus, jwt_key=key),  # /api/v1: queues, cases, triage, departments, classify
        build_rules_router(bus, jwt_key=key),  # /api/v1/rules: 分拨规则
        build_petitions_router(bus, jwt_key=key),  # 信访件
        build_inspections_router(bus, jwt_key=key),  # 督察交办件
        build_investigations_router(bus, jwt_key=key),  # 调查处理
        build_firms_router(bus, jwt_key=key),  # 被举报企业
        build_pauses_router(bus, jwt_key=key),  # 派单异议, 挂起
        build_incidents_router(bus, jwt_key=key),  # 突发环境事件
        build_followups_router(bus, jwt_key=key),  # 已联系群众 (督办 clocks)
        build_rewards_router(bus, jwt_key=key))  # 举报奖励

    def gauges() -> list[Sample]:
        with bus.uow_factory() as uow:
            counts = uow.cases.open_counts()
        return [Sample("cases_open", "Cases not replied yet, by status (triage, assigned, accepted)",
                       {"status": status}, counts.get(status, 0)) for status in ("triage", "assigned", "accepted")]

    def warm_up() -> None:
        """The text model from its cache (trained and stored the first time), jieba loaded."""
        cache, real = settings.routing_model_cache_dir, settings.routing_real_messages_tsv
        extra = scope_examples(read_board(Path(real))) if real else []
        use_model(load_or_train(Path(cache) if cache else None, scope_extra=extra))
        classify("工地夜间施工噪音扰民")

    # 办理照片 and the investigation's photos (调查处理): multipart, up to 10 MB each
    photo_paths = (f"/api/v1{PHOTO_PATH}", f"/api/v1{INVESTIGATION_PHOTO_PATH}")
    return ServiceRuntime(name=NAME, router=router, bus=bus, gauges=gauges,
                          consumers=[bus.consumer()], topics=dispatch_topics,
                          warm_up=warm_up,
                          media_types={path: UPLOAD_TYPES for path in photo_paths},
                          body_limits={path: PHOTO_MAX_BYTES + MULTIPART_OVERHEAD for path in photo_paths})

"""Wires intake: settings, migrations, seed data, and the runtime a process runs (bus, routes, consumer)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from services.intake.adapters.crypto import FieldCipher
from services.intake.adapters.media import PillowMedia
from services.intake.adapters.tables import OUTBOUND_MESSAGES
from services.intake.adapters.throttle import SIGN_IN_PER_CLIENT, SIGN_IN_PER_USER, SlidingWindowThrottle
from services.intake.adapters.upstream_http import HttpUpstreamPlatform, UpstreamPushSender
from services.intake.adapters.upstream_repository import PUSHES
from services.intake.adapters.upstream_tables import LEASES
from services.intake.domain.attachments import AttachmentLimits
from services.intake.domain.messages import CitizenSms
from services.intake.entrypoints.api import UPLOAD_PATH, build_router, upload_body_limit
from services.intake.entrypoints.grid import build_grid_router
from services.intake.entrypoints.hotline import build_hotline_router
from services.intake.entrypoints.knowledge import build_knowledge_router
from services.intake.entrypoints.open311 import build_open311_router
from services.intake.entrypoints.upstream import UpstreamPuller, build_upstream_router
from services.intake.entrypoints.wechat import PATH as WECHAT_PATH
from services.intake.entrypoints.wechat import XML_TYPES, build_wechat_router
from services.intake.knowledge_seed import seed_demo_knowledge
from services.intake.seed import retire_demo, seed_demo
from services.intake.service_layer.accounts import Passwords, SignInThrottle
from services.intake.service_layer.handlers import (
    COMMAND_HANDLERS,
    EVENT_HANDLERS,
    AttachmentStore,
    GuessThrottle,
    MediaPreparer,
)
from services.intake.service_layer.knowledge import KnowledgeIndexCache
from services.intake.service_layer.uow import IntakeUnitOfWork
from services.intake.settings import IntakeSettings
from shared.auth import BoundedHasher
from shared.clock import Clock
from shared.contracts import topics
from shared.filestore import open_store
from shared.http import UPLOAD_TYPES, combine
from shared.lease import Lease, under_lease
from shared.messagebus import MessageBus
from shared.migrations import upgrade
from shared.outbound import Channel as Via
from shared.outbound import OutboundSender, OutboundStore, Sender, SendPolicy, outbound_samples, parse_quiet_hours
from shared.outbound_http import HttpSmsGateway, LoggingSender, WechatApiClient, WechatTemplates
from shared.runtime import PeriodicWorker, ServiceContext, ServiceRuntime
from shared.uow import uow_factory

NAME = "intake"
SOURCE = "/hechuan/intake"
MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version_intake"


def load_settings(**overrides: Any) -> IntakeSettings:
    return IntakeSettings(**overrides)


def migrate(engine: Engine) -> None:
    upgrade(engine, MIGRATIONS, VERSION_TABLE)


def seed(engine: Engine, settings: IntakeSettings, clock: Clock) -> None:
    """Intake has no reference data of its own (department names come from routing's events);
    demo accounts and the demo API key only in DEMO_MODE, deactivated and revoked without it."""
    factory = uow_factory(IntakeUnitOfWork, engine, clock=clock, source=SOURCE)
    if settings.demo_mode:
        seed_demo(factory, settings.password_hasher())
        seed_demo_knowledge(factory)  # a few articles and reply templates to try the knowledge base with
    else:
        retire_demo(factory)  # a database seeded in demo mode keeps no demo way in


def attachment_limits(settings: IntakeSettings) -> AttachmentLimits:
    return AttachmentLimits(image_max_bytes=settings.attachment_image_max_bytes,
                            video_max_bytes=settings.attachment_video_max_bytes,
                            per_complaint=settings.attachment_max_per_complaint)


def citizen_sms(settings: IntakeSettings) -> CitizenSms:
    return CitizenSms(enabled=settings.citizen_sms, base_url=settings.public_base_url,
                      quiet_hours=parse_quiet_hours(settings.sms_quiet_hours),
                      wechat=frozenset(settings.wechat_template_ids))


def wechat_templates(settings: IntakeSettings) -> Sender:
    """The official account's template messages (WECHAT_TEMPLATE_IDS), or, without templates, nothing
    leaves (no WeChat message is ever written then)."""
    if not settings.wechat_template_ids:
        return LoggingSender("wechat")
    assert settings.wechat_app_id and settings.wechat_app_secret  # the settings refuse templates without them
    client = WechatApiClient(settings.wechat_app_id, settings.wechat_app_secret.get_secret_value(),
                             api_base_url=settings.wechat_api_base_url)
    return WechatTemplates(settings.wechat_template_ids, settings.wechat_template_fields, client=client)


def field_cipher(settings: IntakeSettings) -> FieldCipher:
    """Personal data's cipher: ENCRYPTION_KEY encrypts, it and ENCRYPTION_KEYS_OLD decrypt; the phone and
    OpenID index key comes from ENCRYPTION_INDEX_KEY (else ENCRYPTION_KEY). `complaints rotate-key` uses it too."""
    assert settings.encryption_key is not None  # the settings refuse to load without one
    return FieldCipher(settings.encryption_key.get_secret_value(), old_keys=settings.old_encryption_keys,
                       index_key=settings.index_key)


def attachment_store(settings: IntakeSettings) -> AttachmentStore:
    """The folder (ATTACHMENT_DIR) or the S3-compatible bucket (ATTACHMENT_STORE=s3) the settings name."""
    return open_store(settings)


def upstream_platforms(settings: IntakeSettings) -> dict[str, HttpUpstreamPlatform]:
    """The upstream platforms configured (UPSTREAM_12345_URL, UPSTREAM_NATIONAL_URL ...), each its adapter."""
    return {c.platform: HttpUpstreamPlatform(c.platform, c.url, c.app_id, c.secret)
            for c in settings.upstream_platforms()}


def upstream_workers(ctx: ServiceContext[IntakeSettings], bus: MessageBus[Any],
                     platforms: Mapping[str, HttpUpstreamPlatform]) -> list[PeriodicWorker]:
    """Per platform a puller, one replica at a time (a lease per platform, renewed with every page); one sender
    of the actions for them. None while no platform is configured (docs/upstream.md)."""
    if not platforms:
        return []
    settings = ctx.settings
    polls = {c.platform: c.poll_seconds for c in settings.upstream_platforms()}
    workers = []
    for platform, client in platforms.items():
        lease = Lease(ctx.engine, LEASES, f"upstream-pull:{platform}", ctx.clock,
                      ttl=timedelta(seconds=settings.upstream_lease_seconds))
        puller = UpstreamPuller(bus, platform, client, page_size=settings.upstream_page_size, keep=lease.acquire)
        workers.append(PeriodicWorker(f"upstream-pull-{platform}", under_lease(lease, puller.run_once),
                                      polls.get(platform, 60.0), on_stop=lease.release))
    sender = OutboundSender(ctx.engine, PUSHES, {Via.upstream: UpstreamPushSender(platforms)}, ctx.clock,
                            SendPolicy(max_attempts=settings.outbound_max_attempts))
    workers.append(PeriodicWorker("upstream-sender", sender.run_once, settings.outbound_send_interval_seconds))
    return workers

def bootstrap(ctx: ServiceContext[IntakeSettings], *, cipher: FieldCipher | None = None,
              throttle: GuessThrottle | None = None, attachments: AttachmentStore | None = None,
              media: MediaPreparer | None = None, sms_gateway: Sender | None = None,
              wechat_sender: Sender | None = None, sign_in_throttle: SignInThrottle | None = None,
              passwords: Passwords | None = None,
              upstream: Mapping[str, HttpUpstreamPlatform] | None = None) -> ServiceRuntime:
    """The intake runtime. `cipher` encrypts personal data at rest; `throttle` counts wrong guesses of
    codes, phone digits and tokens (in this process's memory by default); `attachments` keeps the bytes
    of citizens' photos and videos (a folder or an S3-compatible bucket); `media` re-encodes images without EXIF;
    `sms_gateway` delivers citizens' SMS (the gateway at SMS_GATEWAY_URL; none: kept, not sent);
    `wechat_sender` their WeChat template messages (WeChat's API with WECHAT_APP_ID/SECRET);
    `sign_in_throttle` counts wrong passwords per username and per client; `passwords` hashes them, at most
    PASSWORD_HASH_CONCURRENCY at a time; `upstream` are the upstream platforms (UPSTREAM_*). A test may pass its own."""
    settings = ctx.settings
    if cipher is None:
        cipher = field_cipher(settings)
    if throttle is None:
        throttle = SlidingWindowThrottle()
    if sign_in_throttle is None:
        sign_in_throttle = SlidingWindowThrottle(per_target=SIGN_IN_PER_USER, per_client=SIGN_IN_PER_CLIENT)
    if passwords is None:
        passwords = BoundedHasher(concurrency=settings.password_hash_concurrency, hasher=settings.password_hasher())
    if attachments is None:
        attachments = attachment_store(settings)
    limits = attachment_limits(settings)
    if upstream is None:
        upstream = upstream_platforms(settings)
    outbound = OutboundStore(OUTBOUND_MESSAGES, cipher)  # citizens' numbers and private links: encrypted
    bus = MessageBus(uow_factory(IntakeUnitOfWork, ctx.engine, clock=ctx.clock, source=SOURCE, outbound=outbound),
                     group=NAME, topics=(topics.LIFECYCLE, topics.REFERENCE), commands=COMMAND_HANDLERS,
                     events=EVENT_HANDLERS,
                     ports={"cipher": cipher, "throttle": throttle, "attachments": attachments,
                            "media": media or PillowMedia(), "attachment_limits": limits, "sms": citizen_sms(settings),
                            "sign_in_throttle": sign_in_throttle, "passwords": passwords,
                            "demo_mode": settings.demo_mode, "upstream": upstream,
                            "upstream_unit": settings.upstream_unit, "knowledge_index": KnowledgeIndexCache()})
    if sms_gateway is None:
        sms_gateway = (HttpSmsGateway(settings.sms_gateway_url, settings.sms_gateway_secret.get_secret_value())
                       if settings.sms_gateway_url and settings.sms_gateway_secret else LoggingSender("sms"))
    if wechat_sender is None:
        wechat_sender = wechat_templates(settings)
    sender = OutboundSender(ctx.engine, outbound, {Via.sms: sms_gateway, Via.wechat: wechat_sender}, ctx.clock,
                            SendPolicy(max_attempts=settings.outbound_max_attempts))
    router = combine(
        build_router(bus, jwt_key=settings.jwt_key, token_ttl=timedelta(minutes=settings.access_token_minutes),
                     attachment_limits=limits),  # /api/v1: complaints, the citizen, accounts, attachments
        build_hotline_router(bus, jwt_key=settings.jwt_key),  # /api/v1/channels/hotline: the call centre
        build_grid_router(bus, jwt_key=settings.jwt_key),  # /api/v1/channels/grid: grid workers' patrols
        build_open311_router(bus),  # /open311/v2: Open311 GeoReport v2
        build_wechat_router(bus, settings),  # /api/v1/channels/wechat: the official account
        build_upstream_router(bus, jwt_key=settings.jwt_key),  # /api/v1/upstream
        build_knowledge_router(bus, jwt_key=settings.jwt_key))  # /api/v1/knowledge
    return ServiceRuntime(name=NAME, router=router, bus=bus, consumers=[bus.consumer()],
                          gauges=lambda: outbound_samples(ctx.engine, outbound, NAME),
                          workers=[PeriodicWorker("sms-sender", sender.run_once,
                                                  settings.outbound_send_interval_seconds),
                                   *upstream_workers(ctx, bus, upstream)],
                          media_types={WECHAT_PATH: XML_TYPES, UPLOAD_PATH: UPLOAD_TYPES},
                          body_limits={UPLOAD_PATH: upload_body_limit(limits)})

"""`complaints`: the one command-line tool (serve, migrate, seed, dead letters, topics)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from typing import Any

from pydantic import ValidationError

from services import composition
from shared import logging as structured_logging
from shared.clock import Clock, SystemClock
from shared.db import make_engine
from shared.eventbus.consumer import RetryPolicy
from shared.eventbus.port import EventBus
from shared.runtime import ServiceRuntime
from shared.settings import CommonSettings

log = logging.getLogger("complaints")


def make_bus(settings: CommonSettings, engine: Any, clock: Clock, *, client_id: str = "complaints") -> EventBus:
    """The event bus named by EVENT_BUS: the embedded log (db) or Kafka. Configuration, not a code fork."""
    policy = RetryPolicy(max_attempts=settings.consumer_max_attempts)
    if settings.event_bus == "kafka":
        from shared.eventbus.kafka_bus import KafkaBus

        return KafkaBus.from_settings(settings, clock, client_id=client_id)
    from shared.eventbus.dblog import DbLogBus

    return DbLogBus(engine, clock, policy=policy, poll_interval=settings.embedded_poll_interval)


def _names(target: str) -> tuple[str, ...]:
    return composition.SERVICE_NAMES if target == "all" else (target,)


def _settings(names: tuple[str, ...]) -> dict[str, CommonSettings]:
    return {name: composition.service(name).load_settings() for name in names}


def _by_database(names: tuple[str, ...], settings: dict[str, CommonSettings]) -> dict[str, tuple[str, ...]]:
    """Services grouped by database URL: the event tables are migrated once per database."""
    groups: dict[str, tuple[str, ...]] = {}
    for name in names:
        url = settings[name].database_url
        groups[url] = (*groups.get(url, ()), name)
    return groups


def cmd_migrate(args: argparse.Namespace) -> int:
    names = _names(args.service)
    for url, group in _by_database(names, _settings(names)).items():
        engine = make_engine(url)
        composition.migrate(engine, group)
        engine.dispose()
        print(f"migrated {', '.join(group)}")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    names = _names(args.service)
    settings = _settings(names)
    for name in names:
        engine = make_engine(settings[name].database_url)
        composition.service(name).seed(engine, settings[name], SystemClock())
        engine.dispose()
        print(f"seeded {name}")
    return 0


@dataclasses.dataclass
class Process:
    """Everything one process runs: `all` (embedded) or one service."""

    names: tuple[str, ...]
    settings: dict[str, CommonSettings]
    engines: dict[str, Any]  # by URL: services sharing one database share one engine
    bus: EventBus
    runtimes: list[ServiceRuntime]
    app: Any

    @property
    def first(self) -> CommonSettings:
        return self.settings[self.names[0]]

    def engine_of(self, name: str) -> Any:
        return self.engines[self.settings[name].database_url]


def build_process(target: str, clock: Clock | None = None, *, client_id: str | None = None) -> Process:
    """Settings, engines, bus, services and the FastAPI app of one process."""
    from services.app import create_app

    names = _names(target)
    settings = _settings(names)
    first = settings[names[0]]
    clock = clock or SystemClock()
    engines: dict[str, Any] = {url: make_engine(url) for url in _by_database(names, settings)}
    bus = make_bus(first, engines[first.database_url], clock, client_id=client_id or f"complaints-{target}")
    runtimes = [
        composition.service(name).bootstrap(settings[name], engines[settings[name].database_url], clock=clock,
                                            ordered_log=first.event_bus == "db")
        for name in names
    ]
    app = create_app(runtimes, bus, list(engines.values()), max_body_bytes=first.max_body_bytes)
    return Process(names, settings, engines, bus, runtimes, app)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    process = build_process(args.target)
    first = process.first
    structured_logging.configure(first.log_level, first.log_json)
    if args.target == "all" or args.migrate:
        for url, group in _by_database(process.names, process.settings).items():
            composition.migrate(process.engines[url], group)
        for name in process.names:
            composition.service(name).seed(process.engine_of(name), process.settings[name], SystemClock())
    host, port = args.host or first.host, args.port or first.port
    _banner(args.target, first, host, port)
    uvicorn.run(process.app, host=host, port=port, log_config=None, access_log=False)
    return 0


def _banner(target: str, settings: CommonSettings, host: str, port: int) -> None:
    lines = [
        "",
        f"  合川区生态环境投诉处理系统 — {target} on {settings.event_bus} bus, database {settings.database_url}",
        f"  Open http://{host}:{port}/docs for the API (the pages come with a later release).",
    ]
    if settings.demo_mode:
        lines += [
            "  Demo accounts (password: demo): supervisor, operator, admin,",
            "    dispatcher-<department>, e.g. dispatcher-housing_construction, dispatcher-town_taihe",
            f"  Log in: curl -d 'username=supervisor&password=demo' http://{host}:{port}/api/v1/auth/token",
            "  Client API key for integrations: demo-key",
        ]
    lines.append("  Stop with Ctrl-C; data stays for the next start.\n")
    print("\n".join(lines), flush=True)


def cmd_dlq(args: argparse.Namespace) -> int:
    process = build_process(args.service, client_id="complaints-dlq")
    bus = process.bus
    try:
        if args.action == "list":
            rows = [vars(d) for name in process.names for d in bus.dead_letters(name)]
            print(json.dumps(rows, default=str, ensure_ascii=False, indent=2))
            return 0
        group = args.group or process.names[0]
        spec = next((s for rt in process.runtimes for s in rt.consumers if s.group == group), None)
        if spec is None:
            print(f"no consumer group {group} in this process (--service {args.service})", file=sys.stderr)
            return 2
        ok = bus.replay(args.id, spec)
        print("replayed" if ok else "failed again: still parked")
        return 0 if ok else 1
    finally:
        bus.close()


def cmd_topics(_args: argparse.Namespace) -> int:
    settings = composition.service("intake").load_settings()
    if settings.event_bus != "kafka":
        print("EVENT_BUS is db: topics are a column of the embedded log; nothing to create.")
        return 0
    from shared.eventbus.kafka_bus import KafkaBus

    bus = KafkaBus.from_settings(settings, SystemClock(), client_id="complaints-topics")
    try:
        bus.ensure_topics()
        report = [dataclasses.asdict(status) for status in bus.topic_report()]
        print(json.dumps(report, default=str, ensure_ascii=False, indent=2))
    finally:
        bus.close()
    return 0


def _intake_engine():  # type: ignore[no-untyped-def]
    return make_engine(composition.service("intake").load_settings().database_url)


def cmd_users(args: argparse.Namespace) -> int:
    import getpass
    import os

    from services.intake import admin

    engine = _intake_engine()
    try:
        if args.action == "list":
            print(json.dumps(admin.list_users(engine), ensure_ascii=False, indent=2))
        elif args.action == "deactivate":
            admin.deactivate_user(engine, username=args.username)
        else:
            password = os.environ.get("COMPLAINTS_PASSWORD") or getpass.getpass(f"password for {args.username}: ")
            if args.action == "add":
                admin.add_user(engine, SystemClock(), username=args.username, password=password, role=args.role,
                               department=args.department, display_name=args.name)
            else:
                admin.set_password(engine, username=args.username, password=password)
        return 0
    except admin.AdminError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()


def cmd_apikeys(args: argparse.Namespace) -> int:
    from services.intake import admin

    engine = _intake_engine()
    try:
        print(admin.add_api_key(engine, SystemClock(), name=args.name))
    finally:
        engine.dispose()
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="complaints", description="合川区生态环境投诉处理 / Hechuan complaints")
    sub = p.add_subparsers(dest="command", required=True)
    targets = ["all", *composition.SERVICE_NAMES]
    serve = sub.add_parser("serve", help="run all services (embedded) or one service")
    serve.add_argument("target", choices=targets)
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--migrate", action="store_true", help="migrate and seed before serving")
    serve.set_defaults(func=cmd_serve)
    for name, func, helptext in (("migrate", cmd_migrate, "upgrade the database (alembic)"),
                                 ("seed", cmd_seed, "load reference data (and demo accounts in DEMO_MODE)")):
        cmd = sub.add_parser(name, help=helptext)
        cmd.add_argument("--service", choices=targets, default="all")
        cmd.set_defaults(func=func)
    dlq = sub.add_parser("dlq", help="dead letters: list, or replay one after a fix")
    dlq.add_argument("action", choices=["list", "replay"])
    dlq.add_argument("id", nargs="?")
    dlq.add_argument("--service", choices=targets, default="all")
    dlq.add_argument("--group", choices=composition.SERVICE_NAMES)
    dlq.set_defaults(func=cmd_dlq)
    users = sub.add_parser("users", help="staff accounts: add, passwd, deactivate, list (password from "
                                         "COMPLAINTS_PASSWORD or a prompt)")
    users.add_argument("action", choices=["add", "passwd", "deactivate", "list"])
    users.add_argument("username", nargs="?")
    users.add_argument("--role", choices=["operator", "dispatcher", "supervisor", "admin"], default="operator")
    users.add_argument("--department", help="a dispatcher's department code, e.g. housing_construction")
    users.add_argument("--name", help="display name")
    users.set_defaults(func=cmd_users)
    apikeys = sub.add_parser("apikeys", help="create a client API key (shown once)")
    apikeys.add_argument("action", choices=["add"])
    apikeys.add_argument("--name", required=True, help="which client system, e.g. 'call centre'")
    apikeys.set_defaults(func=cmd_apikeys)
    topics = sub.add_parser("topics", help="create Kafka topics; show sizes and consumer lag")
    topics.set_defaults(func=cmd_topics)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if getattr(args, "action", None) == "replay" and not args.id:
        print("complaints dlq replay needs the dead letter id (see: complaints dlq list)", file=sys.stderr)
        return 2
    if args.command == "users" and args.action != "list" and not args.username:
        print(f"complaints users {args.action} needs a username", file=sys.stderr)
        return 2
    try:
        return args.func(args)
    except ValidationError as exc:
        print(f"configuration error:\n{exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

"""`complaints`: the one command-line tool (serve, migrate, seed, dead letters, topics, maintenance)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from services import cli_upstream, composition
from shared import logging as structured_logging
from shared.clock import SystemClock
from shared.db import make_engine
from shared.settings import CommonSettings

log = logging.getLogger("complaints")


def cmd_migrate(args: argparse.Namespace) -> int:
    names = composition.names_of(args.service)
    for url, group in composition.by_database(names, composition.load_settings(names)).items():
        engine = make_engine(url)
        composition.migrate(engine, group)
        engine.dispose()
        print(f"migrated {', '.join(group)}")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    names = composition.names_of(args.service)
    settings = composition.load_settings(names)
    for name in names:
        engine = make_engine(settings[name].database_url)
        composition.seed(engine, (name,), settings=settings)
        engine.dispose()
        print(f"seeded {name}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    process = composition.build_process(args.target)
    first = process.first
    structured_logging.configure(first.log_level, first.log_json)
    if args.target == "all" or args.migrate:
        process.migrate_and_seed()
    host, port = args.host or first.host, args.port or first.port
    _banner(args.target, first, host, port)
    uvicorn.run(process.app, host=host, port=port, **server_options(first.forwarded_allow_ips))
    return 0


def server_options(forwarded_allow_ips: str) -> dict[str, Any]:
    """How `serve` runs uvicorn (one worker); `bench.ceiling` serves its bare app with the same options."""
    return {"log_config": None, "access_log": False, "server_header": False, "proxy_headers": True,
            "forwarded_allow_ips": forwarded_allow_ips}


def _banner(target: str, settings: CommonSettings, host: str, port: int) -> None:
    lines = [
        "",
        f"  合川区生态环境投诉处理系统 — {target} on {settings.event_bus} bus, database {settings.database_url}",
        f"  Citizens: http://{host}:{port}/ (report), /track (progress); operators: http://{host}:{port}/hotline",
        f"  The API: http://{host}:{port}/docs",
    ]
    if settings.demo_mode:
        lines += [
            "  Demo accounts (password: demo): supervisor, operator, admin,",
            "    dispatcher-<department>, e.g. dispatcher-housing_construction, dispatcher-town_taihe,",
            f"    grid-taihe (网格员: patrol findings at http://{host}:{port}/patrol)",
            f"  Log in: curl -d 'username=supervisor&password=demo' http://{host}:{port}/api/v1/auth/token",
            "  Client API key for integrations: demo-key",
        ]
    lines.append("  Stop with Ctrl-C; data stays for the next start.\n")
    print("\n".join(lines), flush=True)


def cmd_dlq(args: argparse.Namespace) -> int:
    process = composition.build_process(args.service, client_id="complaints-dlq", start_workers=False)
    bus = process.bus
    try:
        if args.action == "list":
            rows = [vars(d) for name in process.names for d in bus.dead_letters(name)]
            _print_json(rows)
            return 0
        group = args.group or process.names[0]
        spec = next((s for rt in process.runtimes.values() for s in rt.consumers if s.group == group), None)
        if spec is None:
            print(f"no consumer group {group} in this process (--service {args.service})", file=sys.stderr)
            return 2
        ok = bus.replay(args.id, spec)
        print("replayed" if ok else "failed again: still parked")
        return 0 if ok else 1
    finally:
        bus.close()


def cmd_topics(_args: argparse.Namespace) -> int:
    """Creates the fixed topics (no database needed: the deployment runs it before migrations finish);
    routing creates each department's dispatch topic when it starts and when a department is added.
    Reports every topic on the cluster with its size and the lag of each consumer group."""
    settings = composition.service("routing").load_settings()
    if settings.event_bus != "kafka":
        print("EVENT_BUS is db: topics are a column of the embedded log; nothing to create.")
        return 0
    from shared.eventbus.kafka_bus import KafkaBus

    bus = KafkaBus.from_settings(settings, SystemClock(), client_id="complaints-topics")
    try:
        bus.ensure_topics()
        report = [dataclasses.asdict(status) for status in bus.topic_report()]
        _print_json(report)
    finally:
        bus.close()
    return 0


def _administer(service: str, action: Callable[[Any], None]) -> int:
    """Run an admin action against one service's bus, in a process built as `serve <service>` builds
    it (no workers); a domain error (unknown user, duplicate department...) is printed, exit code 1."""
    from shared.errors import DomainError

    process = composition.build_process(service, SystemClock(), client_id=f"complaints-admin-{service}",
                                        start_workers=False)
    try:
        action(process.runtimes[service].bus)
        return 0
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    finally:
        process.close()


def _print_json(value: object) -> None:
    print(json.dumps(value, default=str, ensure_ascii=False, indent=2))


def cmd_departments(args: argparse.Namespace) -> int:
    """Routing's department directory: list it, or add a department (its topic and queue come with it)."""
    from services.routing.domain.commands import DefineDepartment, ListDepartments

    def run(bus: Any) -> None:
        if args.action == "list":
            _print_json(bus.handle(ListDepartments())["departments"])
        else:
            _print_json(bus.handle(DefineDepartment(args.code, args.name, args.kind, actor="cli")))

    return _administer("routing", run)


def cmd_rules(args: argparse.Namespace) -> int:
    """Routing's rule book: list, add, switch off or on, history (every change audited with `--by`)."""
    from services.routing.domain.commands import ChangeRule, DefineRule, ListRules, RuleHistory
    from services.routing.domain.rules import RuleSpec

    def run(bus: Any) -> None:
        if args.action == "list":
            for rule in bus.handle(ListRules(include_inactive=args.all))["rules"]:
                print(f"{rule['label']}{'' if rule['active'] else '  (停用 / off)'}"
                      + (f"  — {rule['note']}" if rule["note"] else ""))
        elif args.action == "history":
            _print_json(bus.handle(RuleHistory(args.id, 100))["changes"])
        elif args.action == "add":
            spec = RuleSpec(args.category, args.department, args.subcategory, args.area, args.town, args.note)
            _print_json(bus.handle(DefineRule(spec, args.by, args.reason))["rule"])
        else:
            _print_json(bus.handle(ChangeRule(args.id, args.by, active=args.action == "on",
                                              reason=args.reason))["rule"])

    if args.action in ("on", "off") and args.id is None:
        print(f"complaints rules {args.action} needs the rule's number (see: complaints rules list)", file=sys.stderr)
        return 2
    if args.action == "add" and not (args.category and args.department):
        print("complaints rules add needs --category and --department", file=sys.stderr)
        return 2
    return _administer("routing", run)


def cmd_users(args: argparse.Namespace) -> int:
    import getpass
    import os

    from services.intake.domain import commands as intake

    def run(bus: Any) -> None:
        if args.action == "list":
            _print_json([{"username": u.username, "role": u.role.value, "department": u.department,
                          "town": u.town, "active": u.active} for u in bus.handle(intake.ListUsers())])
        elif args.action == "deactivate":
            bus.handle(intake.DeactivateUser(args.username))
        else:
            password = os.environ.get("COMPLAINTS_PASSWORD") or getpass.getpass(f"password for {args.username}: ")
            if args.action == "add":
                bus.handle(intake.AddUser(username=args.username, password=password, role=args.role,
                                          department=args.department, display_name=args.name,
                                          town=args.town))
            else:
                bus.handle(intake.SetPassword(args.username, password))

    return _administer("intake", run)


def cmd_apikeys(args: argparse.Namespace) -> int:
    """add (the key is printed once, on stdout), list (never the keys), revoke ID."""
    from services.intake.domain import commands as intake

    if args.action == "add" and not args.name:
        print("complaints apikeys add needs --name (which client system)", file=sys.stderr)
        return 2
    if args.action == "revoke" and args.id is None:
        print("complaints apikeys revoke needs the key's id (see: complaints apikeys list)", file=sys.stderr)
        return 2

    def run(bus: Any) -> None:
        if args.action == "add":
            issued = bus.handle(intake.AddApiKey(args.name))
            print(issued.key)
            print(f"API key {issued.id} for {issued.name!r}: shown this once, only its hash is stored",
                  file=sys.stderr)
        elif args.action == "list":
            _print_json([{"id": k.id, "name": k.name, "active": k.active, "created_at": k.created_at}
                         for k in bus.handle(intake.ListApiKeys())])
        else:
            bus.handle(intake.RevokeApiKey(args.id))
            print(f"revoked API key {args.id}")

    return _administer("intake", run)


def cmd_import(args: argparse.Namespace) -> int:
    """历史件导入: exit 0 when every row was taken (or taken before), 1 when some were refused (see the
    report), 2 when the file or the mapping cannot be used at all."""
    import time
    from pathlib import Path

    from services.intake.entrypoints import importer
    from shared.errors import DomainError

    path, started = Path(args.file), time.monotonic()
    if not path.is_file():
        print(f"error: no file {path}", file=sys.stderr)
        return 2
    try:
        mapping = importer.load_mapping(Path(args.mapping))
    except (importer.UnreadableFile, DomainError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    process = composition.build_process("intake", SystemClock(), client_id="complaints-import", start_workers=False)
    try:
        report = importer.run_import(process.runtimes["intake"].bus, path, mapping, dry_run=args.dry_run,
                                     batch_size=args.batch_size)
    except (importer.UnreadableFile, DomainError) as exc:
        print(f"\nerror: {exc}", file=sys.stderr)
        return 2
    finally:
        process.close()
    rejected_path, imported_path = importer.write_reports(report, path)
    print(importer.summary(report, time.monotonic() - started, rejected_path, imported_path))
    return 1 if report.rejected else 0


def cmd_outbound(args: argparse.Namespace) -> int:
    """Messages out (SMS and WeChat to citizens from intake, group robots from notify): list, or replay a
    dead one. Citizens' numbers and OpenIDs are masked and private links cut short in the listing."""
    import re

    from shared.auth import mask_phone
    from shared.outbound import Channel, ListOutbound, MessageStatus, ReplayOutbound

    def run(bus: Any) -> None:
        if args.action == "replay":
            bus.handle(ReplayOutbound(args.key))
            print(f"message {args.key} will be sent again")
            return
        status = MessageStatus(args.status) if args.status else None
        rows = [{"key": m.key, "channel": m.channel.value, "kind": m.kind, "status": m.status.value,
                 "to": mask_phone(m.recipient) if m.channel is Channel.sms
                 else f"openid …{m.recipient[-4:]}" if m.channel is Channel.wechat else m.recipient,
                 "text": re.sub(r"/r/[A-Za-z0-9_-]+", "/r/…", m.body), "attempts": m.attempts,
                 "created_at": m.created_at, "next_attempt_at": m.next_attempt_at, "sent_at": m.sent_at,
                 "last_error": m.last_error}
                for m in bus.handle(ListOutbound(status=status, limit=args.limit))]
        _print_json(rows)

    if args.action == "replay" and not args.key:
        print("complaints outbound replay needs the message key (see: complaints outbound list)", file=sys.stderr)
        return 2
    return _administer(args.service, run)


def cmd_report(args: argparse.Namespace) -> int:
    """月报: the monthly report (.xlsx) of notify, as `GET /api/v1/reports/monthly` gives it."""
    from pathlib import Path

    from services.notify.adapters.workbook import filename, monthly_workbook
    from services.notify.domain.disclosure import ReportMonth

    def run(bus: Any) -> None:
        view = bus.handle(ReportMonth(args.month))
        out = Path(args.out or filename(str(view.month)))
        out.write_bytes(monthly_workbook(view))
        overall = view.overall
        print(f"wrote {out}: {view.month}, {view.received} received; assignment "
              f"{overall.assignment_rate.numerator}/{overall.assignment_rate.denominator}, on-time reply "
              f"{overall.on_time_reply_rate.numerator}/{overall.on_time_reply_rate.denominator}, satisfaction "
              f"{overall.satisfaction_rate.numerator}/{overall.satisfaction_rate.denominator}")

    return _administer("notify", run)


def _audit_logging(settings: CommonSettings) -> None:
    """The `complaints.audit` line of a maintenance command goes to the log stream (JSON on stderr) as the
    services' do, unless something (a test) has set up logging already."""
    if not logging.getLogger().handlers:
        structured_logging.configure(settings.log_level, settings.log_json)


def cmd_rotate_key(args: argparse.Namespace) -> int:
    """Re-encrypt every stored ciphertext of intake with ENCRYPTION_KEY (or, --check, count what still needs
    an old key). Exit 0: done (--check: no value needs an old key: ENCRYPTION_KEYS_OLD can be emptied);
    1: something is left (rows changed meanwhile: run again; values no configured key reads); 2: refused."""
    from services.intake.bootstrap import field_cipher
    from services.intake.service_layer import key_rotation

    settings = composition.service("intake").load_settings()
    cipher = field_cipher(settings)
    engine = make_engine(settings.database_url)
    try:
        checked, wrong = key_rotation.index_sample(engine, cipher) if not args.check else (0, 0)
        if checked and wrong == checked:
            print(f"error: none of the {checked} phone/OpenID hashes checked matches the index key: "
                  "ENCRYPTION_INDEX_KEY must be the key the hashes were made with (the ENCRYPTION_KEY used "
                  "before the first rotation); callers' earlier complaints would not be found. Nothing changed.",
                  file=sys.stderr)
            return 2
        if not args.check:
            print(f"re-encrypting with ENCRYPTION_KEY ({cipher.old_key_count} old key(s) to read with), "
                  f"batches of {args.batch_size}", flush=True)

        def progress(tally: key_rotation.TableTally) -> None:
            print(f"  {tally.table}: {tally.rows} rows" + ("" if args.check else f", {tally.rewritten_rows} rewritten"),
                  flush=True)

        report = key_rotation.rotate_keys(engine, cipher, check=args.check, batch=args.batch_size, progress=progress)
    finally:
        engine.dispose()
    for tally in report.tables:
        print(tally.line(check=args.check))
    if args.check:
        verdict = (f"{report.old_rows} row(s) still use an old key"
                   + ("" if report.old_rows else ": ENCRYPTION_KEYS_OLD is no longer needed"))
    else:
        verdict = (f"{sum(t.rewritten_rows for t in report.tables)} row(s) rewritten; "
                   + ("run `complaints rotate-key` again for the rows changed meanwhile"
                      if report.changed_meanwhile else "every value is under the current key"))
    if report.unreadable:
        verdict += (f"; {report.unreadable} value(s) no configured key can read (an older key missing from "
                    "ENCRYPTION_KEYS_OLD?)")
    if report.index_mismatches:
        verdict += f"; {report.index_mismatches} index hash(es) do not match ENCRYPTION_INDEX_KEY"
    print(verdict)
    return 0 if report.finished else 1


def cmd_anonymise(args: argparse.Namespace) -> int:
    """保存期限: remove the personal data of complaints finished before a date (RETENTION_DAYS ago by default).
    A dry run unless --apply. Exit 0; 2 for a date that cannot be used."""
    from datetime import date

    from services.intake.bootstrap import SOURCE
    from services.intake.domain.retention import Cutoff
    from services.intake.service_layer import retention
    from shared.clock import SHANGHAI

    settings = composition.service("intake").load_settings()
    clock = SystemClock()
    try:
        closed_before = date.fromisoformat(args.closed_before) if args.closed_before else None
        cutoff = Cutoff.of(closed_before=closed_before, retention_days=settings.retention_days,
                           today=clock.now().astimezone(SHANGHAI).date())
    except ValueError as exc:
        print(f"error: --closed-before: {exc} (expected YYYY-MM-DD, not after today)", file=sys.stderr)
        return 2
    _audit_logging(settings)
    print(("anonymising" if args.apply else "dry run (nothing changes; --apply to do it):")
          + f" complaints finished before {cutoff.day.isoformat()}", flush=True)

    def progress(report: retention.RetentionReport) -> None:
        print(f"  {report.complaints} complaint(s)" + (" anonymised" if args.apply else " found"), flush=True)

    engine = make_engine(settings.database_url)
    try:
        report = retention.anonymise(engine, clock, cutoff, source=SOURCE, apply=args.apply,
                                     batch=args.batch_size, by=args.by, progress=progress)
    finally:
        engine.dispose()
    for name, value in report.counts().items():
        print(f"  {name}: {value}")
    print(f"audit: {report.audit_line(args.by)}")
    return 0


def cmd_fake_gateway(args: argparse.Namespace) -> int:
    """The fake SMS gateway and group robots (services/fakes/gateway.py), for a demo without a real one."""
    import uvicorn

    from services.fakes.gateway import build_gateway

    print(f"fake SMS gateway: SMS_GATEWAY_URL=http://{args.host}:{args.port}/sms SMS_GATEWAY_SECRET=<the secret>; "
          f"robots: ROBOT_WEBHOOKS='{{\"ecology_env\": \"http://{args.host}:{args.port}/robot/ecology_env\"}}'; "
          f"received: http://{args.host}:{args.port}/messages", flush=True)
    uvicorn.run(build_gateway(args.secret), host=args.host, port=args.port, log_level="warning")
    return 0


def cmd_seed_volume(args: argparse.Namespace) -> int:
    """Many handled cases written straight into every service's tables (services/volume.py): bench and demo only."""
    from services import volume

    names = composition.names_of("all")
    settings = composition.load_settings(names)
    if not settings[names[0]].demo_mode and not args.not_demo:
        print("seed-volume writes made-up cases: it runs with DEMO_MODE=1, or with --not-demo on a database that is "
              "not production's", file=sys.stderr)
        return 2
    engines = {url: make_engine(url) for url in composition.by_database(names, settings)}
    try:
        report = volume.seed_volume({name: engines[settings[name].database_url] for name in names},
                                    cases=args.cases, months=args.months, seed=args.seed, force=args.force,
                                    progress=volume.progress_bar())
    except volume.Refused as exc:
        print(f"seed-volume: {exc}", file=sys.stderr)
        return 2
    finally:
        for engine in engines.values():
            engine.dispose()
    rows = sum(report.rows.values())
    print(f"seeded {report.cases:,} cases ({rows:,} rows) in {report.seconds:.1f} s")
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
    users.add_argument("--role", choices=["operator", "dispatcher", "supervisor", "admin", "grid_worker"],
                       default="operator")
    users.add_argument("--department", help="a dispatcher's department code, e.g. housing_construction")
    users.add_argument("--town", help="a grid_worker's town code (one of the 30), e.g. taihe")
    users.add_argument("--name", help="display name")
    users.set_defaults(func=cmd_users)
    apikeys = sub.add_parser("apikeys", help="client API keys: add (shown once), list, revoke ID")
    apikeys.add_argument("action", choices=["add", "list", "revoke"])
    apikeys.add_argument("id", nargs="?", type=int, help="the key's id (revoke), as `apikeys list` shows it")
    apikeys.add_argument("--name", help="add: which client system, e.g. 'call centre'")
    apikeys.set_defaults(func=cmd_apikeys)
    topics = sub.add_parser("topics", help="create Kafka topics; show sizes and consumer lag")
    topics.set_defaults(func=cmd_topics)
    departments = sub.add_parser("departments", help="routing's departments: list, or add one (admin)")
    department_actions = departments.add_subparsers(dest="action", required=True)
    department_actions.add_parser("list", help="every department, active or not")
    add_department = department_actions.add_parser("add", help="a new department, with its dispatch topic")
    add_department.add_argument("code", help="lower-case letters, digits and _, e.g. emergency_management")
    add_department.add_argument("--name", required=True, help="its Chinese name, e.g. 区应急管理局")
    add_department.add_argument("--kind", choices=["district", "town"], default="district")
    departments.set_defaults(func=cmd_departments)
    rules = sub.add_parser("rules", help="routing rules: list, add, off/on ID, history [ID] (audited)")
    rules.add_argument("action", choices=["list", "add", "off", "on", "history"])
    rules.add_argument("id", nargs="?", type=int, help="off/on/history: the rule's number (as `rules list` shows)")
    rules.add_argument("--all", action="store_true", help="list: switched-off rules too")
    rules.add_argument("--category", help="add: the type, e.g. noise")
    rules.add_argument("--subcategory", help="add: the subtype, e.g. construction")
    rules.add_argument("--area", choices=["streets", "towns"], help="add: streets (街道) or towns (镇) only")
    rules.add_argument("--town", help="add: one town only (its code, e.g. taihe)")
    rules.add_argument("--department", help="add: a department code, town (属地) or triage (人工分拨)")
    rules.add_argument("--note")
    rules.add_argument("--reason", help="why (kept in the audit)")
    rules.add_argument("--by", default="cli", help="who is making the change (kept in the audit)")
    rules.set_defaults(func=cmd_rules)
    imports = sub.add_parser("import", help="load cases exported from the older system (CSV or .xlsx) with a "
                                            "column mapping: finished ones as history, open ones to be handled")
    imports.add_argument("file", help="the export: .csv (encoding as the mapping says) or .xlsx")
    imports.add_argument("--mapping", required=True, help="the column mapping (YAML), see docs/import.md")
    imports.add_argument("--dry-run", action="store_true", help="check every row, store nothing")
    imports.add_argument("--batch-size", type=int, default=500, choices=range(1, 5001), metavar="N",
                         help="rows per transaction (1–5000, default 500)")
    imports.set_defaults(func=cmd_import)
    outbound = sub.add_parser("outbound", help="messages out (intake: SMS to citizens; notify: group robots): "
                                               "list, or replay a dead one")
    outbound.add_argument("action", choices=["list", "replay"])
    outbound.add_argument("key", nargs="?", help="replay: the message's key, as `outbound list` shows it")
    outbound.add_argument("--service", choices=["intake", "notify"], required=True)
    outbound.add_argument("--status", choices=["pending", "sending", "sent", "dead"])
    outbound.add_argument("--limit", type=int, default=50, choices=range(1, 1001), metavar="N")
    outbound.set_defaults(func=cmd_outbound)
    report = sub.add_parser("report", help="the monthly report (月报) as .xlsx: the three targets, by department, "
                                           "type and town, overdue cases, the problem list")
    report.add_argument("--month", required=True, help="YYYY-MM, e.g. 2026-11")
    report.add_argument("--out", help="the file to write (default: hechuan-complaints-<month>.xlsx)")
    report.set_defaults(func=cmd_report)
    rotate = sub.add_parser("rotate-key", help="re-encrypt intake's personal data with ENCRYPTION_KEY (after a "
                                               "key change; old keys in ENCRYPTION_KEYS_OLD), or --check what is left")
    rotate.add_argument("--check", action="store_true", help="change nothing: count the rows still under an old key")
    rotate.add_argument("--batch-size", type=int, default=500, choices=range(1, 10001), metavar="N",
                        help="rows per transaction (1–10000, default 500)")
    rotate.set_defaults(func=cmd_rotate_key)
    anonymise = sub.add_parser("anonymise", help="remove reporters' personal data of complaints finished before a "
                                                 "date (default: RETENTION_DAYS ago); a dry run unless --apply")
    anonymise.add_argument("--closed-before", metavar="YYYY-MM-DD",
                           help="complaints finished before this day (Chongqing time); default: RETENTION_DAYS ago")
    anonymise.add_argument("--apply", action="store_true", help="do it (without: count only, change nothing)")
    anonymise.add_argument("--batch-size", type=int, default=200, choices=range(1, 5001), metavar="N",
                           help="complaints per transaction (1–5000, default 200)")
    anonymise.add_argument("--by", default="cli", help="who runs it (kept in the audit line)")
    anonymise.set_defaults(func=cmd_anonymise)
    fake = sub.add_parser("fake-gateway", help="run a fake SMS gateway and group robots (demo, development)")
    fake.add_argument("--host", default="127.0.0.1")
    fake.add_argument("--port", type=int, default=9100)
    fake.add_argument("--secret", required=True, help="the SMS_GATEWAY_SECRET the senders sign with")
    fake.set_defaults(func=cmd_fake_gateway)
    volume = sub.add_parser("seed-volume", help="write many made-up handled cases into every service's tables "
                                                "(benchmarks, demos; after migrate; DEMO_MODE or --not-demo)")
    volume.add_argument("--cases", type=int, default=1_000_000, help="how many (default 1,000,000)")
    volume.add_argument("--months", type=int, default=24, help="received over the last N months (default 24)")
    volume.add_argument("--seed", type=int, default=12, help="the generator's seed (the same seed, the same cases)")
    volume.add_argument("--force", action="store_true", help="add to databases that already hold cases")
    volume.add_argument("--not-demo", action="store_true",
                        help="run without DEMO_MODE (a bench database; never production's)")
    volume.set_defaults(func=cmd_seed_volume)
    cli_upstream.register(sub)  # upstream ..., fake-upstream (services/cli_upstream.py)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "dlq" and args.action == "replay" and not args.id:
        print("complaints dlq replay needs the dead letter id (see: complaints dlq list)", file=sys.stderr)
        return 2
    if args.command == "users" and args.action != "list" and not args.username:
        print(f"complaints users {args.action} needs a username", file=sys.stderr)
        return 2
    try:
        return args.func(args)
    except ValidationError as exc:
        print(f"configuration error:\n{configuration_errors(exc)}", file=sys.stderr)
        return 2


def configuration_errors(exc: ValidationError) -> str:
    """Each setting's problem in a line: never the values (pydantic would echo the secrets given)."""
    lines = []
    for error in exc.errors(include_input=False, include_url=False):
        where = ".".join(str(part) for part in error["loc"]).upper()
        message = error["msg"].removeprefix("Value error, ")
        lines.append(f"  {where}: {message}" if where else f"  {message}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())

"""`complaints upstream ...` and `complaints fake-upstream`: the upstream platforms on the command line
(docs/upstream.md). Registered by services/cli.py."""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from shared.clock import SHANGHAI, SystemClock

PLATFORM_CHOICES = ("12345", "national")
HEADERS = ("类型 / kind", "编号 / case", "查询码 / code", "本系统 / ours", "上级 / theirs", "说明 / note")


def register(sub: Any) -> None:
    """Add `upstream` and `fake-upstream` to the `complaints` parser's subcommands."""
    upstream = sub.add_parser("upstream", help="upstream platforms (12345, the national platform): pull now, "
                                               "reconcile, list cases and actions, replay a dead action")
    actions = upstream.add_subparsers(dest="action", required=True)
    pull = actions.add_parser("pull", help="pull the transferred cases now (what the workers do every poll)")
    pull.add_argument("--platform", choices=PLATFORM_CHOICES, help="one platform (default: every configured one)")
    pull.add_argument("--reset", action="store_true",
                      help="from the start: every case the platform still lists comes again (none is doubled)")
    reconcile = actions.add_parser("reconcile", help="对账: what differs between us and the platform; the summary "
                                                     "is stored (exit 1 when something differs)")
    reconcile.add_argument("--date", type=date.fromisoformat, help="YYYY-MM-DD, the last day of the window "
                                                                   "(default: yesterday, Chongqing time)")
    reconcile.add_argument("--days", type=int, default=30, choices=range(1, 367), metavar="N",
                           help="cases transferred in the N days up to --date (default 30)")
    reconcile.add_argument("--platform", choices=PLATFORM_CHOICES, help="one platform (default: every configured one)")
    reconcile.add_argument("--json", action="store_true", help="the report as JSON instead of a table")
    cases = actions.add_parser("cases", help="cases from the platforms, with their deadlines and ours (JSON)")
    cases.add_argument("--platform", choices=PLATFORM_CHOICES)
    cases.add_argument("--open", action="store_true", help="only open ones, soonest upstream deadline first")
    cases.add_argument("--limit", type=int, default=100, choices=range(1, 10_001), metavar="N")
    pushes = actions.add_parser("pushes", help="actions for the platforms: sent, waiting, dead (JSON)")
    pushes.add_argument("--status", choices=["pending", "sending", "sent", "dead"])
    pushes.add_argument("--limit", type=int, default=50, choices=range(1, 1001), metavar="N")
    replay = actions.add_parser("replay", help="send a dead action again (its case's later actions follow it)")
    replay.add_argument("key", help="the action's key, as `upstream pushes` shows it")
    upstream.set_defaults(func=cmd_upstream)

    fake = sub.add_parser("fake-upstream", help="run fake upstream platforms (12345 and national: demo, development)")
    fake.add_argument("--host", default="127.0.0.1")
    fake.add_argument("--port", type=int, default=9200)
    fake.add_argument("--secret", required=True, help="the UPSTREAM_*_SECRET the requests are signed with")
    fake.add_argument("--app-id", default="hechuan-eeb", help="the UPSTREAM_*_APP_ID it expects")
    fake.add_argument("--transfer", type=int, default=0, metavar="N", help="cases each platform transfers at start")
    fake.set_defaults(func=cmd_fake_upstream)


def cmd_upstream(args: argparse.Namespace) -> int:
    from services import composition
    from services.intake.bootstrap import upstream_platforms
    from shared.errors import DomainError

    process = composition.build_process("intake", SystemClock(), client_id="complaints-upstream",
                                        start_workers=False)
    try:
        bus = process.runtimes["intake"].bus
        settings = process.settings["intake"]
        if args.action in ("pull", "reconcile"):
            platforms = upstream_platforms(settings)  # type: ignore[arg-type]
            chosen = [args.platform] if args.platform else list(platforms)
            if not chosen or any(p not in platforms for p in chosen):
                print("error: no such platform configured (UPSTREAM_12345_URL, UPSTREAM_NATIONAL_URL ...)",
                      file=sys.stderr)
                return 2
            if args.action == "pull":
                return _pull(bus, platforms, chosen, settings.upstream_page_size, reset=args.reset)  # type: ignore[attr-defined]
            return _reconcile(bus, chosen, args)
        return _lists(bus, args)
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2 if args.action != "replay" else 1
    finally:
        process.close()


def _pull(bus: Any, platforms: dict[str, Any], chosen: list[str], page_size: int, *, reset: bool) -> int:
    from services.intake.domain.upstream import AdvanceUpstreamCursor, GetUpstreamCursor, UpstreamUnavailable
    from services.intake.entrypoints.upstream import UpstreamPuller

    failed = False
    for platform in chosen:
        if reset:
            bus.handle(AdvanceUpstreamCursor(platform, bus.handle(GetUpstreamCursor(platform)), None))
        try:
            received = UpstreamPuller(bus, platform, platforms[platform], page_size=page_size).run_once()
        except UpstreamUnavailable as exc:
            print(f"{platform}: {exc}", file=sys.stderr)
            failed = True
            continue
        print(f"{platform}: {received} cases received (earlier ones again are not doubled); "
              f"cursor {bus.handle(GetUpstreamCursor(platform))}")
    return 1 if failed else 0


def _reconcile(bus: Any, chosen: list[str], args: argparse.Namespace) -> int:
    from services.intake.domain.upstream import KIND_LABELS, ReconcileUpstream, UpstreamUnavailable, platform_name

    day = args.date or (datetime.now(SHANGHAI).date() - timedelta(days=1))
    reports = []
    for platform in chosen:
        try:
            reports.append(bus.handle(ReconcileUpstream(platform, day, args.days)))
        except UpstreamUnavailable as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    if args.json:
        print(json.dumps([r.as_json() for r in reports], ensure_ascii=False, indent=2))
    for report in reports if not args.json else ():
        start = report.day - timedelta(days=report.days - 1)
        print(f"对账 / reconciliation: {platform_name(report.platform)} ({report.platform}), transferred "
              f"{start} … {report.day}: upstream {report.upstream_cases} cases, ours {report.our_cases}, "
              f"{len(report.differences)} differences")
        counts = ", ".join(f"{KIND_LABELS[kind]} {n}" for kind, n in
                           ((k, report.counts[k.value]) for k in KIND_LABELS) if n)
        if counts:
            print(f"  {counts}")
        if report.differences:
            print(table(HEADERS, [[KIND_LABELS[d.kind], d.case_no, d.tracking_code or "", d.ours or "",
                                   d.theirs or "", d.note or ""] for d in report.differences]))
        print()
    return 1 if any(r.differences for r in reports) else 0


def _lists(bus: Any, args: argparse.Namespace) -> int:
    from services.intake.domain.upstream import ListUpstreamCases, ListUpstreamPushes, ReplayUpstreamPush

    if args.action == "replay":
        bus.handle(ReplayUpstreamPush(args.key))
        print(f"action {args.key} will be sent again")
        return 0
    if args.action == "cases":
        found = bus.handle(ListUpstreamCases(args.platform, open_only=args.open, limit=args.limit)).cases
        rows: list[dict[str, Any]] = [{
            "platform": c.platform, "case_no": c.case_no, "tracking_code": c.tracking_code, "status": c.status,
            "department": c.department, "told": c.state.value, "transferred_at": c.transferred_at,
            "upstream_sign_due": c.sign_due, "upstream_reply_due": c.upstream_reply_due,
            "our_reply_due": c.our_reply_due, "upstream_earlier": c.upstream_earlier} for c in found]
    else:
        rows = [{"key": m.key, "platform": m.recipient, "action": json.loads(m.body)["action"],
                 "status": m.status.value, "attempts": m.attempts, "created_at": m.created_at,
                 "next_attempt_at": m.next_attempt_at, "sent_at": m.sent_at, "last_error": m.last_error}
                for m in bus.handle(ListUpstreamPushes(args.status, args.limit))]
    print(json.dumps(rows, default=str, ensure_ascii=False, indent=2))
    return 0


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, max_width: int = 48) -> str:
    """A plain-text table that lines up Chinese (double-width) characters too; long cells are cut."""
    def cut(cell: str) -> str:
        cell = cell.replace("\n", " ")
        while _width(cell) > max_width:
            cell = cell[:-2] + "…"
        return cell

    cells = [[cut(c) for c in row] for row in [list(headers), *rows]]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c + " " * (w - _width(c)) for c, w in zip(row, widths, strict=True)).rstrip()
             for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def cmd_fake_upstream(args: argparse.Namespace) -> int:
    import uvicorn

    from services.fakes.upstream import build_fake_upstream

    base = f"http://{args.host}:{args.port}"
    print(f"fake upstream platforms: UPSTREAM_12345_URL={base}/12345 UPSTREAM_NATIONAL_URL={base}/national "
          f"UPSTREAM_*_APP_ID={args.app_id} UPSTREAM_*_SECRET=<the secret>; their cases and the actions received: "
          f"{base}/control/12345/cases; transfer one more: curl -X POST {base}/control/12345/transfer", flush=True)
    uvicorn.run(build_fake_upstream(args.secret, app_id=args.app_id, transferred=args.transfer), host=args.host,
                port=args.port, log_level="warning")
    return 0

"""Intake's handlers for the upstream platforms (12345, the national platform), registered in handlers.py's tables.

- `receive_upstream_case`: a transferred case becomes a complaint through the one receiving handler
  (`receive_complaint`: the same tracking code, event and outbox), its link written in the same transaction;
  the platform's case number is the channel reference, so a case pulled again is never a second complaint.
- `push_upstream`: routing's lifecycle events of a linked complaint become actions for its platform,
  written as rows of `intake_upstream_pushes` in the event's transaction; the push sender posts them.
- `reconcile_upstream`: the platform's ledger against our links; the summary is stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from services.intake.adapters.upstream_repository import (
    PUSHES,
    LinkedCase,
    cases_to_reconcile,
    cursor_of,
    day_bounds,
    linked_cases,
    links_of,
    move_cursor,
    reconciliations,
    store_reconciliation,
)
from services.intake.domain.commands import ReceiveComplaint, Reporter
from services.intake.domain.complaint import Complaint
from services.intake.domain.messages import CitizenSms
from services.intake.domain.upstream import (
    AdvanceUpstreamCursor,
    GetUpstreamCursor,
    LedgerEntry,
    ListUpstreamCases,
    ListUpstreamPushes,
    ListUpstreamReconciliations,
    PlatformNotConfigured,
    PushNotDead,
    ReceiveUpstreamCase,
    ReconcileUpstream,
    Reconciliation,
    ReplayUpstreamPush,
    UpstreamLink,
    cause_of,
    push_key,
    reconcile,
)
from services.intake.service_layer.uow import IntakeUnitOfWork
from shared.contracts import events as ev
from shared.contracts.codes import Channel
from shared.outbound import MessageStatus, StoredMessage

if TYPE_CHECKING:
    from services.intake.service_layer.handlers import Cipher, Received


class UpstreamPlatform(Protocol):
    """The port of one platform as handlers use it (adapters/upstream_http.py: HttpUpstreamPlatform)."""

    def ledger(self, start: date, end: date) -> list[LedgerEntry]: ...


def receive_upstream_case(cmd: ReceiveUpstreamCase, uow: IntakeUnitOfWork, cipher: Cipher, sms: CitizenSms,
                          demo_mode: bool = False) -> Received:
    """受理 a transferred case once: the complaint (channel `upstream`, the platform's case number as its
    channel reference) and its link commit together; the same case again returns that complaint, keeping
    the platform's deadlines if it changed them."""
    # Imported here: handlers.py imports this module for its tables.
    from services.intake.service_layer.handlers import Received, receive_complaint

    links, case = links_of(uow), cmd.case
    existing = links.get(cmd.platform, case.case_no, for_update=True)
    if existing is not None:
        complaint = uow.complaints.get(existing.complaint_id)
        assert complaint is not None  # the link's foreign key keeps it
        if existing.redue(case, tracking_code=complaint.tracking_code, at=uow.clock.now()):
            uow.commit()
        return Received.of(complaint, replayed=True, cipher=cipher)
    now = uow.clock.now()

    def link(complaint: Complaint) -> None:
        links.add(UpstreamLink.of(cmd.platform, case, complaint_id=complaint.complaint_id,
                                  tracking_code=complaint.tracking_code, at=now))

    reporter = case.reporter
    return receive_complaint(ReceiveComplaint(
        channel=Channel.upstream, content=case.complaint_text(), category=case.category,
        subcategory=case.subcategory, town=case.town, address=case.address, lat=case.lat, lon=case.lon,
        urgent=case.urgent, reporter=Reporter(name=reporter.name, phone=reporter.phone, anonymous=reporter.anonymous),
        channel_ref=f"{cmd.platform}:{case.case_no}",
    ), uow, cipher, sms, demo_mode, linked=link)


def get_upstream_cursor(query: GetUpstreamCursor, uow: IntakeUnitOfWork) -> str | None:
    return cursor_of(uow.session, query.platform)


def advance_upstream_cursor(cmd: AdvanceUpstreamCursor, uow: IntakeUnitOfWork) -> bool:
    moved = move_cursor(uow.session, cmd.platform, before=cmd.before, after=cmd.after, received=cmd.received,
                        at=uow.clock.now())
    uow.commit()
    return moved


def push_upstream(event: ev.ComplaintEvent, uow: IntakeUnitOfWork, upstream_unit: str) -> None:
    """What a lifecycle event tells the platforms of its complaint (and of the complaints merged into it):
    one action per link, keyed by the link and the event's cause (a redelivered event writes nothing).

    It does not commit: it runs first among the event's handlers and its rows commit with theirs (with
    `follow_lifecycle`'s commit, or the consumer's), in the transaction that records the event as handled."""
    cause = cause_of(event)
    if cause is None:
        return
    links = links_of(uow).following(event.complaint_id)
    if not links:
        return
    names = uow.department_names.directory()
    now = uow.clock.now()
    for link in links:
        if PUSHES.has(uow.session, push_key(link.platform, link.case_no, cause)):
            continue
        push = link.answer(event, department_name=names.name_of, unit=upstream_unit)
        if push is not None:
            uow.insert(PUSHES.table, PUSHES.row(push, now=now), if_absent=True)


def reconcile_upstream(cmd: ReconcileUpstream, uow: IntakeUnitOfWork,
                       upstream: Mapping[str, UpstreamPlatform]) -> Reconciliation:
    """对账: the platform's ledger of the cases it transferred in the window, against ours; the report is stored."""
    platform = upstream.get(cmd.platform)
    if platform is None:
        raise PlatformNotConfigured(cmd.platform)
    start, end = day_bounds(cmd.day, cmd.days)
    ledger = platform.ledger(cmd.day - timedelta(days=cmd.days - 1), cmd.day)  # UpstreamUnavailable: said as it is
    ours = cases_to_reconcile(uow.session, cmd.platform, start, end)
    report = reconcile(cmd.platform, cmd.day, cmd.days, ledger, ours, ran_at=uow.clock.now())
    store_reconciliation(uow.session, report)
    uow.commit()
    return report


@dataclass(frozen=True)
class UpstreamCases:
    cases: list[LinkedCase]


def list_upstream_cases(query: ListUpstreamCases, uow: IntakeUnitOfWork) -> UpstreamCases:
    return UpstreamCases(linked_cases(uow.session, platform=query.platform, open_only=query.open_only,
                                      limit=query.limit))


def list_upstream_reconciliations(query: ListUpstreamReconciliations, uow: IntakeUnitOfWork) -> list[dict[str, Any]]:
    return reconciliations(uow.session, platform=query.platform, limit=query.limit)


def list_upstream_pushes(query: ListUpstreamPushes, uow: IntakeUnitOfWork) -> list[StoredMessage]:
    status = MessageStatus(query.status) if query.status else None
    return PUSHES.listed(uow.session, status=status, limit=query.limit)


def replay_upstream_push(cmd: ReplayUpstreamPush, uow: IntakeUnitOfWork) -> None:
    if not PUSHES.replay(uow.session, cmd.key, now=uow.clock.now()):
        raise PushNotDead(cmd.key)
    uow.commit()


COMMANDS: dict[type, Any] = {
    ReceiveUpstreamCase: receive_upstream_case,
    GetUpstreamCursor: get_upstream_cursor,
    AdvanceUpstreamCursor: advance_upstream_cursor,
    ReconcileUpstream: reconcile_upstream,
    ListUpstreamCases: list_upstream_cases,
    ListUpstreamReconciliations: list_upstream_reconciliations,
    ListUpstreamPushes: list_upstream_pushes,
    ReplayUpstreamPush: replay_upstream_push,
}

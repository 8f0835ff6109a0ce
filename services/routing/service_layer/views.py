"""Read views for the dispatcher desk, the supervisor's triage list and the department directory (plain
dicts, ready for JSON). Handlers pass their unit of work; names come from routing's own tables."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from services.routing.domain.case import MERGEABLE, OPEN, Assist, AssistStatus, Case, Photo, Status
from services.routing.domain.commands import MAX_PAGE, AssistQueue, Backlog, DepartmentQueue, Due
from services.routing.domain.deadlines import DeadlinePolicy
from services.routing.domain.departments import Department
from services.routing.domain.followups import followups_view
from services.routing.domain.incidents import incident_view
from services.routing.domain.pauses import SuspensionLimits
from services.routing.domain.petitions import STATUS_LABELS as PETITION_STATUS_LABELS
from services.routing.service_layer import inspections, investigations, pause_views
from services.routing.service_layer.analysis import analyse
from services.routing.service_layer.uow import RoutingUnitOfWork
from shared.contracts import topics
from shared.contracts.codes import CATEGORY_NAMES, SUBCATEGORIES, TRIAGE


@dataclass(frozen=True)
class Names:
    """Department and town names by code, read once per view from routing's tables."""

    departments: dict[str, str]
    towns: dict[str, str]

    @classmethod
    def of(cls, uow: RoutingUnitOfWork) -> Names:
        return cls(uow.departments.names(), {code: town.name for code, town in uow.towns.all().items()})


def _seconds_left(due: datetime | None, now: datetime) -> int | None:
    return None if due is None else int((due - now).total_seconds())


def _clocks(case: Case, now: datetime) -> dict[str, int | None]:
    """Seconds until each deadline still running (negative: overdue) — the desk's countdowns."""
    if case.status == Status.triage:
        return {"assign": _seconds_left(case.assign_due, now)}
    clocks: dict[str, int | None] = {}
    if case.status == Status.assigned:
        clocks["accept"] = _seconds_left(case.accept_due, now)
    if case.status in OPEN:
        clocks["return"] = _seconds_left(case.return_due, now)
        clocks["reply"] = _seconds_left(case.reply_due, now)
    return clocks


# The yellow light (临期) once this share of the allowed time is used, as notify warns (DESIGN.md).
DUE_SOON_RATIO = 0.75


def next_deadline(case: Case) -> tuple[str, datetime, datetime] | None:
    """The deadline to meet next, when its time started, and its kind: 交办 (assign) in triage; 签收
    (accept) while not signed for, if earlier than 回复 (reply); else reply. None once replied."""
    if case.status == Status.triage:
        return "assign", case.received_at, case.assign_due
    if case.status not in OPEN or case.reply_due is None or case.assigned_at is None:
        return None
    if case.disputed_since is not None or case.suspended_since is not None:
        return None  # paused (派单异议, 挂起): no deadline runs
    if case.status == Status.assigned and case.accept_due is not None and case.accept_due < case.reply_due:
        return "accept", case.assigned_at, case.accept_due
    return "reply", case.assigned_at, case.reply_due


def due_state(case: Case, now: datetime) -> str | None:
    """overdue (超期), soon (临期: 75% of the allowed time used) or normal; None without a running deadline."""
    found = next_deadline(case)
    if found is None:
        return None
    _kind, start, due = found
    if now > due:
        return "overdue"
    return "soon" if now >= start + (due - start) * DUE_SOON_RATIO else "normal"


def _working_left(due: datetime | None, now: datetime, deadlines: DeadlinePolicy) -> int | None:
    return None if due is None else deadlines.working_seconds(now, due)


def _working_clocks(case: Case, now: datetime, deadlines: DeadlinePolicy) -> dict[str, Any]:
    """The countdowns in working time (only working days' hours count; negative: overdue)."""
    dues = {"assign": case.assign_due, "accept": case.accept_due, "return": case.return_due, "reply": case.reply_due}
    working = {name: _working_left(dues[name], now, deadlines) for name in _clocks(case, now)}
    found = next_deadline(case)
    deadline = None if found is None else {
        "kind": found[0], "due": found[2], "seconds_left": _seconds_left(found[2], now),
        "working_seconds_left": deadlines.working_seconds(now, found[2]), "state": due_state(case, now)}
    return {"working_seconds_left": working, "deadline": deadline}


def case_summary(case: Case, now: datetime, names: Names, deadlines: DeadlinePolicy | None = None
                 ) -> dict[str, Any]:
    """A case as lists show it; with `deadlines`, its countdowns in working time too."""
    pending = case.pending_extension
    working = _working_clocks(case, now, deadlines) if deadlines is not None else {}
    return {
        "id": case.complaint_id,
        "tracking_code": case.tracking_code,
        "status": case.status.value,
        "channel": case.channel,
        "content": case.content,
        "category": case.category,
        "category_name": CATEGORY_NAMES.get(case.category or ""),
        "subcategory": case.subcategory,
        "subcategory_name": SUBCATEGORIES.get(case.category or "", {}).get(case.subcategory or ""),
        "town": case.town,
        "town_name": names.towns.get(case.town or ""),
        "address": case.address,
        "urgent": case.urgent,
        "reporter_phone_masked": case.reporter_phone_masked,
        "department": case.department,
        "department_name": names.departments.get(case.department or ""),
        "rule": case.rule,
        "received_at": case.received_at,
        "assign_due": case.assign_due,
        "assigned_at": case.assigned_at,
        "accept_due": case.accept_due,
        "accepted_at": case.accepted_at,
        "return_due": case.return_due,
        "reply_due": case.reply_due,
        "replied_at": case.replied_at,
        "reply": case.reply_text,
        "reply_round": case.reply_round,
        # paused clocks (domain/pauses.py): 异议中 (accept and reply paused) or 挂起 (reply paused)
        "paused": "dispute" if case.disputed_since else "suspension" if case.suspended_since else None,
        "disputed_since": case.disputed_since,
        "suspended_since": case.suspended_since,
        "incident": case.incident,  # 突发环境事件 (domain/incidents.py): suspected | declared | cleared | None
        "seconds_left": _clocks(case, now),
        **working,
        # 退单 is allowed while the department holds the case and the return window is open
        "can_return": case.status in OPEN and case.return_due is not None and now <= case.return_due,
        "closed_at": case.closed_at,
        "closing_reason": case.closing_reason,
        "forwarded_to": case.forwarded_to,
        "merged_into": case.merged_into,
        "duplicate_of": case.duplicate_of,  # 疑似重复: a suggested master, for a person to confirm
        "leader": case.leader,  # 领导包案
        "leader_plan": case.leader_plan,
        "leader_at": case.leader_at,
        "can_merge": case.status in MERGEABLE,
        "pending_extension": None if pending is None else {
            "working_days": pending.working_days, "reason": pending.reason,
            "requested_at": pending.requested_at, "requested_by": pending.requested_by},
    }


def case_view(uow: RoutingUnitOfWork, case: Case) -> dict[str, Any]:
    """What a command on a case answers: the case as it now stands."""
    return case_summary(case, uow.clock.now(), Names.of(uow))


def case_detail(uow: RoutingUnitOfWork, case: Case, deadlines: DeadlinePolicy, max_extension_days: int,
                suspension_limits: SuspensionLimits = SuspensionLimits()) -> dict[str, Any]:
    """The case page: the case, its countdowns, the classifier's explanation and the whole timeline."""
    now, names = uow.clock.now(), Names.of(uow)
    days_left = max(0, max_extension_days - case.extension_days())
    return {
        **case_summary(case, now, names, deadlines),
        **pause_views.pauses_view(case, names.departments, suspension_limits),  # 派单异议, 挂起
        "extension_days_left": days_left,
        # 延期 is asked before the reply deadline, one request at a time, within the allowance
        "can_request_extension": (case.status in OPEN and case.reply_due is not None and now < case.reply_due
                                  and case.pending_extension is None and days_left > 0),
        "confidence": case.confidence,
        "explanation": case.explanation,
        "triage_reason": case.triage_reason,
        "duplicates": [{"id": complaint_id, "tracking_code": code}
                       for complaint_id, code in uow.cases.merged_into(case.complaint_id)],
        "history": [{"action": h.action, "actor": h.actor, "at": h.at, "detail": h.detail} for h in case.history],
        "assists": [_assist_view(a, now, deadlines) for a in case.assists],
        "photos": [photo_view(p) for p in case.photos],
        "petition": _petition_brief(uow, case.complaint_id),
        "investigation": investigations.brief(uow, case.complaint_id),  # 调查处理 (investigations.py)
        "inspection": inspections.brief(uow, case.complaint_id),  # 督察交办件 (inspections.py)
        "incident_detail": incident_view(case),  # 突发环境事件: state, 2-hour clock, referrals (domain/incidents.py)
        "followups": followups_view(case),  # 首次联系, 现场核查, the platform's deadlines (domain/followups.py)
        "extensions": [{"id": e.id, "working_days": e.working_days, "reason": e.reason, "status": e.status.value,
                        "requested_at": e.requested_at, "requested_by": e.requested_by,
                        "decided_at": e.decided_at, "decided_by": e.decided_by} for e in case.extensions],
    }


def department_queue(uow: RoutingUnitOfWork, query: DepartmentQueue, deadlines: DeadlinePolicy) -> dict[str, Any]:
    """A page of a department's cases, the one closest to a missed deadline first."""
    now, names = uow.clock.now(), Names.of(uow)
    page = partial(uow.cases.page, statuses=query.statuses, department=query.department, category=query.category,
                   subcategory=query.subcategory, town=query.town)
    if query.due == Due.soon:  # "75% used" is not a column: judged here, on the cases not yet overdue
        running, _ = page(due_from=now)
        soon = [c for c in running if due_state(c, now) == "soon"]
        cases, total = soon[query.offset:query.offset + query.limit], len(soon)
    else:
        cases, total = page(due_before=now if query.due == Due.overdue else None, limit=query.limit,
                            offset=query.offset)
    _attach_pending_extensions(uow, cases)
    following = query.offset + len(cases)
    return {"department": query.department, "department_name": names.departments.get(query.department),
            "now": now, "count": total, "limit": query.limit, "offset": query.offset,
            "next_offset": following if following < total else None,
            "cases": [case_summary(c, now, names, deadlines) for c in cases]}


def _petition_brief(uow: RoutingUnitOfWork, complaint_id: str) -> dict[str, Any] | None:
    """信访件: the case's petition file in a line (its number and where it stands), or None; the file itself
    is at /cases/{id}/petition."""
    petition = uow.petitions.get(complaint_id)
    if petition is None:
        return None
    return {"number": petition.number, "status": petition.status.value,
            "status_label": PETITION_STATUS_LABELS[petition.status],
            "next_due": petition.next_due.isoformat() if petition.next_due else None}


def photo_view(photo: Photo) -> dict[str, Any]:
    return {"id": photo.id, "reply_round": photo.reply_round, "department": photo.department,
            "content_type": photo.content_type, "size": photo.size, "sha256": photo.sha256,
            "uploaded_by": photo.uploaded_by, "uploaded_at": photo.uploaded_at}


def _assist_view(assist: Assist, now: datetime, deadlines: DeadlinePolicy) -> dict[str, Any]:
    waiting = assist.status == AssistStatus.requested
    return {"department": assist.department, "status": assist.status.value, "due": assist.due,
            "seconds_left": _seconds_left(assist.due, now) if waiting else None,
            # the countdown the desk shows: only working days' hours count, like the case's own deadlines
            "working_seconds_left": _working_left(assist.due, now, deadlines) if waiting else None,
            "note": assist.note, "requested_at": assist.requested_at, "requested_by": assist.requested_by,
            "replied_at": assist.replied_at, "replied_by": assist.replied_by, "reply": assist.reply,
            "late": assist.replied_at > assist.due if assist.replied_at else now > assist.due}


def assist_queue(uow: RoutingUnitOfWork, query: AssistQueue, deadlines: DeadlinePolicy) -> dict[str, Any]:
    """The cases a department assists (协办), the nearest assist deadline first, each with its request."""
    now, names = uow.clock.now(), Names.of(uow)
    cases, total = uow.cases.assisting(query.department, statuses=query.statuses, limit=query.limit,
                                       offset=query.offset)
    following = query.offset + len(cases)
    return {"department": query.department, "department_name": names.departments.get(query.department),
            "now": now, "count": total, "limit": query.limit, "offset": query.offset,
            "next_offset": following if following < total else None,
            "cases": [{**case_summary(c, now, names, deadlines), "assist": _assist_view(c.assists[0], now, deadlines)}
                      for c in cases]}


def backlog(uow: RoutingUnitOfWork, query: Backlog, deadlines: DeadlinePolicy, days: int) -> dict[str, Any]:
    """积案 (long-standing cases), the oldest first, each with why it is one and its leader if given."""
    now, names = uow.clock.now(), Names.of(uow)
    cases, total = uow.cases.backlog(now, days=days, leader=query.leader, limit=query.limit, offset=query.offset)
    following = query.offset + len(cases)

    def why(case: Case) -> list[str]:
        found = []
        if case.received_at <= now - timedelta(days=days):
            found.append(f"受理超过 {days} 天")
        due = case.assign_due if case.status == Status.triage else case.reply_due
        if due is not None and due < now:
            found.append("已超期")
        if case.reply_round >= 3:
            found.append(f"重办 {case.reply_round - 1} 次")
        return found

    return {"now": now, "days": days, "count": total, "limit": query.limit, "offset": query.offset,
            "next_offset": following if following < total else None,
            "cases": [{**case_summary(c, now, names, deadlines), "backlog_reasons": why(c)} for c in cases]}


def triage_list(uow: RoutingUnitOfWork, deadlines: DeadlinePolicy, limit: int = MAX_PAGE, offset: int = 0
                ) -> dict[str, Any]:
    """Cases waiting for a person to route them, the earliest assignment deadline first, a page at a time."""
    now, names = uow.clock.now(), Names.of(uow)
    cases, total = uow.cases.page(statuses=(Status.triage,), department=None, limit=limit, offset=offset)
    following = offset + len(cases)
    return {"now": now, "count": total, "limit": limit, "offset": offset,
            "next_offset": following if following < total else None,
            "cases": [{**case_summary(c, now, names, deadlines), "triage_reason": c.triage_reason,
                       "confidence": c.confidence} for c in cases]}


def pending_extensions(uow: RoutingUnitOfWork, deadlines: DeadlinePolicy, limit: int = MAX_PAGE,
                       offset: int = 0) -> dict[str, Any]:
    """Extension requests waiting for a supervisor, the oldest first, each with its case, a page at a time."""
    now, names = uow.clock.now(), Names.of(uow)
    cases, total = uow.cases.with_pending_extension(limit=limit, offset=offset)
    following = offset + len(cases)
    return {"now": now, "count": total, "limit": limit, "offset": offset,
            "next_offset": following if following < total else None,
            "cases": [case_summary(c, now, names, deadlines) for c in cases]}


def _attach_pending_extensions(uow: RoutingUnitOfWork, cases: list[Case]) -> None:
    """Lists load cases without their children: give each its pending extension request, if any."""
    pending = uow.cases.pending_extensions(c.complaint_id for c in cases)
    for case in cases:
        if case.complaint_id in pending:
            case.extensions = [pending[case.complaint_id]]


def version(*parts: Any) -> str:
    """A short fingerprint of a list (its cases' changes, its parameters, the minute: countdowns and
    "due soon" move with time, so a list is sent again at least once a minute)."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:24]


def classify_text(uow: RoutingUnitOfWork, content: str, address: str | None, *,
                  min_confidence: float) -> dict[str, Any]:
    """What routing would do with this text, and why (for operators while they type)."""
    found = analyse(uow, content, address=address, min_confidence=min_confidence)
    department = found.decision.department or TRIAGE
    return {
        "category": found.classification.category,
        "subcategory": found.classification.subcategory,
        "urgent": found.urgency.urgent,
        "town": found.town.code if found.town else None,
        "town_name": found.town.name if found.town else None,
        "department": department,
        "department_name": uow.departments.names().get(department, "人工分拨 / triage"),
        "confidence": found.classification.confidence,
        "explanation": found.explanation(),
        **found.view_fields(),
    }


def department_view(department: Department) -> dict[str, Any]:
    return {"code": department.code, "name": department.name, "kind": department.kind,
            "active": department.active, "topic": topics.dispatch(department.code)}


def departments(uow: RoutingUnitOfWork) -> dict[str, Any]:
    listed = [department_view(d) for d in uow.departments.directory()]
    return {"count": len(listed), "departments": listed}

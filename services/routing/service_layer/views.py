"""Read views for the dispatcher desk, the supervisor's triage list and the department directory (plain
dicts, ready for JSON). Handlers pass their unit of work; names come from routing's own tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.routing.domain.case import OPEN, Case, Status
from services.routing.domain.departments import Department
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


def _next_due(case: Case, now: datetime) -> int:
    running = [s for s in _clocks(case, now).values() if s is not None]
    return min(running) if running else 0


def case_summary(case: Case, now: datetime, names: Names) -> dict[str, Any]:
    pending = case.pending_extension
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
        "seconds_left": _clocks(case, now),
        "pending_extension": None if pending is None else {
            "working_days": pending.working_days, "reason": pending.reason,
            "requested_at": pending.requested_at, "requested_by": pending.requested_by},
    }


def case_view(uow: RoutingUnitOfWork, case: Case) -> dict[str, Any]:
    """What a command on a case answers: the case as it now stands."""
    return case_summary(case, uow.clock.now(), Names.of(uow))


def case_detail(uow: RoutingUnitOfWork, case: Case) -> dict[str, Any]:
    return {
        **case_view(uow, case),
        "confidence": case.confidence,
        "explanation": case.explanation,
        "triage_reason": case.triage_reason,
        "history": [{"action": h.action, "actor": h.actor, "at": h.at, "detail": h.detail} for h in case.history],
        "extensions": [{"id": e.id, "working_days": e.working_days, "reason": e.reason, "status": e.status.value,
                        "requested_at": e.requested_at, "requested_by": e.requested_by,
                        "decided_at": e.decided_at, "decided_by": e.decided_by} for e in case.extensions],
    }


def department_queue(uow: RoutingUnitOfWork, department: str, statuses: tuple[Status, ...] = OPEN
                     ) -> dict[str, Any]:
    """A department's cases, the one closest to a missed deadline first."""
    now, names = uow.clock.now(), Names.of(uow)
    cases = sorted(uow.cases.list(statuses=statuses, department=department), key=lambda c: _next_due(c, now))
    return {"department": department, "department_name": names.departments.get(department), "now": now,
            "count": len(cases), "cases": [case_summary(c, now, names) for c in cases]}


def triage_list(uow: RoutingUnitOfWork) -> dict[str, Any]:
    """Cases waiting for a person to route them, the earliest assignment deadline first."""
    now, names = uow.clock.now(), Names.of(uow)
    cases = sorted(uow.cases.list(statuses=(Status.triage,)), key=lambda c: c.assign_due)
    return {"now": now, "count": len(cases),
            "cases": [{**case_summary(c, now, names), "triage_reason": c.triage_reason, "confidence": c.confidence}
                      for c in cases]}


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
    }


def department_view(department: Department) -> dict[str, Any]:
    return {"code": department.code, "name": department.name, "kind": department.kind,
            "active": department.active, "topic": topics.dispatch(department.code)}


def departments(uow: RoutingUnitOfWork) -> dict[str, Any]:
    listed = [department_view(d) for d in uow.departments.directory()]
    return {"count": len(listed), "departments": listed}

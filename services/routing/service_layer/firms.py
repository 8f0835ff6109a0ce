"""Handlers of the register of reported firms (被举报企业, docs/firms.md), registered in handlers.py's
COMMAND_HANDLERS: register and edit a firm, link a case to one (or remove the link) and read a firm with its
history and the repeat rule (重复被举报, `repeat_rule` port: FIRM_REPEAT_THRESHOLD, FIRM_REPEAT_DAYS).

A link locks the case's row (one writer per case) and is the case's step: audited in its history and announced
(CaseFirmLinkedV1 / CaseFirmUnlinkedV1), so notify can raise a repeated firm on the problem list. A dispatcher of
another department finds no case (404), as everywhere on the desk.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from services.routing.adapters.firm_repository import LinkedCase
from services.routing.domain.case import Case
from services.routing.domain.errors import CaseNotFound
from services.routing.domain.firm_commands import (
    CaseFirm,
    EditFirm,
    FirmDetail,
    LinkCaseFirm,
    RegisterFirm,
    SearchFirms,
    UnlinkCaseFirm,
)
from services.routing.domain.firms import (
    STATUS_LABELS,
    Firm,
    FirmConflict,
    FirmNotFound,
    FirmRef,
    RepeatRule,
)
from services.routing.domain.investigations import FINDING_LABELS, Finding
from services.routing.service_layer.uow import RoutingUnitOfWork
from shared.contracts.codes import CATEGORY_NAMES, TOWNS

View = dict[str, Any]

STATUS_NAMES = {"triage": "待人工分拨", "assigned": "已交办", "accepted": "已签收", "replied": "已回复",
                "rejected": "不予受理", "forwarded": "已转办", "merged": "已并单"}


# --- commands -----------------------------------------------------------------------------------------------


def register_firm(command: RegisterFirm, uow: RoutingUnitOfWork, *, repeat_rule: RepeatRule) -> View:
    now = uow.clock.now()
    firm = Firm.register(id=str(uuid.uuid4()), name=command.name, credit_code=command.credit_code,
                         town=command.town, address=command.address, industry=command.industry,
                         permit_number=command.permit_number, status=command.status, by=command.actor, at=now)
    _unique(uow, firm.credit_code, firm.id)
    uow.firms.add(firm)
    uow.commit()
    return firm_view(firm, [], repeat_rule, now)


def edit_firm(command: EditFirm, uow: RoutingUnitOfWork, *, repeat_rule: RepeatRule) -> View:
    firm = _firm(uow, command.firm_id)
    now = uow.clock.now()
    firm.edit(command.changes, by=command.actor, at=now)
    _unique(uow, firm.credit_code, firm.id)
    uow.commit()
    return firm_view(firm, uow.firms.history(firm.id), repeat_rule, now)


def link_case(command: LinkCaseFirm, uow: RoutingUnitOfWork) -> View:
    case = _case(uow, command.complaint_id, command.acting_for, for_update=True)
    firm = _firm(uow, command.firm_id)
    case.link_firm(FirmRef.of(firm), by=command.actor, at=uow.clock.now())
    uow.commit()
    return case_firm_view(case, firm)


def unlink_case(command: UnlinkCaseFirm, uow: RoutingUnitOfWork) -> View:
    case = _case(uow, command.complaint_id, command.acting_for, for_update=True)
    case.link_firm(None, by=command.actor, at=uow.clock.now())
    uow.commit()
    return case_firm_view(case, None)


# --- queries ------------------------------------------------------------------------------------------------


def search_firms(query: SearchFirms, uow: RoutingUnitOfWork, *, repeat_rule: RepeatRule) -> View:
    now = uow.clock.now()
    linked = uow.firms.linked_since(repeat_rule.window_start(now))
    counts = {firm_id: repeat_rule.count(cases, now) for firm_id, cases in linked.items()}
    only = [firm_id for firm_id, n in counts.items() if n >= repeat_rule.threshold] if query.repeated_only else None
    firms, total = uow.firms.search(query.q.strip(), offset=query.offset, limit=query.limit, only=only)
    following = query.offset + len(firms)
    return {"total": total, "offset": query.offset, "limit": query.limit,
            "next_offset": following if following < total else None, "rule": rule_view(repeat_rule),
            "firms": [{**_firm_fields(f), "recent_cases": counts.get(f.id, 0),
                       "repeated": counts.get(f.id, 0) >= repeat_rule.threshold} for f in firms]}


def firm_detail(query: FirmDetail, uow: RoutingUnitOfWork, *, repeat_rule: RepeatRule) -> View:
    firm = _firm(uow, query.firm_id)
    return firm_view(firm, uow.firms.history(firm.id), repeat_rule, uow.clock.now())


def case_firm(query: CaseFirm, uow: RoutingUnitOfWork) -> View:
    case = _case(uow, query.complaint_id, query.acting_for, for_update=False)
    firm = uow.firms.get(case.firm_id) if case.firm_id else None
    return case_firm_view(case, firm)


# --- helpers and views --------------------------------------------------------------------------------------


def _firm(uow: RoutingUnitOfWork, firm_id: str) -> Firm:
    firm = uow.firms.get(firm_id)
    if firm is None:
        raise FirmNotFound(f"没有这个企业 / no such firm: {firm_id}")
    return firm


def _unique(uow: RoutingUnitOfWork, credit_code: str, firm_id: str) -> None:
    other = uow.firms.by_credit_code(credit_code)
    if other is not None and other != firm_id:
        raise FirmConflict(f"统一社会信用代码 {credit_code} 已登记 / a firm with this credit code is registered "
                           "already")


def _case(uow: RoutingUnitOfWork, complaint_id: str, acting_for: str | None, *, for_update: bool) -> Case:
    case = uow.cases.get(complaint_id, for_update=for_update)
    if case is None or (acting_for is not None and case.department != acting_for):
        raise CaseNotFound(f"没有这个案件 / no such case: {complaint_id}")
    return case


def rule_view(rule: RepeatRule) -> View:
    return {"threshold": rule.threshold, "days": rule.days}


def _firm_fields(firm: Firm) -> View:
    town = TOWNS.get(firm.town)
    return {"id": firm.id, "name": firm.name, "credit_code": firm.credit_code, "permit_number": firm.permit_number,
            "address": firm.address, "town": firm.town, "town_name": town.name if town else firm.town,
            "industry": firm.industry, "status": firm.status.value, "status_label": STATUS_LABELS[firm.status],
            "created_at": firm.created_at.isoformat(), "created_by": firm.created_by,
            "updated_at": firm.updated_at.isoformat(), "updated_by": firm.updated_by,
            "url": f"/api/v1/firms/{firm.id}"}


def _linked(case: LinkedCase, rule: RepeatRule, now: Any) -> View:
    finding = Finding(case.finding) if case.finding else None
    return {"complaint_id": case.complaint_id, "tracking_code": case.tracking_code,
            "received_at": case.received_at.isoformat(), "category": case.category,
            "category_name": CATEGORY_NAMES.get(case.category, case.category) if case.category else None,
            "subcategory": case.subcategory, "department": case.department, "status": case.status,
            "status_label": STATUS_NAMES.get(case.status, case.status),
            "finding": finding.value if finding else None,
            "finding_label": FINDING_LABELS[finding] if finding else None,
            "counted": rule.counted(case.received_at, case.status, now)}


def firm_view(firm: Firm, history: list[LinkedCase], rule: RepeatRule, now: Any) -> View:
    count = rule.count([(c.received_at, c.status) for c in history], now)
    repeated = count >= rule.threshold
    return {**_firm_fields(firm), "rule": rule_view(rule), "recent_cases": count, "repeated": repeated,
            "repeated_label": "重复被举报" if repeated else None, "reason": rule.reason(count),
            "window_from": rule.window_start(now).isoformat(), "cases_total": len(history),
            "cases": [_linked(c, rule, now) for c in history]}


def case_firm_view(case: Case, firm: Firm | None) -> View:
    return {"complaint_id": case.complaint_id, "tracking_code": case.tracking_code, "department": case.department,
            "firm": _firm_fields(firm) if firm is not None else None}


Handler = Callable[..., Any]

FIRM_HANDLERS: dict[type, Handler] = {
    RegisterFirm: register_firm,
    EditFirm: edit_firm,
    LinkCaseFirm: link_case,
    UnlinkCaseFirm: unlink_case,
    # queries
    SearchFirms: search_firms,
    FirmDetail: firm_detail,
    CaseFirm: case_firm,
}

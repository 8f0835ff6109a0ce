"""Handlers: plain functions `(message, uow, **ports)`. Each writes its rows and events in one commit.

The tables at the bottom (`EVENT_HANDLERS`, `COMMAND_HANDLERS`) are the whole map of what routing does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from services.routing.domain.case import SYSTEM, Case
from services.routing.domain.commands import (
    AcceptCase,
    AssignCase,
    DecideExtension,
    ReplyCase,
    RequestExtension,
    ReturnCase,
)
from services.routing.domain.deadlines import DeadlinePolicy, pick_limit
from services.routing.domain.errors import CaseNotFound, InvalidRequest
from services.routing.service_layer.analysis import analyse
from services.routing.service_layer.uow import RoutingUnitOfWork
from shared.auth import mask_phone
from shared.clock import SHANGHAI
from shared.contracts import topics
from shared.contracts.codes import is_known_type
from shared.contracts.events import (
    CaseAcceptedV1,
    CaseAssignedV1,
    CaseDispatchedV1,
    CaseRepliedV1,
    CaseReturnedV1,
    CaseTriagedV1,
    ComplaintReceivedV1,
    ExtensionDecidedV1,
    ExtensionRequestedV1,
)

MANUAL = "manual"  # the rule recorded when a supervisor routes by hand


# --- events ---------------------------------------------------------------------------------------


def route_complaint(event: ComplaintReceivedV1, uow: RoutingUnitOfWork, *, deadlines: DeadlinePolicy,
                    min_confidence: float) -> None:
    """A complaint arrived: classify it, then assign it to a department or send it to triage."""
    if uow.cases.get(event.complaint_id) is not None:
        return  # routed before: the same complaint delivered again under another event id
    now = uow.clock.now()
    received_at = event.received_at if event.received_at.tzinfo else event.received_at.replace(tzinfo=SHANGHAI)
    found = analyse(uow, event.content, address=event.address, town=event.town, category=event.category,
                    subcategory=event.subcategory, urgent=event.urgent, min_confidence=min_confidence)
    limit = pick_limit(uow.limits.all(), found.classification.category, found.urgency.urgent)
    case = Case(
        complaint_id=event.complaint_id, tracking_code=event.tracking_code, channel=event.channel,
        content=event.content, received_at=received_at, assign_due=deadlines.assign_due(received_at, limit),
        category=found.classification.category, subcategory=found.classification.subcategory,
        town=found.town.code if found.town else None, address=event.address, urgent=found.urgency.urgent,
        reporter_phone_masked=_masked(event.reporter_phone_masked),
        confidence=found.classification.confidence, explanation=found.explanation(),
    )
    decision = found.decision
    if decision.department is None or case.category is None:
        case.send_to_triage(reason=decision.reason, at=now)
        _publish_triaged(uow, case, now)
    else:
        _assign(uow, case, department=decision.department, category=case.category,
                subcategory=case.subcategory, rule=decision.rule.label if decision.rule else decision.reason,
                by=SYSTEM, at=now, deadlines=deadlines)
    uow.cases.add(case)
    uow.commit()


# --- commands -------------------------------------------------------------------------------------


def assign_case(command: AssignCase, uow: RoutingUnitOfWork, *, deadlines: DeadlinePolicy) -> Case:
    """人工分拨: a supervisor routes a triaged (or returned) case."""
    case = _load(uow, command.complaint_id, None)
    if command.department not in uow.departments.active():
        raise InvalidRequest(f"没有这个部门 / unknown or inactive department: {command.department}")
    category = command.category or case.category
    subcategory = command.subcategory if command.category else (command.subcategory or case.subcategory)
    if category is None:
        raise InvalidRequest("请选择问题类型 / choose the complaint type (category)")
    if not is_known_type(category, subcategory):
        raise InvalidRequest(f"未知的问题类型 / unknown type: {category}/{subcategory}")
    _assign(uow, case, department=command.department, category=category, subcategory=subcategory,
            rule=MANUAL, by=command.actor, at=uow.clock.now(), deadlines=deadlines)
    uow.cases.save(case)
    uow.commit()
    return case


def accept_case(command: AcceptCase, uow: RoutingUnitOfWork) -> Case:
    """签收"""
    case = _load(uow, command.complaint_id, command.acting_for)
    now = uow.clock.now()
    case.accept(by=command.actor, at=now)
    _publish_accepted(uow, case, command.actor, now)
    uow.cases.save(case)
    uow.commit()
    return case


def reply_case(command: ReplyCase, uow: RoutingUnitOfWork) -> Case:
    """回复 (implies 签收 when the case had not been signed for)."""
    case = _load(uow, command.complaint_id, command.acting_for)
    now = uow.clock.now()
    if case.reply(command.reply, by=command.actor, at=now):
        _publish_accepted(uow, case, command.actor, now)
    assert case.department is not None and case.reply_due is not None
    uow.publish(CaseRepliedV1(complaint_id=case.complaint_id, tracking_code=case.tracking_code,
                              department=case.department, reply=command.reply, replied_at=now,
                              reply_due=case.reply_due, reply_round=case.reply_round, by=command.actor))
    uow.cases.save(case)
    uow.commit()
    return case


def return_case(command: ReturnCase, uow: RoutingUnitOfWork, *, deadlines: DeadlinePolicy) -> Case:
    """退单: back to triage with a new assignment deadline; the misrouting rule is recorded."""
    case = _load(uow, command.complaint_id, command.acting_for)
    now = uow.clock.now()
    limit = pick_limit(uow.limits.all(), case.category, case.urgent)
    department, rule = case.return_case(command.reason, by=command.actor, at=now,
                                        assign_due=deadlines.assign_due(now, limit))
    uow.publish(CaseReturnedV1(complaint_id=case.complaint_id, department=department, reason=command.reason,
                               rule=rule, returned_at=now, by=command.actor))
    _publish_triaged(uow, case, now)
    uow.cases.save(case)
    uow.commit()
    return case


def request_extension(command: RequestExtension, uow: RoutingUnitOfWork, *, max_extension_days: int) -> Case:
    """延期申请"""
    case = _load(uow, command.complaint_id, command.acting_for)
    now = uow.clock.now()
    case.request_extension(command.working_days, command.reason, by=command.actor, at=now,
                           max_days=max_extension_days)
    uow.publish(ExtensionRequestedV1(complaint_id=case.complaint_id, department=case.department or "",
                                     working_days=command.working_days, reason=command.reason,
                                     requested_at=now, by=command.actor))
    uow.cases.save(case)
    uow.commit()
    return case


def decide_extension(command: DecideExtension, uow: RoutingUnitOfWork, *, deadlines: DeadlinePolicy) -> Case:
    """延期审批: approved moves the reply deadline by the working days asked."""
    case = _load(uow, command.complaint_id, None)
    now = uow.clock.now()
    pending = case.pending_extension
    moved = None
    if command.approve and pending is not None and case.reply_due is not None:
        moved = deadlines.extend(case.reply_due, pending.working_days)
    case.decide_extension(approved=command.approve, by=command.actor, at=now, moved_reply_due=moved)
    assert case.reply_due is not None
    uow.publish(ExtensionDecidedV1(complaint_id=case.complaint_id, department=case.department or "",
                                   approved=command.approve, reply_due=case.reply_due, decided_at=now,
                                   by=command.actor))
    uow.cases.save(case)
    uow.commit()
    return case


# --- helpers --------------------------------------------------------------------------------------


def _load(uow: RoutingUnitOfWork, complaint_id: str, acting_for: str | None) -> Case:
    case = uow.cases.get(complaint_id, for_update=True)
    if case is None or (acting_for is not None and case.department != acting_for):
        raise CaseNotFound(f"没有这个案件 / no such case: {complaint_id}")
    return case


def _masked(phone: str | None) -> str | None:
    """Intake sends it masked; mask again if it ever arrives in clear, so staff never see it."""
    return phone if not phone or "*" in phone else mask_phone(phone)


def _assign(uow: RoutingUnitOfWork, case: Case, *, department: str, category: str, subcategory: str | None,
            rule: str, by: str, at: datetime, deadlines: DeadlinePolicy) -> None:
    limit = pick_limit(uow.limits.all(), category, case.urgent)
    due = deadlines.after_assignment(at, limit)
    case.assign(department=department, category=category, subcategory=subcategory, rule=rule, by=by, at=at,
                deadlines=due)
    uow.publish(CaseAssignedV1(
        complaint_id=case.complaint_id, tracking_code=case.tracking_code, department=department, category=category,
        subcategory=subcategory, town=case.town, urgent=case.urgent, received_at=case.received_at,
        assign_due=case.assign_due, assigned_at=at, accept_due=due.accept_due, return_due=due.return_due,
        reply_due=due.reply_due, reply_round=case.reply_round, rule=rule, by=by))
    uow.publish(CaseDispatchedV1(
        complaint_id=case.complaint_id, tracking_code=case.tracking_code, department=department, category=category,
        subcategory=subcategory, town=case.town, address=case.address, content=case.content, urgent=case.urgent,
        reporter_phone_masked=case.reporter_phone_masked, assigned_at=at, accept_due=due.accept_due,
        reply_due=due.reply_due), topic=topics.dispatch(department))


def _publish_triaged(uow: RoutingUnitOfWork, case: Case, at: datetime) -> None:
    uow.publish(CaseTriagedV1(complaint_id=case.complaint_id, tracking_code=case.tracking_code,
                              received_at=case.received_at, assign_due=case.assign_due, category=case.category,
                              subcategory=case.subcategory, town=case.town, reason=case.triage_reason or "", at=at))


def _publish_accepted(uow: RoutingUnitOfWork, case: Case, by: str, at: datetime) -> None:
    uow.publish(CaseAcceptedV1(complaint_id=case.complaint_id, department=case.department or "",
                               accepted_at=at, by=by))


Handler = Callable[..., Any]

EVENT_HANDLERS: dict[type, list[Handler]] = {
    ComplaintReceivedV1: [route_complaint],
}

COMMAND_HANDLERS: dict[type, Handler] = {
    AssignCase: assign_case,
    AcceptCase: accept_case,
    ReplyCase: reply_case,
    ReturnCase: return_case,
    RequestExtension: request_extension,
    DecideExtension: decide_extension,
}

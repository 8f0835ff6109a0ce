"""Petition handlers (信访件), registered in handlers.py's COMMAND_HANDLERS: register a case as a petition,
each step of the regulations, the file, a step's document, and the list by nearest deadline.

Steps load the petition with its row locked, call the aggregate and commit (its events go out with the
rows); queries never commit. The case is read through `uow.cases` for its tracking code, received day,
masked phone and department (a dispatcher of that department may read the file).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

from services.routing.domain.case import Status
from services.routing.domain.errors import CaseNotFound
from services.routing.domain.petition_commands import (
    DecidePetitionAcceptance,
    ExtendPetition,
    PetitionDocumentOf,
    PetitionDue,
    PetitionFile,
    PetitionList,
    RegisterPetition,
    ReplyPetition,
    RequestPetitionRereview,
    RequestPetitionReview,
    RereviewPetition,
    ReviewPetition,
)
from services.routing.domain.petitions import (
    DUE_LABELS,
    SETS_LABELS,
    STATUS_LABELS,
    STEP_LABELS,
    TEMPLATES,
    Petition,
    PetitionDocument,
    PetitionExists,
    PetitionInvalid,
    PetitionNotFound,
    PetitionPolicy,
    PetitionStep,
    PetitionStepRefused,
    document,
    local_day,
    petition_number,
)
from services.routing.service_layer.uow import RoutingUnitOfWork
from services.routing.settings import RoutingSettings
from shared.auth import ANONYMOUS, mask_phone

View = dict[str, Any]
MAX_PAGE = 100
DOCUMENT_PATH = "/api/v1/cases/{complaint_id}/petition/documents/{step_id}.docx"


def policy_of(settings: RoutingSettings) -> PetitionPolicy:
    """The time limits from routing's settings (ROUTING_PETITION_*)."""
    return PetitionPolicy(
        accept_days=settings.routing_petition_accept_days, reply_days=settings.routing_petition_reply_days,
        max_extension_days=settings.routing_petition_max_extension_days,
        review_request_days=settings.routing_petition_review_request_days,
        review_days=settings.routing_petition_review_days,
        rereview_request_days=settings.routing_petition_rereview_request_days,
        rereview_days=settings.routing_petition_rereview_days, soon_days=settings.routing_petition_due_soon_days)


# --- commands -----------------------------------------------------------------------------------------------


def register_petition(command: RegisterPetition, uow: RoutingUnitOfWork, *, petition_policy: PetitionPolicy) -> View:
    """登记为信访件: one file per case, numbered in the year of registration."""
    case = uow.cases.get(command.complaint_id, for_update=True)  # two registrations of one case take turns
    if case is None:
        raise CaseNotFound(f"没有这个案件 / no such case: {command.complaint_id}")
    if uow.petitions.exists(case.complaint_id):
        raise PetitionExists(f"该案件已登记为信访件 / case {case.tracking_code} is a petition already")
    if case.status == Status.merged:
        raise PetitionStepRefused(f"该案件已并入 {case.merged_into}，请在主案件登记 / the case is merged into "
                                  "another: register the master case")
    now = uow.clock.now()
    seq = uow.petitions.next_seq(now.year)
    petition = Petition.register(
        complaint_id=case.complaint_id, tracking_code=case.tracking_code, number=petition_number(now.year, seq),
        petitioner_masked=_masked(case.reporter_phone_masked), received_on=command.received_on,
        note=command.note, by=command.actor, at=now, policy=petition_policy)
    uow.petitions.add(petition, year=now.year, seq=seq)
    uow.commit()
    return file_view(uow, petition, case.department)


def decide_acceptance(command: DecidePetitionAcceptance, uow: RoutingUnitOfWork, *,
                      petition_policy: PetitionPolicy) -> View:
    """受理 / 不予受理告知"""
    petition = _load(uow, command.complaint_id)
    petition.decide_acceptance(accepted=command.accepted, reason=command.reason, by=command.actor,
                               at=uow.clock.now(), policy=petition_policy)
    return _committed(uow, petition)


def extend_petition(command: ExtendPetition, uow: RoutingUnitOfWork, *, petition_policy: PetitionPolicy) -> View:
    """延期告知"""
    petition = _load(uow, command.complaint_id)
    petition.extend(days=command.days, reason=command.reason, by=command.actor, at=uow.clock.now(),
                    policy=petition_policy)
    return _committed(uow, petition)


def reply_petition(command: ReplyPetition, uow: RoutingUnitOfWork, *, petition_policy: PetitionPolicy) -> View:
    """处理意见书"""
    petition = _load(uow, command.complaint_id)
    petition.reply(command.text, by=command.actor, at=uow.clock.now(), policy=petition_policy)
    return _committed(uow, petition)


def request_review(command: RequestPetitionReview, uow: RoutingUnitOfWork, *,
                   petition_policy: PetitionPolicy) -> View:
    """复查请求 (within its window)"""
    petition = _load(uow, command.complaint_id)
    petition.request_review(command.text, by=command.actor, at=uow.clock.now(), policy=petition_policy)
    return _committed(uow, petition)


def review_petition(command: ReviewPetition, uow: RoutingUnitOfWork, *, petition_policy: PetitionPolicy) -> View:
    """复查意见书"""
    petition = _load(uow, command.complaint_id)
    petition.review(command.text, by=command.actor, at=uow.clock.now(), policy=petition_policy)
    return _committed(uow, petition)


def request_rereview(command: RequestPetitionRereview, uow: RoutingUnitOfWork, *,
                     petition_policy: PetitionPolicy) -> View:
    """复核请求 (within its window)"""
    petition = _load(uow, command.complaint_id)
    petition.request_rereview(command.text, by=command.actor, at=uow.clock.now(), policy=petition_policy)
    return _committed(uow, petition)


def rereview_petition(command: RereviewPetition, uow: RoutingUnitOfWork) -> View:
    """复核意见书: closed (终结)"""
    petition = _load(uow, command.complaint_id)
    petition.rereview(command.text, by=command.actor, at=uow.clock.now())
    return _committed(uow, petition)


# --- queries ------------------------------------------------------------------------------------------------


def petition_file(query: PetitionFile, uow: RoutingUnitOfWork) -> View:
    petition, department = _readable(uow, query.complaint_id, query.acting_for)
    return file_view(uow, petition, department)


def petition_document(query: PetitionDocumentOf, uow: RoutingUnitOfWork) -> PetitionDocument:
    petition, _department = _readable(uow, query.complaint_id, query.acting_for)
    return document(petition, petition.step(query.step_id))


def petition_list(query: PetitionList, uow: RoutingUnitOfWork, *, petition_policy: PetitionPolicy) -> View:
    if not 1 <= query.limit <= MAX_PAGE or not 0 <= query.offset:
        raise PetitionInvalid(f"limit 须在 1 到 {MAX_PAGE} 之间，offset 不能为负 / limit 1 to {MAX_PAGE}, offset ≥ 0")
    today = local_day(uow.clock.now())
    due_before = today if query.due == PetitionDue.overdue else None
    due_from = today if query.due == PetitionDue.soon else None
    due_until = today + timedelta(days=petition_policy.soon_days) if query.due == PetitionDue.soon else None
    found, total = uow.petitions.page(status=query.status, due_before=due_before, due_from=due_from,
                                      due_until=due_until, limit=query.limit, offset=query.offset)
    names = uow.departments.names()
    return {"total": total, "limit": query.limit, "offset": query.offset, "today": today.isoformat(),
            "petitions": [summary_view(p, department, names, today) for p, department in found]}


# --- views --------------------------------------------------------------------------------------------------


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def summary_view(petition: Petition, department: str | None, names: dict[str, str], today: date) -> View:
    next_due = petition.next_due
    return {
        "complaint_id": petition.complaint_id, "number": petition.number, "tracking_code": petition.tracking_code,
        "petitioner": petition.petitioner_masked, "status": petition.status.value,
        "status_label": STATUS_LABELS[petition.status], "department": department,
        "department_name": names.get(department or "", department), "received_on": _day(petition.received_on),
        "registered_at": petition.registered_at.isoformat(), "next_due": _day(next_due),
        "overdue": next_due is not None and today > next_due,
        "days_left": (next_due - today).days if next_due is not None else None,
        "window_until": _day(petition.window_until), "final": petition.final(today),
    }


def step_view(petition: Petition, step: PetitionStep) -> View:
    return {
        "id": step.seq, "step": step.kind.value, "label": STEP_LABELS[step.kind], "actor": step.actor,
        "at": step.at.isoformat(), "text": step.text, "days": step.days,
        "due": _day(step.due), "due_label": DUE_LABELS.get(step.kind) if step.due else None, "late": step.late,
        "sets_due": _day(step.sets_due), "sets_due_label": SETS_LABELS.get(step.kind) if step.sets_due else None,
        "document": {"title": TEMPLATES[step.kind].title,
                     "url": DOCUMENT_PATH.format(complaint_id=petition.complaint_id, step_id=step.seq)},
    }


def file_view(uow: RoutingUnitOfWork, petition: Petition, department: str | None) -> View:
    today = local_day(uow.clock.now())
    return {
        **summary_view(petition, department, uow.departments.names(), today),
        "note": petition.note, "registered_by": petition.registered_by,
        "deadlines": {"acceptance_due": _day(petition.acceptance_due), "reply_due": _day(petition.reply_due),
                      "review_due": _day(petition.review_due), "rereview_due": _day(petition.rereview_due)},
        "extension_days": petition.extension_days,
        "closed_at": petition.closed_at.isoformat() if petition.closed_at else None,
        "steps": [step_view(petition, step) for step in petition.steps],
        "next": [{key: (value.isoformat() if isinstance(value, date) else value)
                  for key, value in asdict(n).items()} for n in petition.next_steps(today)],
    }


# --- helpers ------------------------------------------------------------------------------------------------


def _load(uow: RoutingUnitOfWork, complaint_id: str) -> Petition:
    petition = uow.petitions.get(complaint_id, for_update=True)
    if petition is None:
        raise PetitionNotFound(f"该案件未登记为信访件 / case {complaint_id} is not a petition")
    return petition


def _committed(uow: RoutingUnitOfWork, petition: Petition) -> View:
    case = uow.cases.get(petition.complaint_id)  # (read before the commit: nothing to read after it)
    uow.commit()
    return file_view(uow, petition, case.department if case is not None else None)


def _readable(uow: RoutingUnitOfWork, complaint_id: str, acting_for: str | None) -> tuple[Petition, str | None]:
    """The petition and its case's department; a dispatcher of another department finds nothing (404)."""
    case = uow.cases.get(complaint_id)
    if case is None or (acting_for is not None and case.department != acting_for):
        raise PetitionNotFound(f"没有这个信访件 / no such petition: {complaint_id}")
    petition = uow.petitions.get(complaint_id)
    if petition is None:
        raise PetitionNotFound(f"该案件未登记为信访件 / case {complaint_id} is not a petition")
    return petition, case.department


def _masked(phone: str | None) -> str | None:
    """The case's masked phone (masked again if it ever came in clear), 匿名, or None: never a whole number."""
    return phone if not phone or "*" in phone or phone == ANONYMOUS else mask_phone(phone)


Handler = Callable[..., Any]

PETITION_HANDLERS: dict[type, Handler] = {
    RegisterPetition: register_petition,
    DecidePetitionAcceptance: decide_acceptance,
    ExtendPetition: extend_petition,
    ReplyPetition: reply_petition,
    RequestPetitionReview: request_review,
    ReviewPetition: review_petition,
    RequestPetitionRereview: request_rereview,
    RereviewPetition: rereview_petition,
    # queries
    PetitionFile: petition_file,
    PetitionDocumentOf: petition_document,
    PetitionList: petition_list,
}

"""Follow-ups a department owes the citizen once it has signed for a case (督办 clocks, docs/metrics.md):

- 首次联系: contact the citizen within the type's `contact_hours` working hours of signing (routing_time_limits;
  none for an anonymous report or one without a number: nobody to contact). `record_contact` (已联系群众) puts
  the contact on record: who (the signed-in user), when, how (phone | sms | onsite); no number or name is typed,
  kept or published.
- 现场核查: check on site within the type's `onsite_days` working days of signing; the investigation's on-site
  check (InvestigationCheckedV1, docs/investigations.md) stops that clock in notify.
- 阶段性进展: a long case (open longer than notify's PROGRESS_AFTER_WORKING_DAYS) must have a progress note every
  PROGRESS_EVERY_WORKING_DAYS; `note_progress` records one (the text in the case's history only).
- The upstream platform's deadlines (docs/upstream.md): kept on the case for the desk to show beside ours.

Routing computes the deadlines (its time limits and calendar) and carries them in CaseAcceptedV1; notify runs
the clocks (warnings, 督办).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from services.routing.domain.case import OPEN, Case, HistoryEntry, Status
from services.routing.domain.errors import IllegalTransition, InvalidRequest
from shared.auth import ANONYMOUS
from shared.contracts.events import CaseContactRecordedV1, CaseProgressNotedV1, UpstreamCaseLinkedV1


class ContactMethod(StrEnum):
    phone = "phone"  # 电话
    sms = "sms"  # 短信
    onsite = "onsite"  # 上门/现场



@dataclass(frozen=True)
class RecordContact:
    """已联系群众: the department contacted the citizen. `acting_for`: the dispatcher's department (None: a
    supervisor, any case)."""

    complaint_id: str
    method: ContactMethod
    contacted_at: datetime | None  # None: now
    actor: str
    acting_for: str | None


@dataclass(frozen=True)
class NoteProgress:
    """阶段性进展: what has been done so far and what comes next (2 to 500 characters)."""

    complaint_id: str
    note: str
    actor: str
    acting_for: str | None


def contactable(case: Case) -> bool:
    """Is there somebody to contact: a number was left (an anonymous report has none)."""
    phone = case.reporter_phone_masked
    return bool(phone) and phone != ANONYMOUS


def record_contact(case: Case, method: ContactMethod, *, contacted_at: datetime, by: str, at: datetime) -> None:
    """已联系群众: while the department holds the case (signed for or not), once or more; the first since signing
    is the one that stops the 首次联系 clock."""
    if case.status not in OPEN or case.department is None:
        raise IllegalTransition(f"案件状态为 {case.status.value}，不能登记联系群众 / cannot record a contact with the "
                                f"citizen on a case that is {case.status.value}")
    if contacted_at > at:
        raise ContactInFuture()
    if case.accepted_at is not None and case.contacted_at is None and contacted_at >= case.accepted_at:
        case.contacted_at = contacted_at
    case.history.append(HistoryEntry("contacted", by, at, {"department": case.department, "method": method.value,
                                                     "contacted_at": contacted_at.isoformat()}))
    case.record(CaseContactRecordedV1, department=case.department, method=method.value, contacted_at=contacted_at,
                at=at, by=by)


def note_progress(case: Case, note: str, *, by: str, at: datetime) -> None:
    """阶段性进展 while the department holds the case: the note in the history, the moment in the event."""
    if case.status not in OPEN or case.department is None:
        raise IllegalTransition(f"案件状态为 {case.status.value}，不能记录阶段性进展 / cannot note progress on a case "
                                f"that is {case.status.value}")
    case.history.append(HistoryEntry("progress_noted", by, at, {"department": case.department, "note": note}))
    case.record(CaseProgressNotedV1, department=case.department, noted_at=at, by=by)


def link_upstream(case: Case, event: UpstreamCaseLinkedV1) -> None:
    """The platform's case number and deadlines (again when the platform changes them)."""
    case.upstream_platform, case.upstream_case_no = event.platform, event.case_no
    case.upstream_sign_due, case.upstream_reply_due = event.sign_due, event.reply_due


def followups_view(case: Case) -> dict[str, Any]:
    """What the desk shows: the 督办 deadlines of the current signing (none once the case moved on: replied, returned,
    assigned anew) and the platform's beside ours."""
    signed = case.status is Status.accepted
    return {
        "contact_due": case.contact_due if signed else None,
        "contacted_at": case.contacted_at if signed else None,
        "contactable": contactable(case),
        "onsite_due": case.onsite_due if signed else None,
        "upstream": None if case.upstream_platform is None else {
            "platform": case.upstream_platform, "case_no": case.upstream_case_no,
            "sign_due": case.upstream_sign_due, "reply_due": case.upstream_reply_due,
            # the platform counts its own deadline: earlier than ours means hurry
            "reply_earlier": bool(case.upstream_reply_due and case.reply_due
                                  and case.upstream_reply_due < case.reply_due)},
    }


class ContactInFuture(InvalidRequest):
    def __init__(self) -> None:
        super().__init__("联系时间不能晚于现在 / the contact cannot be later than now")

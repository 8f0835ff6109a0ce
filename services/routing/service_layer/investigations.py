"""Investigation handlers (调查处理, docs/investigations.md), registered in handlers.py's COMMAND_HANDLERS: the
department that has the case records its on-site checks, finding, actions and re-checks, with photos kept in
the reply photos' file store; a supervisor signs it off (销号). `reply_refusal` is what the reply asks of it.

Commands lock the case's row (one writer per case, as for its other steps), call the aggregate and commit;
queries never commit. A dispatcher of another department finds nothing (404), as everywhere on the desk.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from services.routing.domain.case import Case, Status
from services.routing.domain.errors import CaseNotFound
from services.routing.domain.investigation_commands import (
    AddInvestigationPhoto,
    GetInvestigationPhoto,
    InvestigationFile,
    RecordAction,
    RecordCheck,
    RecordFinding,
    RecordRecheck,
    SignOff,
)
from services.routing.domain.investigations import (
    ACTION_LABELS,
    FINDING_LABELS,
    RESULT_LABELS,
    STAGE_LABELS,
    Check,
    EvidencePhoto,
    Investigation,
    InvestigationNotFound,
    InvestigationRefused,
    Reading,
    Recheck,
    Stage,
)
from services.routing.service_layer.uow import RoutingUnitOfWork
from shared.clock import SHANGHAI
from shared.errors import TooLarge, UnsupportedMedia
from shared.filestore import SNIFF_BYTES, is_image, sniff

View = dict[str, Any]
PHOTO_MAX_BYTES = 10 * 1024 * 1024  # as a reply photo
# A case is investigated while a department has it, and after its reply (the re-check often comes later).
RECORDABLE = (Status.assigned, Status.accepted, Status.replied)


class FileStore(Protocol):
    def put(self, data: bytes) -> str: ...

    def get(self, key: str) -> bytes: ...


# --- commands -----------------------------------------------------------------------------------------------


def add_photo(command: AddInvestigationPhoto, uow: RoutingUnitOfWork, *, photos: FileStore) -> View:
    """A JPEG, PNG or WebP (judged from its bytes) for a check or re-check. The bytes are stored first: a failed
    commit leaves an unreferenced file, never a row without its file."""
    case, investigation = _recording(uow, command.complaint_id, command.acting_for, command.actor)
    kind = sniff(command.data[:SNIFF_BYTES])
    if kind is None or not is_image(kind):
        raise UnsupportedMedia("只能上传 JPEG、PNG 或 WebP 照片 / only JPEG, PNG or WebP photos")
    if len(command.data) > PHOTO_MAX_BYTES:
        raise TooLarge(f"照片不能超过 {PHOTO_MAX_BYTES // (1024 * 1024)} MB / a photo may be at most "
                       f"{PHOTO_MAX_BYTES // (1024 * 1024)} MB")
    photo = EvidencePhoto(str(uuid.uuid4()), "", kind, len(command.data), hashlib.sha256(command.data).hexdigest(),
                          command.actor, uow.clock.now())
    investigation.add_photo(photo)
    photo.key = photos.put(command.data)
    uow.commit()
    return photo_view(case.complaint_id, photo)


def record_check(command: RecordCheck, uow: RoutingUnitOfWork) -> View:
    case, investigation = _recording(uow, command.complaint_id, command.acting_for, command.actor)
    investigation.check(checked_at=_aware(command.checked_at), by=command.by, location=command.location,
                        address_note=command.address_note, readings=list(command.readings),
                        photos=list(command.photos), note=command.note, received_at=case.received_at,
                        recorded_by=command.actor, now=uow.clock.now())
    uow.commit()
    return file_view(case, investigation)


def record_finding(command: RecordFinding, uow: RoutingUnitOfWork) -> View:
    case, investigation = _recording(uow, command.complaint_id, command.acting_for, command.actor)
    investigation.find(command.finding, note=command.note, by=command.actor, now=uow.clock.now())
    uow.commit()
    return file_view(case, investigation)


def record_action(command: RecordAction, uow: RoutingUnitOfWork) -> View:
    case, investigation = _recording(uow, command.complaint_id, command.acting_for, command.actor)
    investigation.act(command.kind, deadline=command.deadline, amount=command.amount,
                      case_number=command.case_number, body=command.body, note=command.note, by=command.actor,
                      now=uow.clock.now())
    uow.commit()
    return file_view(case, investigation)


def record_recheck(command: RecordRecheck, uow: RoutingUnitOfWork) -> View:
    case, investigation = _recording(uow, command.complaint_id, command.acting_for, command.actor)
    investigation.recheck(checked_at=_aware(command.checked_at), by=command.by, result=command.result,
                          photos=list(command.photos), readings=list(command.readings), note=command.note,
                          recorded_by=command.actor, now=uow.clock.now())
    uow.commit()
    return file_view(case, investigation)


def sign_off(command: SignOff, uow: RoutingUnitOfWork) -> View:
    """销号 (a supervisor: the role is the route's)."""
    case = uow.cases.get(command.complaint_id, for_update=True)
    if case is None:
        raise CaseNotFound(f"没有这个案件 / no such case: {command.complaint_id}")
    investigation = uow.investigations.get(case.complaint_id, for_update=True)
    if investigation is None:
        raise InvestigationRefused("该案件尚无调查记录，不能销号 / nothing is recorded for this case: it cannot be "
                                   "signed off")
    investigation.sign_off(note=command.note, by=command.actor, now=uow.clock.now())
    uow.commit()
    return file_view(case, investigation)


# --- queries ------------------------------------------------------------------------------------------------


def investigation_file(query: InvestigationFile, uow: RoutingUnitOfWork) -> View:
    """The file (an empty one when nothing is recorded yet: `started` false)."""
    case = _readable(uow, query.complaint_id, query.acting_for)
    return file_view(case, uow.investigations.get(case.complaint_id))


def get_photo(query: GetInvestigationPhoto, uow: RoutingUnitOfWork, *, photos: FileStore) -> tuple[str, bytes]:
    case = _readable(uow, query.complaint_id, query.acting_for)
    investigation = uow.investigations.get(case.complaint_id)
    photo = next((p for p in investigation.photos if p.id == query.photo_id), None) if investigation else None
    if photo is None:
        raise InvestigationNotFound(f"没有这张照片 / no such photo: {query.photo_id}")
    return photo.content_type, photos.get(photo.key)


# --- the reply and the case page ----------------------------------------------------------------------------


def reply_refusal(uow: RoutingUnitOfWork, case: Case, text: str) -> str | None:
    """Why this reply may not be sent because of the case's investigation (None: it may, as for every case with
    nothing recorded)."""
    investigation = uow.investigations.get(case.complaint_id)
    return investigation.reply_refusal(text) if investigation is not None else None


def brief(uow: RoutingUnitOfWork, complaint_id: str) -> View | None:
    """调查处理 in a line for the case page (None: nothing recorded); the file is at /cases/{id}/investigation."""
    investigation = uow.investigations.get(complaint_id)
    if investigation is None:
        return None
    finding = investigation.finding
    return {"stage": investigation.stage.value, "stage_label": STAGE_LABELS[investigation.stage],
            "finding": finding.value if finding else None,
            "finding_label": FINDING_LABELS[finding] if finding else None}


# --- helpers ------------------------------------------------------------------------------------------------


def _case(uow: RoutingUnitOfWork, complaint_id: str, acting_for: str | None, *, for_update: bool) -> Case:
    case = uow.cases.get(complaint_id, for_update=for_update)
    if case is None or (acting_for is not None and case.department != acting_for):
        raise CaseNotFound(f"没有这个案件 / no such case: {complaint_id}")
    return case


def _readable(uow: RoutingUnitOfWork, complaint_id: str, acting_for: str | None) -> Case:
    return _case(uow, complaint_id, acting_for, for_update=False)


def _recording(uow: RoutingUnitOfWork, complaint_id: str, acting_for: str | None,
               actor: str) -> tuple[Case, Investigation]:
    """The case (locked) and its investigation, opened by this first step when there is none yet."""
    case = _case(uow, complaint_id, acting_for, for_update=True)
    if case.status not in RECORDABLE or case.department is None:
        raise InvestigationRefused(f"案件状态为 {case.status.value}，不能记录调查处理 / a case that is "
                                   f"{case.status.value} is not investigated")
    investigation = uow.investigations.get(case.complaint_id, for_update=True)
    if investigation is None:
        investigation = Investigation.start(complaint_id=case.complaint_id, tracking_code=case.tracking_code,
                                            department=case.department, by=actor, at=uow.clock.now())
        uow.investigations.add(investigation)
    investigation.department = case.department  # after a transfer (改派) the new department carries on
    return case, investigation


def _aware(moment: Any) -> Any:
    """A time given without an offset is Chongqing's."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=SHANGHAI)


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def photo_view(complaint_id: str, photo: EvidencePhoto) -> View:
    return {"id": photo.id, "content_type": photo.content_type, "size": photo.size, "sha256": photo.sha256,
            "uploaded_by": photo.uploaded_by, "uploaded_at": photo.uploaded_at.isoformat(),
            "url": f"/api/v1/cases/{complaint_id}/investigation/photos/{photo.id}"}


def _readings(readings: list[Reading]) -> list[View]:
    return [{**r.plain(), "exceeded": r.exceeded} for r in readings]


def _check_view(check: Check) -> View:
    where = check.location
    return {"id": check.seq, "checked_at": check.checked_at.isoformat(), "by": check.by,
            "location": None if where is None else {"lat": where.lat, "lon": where.lon, "accuracy_m": where.accuracy_m},
            "address_note": check.address_note, "readings": _readings(check.readings), "photos": check.photos,
            "note": check.note, "recorded_by": check.recorded_by, "recorded_at": check.recorded_at.isoformat()}


def _recheck_view(recheck: Recheck) -> View:
    return {"id": recheck.seq, "checked_at": recheck.checked_at.isoformat(), "by": recheck.by,
            "result": recheck.result.value, "result_label": RESULT_LABELS[recheck.result],
            "readings": _readings(recheck.readings), "photos": recheck.photos, "note": recheck.note,
            "recorded_by": recheck.recorded_by, "recorded_at": recheck.recorded_at.isoformat()}


def file_view(case: Case, investigation: Investigation | None) -> View:
    head = {"complaint_id": case.complaint_id, "tracking_code": case.tracking_code, "department": case.department,
            "case_status": case.status.value, "recordable": case.status in RECORDABLE}
    if investigation is None:
        return {**head, "started": False, "stage": None, "stage_label": "未开始", "finding": None,
                "finding_label": None, "finding_note": None, "found_at": None, "found_by": None, "checks": [],
                "actions": [], "rechecks": [], "photos": [], "recheck_needed": False, "may_sign_off": False,
                "signed_off_at": None, "signed_off_by": None, "sign_off_note": None, "reply_draft": None}
    finding, stage = investigation.finding, investigation.stage
    return {
        **head, "started": True, "started_at": investigation.started_at.isoformat(),
        "started_by": investigation.started_by, "stage": stage.value, "stage_label": STAGE_LABELS[stage],
        "finding": finding.value if finding else None, "finding_label": FINDING_LABELS[finding] if finding else None,
        "finding_note": investigation.finding_note, "found_at": _iso(investigation.found_at),
        "found_by": investigation.found_by,
        "checks": [_check_view(c) for c in investigation.checks],
        "actions": [{"id": a.seq, "kind": a.kind.value, "kind_label": ACTION_LABELS[a.kind],
                     "deadline": a.deadline.isoformat() if a.deadline else None,
                     "amount_yuan": str(a.amount) if a.amount is not None else None, "case_number": a.case_number,
                     "body": a.body, "note": a.note, "recorded_by": a.recorded_by,
                     "recorded_at": a.recorded_at.isoformat()} for a in investigation.actions],
        "rechecks": [_recheck_view(r) for r in investigation.rechecks],
        "photos": [photo_view(case.complaint_id, p) for p in investigation.photos],
        "recheck_needed": investigation.recheck_needed(),
        "may_sign_off": stage == Stage.ready,
        "signed_off_at": _iso(investigation.signed_off_at), "signed_off_by": investigation.signed_off_by,
        "sign_off_note": investigation.sign_off_note, "reply_draft": investigation.reply_draft(),
    }


Handler = Callable[..., Any]

INVESTIGATION_HANDLERS: dict[type, Handler] = {
    AddInvestigationPhoto: add_photo,
    RecordCheck: record_check,
    RecordFinding: record_finding,
    RecordAction: record_action,
    RecordRecheck: record_recheck,
    SignOff: sign_off,
    # queries
    InvestigationFile: investigation_file,
    GetInvestigationPhoto: get_photo,
}

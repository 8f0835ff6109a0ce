"""The Investigation aggregate in and out of routing_investigations, its steps and its photos (held and
written at commit, like the other repositories). Steps and photos are only ever added: a write inserts those
not written before and updates the file's row."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from services.routing.adapters.investigation_tables import (
    RoutingInvestigation,
    RoutingInvestigationPhoto,
    RoutingInvestigationStep,
)
from services.routing.domain.investigations import (
    Action,
    ActionKind,
    Check,
    EvidencePhoto,
    Finding,
    Investigation,
    Location,
    Reading,
    Recheck,
    RecheckResult,
)
from shared.repository import Repository, Track

_PLAIN = ("complaint_id", "tracking_code", "department", "started_at", "started_by", "finding_note", "found_at",
          "found_by", "signed_off_at", "signed_off_by", "sign_off_note")
_PHOTO = ("id", "key", "content_type", "size", "sha256", "uploaded_by", "uploaded_at")

Step = Check | Action | Recheck


class InvestigationRepository(Repository[Investigation]):
    def __init__(self, session: Session, track: Track) -> None:
        super().__init__(session, track)

    def add(self, investigation: Investigation) -> None:
        self._hold(investigation.complaint_id, investigation, new=True)

    def get(self, complaint_id: str, *, for_update: bool = False) -> Investigation | None:
        """The case's investigation with its steps and photos; `for_update` locks its row until commit."""
        if (held := self.held(complaint_id)) is not None:
            return held
        query = select(RoutingInvestigation).where(col(RoutingInvestigation.complaint_id) == complaint_id)
        if for_update:
            query = query.with_for_update()
        row = self.session.scalars(query).one_or_none()
        if row is None:
            return None
        investigation = Investigation(finding=Finding(row.finding) if row.finding else None,
                                      **{name: getattr(row, name) for name in _PLAIN})
        steps = self.session.scalars(select(RoutingInvestigationStep)
                                     .where(col(RoutingInvestigationStep.complaint_id) == complaint_id)
                                     .order_by(col(RoutingInvestigationStep.kind), col(RoutingInvestigationStep.seq)))
        for step in steps:
            if step.kind == "check":
                investigation.checks.append(_check(step))
            elif step.kind == "action":
                investigation.actions.append(_action(step))
            else:
                investigation.rechecks.append(_recheck(step))
        photos = self.session.scalars(select(RoutingInvestigationPhoto)
                                      .where(col(RoutingInvestigationPhoto.complaint_id) == complaint_id)
                                      .order_by(col(RoutingInvestigationPhoto.uploaded_at),
                                                col(RoutingInvestigationPhoto.id)))
        investigation.photos = [EvidencePhoto(**{name: getattr(p, name) for name in _PHOTO}) for p in photos]
        return self._hold(complaint_id, investigation, new=False)

    def _write(self, investigation: Investigation, before: Investigation | None) -> None:
        columns: dict[str, Any] = {name: getattr(investigation, name) for name in _PLAIN}
        columns["finding"] = investigation.finding.value if investigation.finding else None
        if before is None:
            self.session.add(RoutingInvestigation(**columns))
            self.session.flush()  # the file exists before its steps and photos point at it
        else:
            row = self.session.get_one(RoutingInvestigation, investigation.complaint_id)
            for name, value in columns.items():
                setattr(row, name, value)
        for kind, steps, written in (
                ("check", investigation.checks, len(before.checks) if before else 0),
                ("action", investigation.actions, len(before.actions) if before else 0),
                ("recheck", investigation.rechecks, len(before.rechecks) if before else 0)):
            self.session.add_all([RoutingInvestigationStep(complaint_id=investigation.complaint_id, kind=kind,
                                                           seq=step.seq, recorded_by=step.recorded_by,
                                                           recorded_at=step.recorded_at, data=_data(step))
                                  for step in steps[written:]])
        known = {p.id for p in before.photos} if before else set()
        self.session.add_all([RoutingInvestigationPhoto(complaint_id=investigation.complaint_id,
                                                        **{name: getattr(p, name) for name in _PHOTO})
                              for p in investigation.photos if p.id not in known])
        self.session.flush()


# --- a step's values as JSON, and back -------------------------------------------------------------------------


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _readings(data: dict[str, Any]) -> list[Reading]:
    return [Reading(r["parameter"], float(r["value"]), r["unit"], None if r.get("limit") is None else float(r["limit"]))
            for r in data.get("readings", [])]


def _data(step: Step) -> dict[str, Any]:
    if isinstance(step, Check):
        where = step.location
        return {"checked_at": step.checked_at.isoformat(), "by": step.by, "address_note": step.address_note,
                "location": None if where is None else {"lat": where.lat, "lon": where.lon,
                                                        "accuracy_m": where.accuracy_m},
                "readings": [r.plain() for r in step.readings], "photos": step.photos, "note": step.note}
    if isinstance(step, Action):
        return {"kind": step.kind.value, "deadline": step.deadline.isoformat() if step.deadline else None,
                "amount": str(step.amount) if step.amount is not None else None, "case_number": step.case_number,
                "body": step.body, "note": step.note}
    return {"checked_at": step.checked_at.isoformat(), "by": step.by, "result": step.result.value,
            "photos": step.photos, "readings": [r.plain() for r in step.readings], "note": step.note}


def _check(row: RoutingInvestigationStep) -> Check:
    data, where = row.data, row.data.get("location")
    location = None if where is None else Location(where["lat"], where["lon"], where.get("accuracy_m"))
    return Check(row.seq, _moment(data["checked_at"]), data["by"], location, data.get("address_note"),
                 _readings(data), list(data.get("photos", [])), data.get("note"), row.recorded_by, row.recorded_at)


def _action(row: RoutingInvestigationStep) -> Action:
    data = row.data
    return Action(row.seq, ActionKind(data["kind"]), row.recorded_by, row.recorded_at,
                  deadline=date.fromisoformat(data["deadline"]) if data.get("deadline") else None,
                  amount=Decimal(data["amount"]) if data.get("amount") is not None else None,
                  case_number=data.get("case_number"), body=data.get("body"), note=data.get("note"))


def _recheck(row: RoutingInvestigationStep) -> Recheck:
    data = row.data
    return Recheck(row.seq, _moment(data["checked_at"]), data["by"], RecheckResult(data["result"]),
                   list(data.get("photos", [])), _readings(data), data.get("note"), row.recorded_by, row.recorded_at)

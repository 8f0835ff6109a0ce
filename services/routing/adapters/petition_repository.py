"""The Petition aggregate in and out of routing_petitions and routing_petition_steps. Like CaseRepository it
derives from `shared.repository.Repository`: what it loads or adds is held (its recorded events go out at
commit), and the unit of work has it write what changed."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import case as sql_case
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from sqlmodel import col

from services.routing.adapters.petition_tables import RoutingPetition, RoutingPetitionStep
from services.routing.adapters.tables import RoutingCase
from services.routing.domain.petitions import Petition, PetitionStatus, PetitionStep, Step
from shared.repository import Repository, Track

# Petition fields stored in a column of the same name (status and steps are mapped by hand).
_PLAIN = ("complaint_id", "tracking_code", "number", "petitioner_masked", "received_on", "registered_at",
          "registered_by", "acceptance_due", "note", "reply_due", "extension_days", "review_due", "rereview_due",
          "window_until", "closed_at")

Listed = list[tuple[Petition, str | None]]  # (petition without its steps, the case's department)


class PetitionRepository(Repository[Petition]):
    def __init__(self, session: Session, track: Track) -> None:
        super().__init__(session, track)
        self._numbers: dict[str, tuple[int, int]] = {}  # a new petition's (year, seq), until it is written

    def add(self, petition: Petition, *, year: int, seq: int) -> None:
        """A new petition, numbered `seq` of `year` (its `number` says the same: see `next_seq`)."""
        self._numbers[petition.complaint_id] = (year, seq)
        self._hold(petition.complaint_id, petition, new=True)

    def get(self, complaint_id: str, *, for_update: bool = False) -> Petition | None:
        """The petition with its steps; `for_update` locks its row until commit (steps take turns)."""
        if (held := self.held(complaint_id)) is not None:
            return held
        query = select(RoutingPetition).where(col(RoutingPetition.complaint_id) == complaint_id)
        if for_update:
            query = query.with_for_update()
        row = self.session.scalars(query).one_or_none()
        if row is None:
            return None
        petition = self._petition(row)
        steps = self.session.scalars(select(RoutingPetitionStep)
                                     .where(col(RoutingPetitionStep.complaint_id) == complaint_id)
                                     .order_by(col(RoutingPetitionStep.seq)))
        petition.steps = [PetitionStep(s.seq, Step(s.kind), s.actor, s.at, s.text, s.days, s.due, s.late, s.sets_due)
                          for s in steps]
        return self._hold(complaint_id, petition, new=False)

    def exists(self, complaint_id: str) -> bool:
        return self.session.get(RoutingPetition, complaint_id) is not None

    def next_seq(self, year: int) -> int:
        """The next number of `year` (合环信〔year〕N号). Registrations take turns: on PostgreSQL under a
        transaction lock (SQLite serialises writers itself), so no two get the same number."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(text("SELECT pg_advisory_xact_lock(hashtext('routing_petitions'))"))
        highest = self.session.scalar(select(func.max(col(RoutingPetition.seq)))
                                      .where(col(RoutingPetition.year) == year))
        return int(highest or 0) + 1

    def page(self, *, status: PetitionStatus | None, due_before: date | None = None, due_from: date | None = None,
             due_until: date | None = None, limit: int, offset: int) -> tuple[Listed, int]:
        """A page of petitions, the bureau's nearest deadline first (none last), and how many there are.
        `due_before` (<), `due_from` (>=) and `due_until` (<=) bound that deadline. Read only, not held."""
        next_due = col(RoutingPetition.next_due)
        where: list[Any] = []
        if status is not None:
            where.append(col(RoutingPetition.status) == status.value)
        if due_before is not None:
            where.append(next_due < due_before)
        if due_from is not None:
            where.append(next_due >= due_from)
        if due_until is not None:
            where.append(next_due <= due_until)
        total = self.session.scalar(select(func.count()).select_from(RoutingPetition).where(*where)) or 0
        rows = self.session.execute(
            select(RoutingPetition, col(RoutingCase.department))
            .join(RoutingCase, col(RoutingCase.complaint_id) == col(RoutingPetition.complaint_id))
            .where(*where)
            .order_by(sql_case((next_due.is_(None), 1), else_=0), next_due, col(RoutingPetition.received_on),
                      col(RoutingPetition.complaint_id))
            .offset(offset).limit(limit))
        return [(self._petition(row), department) for row, department in rows], total

    # --- mapping --------------------------------------------------------------------------------------------

    @staticmethod
    def _petition(row: RoutingPetition) -> Petition:
        return Petition(status=PetitionStatus(row.status), **{name: getattr(row, name) for name in _PLAIN})

    def _write(self, petition: Petition, before: Petition | None) -> None:
        columns = {name: getattr(petition, name) for name in _PLAIN}
        columns |= {"status": petition.status.value, "next_due": petition.next_due}
        if before is None:
            year, seq = self._numbers.pop(petition.complaint_id)
            self.session.add(RoutingPetition(year=year, seq=seq, **columns))
            self.session.flush()  # the file exists before its steps point at it
        else:
            row = self.session.get_one(RoutingPetition, petition.complaint_id)
            for name, value in columns.items():
                setattr(row, name, value)
        written = {step.seq for step in before.steps} if before is not None else set()
        self.session.add_all([RoutingPetitionStep(complaint_id=petition.complaint_id, seq=step.seq,
                                                  kind=step.kind.value, actor=step.actor, at=step.at, text=step.text,
                                                  days=step.days, due=step.due, late=step.late,
                                                  sets_due=step.sets_due)
                              for step in petition.steps if step.seq not in written])
        self.session.flush()

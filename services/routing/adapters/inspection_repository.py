"""The Inspection aggregate in and out of routing_inspections and routing_inspection_updates (held and written
at commit, like the other repositories), and the published batches (plain rows: a switch, not an aggregate)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from services.routing.adapters.inspection_tables import (
    RoutingInspection,
    RoutingInspectionBatch,
    RoutingInspectionUpdate,
)
from services.routing.adapters.tables import RoutingCase
from services.routing.domain.inspections import Finding, Inspection, InspectionKind, InspectionUpdate, Progress
from shared.repository import Repository, Track

# Inspection fields stored in a column of the same name (the enums and the updates are mapped by hand).
_PLAIN = ("complaint_id", "tracking_code", "round_name", "batch", "number", "key_case", "received_on", "report_due",
          "registered_at", "registered_by", "investigation", "measures", "penalty_cases", "interviews",
          "interviewed", "accountability", "accountable", "updated_at", "updated_by")

# (inspection without its updates, the case's content, town, category) for the lists and the public table
Listed = list[tuple[Inspection, str, str | None, str | None]]




@dataclass(frozen=True)
class BatchCounts:
    """A batch of a round: its cases, 重点件, 已办结, 逾期 (still 办理中 after the report was due) and whether
    it is published."""

    round_name: str
    batch: int
    cases: int
    key_cases: int
    done: int
    overdue: int
    published: bool


class InspectionRepository(Repository[Inspection]):
    def __init__(self, session: Session, track: Track) -> None:
        super().__init__(session, track)

    def add(self, inspection: Inspection) -> None:
        self._hold(inspection.complaint_id, inspection, new=True)

    def get(self, complaint_id: str, *, for_update: bool = False) -> Inspection | None:
        """The inspection case with its updates; `for_update` locks its row until commit."""
        if (held := self.held(complaint_id)) is not None:
            return held
        query = select(RoutingInspection).where(col(RoutingInspection.complaint_id) == complaint_id)
        if for_update:
            query = query.with_for_update()
        row = self.session.scalars(query).one_or_none()
        if row is None:
            return None
        inspection = self._inspection(row)
        rows = self.session.scalars(select(RoutingInspectionUpdate)
                                    .where(col(RoutingInspectionUpdate.complaint_id) == complaint_id)
                                    .order_by(col(RoutingInspectionUpdate.seq)))
        inspection.updates = [InspectionUpdate(u.seq, u.actor, u.at, dict(u.changes)) for u in rows]
        return self._hold(complaint_id, inspection, new=False)

    def exists(self, complaint_id: str) -> bool:
        return self.session.get(RoutingInspection, complaint_id) is not None

    def number_taken(self, number: str) -> bool:
        return self.session.scalar(select(func.count()).select_from(RoutingInspection)
                                   .where(col(RoutingInspection.number) == number)) != 0

    def page(self, *, batch: int | None, key_case: bool | None, round_name: str | None, limit: int,
             offset: int) -> tuple[Listed, int]:
        """A page by round, batch and 交办编号, and how many there are. Read only, not held."""
        where = self._where(batch=batch, key_case=key_case, round_name=round_name)
        total = self.session.scalar(select(func.count()).select_from(RoutingInspection).where(*where)) or 0
        return self._listed(where, limit=limit, offset=offset), total

    def published(self, *, batch: int | None, round_name: str | None) -> Listed:
        """Every case of the published batches (of `batch` and `round_name` when given), in table order."""
        published = select(RoutingInspectionBatch).where(
            col(RoutingInspectionBatch.round_name) == col(RoutingInspection.round_name),
            col(RoutingInspectionBatch.batch) == col(RoutingInspection.batch),
            col(RoutingInspectionBatch.published).is_(True)).exists()
        where = [*self._where(batch=batch, key_case=None, round_name=round_name), published]
        return self._listed(where, limit=None, offset=0)

    def batch_size(self, round_name: str, batch: int) -> int:
        return self.session.scalar(select(func.count()).select_from(RoutingInspection).where(
            col(RoutingInspection.round_name) == round_name, col(RoutingInspection.batch) == batch)) or 0

    def set_published(self, round_name: str, batch: int, published: bool, *, by: str, at: datetime) -> None:
        row = self.session.get(RoutingInspectionBatch, (round_name, batch))
        if row is None:
            self.session.add(RoutingInspectionBatch(round_name=round_name, batch=batch, published=published,
                                                    changed_at=at, changed_by=by))
        else:
            row.published, row.changed_at, row.changed_by = published, at, by

    def batches(self, today: date) -> list[BatchCounts]:
        """Every (round, batch) that has cases, by round then batch, counted in the database. Read only."""
        case_ = RoutingInspection
        row = RoutingInspectionBatch

        def count(condition: Any) -> Any:
            return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

        query = (select(col(case_.round_name), col(case_.batch), func.count(),
                        count(col(case_.key_case).is_(True)),
                        count(col(case_.progress) == Progress.done.value),
                        count(and_(col(case_.progress) == Progress.in_progress.value, col(case_.report_due) < today)),
                        func.max(case((col(row.published).is_(True), 1), else_=0)))
                 .outerjoin(row, and_(col(row.round_name) == col(case_.round_name),
                                      col(row.batch) == col(case_.batch)))
                 .group_by(col(case_.round_name), col(case_.batch))
                 .order_by(col(case_.round_name), col(case_.batch)))
        return [BatchCounts(round_name, batch, cases, int(key), int(done), int(overdue), bool(published))
                for round_name, batch, cases, key, done, overdue, published in self.session.execute(query)]

    def is_published(self, round_name: str, batch: int) -> bool:
        row = self.session.get(RoutingInspectionBatch, (round_name, batch))
        return row is not None and row.published

    # --- mapping --------------------------------------------------------------------------------------------

    @staticmethod
    def _where(*, batch: int | None, key_case: bool | None, round_name: str | None) -> list[Any]:
        where: list[Any] = []
        if batch is not None:
            where.append(col(RoutingInspection.batch) == batch)
        if key_case is not None:
            where.append(col(RoutingInspection.key_case).is_(key_case))
        if round_name is not None:
            where.append(col(RoutingInspection.round_name) == round_name)
        return where

    def _listed(self, where: list[Any], *, limit: int | None, offset: int) -> Listed:
        query = (select(RoutingInspection, col(RoutingCase.content), col(RoutingCase.town),
                        col(RoutingCase.category))
                 .join(RoutingCase, col(RoutingCase.complaint_id) == col(RoutingInspection.complaint_id))
                 .where(*where)
                 .order_by(col(RoutingInspection.round_name), col(RoutingInspection.batch),
                           col(RoutingInspection.number))
                 .offset(offset))
        if limit is not None:
            query = query.limit(limit)
        return [(self._inspection(row), content, town, category)
                for row, content, town, category in self.session.execute(query)]

    @staticmethod
    def _inspection(row: RoutingInspection) -> Inspection:
        return Inspection(kind=InspectionKind(row.kind), finding=Finding(row.finding) if row.finding else None,
                          progress=Progress(row.progress), fine_yuan=Decimal(row.fine_yuan).quantize(Decimal("0.01")),
                          **{name: getattr(row, name) for name in _PLAIN})

    def _write(self, inspection: Inspection, before: Inspection | None) -> None:
        columns = {name: getattr(inspection, name) for name in _PLAIN}
        columns |= {"kind": inspection.kind.value, "finding": inspection.finding.value if inspection.finding else None,
                    "progress": inspection.progress.value, "fine_yuan": inspection.fine_yuan}
        if before is None:
            self.session.add(RoutingInspection(**columns))
            self.session.flush()  # the case exists before its updates point at it
        else:
            row = self.session.get_one(RoutingInspection, inspection.complaint_id)
            for name, value in columns.items():
                setattr(row, name, value)
        written = {u.seq for u in before.updates} if before is not None else set()
        self.session.add_all([RoutingInspectionUpdate(complaint_id=inspection.complaint_id, seq=u.seq, actor=u.actor,
                                                      at=u.at, changes=u.changes)
                              for u in inspection.updates if u.seq not in written])
        self.session.flush()

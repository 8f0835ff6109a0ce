"""The read side's queries: records for the three targets, the alerts, and the cases whose clocks run
(the dashboard's overdue and due-soon lists). Read only, never commit.

The targets report and the cases behind a figure are counted and paged by the database
(`figures_counts`, `figure_page`): the same rules as `domain.metrics` judges records by, written as SQL,
so a year of a million cases is not half a million records in Python; the counts themselves come from per-day
sums of the closed facts kept by triggers (notify_figure_days, adapters/figure_days.py), the open cases and
rounds counted live, equal to one aggregate per figure over every row (`scanned_counts`).
`tests/test_volume.py` holds the two to the same answers over seeded cases, the tests of tests/notify
over hand-made ones.

Each figure reads one table: what it needs of the case (its status, type, town, channel, deadline) is
copied onto the case's, round's or rating's row whenever it changes (adapters/repository.py), so a late
event or a reopening corrects it, and a figure is one scan of a covering index (tables.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col, select

from services.notify.adapters import figure_days
from services.notify.adapters.tables import AlertRow, CaseRow, ClockRow, RatingRow, ReplyRoundRow
from services.notify.domain.case import WAITING_ON_DEPARTMENT, SlaCase
from services.notify.domain.clocks import CLOSED, NOT_COUNTED, CaseStatus, ClockName, ClockState, Level
from services.notify.domain.metrics import (
    RESOLUTIONS,
    RESOLVED,
    SATISFIED,
    AssignmentRecord,
    Period,
    RatingRecord,
    Record,
    ReplyRecord,
)


def _within(column: Any, period: Period) -> sa.ColumnElement[bool]:
    return sa.and_(column >= period.start, column < period.end)


def _counted(case: type[CaseRow]) -> sa.ColumnElement[bool]:
    """Not rejected (不予受理) and not merged into a master (并单): what the targets count (DESIGN.md)."""
    return col(case.status).not_in(NOT_COUNTED)


@dataclass(frozen=True)
class _Figure:
    """One figure as SQL: the rows it looks at, which of them met it and which missed, what it groups by, and
    the columns a page of its cases shows."""

    source: Any  # the FROM clause (joins included)
    where: tuple[sa.ColumnElement[bool], ...]
    met: sa.ColumnElement[bool]
    missed: sa.ColumnElement[bool]
    keys: dict[str, Any]  # group_by → the column
    due: Any  # the deadline judged (NULL for a rating)
    done: Any  # assigned, replied or rated at
    columns: tuple[Any, ...]  # what a page reads, in `record`'s order
    order: tuple[Any, ...]  # the last tie-breakers
    only: tuple[sa.ColumnElement[bool], ...] = ()  # of the rows `where` reads, those this figure looks at

    @property
    def rows(self) -> tuple[sa.ColumnElement[bool], ...]:
        """The rows it looks at: `where`, then `only`."""
        return self.where + self.only


def _keys(case: Any, department: Any) -> dict[str, Any]:
    return {"department": department, "type": case.category, "category": case.category, "town": case.town,
            "channel": case.channel}


def _assignment_figure(period: Period, now: datetime) -> _Figure:
    c = CaseRow  # the assign clock's deadline and round 1's department are kept on the row
    # a returned case waiting to be routed again stays with the department it was assigned to
    department = sa.func.coalesce(col(c.department), col(c.first_department))
    assigned, due = col(c.assigned_at), col(c.assign_due)
    return _Figure(
        c.__table__, (_within(col(c.received_at), period), _counted(c)),  # type: ignore[attr-defined]
        met=sa.and_(assigned.is_not(None), sa.or_(due.is_(None), assigned <= due)),
        missed=sa.or_(sa.and_(assigned.is_not(None), due.is_not(None), assigned > due),
                      sa.and_(assigned.is_(None), due.is_not(None), due < now)),
        keys=_keys(c, department), due=due, done=assigned,
        columns=(c.complaint_id, c.received_at, due, assigned, department, c.category, c.town, c.channel,
                 c.tracking_code),
        order=(col(c.complaint_id),))


def _reply_figure(period: Period, now: datetime) -> _Figure:
    r = ReplyRoundRow  # what it needs of its case is copied on the round (CaseRepository)
    replied, due = col(r.replied_at), col(r.reply_due)
    return _Figure(
        r.__table__, (sa.or_(_within(due, period), _within(replied, period)),  # type: ignore[attr-defined]
                     col(r.counted) == sa.true()),
        met=sa.and_(replied.is_not(None), replied <= due),
        missed=sa.or_(sa.and_(replied.is_not(None), replied > due),
                      sa.and_(replied.is_(None), due < now, sa.not_(col(r.rerouting)))),
        keys=_keys(r, col(r.department)), due=due, done=replied,
        columns=(r.complaint_id, r.reply_round, due, replied, r.department, r.category, r.town, r.channel,
                 r.tracking_code, r.rerouting),
        order=(col(r.complaint_id), col(r.reply_round)))


def _rating_figure(period: Period, name: str = "satisfaction_rate") -> _Figure:
    """满意度, and beside it 解决率 (rounds whose rating has a resolution) and 审核后满意度 (without the
    unsatisfied ratings marked unreasonable): the same rows, other verdicts (docs/metrics.md)."""
    g = RatingRow  # the case's and its round's inputs are copied on the rating (CaseRepository)
    where: tuple[sa.ColumnElement[bool], ...] = (_within(col(g.rated_at), period), col(g.counted) == sa.true())
    only: tuple[sa.ColumnElement[bool], ...] = ()  # the three read the same rows: one scan (`figures_counts`)
    satisfied = col(g.rating).in_(sorted(SATISFIED))
    met: sa.ColumnElement[bool] = satisfied
    missed: sa.ColumnElement[bool] = sa.not_(satisfied)
    if name == "resolution_rate":
        resolved = col(g.resolution) == RESOLVED
        met, missed = resolved, sa.and_(col(g.resolution).in_(RESOLUTIONS), sa.not_(resolved))
        only = (col(g.resolution).in_(RESOLUTIONS),)
    elif name == "reviewed_satisfaction_rate":
        only = (sa.or_(satisfied, sa.not_(col(g.unreasonable))),)
    return _Figure(
        g.__table__, where,  # type: ignore[attr-defined]
        met=met, missed=missed, keys=_keys(g, col(g.department)), due=sa.null(),
        done=col(g.rated_at),
        columns=(g.complaint_id, g.reply_round, g.rating, g.rated_at, g.department, g.category, g.town, g.channel,
                 sa.func.coalesce(col(g.tracking_code), col(g.case_tracking_code)), g.resolution, g.unreasonable),
        order=(col(g.complaint_id), col(g.reply_round)), only=only)


def _figure(name: str, period: Period, now: datetime) -> _Figure:
    if name == "assignment_rate":
        return _assignment_figure(period, now)
    if name == "on_time_reply_rate":
        return _reply_figure(period, now)
    return _rating_figure(period, name)


def _record(name: str, row: Any) -> Record:
    if name == "assignment_rate":
        cid, received, due, assigned, department, category, town, channel, code = row
        return AssignmentRecord(complaint_id=cid, received_at=received, assign_due=due, assigned_at=assigned,
                                department=department, category=category, town=town, channel=channel,
                                tracking_code=code)
    if name == "on_time_reply_rate":
        cid, reply_round, due, replied, department, category, town, channel, code, rerouting = row
        return ReplyRecord(complaint_id=cid, reply_round=reply_round, reply_due=due, replied_at=replied,
                           department=department, category=category, town=town, channel=channel, tracking_code=code,
                           rerouting=bool(rerouting))
    cid, reply_round, rating, rated, department, category, town, channel, code, resolution, unreasonable = row
    return RatingRecord(complaint_id=cid, reply_round=reply_round, rating=rating, rated_at=rated,
                        department=department, category=category, town=town, channel=channel, tracking_code=code,
                        resolution=resolution, unreasonable=bool(unreasonable))


FIGURE_NAMES = ("assignment_rate", "on_time_reply_rate", "satisfaction_rate")
Counts = dict[str | None, tuple[int, int]]  # group key (None: no group, or the records in none) → (met, missed)


class ReportQueries:
    def __init__(self, session: Session) -> None:
        self.session = session

    def figures_counts(self, names: tuple[str, ...], period: Period, now: datetime,
                       group_by: str | None = None) -> dict[str, Counts]:
        """Per figure named, how many records met it and how many missed it, per group of `group_by` (one
        entry keyed None without it): the closed facts from the per-day sums the triggers keep
        (notify_figure_days), what moves with time counted live (adapters/figure_days.py); exactly
        `scanned_counts`, which a test holds it to. A group has (0, 0) for a rating figure that looked at none
        of its rows."""
        return figure_days.figures_counts(self.session, names, period, now, group_by)

    def scanned_counts(self, names: tuple[str, ...], period: Period, now: datetime,
                       group_by: str | None = None) -> dict[str, Counts]:
        """`figures_counts` by reading every row of the period (the way it was counted before notify_0022, and
        the reference the sums are tested against): those that read the same rows of one table (the rating
        figures) counted in one aggregate, one scan."""
        figures = {name: _figure(name, period, now) for name in names}
        scans: dict[tuple[Any, str], list[str]] = {}
        for name, figure in figures.items():  # the same table and the same rows read: one scan
            scans.setdefault((figure.source, str(sa.and_(*figure.where))), []).append(name)
        found: dict[str, Counts] = {}
        for together in scans.values():
            first = figures[together[0]]
            counts = [sa.func.count().filter(sa.and_(*figures[name].only, outcome))
                      for name in together for outcome in (figures[name].met, figures[name].missed)]
            if group_by is None:
                row = self.session.execute(sa.select(*counts).select_from(first.source).where(*first.where)).one()
                found |= {name: {None: (row[2 * n], row[2 * n + 1])} for n, name in enumerate(together)}
                continue
            key = first.keys[group_by]
            rows = self.session.execute(sa.select(key, *counts).select_from(first.source).where(*first.where)
                                        .group_by(key)).all()
            found |= {name: {row[0]: (row[1 + 2 * n], row[2 + 2 * n]) for row in rows}
                      for n, name in enumerate(together)}
        return found

    def figure_page(self, name: str, period: Period, now: datetime, *, outcome: str, group_by: str | None,
                    group: str | None, offset: int, limit: int) -> tuple[int, list[tuple[Record, bool]]]:
        """The records one figure counted (misses first, then by deadline or time done), one page of them,
        with how many there are in all."""
        figure = _figure(name, period, now)
        where = list(figure.rows)
        where.append(figure.missed if outcome == "missed" else figure.met if outcome == "met"
                     else sa.or_(figure.met, figure.missed))
        if group_by is not None:
            key = figure.keys[group_by]
            where.append(key.is_(None) if group is None else key == group)
        total = self.session.execute(sa.select(sa.func.count()).select_from(figure.source).where(*where)).scalar_one()
        met = sa.case((figure.met, 1), else_=0)
        when = sa.func.coalesce(figure.due, figure.done)
        query = (sa.select(*figure.columns, met).select_from(figure.source).where(*where)
                 .order_by(met, when.is_(None), when, *figure.order).offset(offset).limit(limit))
        return total, [(_record(name, row[:-1]), bool(row[-1])) for row in self.session.execute(query).all()]

    def assignment_records(self, period: Period) -> list[AssignmentRecord]:
        assign_clock = sa.and_(col(ClockRow.complaint_id) == col(CaseRow.complaint_id),
                               col(ClockRow.clock) == ClockName.assign.value)
        first_round = sa.and_(col(ReplyRoundRow.complaint_id) == col(CaseRow.complaint_id),
                              col(ReplyRoundRow.reply_round) == 1)
        query = (select(CaseRow, col(ClockRow.due), col(ReplyRoundRow.department))
                 .outerjoin(ClockRow, assign_clock)
                 .outerjoin(ReplyRoundRow, first_round)
                 .where(_within(col(CaseRow.received_at), period), _counted(CaseRow)))
        return [
            AssignmentRecord(
                complaint_id=c.complaint_id, received_at=c.received_at, assign_due=assign_due,
                assigned_at=c.assigned_at,
                # a returned case waiting to be routed again stays with the department it was assigned to
                department=c.department or first_department, category=c.category, town=c.town,
                channel=c.channel, tracking_code=c.tracking_code,
            )
            for c, assign_due, first_department in self.session.execute(query).all()
            if c.received_at is not None
        ]

    def reply_records(self, period: Period) -> list[ReplyRecord]:
        in_period = sa.or_(_within(col(ReplyRoundRow.reply_due), period),
                           _within(col(ReplyRoundRow.replied_at), period))
        query = (select(ReplyRoundRow, CaseRow)
                 .join(CaseRow, col(CaseRow.complaint_id) == col(ReplyRoundRow.complaint_id))
                 .where(in_period, _counted(CaseRow)))
        return [
            ReplyRecord(
                complaint_id=r.complaint_id, reply_round=r.reply_round, reply_due=r.reply_due,
                replied_at=r.replied_at, department=r.department, category=c.category, town=c.town,
                channel=c.channel, tracking_code=c.tracking_code,
                # returned (退单) and nobody has it yet: this round's deadline waits for the next assignment
                rerouting=(c.department is None or c.paused_since is not None) and r.reply_round == c.reply_round,
            )
            for r, c in self.session.execute(query).all()
        ]

    def rating_records(self, period: Period) -> list[RatingRecord]:
        same_round = sa.and_(col(ReplyRoundRow.complaint_id) == col(RatingRow.complaint_id),
                             col(ReplyRoundRow.reply_round) == col(RatingRow.reply_round))
        query = (select(RatingRow, CaseRow, col(ReplyRoundRow.department))
                 .outerjoin(CaseRow, col(CaseRow.complaint_id) == col(RatingRow.complaint_id))
                 .outerjoin(ReplyRoundRow, same_round)
                 .where(_within(col(RatingRow.rated_at), period),
                        sa.or_(col(CaseRow.status).is_(None), _counted(CaseRow))))
        return [
            RatingRecord(
                complaint_id=r.complaint_id, reply_round=r.reply_round, rating=r.rating, rated_at=r.rated_at,
                # the department that gave the reply being rated
                department=round_department or (c.department if c else None),
                category=c.category if c else None, town=c.town if c else None,
                channel=c.channel if c else None, tracking_code=r.tracking_code or (c.tracking_code if c else None),
                resolution=r.resolution, unreasonable=bool(r.unreasonable),
            )
            for r, c, round_department in self.session.execute(query).all()
        ]

    def alerts(self, *, department: str | None = None, clock: str | None = None, level: str | None = None,
               limit: int = 100, offset: int = 0) -> tuple[int, list[AlertRow]]:
        """A page of the alerts, newest first, and how many there are in all."""
        where = []
        if department is not None:
            where.append(col(AlertRow.department) == department)
        if clock is not None:
            where.append(col(AlertRow.clock) == clock)
        if level is not None:
            where.append(col(AlertRow.level) == level)
        total = self.session.execute(select(sa.func.count()).select_from(AlertRow).where(*where)).scalar_one()
        query = (select(AlertRow).where(*where).order_by(col(AlertRow.created_at).desc(), col(AlertRow.id).desc())
                 .offset(offset).limit(limit))
        return total, list(self.session.scalars(query).all())

    def cases_with_running_clocks(self, department: str | None = None) -> list[SlaCase]:
        """The cases that may have a clock running, read only (never held or written): their own
        `running_clocks()` says which run. `department`: only the cases that department has now."""
        has_assign_clock = select(ClockRow.complaint_id).where(col(ClockRow.clock) == ClockName.assign.value)
        unassigned = sa.and_(col(CaseRow.assigned_at).is_(None), col(CaseRow.complaint_id).in_(has_assign_clock))
        waiting = sa.and_(col(CaseRow.status).in_([s.value for s in WAITING_ON_DEPARTMENT]),
                          sa.or_(col(CaseRow.accepted_at).is_(None), col(CaseRow.replied_at).is_(None)))
        query = select(CaseRow).where(sa.or_(unassigned, waiting),
                                      col(CaseRow.status).not_in([s.value for s in CLOSED]))
        if department is not None:
            query = query.where(col(CaseRow.department) == department)
        rows = list(self.session.scalars(query).all())
        clocks: dict[str, list[ClockRow]] = {}
        ids = [r.complaint_id for r in rows]
        for chunk in range(0, len(ids), 500):  # bounded IN lists
            of_chunk = select(ClockRow).where(col(ClockRow.complaint_id).in_(ids[chunk:chunk + 500]))
            for c in self.session.scalars(of_chunk):
                clocks.setdefault(c.complaint_id, []).append(c)
        return [
            SlaCase(
                complaint_id=r.complaint_id, tracking_code=r.tracking_code, status=CaseStatus(r.status),
                department=r.department, category=r.category, subcategory=r.subcategory, town=r.town,
                channel=r.channel, urgent=r.urgent, received_at=r.received_at, assigned_at=r.assigned_at,
                last_assigned_at=r.last_assigned_at, accepted_at=r.accepted_at, replied_at=r.replied_at,
                reply_round=r.reply_round,
                clocks={ClockName(c.clock): ClockState(ClockName(c.clock), c.start, c.due, c.cycle, Level(c.last_level))
                        for c in clocks.get(r.complaint_id, [])},
            )
            for r in rows
        ]

    def escalated_clocks(self, complaint_ids: list[str]) -> set[tuple[str, str, int]]:
        """(complaint id, clock, cycle) of each escalation (督办) raised for these cases."""
        found: set[tuple[str, str, int]] = set()
        for chunk in range(0, len(complaint_ids), 500):
            query = (select(AlertRow.complaint_id, AlertRow.clock, AlertRow.cycle)
                     .where(col(AlertRow.complaint_id).in_(complaint_ids[chunk:chunk + 500]),
                            col(AlertRow.level) == Level.escalated.value))
            found.update((cid, clock, cycle) for cid, clock, cycle in self.session.execute(query).all())
        return found

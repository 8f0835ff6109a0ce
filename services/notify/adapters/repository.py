"""Repositories: notify's aggregates ⇄ its rows. They never commit; the unit of work does.

They derive from `shared.repository.Repository`: what they load or add is held (and tracked, so its
events go out), and at commit the unit of work has them write the aggregates that changed since.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col, delete, select

from services.notify.adapters.hotspot_index import pairable, refresh_pairs
from services.notify.adapters.tables import (
    AlertRow,
    CallbackAttemptRow,
    CallbackRow,
    CaseRow,
    ClockRow,
    DepartmentNameRow,
    RatingRow,
    ReplyRoundRow,
)
from services.notify.domain.callbacks import Callback, CallbackStatus, Reason
from services.notify.domain.case import WAITING_ON_DEPARTMENT, ReplyRound, SlaCase
from services.notify.domain.clocks import (
    CLOSED,
    DUTY_CLOCKS,
    NOT_COUNTED,
    CaseStatus,
    ClockName,
    ClockState,
    Level,
)
from services.notify.domain.departments import DepartmentDirectory, DepartmentName
from services.notify.domain.rating import RoundRating
from shared.clock import Clock
from shared.core_writes import expire_held, expire_row
from shared.repository import Repository, Track


class CaseRepository(Repository[SlaCase]):
    def __init__(self, session: Session, track: Track, *, clock: Clock) -> None:
        super().__init__(session, track)
        self._clock = clock  # a written case's updated_at
        # The rows a `get` read (or a write wrote), by (table, key), as column -> value: a write updates only
        # the columns that changed, with no query (Core statements: no ORM objects on this hot path).
        self._rows: dict[tuple[sa.Table, tuple[Any, ...]], dict[str, Any]] = {}  # by _key
        self._new: dict[sa.Table, list[dict[str, Any]]] = {}  # rows to insert, by table, in order

    def forget(self) -> None:
        super().forget()
        self._rows.clear()
        self._new.clear()

    def get(self, complaint_id: str, *, for_update: bool = False) -> SlaCase | None:
        """`for_update`: concurrent sweepers wait for each other and see what the other sent."""
        held = self.held(complaint_id)
        if held is not None and not for_update:
            return held
        # Core statements built once (no ORM objects: the rows are kept as dicts for the write); without a
        # lock, the case's row, clocks and rounds in one statement
        key = {"k_complaint_id": complaint_id}
        if for_update:
            found = self.session.execute(_CASE_LOCKED, key).mappings().one_or_none()
            if found is None:
                return None
            row = dict(found)
            clocks = [dict(c) for c in self.session.execute(_CLOCKS_READ, key).mappings()]
            rounds = [dict(r) for r in self.session.execute(_ROUNDS_READ, key).mappings()]
        else:
            parts: tuple[list[dict[str, Any]], ...] = ([], [], [])
            for read in self.session.execute(_CASE_WHOLE, key).mappings():
                part = read["part"]
                parts[part].append({name: read[name] for name in _COLUMN_NAMES[part]})
            if not parts[0]:
                return None
            (row,), clocks, rounds = parts
        for table, values in ((_CASES, row), *((_CLOCKS, c) for c in clocks), *((_ROUNDS, r) for r in rounds)):
            self._rows[_key(table, values)] = values
        case = SlaCase(
            complaint_id=row["complaint_id"], tracking_code=row["tracking_code"], status=CaseStatus(row["status"]),
            department=row["department"], category=row["category"], subcategory=row["subcategory"], town=row["town"],
            channel=row["channel"], urgent=row["urgent"], received_at=row["received_at"],
            assigned_at=row["assigned_at"], last_assigned_at=row["last_assigned_at"], accepted_at=row["accepted_at"],
            replied_at=row["replied_at"], reply_round=row["reply_round"], lat=row["lat"], lon=row["lon"],
            paused_since=row["paused_since"], pause_kind=row["pause_kind"],
            clocks={ClockName(c["clock"]): ClockState(ClockName(c["clock"]), c["start"], c["due"], c["cycle"],
                                                      Level(c["last_level"]), c["stopped_at"])
                    for c in clocks},
            rounds={r["reply_round"]: ReplyRound(r["reply_round"], r["department"], r["reply_due"], r["replied_at"])
                    for r in rounds},
        )
        return self._hold(complaint_id, case, new=False)

    def add(self, case: SlaCase) -> SlaCase:
        return self._hold(case.complaint_id, case, new=True)

    def with_open_clocks(self) -> list[str]:
        """Ids of cases that may have a clock running (the aggregate decides exactly which)."""
        has_assign_clock = select(ClockRow.complaint_id).where(col(ClockRow.clock) == ClockName.assign.value)
        unassigned = sa.and_(col(CaseRow.assigned_at).is_(None), col(CaseRow.complaint_id).in_(has_assign_clock))
        unaccepted = sa.and_(col(CaseRow.status) == CaseStatus.assigned.value, col(CaseRow.accepted_at).is_(None))
        unreplied = sa.and_(col(CaseRow.status).in_([s.value for s in WAITING_ON_DEPARTMENT]),
                            col(CaseRow.replied_at).is_(None))
        # 督办 clocks (domain/followups.py) not stopped and not yet escalated (their last level)
        duty = col(CaseRow.complaint_id).in_(select(ClockRow.complaint_id).where(
            col(ClockRow.clock).in_([c.value for c in DUTY_CLOCKS]), col(ClockRow.stopped_at).is_(None),
            col(ClockRow.last_level) != Level.escalated.value))
        query = (select(CaseRow.complaint_id).where(sa.or_(unassigned, unaccepted, unreplied, duty),
                                                    col(CaseRow.status).not_in([s.value for s in CLOSED]))
                 .order_by(col(CaseRow.complaint_id)))
        return list(self.session.scalars(query).all())

    def _write(self, case: SlaCase, before: SlaCase | None) -> None:
        self._put(_CASES, dict(
            complaint_id=case.complaint_id, tracking_code=case.tracking_code, status=case.status.value,
            department=case.department, category=case.category, subcategory=case.subcategory, town=case.town,
            channel=case.channel, urgent=case.urgent, received_at=case.received_at, assigned_at=case.assigned_at,
            last_assigned_at=case.last_assigned_at, accepted_at=case.accepted_at, replied_at=case.replied_at,
            reply_round=case.reply_round, lat=case.lat, lon=case.lon, updated_at=self._clock.now(),
            paused_since=case.paused_since, pause_kind=case.pause_kind,
            **_case_inputs(case),
        ), new=before is None)
        if _place(case) != _place(before):  # the problem list's pairs of cases near each other (notify_0017)
            self._insert_new()  # the case's row first
            refresh_pairs(self.session, case.complaint_id, case.category, case.lat, case.lon, case.received_at,
                          case.status.value)
        for clock in case.clocks.values():
            if before is None or before.clocks.get(clock.name) != clock:
                self._put(_CLOCKS, dict(
                    complaint_id=case.complaint_id, clock=clock.name.value, cycle=clock.cycle,
                    last_level=clock.last_level.value, start=clock.start, due=clock.due, stopped_at=clock.stopped_at,
                ), new=before is None or clock.name not in before.clocks)
        # A round is written when it changed or when what it copies of the case did (a merge, a return).
        for r in case.rounds.values():
            was = before.rounds.get(r.number) if before is not None else None
            if was is None or was != r or _round_inputs(before, was) != _round_inputs(case, r):  # type: ignore[arg-type]
                self._put(_ROUNDS, dict(
                    complaint_id=case.complaint_id, reply_round=r.number, department=r.department,
                    reply_due=r.reply_due, replied_at=r.replied_at, **_round_inputs(case, r),
                ), new=was is None)
        self._insert_new()
        if before is None or _rating_inputs(before) != _rating_inputs(case):
            self._copy_to_ratings(case)
        for alert in case.new_alerts:
            self.session.add(AlertRow(
                complaint_id=alert.complaint_id, tracking_code=alert.tracking_code, department=alert.department,
                clock=alert.clock.value, cycle=alert.cycle, level=alert.level.value, reply_round=alert.reply_round,
                due=alert.due, created_at=alert.at,
            ))
        case.new_alerts.clear()

    def _copy_to_ratings(self, case: SlaCase) -> None:
        """The ratings of this case's rounds carry what the satisfaction rate groups and counts them by."""
        inputs = _rating_inputs(case)
        departments = inputs.pop("departments")
        params = inputs | {"k_complaint_id": case.complaint_id, "d_else": case.department}
        for i, (number, department) in enumerate(departments):
            params[f"r{i}"], params[f"d{i}"] = number, department
        self.session.execute(_ratings_copy(len(departments)), params)
        expire_held(self.session, RatingRow, lambda row: row.get("complaint_id") == case.complaint_id)

    def _insert_new(self) -> None:
        """The new rows `_put` was given, one statement per table (the case's first: others may refer to it)."""
        new, self._new = self._new, {}
        for table, rows in new.items():
            self.session.execute(_INSERTS[table], rows)

    def _put(self, table: sa.Table, values: dict[str, Any], *, new: bool) -> None:
        """Insert a new row, or update the columns that changed on the one `get` read (all of them, or an
        insert when it is not there, for a row this unit of work has not read)."""
        key = _key(table, values)
        was = None if new else self._rows.get(key)
        keys = {f"k_{name}": value for name, value in zip(_PRIMARY_KEYS[table], key[1], strict=True)}
        if new:
            self._new.setdefault(table, []).append(values)  # written together (`_insert_new`)
        elif was is None:
            if self.session.execute(_UPDATES[table], values | keys).rowcount == 0:  # type: ignore[attr-defined]
                self.session.execute(_INSERTS[table], values)
        else:
            changed = {name: value for name, value in values.items() if was.get(name, _MISSING) != value}
            if not changed:
                return
            self.session.execute(_UPDATES[table], changed | keys)
        self._rows[key] = dict(values)
        if not new:  # an ORM object of the row another reader put in this session: read again when used
            expire_row(self.session, _MAPPED[table], key[1])


_MISSING = object()
_CASES: sa.Table = CaseRow.__table__  # type: ignore[attr-defined]
_CLOCKS: sa.Table = ClockRow.__table__  # type: ignore[attr-defined]
_ROUNDS: sa.Table = ReplyRoundRow.__table__  # type: ignore[attr-defined]
_RATINGS: sa.Table = RatingRow.__table__  # type: ignore[attr-defined]
_MAPPED: dict[sa.Table, type] = {_CASES: CaseRow, _CLOCKS: ClockRow, _ROUNDS: ReplyRoundRow}
_PRIMARY_KEYS = {table: tuple(c.name for c in table.primary_key) for table in _MAPPED}


def _by_key(table: sa.Table) -> sa.ColumnElement[bool]:
    """WHERE the primary key is the parameters k_<column> (never a column's own name: those are SET)."""
    return sa.and_(*(column == sa.bindparam(f"k_{column.name}") for column in table.primary_key))


# Built once: SQLAlchemy then finds each compiled form in its cache (an UPDATE's per set of columns changed).
_CASE_READ = sa.select(_CASES).where(_CASES.c.complaint_id == sa.bindparam("k_complaint_id"))
_CASE_LOCKED = _CASE_READ.with_for_update()
_CLOCKS_READ = sa.select(_CLOCKS).where(_CLOCKS.c.complaint_id == sa.bindparam("k_complaint_id"))
_ROUNDS_READ = sa.select(_ROUNDS).where(_ROUNDS.c.complaint_id == sa.bindparam("k_complaint_id"))
_INSERTS = {table: sa.insert(table) for table in _MAPPED}
_COLUMN_NAMES = tuple(tuple(c.name for c in table.columns) for table in (_CASES, _CLOCKS, _ROUNDS))


def _whole_case() -> sa.CompoundSelect:
    """The case's row, its clocks and its rounds: one SELECT of each, UNION ALL, each row with its `part`
    (0 the case, 1 a clock, 2 a round) and every column of the three tables (NULL cast to the column's type
    where not its own: PostgreSQL matches the SELECTs' types, and the results are read with the first's)."""
    columns: dict[str, Any] = {}
    for table in (_CASES, _CLOCKS, _ROUNDS):
        for column in table.columns:
            columns.setdefault(column.name, column.type)
    return sa.union_all(*(
        sa.select(sa.literal_column(str(part), sa.Integer).label("part"),
                  *(table.c[name] if name in table.c else sa.cast(sa.null(), kind).label(name)
                    for name, kind in columns.items()))
        .where(table.c.complaint_id == sa.bindparam("k_complaint_id"))
        for part, table in enumerate((_CASES, _CLOCKS, _ROUNDS))))


_CASE_WHOLE = _whole_case()
_NAMES: sa.Table = DepartmentNameRow.__table__  # type: ignore[attr-defined]
_NAMES_ROWS = sa.select(_NAMES.c.code, _NAMES.c.name, _NAMES.c.active, _NAMES.c.kind)
_NAMES_READ = _NAMES_ROWS.where(_NAMES.c.code.in_(sa.bindparam("codes", expanding=True)))
_NAMES_READS = (_NAMES_ROWS.where(_NAMES.c.code == sa.bindparam("c0")),
                _NAMES_ROWS.where(sa.or_(_NAMES.c.code == sa.bindparam("c0"), _NAMES.c.code == sa.bindparam("c1"))))
_UPDATES = {table: sa.update(table).where(_by_key(table)) for table in _MAPPED}
_RATINGS_COPIES: dict[int, sa.Update] = {}


def _ratings_copy(rounds: int) -> sa.Update:
    """UPDATE notify_ratings of a case: its inputs, and the department of each round that has one (parameters
    r<i>, d<i>), else d_else; one statement per number of such rounds."""
    statement = _RATINGS_COPIES.get(rounds)
    if statement is None:
        r = _RATINGS.c
        department: Any = sa.bindparam("d_else", type_=r.department.type)
        if rounds:
            department = sa.case(*((r.reply_round == sa.bindparam(f"r{i}", type_=r.reply_round.type),
                                    sa.bindparam(f"d{i}", type_=r.department.type)) for i in range(rounds)),
                                 else_=department)
        statement = _RATINGS_COPIES[rounds] = (
            sa.update(_RATINGS).where(r.complaint_id == sa.bindparam("k_complaint_id")).values(
                department=department, counted=sa.bindparam("counted", type_=r.counted.type),
                category=sa.bindparam("category", type_=r.category.type),
                town=sa.bindparam("town", type_=r.town.type), channel=sa.bindparam("channel", type_=r.channel.type),
                case_tracking_code=sa.bindparam("case_tracking_code", type_=r.case_tracking_code.type)))
    return statement


def _key(table: sa.Table, values: dict[str, Any]) -> tuple[sa.Table, tuple[Any, ...]]:
    """A row's place among the rows a repository holds: its table and primary key."""
    return table, tuple(values[name] for name in _PRIMARY_KEYS[table])


def _place(case: SlaCase | None) -> tuple[Any, ...] | None:
    """What the nearby rule's pairs depend on (adapters/hotspot_index.py); None: nothing to pair."""
    if case is None or not pairable(case.category, case.lat, case.lon, case.received_at, case.status.value):
        return None
    return case.category, case.lat, case.lon, case.received_at


def _case_inputs(case: SlaCase) -> dict[str, Any]:
    """The assignment rate's inputs kept on the case's row."""
    assign = case.clocks.get(ClockName.assign)
    first = case.rounds.get(1)
    return {"assign_due": assign.due if assign else None, "first_department": first.department if first else None}


def _round_inputs(case: SlaCase, r: ReplyRound) -> dict[str, Any]:
    """What a reply round copies of its case for the on-time reply rate (docs/metrics.md)."""
    return {"counted": case.status.value not in NOT_COUNTED, "category": case.category, "town": case.town,
            "channel": case.channel, "tracking_code": case.tracking_code,
            # returned (退单) and nobody has it yet, or paused (派单异议, 挂起): this round's deadline waits
            "rerouting": (case.department is None or case.paused_since is not None) and r.number == case.reply_round}


def _rating_inputs(case: SlaCase | None) -> dict[str, Any]:
    """What the ratings of a case copy of it for the satisfaction rate; no case: counted, nothing known."""
    if case is None:
        return {"counted": True, "category": None, "town": None, "channel": None, "case_tracking_code": None,
                "departments": ()}
    return {"counted": case.status.value not in NOT_COUNTED, "category": case.category, "town": case.town,
            "channel": case.channel, "case_tracking_code": case.tracking_code,
            # the department that gave the reply being rated, else the case's
            "departments": tuple(sorted((n, r.department) for n, r in case.rounds.items() if r.department))}


class RatingRepository(Repository[RoundRating]):
    def get(self, complaint_id: str, reply_round: int) -> RoundRating | None:
        if (held := self.held((complaint_id, reply_round))) is not None:
            return held
        row = self.session.get(RatingRow, (complaint_id, reply_round))
        if row is None:
            return None
        rating = RoundRating(row.complaint_id, row.reply_round, row.tracking_code, row.rating, row.via, row.rated_at,
                             row.resolution, row.comment)
        return self._hold((complaint_id, reply_round), rating, new=False)

    def add(self, rating: RoundRating) -> RoundRating:
        return self._hold((rating.complaint_id, rating.reply_round), rating, new=True)

    def _case_inputs(self, rating: RoundRating) -> dict[str, Any]:
        """The satisfaction rate's inputs from the case as it is now. Its row is locked first (PostgreSQL),
        so a change to the case being committed meanwhile is either seen here or copies itself to this
        rating after (CaseRepository._copy_to_ratings)."""
        case = self.session.scalars(select(CaseRow).where(col(CaseRow.complaint_id) == rating.complaint_id)
                                    .with_for_update().execution_options(populate_existing=True)).one_or_none()
        if case is None:
            return {k: v for k, v in _rating_inputs(None).items() if k != "departments"} | {"department": None}
        round_ = self.session.get(ReplyRoundRow, (rating.complaint_id, rating.reply_round))
        return {"counted": case.status not in NOT_COUNTED, "category": case.category, "town": case.town,
                "channel": case.channel, "case_tracking_code": case.tracking_code,
                "department": (round_.department if round_ else None) or case.department}

    def _write(self, rating: RoundRating, before: RoundRating | None) -> None:
        values = {"tracking_code": rating.tracking_code, "rating": rating.rating, "via": rating.via,
                  "rated_at": rating.rated_at, "resolution": rating.resolution, "comment": rating.comment,
                  **self._case_inputs(rating)}
        row = self.session.get(RatingRow, (rating.complaint_id, rating.reply_round))
        if row is None:
            self.session.add(RatingRow(complaint_id=rating.complaint_id, reply_round=rating.reply_round, **values))
        else:  # set column by column: a supervisor's review of the round (unreasonable) stays
            for name, value in values.items():
                setattr(row, name, value)


class DepartmentRepository(Repository[DepartmentDirectory]):
    def get(self) -> DepartmentDirectory:
        """The whole directory (a few dozen names); empty until routing's first snapshot arrives."""
        if (held := self.held("directory")) is not None:
            return held
        rows = self.session.scalars(select(DepartmentNameRow)).all()
        directory = DepartmentDirectory(
            names={r.code: DepartmentName(r.code, r.name, r.active, r.kind) for r in rows},
            changed_at=max((r.changed_at for r in rows), default=None),
            revision=max((r.revision for r in rows), default=None),
        )
        return self._hold("directory", directory, new=False)

    def names_of(self, *codes: str) -> DepartmentDirectory:
        """Only these departments' names (what a message names): one read of their rows, not the directory's
        dozens; the directory itself when this unit of work holds it. Read only: never written back."""
        if (held := self.held("directory")) is not None:
            return held
        if not codes:
            return DepartmentDirectory()
        if len(codes) <= len(_NAMES_READS):  # one department or two: no expanding IN to render
            statement = _NAMES_READS[len(codes) - 1]
            params: dict[str, Any] = {f"c{i}": code for i, code in enumerate(codes)}
        else:
            statement, params = _NAMES_READ, {"codes": list(codes)}
        rows = self.session.execute(statement, params).all()
        return DepartmentDirectory(names={r.code: DepartmentName(r.code, r.name, r.active, r.kind) for r in rows})

    def _write(self, directory: DepartmentDirectory, before: DepartmentDirectory | None) -> None:
        if directory.changed_at is None or directory.revision is None:
            return
        self.session.execute(delete(DepartmentNameRow).where(col(DepartmentNameRow.code).not_in(directory.names)))
        for d in directory.names.values():
            self.session.merge(DepartmentNameRow(code=d.code, name=d.name, active=d.active, kind=d.kind,
                                                 changed_at=directory.changed_at, revision=directory.revision))


class CallbackRepository(Repository[Callback]):
    """Callbacks and the calls made on them (the calls are only ever added)."""

    def get(self, complaint_id: str, reply_round: int, *, for_update: bool = False) -> Callback | None:
        key = (complaint_id, reply_round)
        if (held := self.held(key)) is not None and not for_update:
            return held
        query = select(CallbackRow).where(col(CallbackRow.complaint_id) == complaint_id,
                                          col(CallbackRow.reply_round) == reply_round)
        if for_update:
            query = query.with_for_update()
        row = self.session.scalars(query.execution_options(populate_existing=True)).one_or_none()
        if row is None:
            return None
        callback = Callback(
            complaint_id=row.complaint_id, reply_round=row.reply_round, tracking_code=row.tracking_code,
            department=row.department, reason=Reason(row.reason), replied_at=row.replied_at, due_at=row.due_at,
            created_at=row.created_at, draw=row.draw, status=CallbackStatus(row.status), outcome=row.outcome,
            attempts=row.attempts, completed_at=row.completed_at, completed_by=row.completed_by,
            resolution=row.resolution)
        return self._hold(key, callback, new=False)

    def add(self, callback: Callback) -> Callback:
        return self._hold((callback.complaint_id, callback.reply_round), callback, new=True)

    def scrub_call_notes(self, complaint_id: str, scrub: Callable[[str], str]) -> int:
        """保存期限: the notes typed on the complaint's calls lose phone and ID-card numbers; how many changed."""
        changed = 0
        for attempt in self.session.scalars(select(CallbackAttemptRow).where(
                col(CallbackAttemptRow.complaint_id) == complaint_id, col(CallbackAttemptRow.note).is_not(None))):
            if attempt.note and (clean := scrub(attempt.note)) != attempt.note:
                attempt.note, changed = clean, changed + 1
        return changed

    def department_called_between(self, department: str | None, start: datetime, end: datetime) -> bool:
        """Has the department a callback for a reply made in [start, end) (the week's minimum)?"""
        found = self.session.scalars(select(CallbackRow.complaint_id).where(
            col(CallbackRow.department) == department, col(CallbackRow.replied_at) >= start,
            col(CallbackRow.replied_at) < end).limit(1)).first()
        held = any(c.department == department and start <= c.replied_at < end
                   for c, _ in self._held.values())
        return found is not None or held

    def listed(self, *, status: str | None, department: str | None, limit: int,
               offset: int) -> tuple[list[CallbackRow], int]:
        """A page of callbacks, the most urgent first (earliest due), and how many there are in all."""
        where = []
        if status is not None:
            where.append(col(CallbackRow.status) == status)
        if department is not None:
            where.append(col(CallbackRow.department) == department)
        total = self.session.scalar(select(sa.func.count()).select_from(CallbackRow).where(*where)) or 0
        rows = self.session.scalars(select(CallbackRow).where(*where)
                                    .order_by(col(CallbackRow.due_at), col(CallbackRow.complaint_id))
                                    .offset(offset).limit(limit)).all()
        return list(rows), total

    def _write(self, callback: Callback, before: Callback | None) -> None:
        values: dict[str, Any] = {"tracking_code": callback.tracking_code, "department": callback.department,
                  "reason": callback.reason.value, "draw": callback.draw, "replied_at": callback.replied_at,
                  "due_at": callback.due_at, "status": callback.status.value, "outcome": callback.outcome,
                  "attempts": callback.attempts, "completed_at": callback.completed_at,
                  "completed_by": callback.completed_by, "created_at": callback.created_at,
                  "resolution": callback.resolution}
        row = self.session.get(CallbackRow, (callback.complaint_id, callback.reply_round))
        if row is None:
            self.session.add(CallbackRow(complaint_id=callback.complaint_id, reply_round=callback.reply_round,
                                         **values))
        else:
            for name, value in values.items():
                setattr(row, name, value)
        self.session.add_all([CallbackAttemptRow(complaint_id=callback.complaint_id, reply_round=callback.reply_round,
                                                 at=a.at, by=a.by, outcome=a.outcome, note=a.note,
                                                 resolution=a.resolution)
                              for a in callback.calls])
        callback.calls.clear()
        self.session.flush()


def callback_calls(session: Session, complaint_id: str, reply_round: int) -> list[CallbackAttemptRow]:
    return list(session.scalars(select(CallbackAttemptRow).where(
        col(CallbackAttemptRow.complaint_id) == complaint_id, col(CallbackAttemptRow.reply_round) == reply_round)
        .order_by(col(CallbackAttemptRow.id))))

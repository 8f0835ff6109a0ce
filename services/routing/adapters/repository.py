"""Repositories: the Case aggregate, the department directory and the routing data (rules, limits,
towns) in and out of the tables. They never commit; the unit of work does. The aggregates' repositories
derive from `shared.repository.Repository`: what they load or add is held (and tracked, so the events
it records go out), and at commit the unit of work has them write what changed."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, or_, select, text, update
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session
from sqlmodel import col

from services.routing.adapters.pause_tables import RoutingDispute, RoutingSuspension
from services.routing.adapters.reference import ReferenceCache, forget, rule_of
from services.routing.adapters.tables import (
    RoutingAssist,
    RoutingCase,
    RoutingCaseHistory,
    RoutingDepartment,
    RoutingExtension,
    RoutingPhoto,
    RoutingRuleRow,
    RuleBookRow,
    RuleChangeRow,
)
from services.routing.domain.case import (
    MERGEABLE,
    OPEN,
    Assist,
    AssistStatus,
    Case,
    Extension,
    ExtensionStatus,
    HistoryEntry,
    Photo,
    Status,
)
from services.routing.domain.deadlines import TimeLimit
from services.routing.domain.departments import Department, DepartmentDirectory
from services.routing.domain.duplicates import Candidate
from services.routing.domain.pauses import Dispute, DisputeStatus, SuspendReason, Suspension
from services.routing.domain.routing import RoutingRule
from services.routing.domain.rules import RuleBook, RuleChange
from shared.contracts.codes import Town
from shared.core_writes import expire_row, inserted_id
from shared.repository import Repository, Track

# Case fields stored in a column of the same name; the rest are mapped by hand below.
_SPECIAL = {"explanation", "status", "reply_text", "history", "extensions", "assists", "photos", "disputes",
            "suspensions"}
_PLAIN = [f.name for f in fields(Case) if f.name not in _SPECIAL]


def _to_json(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


_CASES = RoutingCase.__table__  # type: ignore[attr-defined]
_HISTORY = RoutingCaseHistory.__table__  # type: ignore[attr-defined]
# Statements built once, their values given at execution (compiled once, not a new statement every time);
# an update sets the columns whose values it is given.
_INSERT_CASE = insert(_CASES)
_UPDATE_CASE = update(_CASES).where(_CASES.c.complaint_id == bindparam("_complaint_id"))
_INSERT_HISTORY = insert(_HISTORY)

CaseList = list[Case]  # (inside the repository, `list` names its method)
Candidates = list[Candidate]
Pairs = list[tuple[str, str]]


class CaseRepository(Repository[Case]):
    def add(self, case: Case) -> None:
        self._hold(case.complaint_id, case, new=True)

    def open_counts(self) -> dict[str, int]:
        """How many cases are in each status that still waits for someone (the /metrics gauge)."""
        rows = self.session.execute(select(col(RoutingCase.status), func.count())
                                    .where(col(RoutingCase.status).in_(("triage", "assigned", "accepted")))
                                    .group_by(col(RoutingCase.status)))
        return {status: count for status, count in rows}

    def typed_since(self, since: datetime) -> list[tuple[str, str, str, str | None, str | None, str | None]]:
        """(id, tracking code, type, subtype, town, department) of the cases received since `since` that
        have a type, oldest first: what a dry run of the rules replays."""
        rows = self.session.execute(
            select(col(RoutingCase.complaint_id), col(RoutingCase.tracking_code), col(RoutingCase.category),
                   col(RoutingCase.subcategory), col(RoutingCase.town), col(RoutingCase.department))
            .where(col(RoutingCase.received_at) >= since, col(RoutingCase.category).is_not(None))
            .order_by(col(RoutingCase.received_at)))
        return [tuple(row) for row in rows]  # type: ignore[misc]

    def photo_owner(self, photo_id: str) -> str | None:
        """The complaint id of the case a reply photo belongs to."""
        return self.session.scalar(select(col(RoutingPhoto.complaint_id)).where(col(RoutingPhoto.id) == photo_id))

    def get(self, complaint_id: str, *, for_update: bool = False) -> Case | None:
        """The case with its history and extensions; `for_update` locks the row until commit."""
        query = select(RoutingCase).where(col(RoutingCase.complaint_id) == complaint_id)
        if for_update:
            query = query.with_for_update()
        row = self.session.scalars(query).one_or_none()
        if row is None:
            return None
        if (held := self.held(complaint_id)) is not None:
            return held
        case = self._case(row)
        history = self.session.scalars(select(RoutingCaseHistory)
                                       .where(col(RoutingCaseHistory.complaint_id) == complaint_id)
                                       .order_by(col(RoutingCaseHistory.id)))
        case.history = [HistoryEntry(h.action, h.actor, h.at, json.loads(h.detail), id=h.id) for h in history]
        extensions = self.session.scalars(select(RoutingExtension)
                                          .where(col(RoutingExtension.complaint_id) == complaint_id)
                                          .order_by(col(RoutingExtension.id)))
        case.extensions = [self._extension(e) for e in extensions]
        assists = self.session.scalars(select(RoutingAssist).where(col(RoutingAssist.complaint_id) == complaint_id)
                                       .order_by(col(RoutingAssist.id)))
        case.assists = [self._assist(a) for a in assists]
        photos = self.session.scalars(select(RoutingPhoto).where(col(RoutingPhoto.complaint_id) == complaint_id)
                                      .order_by(col(RoutingPhoto.uploaded_at), col(RoutingPhoto.id)))
        case.photos = [Photo(p.id, p.reply_round, p.department, p.key, p.content_type, p.size, p.sha256,
                             p.uploaded_by, p.uploaded_at, stored=True) for p in photos]
        self._load_pauses(case)
        return self._hold(complaint_id, case, new=False)

    def list(self, *, statuses: Iterable[Status], department: str | None = None) -> list[Case]:
        """Cases without their history, for queues and lists: to read, so not held (never written)."""
        query = select(RoutingCase).where(col(RoutingCase.status).in_([s.value for s in statuses]))
        if department is not None:
            query = query.where(col(RoutingCase.department) == department)
        return [self._case(row) for row in self.session.scalars(query)]

    def page(self, *, statuses: Iterable[Status], department: str | None, category: str | None = None,
             subcategory: str | None = None, town: str | None = None, due_before: datetime | None = None,
             due_from: datetime | None = None, limit: int | None = None, offset: int = 0) -> tuple[CaseList, int]:
        """One page of a queue, the nearest deadline first (签收 while not signed for, else 回复), and how
        many there are in all. `due_before` / `due_from` bound that deadline. Read only, not held."""
        where, order = self._queue(statuses=statuses, department=department, category=category,
                                   subcategory=subcategory, town=town, due_before=due_before, due_from=due_from)
        total = self.session.scalar(select(func.count()).select_from(RoutingCase).where(*where)) or 0
        query = select(RoutingCase).where(*where).order_by(*order).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        return [self._case(row) for row in self.session.scalars(query)], total

    def _queue(self, *, statuses: Iterable[Status], department: str | None, category: str | None = None,
               subcategory: str | None = None, town: str | None = None, due_before: datetime | None = None,
               due_from: datetime | None = None) -> tuple[Any, tuple[Any, ...]]:
        """A queue's filter and its order (the nearest deadline first)."""
        statuses = tuple(statuses)
        next_due = self.next_due(statuses)
        where: list[Any] = [col(RoutingCase.status).in_([s.value for s in statuses])]
        for column, value in ((RoutingCase.department, department), (RoutingCase.category, category),
                              (RoutingCase.subcategory, subcategory), (RoutingCase.town, town)):
            if value is not None:
                where.append(col(column) == value)
        if due_before is not None:
            where.append(next_due < due_before)
        if due_from is not None:
            where.append(next_due >= due_from)
        return where, (next_due.asc(), col(RoutingCase.received_at), col(RoutingCase.complaint_id))

    @staticmethod
    def next_due(statuses: Iterable[Status] = (Status.triage, *OPEN)) -> Any:
        """The deadline the department must meet next: accept_due while not signed for (if earlier), else
        reply_due; for a case in triage, assign_due. For a list of statuses where one of them always
        decides (the replied cases: reply_due) it is that column, so the queue index (routing_0010)
        gives the order without sorting the whole list."""
        status, accept_due, reply_due = col(RoutingCase.status), col(RoutingCase.accept_due), col(RoutingCase.reply_due)
        statuses = set(statuses)
        if statuses == {Status.triage}:
            return col(RoutingCase.assign_due)
        if not statuses & {Status.triage, Status.assigned}:
            return reply_due
        return sql_case((status == Status.triage.value, col(RoutingCase.assign_due)),
                    (and_(status == Status.assigned.value, accept_due < reply_due), accept_due), else_=reply_due)

    def fingerprint(self, *, statuses: Iterable[Status], department: str | None,
                    page: tuple[int, int] | None = None, **filters: Any) -> tuple[int, int, int, int]:
        """Count, highest and sum of the history ids of the cases in a list, and how many cases it holds:
        every change to a case adds a history row, so this changes whenever a case of the list changes,
        arrives or leaves. `page` (offset, limit): only the cases of that page of the list (with
        `filters`, as `page()` takes them) and the list's length, which is all a page shows: a long list
        (the replied cases) is not read whole to tell whether one page changed."""
        where, order = self._queue(statuses=statuses, department=department, **filters)
        if page is None:
            ids: Any = select(col(RoutingCase.complaint_id)).where(*where)
            cases = 0
        else:
            ids = select(col(RoutingCase.complaint_id)).where(*where).order_by(*order).offset(page[0]).limit(page[1])
            cases = self.session.scalar(select(func.count()).select_from(RoutingCase).where(*where)) or 0
        return (*self._history_fingerprint(ids), int(cases))

    def _history_fingerprint(self, ids: Any) -> tuple[int, int, int]:
        """Count, highest and sum of the history ids of the cases `ids` (a SELECT of complaint ids)."""
        history = RoutingCaseHistory
        query = (select(func.count(col(history.id)), func.max(col(history.id)), func.sum(col(history.id)))
                 .where(col(history.complaint_id).in_(ids.scalar_subquery())))
        count, highest, total = self.session.execute(query).one()
        return int(count or 0), int(highest or 0), int(total or 0)

    def duplicate_candidates(self, *, category: str, town: str | None, since: datetime, until: datetime,
                             box: tuple[float, float, float, float] | None, exclude: str,
                             limit: int = 200) -> Candidates:
        """Open cases (not replied, not closed) of `category` received in [since, until], in `town` with an address or
        inside `box` (min lat, max lat, min lon, max lon), the newest first: what may be duplicated."""
        place: list[Any] = []
        if town is not None:  # the same place by address: only cases with one can be alike (duplicates.matches)
            place.append(and_(col(RoutingCase.town) == town, col(RoutingCase.address).is_not(None),
                              col(RoutingCase.address) != ""))
        if box is not None:
            place.append(and_(col(RoutingCase.lat).between(box[0], box[1]),
                              col(RoutingCase.lon).between(box[2], box[3])))
        if not place:
            return []
        c = RoutingCase  # only the columns a comparison needs, not whole rows (explanations, replies)
        rows = self.session.execute(
            select(col(c.complaint_id), col(c.tracking_code), col(c.category), col(c.town), col(c.address),
                   col(c.content), col(c.received_at), col(c.status), col(c.department), col(c.lat), col(c.lon))
            .where(col(c.category) == category, col(c.received_at) >= since, col(c.received_at) <= until,
                   col(c.complaint_id) != exclude, col(c.status).in_([s.value for s in MERGEABLE]), or_(*place))
            .order_by(col(c.received_at).desc()).limit(limit))
        return [Candidate(*row) for row in rows]

    def assisting(self, department: str, *, statuses: Iterable[AssistStatus], limit: int,
                  offset: int = 0) -> tuple[CaseList, int]:
        """The cases `department` is asked to assist (协办), the nearest assist deadline first, each with
        only that department's assist request (read only, not held)."""
        where = self._assisting(department, statuses)
        total = self.session.scalar(select(func.count()).select_from(RoutingAssist).where(*where)) or 0
        rows = self.session.execute(
            select(RoutingCase, RoutingAssist)
            .join(RoutingAssist, col(RoutingAssist.complaint_id) == col(RoutingCase.complaint_id))
            .where(*where).order_by(col(RoutingAssist.due), col(RoutingAssist.id)).offset(offset).limit(limit))
        cases = []
        for case_row, assist_row in rows:
            found = self._case(case_row)
            found.assists = [self._assist(assist_row)]
            cases.append(found)
        return cases, total

    @staticmethod
    def _assisting(department: str, statuses: Iterable[AssistStatus]) -> tuple[Any, ...]:
        return (col(RoutingAssist.department) == department,
                col(RoutingAssist.status).in_([s.value for s in statuses]))

    def assisting_fingerprint(self, department: str, *, statuses: Iterable[AssistStatus], limit: int,
                              offset: int = 0) -> tuple[int, ...]:
        """The history fingerprint of one page of `assisting` and the list's length (see `fingerprint`)."""
        where = self._assisting(department, statuses)
        total = self.session.scalar(select(func.count()).select_from(RoutingAssist).where(*where)) or 0
        ids = (select(col(RoutingAssist.complaint_id)).where(*where)
               .order_by(col(RoutingAssist.due), col(RoutingAssist.id)).offset(offset).limit(limit))
        return (*self._history_fingerprint(ids), int(total))

    @staticmethod
    def _backlog(now: datetime, days: int, leader: bool | None) -> tuple[Any, ...]:
        open_ = col(RoutingCase.status).in_([Status.triage.value, *(s.value for s in OPEN)])
        due = sql_case((col(RoutingCase.status) == Status.triage.value, col(RoutingCase.assign_due)),
                       else_=col(RoutingCase.reply_due))
        where: list[Any] = [open_, or_(col(RoutingCase.received_at) <= now - timedelta(days=days), due < now,
                                       col(RoutingCase.reply_round) >= 3)]
        if leader is not None:
            where.append(col(RoutingCase.leader).is_not(None) if leader else col(RoutingCase.leader).is_(None))
        return tuple(where)

    _BACKLOG_ORDER = (col(RoutingCase.received_at), col(RoutingCase.complaint_id))

    def backlog_fingerprint(self, now: datetime, *, days: int, leader: bool | None, limit: int,
                            offset: int = 0) -> tuple[int, ...]:
        """The history fingerprint of one page of `backlog` and the list's length (see `fingerprint`)."""
        where = self._backlog(now, days, leader)
        total = self.session.scalar(select(func.count()).select_from(RoutingCase).where(*where)) or 0
        ids = (select(col(RoutingCase.complaint_id)).where(*where).order_by(*self._BACKLOG_ORDER)
               .offset(offset).limit(limit))
        return (*self._history_fingerprint(ids), int(total))

    def backlog(self, now: datetime, *, days: int, leader: bool | None, limit: int,
                offset: int = 0) -> tuple[CaseList, int]:
        """积案: open cases received more than `days` ago, past their deadline, or reopened twice; the
        oldest first. `leader`: only those given to a leader (True) or not yet (False). Read only."""
        where = self._backlog(now, days, leader)
        total = self.session.scalar(select(func.count()).select_from(RoutingCase).where(*where)) or 0
        rows = self.session.scalars(select(RoutingCase).where(*where).order_by(*self._BACKLOG_ORDER)
                                    .offset(offset).limit(limit))
        return [self._case(row) for row in rows], total

    def merged_into(self, master_id: str) -> Pairs:
        """(id, tracking code) of the duplicates merged into `master_id` (并单), oldest first."""
        rows = self.session.execute(select(col(RoutingCase.complaint_id), col(RoutingCase.tracking_code))
                                    .where(col(RoutingCase.merged_into) == master_id)
                                    .order_by(col(RoutingCase.closed_at)))
        return [(complaint_id, code) for complaint_id, code in rows]

    def pending_extensions(self, complaint_ids: Iterable[str]) -> dict[str, Extension]:
        """The pending extension request (延期待审批) of each of these cases that has one."""
        ids = list(complaint_ids)
        if not ids:
            return {}
        rows = self.session.scalars(select(RoutingExtension)
                                    .where(col(RoutingExtension.complaint_id).in_(ids),
                                           col(RoutingExtension.status) == ExtensionStatus.requested.value))
        return {row.complaint_id: self._extension(row) for row in rows}

    def with_pending_extension(self, *, limit: int, offset: int = 0) -> tuple[CaseList, int]:
        """Cases with an extension request waiting for a supervisor, the oldest request first (read only)."""
        pending = col(RoutingExtension.status) == ExtensionStatus.requested.value
        total = self.session.scalar(select(func.count()).select_from(RoutingExtension).where(pending)) or 0
        rows = self.session.execute(
            select(RoutingCase, RoutingExtension)
            .join(RoutingExtension, col(RoutingExtension.complaint_id) == col(RoutingCase.complaint_id))
            .where(pending).order_by(col(RoutingExtension.requested_at), col(RoutingExtension.id))
            .offset(offset).limit(limit))
        cases = []
        for case_row, extension_row in rows:
            found = self._case(case_row)
            found.extensions = [self._extension(extension_row)]
            cases.append(found)
        return cases, total

    def extensions_fingerprint(self) -> tuple[int, int, int]:
        """Count, highest and sum of the ids of pending extension requests (see `fingerprint`)."""
        ids = col(RoutingExtension.id)
        count, highest, total = self.session.execute(
            select(func.count(ids), func.max(ids), func.sum(ids))
            .where(col(RoutingExtension.status) == ExtensionStatus.requested.value)).one()
        return int(count or 0), int(highest or 0), int(total or 0)

    # --- mapping ----------------------------------------------------------------------------------

    @staticmethod
    def _columns(case: Case) -> dict:
        values = {name: getattr(case, name) for name in _PLAIN if name != "complaint_id"}
        values["explanation"] = _to_json(case.explanation)
        values["reply"] = case.reply_text
        return values

    @staticmethod
    def _assist(row: RoutingAssist) -> Assist:
        return Assist(row.department, row.due, row.requested_at, row.requested_by, row.note, AssistStatus(row.status),
                      row.replied_at, row.replied_by, row.reply, id=row.id)

    @staticmethod
    def _extension(row: RoutingExtension) -> Extension:
        return Extension(row.working_days, row.reason, row.requested_at, row.requested_by,
                         ExtensionStatus(row.status), row.decided_at, row.decided_by, id=row.id)

    @staticmethod
    def _case(row: RoutingCase) -> Case:
        values = {name: getattr(row, name) for name in _PLAIN}
        return Case(**values, status=Status(row.status), explanation=json.loads(row.explanation),
                    reply_text=row.reply)

    def _write(self, case: Case, before: Case | None) -> None:
        """The case's columns (a new row, or the columns that changed since `before`), its new history entries,
        its new or decided extensions. The case row and its history are written as statements, not through the
        ORM's objects: every complaint passes here several times, and building, tracking and flushing objects
        cost routing more than the database did (py-spy, bench.drain)."""
        values = self._columns(case)
        values["status"] = case.status.value
        self.session.flush()  # whatever the session holds goes first, in the order it was made
        if before is None:
            self.session.execute(_INSERT_CASE, {"complaint_id": case.complaint_id, **values})
        else:
            old = self._columns(before)
            old["status"] = before.status.value
            changed = {name: value for name, value in values.items() if old[name] != value}
            if changed:
                self.session.execute(_UPDATE_CASE, {"_complaint_id": case.complaint_id, **changed})
            expire_row(self.session, RoutingCase, case.complaint_id)  # the row `get` read is no longer the table's
        self._write_children(case)

    def _write_children(self, case: Case) -> None:
        for entry in case.history:
            if entry.id is None:
                entry.id = inserted_id(self.session.execute(_INSERT_HISTORY, {
                    "complaint_id": case.complaint_id, "action": entry.action, "actor": entry.actor, "at": entry.at,
                    "detail": _to_json(entry.detail)}))
        for entry in case.history:
            if entry.rewritten and entry.id is not None:  # anonymised: its detail scrubbed
                self.session.get_one(RoutingCaseHistory, entry.id).detail = _to_json(entry.detail)
                entry.rewritten = False
        extensions = []
        for extension in case.extensions:
            row = self.session.get(RoutingExtension, extension.id) if extension.id is not None else None
            if row is None:
                row = RoutingExtension(complaint_id=case.complaint_id, working_days=extension.working_days,
                                       reason=extension.reason, status=extension.status.value,
                                       requested_at=extension.requested_at, requested_by=extension.requested_by)
            row.status, row.decided_at, row.decided_by, row.reason = (extension.status.value, extension.decided_at,
                                                                      extension.decided_by, extension.reason)
            extensions.append((extension, row))
        assists = []
        for assist in case.assists:
            found = self.session.get(RoutingAssist, assist.id) if assist.id is not None else None
            if found is None:
                found = RoutingAssist(complaint_id=case.complaint_id, department=assist.department,
                                      status=assist.status.value, due=assist.due, note=assist.note,
                                      requested_at=assist.requested_at, requested_by=assist.requested_by)
            found.status, found.replied_at, found.replied_by, found.reply, found.note = (
                assist.status.value, assist.replied_at, assist.replied_by, assist.reply, assist.note)
            assists.append((assist, found))
        new_photos = [RoutingPhoto(id=p.id, complaint_id=case.complaint_id, reply_round=p.reply_round,
                                   department=p.department, key=p.key, content_type=p.content_type, size=p.size,
                                   sha256=p.sha256, uploaded_by=p.uploaded_by, uploaded_at=p.uploaded_at)
                      for p in case.photos if not p.stored]
        rows: list[Any] = [row for _, row in extensions] + [row for _, row in assists] + new_photos
        if rows:
            self.session.add_all(rows)
            self.session.flush()
        for assist, found in assists:
            assist.id = found.id
        for photo in case.photos:
            photo.stored = True
        for extension, row in extensions:
            extension.id = row.id
        self._write_pauses(case)

    def _load_pauses(self, case: Case) -> None:
        """派单异议 and 挂起 of the case (pause_tables.py)."""
        disputes = self.session.scalars(select(RoutingDispute)
                                        .where(col(RoutingDispute.complaint_id) == case.complaint_id)
                                        .order_by(col(RoutingDispute.id)))
        case.disputes = [Dispute(d.department, d.assigned_at, d.reply_round, d.reason, d.raised_at, d.raised_by,
                                 d.proposed_department, DisputeStatus(d.status), d.decided_at, d.decided_by, d.note,
                                 d.reassigned_to, d.paused_seconds, id=d.id) for d in disputes]
        suspensions = self.session.scalars(select(RoutingSuspension)
                                           .where(col(RoutingSuspension.complaint_id) == case.complaint_id)
                                           .order_by(col(RoutingSuspension.id)))
        case.suspensions = [Suspension(s.department, s.reply_round, SuspendReason(s.reason_code), s.started_at,
                                       s.started_by, s.note, s.ended_at, s.ended_by, s.credited_seconds, id=s.id)
                            for s in suspensions]

    def _write_pauses(self, case: Case) -> None:
        disputes = []
        for dispute in case.disputes:
            row = self.session.get(RoutingDispute, dispute.id) if dispute.id is not None else None
            if row is None:
                row = RoutingDispute(complaint_id=case.complaint_id, department=dispute.department,
                                     assigned_at=dispute.assigned_at, reply_round=dispute.reply_round,
                                     reason=dispute.reason, proposed_department=dispute.proposed_department,
                                     status=dispute.status.value, raised_at=dispute.raised_at,
                                     raised_by=dispute.raised_by)
            row.status, row.decided_at, row.decided_by, row.note = (dispute.status.value, dispute.decided_at,
                                                                    dispute.decided_by, dispute.note)
            row.reassigned_to, row.paused_seconds, row.reason = (dispute.reassigned_to, dispute.paused_seconds,
                                                                 dispute.reason)
            disputes.append((dispute, row))
        suspensions = []
        for suspension in case.suspensions:
            found = self.session.get(RoutingSuspension, suspension.id) if suspension.id is not None else None
            if found is None:
                found = RoutingSuspension(complaint_id=case.complaint_id, department=suspension.department,
                                          reply_round=suspension.reply_round,
                                          reason_code=suspension.reason_code.value, started_at=suspension.started_at,
                                          started_by=suspension.started_by)
            found.note, found.ended_at, found.ended_by, found.credited_seconds = (
                suspension.note, suspension.ended_at, suspension.ended_by, suspension.credited_seconds)
            suspensions.append((suspension, found))
        self.session.add_all([row for _, row in disputes] + [row for _, row in suspensions])
        self.session.flush()
        for dispute, row in disputes:
            dispute.id = row.id
        for suspension, found in suspensions:
            suspension.id = found.id

    def open_disputes(self, *, limit: int) -> tuple[CaseList, int]:
        """Cases with a dispute waiting for a supervisor (异议待裁定), the oldest first (read only)."""
        waiting = col(RoutingCase.disputed_since).is_not(None)
        total = self.session.scalar(select(func.count()).select_from(RoutingCase).where(waiting)) or 0
        rows = self.session.scalars(select(RoutingCase).where(waiting)
                                    .order_by(col(RoutingCase.disputed_since), col(RoutingCase.complaint_id))
                                    .limit(limit))
        cases = []
        for row in rows:
            found = self._case(row)
            self._load_pauses(found)
            cases.append(found)
        return cases, total


class RuleRepository:
    def __init__(self, session: Session, reference: ReferenceCache) -> None:
        self.session = session
        self.reference = reference

    def active(self) -> list[RoutingRule]:
        """The rules in force, by id (adapters/reference.py: from memory while the tables are unchanged)."""
        return list(self.reference.tables(self.session).active_rules)


class RuleBookRepository(Repository[RuleBook]):
    """The rule book: every rule and the revision, taken with a row lock (one change at a time); written
    back with the rules it created or changed and the lines of its audit."""

    def book(self, *, for_update: bool = False) -> RuleBook:
        query = select(RuleBookRow).where(col(RuleBookRow.id) == 1)
        if for_update:
            query = query.with_for_update()
        head = self.session.scalars(query).one()
        rules = [rule_of(r) for r in self.session.scalars(select(RoutingRuleRow).order_by(col(RoutingRuleRow.id)))]
        return self._hold("book", RuleBook(rules, head.revision), new=False)

    def next_id(self) -> int:
        return (self.session.scalar(select(func.max(RoutingRuleRow.id))) or 0) + 1

    def history(self, *, rule_id: int | None = None, limit: int = 100) -> list[RuleChange]:
        query = select(RuleChangeRow).order_by(col(RuleChangeRow.revision).desc()).limit(limit)
        if rule_id is not None:
            query = query.where(col(RuleChangeRow.rule_id) == rule_id)
        return [RuleChange(r.revision, r.rule_id, r.action, json.loads(r.before) if r.before else None,
                           json.loads(r.after), r.by, r.at, r.reason) for r in self.session.scalars(query)]

    def _write(self, book: RuleBook, before: RuleBook | None) -> None:
        created = {rule.id for rule in book.new_rules}
        for rule in book.new_rules:
            self.session.add(RoutingRuleRow(id=rule.id, category=rule.category, subcategory=rule.subcategory,
                                            area=rule.area, town=rule.town, department=rule.department,
                                            active=rule.active, note=rule.note))
        self.session.flush()
        for change in book.changes:
            if change.rule_id not in created:
                row = self.session.get_one(RoutingRuleRow, change.rule_id)
                rule = book.get(change.rule_id)
                row.department, row.active, row.note = rule.department, rule.active, rule.note
            self.session.add(RuleChangeRow(revision=change.revision, rule_id=change.rule_id, action=change.action,
                                           before=json.dumps(change.before, ensure_ascii=False)
                                           if change.before is not None else None,
                                           after=json.dumps(change.after, ensure_ascii=False), by=change.by,
                                           at=change.at, reason=change.reason))
        self.session.get_one(RuleBookRow, 1).revision = book.revision
        book.new_rules.clear()
        book.changes.clear()
        self.session.flush()
        forget(self.session)  # the trigger changed the token: read the rules again, with this change


class TimeLimitRepository:
    def __init__(self, session: Session, reference: ReferenceCache) -> None:
        self.session = session
        self.reference = reference

    def all(self) -> list[TimeLimit]:
        return list(self.reference.tables(self.session).limits)


class DepartmentRepository(Repository[DepartmentDirectory]):
    """routing_departments: the one place departments live."""

    def __init__(self, session: Session, track: Track, *, reference: ReferenceCache) -> None:
        super().__init__(session, track)
        self.reference = reference

    def directory(self, *, for_update: bool = False) -> DepartmentDirectory:
        """Every department (tracked: a DepartmentsChangedV1 it records goes out at commit).

        `for_update`: changes take turns on PostgreSQL, so each published directory holds every change
        committed before it (SQLite serialises writers itself).
        """
        if for_update and self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(text("SELECT pg_advisory_xact_lock(hashtext('routing_departments'))"))
        if (held := self.held("directory")) is not None:
            return held
        rows = self.session.scalars(select(RoutingDepartment).order_by(col(RoutingDepartment.code)))
        directory = DepartmentDirectory(Department(r.code, r.name, r.kind, r.active, r.revision) for r in rows)
        return self._hold("directory", directory, new=False)

    def _write(self, directory: DepartmentDirectory, before: DepartmentDirectory | None) -> None:
        for department in directory:
            row = self.session.get(RoutingDepartment, department.code)
            if row is None:
                self.session.add(RoutingDepartment(code=department.code, name=department.name, kind=department.kind,
                                                   active=department.active, revision=department.revision))
            else:
                row.name, row.kind, row.active, row.revision = (department.name, department.kind, department.active,
                                                                department.revision)
        self.session.flush()
        forget(self.session)  # the trigger changed the token: read the tables again, with this change

    def active(self) -> dict[str, str]:
        """Active departments: code -> name."""
        return self.reference.tables(self.session).active_departments()

    def names(self) -> dict[str, str]:
        """Every department's name by code (a switched-off one still names its old cases)."""
        return {code: name for code, (name, _) in self.reference.tables(self.session).departments.items()}

    def exists(self, code: str) -> bool:
        return code in self.reference.tables(self.session).departments


class TownRepository:
    def __init__(self, session: Session, reference: ReferenceCache) -> None:
        self.session = session
        self.reference = reference

    def all(self) -> dict[str, Town]:
        return dict(self.reference.tables(self.session).towns)

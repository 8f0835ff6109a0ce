"""Repositories: intake's aggregates in and out of its tables. They never commit; the unit of work does.

The aggregates' repositories derive from `shared.repository.Repository`: what they load or add is held
(and tracked, so its events go out), and at commit the unit of work has them write what changed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy import and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlmodel import col

from services.intake.adapters.tables import (
    ApiKeyRow,
    AttachmentRow,
    ChannelRefRow,
    ComplaintRow,
    ContactViewRow,
    DepartmentNameRow,
    IdempotencyKeyRow,
    RatingRow,
    TimelineRow,
    UserRow,
)
from services.intake.domain.accounts import ApiKey, User
from services.intake.domain.attachments import Attachment, AttachmentInfo
from services.intake.domain.complaint import Complaint, GivenRating, IdempotencyKey, TimelineEntry
from services.intake.domain.contact import ContactPurpose, ContactView
from services.intake.domain.departments import Department, DepartmentDirectory
from services.intake.domain.open311 import RequestFilter, RequestRecord
from services.intake.domain.status import Status
from services.intake.domain.views import PastComplaint
from shared.clock import Clock
from shared.contracts.codes import Channel, Rating, Resolution, Role
from shared.core_writes import expire_row, inserted_id
from shared.repository import Repository, Track

# Complaint fields stored in a column of the same name (the id, the enums and the children by hand).
# Statements built once, their values given at execution; an update sets the columns it is given
_UPDATE_COMPLAINT = update(ComplaintRow.__table__).where(  # type: ignore[attr-defined]
    ComplaintRow.__table__.c.id == bindparam("_id"))  # type: ignore[attr-defined]
_INSERT_TIMELINE = insert(TimelineRow.__table__)  # type: ignore[attr-defined]

_COMPLAINT_COLUMNS = (
    "tracking_code", "content", "category", "subcategory", "town", "address", "lat", "lon", "occurred_at",
    "urgent", "reporter_name_enc", "reporter_phone_enc", "phone_last4", "anonymous", "received_at",
    "department", "reply", "replied_at", "reply_round", "reporter_phone_hmac", "citizen_token_hash",
    "citizen_token_enc", "reply_due", "reported_by", "legacy_id", "merged_into", "master_tracking_code",
)

_COMPLAINTS: sa.Table = ComplaintRow.__table__  # type: ignore[attr-defined]  # SQLModel's tables
_TIMELINE: sa.Table = TimelineRow.__table__  # type: ignore[attr-defined]
_RATINGS: sa.Table = RatingRow.__table__  # type: ignore[attr-defined]
_KEYS: sa.Table = IdempotencyKeyRow.__table__  # type: ignore[attr-defined]
_REFS: sa.Table = ChannelRefRow.__table__  # type: ignore[attr-defined]
_CONTACT_VIEWS: sa.Table = ContactViewRow.__table__  # type: ignore[attr-defined]
# Built once: a receipt with an Idempotency-Key (the web form's) looks its key up every time.
_KEY_BY_KEY = select(_KEYS.c.key, _KEYS.c.fingerprint, _KEYS.c.complaint_id, _KEYS.c.created_at) \
    .where(_KEYS.c.key == sa.bindparam("key"))
_REF_BY_KEY = select(_REFS.c.complaint_id).where(_REFS.c.channel == sa.bindparam("channel"),
                                                 _REFS.c.ref == sa.bindparam("ref"))


class InsertRow(Protocol):
    """The unit of work's `insert`: a new row written with the transaction (shared.uow)."""

    def __call__(self, table: sa.Table, row: dict[str, Any], *, if_absent: bool = False,
                 returned: Callable[[Any], None] | None = None) -> None: ...


def _stored(item: TimelineEntry | GivenRating) -> Callable[[Any], None]:
    """Records the key its row got (a timeline entry or rating with an id is stored)."""

    def stored(key: Any) -> None:
        item.id = key

    return stored


def _resolution(rating: GivenRating) -> str | None:
    return rating.resolution.value if rating.resolution is not None else None


# What the public feed (Open311) reads of a complaint: never a reporter's column.
_PUBLIC_COLUMNS = ("tracking_code", "status", "content", "category", "subcategory", "town", "address", "lat", "lon",
                   "department", "received_at", "updated_at", "reply_due")


class ComplaintRepository(Repository[Complaint]):
    def __init__(self, session: Session, track: Track, *, clock: Clock, insert: InsertRow | None = None) -> None:
        super().__init__(session, track)
        self._clock = clock  # a written complaint's updated_at
        self._insert = insert  # the unit of work's new rows (shared.uow.SqlUnitOfWork.insert)

    def add(self, complaint: Complaint) -> None:
        """A new complaint: its row and its timeline are the unit of work's new rows, written before anything
        else the transaction does next (rows that point at it, an idempotency key, may follow) or at commit,
        where a receipt that wrote nothing else joins other requests' in one transaction (group commit)."""
        if self._insert is None:
            self._write(complaint, None)
        else:
            self._insert(_COMPLAINTS, {"id": complaint.complaint_id, "updated_at": self._clock.now(),
                                       **self._columns(complaint)})
            for entry in complaint.timeline:
                self._insert(_TIMELINE, {"complaint_id": complaint.complaint_id, "at": entry.at,
                                         "status": entry.status.value, "text": entry.text,
                                         "department": entry.department}, returned=_stored(entry))
            for rating in complaint.ratings:
                self._insert(_RATINGS, {"complaint_id": complaint.complaint_id, "reply_round": rating.reply_round,
                                        "rating": rating.rating.value, "comment": rating.comment, "via": rating.via,
                                        "rated_at": rating.rated_at, "resolution": _resolution(rating)},
                             returned=_stored(rating))
        self._hold(complaint.complaint_id, complaint, new=False)

    def add_many(self, complaints: Sequence[Complaint]) -> None:
        """Many new complaints at once (the historical import): one INSERT for the complaints, one for
        their timelines, one for their ratings, instead of a flush for each complaint."""
        if not complaints:
            return
        now = self._clock.now()
        self.session.execute(insert(ComplaintRow), [{"id": c.complaint_id, "updated_at": now, **self._columns(c)}
                                                    for c in complaints])
        entries = [(c.complaint_id, e) for c in complaints for e in c.timeline if e.id is None]
        ratings = [(c.complaint_id, r) for c in complaints for r in c.ratings if r.id is None]
        if entries:
            ids = self.session.scalars(
                insert(TimelineRow).returning(col(TimelineRow.id), sort_by_parameter_order=True),
                [{"complaint_id": cid, "at": e.at, "status": e.status.value, "text": e.text,
                  "department": e.department} for cid, e in entries]).all()
            for (_, entry), entry_id in zip(entries, ids, strict=True):
                entry.id = entry_id
        if ratings:
            rating_ids = self.session.scalars(
                insert(RatingRow).returning(col(RatingRow.id), sort_by_parameter_order=True),
                [{"complaint_id": cid, "reply_round": r.reply_round, "rating": r.rating.value, "comment": r.comment,
                  "via": r.via, "rated_at": r.rated_at, "resolution": _resolution(r)} for cid, r in ratings]).all()
            for (_, rating), rating_id in zip(ratings, rating_ids, strict=True):
                rating.id = rating_id
        for complaint in complaints:
            self._hold(complaint.complaint_id, complaint, new=False)

    def get(self, complaint_id: str, *, for_update: bool = False) -> Complaint | None:
        return self._one(col(ComplaintRow.id) == complaint_id, for_update)

    def by_tracking_code(self, tracking_code: str, *, for_update: bool = False) -> Complaint | None:
        return self._one(col(ComplaintRow.tracking_code) == tracking_code, for_update)

    def merged_into(self, master_id: str, *, for_update: bool = False) -> list[Complaint]:
        """The complaints merged into `master_id` (并单): they follow its handling."""
        ids = self.session.scalars(select(col(ComplaintRow.id)).where(col(ComplaintRow.merged_into) == master_id)
                                   .order_by(col(ComplaintRow.id)))
        return [found for complaint_id in list(ids) if (found := self.get(complaint_id, for_update=for_update))]

    def imported_already(self, legacy_ids: Iterable[str]) -> set[str]:
        """Which of these older-system numbers have been imported (importing twice adds nothing)."""
        wanted = list(legacy_ids)
        found: set[str] = set()
        for start in range(0, len(wanted), 500):  # bound the IN list
            chunk = wanted[start:start + 500]
            found.update(self.session.scalars(select(col(ComplaintRow.legacy_id))
                                              .where(col(ComplaintRow.legacy_id).in_(chunk))))
        return found

    def by_token_hash(self, token_hash: str, *, for_update: bool = False) -> Complaint | None:
        """The complaint whose private token hashes to this (the link /r/<token>)."""
        return self._one(col(ComplaintRow.citizen_token_hash) == token_hash, for_update)

    def public_records(self, where: RequestFilter) -> list[RequestRecord]:
        """The public feed (Open311), newest first: by tracking codes, or by time, type and state.

        A read model: only the columns the feed shows are read (never a reporter's), nothing is held.
        """
        row = ComplaintRow
        query = (select(*(col(getattr(row, name)) for name in _PUBLIC_COLUMNS))
                 .where(col(row.channel).in_([channel.value for channel in where.channels])))
        if where.tracking_codes is not None:
            query = query.where(col(row.tracking_code).in_(where.tracking_codes))
        else:
            if where.start is not None:
                query = query.where(col(row.received_at) >= where.start)
            if where.end is not None:
                query = query.where(col(row.received_at) <= where.end)
            if where.types:
                query = query.where(or_(*(and_(col(row.category) == category,
                                               col(row.subcategory) == subcategory if subcategory
                                               else col(row.subcategory).is_(None))
                                          for category, subcategory in where.types)))
            if where.statuses:
                query = query.where(col(row.status).in_(sorted(status.value for status in where.statuses)))
        query = query.order_by(col(row.received_at).desc(), col(row.tracking_code)).limit(where.limit)
        return [RequestRecord(**{**r._mapping, "status": Status(r.status)}) for r in self.session.execute(query)]

    # --- mapping ------------------------------------------------------------------------------------

    def _one(self, where: object, for_update: bool) -> Complaint | None:
        query = select(ComplaintRow).where(where)  # type: ignore[arg-type]
        if for_update:
            query = query.with_for_update()
        row = self.session.scalars(query).one_or_none()
        if row is None:
            return None
        if (held := self.held(row.id)) is not None:
            return held
        timeline = self.session.scalars(select(TimelineRow).where(col(TimelineRow.complaint_id) == row.id)
                                        .order_by(col(TimelineRow.id)))
        ratings = self.session.scalars(select(RatingRow).where(col(RatingRow.complaint_id) == row.id)
                                       .order_by(col(RatingRow.id)))
        complaint = Complaint(
            complaint_id=row.id, channel=Channel(row.channel), status=Status(row.status),
            rating=Rating(row.rating) if row.rating else None,
            reply_photos=json.loads(row.reply_photos) if row.reply_photos else [],
            **{name: getattr(row, name) for name in _COMPLAINT_COLUMNS},
            timeline=[TimelineEntry(t.at, Status(t.status), t.text, t.department, id=t.id) for t in timeline],
            ratings=[GivenRating(r.reply_round, Rating(r.rating), r.comment, r.via, r.rated_at, id=r.id,
                                 resolution=Resolution(r.resolution) if r.resolution else None)
                     for r in ratings],
        )
        return self._hold(row.id, complaint, new=False)

    def _write(self, complaint: Complaint, before: Complaint | None) -> None:
        """Its columns, and the timeline entries and ratings not stored yet (they are only ever added)."""
        if before is None:
            self.session.add(ComplaintRow(id=complaint.complaint_id, updated_at=self._clock.now(),
                                          **self._columns(complaint)))
            self.session.flush()  # the complaint row exists before rows that point at it
        else:
            # An update of the columns that changed and the new timeline entries, as statements built once (not
            # through ORM objects): every lifecycle event of every complaint passes here (issue 12, bench.drain).
            values, old = self._columns(complaint), self._columns(before)
            changed = {name: value for name, value in values.items() if old[name] != value}
            self.session.flush()  # whatever the session holds goes first, in the order it was made
            self.session.execute(_UPDATE_COMPLAINT, {"_id": complaint.complaint_id, **changed,
                                                     "updated_at": self._clock.now()})
            expire_row(self.session, ComplaintRow, complaint.complaint_id)  # the row `get` read is not the table's
        for entry in complaint.timeline:
            if entry.id is None:
                entry.id = inserted_id(self.session.execute(_INSERT_TIMELINE, {
                    "complaint_id": complaint.complaint_id, "at": entry.at, "status": entry.status.value,
                    "text": entry.text, "department": entry.department}))
        ratings = [r for r in complaint.ratings if r.id is None]
        rating_rows = [RatingRow(complaint_id=complaint.complaint_id, reply_round=r.reply_round,
                                 rating=r.rating.value, comment=r.comment, via=r.via, rated_at=r.rated_at,
                                 resolution=_resolution(r))
                       for r in ratings]
        if rating_rows:
            self.session.add_all(rating_rows)
            self.session.flush()
        for rating, stored_rating in zip(ratings, rating_rows, strict=True):
            rating.id = stored_rating.id

    @staticmethod
    def _columns(complaint: Complaint) -> dict[str, Any]:
        values: dict[str, Any] = {name: getattr(complaint, name) for name in _COMPLAINT_COLUMNS}
        values["channel"] = complaint.channel.value
        values["status"] = complaint.status.value
        values["rating"] = complaint.rating.value if complaint.rating else None
        values["reply_photos"] = json.dumps(complaint.reply_photos) if complaint.reply_photos else None
        return values


class IdempotencyKeyRepository:
    """Keys are written once and never change: no aggregate, no tracking. `committed`: read keys as committed,
    outside the transaction (a key's primary key refuses a second one at commit anyway)."""

    def __init__(self, session: Session, insert: InsertRow | None = None,
                 committed: Callable[[], AbstractContextManager[Connection]] | None = None) -> None:
        self.session = session
        self._insert = insert
        self._committed = committed

    def get(self, key: str) -> IdempotencyKey | None:
        if self._committed is None:
            found = self.session.get(IdempotencyKeyRow, key)
            return IdempotencyKey(found.key, found.fingerprint, found.complaint_id, found.created_at) if found else None
        with self._committed() as conn:
            row = conn.execute(_KEY_BY_KEY, {"key": key}).first()
        return IdempotencyKey(row.key, row.fingerprint, row.complaint_id, row.created_at) if row else None

    def add(self, record: IdempotencyKey) -> None:
        row: dict[str, Any] = {"key": record.key, "fingerprint": record.fingerprint,
                               "complaint_id": record.complaint_id, "created_at": record.created_at}
        if self._insert is not None:
            self._insert(IdempotencyKeyRow.__table__, row)  # type: ignore[attr-defined]
        else:
            self.session.add(IdempotencyKeyRow(**row))


class ChannelRefRepository:
    """(channel, the channel's own id) → the complaint it created; written once, never changed."""

    def __init__(self, session: Session, insert: InsertRow | None = None,
                 committed: Callable[[], AbstractContextManager[Connection]] | None = None) -> None:
        self.session = session
        self._insert = insert
        self._committed = committed  # as IdempotencyKeyRepository's

    def get(self, channel: str, ref: str) -> str | None:
        if self._committed is None:
            found = self.session.get(ChannelRefRow, (channel, ref))
            return found.complaint_id if found is not None else None
        with self._committed() as conn:
            complaint_id: str | None = conn.scalar(_REF_BY_KEY, {"channel": channel, "ref": ref})
        return complaint_id

    def add(self, channel: str, ref: str, complaint_id: str, at: datetime) -> None:
        row: dict[str, Any] = {"channel": channel, "ref": ref, "complaint_id": complaint_id, "created_at": at}
        if self._insert is not None:
            self._insert(ChannelRefRow.__table__, row)  # type: ignore[attr-defined]
        else:
            self.session.add(ChannelRefRow(**row))


class AttachmentRepository:
    """Attachments of complaints: written once, never changed (the bytes are in the attachment store)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, attachment: Attachment) -> None:
        self.session.add(AttachmentRow(**{name: getattr(attachment, name) for name in _ATTACHMENT_COLUMNS}))

    def get(self, attachment_id: str) -> Attachment | None:
        row = self.session.get(AttachmentRow, attachment_id)
        return Attachment(**{name: getattr(row, name) for name in _ATTACHMENT_COLUMNS}) if row is not None else None

    def count_for(self, complaint_id: str) -> int:
        return self.session.scalars(select(func.count()).select_from(AttachmentRow)
                                    .where(col(AttachmentRow.complaint_id) == complaint_id)).one()

    def listed(self, complaint_id: str) -> list[AttachmentInfo]:
        """What the citizen's view lists, oldest first."""
        rows = self.session.execute(select(col(AttachmentRow.id), col(AttachmentRow.content_type),
                                           col(AttachmentRow.size))
                                    .where(col(AttachmentRow.complaint_id) == complaint_id)
                                    .order_by(col(AttachmentRow.created_at), col(AttachmentRow.id)))
        return [AttachmentInfo(r.id, r.content_type, r.size) for r in rows]


_ATTACHMENT_COLUMNS = ("id", "complaint_id", "content_type", "size", "sha256", "storage_key", "gps_removed",
                       "created_at")


class ContactViews:
    """查看联系方式: the reads of reporters' contacts in clear, written with the unit of work."""

    def __init__(self, session: Session, insert: InsertRow) -> None:
        self.session, self._insert = session, insert

    def record(self, view: ContactView) -> None:
        self._insert(_CONTACT_VIEWS, {"complaint_id": view.complaint_id, "read_by": view.read_by,
                                      "read_at": view.read_at, "purpose": view.purpose.value, "reason": view.reason})

    def of(self, complaint_id: str, *, limit: int) -> list[ContactView]:
        """The reads of one complaint's contact, the latest first."""
        rows = self.session.execute(select(_CONTACT_VIEWS).where(_CONTACT_VIEWS.c.complaint_id == complaint_id)
                                    .order_by(_CONTACT_VIEWS.c.id.desc()).limit(limit))
        return [ContactView(r.complaint_id, r.read_by, r.read_at, ContactPurpose(r.purpose), r.reason) for r in rows]


class ComplaintHistory:
    """Read model for the hotline operator: earlier complaints of a caller or at an address, newest first."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def by_phone_hmac(self, phone_hmac: str, *, limit: int) -> list[PastComplaint]:
        return self._past(col(ComplaintRow.reporter_phone_hmac) == phone_hmac, limit)

    def by_address(self, text: str, *, limit: int) -> list[PastComplaint]:
        """Complaints whose address contains `text` (as typed: % and _ are not wildcards)."""
        return self._past(col(ComplaintRow.address).icontains(text, autoescape=True), limit)

    def by_reporter(self, username: str, *, limit: int) -> list[PastComplaint]:
        """A grid worker's own patrol findings."""
        return self._past(and_(col(ComplaintRow.channel) == Channel.grid.value,
                               col(ComplaintRow.reported_by) == username), limit)

    def _past(self, where: Any, limit: int) -> list[PastComplaint]:
        rows = self.session.scalars(select(ComplaintRow).where(where)
                                    .order_by(col(ComplaintRow.received_at).desc(), col(ComplaintRow.id))
                                    .limit(limit))
        return [PastComplaint(tracking_code=r.tracking_code, received_at=r.received_at, status=Status(r.status),
                              category=r.category, subcategory=r.subcategory, address=r.address, content=r.content)
                for r in rows]


_USER_COLUMNS = ("username", "password_hash", "created_at", "department", "display_name", "active", "town",
                 "token_version")


class UserRepository(Repository[User]):
    def add(self, user: User) -> None:
        self._hold(user.username, user, new=True)

    def get(self, username: str) -> User | None:
        if (held := self.held(username)) is not None:
            return held
        row = self.session.get(UserRow, username)
        return self._user(row) if row is not None else None

    def list(self) -> list[User]:
        rows = self.session.scalars(select(UserRow).order_by(col(UserRow.username)))
        return [self.held(row.username) or self._user(row) for row in rows]

    def usernames(self) -> set[str]:
        return set(self.session.scalars(select(col(UserRow.username))))

    def _user(self, row: UserRow) -> User:
        user = User(role=Role(row.role), **{name: getattr(row, name) for name in _USER_COLUMNS})
        return self._hold(user.username, user, new=False)

    def _write(self, user: User, before: User | None) -> None:
        if before is None:
            self.session.add(UserRow(role=user.role.value, **{name: getattr(user, name) for name in _USER_COLUMNS}))
            return
        row = self.session.get_one(UserRow, user.username)
        row.role = user.role.value
        for name in _USER_COLUMNS:
            setattr(row, name, getattr(user, name))


class ApiKeyRepository(Repository[ApiKey]):
    """Held by their hash, which a key has from the start (its id comes from the database at commit)."""

    def add(self, key: ApiKey) -> None:
        self._hold(key.key_hash, key, new=True)

    def get(self, key_id: int) -> ApiKey | None:
        row = self.session.get(ApiKeyRow, key_id)
        return self._key(row) if row is not None else None

    def by_hash(self, key_hash: str) -> ApiKey | None:
        row = self.session.scalars(select(ApiKeyRow).where(col(ApiKeyRow.key_hash) == key_hash)).one_or_none()
        return self._key(row) if row is not None else None

    def list(self) -> list[ApiKey]:
        return [self._key(row) for row in self.session.scalars(select(ApiKeyRow).order_by(col(ApiKeyRow.id)))]

    def _key(self, row: ApiKeyRow) -> ApiKey:
        if (held := self.held(row.key_hash)) is not None:
            return held
        key = ApiKey(name=row.name, key_hash=row.key_hash, created_at=row.created_at, active=row.active, id=row.id)
        return self._hold(row.key_hash, key, new=False)

    def _write(self, key: ApiKey, before: ApiKey | None) -> None:
        if before is None:
            row = ApiKeyRow(name=key.name, key_hash=key.key_hash, active=key.active, created_at=key.created_at)
            self.session.add(row)
            self.session.flush()  # the id is the database's
            key.id = row.id
            return
        row = self.session.get_one(ApiKeyRow, key.id)
        row.name, row.active = key.name, key.active


class DepartmentNameRepository:
    """The read model of routing's directory: replaced whole by each newer snapshot."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def directory(self) -> DepartmentDirectory:
        rows = self.session.scalars(select(DepartmentNameRow))
        return DepartmentDirectory(Department(r.code, r.name, r.active) for r in rows)

    def revision(self) -> int | None:
        """The stored snapshot's revision (None before the first one arrives)."""
        return self.session.scalars(select(func.max(col(DepartmentNameRow.revision)))).one()

    def replace(self, departments: Iterable[Department], *, revision: int, changed_at: datetime) -> None:
        self.session.execute(delete(DepartmentNameRow))
        self.session.add_all([DepartmentNameRow(code=d.code, name=d.name, active=d.active, changed_at=changed_at,
                                                revision=revision)
                              for d in departments])

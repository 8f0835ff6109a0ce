"""The rows `complaints anonymise` reads and changes (service_layer/retention.py; the rules: domain/retention.py).

Plain statements on intake's tables, one batch of complaints at a time on the caller's connection (its
transaction): the complaints finished before a moment and not archived yet, locked on PostgreSQL while the
batch is changed (a lifecycle event for one of them waits, or is waited for); then everything personal of
them, planned first (a dry run stops there) and written after.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.intake.adapters.tables import (
    OUTBOUND_MESSAGES,
    ChannelRefRow,
    ComplaintRow,
    IdempotencyKeyRow,
    RatingRow,
    TimelineRow,
    WechatRecipientRow,
    WechatSessionRow,
)
from services.intake.adapters.upstream_tables import UPSTREAM_CASES, UPSTREAM_PUSHES
from services.intake.domain.retention import ARCHIVE_NOTE, FINISHED, scrub, scrubbed
from shared.contracts.events import ComplaintAnonymisedV1
from shared.db import AwareDateTime
from shared.eventbus import outbox
from shared.eventbus.retention import scrub_logged
from shared.outbound import MessageStatus

_C: sa.Table = ComplaintRow.__table__  # type: ignore[attr-defined]  # SQLModel's tables
_T: sa.Table = TimelineRow.__table__  # type: ignore[attr-defined]
_R: sa.Table = RatingRow.__table__  # type: ignore[attr-defined]
_W: sa.Table = WechatRecipientRow.__table__  # type: ignore[attr-defined]
_REFS: sa.Table = ChannelRefRow.__table__  # type: ignore[attr-defined]
_KEYS: sa.Table = IdempotencyKeyRow.__table__  # type: ignore[attr-defined]
_DRAFTS: sa.Table = WechatSessionRow.__table__  # type: ignore[attr-defined]
_OUT = OUTBOUND_MESSAGES

# The reporter's columns, all emptied: name, phone (ciphertext, keyed hash, last four), private token.
PERSONAL_COLUMNS = ("reporter_name_enc", "reporter_phone_enc", "reporter_phone_hmac", "phone_last4",
                    "citizen_token_hash", "citizen_token_enc")


def _finished_before(cutoff: datetime) -> sa.ColumnElement[bool]:
    historical = sa.and_(_C.c.legacy_id.is_not(None), _C.c.citizen_token_hash.is_(None))
    finished_at = sa.case((historical, sa.func.coalesce(_C.c.replied_at, _C.c.received_at)), else_=_C.c.updated_at)
    archived = sa.exists().where(_T.c.complaint_id == _C.c.id, _T.c.text == ARCHIVE_NOTE)
    return sa.and_(_C.c.status.in_([status.value for status in FINISHED]),
                   finished_at < sa.bindparam("cutoff", cutoff, type_=AwareDateTime()), ~archived)


def due(conn: Connection, cutoff: datetime, *, after: str | None, limit: int, lock: bool) -> list[str]:
    """Ids of the next `limit` complaints (in id order, after `after`) finished before `cutoff`, not archived."""
    query = sa.select(_C.c.id).where(_finished_before(cutoff)).order_by(_C.c.id).limit(limit)
    if after is not None:
        query = query.where(_C.c.id > after)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update(of=_C)
    return list(conn.scalars(query))


@dataclass
class BatchPlan:
    """What anonymising these complaints changes (counted by a dry run, written by `apply`)."""

    ids: list[str]
    complaints: dict[str, dict[str, Any]] = field(default_factory=dict)  # id → the columns to set
    statuses: dict[str, str] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)  # id → tracking code (for the event)
    with_reporter: int = 0  # complaints that had a name or phone
    with_token: int = 0  # complaints that had a private link
    texts: int = 0  # complaint texts and replies with a number scrubbed
    timeline: dict[int, tuple[str, str]] = field(default_factory=dict)  # entry id → (complaint id, scrubbed text)
    comments: dict[int, tuple[str, str]] = field(default_factory=dict)  # rating id → (complaint id, scrubbed)
    wechat_recipients: int = 0
    messages: int = 0
    channel_refs: int = 0
    idempotency_keys: int = 0
    upstream_pushes: int = 0  # actions told to an upstream platform (12345, the national one), sent or given up


def _upstream_pushes(ids: Sequence[str]) -> sa.ColumnElement[bool]:
    """What was pushed to the platforms about these complaints and is done with (sent, or dead): its body
    carries the reply's text. Actions still pending stay, so the platform hears the end of the case."""
    refs = sa.select(UPSTREAM_CASES.c.platform + ":" + UPSTREAM_CASES.c.case_no).where(
        UPSTREAM_CASES.c.complaint_id.in_(ids))
    done = (MessageStatus.sent.value, MessageStatus.dead.value)
    return sa.and_(UPSTREAM_PUSHES.c.case_ref.in_(refs), UPSTREAM_PUSHES.c.status.in_(done))


def _message_keys(ids: Sequence[str]) -> sa.ColumnElement[bool]:
    """Citizens' messages about these complaints: their keys are `<kind>:<complaint id><cause>`."""
    return sa.or_(*(_OUT.c.key.like(f"%:{complaint_id}%") for complaint_id in ids))


def _count(conn: Connection, table: sa.Table, where: sa.ColumnElement[bool]) -> int:
    return int(conn.scalar(sa.select(sa.func.count()).select_from(table).where(where)) or 0)


def plan(conn: Connection, ids: Sequence[str]) -> BatchPlan:
    batch = BatchPlan(list(ids))
    if not ids:
        return batch
    rows = conn.execute(sa.select(_C.c.id, _C.c.status, _C.c.tracking_code, _C.c.content, _C.c.reply,
                                  *(_C.c[name] for name in PERSONAL_COLUMNS)).where(_C.c.id.in_(ids))).mappings()
    for row in rows:
        values: dict[str, Any] = dict.fromkeys(PERSONAL_COLUMNS)
        values["content"], values["reply"] = scrub(row["content"]), scrubbed(row["reply"])
        batch.complaints[row["id"]] = values
        batch.statuses[row["id"]] = row["status"]
        batch.codes[row["id"]] = row["tracking_code"]
        batch.with_reporter += bool(row["reporter_name_enc"] or row["reporter_phone_enc"] or row["phone_last4"])
        batch.with_token += bool(row["citizen_token_hash"] or row["citizen_token_enc"])
        batch.texts += (values["content"] != row["content"]) + (values["reply"] != row["reply"])
    for entry_id, owner, text in conn.execute(sa.select(_T.c.id, _T.c.complaint_id, _T.c.text)
                                              .where(_T.c.complaint_id.in_(ids))):
        if (clean := scrub(text)) != text:
            batch.timeline[entry_id] = (owner, clean)
    for rating_id, owner, comment in conn.execute(sa.select(_R.c.id, _R.c.complaint_id, _R.c.comment)
                                                  .where(_R.c.complaint_id.in_(ids), _R.c.comment.is_not(None))):
        if (clean := scrub(comment)) != comment:
            batch.comments[rating_id] = (owner, clean)
    batch.wechat_recipients = _count(conn, _W, _W.c.complaint_id.in_(ids))
    batch.messages = _count(conn, _OUT, _message_keys(ids))
    batch.channel_refs = _count(conn, _REFS, _REFS.c.complaint_id.in_(ids))
    batch.idempotency_keys = _count(conn, _KEYS, _KEYS.c.complaint_id.in_(ids))
    batch.upstream_pushes = _count(conn, UPSTREAM_PUSHES, _upstream_pushes(ids))
    return batch


def apply(conn: Connection, batch: BatchPlan, *, at: datetime, source: str) -> tuple[int, int]:
    """Write the plan (the caller's transaction) and mark each complaint archived; returns how many were,
    and how many of the events logged about them were rewritten (shared/eventbus/retention.py).
    A complaint no longer finished (reopened between the plan and now; on SQLite nothing can be) is left.
    Each one archived is announced (ComplaintAnonymisedV1, in the outbox of the same transaction) so that
    routing and notify scrub their copies too."""
    ids: list[str] = []
    for complaint_id, values in batch.complaints.items():
        status = batch.statuses[complaint_id]
        done: Any = conn.execute(_C.update().where(_C.c.id == complaint_id, _C.c.status == status).values(**values))
        if not done.rowcount:
            continue
        conn.execute(_T.insert().values(complaint_id=complaint_id, at=at, status=status, text=ARCHIVE_NOTE,
                                        department=None))
        ids.append(complaint_id)
    done_ids = set(ids)
    for entry_id, (owner, text) in batch.timeline.items():
        if owner in done_ids:
            conn.execute(_T.update().where(_T.c.id == entry_id).values(text=text))
    for rating_id, (owner, comment) in batch.comments.items():
        if owner in done_ids:
            conn.execute(_R.update().where(_R.c.id == rating_id).values(comment=comment))
    if ids:
        conn.execute(_W.delete().where(_W.c.complaint_id.in_(ids)))
        conn.execute(_OUT.delete().where(_message_keys(ids)))
        conn.execute(_REFS.delete().where(_REFS.c.complaint_id.in_(ids)))
        conn.execute(_KEYS.delete().where(_KEYS.c.complaint_id.in_(ids)))
        conn.execute(UPSTREAM_PUSHES.delete().where(_upstream_pushes(ids)))
        logged = scrub_logged(conn, ids, scrub)
        events = [ComplaintAnonymisedV1(complaint_id=complaint_id, tracking_code=batch.codes[complaint_id],
                                        anonymised_at=at) for complaint_id in ids]
        outbox.serialise(conn)
        conn.execute(sa.insert(outbox.TABLE), outbox.rows(
            (event.destination(), event.to_event(source=source, time=at)) for event in events))
        return len(ids), logged
    return 0, 0


def stale_drafts(conn: Connection, cutoff: datetime, *, delete: bool) -> int:
    """Unfinished WeChat reports (drafts) untouched since `cutoff`: counted, or deleted."""
    where = _DRAFTS.c.updated_at < sa.bindparam("cutoff", cutoff, type_=AwareDateTime())
    if not delete:
        return _count(conn, _DRAFTS, where)
    done: Any = conn.execute(_DRAFTS.delete().where(where))
    return int(done.rowcount or 0)

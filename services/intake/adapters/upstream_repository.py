"""The upstream platforms' rows: links (an aggregate repository), cursors, pushes (an outbound store that
keeps each case's actions in order), reconciliation summaries. They never commit; the unit of work does."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.intake.adapters.repository import InsertRow
from services.intake.adapters.tables import ComplaintRow
from services.intake.adapters.upstream_tables import (
    UPSTREAM_CASES,
    UPSTREAM_CURSORS,
    UPSTREAM_PUSHES,
    UPSTREAM_RECONCILIATIONS,
)
from services.intake.domain.upstream import PUSH_KIND, LinkState, OurCase, Push, Reconciliation, UpstreamLink
from shared.clock import SHANGHAI, Clock
from shared.outbound import Channel, MessageStatus, OutboundStore, Plain, StoredMessage
from shared.repository import Repository, Track

_COMPLAINTS: sa.Table = ComplaintRow.__table__  # type: ignore[attr-defined]
_LINK_COLUMNS = ("platform", "case_no", "complaint_id", "transferred_at", "received_at", "registered_at", "sign_due",
                 "reply_due", "urgent", "pushes")


class UpstreamLinks(Repository[UpstreamLink]):
    """Links of complaints to the platforms' cases (`intake_upstream_cases`)."""

    def __init__(self, session: Session, track: Track, *, clock: Clock, insert: InsertRow) -> None:
        super().__init__(session, track)
        self._clock, self._insert = clock, insert

    def add(self, link: UpstreamLink) -> None:
        """A new link: written with its complaint (after it: the unit of work writes parents first)."""
        self._insert(UPSTREAM_CASES, {**self._columns(link), "updated_at": self._clock.now()})
        self._hold((link.platform, link.case_no), link, new=False)

    def get(self, platform: str, case_no: str, *, for_update: bool = False) -> UpstreamLink | None:
        if (held := self.held((platform, case_no))) is not None:
            return held
        t = UPSTREAM_CASES
        return self._one(sa.and_(t.c.platform == platform, t.c.case_no == case_no), for_update)

    def following(self, complaint_id: str) -> list[UpstreamLink]:
        """The links that hear of `complaint_id`'s handling: its own, and those of the complaints merged into it
        (并单: the master's reply answers them too). Locked: the lifecycle handler moves their state."""
        t = UPSTREAM_CASES
        merged = sa.select(_COMPLAINTS.c.id).where(_COMPLAINTS.c.merged_into == complaint_id)
        query = sa.select(t).where(sa.or_(t.c.complaint_id == complaint_id, t.c.complaint_id.in_(merged))) \
            .order_by(t.c.platform, t.c.case_no)
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(of=t)
        return [self._link(row) for row in self.session.execute(query).mappings().all()]

    def _one(self, where: Any, for_update: bool) -> UpstreamLink | None:
        query = sa.select(UPSTREAM_CASES).where(where)
        if for_update and self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        row = self.session.execute(query).mappings().first()
        return self._link(row) if row is not None else None

    def _link(self, row: Any) -> UpstreamLink:
        if (held := self.held((row["platform"], row["case_no"]))) is not None:
            return held
        link = UpstreamLink(**{name: row[name] for name in _LINK_COLUMNS}, state=LinkState(row["state"]))
        return self._hold((link.platform, link.case_no), link, new=False)

    def _write(self, link: UpstreamLink, before: UpstreamLink | None) -> None:
        t = UPSTREAM_CASES
        self.session.execute(t.update().where(t.c.platform == link.platform, t.c.case_no == link.case_no)
                             .values(**self._columns(link), updated_at=self._clock.now()))

    @staticmethod
    def _columns(link: UpstreamLink) -> dict[str, Any]:
        return {**{name: getattr(link, name) for name in _LINK_COLUMNS}, "state": link.state.value}


def links_of(uow: Any) -> UpstreamLinks:
    """The links repository of this unit of work (opened on first use, then the same one: one object per row)."""
    found = next((r for r in uow.repositories if isinstance(r, UpstreamLinks)), None)
    return found or uow.repository(UpstreamLinks, clock=uow.clock, insert=uow.insert)  # type: ignore[no-any-return]


# --- what the staff list shows ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkedCase:
    platform: str
    case_no: str
    complaint_id: str
    tracking_code: str
    status: str
    department: str | None
    state: LinkState
    transferred_at: datetime
    received_at: datetime
    sign_due: datetime | None
    upstream_reply_due: datetime | None
    our_reply_due: datetime | None
    urgent: bool

    @property
    def upstream_earlier(self) -> bool:
        """The platform's reply deadline comes before ours (routing's): the case must be answered by the
        platform's."""
        return bool(self.upstream_reply_due and self.our_reply_due and self.upstream_reply_due < self.our_reply_due)


_OPEN_STATUSES = ("received", "triage", "assigned", "accepted")


def linked_cases(session: Session, *, platform: str | None = None, open_only: bool = False, limit: int = 100,
                 transferred_from: datetime | None = None, transferred_before: datetime | None = None
                 ) -> list[LinkedCase]:
    t, c = UPSTREAM_CASES, _COMPLAINTS
    query = sa.select(t, c.c.tracking_code, c.c.status, c.c.department, c.c.reply_due.label("our_reply_due")) \
        .join(c, c.c.id == t.c.complaint_id)
    if platform is not None:
        query = query.where(t.c.platform == platform)
    if open_only:
        query = query.where(c.c.status.in_(_OPEN_STATUSES), t.c.state != LinkState.returned.value)
    if transferred_from is not None:
        query = query.where(t.c.transferred_at >= transferred_from)
    if transferred_before is not None:
        query = query.where(t.c.transferred_at < transferred_before)
    order = (sa.case((t.c.reply_due.is_(None), 1), else_=0), t.c.reply_due) if open_only else \
        (t.c.transferred_at.desc(),)
    rows = session.execute(query.order_by(*order, t.c.case_no).limit(limit)).mappings().all()
    return [LinkedCase(r["platform"], r["case_no"], r["complaint_id"], r["tracking_code"], r["status"],
                       r["department"], LinkState(r["state"]), r["transferred_at"], r["received_at"], r["sign_due"],
                       r["reply_due"], r["our_reply_due"], r["urgent"]) for r in rows]


def cases_to_reconcile(session: Session, platform: str, start: datetime, end: datetime) -> list[OurCase]:
    """Our cases of the platform transferred in [start, end), with their actions' states."""
    found = linked_cases(session, platform=platform, limit=100_000, transferred_from=start, transferred_before=end)
    refs = [f"{platform}:{case.case_no}" for case in found]
    pushes: dict[str, list[tuple[str, str, str]]] = {}
    p = UPSTREAM_PUSHES
    for start_at in range(0, len(refs), 500):
        rows = session.execute(sa.select(p.c.case_ref, p.c.key, p.c.body_enc, p.c.status)
                               .where(p.c.case_ref.in_(refs[start_at:start_at + 500])).order_by(p.c.case_ref, p.c.seq))
        for case_ref, key, body, status in rows:
            pushes.setdefault(case_ref, []).append((key, json.loads(body)["action"], status))
    return [OurCase(case.case_no, case.tracking_code, case.state, case.status, case.transferred_at,
                    case.upstream_reply_due, case.our_reply_due,
                    tuple(pushes.get(f"{platform}:{case.case_no}", ()))) for case in found]


# --- cursors ---------------------------------------------------------------------------------------------


def cursor_of(session: Session, platform: str) -> str | None:
    return session.execute(sa.select(UPSTREAM_CURSORS.c.cursor)
                           .where(UPSTREAM_CURSORS.c.platform == platform)).scalar_one_or_none()


def move_cursor(session: Session, platform: str, *, before: str | None, after: str | None, received: int,
                at: datetime) -> bool:
    """Compare and set: the cursor moves only from where this puller found it (False: another moved it)."""
    t = UPSTREAM_CURSORS
    exists = session.execute(sa.select(t.c.platform).where(t.c.platform == platform)).first() is not None
    if not exists:
        if before is not None:
            return False
        session.execute(t.insert().values(platform=platform, cursor=after, received=received, pulled_at=at))
        return True
    same = t.c.cursor.is_(None) if before is None else t.c.cursor == before
    done: Any = session.execute(t.update().where(t.c.platform == platform, same)
                                .values(cursor=after, received=t.c.received + received, pulled_at=at))
    return bool(done.rowcount)


# --- pushes: an outbound store that keeps each case's actions in order -------------------------------------


class PushStore(OutboundStore):
    """`intake_upstream_pushes`: shared/outbound.py's store (claim, sent, failed, replay, list) with two more
    columns, and a claim that takes an action only when every earlier action of its case was sent: a reply
    never overtakes its signing, whatever retries, dead letters or replays happen (a dead action holds back
    its case's later ones until it is replayed)."""

    def __init__(self) -> None:
        super().__init__(UPSTREAM_PUSHES, Plain())  # case numbers and replies: no citizen's contact data

    def row(self, push: Push, *, now: datetime) -> dict[str, Any]:
        return {"key": push.key, "channel": Channel.upstream.value, "recipient_enc": push.platform,
                "body_enc": push.body(), "kind": PUSH_KIND, "status": MessageStatus.pending.value, "attempts": 0,
                "created_at": now, "next_attempt_at": now, "case_ref": push.case_ref, "seq": push.seq}

    def has(self, session: Session, key: str) -> bool:
        return session.execute(sa.select(self.table.c.key).where(self.table.c.key == key)).first() is not None

    def claim(self, session: Session, *, now: datetime, lease: timedelta, limit: int) -> list[StoredMessage]:
        t = self.table
        earlier = t.alias("earlier")
        blocked = sa.exists().where(earlier.c.case_ref == t.c.case_ref, earlier.c.seq < t.c.seq,
                                    earlier.c.status != MessageStatus.sent.value)
        due = sa.or_(sa.and_(t.c.status == MessageStatus.pending.value, t.c.next_attempt_at <= now),
                     sa.and_(t.c.status == MessageStatus.sending.value, t.c.lease_until < now))
        query = sa.select(t).where(due, ~blocked).order_by(t.c.next_attempt_at, t.c.case_ref, t.c.seq).limit(limit)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(of=t, skip_locked=True)
        rows = session.execute(query).mappings().all()
        if rows:
            session.execute(t.update().where(t.c.key.in_([r["key"] for r in rows]))
                            .values(status=MessageStatus.sending.value, lease_until=now + lease))
        return [self._message(row) for row in rows]


PUSHES = PushStore()


# --- reconciliation summaries -------------------------------------------------------------------------------


def store_reconciliation(session: Session, report: Reconciliation) -> None:
    session.execute(UPSTREAM_RECONCILIATIONS.insert().values(
        platform=report.platform, day=report.day, days=report.days, ran_at=report.ran_at,
        upstream_cases=report.upstream_cases, our_cases=report.our_cases, differences=len(report.differences),
        report=json.dumps(report.as_json(), ensure_ascii=False)))


def reconciliations(session: Session, *, platform: str | None, limit: int) -> list[dict[str, Any]]:
    t = UPSTREAM_RECONCILIATIONS
    query = sa.select(t).order_by(t.c.ran_at.desc(), t.c.id.desc()).limit(limit)
    if platform is not None:
        query = query.where(t.c.platform == platform)
    return [json.loads(row["report"]) for row in session.execute(query).mappings().all()]


def day_bounds(day: date, days: int) -> tuple[datetime, datetime]:
    """The window of `days` days up to and including `day`, in Chongqing time: [start, end)."""
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), SHANGHAI)
    return end - timedelta(days=days), end


"""Messages out to people (SMS, WeChat template messages, group robots): written with the change that
causes them, sent after.

The same shape as the event outbox, for the world outside: a handler `enqueue`s a message in its unit
of work, so the message exists exactly when the change committed (a redelivered event, a restarted
worker, a second replica never make a second one: the message's key is its primary key). A worker
(`OutboundSender`, one per service that sends) claims due messages, sends them through the port of
their channel, and records the outcome: sent, tried again later with backoff, or dead after the last
try (kept with its error; `complaints outbound replay` sends it again). A claim is a lease: a sender
killed half-way leaves its messages to be claimed again when the lease runs out, and the key goes to
the gateway as its message id so that the gateway drops the repeat.

Each service keeps its own table (`outbound_table(name)`: intake's holds citizens' messages, encrypted
by intake's cipher; notify's holds departments' and supervisors'). Quiet hours (no SMS to citizens at
night) are a `not_before` given at enqueue time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

from shared.clock import SHANGHAI, Clock
from shared.db import AwareDateTime
from shared.metrics import Sample

log = logging.getLogger(__name__)


class MessageStatus(StrEnum):
    pending = "pending"  # waiting for its time (not_before, next try) or a sender
    sending = "sending"  # claimed by a sender until lease_until
    sent = "sent"
    dead = "dead"  # the last try failed, or the message can never be sent (no address): kept, replayable


class Channel(StrEnum):
    sms = "sms"  # a phone number
    robot = "robot"  # a group robot webhook (WeCom 企业微信 / DingTalk 钉钉): the recipient names the group
    wechat = "wechat"  # a WeChat template message (公众号模板消息): the recipient is the citizen's OpenID
    upstream = "upstream"  # an upstream platform's action (12345, the national platform): the recipient names it


@dataclass(frozen=True)
class OutboundMessage:
    key: str  # idempotency: the cause (event id, alert) and the recipient; a second enqueue is a no-op
    channel: Channel
    recipient: str  # a phone number, a WeChat OpenID, or a group's name (department code, "supervisors")
    body: str
    kind: str  # receipt, reply, sla_yellow, ... (for people reading the log, and the tests)
    not_before: datetime | None = None


@dataclass(frozen=True)
class StoredMessage:
    key: str
    channel: Channel
    recipient: str
    body: str
    kind: str
    status: MessageStatus
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None
    last_error: str | None


class DeliveryFailed(Exception):
    """A send that did not go through. `retry`: worth trying again (timeout, 5xx); else it never will."""

    def __init__(self, reason: str, *, retry: bool = True) -> None:
        super().__init__(reason)
        self.reason, self.retry = reason, retry


class Sender(Protocol):
    """A channel's port: deliver one message (the key is the gateway's message id) or raise DeliveryFailed."""

    def send(self, key: str, recipient: str, body: str) -> None: ...


class Sealer(Protocol):
    """Encrypts what is stored (a citizen's number, a private link); identity for messages to staff."""

    def encrypt(self, value: str | None) -> str | None: ...

    def decrypt(self, token: str | None) -> str | None: ...


class Plain:
    """Stored as given: messages to departments' groups hold no personal data."""

    def encrypt(self, value: str | None) -> str | None:
        return value

    def decrypt(self, token: str | None) -> str | None:
        return token


def outbound_table(name: str) -> sa.Table:
    """A service's message table (in SQLModel's metadata, so its migration is checked against it)."""
    return sa.Table(
        name, SQLModel.metadata,
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("recipient_enc", sa.Text, nullable=False),
        sa.Column("body_enc", sa.Text, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("created_at", AwareDateTime(), nullable=False),
        sa.Column("next_attempt_at", AwareDateTime(), nullable=False),
        sa.Column("lease_until", AwareDateTime(), nullable=True),
        sa.Column("sent_at", AwareDateTime(), nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Index(f"ix_{name}_due", "status", "next_attempt_at"),
    )


def quiet_hours_release(at: datetime, window: tuple[time, time] | None) -> datetime | None:
    """When a message written at `at` may go: None (now) outside the window, else the window's end
    (Chongqing time). A window (22:00, 08:00) runs over midnight."""
    if window is None:
        return None
    start, end = window
    local = at.astimezone(SHANGHAI)
    clock = local.timetz().replace(tzinfo=None)
    over_midnight = start > end
    inside = (clock >= start or clock < end) if over_midnight else (start <= clock < end)
    if not inside:
        return None
    release = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if release <= local:
        release += timedelta(days=1)
    return release


def parse_quiet_hours(value: str | None) -> tuple[time, time] | None:
    """"22:00-08:00" → (22:00, 08:00); empty → no quiet hours. ValueError says what is wrong."""
    if not value:
        return None
    try:
        start_text, end_text = value.split("-")
        start, end = time.fromisoformat(start_text.strip()), time.fromisoformat(end_text.strip())
    except ValueError as exc:
        raise ValueError(f"quiet hours must read like 22:00-08:00, not {value!r}") from exc
    if start == end:
        raise ValueError("quiet hours must not start and end at the same time")
    return start, end


class OutboundStore:
    """The message table of one service, on a unit of work's session (enqueue) or the sender's own."""

    def __init__(self, table: sa.Table, sealer: Sealer) -> None:
        self.table, self.sealer = table, sealer

    def enqueue(self, session: Session, message: OutboundMessage, *, now: datetime) -> bool:
        """Add the message unless its key is there already; True when added. Part of the caller's transaction."""
        if session.execute(sa.select(self.table.c.key).where(self.table.c.key == message.key)).first():
            return False
        session.execute(self.table.insert().values(**self.new_row(message, now=now)))
        return True

    def new_row(self, message: OutboundMessage, *, now: datetime) -> dict[str, Any]:
        """The message's row as written (sealed), pending from `not_before` or now."""
        return {"key": message.key, "channel": message.channel.value,
                "recipient_enc": self.sealer.encrypt(message.recipient), "body_enc": self.sealer.encrypt(message.body),
                "kind": message.kind, "status": MessageStatus.pending.value, "attempts": 0, "created_at": now,
                "next_attempt_at": message.not_before or now}

    def claim(self, session: Session, *, now: datetime, lease: timedelta, limit: int) -> list[StoredMessage]:
        """Due messages (pending and due, or sending with an expired lease), marked as this sender's."""
        t = self.table
        due = sa.or_(sa.and_(t.c.status == MessageStatus.pending.value, t.c.next_attempt_at <= now),
                     sa.and_(t.c.status == MessageStatus.sending.value, t.c.lease_until < now))
        query = sa.select(t).where(due).order_by(t.c.next_attempt_at).limit(limit)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)  # two senders never take the same message
        rows = session.execute(query).mappings().all()
        if rows:
            session.execute(t.update().where(t.c.key.in_([r["key"] for r in rows]))
                            .values(status=MessageStatus.sending.value, lease_until=now + lease))
        return [self._message(row) for row in rows]

    def sent(self, session: Session, key: str, *, at: datetime) -> None:
        session.execute(self.table.update().where(self.table.c.key == key).values(
            status=MessageStatus.sent.value, sent_at=at, attempts=self.table.c.attempts + 1, lease_until=None,
            last_error=None))

    def failed(self, session: Session, key: str, *, error: str, retry_at: datetime | None) -> None:
        """One more failed try: pending again at `retry_at`, or dead (None)."""
        status = MessageStatus.pending if retry_at is not None else MessageStatus.dead
        values: dict[str, Any] = {"status": status.value, "attempts": self.table.c.attempts + 1,
                                  "lease_until": None, "last_error": error[:2000]}
        if retry_at is not None:
            values["next_attempt_at"] = retry_at
        session.execute(self.table.update().where(self.table.c.key == key).values(**values))

    def replay(self, session: Session, key: str, *, now: datetime) -> bool:
        """A dead message, pending again now with a fresh count of tries; False if there is no such dead one."""
        done: Any = session.execute(self.table.update().where(self.table.c.key == key,
                                                         self.table.c.status == MessageStatus.dead.value)
                               .values(status=MessageStatus.pending.value, attempts=0, next_attempt_at=now,
                                       lease_until=None))
        return bool(done.rowcount)

    def listed(self, session: Session, *, status: MessageStatus | None = None, limit: int = 200,
               kind: str | None = None) -> list[StoredMessage]:
        t = self.table
        query = sa.select(t).order_by(t.c.created_at.desc(), t.c.key).limit(limit)
        if status is not None:
            query = query.where(t.c.status == status.value)
        if kind is not None:
            query = query.where(t.c.kind == kind)
        return [self._message(row) for row in session.execute(query).mappings().all()]

    def counts(self, session: Session) -> dict[str, int]:
        """How many messages are in each status (the /metrics gauge)."""
        rows = session.execute(sa.select(self.table.c.status, sa.func.count()).group_by(self.table.c.status))
        return {status: count for status, count in rows}

    def _message(self, row: Any) -> StoredMessage:
        return StoredMessage(
            key=row["key"], channel=Channel(row["channel"]), recipient=self.sealer.decrypt(row["recipient_enc"]) or "",
            body=self.sealer.decrypt(row["body_enc"]) or "", kind=row["kind"], status=MessageStatus(row["status"]),
            attempts=row["attempts"], created_at=row["created_at"], next_attempt_at=row["next_attempt_at"],
            sent_at=row["sent_at"], last_error=row["last_error"])


@dataclass(frozen=True)
class SendPolicy:
    max_attempts: int = 6
    first_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(hours=1)
    lease: timedelta = timedelta(minutes=2)  # longer than a send's timeouts and retries
    batch: int = 50

    def delay(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed try: 30 s, 1 min, 2 min, ... up to an hour."""
        return min(self.first_delay * (2 ** max(attempts - 1, 0)), self.max_delay)


class OutboundSender:
    """The worker: one `run_once()` claims due messages, sends each outside any transaction, records it."""

    def __init__(self, engine: Engine, store: OutboundStore, senders: Mapping[Channel, Sender], clock: Clock,
                 policy: SendPolicy = SendPolicy(), *, on_result: Callable[[StoredMessage, str], None] | None = None
                 ) -> None:
        self.engine, self.store, self.senders, self.clock, self.policy = engine, store, senders, clock, policy
        self.on_result = on_result

    def run_once(self) -> int:
        """Send what is due now; returns how many messages were tried."""
        with Session(self.engine) as session:
            claimed = self.store.claim(session, now=self.clock.now(), lease=self.policy.lease,
                                       limit=self.policy.batch)
            session.commit()
        for message in claimed:
            self._send(message)
        return len(claimed)

    def _send(self, message: StoredMessage) -> None:
        sender = self.senders.get(message.channel)
        outcome = "sent"
        error: str | None = None
        retry_at: datetime | None = None
        try:
            if sender is None:
                raise DeliveryFailed(f"no sender for channel {message.channel.value}", retry=False)
            sender.send(message.key, message.recipient, message.body)
        except DeliveryFailed as exc:
            error = exc.reason
            tries = message.attempts + 1
            if exc.retry and tries < self.policy.max_attempts:
                retry_at, outcome = self.clock.now() + self.policy.delay(tries), "retry"
            else:
                outcome = "dead"
        except Exception as exc:  # noqa: BLE001 - an adapter's bug must not stop the other messages
            log.exception("sending %s failed unexpectedly", message.key)
            error, outcome = f"{type(exc).__name__}: {exc}", "dead"
        with Session(self.engine) as session:
            if error is None:
                self.store.sent(session, message.key, at=self.clock.now())
            else:
                self.store.failed(session, message.key, error=error, retry_at=retry_at)
            session.commit()
        if error is not None:
            log.warning("message %s (%s) to %s: %s (%s)", message.key, message.kind, message.channel.value, error,
                        outcome)
        if self.on_result is not None:
            self.on_result(replace(message, last_error=error), outcome)


# --- the administrators' commands (`complaints outbound list|replay`), handled the same in every service


@dataclass(frozen=True)
class ListOutbound:
    """Query: the service's messages, newest first (one status, or all)."""

    status: MessageStatus | None = None
    limit: int = 50


@dataclass(frozen=True)
class ReplayOutbound:
    """Send a dead message again (after fixing the gateway or the address book)."""

    key: str


def list_outbound(query: ListOutbound, uow: Any) -> list[StoredMessage]:
    return uow.outbound_messages(status=query.status, limit=query.limit)  # type: ignore[no-any-return]


def replay_outbound(command: ReplayOutbound, uow: Any) -> None:
    if not uow.replay_outbound(command.key):
        from shared.errors import NotFound

        raise NotFound(f"没有这条失败的消息 / no dead message {command.key!r} (see: complaints outbound list)")
    uow.commit()


def outbound_samples(engine: Engine, store: OutboundStore, service: str) -> list[Sample]:
    """`outbound_messages{service, status}`: what waits, what was sent, what is dead (to be replayed)."""
    with Session(engine) as session:
        counts = store.counts(session)
    return [Sample("outbound_messages", "Messages out (SMS, group robots) by status", {"service": service,
                                                                                       "status": status.value},
                   counts.get(status.value, 0)) for status in MessageStatus]

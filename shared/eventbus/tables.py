"""Tables of the event infrastructure. They sit in every service's database beside its own tables."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from shared.db import AwareDateTime, BigIntId


class OutboxRecord(SQLModel, table=True):
    """One event, written in the same transaction as the change it records (transactional outbox).

    On the embedded bus this table *is* the log: consumers read it in `position` order.
    On Kafka a relay publishes unsent rows and stamps `published_at`.
    """

    __tablename__ = "event_outbox"

    position: int | None = Field(default=None, sa_column=sa.Column(BigIntId, primary_key=True, autoincrement=True))
    event_id: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    topic: str = Field(max_length=249, index=True)
    key: str = Field(max_length=64, index=True)  # the subject: one complaint's events (retention)
    type: str = Field(max_length=200)
    payload: str = Field(sa_column=sa.Column(sa.Text, nullable=False))  # the CloudEvent, structured JSON
    created_at: datetime = Field(sa_column=sa.Column(AwareDateTime(), nullable=False))
    published_at: datetime | None = Field(
        default=None, sa_column=sa.Column(AwareDateTime(), nullable=True, index=True)
    )


class ConsumerOffset(SQLModel, table=True):
    """How far a consumer group has read the embedded log."""

    __tablename__ = "event_consumer_offset"

    group_id: str = Field(primary_key=True, max_length=100)
    position: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False, default=0))
    updated_at: datetime = Field(sa_column=sa.Column(AwareDateTime(), nullable=False))


class InboxRecord(SQLModel, table=True):
    """An event a consumer group has already applied: the same id twice changes nothing."""

    __tablename__ = "event_inbox"

    group_id: str = Field(primary_key=True, max_length=100)
    event_id: str = Field(primary_key=True, max_length=64)
    processed_at: datetime = Field(sa_column=sa.Column(AwareDateTime(), nullable=False))


class DeadLetter(SQLModel, table=True):
    """A message that kept failing, parked with its error until an operator replays it."""

    __tablename__ = "event_dead_letter"

    id: int | None = Field(default=None, sa_column=sa.Column(BigIntId, primary_key=True, autoincrement=True))
    group_id: str = Field(max_length=100, index=True)
    topic: str = Field(max_length=249)
    event_id: str = Field(max_length=64, index=True)
    payload: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    error: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    attempts: int
    created_at: datetime = Field(sa_column=sa.Column(AwareDateTime(), nullable=False))
    replayed_at: datetime | None = Field(default=None, sa_column=sa.Column(AwareDateTime()))


class EndedSessionRow(SQLModel, table=True):
    """Tokens of `username` issued with a version below `token_version` are refused (shared/sessions.py)."""

    __tablename__ = "auth_ended_sessions"

    username: str = Field(primary_key=True, max_length=80)
    token_version: int = Field(sa_column=sa.Column(sa.Integer, nullable=False))


# With them, migrated in the same environment: the ended sessions every service checks tokens against
# (shared/sessions.py), infrastructure of every service's database like the tables above.
EVENTBUS_TABLES: list[sa.Table] = [
    SQLModel.metadata.tables[name]
    for name in ("event_outbox", "event_consumer_offset", "event_inbox", "event_dead_letter", "auth_ended_sessions")
]

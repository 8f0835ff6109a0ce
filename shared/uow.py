"""The unit of work every service builds on: one transaction, its rows and its events together.

It rolls back unless `commit()` is called. `commit()` first has every repository write the aggregates
that changed (`shared.repository`), then collects the events every aggregate it saw has recorded
(`track`, called by the repositories) and writes them to the outbox in the same transaction as the
rows (cosmicpython's `collect_new_events`, plus the outbox it lacks).

New rows may be handed to `insert()` instead of the session: they are written when the unit of work next
uses its session (so everything after sees them, in the order written) or at commit. When a unit of work
wrote nothing but such rows (a new complaint, its timeline, its key, its events), `commit()` hands them
and its events to the engine's group commit (`shared.group_commit`): one transaction for the rows of all
the requests waiting, and `commit()` returns once that transaction committed.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Self, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from shared import logging as ctx
from shared.clock import Clock
from shared.contracts.envelope import CloudEvent
from shared.contracts.events import EventPayload
from shared.domain import Aggregate
from shared.eventbus import outbox
from shared.eventbus.retention import scrub_logged
from shared.group_commit import GroupCommit, Insert, execute_inserts, report
from shared.outbound import MessageStatus, OutboundMessage, OutboundStore, StoredMessage
from shared.repository import Repository

A = TypeVar("A", bound=Aggregate)
R = TypeVar("R", bound=Repository[Any])
U = TypeVar("U", bound="SqlUnitOfWork")


class SqlUnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session], *, clock: Clock, source: str,
                 outbound: OutboundStore | None = None, group: GroupCommit | None = None) -> None:
        self._session_factory = session_factory
        self._outbound = outbound
        self._group = group  # None: every commit is a transaction of its own (tests build it so)
        self.clock = clock
        self.source = source
        self.seen: list[Aggregate] = []
        self._loose: list[EventPayload] = []
        self.repositories: list[Repository[Any]] = []
        self.committed = False
        self._inserts: list[Insert] = []  # new rows not written yet (`insert`)
        self._wrote = False  # the session has written (flushed, or run a statement other than a SELECT)
        _watch(session_factory)

    def __enter__(self) -> Self:
        self.session = self._session_factory()
        self.session.info["uow"] = self
        self.seen, self._loose, self.repositories = [], [], []
        self._inserts, self._wrote = [], False
        self.committed = False
        self.open_repositories(self.session)
        return self

    def __exit__(self, *exc: object) -> None:
        self._inserts = []
        try:
            self.session.rollback()
        finally:
            self.session.info.pop("uow", None)
            self.session.close()

    def insert(self, table: sa.Table, row: dict[str, Any], *, if_absent: bool = False,
               returned: Callable[[Any], None] | None = None) -> None:
        """A new row of this transaction: written before the session's next statement or at commit
        (`if_absent`: nothing if its key is there already; `returned`: gets the generated key)."""
        self._inserts.append(Insert(table, row, if_absent, returned))

    def committed_reads(self) -> AbstractContextManager[Connection]:
        """A connection of its own (use it in a `with`) to read what is committed, outside this unit of
        work's transaction: on SQLite without the write lock, on PostgreSQL without a transaction (no BEGIN
        and ROLLBACK round trips). Only for checks the database makes again when this unit commits (a key
        already taken: the unique key fails the commit), since what it reads may change before then."""
        bind = self.session.get_bind()
        if isinstance(bind, Connection):  # a session on one connection (a test's): nothing else to read on
            return nullcontext(bind)
        return _committed(bind).connect()

    def _write_inserts(self, connection: Connection) -> None:
        """The rows given to `insert`, on the session's own transaction (something else uses it)."""
        if self._inserts:
            inserts, self._inserts = self._inserts, []
            self._wrote = True
            report(execute_inserts(connection, inserts))

    def open_repositories(self, session: Session) -> None:
        """A service's unit of work builds its repositories on the session here (`self.repository(...)`)."""

    def repository(self, cls: type[R], **kwargs: Any) -> R:
        """A repository of aggregates on this transaction; `commit()` saves what changed in it."""
        repository = cls(self.session, self.track, **kwargs)
        self.repositories.append(repository)
        return repository

    def track(self, aggregate: A) -> A:
        """Remember an aggregate loaded or added in this transaction; its events go out at commit."""
        if not any(seen is aggregate for seen in self.seen):
            self.seen.append(aggregate)
        return aggregate

    def enqueue(self, message: OutboundMessage) -> None:
        """A message out to a person (SMS, a group robot), written in this transaction: it exists exactly
        when the change that causes it commits; its key makes a second enqueue a no-op (shared/outbound.py)."""
        store = self._outbound_store()
        self.insert(store.table, store.new_row(message, now=self.clock.now()), if_absent=True)

    def outbound_messages(self, *, status: MessageStatus | None = None, limit: int = 50) -> list[StoredMessage]:
        return self._outbound_store().listed(self.session, status=status, limit=limit)

    def replay_outbound(self, key: str) -> bool:
        return self._outbound_store().replay(self.session, key, now=self.clock.now())

    def _outbound_store(self) -> OutboundStore:
        if self._outbound is None:
            raise RuntimeError(f"{type(self).__name__} was built without an outbound store")
        return self._outbound

    def scrub_event_log(self, subjects: list[str], scrub: Callable[[str], str]) -> int:
        """保存期限: this database's logged events about `subjects` lose their masked personal data and the
        phone and ID-card numbers of their free texts, in this transaction (shared/eventbus/retention.py)."""
        return scrub_logged(self.session.connection(), subjects, scrub)

    def publish(self, payload: EventPayload) -> None:
        """An event that belongs to no aggregate (tests of the bus itself); services record on aggregates."""
        self._loose.append(payload)

    def collect_new_events(self) -> list[EventPayload]:
        events = [event for aggregate in self.seen for event in aggregate.pull_events()]
        events, self._loose = self._loose + events, []
        return events

    def commit(self) -> list[CloudEvent]:
        """Write the rows and the recorded events in one transaction; returns the envelopes written."""
        for repository in self.repositories:
            repository.save_changes()
        now, correlation = self.clock.now(), ctx.correlation_id.get()
        written = [(payload.destination(), payload.to_event(source=self.source, time=now, correlation_id=correlation))
                   for payload in self.collect_new_events()]
        if self._group is not None and self._inserts and not self._wrote and not self._pending():
            # Only new rows: with the other requests' waiting, in one transaction (shared/group_commit.py),
            # which wakes the log's readers once for the batch.
            inserts = self._inserts + [Insert(outbox.TABLE, row) for row in outbox.rows(written)]
            self._inserts = []
            self.session.rollback()  # it only read (SQLite: let go of the write lock a read may have taken)
            self._group.commit(inserts)
        else:
            self._write_inserts(self.session.connection())
            outbox.append(self.session, written)
            self.session.commit()
            if written:
                outbox.nudge({topic for topic, _ in written})
        self.committed = True
        return [event for _, event in written]

    def _pending(self) -> bool:
        """ORM changes not flushed yet (a row's columns set in place, a row added): not only new rows then."""
        session = self.session
        return bool(session.new or session.deleted or session.dirty)

    def rollback(self) -> None:
        self._inserts, self._wrote = [], False
        for repository in self.repositories:
            repository.forget()
        for aggregate in self.seen:
            aggregate.pull_events()  # what was recorded did not happen
        self._loose = []
        self.session.rollback()


# Session factories whose sessions write a unit of work's pending rows before their next statement.
_watched: weakref.WeakSet[sessionmaker[Session]] = weakref.WeakSet()


def _watch(session_factory: sessionmaker[Session]) -> None:
    if session_factory in _watched:
        return
    _watched.add(session_factory)

    @event.listens_for(session_factory, "do_orm_execute")
    def _before_statement(state: ORMExecuteState) -> None:
        uow = state.session.info.get("uow")
        if uow is not None:
            if uow._inserts:  # (asking the session for its connection costs, on every statement)
                uow._write_inserts(state.session.connection())
            if not state.is_select:
                uow._wrote = True

    @event.listens_for(session_factory, "before_flush")
    def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
        uow = session.info.get("uow")
        if uow is not None:
            uow._write_inserts(session.connection())
            uow._wrote = True


_committed_engines: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


def _committed(engine: Engine) -> Engine:
    found = _committed_engines.get(engine)
    if found is None:
        options: dict[str, Any] = {"isolation_level": "AUTOCOMMIT"} if engine.dialect.name == "postgresql" else \
            {"read_only": True}  # shared.db: a SQLite reader takes no write lock
        found = _committed_engines.setdefault(engine, engine.execution_options(**options))
    return found


# One group commit per engine, shared by every unit of work on it (the services of an embedded process).
_groups: weakref.WeakKeyDictionary[Engine, GroupCommit] = weakref.WeakKeyDictionary()


def group_commit(engine: Engine) -> GroupCommit:
    group = _groups.get(engine)
    if group is None:
        group = _groups.setdefault(engine, GroupCommit(engine, prepare=_prepare_batch, after=_after_batch))
    return group


def _prepare_batch(connection: Connection, inserts: list[Insert]) -> None:
    if any(item.table is outbox.TABLE for item in inserts):
        outbox.serialise(connection)


def _after_batch(inserts: list[Insert]) -> None:
    topics = {item.row["topic"] for item in inserts if item.table is outbox.TABLE}
    if topics:
        outbox.nudge(topics)


def uow_factory(cls: type[U], engine: Engine, *, clock: Clock, source: str, **extra: Any) -> Callable[[], U]:
    """A fresh unit of work per message, request or sweep (never a shared one); `extra` goes to the
    service's unit of work (e.g. the sealer of its outbound messages). Units of work that only add rows
    commit them together (`group_commit`)."""
    sessions: sessionmaker[Session] = sessionmaker(engine, expire_on_commit=False)
    group = group_commit(engine)
    return lambda: cls(sessions, clock=clock, source=source, group=group, **extra)

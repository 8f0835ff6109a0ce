"""Group commit: the new rows of many units of work, written and committed in one transaction.

A unit of work that only adds rows (a complaint, its timeline, its idempotency key, its events: the
busiest write there is) hands them to its engine's `GroupCommit` at commit instead of committing a
transaction of its own. Whoever arrives while no batch is being written becomes the leader: it takes
every set of rows waiting (its own and those of the threads that arrived while the previous batch was
written), inserts them table by table (one statement per table, parents first) in ONE transaction,
commits, and wakes the others. Each caller's `commit()` returns only after the transaction holding its
rows committed, so an answer that says "stored" is never given for rows that are not.

Why: one transaction per request serialises the writers on SQLite's single write lock, and on PostgreSQL
on the lock that keeps the embedded log in order (`shared.eventbus.outbox`), each holding it through a
commit (and its WAL flush). A batch takes either lock once for all the rows waiting, so throughput grows
with the load instead of stopping at one commit at a time.

If the batch fails (a unique key taken: two requests with one Idempotency-Key), it is rolled back and
each set is written again alone, so the error reaches the caller it belongs to and nobody else.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.expression import Executable

from shared import metrics

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Insert:
    """One new row. `if_absent`: a row whose key may be there already (then nothing is written, no error).
    `returned`: called with the generated primary key once the row is committed (or written, when the
    unit of work writes it on its own session)."""

    table: sa.Table
    row: dict[str, Any]
    if_absent: bool = False
    returned: Callable[[Any], None] | None = None


_statements: dict[tuple[sa.Table, str, bool, bool], Executable] = {}


def _statement(table: sa.Table, dialect: str, if_absent: bool, returning: bool) -> Executable:
    """The INSERT for a table, built once (the compiled form is then found in SQLAlchemy's cache)."""
    key = (table, dialect, if_absent, returning)
    statement = _statements.get(key)
    if statement is None:
        if if_absent and dialect in ("sqlite", "postgresql"):
            insert = sqlite.insert(table) if dialect == "sqlite" else postgresql.insert(table)
            statement = insert.on_conflict_do_nothing()
        else:
            statement = sa.insert(table)
        if returning:
            statement = statement.returning(*table.primary_key.columns, sort_by_parameter_order=True)
        _statements[key] = statement
    return statement


_ranks: dict[frozenset[sa.Table], dict[sa.Table, int]] = {}


def _rank(tables: frozenset[sa.Table]) -> dict[sa.Table, int]:
    """The tables' order by their foreign keys, parents first (computed once per set of tables)."""
    rank = _ranks.get(tables)
    if rank is None:
        rank = _ranks[tables] = {table: i for i, table in enumerate(sa.schema.sort_tables(tables))}
    return rank


def execute_inserts(connection: Connection, inserts: Sequence[Insert]) -> list[tuple[Insert, Any]]:
    """Write the rows on the connection: one statement per table and shape of row, tables ordered by
    their foreign keys (parents first), rows of one table in the order given. Returns (insert, generated
    key) for those that asked for it; the caller reports them once the transaction commits."""
    groups: dict[tuple[sa.Table, tuple[str, ...], bool, bool], list[Insert]] = {}
    for item in inserts:
        groups.setdefault((item.table, tuple(item.row), item.if_absent, item.returned is not None), []).append(item)
    rank = _rank(frozenset(key[0] for key in groups))
    dialect = connection.dialect.name
    returned: list[tuple[Insert, Any]] = []
    for key in sorted(groups, key=lambda k: rank[k[0]]):  # stable: one table's shapes keep their order
        table, _, if_absent, returning = key
        items = groups[key]
        statement = _statement(table, dialect, if_absent, returning)
        params = [item.row for item in items]
        if returning:
            keys = connection.execute(statement, params).scalars().all()
            returned.extend(zip(items, keys, strict=True))
        else:
            connection.execute(statement, params)
    return returned


def report(returned: list[tuple[Insert, Any]]) -> None:
    for item, key in returned:
        assert item.returned is not None
        item.returned(key)


class _Ticket:
    """One caller's rows, and how it learns the outcome: `wake` is set when its rows are committed (or
    failed), or when it is to lead the next batch."""

    __slots__ = ("inserts", "done", "error", "wake")

    def __init__(self, inserts: list[Insert]) -> None:
        self.inserts = inserts
        self.done = False
        self.error: BaseException | None = None
        self.wake = threading.Event()


class GroupCommit:
    """The group commit of one engine. `prepare(connection, inserts)` runs first in each transaction (the
    event log's ordering lock); `after(inserts)` once it committed (waking the log's readers); `max_batch`
    bounds the sets of rows one transaction takes."""

    def __init__(self, engine: Engine, *, prepare: Callable[[Connection, list[Insert]], None] | None = None,
                 after: Callable[[list[Insert]], None] | None = None, max_batch: int = 256) -> None:
        self.engine = engine
        self.prepare = prepare
        self.after = after
        self.max_batch = max_batch
        self._lock = threading.Lock()
        self._waiting: list[_Ticket] = []
        self._leading = False
        self.batches = 0  # transactions committed (with `sets`: the mean batch, for tests and benchmarks)
        self.sets = 0

    @property
    def waiting(self) -> int:
        """Sets of rows waiting for the next batch."""
        with self._lock:
            return len(self._waiting)

    def commit(self, inserts: list[Insert]) -> None:
        """Write and commit these rows, with whatever other sets are waiting; returns once they are
        committed, raises what writing them raised (their own error, never another set's)."""
        ticket = _Ticket(inserts)
        with self._lock:
            self._waiting.append(ticket)
            lead = not self._leading
            if lead:
                self._leading = True
        while True:
            if not lead:
                ticket.wake.wait()  # set by the leader: committed, failed, or to lead the next batch
                ticket.wake.clear()
                if ticket.done:
                    break
            self._lead()
            if ticket.done:
                break
            lead = False
        if ticket.error is not None:
            raise ticket.error

    def _lead(self) -> None:
        """Write one batch of what is waiting, then wake its callers, and one caller still waiting (if
        any) to lead the next batch: one wake per caller, none wasted."""
        with self._lock:
            batch, self._waiting = self._waiting[:self.max_batch], self._waiting[self.max_batch:]
        try:
            self._write(batch)
        finally:
            for ticket in batch:
                if not ticket.done and ticket.error is None:  # interrupted before its outcome was known
                    ticket.error = RuntimeError("the group commit was interrupted; the rows may not be stored")
                ticket.done = True
            with self._lock:
                following = self._waiting[0] if self._waiting else None
                self._leading = following is not None
            for ticket in batch:
                ticket.wake.set()
            if following is not None:
                following.wake.set()  # not done: it leads

    def _write(self, batch: list[_Ticket]) -> None:
        inserts = [item for ticket in batch for item in ticket.inserts]
        try:
            returned = self._transaction(inserts)
        except Exception as exc:  # noqa: BLE001 - handed to its caller
            if len(batch) == 1:
                batch[0].error = exc
            else:  # each alone, so that the failure is its own caller's only
                for ticket in batch:
                    self._write_alone(ticket)
            return
        self._committed(batch, inserts, returned)

    def _write_alone(self, ticket: _Ticket) -> None:
        try:
            returned = self._transaction(ticket.inserts)
        except Exception as exc:  # noqa: BLE001 - raised in the caller's thread
            ticket.error = exc
            return
        self._committed([ticket], ticket.inserts, returned)

    def _committed(self, batch: list[_Ticket], inserts: list[Insert], returned: list[tuple[Insert, Any]]) -> None:
        for ticket in batch:
            ticket.done = True
        self.batches += 1
        self.sets += len(batch)
        metrics.group_commits.inc()
        metrics.group_commit_sets.inc(len(batch))
        report(returned)
        if self.after is not None:
            try:
                self.after(inserts)
            except Exception:  # noqa: BLE001 - the rows are committed; a reader polls anyway
                log.exception("after a group commit")

    def _transaction(self, inserts: list[Insert]) -> list[tuple[Insert, Any]]:
        with self.engine.connect() as connection, connection.begin():
            if self.prepare is not None:
                self.prepare(connection, inserts)
            return execute_inserts(connection, inserts)

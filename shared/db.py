"""Database engines: SQLite (the embedded default) and PostgreSQL, with the same code path."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, TypeDecorator, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from shared.clock import SHANGHAI

# BIGINT on PostgreSQL; SQLite only auto-increments an INTEGER PRIMARY KEY.
BigIntId = BigInteger().with_variant(Integer(), "sqlite")


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """hide_parameters: an error's message names the SQL but never the values (complaint text, names,
    phones would otherwise reach the logs with any failed statement)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # cached_statements: each connection keeps up to this many prepared statements (sqlite3's default: 128);
        # preparing one again on a table with triggers (notify_0022's) costs some twenty times more
        engine = create_engine(url, echo=echo, hide_parameters=True,
                               connect_args={"check_same_thread": False, "timeout": 30, "cached_statements": 1024})
        _sqlite_serialised_writers(engine)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = create_engine(parsed, echo=echo, hide_parameters=True, pool_size=10, max_overflow=20)
    _ping_after_idle(engine)
    return engine


# A pooled connection unused for longer than this is tested before it is handed out.
PING_AFTER_IDLE_SECONDS = 5.0


def _ping_after_idle(engine: Engine) -> None:
    """A connection that sat in the pool is pinged before use, and replaced if the server dropped it (a
    restart, a proxy's idle timeout). SQLAlchemy's pool_pre_ping pings at every checkout, a round trip
    per transaction: a sixth of a receipt's time on PostgreSQL (bench/ceiling.py). A connection back
    from work moments ago is handed out as it is; if the server went away in between, the statement
    fails, SQLAlchemy sees the disconnect and renews the whole pool."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record):  # type: ignore[no-untyped-def]
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy):  # type: ignore[no-untyped-def]
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since <= PING_AFTER_IDLE_SECONDS:
            return
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            if not dbapi_connection.autocommit:
                dbapi_connection.rollback()
        except Exception as exc:  # noqa: BLE001 - any failure: this connection is gone
            raise DisconnectionError("a pooled connection was dropped while idle") from exc


# SQLSTATEs that say the server cannot serve now, not that the statement is wrong: class 08 (the
# connection), 53300 (too many connections), 57P01-57P03 (shut down, crashed, starting up).
_UNAVAILABLE_SQLSTATES = ("08", "53300", "57P01", "57P02", "57P03")


def database_unavailable(exc: BaseException) -> bool:
    """True when `exc` (or what caused it) says the database cannot be reached at the moment: refused or
    dropped connections, a server restarting, no pooled connection within the pool's timeout. Such a
    failure is nobody's input: the edge answers 503 and consumers wait instead of parking the message.
    Errors of the statement itself (a constraint, a missing table, a deadlock) are not."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, PoolTimeout | DisconnectionError):
            return True
        if isinstance(current, DBAPIError):
            if current.connection_invalidated:
                return True
            sqlstate = getattr(current.orig, "sqlstate", "") or ""
            # psycopg: a refused connect or a lost server has no SQLSTATE, only the OperationalError kind
            if not sqlstate and any(kind.__name__ == "OperationalError" and kind.__module__.startswith("psycopg")
                                    for kind in type(current.orig).__mro__):
                return True
            if sqlstate.startswith(_UNAVAILABLE_SQLSTATES):
                return True
        current = current.__cause__ or current.__context__
    return False


def _sqlite_serialised_writers(engine: Engine) -> None:
    """WAL, foreign keys, and BEGIN IMMEDIATE: SQLite allows one writer, so take the lock up front
    instead of failing with 'database is locked' when a read transaction later tries to write."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # let us emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    # Writers of this process queue on a Python lock: SQLite's own busy handler sleeps in steps of
    # up to 100 ms, which under load costs more than the transactions themselves. Other processes on
    # the same file still meet busy_timeout.
    writer = threading.Lock()
    holder: list[Any] = []  # the DBAPI connection holding `writer`, if any

    @event.listens_for(engine, "begin")
    def _on_begin(connection):  # type: ignore[no-untyped-def]
        # Readers (engine.execution_options(read_only=True)) take no lock: WAL gives them a snapshot.
        if connection.get_execution_options().get("read_only", False):
            connection.exec_driver_sql("BEGIN DEFERRED")
            return
        if not writer.acquire(timeout=60):
            raise TimeoutError("no SQLite write lock within 60 s")
        holder.append(connection.connection.dbapi_connection)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release(holder[-1])
            raise

    def _release(dbapi_connection: Any) -> None:
        raw = getattr(dbapi_connection, "dbapi_connection", dbapi_connection)  # a pool proxy or the raw one
        if holder and holder[0] is raw:
            holder.clear()
            writer.release()

    dialect = engine.dialect
    for name in ("do_commit", "do_rollback", "do_close"):
        original = getattr(dialect, name)

        def ending(dbapi_connection: Any, _original: Any = original) -> None:
            try:
                _original(dbapi_connection)
            finally:
                _release(dbapi_connection)

        setattr(dialect, name, ending)



class AwareDateTime(TypeDecorator[datetime]):
    """An aware moment: stored as UTC on every database, read back in Asia/Shanghai.

    SQLite keeps no time zone, so without this a Shanghai time would be stored as if it were UTC.
    A naive time is refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store aware times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(SHANGHAI)

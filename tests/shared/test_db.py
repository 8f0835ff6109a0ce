"""Database plumbing: aware times on both databases; SQLite writers queue, readers never wait."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import StatementError

from shared.clock import SHANGHAI
from shared.db import AwareDateTime, make_engine
from tests.conftest import DATABASES

metadata = sa.MetaData()
moments = sa.Table("test_moments", metadata, sa.Column("id", sa.Integer, primary_key=True),
                   sa.Column("at", AwareDateTime()))
counter = sa.Table("test_counter", metadata, sa.Column("id", sa.Integer, primary_key=True),
                   sa.Column("value", sa.Integer, nullable=False))


@pytest.fixture
def tables(engine):
    metadata.create_all(engine)  # test-only tables
    yield engine
    metadata.drop_all(engine)


def test_an_aware_time_comes_back_as_the_same_moment_in_shanghai(tables):
    at = datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)
    with tables.begin() as conn:
        conn.execute(moments.insert().values(id=1, at=at))
        stored = conn.execute(sa.select(moments.c.at)).scalar_one()
        before_0230_utc = moments.c.at < datetime(2026, 11, 26, 2, 30, tzinfo=UTC)
        earlier = conn.execute(sa.select(sa.func.count()).select_from(moments).where(before_0230_utc)).scalar_one()
    assert stored == at and stored.utcoffset() == at.utcoffset()
    assert earlier == 1  # 10:00 in Shanghai is 02:00 UTC, before 02:30 UTC: compared as moments


def test_a_naive_time_is_refused_rather_than_guessed(tables):
    with pytest.raises(StatementError, match="naive datetime"), tables.begin() as conn:
        conn.execute(moments.insert().values(id=2, at=datetime(2026, 11, 26, 10, 0)))


def test_concurrent_sqlite_writers_all_commit(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/w.db")
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(counter.insert().values(id=1, value=0))
    errors: list[BaseException] = []

    def bump() -> None:
        try:
            for _ in range(25):
                with engine.begin() as conn:
                    value = conn.execute(sa.select(counter.c.value)).scalar_one()
                    conn.execute(counter.update().values(value=value + 1))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    with engine.connect() as conn:
        assert conn.execute(sa.select(counter.c.value)).scalar_one() == 100
    assert errors == []
    engine.dispose()


def test_a_sqlite_reader_does_not_wait_for_a_writer(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/r.db")
    metadata.create_all(engine)
    holding, release = threading.Event(), threading.Event()

    def writer() -> None:
        with engine.begin() as conn:
            conn.execute(counter.insert().values(id=7, value=1))
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    assert holding.wait(10)
    with engine.execution_options(read_only=True).connect() as conn:
        seen = conn.execute(sa.select(sa.func.count()).select_from(counter)).scalar_one()
    release.set()
    thread.join(10)
    assert seen == 0  # a snapshot from before the writer's commit, taken without waiting for it
    engine.dispose()


@pytest.mark.skipif("postgres" not in DATABASES, reason="a server that drops connections: PostgreSQL")
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_postgresql_connection_dropped_while_idle_is_replaced_before_use(engine, monkeypatch):
    """Pooled connections are pinged only after sitting idle (shared.db.PING_AFTER_IDLE_SECONDS), not at
    every checkout; one the server dropped meanwhile is replaced, and the caller never sees it."""
    import shared.db

    with engine.connect() as conn:
        mine = conn.scalar(sa.text("SELECT pg_backend_pid()"))
    monkeypatch.setattr(shared.db, "PING_AFTER_IDLE_SECONDS", 0.0)
    admin = make_engine(engine.url.render_as_string(hide_password=False))
    with admin.connect() as conn:
        assert conn.scalar(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": mine})
    admin.dispose()
    with engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT pg_backend_pid()")) != mine

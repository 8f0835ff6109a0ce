"""Group commit (shared/group_commit.py) and the unit of work's new rows (SqlUnitOfWork.insert).

The rows of many callers go in one transaction; each caller returns only once its rows are committed,
and a failure (a key taken) is its own caller's alone. A unit of work's pending rows are written before
anything else it does on its session, so what it reads afterwards sees them.
"""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from shared.contracts.events import ComplaintRatedV1
from shared.eventbus import outbox
from shared.eventbus.tables import OutboxRecord
from shared.group_commit import GroupCommit, Insert
from shared.uow import SqlUnitOfWork, group_commit

metadata = sa.MetaData()
parents = sa.Table("gc_parent", metadata, sa.Column("id", sa.String(20), primary_key=True),
                   sa.Column("n", sa.Integer, nullable=False))
children = sa.Table("gc_child", metadata, sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                    sa.Column("parent_id", sa.String(20), sa.ForeignKey("gc_parent.id"), nullable=False))


@pytest.fixture
def tables(engine: Engine) -> Engine:
    metadata.create_all(engine)
    return engine


def count(engine: Engine, table: sa.Table) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


def held_first_batch(callers: int) -> tuple[threading.Event, object]:
    """A `prepare` that holds the first transaction until the other callers are waiting, so that they all
    go in the second batch (otherwise how they group depends on the scheduler)."""
    release, first = threading.Event(), threading.Event()

    def prepare(_connection: Connection, _inserts: list[Insert]) -> None:
        if not first.is_set():
            first.set()
            assert release.wait(30)

    return release, prepare


def run_callers(group: GroupCommit, release: threading.Event, sets: list[list[Insert]]) -> list[BaseException | None]:
    outcomes: list[BaseException | None] = [None] * len(sets)

    def call(i: int) -> None:
        try:
            group.commit(sets[i])
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            outcomes[i] = exc

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(sets))]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while group.waiting < len(sets) - 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    release.set()
    for thread in threads:
        thread.join(30)
    return outcomes


def test_rows_of_callers_waiting_are_committed_in_one_transaction_children_after_parents(tables: Engine):
    release, prepare = held_first_batch(8)
    group = GroupCommit(tables, prepare=prepare)  # type: ignore[arg-type]
    ids: list[int] = []
    sets = [[Insert(children, {"parent_id": f"p{i}"}, returned=ids.append), Insert(parents, {"id": f"p{i}", "n": i})]
            for i in range(8)]  # the child first: the group orders tables by their foreign keys
    assert run_callers(group, release, sets) == [None] * 8
    assert (group.batches, group.sets) == (2, 8)  # the first caller alone, then the seven that waited
    assert count(tables, parents) == count(tables, children) == 8
    assert len(set(ids)) == 8  # every child's generated key was reported


def test_a_set_that_fails_fails_alone_and_the_others_are_committed(tables: Engine):
    with tables.begin() as conn:
        conn.execute(parents.insert(), {"id": "taken", "n": 0})
    release, prepare = held_first_batch(6)
    group = GroupCommit(tables, prepare=prepare)  # type: ignore[arg-type]
    sets = [[Insert(parents, {"id": "taken" if i == 3 else f"q{i}", "n": i})] for i in range(6)]
    outcomes = run_callers(group, release, sets)
    assert [isinstance(o, IntegrityError) for o in outcomes] == [False, False, False, True, False, False]
    assert count(tables, parents) == 1 + 5


def test_if_absent_leaves_a_row_that_is_there(tables: Engine):
    group = GroupCommit(tables)
    group.commit([Insert(parents, {"id": "once", "n": 1})])
    group.commit([Insert(parents, {"id": "once", "n": 2}, if_absent=True), Insert(parents, {"id": "twice", "n": 3})])
    with tables.connect() as conn:
        assert dict(conn.execute(sa.select(parents.c.id, parents.c.n)).all()) == {"once": 1, "twice": 3}


def uow_on(engine: Engine, clock) -> SqlUnitOfWork:  # type: ignore[no-untyped-def]
    """A unit of work as the services build it: on the engine's group commit (the event log's ordering
    lock before a batch, its readers woken after)."""
    return SqlUnitOfWork(sessionmaker(engine, expire_on_commit=False), clock=clock, source="/hechuan/test",
                         group=group_commit(engine))


def rated(key: str, clock) -> ComplaintRatedV1:  # type: ignore[no-untyped-def]
    return ComplaintRatedV1(complaint_id=key, tracking_code=f"T-{key}", rating="satisfied", reply_round=1,
                            via="citizen", rated_at=clock.now())


def test_a_unit_of_work_of_new_rows_commits_them_and_its_events_through_the_group(tables: Engine, clock):  # type: ignore[no-untyped-def]
    group, wake = group_commit(tables), outbox.listen([ComplaintRatedV1.topic])
    before = group.sets
    try:
        with uow_on(tables, clock) as uow:
            uow.insert(parents, {"id": "g1", "n": 1})
            uow.publish(rated("g1", clock))
            uow.commit()
        assert wake.is_set()  # the log's readers of that topic are woken
    finally:
        outbox.unlisten(wake)
    assert group.sets == before + 1
    with tables.connect() as conn:
        assert conn.scalar(sa.select(parents.c.n).where(parents.c.id == "g1")) == 1
        assert conn.scalar(sa.select(sa.func.count()).select_from(OutboxRecord).where(OutboxRecord.key == "g1")) == 1


def test_rows_are_written_before_the_unit_of_works_next_statement_which_sees_them(tables: Engine, clock):  # type: ignore[no-untyped-def]
    group = group_commit(tables)
    before = group.sets
    with uow_on(tables, clock) as uow:
        uow.insert(parents, {"id": "g2", "n": 2})
        uow.insert(children, {"parent_id": "g2"})
        assert uow.session.scalar(sa.select(parents.c.n).where(parents.c.id == "g2")) == 2
        uow.commit()
    assert group.sets == before  # it used its session: its own transaction, as before group commit
    assert count(tables, children) == 1


def test_rows_of_a_unit_of_work_that_does_not_commit_are_never_written(tables: Engine, clock):  # type: ignore[no-untyped-def]
    with uow_on(tables, clock) as uow:
        uow.insert(parents, {"id": "g3", "n": 3})
        uow.rollback()
        uow.commit()  # nothing left to write
    with uow_on(tables, clock) as uow:
        uow.insert(parents, {"id": "g4", "n": 4})
    assert count(tables, parents) == 0

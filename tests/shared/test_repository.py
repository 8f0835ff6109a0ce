"""The repository base (shared/repository.py) and the unit of work that saves through it.

A tiny aggregate (`Note`) in a dict standing in for its table: `_write` records each call, so the
tests see exactly what would be written. The unit-of-work tests use a real database for the outbox.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shared.contracts.events import ComplaintRatedV1
from shared.domain import Aggregate
from shared.eventbus.tables import OutboxRecord
from shared.repository import Repository
from shared.uow import SqlUnitOfWork

Rows = dict[str, tuple[str, list[str]]]  # key → (text, tags): the "table"


@dataclass(eq=False)  # like intake's aggregates: no field equality, so the base must compare fields itself
class Note(Aggregate):
    key: str
    text: str
    tags: list[str] = field(default_factory=list)

    def rate(self, rating: str, *, at: object) -> None:
        self.text = f"rated {rating}"
        self.record(ComplaintRatedV1, complaint_id=self.key, tracking_code=f"T-{self.key}", rating=rating,
                    reply_round=1, via="citizen", rated_at=at)


class NoteRepository(Repository[Note]):
    def __init__(self, session: Session | None, track, *, rows: Rows) -> None:  # type: ignore[no-untyped-def]
        super().__init__(session, track)  # type: ignore[arg-type]
        self.rows = rows
        self.writes: list[tuple[str, str | None, str]] = []  # (key, text before, text written)
        self.fail_on: Hashable | None = None

    def get(self, key: str) -> Note | None:
        if (held := self.held(key)) is not None:
            return held
        if key not in self.rows:
            return None
        text, tags = self.rows[key]
        return self._hold(key, Note(key, text, list(tags)), new=False)

    def add(self, note: Note) -> None:
        self._hold(note.key, note, new=True)

    def _write(self, note: Note, before: Note | None) -> None:
        if note.key == self.fail_on:
            raise RuntimeError("the row cannot be written")
        self.writes.append((note.key, before.text if before is not None else None, note.text))
        self.rows[note.key] = (note.text, list(note.tags))


@pytest.fixture
def rows() -> Rows:
    return {"n-1": ("first", ["a"]), "n-2": ("second", [])}


@pytest.fixture
def tracked() -> list[Aggregate]:
    return []


@pytest.fixture
def notes(rows: Rows, tracked: list[Aggregate]) -> NoteRepository:
    return NoteRepository(None, tracked.append, rows=rows)


# --- the base on its own ------------------------------------------------------------------------------


def test_an_unchanged_aggregate_is_not_written(notes):
    notes.get("n-1")
    notes.get("n-2")
    notes.save_changes()
    assert notes.writes == []


def test_a_changed_aggregate_is_written_once_with_its_state_as_loaded(notes, rows):
    note = notes.get("n-1")
    note.text = "edited"
    notes.save_changes()
    notes.save_changes()  # nothing changed since the last write
    assert notes.writes == [("n-1", "first", "edited")]
    assert rows["n-1"] == ("edited", ["a"])
    assert notes.get("n-2") is not None and len(notes.writes) == 1  # the other one stays unwritten


def test_a_change_inside_a_nested_value_is_seen(notes, rows):
    """The copy as loaded is deep: appending to a list the aggregate holds is a change."""
    notes.get("n-1").tags.append("b")
    notes.save_changes()
    assert notes.writes == [("n-1", "first", "first")]
    assert rows["n-1"] == ("first", ["a", "b"])


def test_a_new_aggregate_is_written_even_if_unchanged_since_added(notes, rows):
    notes.add(Note("n-3", "new"))
    notes.save_changes()
    notes.save_changes()
    assert notes.writes == [("n-3", None, "new")]
    assert rows["n-3"] == ("new", [])


def test_a_second_get_returns_the_held_aggregate_tracked_once(notes, tracked):
    first = notes.get("n-1")
    first.text = "changed, not yet written"
    again = notes.get("n-1")
    assert again is first and again.text == "changed, not yet written"
    assert notes.held("n-1") is first and notes.held("n-9") is None
    assert tracked == [first]


def test_pending_events_are_not_part_of_the_state(notes):
    """Recording an event changes no field: nothing to write (the events go to the outbox)."""
    note = notes.get("n-1")
    note.record(ComplaintRatedV1, complaint_id="n-1", tracking_code="T-n-1", rating="satisfied",
                reply_round=1, via="citizen", rated_at="2026-11-26T10:00:00+08:00")
    notes.save_changes()
    assert notes.writes == [] and len(note.pending_events) == 1


def test_after_forget_nothing_held_is_written_and_the_row_is_read_again(notes):
    note = notes.get("n-1")
    note.text = "rolled back"
    notes.add(Note("n-3", "rolled back too"))
    notes.forget()
    notes.save_changes()
    assert notes.writes == []
    assert notes.held("n-1") is None
    fresh = notes.get("n-1")
    assert fresh is not note and fresh.text == "first"


# --- in the unit of work ------------------------------------------------------------------------------


class NoteUnitOfWork(SqlUnitOfWork):
    rows: Rows
    notes: NoteRepository

    def open_repositories(self, session: Session) -> None:
        self.notes = self.repository(NoteRepository, rows=self.rows)


@pytest.fixture
def make_uow(engine, clock, rows):  # type: ignore[no-untyped-def]
    sessions = sessionmaker(engine, expire_on_commit=False)

    def make() -> NoteUnitOfWork:
        uow = NoteUnitOfWork(sessions, clock=clock, source="/hechuan/test")
        uow.rows = rows
        return uow

    return make


def outbox_ids(engine) -> list[str]:  # type: ignore[no-untyped-def]
    """The notes' events in the outbox (the template database holds the seed's events too)."""
    with Session(engine) as session:
        return list(session.scalars(select(OutboxRecord.event_id).where(OutboxRecord.key.in_(["n-1", "n-2"]))
                                    .order_by(OutboxRecord.position)))


def test_commit_writes_what_changed_and_the_events_of_held_aggregates_in_order(make_uow, engine, clock, rows):
    with make_uow() as uow:
        assert uow.repositories == [uow.notes]
        second, first = uow.notes.get("n-2"), uow.notes.get("n-1")
        uow.notes.get("n-1").rate("satisfied", at=clock.now())
        second.rate("unsatisfied", at=clock.now())
        first.rate("basically_satisfied", at=clock.now())
        written = uow.commit()
        writes = uow.notes.writes
    assert [(e.subject, e.data["rating"]) for e in written] == [
        ("n-2", "unsatisfied"), ("n-1", "satisfied"), ("n-1", "basically_satisfied")]  # tracked order
    assert outbox_ids(engine) == [e.id for e in written]
    assert writes == [("n-2", "second", "rated unsatisfied"), ("n-1", "first", "rated basically_satisfied")]
    assert rows["n-1"][0] == "rated basically_satisfied"


def test_a_unit_of_work_starts_with_no_repositories_but_its_own(make_uow):
    uow = make_uow()
    with uow:
        uow.notes.get("n-1")
        held_before = uow.notes
    with uow:
        assert uow.repositories == [uow.notes] and uow.notes is not held_before
        assert uow.notes.held("n-1") is None


def test_rollback_forgets_the_changes_and_their_events(make_uow, engine, clock):
    with make_uow() as uow:
        uow.notes.get("n-1").rate("unsatisfied", at=clock.now())
        uow.rollback()
        assert uow.notes.held("n-1") is None
        assert uow.commit() == []
        assert uow.notes.writes == []
    assert outbox_ids(engine) == []


def test_a_failed_write_leaves_no_event_in_the_outbox(make_uow, engine, clock):
    """Rows and events go in one transaction: the rows are written first, so a failure stops both."""
    with make_uow() as uow:
        uow.notes.fail_on = "n-2"
        uow.notes.get("n-1").rate("satisfied", at=clock.now())
        uow.notes.get("n-2").rate("satisfied", at=clock.now())
        with pytest.raises(RuntimeError):
            uow.commit()
        assert not uow.committed
    assert outbox_ids(engine) == []


def test_a_row_changed_in_place_is_committed_with_the_new_rows_beside_it(engine, clock):
    """A unit of work that only adds rows joins the group commit (shared/group_commit.py) and drops its own
    session; one that also changed a loaded row in place, with no statement since to flush it, must not."""
    from shared.eventbus.tables import ConsumerOffset, InboxRecord
    from shared.uow import group_commit

    with Session(engine) as session:
        session.add(ConsumerOffset(group_id="in-place", position=1, updated_at=clock.now()))
        session.commit()
    sessions = sessionmaker(engine, expire_on_commit=False)
    with SqlUnitOfWork(sessions, clock=clock, source="/hechuan/test", group=group_commit(engine)) as uow:
        row = uow.session.get_one(ConsumerOffset, "in-place")
        row.position = 2  # set in place: nothing flushed yet
        uow.insert(InboxRecord.__table__, {"group_id": "in-place", "event_id": "e-1", "processed_at": clock.now()})
        uow.commit()

    with Session(engine) as session:
        assert session.get_one(ConsumerOffset, "in-place").position == 2
        assert session.get(InboxRecord, ("in-place", "e-1")) is not None

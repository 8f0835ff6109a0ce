"""The consumer's inbox (shared/eventbus/consumer.py `handle_once`): one statement claims an event id, and the
same id again, for the same group, is not applied, on both databases (PostgreSQL's driver gives no rowcount
for an INSERT ... ON CONFLICT DO NOTHING: the claim must not rely on it)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from shared.contracts.events import ComplaintRatedV1
from shared.eventbus.consumer import handle_once
from shared.eventbus.tables import InboxRecord
from shared.uow import SqlUnitOfWork


def test_an_event_id_is_applied_once_per_group_and_a_failed_apply_claims_nothing(engine, clock):  # type: ignore[no-untyped-def]
    sessions = sessionmaker(engine, expire_on_commit=False)
    event = ComplaintRatedV1(complaint_id="c-claim", tracking_code="T1", rating="satisfied", reply_round=1,
                             via="citizen", rated_at=clock.now()).to_event(source="/hechuan/test", time=clock.now())
    applied: list[str] = []

    def deliver(group: str, *, fail: bool = False) -> bool:
        with SqlUnitOfWork(sessions, clock=clock, source="/hechuan/test") as uow:
            def apply() -> None:
                if fail:
                    raise RuntimeError("not now")
                applied.append(group)
            try:
                return handle_once(uow, group, event, apply, clock.now())
            except RuntimeError:
                return False

    assert deliver("claim-a", fail=True) is False  # rolled back: the id is not taken
    assert deliver("claim-a") is True
    assert deliver("claim-a") is False  # delivered again: nothing applied
    assert deliver("claim-b") is True  # another group applies it too
    assert applied == ["claim-a", "claim-b"]
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(InboxRecord)
                              .where(InboxRecord.event_id == event.id)) == 2

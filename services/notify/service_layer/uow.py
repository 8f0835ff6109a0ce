"""notify's unit of work: its repository on one transaction; `commit()` writes rows and outbox together."""

from __future__ import annotations

from collections.abc import Callable
from typing import Self

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from services.notify.adapters.repository import CaseRepository
from shared.clock import Clock
from shared.uow import SqlUnitOfWork

SOURCE = "/hechuan/notify"


class NotifyUnitOfWork(SqlUnitOfWork):
    cases: CaseRepository

    def __enter__(self) -> Self:
        super().__enter__()
        self.cases = CaseRepository(self.session)
        return self


NotifyUowFactory = Callable[[], NotifyUnitOfWork]


def uow_factory(engine: Engine, clock: Clock, *, ordered_log: bool = True) -> NotifyUowFactory:
    """A fresh unit of work per message, request or sweep (never a shared one)."""
    sessions: sessionmaker[Session] = sessionmaker(engine, expire_on_commit=False)

    def make() -> NotifyUnitOfWork:
        return NotifyUnitOfWork(sessions, clock=clock, source=SOURCE, ordered_log=ordered_log)

    return make

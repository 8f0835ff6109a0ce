"""Intake's unit of work: one transaction over intake's tables and its outbox."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.intake.adapters.repository import (
    ApiKeyRepository,
    ComplaintRepository,
    DepartmentNameRepository,
    IdempotencyKeyRepository,
    UserRepository,
)
from shared.contracts.envelope import CloudEvent
from shared.uow import SqlUnitOfWork


class IntakeUnitOfWork(SqlUnitOfWork):
    complaints: ComplaintRepository
    idempotency_keys: IdempotencyKeyRepository
    users: UserRepository
    api_keys: ApiKeyRepository
    department_names: DepartmentNameRepository

    def open_repositories(self, session: Session) -> None:
        self.complaints = ComplaintRepository(session, track=self.track, clock=self.clock)
        self.idempotency_keys = IdempotencyKeyRepository(session)
        self.users = UserRepository(session, track=self.track)
        self.api_keys = ApiKeyRepository(session, track=self.track)
        self.department_names = DepartmentNameRepository(session)

    def commit(self) -> list[CloudEvent]:
        """The aggregates' state goes to their rows, then rows and events commit together."""
        for repository in (self.complaints, self.users, self.api_keys):
            repository.sync()
        return super().commit()

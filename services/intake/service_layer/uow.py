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
from shared.uow import SqlUnitOfWork


class IntakeUnitOfWork(SqlUnitOfWork):
    complaints: ComplaintRepository
    idempotency_keys: IdempotencyKeyRepository
    users: UserRepository
    api_keys: ApiKeyRepository
    department_names: DepartmentNameRepository

    def open_repositories(self, session: Session) -> None:
        self.complaints = self.repository(ComplaintRepository, clock=self.clock)
        self.idempotency_keys = IdempotencyKeyRepository(session)
        self.users = self.repository(UserRepository)
        self.api_keys = self.repository(ApiKeyRepository)
        self.department_names = DepartmentNameRepository(session)


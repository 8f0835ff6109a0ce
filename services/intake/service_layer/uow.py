"""Intake's unit of work: one transaction over intake's tables and its outbox."""

from __future__ import annotations

from sqlmodel import col, select

from services.intake.adapters.tables import ComplaintRow, IdempotencyKeyRow, UserRow
from shared.uow import SqlUnitOfWork


class IntakeUnitOfWork(SqlUnitOfWork):
    def complaint(self, complaint_id: str, *, for_update: bool = False) -> ComplaintRow | None:
        return self.session.get(ComplaintRow, complaint_id, with_for_update=for_update)

    def complaint_by_code(self, tracking_code: str, *, for_update: bool = False) -> ComplaintRow | None:
        query = select(ComplaintRow).where(col(ComplaintRow.tracking_code) == tracking_code)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def idempotency_key(self, key: str) -> IdempotencyKeyRow | None:
        return self.session.get(IdempotencyKeyRow, key)

    def user(self, username: str) -> UserRow | None:
        return self.session.get(UserRow, username)

"""notify's unit of work: its repositories on one transaction; `commit()` writes rows and outbox together."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.notify.adapters.queries import ReportQueries
from services.notify.adapters.repository import CaseRepository, DepartmentRepository, RatingRepository
from shared.contracts.envelope import CloudEvent
from shared.uow import SqlUnitOfWork

SOURCE = "/hechuan/notify"


class NotifyUnitOfWork(SqlUnitOfWork):
    cases: CaseRepository
    ratings: RatingRepository
    departments: DepartmentRepository
    reports: ReportQueries

    def open_repositories(self, session: Session) -> None:
        self.cases = CaseRepository(session, self.track)
        self.ratings = RatingRepository(session, self.track)
        self.departments = DepartmentRepository(session, self.track)
        self.reports = ReportQueries(session)

    def commit(self) -> list[CloudEvent]:
        now = self.clock.now()
        for repository in (self.cases, self.ratings, self.departments):
            repository.save(now)
        return super().commit()

    def rollback(self) -> None:
        for repository in (self.cases, self.ratings, self.departments):
            repository.forget()
        super().rollback()


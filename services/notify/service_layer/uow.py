"""notify's unit of work: its repositories on one transaction; `commit()` writes rows and outbox together."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.notify.adapters.queries import ReportQueries
from services.notify.adapters.repository import CaseRepository, DepartmentRepository, RatingRepository
from shared.uow import SqlUnitOfWork

SOURCE = "/hechuan/notify"


class NotifyUnitOfWork(SqlUnitOfWork):
    cases: CaseRepository
    ratings: RatingRepository
    departments: DepartmentRepository
    reports: ReportQueries

    def open_repositories(self, session: Session) -> None:
        self.cases = self.repository(CaseRepository, clock=self.clock)
        self.ratings = self.repository(RatingRepository)
        self.departments = self.repository(DepartmentRepository)
        self.reports = ReportQueries(session)

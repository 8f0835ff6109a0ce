"""notify's unit of work: its repositories on one transaction; `commit()` writes rows and outbox together."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.notify.adapters.assignments import AssignmentLog
from services.notify.adapters.assists import AssistLog
from services.notify.adapters.firms import FirmLinks
from services.notify.adapters.incidents import IncidentClocks
from services.notify.adapters.issues import HotspotRepository, IssueQueries, ReplySummaryRepository
from services.notify.adapters.knowledge import KnowledgeFacts
from services.notify.adapters.queries import ReportQueries
from services.notify.adapters.repository import (
    CallbackRepository,
    CaseRepository,
    DepartmentRepository,
    RatingRepository,
)
from services.notify.adapters.reviews import RatingReviewRepository
from shared.uow import SqlUnitOfWork

SOURCE = "/hechuan/notify"


class NotifyUnitOfWork(SqlUnitOfWork):
    cases: CaseRepository
    ratings: RatingRepository
    departments: DepartmentRepository
    reports: ReportQueries
    callbacks: CallbackRepository
    hotspots: HotspotRepository  # the problem list's decisions (问题清单)
    reply_summaries: ReplySummaryRepository  # public disclosure (主动公开)
    issues: IssueQueries
    assignments: AssignmentLog  # every assignment and how it went (考核)
    assists: AssistLog  # departments asked to assist a lead (协办), reminded when late
    reviews: RatingReviewRepository  # 不合理差评: supervisors' reviews of unsatisfied ratings
    firm_links: FirmLinks  # 被举报企业: the firm each case is linked to (routing's register)
    incidents: IncidentClocks  # 突发环境事件: the 2-hour first-response clocks (docs/incidents.md)
    knowledge: KnowledgeFacts  # 知识库: article versions and 直接办结, from intake (domain/knowledge.py)

    def open_repositories(self, session: Session) -> None:
        self.cases = self.repository(CaseRepository, clock=self.clock)
        self.ratings = self.repository(RatingRepository)
        self.departments = self.repository(DepartmentRepository)
        self.reports = ReportQueries(session)
        self.callbacks = self.repository(CallbackRepository)
        self.hotspots = self.repository(HotspotRepository)
        self.reply_summaries = self.repository(ReplySummaryRepository)
        self.issues = IssueQueries(session)
        self.assignments = AssignmentLog(session)
        self.assists = AssistLog(session)
        self.reviews = self.repository(RatingReviewRepository)
        self.firm_links = FirmLinks(session)
        self.incidents = IncidentClocks(session)
        self.knowledge = KnowledgeFacts(session)

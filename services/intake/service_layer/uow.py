"""Intake's unit of work: one transaction over intake's tables and its outbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.intake.adapters.knowledge_repository import (
    ArticleRepository,
    ConsultationRepository,
    ReplyTemplateRepository,
)
from services.intake.adapters.repository import (
    ApiKeyRepository,
    AttachmentRepository,
    ChannelRefRepository,
    ComplaintHistory,
    ComplaintRepository,
    ContactViews,
    DepartmentNameRepository,
    IdempotencyKeyRepository,
    UserRepository,
)
from services.intake.adapters.wechat_store import WechatSessionRepository
from shared.sessions import EndedSessions
from shared.uow import SqlUnitOfWork

T = TypeVar("T")


class IntakeUnitOfWork(SqlUnitOfWork):
    complaints: ComplaintRepository
    idempotency_keys: IdempotencyKeyRepository
    channel_refs: ChannelRefRepository
    history: ComplaintHistory
    contact_views: ContactViews
    users: UserRepository
    api_keys: ApiKeyRepository
    department_names: DepartmentNameRepository
    wechat_sessions: WechatSessionRepository
    attachments: AttachmentRepository
    ended_sessions: EndedSessions
    articles: ArticleRepository
    consultations: ConsultationRepository
    reply_templates: ReplyTemplateRepository

    def open_repositories(self, session: Session) -> None:
        self.complaints = self.repository(ComplaintRepository, clock=self.clock, insert=self.insert)
        self.idempotency_keys = IdempotencyKeyRepository(session, self.insert, self.committed_reads)
        self.channel_refs = ChannelRefRepository(session, self.insert, self.committed_reads)
        self.history = ComplaintHistory(session)
        self.contact_views = ContactViews(session, self.insert)
        self.users = self.repository(UserRepository)
        self.api_keys = self.repository(ApiKeyRepository)
        self.department_names = DepartmentNameRepository(session)
        self.wechat_sessions = WechatSessionRepository(session)
        self.attachments = AttachmentRepository(session)
        self.ended_sessions = EndedSessions(session)
        self.articles = self.repository(ArticleRepository)
        self.consultations = ConsultationRepository(session)
        self.reply_templates = self.repository(ReplyTemplateRepository)

    def commit_first(self, earlier: Callable[[], T | None]) -> T | None:
        """Commit; if a unique constraint says a concurrent transaction wrote the same key first, roll
        back and return what `earlier()` then finds (the winner's result). None when this one committed.

        Two requests with one Idempotency-Key (or channel reference) can both find no earlier complaint
        and both insert; on PostgreSQL the second waits for the first and then violates the key's
        primary key. That is a replay, not a server error. If `earlier()` finds nothing, the violation
        was something else, and it is raised as it was.
        """
        try:
            self.commit()
            return None
        except IntegrityError:
            self.rollback()
            found = earlier()
            if found is None:
                raise
            return found

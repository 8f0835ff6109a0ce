"""The knowledge base's facts from intake's events (知识库: KnowledgeArticleWrittenV1, ConsultationAnsweredV1), kept
for the assessment's 知识库维护及时率 (docs/assessment.md) and the report of 直接办结 (docs/knowledge.md).
Registered in handlers.py's EVENT_HANDLERS and COMMAND_HANDLERS."""

from __future__ import annotations

from dataclasses import dataclass

from services.notify.domain.disclosure import Month
from services.notify.domain.knowledge import (
    ArticleVersionFact,
    ConsultationRecord,
    ConsultationReport,
    consultation_report,
    report_window,
)
from services.notify.service_layer.uow import NotifyUnitOfWork
from shared.contracts.events import ConsultationAnsweredV1, KnowledgeArticleWrittenV1


def article_written(event: KnowledgeArticleWrittenV1, uow: NotifyUnitOfWork) -> None:
    uow.knowledge.article_written(ArticleVersionFact(
        article_id=event.article_id, version=event.version, department=event.department, status=event.status,
        review_by=event.review_by, changed_at=event.changed_at, title=event.title))
    uow.commit()


def consultation_answered(event: ConsultationAnsweredV1, uow: NotifyUnitOfWork) -> None:
    uow.knowledge.consultation_answered(ConsultationRecord(
        consultation_id=event.consultation_id, article_id=event.article_id, article_title=event.article_title,
        department=event.department, category=event.category, subcategory=event.subcategory,
        answered_by=event.answered_by, channel=event.channel, answered_at=event.answered_at),
        article_version=event.article_version)
    uow.commit()


@dataclass(frozen=True)
class ReportConsultations:
    """直接办结 of a month (YYYY-MM; none: this month so far)."""

    month: str | None = None


def report_consultations(query: ReportConsultations, uow: NotifyUnitOfWork) -> ConsultationReport:
    now = uow.clock.now()
    month = Month.asked(query.month, now)
    start, end = report_window(month)
    return consultation_report(uow.knowledge.consultations(start, end), month, now)

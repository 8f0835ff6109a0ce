"""The knowledge base as notify keeps it (domain/knowledge.py): the facts of every article version and every
consultation closed on the spot (直接办结), from intake's events. Projections, not aggregates: an event adds a
row in its handler's transaction, and a redelivered event adds nothing (the rows' keys)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel, col, select

from services.notify.domain.knowledge import ArticleVersionFact, ConsultationRecord
from services.notify.domain.metrics import Period
from shared.db import AwareDateTime


def _at(*, index: bool = False) -> Any:
    return Field(default=None, sa_column=sa.Column(AwareDateTime(), nullable=False, index=index))


class KnowledgeVersionRow(SQLModel, table=True):
    """One version of an article (KnowledgeArticleWrittenV1): owner, status and review date, no answer text."""

    __tablename__ = "notify_knowledge_versions"

    article_id: str = Field(primary_key=True, max_length=36)
    version: int = Field(primary_key=True)
    title: str = Field(max_length=200)
    department: str = Field(max_length=64)
    status: str = Field(max_length=16)
    review_by: date | None = Field(default=None, index=True)
    changed_at: datetime = _at()


class ConsultationRow(SQLModel, table=True):
    """A consultation closed on the spot (ConsultationAnsweredV1); the caller's question stays in intake."""

    __tablename__ = "notify_consultations"

    consultation_id: str = Field(primary_key=True, max_length=36)
    article_id: str = Field(max_length=36)
    article_version: int
    article_title: str = Field(max_length=200)
    department: str = Field(max_length=64)
    category: str | None = Field(default=None, max_length=32)
    subcategory: str | None = Field(default=None, max_length=32)
    answered_by: str = Field(max_length=100)
    channel: str = Field(max_length=16)
    answered_at: datetime = _at(index=True)


KNOWLEDGE_TABLES = [KnowledgeVersionRow.__table__, ConsultationRow.__table__]  # type: ignore[attr-defined]


class KnowledgeFacts:
    def __init__(self, session: Session) -> None:
        self.session = session

    def article_written(self, fact: ArticleVersionFact) -> None:
        if self.session.get(KnowledgeVersionRow, (fact.article_id, fact.version)) is not None:
            return
        self.session.add(KnowledgeVersionRow(article_id=fact.article_id, version=fact.version, title=fact.title[:200],
                                             department=fact.department, status=fact.status,
                                             review_by=fact.review_by, changed_at=fact.changed_at))

    def consultation_answered(self, record: ConsultationRecord, article_version: int) -> None:
        if self.session.get(ConsultationRow, record.consultation_id) is not None:
            return
        self.session.add(ConsultationRow(
            consultation_id=record.consultation_id, article_id=record.article_id, article_version=article_version,
            article_title=record.article_title[:200], department=record.department, category=record.category,
            subcategory=record.subcategory, answered_by=record.answered_by[:100], channel=record.channel[:16],
            answered_at=record.answered_at))

    def versions_due_in(self, period: Period) -> list[ArticleVersionFact]:
        """Every version of the articles that had a review date in the period (their whole history: the version
        that reviewed a date may come long after it)."""
        v = KnowledgeVersionRow
        due = (sa.select(col(v.article_id)).where(col(v.review_by) >= period.first_day,
                                                  col(v.review_by) <= period.last_day).distinct())
        rows = self.session.scalars(select(v).where(col(v.article_id).in_(due)))
        return [ArticleVersionFact(r.article_id, r.version, r.department, r.status, r.review_by, r.changed_at, r.title)
                for r in rows]

    def consultations(self, start: datetime, end: datetime) -> list[ConsultationRecord]:
        c = ConsultationRow
        rows = self.session.scalars(select(c).where(col(c.answered_at) >= start, col(c.answered_at) < end))
        return [ConsultationRecord(r.consultation_id, r.article_id, r.article_title, r.department, r.category,
                                   r.subcategory, r.answered_by, r.channel, r.answered_at) for r in rows]

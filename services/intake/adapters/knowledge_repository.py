"""The knowledge base in and out of its tables. Articles are aggregates (held, written at commit with a row
per new version); consultations are appended; templates are aggregates too."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from services.intake.adapters.knowledge_tables import (
    ArticleRow,
    ArticleVersionRow,
    ConsultationRow,
    ReplyTemplateRow,
)
from services.intake.domain.knowledge import (
    Article,
    ArticleContent,
    ArticleStatus,
    ArticleVersion,
    Consultation,
    ReplyTemplate,
)
from shared.repository import Repository


def _content(row: ArticleRow) -> ArticleContent:
    return ArticleContent(title=row.title, question=row.question, answer=row.answer, department=row.department,
                          status=ArticleStatus(row.status), category=row.category, subcategory=row.subcategory,
                          legal_basis=row.legal_basis, keywords=tuple(w for w in row.keywords.split("\n") if w),
                          review_by=row.review_by)


def _content_json(content: ArticleContent) -> str:
    return json.dumps({"title": content.title, "question": content.question, "answer": content.answer,
                       "department": content.department, "status": content.status.value,
                       "category": content.category, "subcategory": content.subcategory,
                       "legal_basis": content.legal_basis, "keywords": list(content.keywords),
                       "review_by": content.review_by.isoformat() if content.review_by else None},
                      ensure_ascii=False)


def _content_of_json(text: str) -> ArticleContent:
    data: dict[str, Any] = json.loads(text)
    review = data.get("review_by")
    return ArticleContent(title=data["title"], question=data["question"], answer=data["answer"],
                          department=data["department"], status=ArticleStatus(data["status"]),
                          category=data.get("category"), subcategory=data.get("subcategory"),
                          legal_basis=data.get("legal_basis"), keywords=tuple(data.get("keywords") or ()),
                          review_by=date.fromisoformat(review) if review else None)


class ArticleRepository(Repository[Article]):
    def add(self, article: Article) -> None:
        self._hold(article.article_id, article, new=True)

    def get(self, article_id: str, *, for_update: bool = False) -> Article | None:
        if (held := self.held(article_id)) is not None:
            return held
        query = select(ArticleRow).where(col(ArticleRow.id) == article_id)
        row = self.session.scalars(query.with_for_update() if for_update else query).one_or_none()
        if row is None:
            return None
        versions = self.session.scalars(select(ArticleVersionRow).where(col(ArticleVersionRow.article_id) == article_id)
                                        .order_by(col(ArticleVersionRow.version)))
        article = self._article(row)
        article.history = [ArticleVersion(v.version, _content_of_json(v.content), v.changed_by, v.changed_at, v.note)
                           for v in versions]
        return self._hold(article_id, article, new=False)

    def every(self) -> list[Article]:
        """Every article as it is now, without history: for the search index (read only, not held)."""
        return [self._article(row) for row in self.session.scalars(select(ArticleRow))]

    def stamp(self) -> tuple[int, int]:
        """Changes when any article does (every change adds a version): tells a cached index it is stale,
        also when another replica made the change."""
        count, versions = self.session.execute(select(func.count(), func.coalesce(func.sum(ArticleRow.version), 0))
                                               .select_from(ArticleRow)).one()
        return int(count), int(versions)

    def departments_with_articles(self) -> set[str]:
        return set(self.session.scalars(select(col(ArticleRow.department)).distinct()))

    @staticmethod
    def _article(row: ArticleRow) -> Article:
        return Article(article_id=row.id, content=_content(row), version=row.version, created_by=row.created_by,
                       created_at=row.created_at, updated_by=row.updated_by, updated_at=row.updated_at)

    def _write(self, article: Article, before: Article | None) -> None:
        c = article.content
        columns: dict[str, Any] = dict(title=c.title, question=c.question, answer=c.answer, category=c.category,
                       subcategory=c.subcategory, department=c.department, status=c.status.value,
                       legal_basis=c.legal_basis, keywords="\n".join(c.keywords), review_by=c.review_by,
                       version=article.version, updated_by=article.updated_by, updated_at=article.updated_at)
        if before is None:
            self.session.add(ArticleRow(id=article.article_id, created_by=article.created_by,
                                        created_at=article.created_at, **columns))
        else:
            row = self.session.get_one(ArticleRow, article.article_id)
            for name, value in columns.items():
                setattr(row, name, value)
        self.session.flush()  # the article's row before its versions' (their foreign key)
        written = before.version if before is not None else 0
        self.session.add_all([ArticleVersionRow(article_id=article.article_id, version=v.version,
                                                content=_content_json(v.content), changed_by=v.changed_by,
                                                changed_at=v.changed_at, note=v.note)
                              for v in article.history if v.version > written])


class ConsultationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, consultation: Consultation) -> None:
        self.session.add(ConsultationRow(id=consultation.consultation_id, question=consultation.question,
                                         article_id=consultation.article_id,
                                         article_version=consultation.article_version,
                                         answered_by=consultation.answered_by, channel=consultation.channel,
                                         answered_at=consultation.answered_at))

    def answered_with(self, article_id: str) -> int:
        return int(self.session.scalars(select(func.count()).select_from(ConsultationRow)
                                        .where(col(ConsultationRow.article_id) == article_id)).one())


_TEMPLATE_COLUMNS = ("name", "category", "subcategory", "body", "legal_basis", "active", "version", "updated_by",
                     "updated_at")


class ReplyTemplateRepository(Repository[ReplyTemplate]):
    def add(self, template: ReplyTemplate) -> None:
        self._hold(template.template_id, template, new=True)

    def get(self, template_id: str) -> ReplyTemplate | None:
        if (held := self.held(template_id)) is not None:
            return held
        row = self.session.get(ReplyTemplateRow, template_id)
        return self._template(row) if row is not None else None

    def every(self) -> list[ReplyTemplate]:
        rows = self.session.scalars(select(ReplyTemplateRow).order_by(col(ReplyTemplateRow.name)))
        return [self.held(row.id) or self._template(row) for row in rows]

    def _template(self, row: ReplyTemplateRow) -> ReplyTemplate:
        template = ReplyTemplate(template_id=row.id, **{name: getattr(row, name) for name in _TEMPLATE_COLUMNS})
        return self._hold(row.id, template, new=False)

    def _write(self, template: ReplyTemplate, before: ReplyTemplate | None) -> None:
        columns = {name: getattr(template, name) for name in _TEMPLATE_COLUMNS}
        if before is None:
            self.session.add(ReplyTemplateRow(id=template.template_id, **columns))
            return
        row = self.session.get_one(ReplyTemplateRow, template.template_id)
        for name, value in columns.items():
            setattr(row, name, value)

"""The knowledge base's tables: articles (the current version), every version as written, the consultations
answered on the spot, and the reply templates."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from shared.db import AwareDateTime, BigIntId


def _ts() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(AwareDateTime(), nullable=False)


class ArticleRow(SQLModel, table=True):
    __tablename__ = "intake_knowledge_articles"

    id: str = Field(primary_key=True, max_length=36)
    title: str = Field(max_length=200)
    question: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    answer: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    category: str | None = Field(default=None, max_length=40)
    subcategory: str | None = Field(default=None, max_length=40)
    department: str = Field(max_length=60, index=True)
    status: str = Field(max_length=20, index=True)
    legal_basis: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    keywords: str = Field(sa_column=sa.Column(sa.Text, nullable=False))  # one a line
    review_by: date | None = Field(default=None, index=True)
    version: int
    created_by: str = Field(max_length=80)
    created_at: datetime = Field(sa_column=_ts())
    updated_by: str = Field(max_length=80)
    updated_at: datetime = Field(sa_column=_ts())


class ArticleVersionRow(SQLModel, table=True):
    """Each version as written (the audit trail: who, when, and the whole content)."""

    __tablename__ = "intake_knowledge_versions"
    __table_args__ = (sa.UniqueConstraint("article_id", "version", name="uq_intake_knowledge_versions"),)

    id: int | None = Field(default=None, sa_column=sa.Column(BigIntId, primary_key=True, autoincrement=True))
    article_id: str = Field(max_length=36, foreign_key="intake_knowledge_articles.id")
    version: int
    content: str = Field(sa_column=sa.Column(sa.Text, nullable=False))  # JSON of the article's fields
    changed_by: str = Field(max_length=80)
    changed_at: datetime = Field(sa_column=_ts())
    note: str | None = Field(default=None, max_length=200)


class ConsultationRow(SQLModel, table=True):
    """直接办结: a caller's question answered with an article; no complaint, no case, no target."""

    __tablename__ = "intake_consultations"

    id: str = Field(primary_key=True, max_length=36)
    question: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    article_id: str = Field(max_length=36, foreign_key="intake_knowledge_articles.id", index=True)
    article_version: int
    answered_by: str = Field(max_length=80)
    channel: str = Field(max_length=20)
    answered_at: datetime = Field(sa_column=sa.Column(AwareDateTime(), nullable=False, index=True))


class ReplyTemplateRow(SQLModel, table=True):
    __tablename__ = "intake_reply_templates"

    id: str = Field(primary_key=True, max_length=36)
    name: str = Field(max_length=200)
    category: str | None = Field(default=None, max_length=40)
    subcategory: str | None = Field(default=None, max_length=40)
    body: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    legal_basis: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    active: bool = True
    version: int
    updated_by: str = Field(max_length=80)
    updated_at: datetime = Field(sa_column=_ts())


KNOWLEDGE_TABLES: list[sa.Table] = [
    SQLModel.metadata.tables[name]
    for name in ("intake_knowledge_articles", "intake_knowledge_versions", "intake_consultations",
                 "intake_reply_templates")
]

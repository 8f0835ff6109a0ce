"""notify: the knowledge base's facts (docs/assessment.md 知识库维护及时率, docs/knowledge.md 直接办结)

- notify_knowledge_versions: one row per article version intake published (KnowledgeArticleWrittenV1): the owning
  department, status and review date, no answer text.
- notify_consultations: one row per consultation closed on the spot (ConsultationAnsweredV1): the article, its
  type, the operator, the channel and the time; the caller's question stays in intake.

Revision ID: notify_0019
Revises: notify_0018
"""
import sqlalchemy as sa
from alembic import op

revision = "notify_0019"
down_revision = "notify_0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notify_knowledge_versions",
        sa.Column("article_id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("review_by", sa.Date(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_notify_knowledge_versions_review_by", "notify_knowledge_versions", ["review_by"])
    op.create_table(
        "notify_consultations",
        sa.Column("consultation_id", sa.String(36), primary_key=True),
        sa.Column("article_id", sa.String(36), nullable=False),
        sa.Column("article_version", sa.Integer(), nullable=False),
        sa.Column("article_title", sa.String(200), nullable=False),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("category", sa.String(32), nullable=True),
        sa.Column("subcategory", sa.String(32), nullable=True),
        sa.Column("answered_by", sa.String(100), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_notify_consultations_answered_at", "notify_consultations", ["answered_at"])


def downgrade() -> None:
    op.drop_table("notify_consultations")
    op.drop_table("notify_knowledge_versions")

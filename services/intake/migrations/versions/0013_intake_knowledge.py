"""intake: the knowledge base (知识库) and reply templates (答复口径)

- intake_knowledge_articles: each article as it is now (owning department, draft/internal/public, review date);
- intake_knowledge_versions: every version as written, with who and when (the audit trail);
- intake_consultations: questions the hotline answered with an article on the spot (直接办结);
- intake_reply_templates: reply wording per type and subtype, with its legal basis.

Revision ID: intake_0013
Revises: intake_0012
"""
import sqlalchemy as sa
from alembic import op

revision = "intake_0013"
down_revision = "intake_0012"
branch_labels = None
depends_on = None


def _ts(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "intake_knowledge_articles",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("category", sa.String(40), nullable=True),
        sa.Column("subcategory", sa.String(40), nullable=True),
        sa.Column("department", sa.String(60), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=True),
        sa.Column("keywords", sa.Text(), nullable=False),
        sa.Column("review_by", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
        _ts("created_at"),
        sa.Column("updated_by", sa.String(80), nullable=False),
        _ts("updated_at"),
    )
    for column in ("department", "status", "review_by"):
        op.create_index(f"ix_intake_knowledge_articles_{column}", "intake_knowledge_articles", [column])
    op.create_table(
        "intake_knowledge_versions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("article_id", sa.String(36), sa.ForeignKey("intake_knowledge_articles.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.String(80), nullable=False),
        _ts("changed_at"),
        sa.Column("note", sa.String(200), nullable=True),
        sa.UniqueConstraint("article_id", "version", name="uq_intake_knowledge_versions"),
    )
    op.create_table(
        "intake_consultations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("article_id", sa.String(36), sa.ForeignKey("intake_knowledge_articles.id"), nullable=False),
        sa.Column("article_version", sa.Integer(), nullable=False),
        sa.Column("answered_by", sa.String(80), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        _ts("answered_at"),
    )
    op.create_index("ix_intake_consultations_article_id", "intake_consultations", ["article_id"])
    op.create_index("ix_intake_consultations_answered_at", "intake_consultations", ["answered_at"])
    op.create_table(
        "intake_reply_templates",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("category", sa.String(40), nullable=True),
        sa.Column("subcategory", sa.String(40), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(80), nullable=False),
        _ts("updated_at"),
    )


def downgrade() -> None:
    op.drop_table("intake_reply_templates")
    op.drop_index("ix_intake_consultations_answered_at", table_name="intake_consultations")
    op.drop_index("ix_intake_consultations_article_id", table_name="intake_consultations")
    op.drop_table("intake_consultations")
    op.drop_table("intake_knowledge_versions")
    for column in ("review_by", "status", "department"):
        op.drop_index(f"ix_intake_knowledge_articles_{column}", table_name="intake_knowledge_articles")
    op.drop_table("intake_knowledge_articles")

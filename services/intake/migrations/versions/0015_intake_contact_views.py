"""intake: each read of a reporter's contact in clear, with its purpose (查看联系方式记录)

- intake_contact_views: complaint, reader, time, purpose (callback | verification | petition | other) and
  the reason in words (required for other). Reads before this revision are only in the audit log.

Revision ID: intake_0015
Revises: intake_0014
"""
import sqlalchemy as sa
from alembic import op

BigIntId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "intake_0015"
down_revision = "intake_0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_contact_views",
        sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
        sa.Column("complaint_id", sa.String(36), sa.ForeignKey("intake_complaints.id"), nullable=False),
        sa.Column("read_by", sa.String(100), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("purpose", sa.String(24), nullable=False),
        sa.Column("reason", sa.String(200), nullable=True),
    )
    op.create_index("ix_intake_contact_views_complaint_id", "intake_contact_views", ["complaint_id"])
    op.create_index("ix_intake_contact_views_read_by", "intake_contact_views", ["read_by"])
    op.create_index("ix_intake_contact_views_read_at", "intake_contact_views", ["read_at"])


def downgrade() -> None:
    op.drop_table("intake_contact_views")

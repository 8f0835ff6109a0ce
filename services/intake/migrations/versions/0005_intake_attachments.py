"""intake: photos and videos attached to complaints

- intake_attachments: one row per file a citizen attached (its media type as sniffed from the bytes,
  size, sha256, the attachment store's key, whether GPS was removed); the bytes are in the store
  (ATTACHMENT_DIR), never in the database.

Revision ID: intake_0005
Revises: intake_0004
"""
import sqlalchemy as sa
from alembic import op

revision = "intake_0005"
down_revision = "intake_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_attachments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("complaint_id", sa.String(36), sa.ForeignKey("intake_complaints.id"), nullable=False),
        sa.Column("content_type", sa.String(40), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("storage_key", sa.String(200), nullable=False),
        sa.Column("gps_removed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_intake_attachments_complaint_id", "intake_attachments", ["complaint_id"])


def downgrade() -> None:
    op.drop_index("ix_intake_attachments_complaint_id", table_name="intake_attachments")
    op.drop_table("intake_attachments")

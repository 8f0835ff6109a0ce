"""routing: reply photos (办理照片), described here, their bytes in the file store

Revision ID: routing_0007
Revises: routing_0006
"""
import sqlalchemy as sa
from alembic import op

revision = "routing_0007"
down_revision = "routing_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "routing_photos",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("complaint_id", sa.String(64), sa.ForeignKey("routing_cases.complaint_id"), nullable=False),
        sa.Column("reply_round", sa.Integer, nullable=False),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("content_type", sa.String(32), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("uploaded_by", sa.String(100), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_routing_photos_complaint_id", "routing_photos", ["complaint_id"])


def downgrade() -> None:
    op.drop_table("routing_photos")

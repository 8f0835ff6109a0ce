"""notify: assisting departments' deadlines (协办), reminded once when overdue

Revision ID: notify_0010
Revises: notify_0009
"""
import sqlalchemy as sa
from alembic import op

revision = "notify_0010"
down_revision = "notify_0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notify_assists",
        sa.Column("complaint_id", sa.String(64), primary_key=True),
        sa.Column("department", sa.String(64), primary_key=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("tracking_code", sa.String(32), nullable=True),
        sa.Column("lead_department", sa.String(64), nullable=False),
        sa.Column("due", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_notify_assists_due", "notify_assists", ["due"])


def downgrade() -> None:
    op.drop_table("notify_assists")

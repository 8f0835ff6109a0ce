"""notify: 突发环境事件 clocks (docs/incidents.md)

- notify_incidents: one row per case declared an incident: when (the 2-hour first-response clock starts), by whom,
  the cycle (a declaration after 解除 starts a new one), its status (running | met | cleared), the first response
  and when the warning (1 h 30) and the escalation (2 h) were sent.

Revision ID: notify_0016
Revises: notify_0015
"""
import sqlalchemy as sa
from alembic import op

revision = "notify_0016"
down_revision = "notify_0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notify_incidents",
        sa.Column("complaint_id", sa.String(64), primary_key=True),
        sa.Column("tracking_code", sa.String(32), nullable=False),
        sa.Column("department", sa.String(64), nullable=True),
        sa.Column("town", sa.String(64), nullable=True),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("declared_by", sa.String(100), nullable=False),
        sa.Column("auto", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("response", sa.String(16), nullable=True),
        sa.Column("warned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_notify_incidents_status", "notify_incidents", ["status"])


def downgrade() -> None:
    op.drop_index("ix_notify_incidents_status", table_name="notify_incidents")
    op.drop_table("notify_incidents")

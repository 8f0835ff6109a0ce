"""notify: the firm each case is linked to (被举报企业, docs/firms.md), for the problem list's "firm" rule

- notify_case_firms: one row per linked case (firm id, name, credit code, town; when the case was received and
  linked), written from routing's CaseFirmLinkedV1 and removed by CaseFirmUnlinkedV1.

Revision ID: notify_0015
Revises: notify_0014
"""
import sqlalchemy as sa
from alembic import op

revision = "notify_0015"
down_revision = "notify_0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notify_case_firms",
        sa.Column("complaint_id", sa.String(64), primary_key=True),
        sa.Column("tracking_code", sa.String(32), nullable=True),
        sa.Column("firm_id", sa.String(36), nullable=False),
        sa.Column("firm_name", sa.String(200), nullable=False),
        sa.Column("credit_code", sa.String(18), nullable=False),
        sa.Column("firm_town", sa.String(64), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_notify_case_firms_firm_received", "notify_case_firms", ["firm_id", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_notify_case_firms_firm_received", table_name="notify_case_firms")
    op.drop_table("notify_case_firms")

"""routing: assisting departments (协办) of a case, each with its own deadline and answer to the lead

Revision ID: routing_0006
Revises: routing_0005
"""
import sqlalchemy as sa
from alembic import op

revision = "routing_0006"
down_revision = "routing_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "routing_assists",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("complaint_id", sa.String(64), sa.ForeignKey("routing_cases.complaint_id"), nullable=False),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("due", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_by", sa.String(100), nullable=False),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replied_by", sa.String(100), nullable=True),
        sa.Column("reply", sa.Text, nullable=True),
    )
    op.create_index("ix_routing_assists_complaint_id", "routing_assists", ["complaint_id"])
    op.create_index("ix_routing_assists_department", "routing_assists", ["department"])
    op.create_index("ix_routing_assists_status", "routing_assists", ["status"])


def downgrade() -> None:
    op.drop_table("routing_assists")

"""routing: paused clocks — 派单异议 (disputed assignments) and 挂起 (suspended cases)

- routing_cases.disputed_since / suspended_since: when the open dispute or suspension began (the lists' tags).
- routing_disputes: a department's objection to an assignment before signing, and the supervisor's decision.
- routing_suspensions: each pause of the reply clock while the department waits for the citizen.

Revision ID: routing_0012
Revises: routing_0011
"""
import sqlalchemy as sa
from alembic import op

revision = "routing_0012"
down_revision = "routing_0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("routing_cases") as batch:
        batch.add_column(sa.Column("disputed_since", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("suspended_since", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "routing_disputes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("complaint_id", sa.String(64), sa.ForeignKey("routing_cases.complaint_id"), nullable=False),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reply_round", sa.Integer, nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("proposed_department", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("raised_by", sa.String(100), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(100), nullable=True),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("reassigned_to", sa.String(64), nullable=True),
        sa.Column("paused_seconds", sa.Integer, nullable=False),
    )
    op.create_index("ix_routing_disputes_complaint_id", "routing_disputes", ["complaint_id"])
    op.create_index("ix_routing_disputes_status", "routing_disputes", ["status"])
    op.create_table(
        "routing_suspensions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("complaint_id", sa.String(64), sa.ForeignKey("routing_cases.complaint_id"), nullable=False),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("reply_round", sa.Integer, nullable=False),
        sa.Column("reason_code", sa.String(16), nullable=False),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_by", sa.String(100), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(100), nullable=True),
        sa.Column("credited_seconds", sa.Integer, nullable=False),
    )
    op.create_index("ix_routing_suspensions_complaint_id", "routing_suspensions", ["complaint_id"])


def downgrade() -> None:
    op.drop_table("routing_suspensions")
    op.drop_table("routing_disputes")
    with op.batch_alter_table("routing_cases") as batch:
        batch.drop_column("suspended_since")
        batch.drop_column("disputed_since")

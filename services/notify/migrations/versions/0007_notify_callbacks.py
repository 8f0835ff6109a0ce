"""notify: satisfaction callbacks (抽查回访)

- notify_callbacks: one per chosen reply round: why it was chosen (sampled with its reproducible draw,
  the weekly minimum per department, or an unsatisfied online rating), when it is due, how it ended.
- notify_callback_attempts: each call made, by whom, when, and its outcome.

Revision ID: notify_0007
Revises: notify_0006
"""
import sqlalchemy as sa
from alembic import op

revision = "notify_0007"
down_revision = "notify_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notify_callbacks",
        sa.Column("complaint_id", sa.String(64), primary_key=True),
        sa.Column("reply_round", sa.Integer, primary_key=True),
        sa.Column("tracking_code", sa.String(32), nullable=True),
        sa.Column("department", sa.String(64), nullable=True),
        sa.Column("reason", sa.String(24), nullable=False),
        sa.Column("draw", sa.Float, nullable=True),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(24), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_by", sa.String(80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_notify_callbacks_department", "notify_callbacks", ["department"])
    op.create_index("ix_notify_callbacks_due_at", "notify_callbacks", ["due_at"])
    op.create_index("ix_notify_callbacks_status", "notify_callbacks", ["status"])
    op.create_index("ix_notify_callbacks_completed_at", "notify_callbacks", ["completed_at"])
    op.create_table(
        "notify_callback_attempts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("complaint_id", sa.String(64), nullable=False),
        sa.Column("reply_round", sa.Integer, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(80), nullable=False),
        sa.Column("outcome", sa.String(24), nullable=False),
        sa.Column("note", sa.Text, nullable=True),
    )
    op.create_index("ix_notify_callback_attempts_complaint_id", "notify_callback_attempts", ["complaint_id"])


def downgrade() -> None:
    op.drop_table("notify_callback_attempts")
    for column in ("completed_at", "status", "due_at", "department"):
        op.drop_index(f"ix_notify_callbacks_{column}", table_name="notify_callbacks")
    op.drop_table("notify_callbacks")

"""routing: petitions (信访件) — the file of a case registered as a petition, and its steps

- routing_petitions: one per case; its number (合环信〔year〕seq号, unique), the petitioner masked, the day it
  was received, its status, each deadline (calendar dates), the petitioner's open request window, and the
  bureau's next deadline (indexed: the list's order).
- routing_petition_steps: each step (登记, 受理/不予受理, 延期, 处理意见书, 复查, 复核) with its actor and time,
  text, the deadline it was taken against (late or not) and the one it set; its document is made from it.

Revision ID: routing_0008
Revises: routing_0007
"""
import sqlalchemy as sa
from alembic import op

revision = "routing_0008"
down_revision = "routing_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "routing_petitions",
        sa.Column("complaint_id", sa.String(64), sa.ForeignKey("routing_cases.complaint_id"), primary_key=True),
        sa.Column("number", sa.String(40), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("tracking_code", sa.String(32), nullable=False),
        sa.Column("petitioner_masked", sa.String(32), nullable=True),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_by", sa.String(100), nullable=False),
        sa.Column("acceptance_due", sa.Date, nullable=False),
        sa.Column("reply_due", sa.Date, nullable=True),
        sa.Column("extension_days", sa.Integer, nullable=True),
        sa.Column("review_due", sa.Date, nullable=True),
        sa.Column("rereview_due", sa.Date, nullable=True),
        sa.Column("window_until", sa.Date, nullable=True),
        sa.Column("next_due", sa.Date, nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_routing_petitions_number", "routing_petitions", ["number"], unique=True)
    op.create_index("ix_routing_petitions_year_seq", "routing_petitions", ["year", "seq"], unique=True)
    op.create_index("ix_routing_petitions_tracking_code", "routing_petitions", ["tracking_code"])
    op.create_index("ix_routing_petitions_status", "routing_petitions", ["status"])
    op.create_index("ix_routing_petitions_next_due", "routing_petitions", ["next_due"])
    op.create_table(
        "routing_petition_steps",
        sa.Column("complaint_id", sa.String(64), sa.ForeignKey("routing_petitions.complaint_id"), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text, nullable=True),
        sa.Column("days", sa.Integer, nullable=True),
        sa.Column("due", sa.Date, nullable=True),
        sa.Column("late", sa.Boolean, nullable=False),
        sa.Column("sets_due", sa.Date, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("routing_petition_steps")
    op.drop_table("routing_petitions")

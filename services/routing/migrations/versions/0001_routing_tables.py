"""routing tables: departments, towns, rules, time limits, cases, case history, extensions

Revision ID: routing_0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "routing_0001"
down_revision = None
branch_labels = None
depends_on = None

BigIntId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "routing_departments",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "routing_towns",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
    )
    op.create_table(
        "routing_rules",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("subcategory", sa.String(32), nullable=True),
        sa.Column("area", sa.String(16), nullable=True),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(500), nullable=True),
    )
    op.create_index("ix_routing_rules_category", "routing_rules", ["category"])
    op.create_table(
        "routing_time_limits",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("category", sa.String(32), nullable=True),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("assign_days", sa.Integer(), nullable=False),
        sa.Column("accept_days", sa.Integer(), nullable=False),
        sa.Column("return_days", sa.Integer(), nullable=False),
        sa.Column("reply_days", sa.Integer(), nullable=False),
        sa.Column("reply_hours", sa.Integer(), nullable=True),
    )
    op.create_table(
        "routing_cases",
        sa.Column("complaint_id", sa.String(64), primary_key=True),
        sa.Column("tracking_code", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("category", sa.String(32), nullable=True),
        sa.Column("subcategory", sa.String(32), nullable=True),
        sa.Column("town", sa.String(64), nullable=True),
        sa.Column("address", sa.String(500), nullable=True),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("reporter_phone_masked", sa.String(32), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("department", sa.String(64), nullable=True),
        sa.Column("rule", sa.String(200), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("triage_reason", sa.Text(), nullable=True),
        _time("received_at"),
        _time("assign_due"),
        _time("assigned_at", nullable=True),
        _time("accept_due", nullable=True),
        _time("accepted_at", nullable=True),
        _time("return_due", nullable=True),
        _time("reply_due", nullable=True),
        _time("replied_at", nullable=True),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("reply_round", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_routing_cases_tracking_code", "routing_cases", ["tracking_code"])
    op.create_index("ix_routing_cases_status", "routing_cases", ["status"])
    op.create_index("ix_routing_cases_department", "routing_cases", ["department"])
    op.create_table(
        "routing_case_history",
        sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
        sa.Column("complaint_id", sa.String(64), sa.ForeignKey("routing_cases.complaint_id"), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        _time("at"),
        sa.Column("detail", sa.Text(), nullable=False),
    )
    op.create_index("ix_routing_case_history_complaint_id", "routing_case_history", ["complaint_id"])
    op.create_table(
        "routing_extensions",
        sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
        sa.Column("complaint_id", sa.String(64), sa.ForeignKey("routing_cases.complaint_id"), nullable=False),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _time("requested_at"),
        sa.Column("requested_by", sa.String(100), nullable=False),
        _time("decided_at", nullable=True),
        sa.Column("decided_by", sa.String(100), nullable=True),
    )
    op.create_index("ix_routing_extensions_complaint_id", "routing_extensions", ["complaint_id"])


def downgrade() -> None:
    op.drop_table("routing_extensions")
    op.drop_table("routing_case_history")
    op.drop_table("routing_cases")
    op.drop_table("routing_time_limits")
    op.drop_table("routing_rules")
    op.drop_table("routing_towns")
    op.drop_table("routing_departments")

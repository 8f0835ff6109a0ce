"""notify tables: case projection, reply rounds, ratings, alerts

Revision ID: notify_0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "notify_0001"
down_revision = None
branch_labels = None
depends_on = None

BigIntId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _at(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "notify_cases",
        sa.Column("complaint_id", sa.String(64), primary_key=True),
        sa.Column("tracking_code", sa.String(32), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("department", sa.String(64), nullable=True),
        sa.Column("category", sa.String(32), nullable=True),
        sa.Column("subcategory", sa.String(32), nullable=True),
        sa.Column("town", sa.String(32), nullable=True),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        _at("received_at"),
        _at("assign_due"),
        _at("assigned_at"),
        _at("last_assigned_at"),
        _at("accept_due"),
        _at("accepted_at"),
        _at("reply_due"),
        _at("replied_at"),
        sa.Column("reply_round", sa.Integer(), nullable=False),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column("merged_into", sa.String(64), nullable=True),
        sa.Column("assign_cycle", sa.Integer(), nullable=False),
        sa.Column("assign_level", sa.String(12), nullable=False),
        sa.Column("accept_cycle", sa.Integer(), nullable=False),
        sa.Column("accept_level", sa.String(12), nullable=False),
        sa.Column("reply_cycle", sa.Integer(), nullable=False),
        sa.Column("reply_level", sa.String(12), nullable=False),
        _at("updated_at", nullable=False),
    )
    op.create_index("ix_notify_cases_status", "notify_cases", ["status"])
    op.create_index("ix_notify_cases_received_at", "notify_cases", ["received_at"])

    op.create_table(
        "notify_reply_rounds",
        sa.Column("complaint_id", sa.String(64), primary_key=True),
        sa.Column("reply_round", sa.Integer(), primary_key=True),
        sa.Column("department", sa.String(64), nullable=True),
        _at("reply_due", nullable=False),
        _at("replied_at"),
    )
    op.create_index("ix_notify_reply_rounds_reply_due", "notify_reply_rounds", ["reply_due"])
    op.create_index("ix_notify_reply_rounds_replied_at", "notify_reply_rounds", ["replied_at"])

    op.create_table(
        "notify_ratings",
        sa.Column("complaint_id", sa.String(64), primary_key=True),
        sa.Column("reply_round", sa.Integer(), primary_key=True),
        sa.Column("tracking_code", sa.String(32), nullable=True),
        sa.Column("rating", sa.String(24), nullable=False),
        sa.Column("via", sa.String(24), nullable=False),
        _at("rated_at", nullable=False),
    )
    op.create_index("ix_notify_ratings_rated_at", "notify_ratings", ["rated_at"])

    op.create_table(
        "notify_alerts",
        sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
        sa.Column("complaint_id", sa.String(64), nullable=False),
        sa.Column("tracking_code", sa.String(32), nullable=True),
        sa.Column("department", sa.String(64), nullable=True),
        sa.Column("clock", sa.String(12), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(12), nullable=False),
        sa.Column("reply_round", sa.Integer(), nullable=False),
        _at("due", nullable=False),
        _at("created_at", nullable=False),
        sa.UniqueConstraint("complaint_id", "clock", "cycle", "level", name="uq_notify_alerts_once"),
    )
    op.create_index("ix_notify_alerts_complaint_id", "notify_alerts", ["complaint_id"])
    op.create_index("ix_notify_alerts_department", "notify_alerts", ["department"])
    op.create_index("ix_notify_alerts_created_at", "notify_alerts", ["created_at"])


def downgrade() -> None:
    op.drop_table("notify_alerts")
    op.drop_table("notify_ratings")
    op.drop_table("notify_reply_rounds")
    op.drop_table("notify_cases")

"""event outbox (the embedded log), consumer offsets, inbox, dead letters

Revision ID: eventbus_0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "eventbus_0001"
down_revision = None
branch_labels = None
depends_on = None

BigIntId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "event_outbox",
        sa.Column("position", BigIntId, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("topic", sa.String(249), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_event_outbox_topic", "event_outbox", ["topic"])
    op.create_index("ix_event_outbox_published_at", "event_outbox", ["published_at"])
    op.create_table(
        "event_consumer_offset",
        sa.Column("group_id", sa.String(100), primary_key=True),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "event_inbox",
        sa.Column("group_id", sa.String(100), primary_key=True),
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "event_dead_letter",
        sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
        sa.Column("group_id", sa.String(100), nullable=False),
        sa.Column("topic", sa.String(249), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replayed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_event_dead_letter_group_id", "event_dead_letter", ["group_id"])
    op.create_index("ix_event_dead_letter_event_id", "event_dead_letter", ["event_id"])


def downgrade() -> None:
    op.drop_table("event_dead_letter")
    op.drop_table("event_inbox")
    op.drop_table("event_consumer_offset")
    op.drop_table("event_outbox")

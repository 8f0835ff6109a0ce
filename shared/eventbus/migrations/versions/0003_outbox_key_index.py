"""the log's events found by their subject (a complaint's id), for retention (shared/eventbus/retention.py)

Revision ID: eventbus_0003
Revises: eventbus_0002
"""
from alembic import op

revision = "eventbus_0003"
down_revision = "eventbus_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_event_outbox_key", "event_outbox", ["key"])


def downgrade() -> None:
    op.drop_index("ix_event_outbox_key", table_name="event_outbox")

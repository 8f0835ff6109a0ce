"""notify: messages to departments' and supervisors' group robots (shared/outbound.py)

- notify_outbound_messages: one row per message (key = its cause and recipient: a second write is a
  no-op), status, tries, the next try and the sender's lease. No personal data: stored as written.

Revision ID: notify_0005
Revises: notify_0004
"""
import sqlalchemy as sa
from alembic import op

revision = "notify_0005"
down_revision = "notify_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notify_outbound_messages",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("recipient_enc", sa.Text, nullable=False),
        sa.Column("body_enc", sa.Text, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
    )
    op.create_index("ix_notify_outbound_messages_due", "notify_outbound_messages", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_notify_outbound_messages_due", table_name="notify_outbound_messages")
    op.drop_table("notify_outbound_messages")

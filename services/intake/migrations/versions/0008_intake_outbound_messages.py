"""intake: SMS to citizens, written with the change that causes them (shared/outbound.py)

- intake_outbound_messages: one row per message (key = its cause and recipient: a second write is a
  no-op); recipient and text encrypted with intake's key (the text holds the private link); status,
  tries, the next try and the sender's lease.

Revision ID: intake_0008
Revises: intake_0007
"""
import sqlalchemy as sa
from alembic import op

revision = "intake_0008"
down_revision = "intake_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_outbound_messages",
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
    op.create_index("ix_intake_outbound_messages_due", "intake_outbound_messages", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_intake_outbound_messages_due", table_name="intake_outbound_messages")
    op.drop_table("intake_outbound_messages")

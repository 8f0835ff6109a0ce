"""intake: the citizen's private token, channel references, WeChat conversations

- intake_complaints.citizen_token_hash (sha256, unique: the private link finds the complaint) and
  citizen_token_enc (Fernet: a replayed request gets the same link back). Only the citizen gets it.
- intake_complaints.reporter_phone_hmac (a keyed hash of the caller's number: the hotline page finds a
  caller's earlier complaints without decrypting anything) and reply_due (the department's deadline, from
  case.assigned/extension events: Open311's expected_datetime).
- intake_channel_refs: one row per (channel, the channel's own id: a call_id, a WeChat MsgId, ...);
  the same reference again returns the complaint it created, never a second one.
- intake_wechat_sessions: a WeChat user's unfinished report (text first, then location or photo).

Revision ID: intake_0004
Revises: intake_0003
"""
import sqlalchemy as sa
from alembic import op

revision = "intake_0004"
down_revision = "intake_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("intake_complaints", recreate="never") as batch:
        batch.add_column(sa.Column("citizen_token_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("citizen_token_enc", sa.Text(), nullable=True))
        batch.add_column(sa.Column("reporter_phone_hmac", sa.String(64), nullable=True))
        batch.add_column(sa.Column("reply_due", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_intake_complaints_reporter_phone_hmac", "intake_complaints", ["reporter_phone_hmac"])
    op.create_index("ix_intake_complaints_citizen_token_hash", "intake_complaints", ["citizen_token_hash"],
                    unique=True)
    op.create_table(
        "intake_channel_refs",
        sa.Column("channel", sa.String(20), primary_key=True),
        sa.Column("ref", sa.String(128), primary_key=True),
        sa.Column("complaint_id", sa.String(36), sa.ForeignKey("intake_complaints.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "intake_wechat_sessions",
        sa.Column("openid", sa.String(64), primary_key=True),
        sa.Column("draft", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("intake_wechat_sessions")
    op.drop_table("intake_channel_refs")
    op.drop_index("ix_intake_complaints_citizen_token_hash", table_name="intake_complaints")
    op.drop_index("ix_intake_complaints_reporter_phone_hmac", table_name="intake_complaints")
    with op.batch_alter_table("intake_complaints", recreate="never") as batch:
        batch.drop_column("reply_due")
        batch.drop_column("reporter_phone_hmac")
        batch.drop_column("citizen_token_enc")
        batch.drop_column("citizen_token_hash")

"""intake: WeChat template messages to the citizen who reported through the official account

- intake_wechat_recipients: one row per complaint received over WeChat: the reporter's OpenID,
  encrypted with intake's key (personal data, like the phone), and its keyed hash (indexed: a user who
  unfollows the account is forgotten on all their complaints).

Revision ID: intake_0011
Revises: intake_0010
"""
import sqlalchemy as sa
from alembic import op

revision = "intake_0011"
down_revision = "intake_0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_wechat_recipients",
        sa.Column("complaint_id", sa.String(36), sa.ForeignKey("intake_complaints.id"), primary_key=True),
        sa.Column("openid_enc", sa.Text(), nullable=False),
        sa.Column("openid_hmac", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_intake_wechat_recipients_openid_hmac", "intake_wechat_recipients", ["openid_hmac"])


def downgrade() -> None:
    op.drop_index("ix_intake_wechat_recipients_openid_hmac", table_name="intake_wechat_recipients")
    op.drop_table("intake_wechat_recipients")

"""notify: the problem list's decisions and the public reply summaries (问题清单, 主动公开)

- notify_hotspots: per hotspot key (recurring:<town>:<type>, rising:<type>, night_noise:<town>,
  reopened:<complaint>), the bureau's decision: owner (领导包案), plan, status, closure note, who and when.
- notify_reply_summaries: per case, the summary of its latest reply with personal data scrubbed, for
  the public monthly disclosure (the reply itself stays routing's).

Revision ID: notify_0008
Revises: notify_0007
"""
import sqlalchemy as sa
from alembic import op

revision = "notify_0008"
down_revision = "notify_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notify_hotspots",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(40), nullable=True),
        sa.Column("plan", sa.Text, nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(80), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(80), nullable=True),
    )
    op.create_index("ix_notify_hotspots_kind", "notify_hotspots", ["kind"])
    op.create_index("ix_notify_hotspots_status", "notify_hotspots", ["status"])
    op.create_table(
        "notify_reply_summaries",
        sa.Column("complaint_id", sa.String(64), primary_key=True),
        sa.Column("reply_round", sa.Integer, nullable=False),
        sa.Column("summary", sa.String(200), nullable=False),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_notify_reply_summaries_replied_at", "notify_reply_summaries", ["replied_at"])


def downgrade() -> None:
    op.drop_index("ix_notify_reply_summaries_replied_at", table_name="notify_reply_summaries")
    op.drop_table("notify_reply_summaries")
    op.drop_index("ix_notify_hotspots_status", table_name="notify_hotspots")
    op.drop_index("ix_notify_hotspots_kind", table_name="notify_hotspots")
    op.drop_table("notify_hotspots")

"""notify_cases.channel: the channel a complaint came by (from complaints.received)

The targets can then be shown per channel (group_by=channel), grid workers' patrol findings (grid)
apart from citizens' reports. Cases notify opened before this have NULL (shown as unassigned).

Revision ID: notify_0004
Revises: notify_0003
"""
import sqlalchemy as sa
from alembic import op

revision = "notify_0004"
down_revision = "notify_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notify_cases", recreate="never") as batch:
        batch.add_column(sa.Column("channel", sa.String(20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notify_cases", recreate="never") as batch:
        batch.drop_column("channel")

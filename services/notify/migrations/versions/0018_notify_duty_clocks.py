"""notify: 督办 clocks (docs/metrics.md): first contact, on-site check, the upstream platform's deadlines

- notify_clocks.stopped_at: when a 督办 clock (contact | onsite | up_sign | up_reply) was met or became moot; they
  share the table (and notify_alerts) with the targets' clocks, which never set it.

Revision ID: notify_0018
Revises: notify_0017
"""
import sqlalchemy as sa
from alembic import op

revision = "notify_0018"
down_revision = "notify_0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notify_clocks") as batch:
        batch.add_column(sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notify_clocks") as batch:
        batch.drop_column("stopped_at")

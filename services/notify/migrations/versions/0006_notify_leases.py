"""notify: the SLA sweeper's lease, so that one replica sweeps at a time (shared/lease.py)

- notify_leases: one row per leased job (name), its holder (host:pid:random) and when the holder's
  time runs out; a replica takes it when it is free or expired, and renews it on each run.

Revision ID: notify_0006
Revises: notify_0005
"""
import sqlalchemy as sa
from alembic import op

revision = "notify_0006"
down_revision = "notify_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notify_leases",
        sa.Column("name", sa.String(80), primary_key=True),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notify_leases")

"""notify: paused clocks — 派单异议 (a disputed assignment) and 挂起 (a suspended case)

- notify_cases.paused_since / pause_kind: since when the case's clocks are paused, and why (dispute |
  suspension); the sweeper sends no warnings meanwhile, and the round's deadline waits in the figures.

Revision ID: notify_0014
Revises: notify_0013
"""
import sqlalchemy as sa
from alembic import op

revision = "notify_0014"
down_revision = "notify_0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notify_cases") as batch:
        batch.add_column(sa.Column("paused_since", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("pause_kind", sa.String(12), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notify_cases") as batch:
        batch.drop_column("pause_kind")
        batch.drop_column("paused_since")

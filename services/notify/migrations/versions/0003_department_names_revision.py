"""notify_department_names: the revision of the directory snapshot each name came with

A snapshot replaces the copy when its revision is not lower than the one held; comparing the
snapshots' times instead would trust the clocks of routing's replicas.

Revision ID: notify_0003
Revises: notify_0002
"""
import sqlalchemy as sa
from alembic import op

revision = "notify_0003"
down_revision = "notify_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notify_department_names", recreate="never") as batch:
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("notify_department_names", recreate="never") as batch:
        batch.drop_column("revision")

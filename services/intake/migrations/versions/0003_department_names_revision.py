"""intake_department_names: the revision of the directory snapshot each name came with

A snapshot replaces the copy when its revision is not lower than the one held; comparing the
snapshots' times instead would trust the clocks of routing's replicas.

Revision ID: intake_0003
Revises: intake_0002
"""
import sqlalchemy as sa
from alembic import op

revision = "intake_0003"
down_revision = "intake_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("intake_department_names", recreate="never") as batch:
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("intake_department_names", recreate="never") as batch:
        batch.drop_column("revision")

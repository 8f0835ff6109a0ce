"""routing_departments: the directory's revision at each department's last change

The directory's revision is the highest of them; DepartmentsChangedV1 carries it, so the other
services' copies can tell a newer snapshot from a late one without trusting clocks.

Revision ID: routing_0003
Revises: routing_0002
"""
import sqlalchemy as sa
from alembic import op

revision = "routing_0003"
down_revision = "routing_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("routing_departments", recreate="never") as batch:
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("routing_departments", recreate="never") as batch:
        batch.drop_column("revision")

"""notify: where the citizen pinned a case (lat, lon), for the problem list's nearby rule

Cases notify followed before have no place (their complaints.received events are not read again).

Revision ID: notify_0011
Revises: notify_0010
"""
import sqlalchemy as sa
from alembic import op

revision = "notify_0011"
down_revision = "notify_0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notify_cases", recreate="never") as batch:
        batch.add_column(sa.Column("lat", sa.Float, nullable=True))
        batch.add_column(sa.Column("lon", sa.Float, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notify_cases", recreate="never") as batch:
        batch.drop_column("lon")
        batch.drop_column("lat")

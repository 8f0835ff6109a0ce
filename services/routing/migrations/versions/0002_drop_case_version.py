"""routing_cases: drop the version column (never read; events now come from the Case aggregate)

Revision ID: routing_0002
Revises: routing_0001
"""
import sqlalchemy as sa
from alembic import op

revision = "routing_0002"
down_revision = "routing_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Never recreate the table: on SQLite (foreign keys on) dropping a copied routing_cases fails while
    # history rows point at it. SQLite 3.35+ drops a plain column in place, as PostgreSQL does.
    with op.batch_alter_table("routing_cases", recreate="never") as batch:
        batch.drop_column("version")


def downgrade() -> None:
    with op.batch_alter_table("routing_cases", recreate="never") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))

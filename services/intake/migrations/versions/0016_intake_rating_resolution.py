"""intake: whether the problem was solved (解决情况), given with each rating

- intake_ratings.resolution: resolved | partly_resolved | unresolved; ratings given before this revision
  have none (NULL), and the resolution rate leaves them out (docs/metrics.md).

Revision ID: intake_0016
Revises: intake_0015
"""
import sqlalchemy as sa
from alembic import op

revision = "intake_0016"
down_revision = "intake_0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("intake_ratings") as batch:
        batch.add_column(sa.Column("resolution", sa.String(20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("intake_ratings") as batch:
        batch.drop_column("resolution")

"""intake: grid workers (网格员) and their patrol findings (网格巡查)

- intake_users.town: a grid worker's town code (one of the 30); NULL for every other role.
- intake_complaints.reported_by: the grid worker (username) who reported a patrol finding (channel
  grid); NULL for citizens' reports, whose reporter is kept encrypted instead. Indexed: a worker's
  page lists their own recent reports.

Revision ID: intake_0006
Revises: intake_0005
"""
import sqlalchemy as sa
from alembic import op

revision = "intake_0006"
down_revision = "intake_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("intake_users", recreate="never") as batch:
        batch.add_column(sa.Column("town", sa.String(40), nullable=True))
    with op.batch_alter_table("intake_complaints", recreate="never") as batch:
        batch.add_column(sa.Column("reported_by", sa.String(80), nullable=True))
    op.create_index("ix_intake_complaints_reported_by", "intake_complaints", ["reported_by"])


def downgrade() -> None:
    op.drop_index("ix_intake_complaints_reported_by", table_name="intake_complaints")
    with op.batch_alter_table("intake_complaints", recreate="never") as batch:
        batch.drop_column("reported_by")
    with op.batch_alter_table("intake_users", recreate="never") as batch:
        batch.drop_column("town")

"""intake: cases imported from the bureau's older system (历史件导入)

- intake_complaints.legacy_id: "<source>:<number>" of a case loaded by `complaints import`; NULL for
  every complaint received here. Unique: importing the same export twice adds nothing.

Revision ID: intake_0007
Revises: intake_0006
"""
import sqlalchemy as sa
from alembic import op

revision = "intake_0007"
down_revision = "intake_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("intake_complaints", recreate="never") as batch:
        batch.add_column(sa.Column("legacy_id", sa.String(160), nullable=True))
    op.create_index("ix_intake_complaints_legacy_id", "intake_complaints", ["legacy_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_intake_complaints_legacy_id", table_name="intake_complaints")
    with op.batch_alter_table("intake_complaints", recreate="never") as batch:
        batch.drop_column("legacy_id")

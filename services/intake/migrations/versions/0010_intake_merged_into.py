"""intake: complaints merged into a master (并单) follow the master's handling

- intake_complaints.merged_into: the master's complaint id (indexed: the master's followers).
- intake_complaints.master_tracking_code: the master's code, shown to the citizen.

Revision ID: intake_0010
Revises: intake_0009
"""
import sqlalchemy as sa
from alembic import op

revision = "intake_0010"
down_revision = "intake_0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("intake_complaints", recreate="never") as batch:
        batch.add_column(sa.Column("merged_into", sa.String(36), nullable=True))
        batch.add_column(sa.Column("master_tracking_code", sa.String(20), nullable=True))
    op.create_index("ix_intake_complaints_merged_into", "intake_complaints", ["merged_into"])


def downgrade() -> None:
    op.drop_index("ix_intake_complaints_merged_into", table_name="intake_complaints")
    with op.batch_alter_table("intake_complaints", recreate="never") as batch:
        batch.drop_column("master_tracking_code")
        batch.drop_column("merged_into")

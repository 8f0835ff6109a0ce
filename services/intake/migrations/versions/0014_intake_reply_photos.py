"""intake: the reply's photos (办理照片) for the citizen's view

- intake_complaints.reply_photos: the ids of the photos the department sent with its reply (a JSON list;
  routing serves their bytes at /api/v1/reply-photos/{id}). Empty for replies before this revision.

Revision ID: intake_0014
Revises: intake_0013
"""
import sqlalchemy as sa
from alembic import op

revision = "intake_0014"
down_revision = "intake_0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("intake_complaints", recreate="never") as batch:
        batch.add_column(sa.Column("reply_photos", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("intake_complaints", recreate="never") as batch:
        batch.drop_column("reply_photos")

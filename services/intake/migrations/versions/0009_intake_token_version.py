"""intake: a token version per user (sessions end when it goes up: deactivation, new password, sign-out)

Revision ID: intake_0009
Revises: intake_0008
"""
import sqlalchemy as sa
from alembic import op

revision = "intake_0009"
down_revision = "intake_0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("intake_users", recreate="never") as batch:
        batch.add_column(sa.Column("token_version", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("intake_users") as batch:
        batch.drop_column("token_version")

"""ended sessions: the highest token version refused per user (shared/sessions.py)

Revision ID: eventbus_0002
Revises: eventbus_0001
"""
import sqlalchemy as sa
from alembic import op

revision = "eventbus_0002"
down_revision = "eventbus_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "auth_ended_sessions",
        sa.Column("username", sa.String(80), primary_key=True),
        sa.Column("token_version", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("auth_ended_sessions")

"""notify: the citizen's comment with a rating (评价意见), for the supervisors who review unsatisfied ratings

- notify_ratings.comment: the comment of the round's latest rating, phone and ID-card numbers replaced
  (shared/scrub.py); ratings received before this revision have none (notify did not keep it).

Revision ID: notify_0020
Revises: notify_0019
"""
import sqlalchemy as sa
from alembic import op

revision = "notify_0020"
down_revision = "notify_0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("notify_ratings", sa.Column("comment", sa.String(500), nullable=True))


def downgrade() -> None:
    op.drop_column("notify_ratings", "comment")

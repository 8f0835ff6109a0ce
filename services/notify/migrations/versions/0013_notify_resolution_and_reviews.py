"""notify: the resolution rate (解决率) and the reviewed satisfaction rate (不合理差评)

- notify_ratings.resolution: whether the problem was solved, with the round's latest rating (resolved |
  partly_resolved | unresolved; NULL for ratings given before it was asked: left out of the resolution rate);
- notify_ratings.unreasonable: a supervisor marked the round's unsatisfied rating unreasonable (false for
  every rating there is: none was reviewed before this revision);
- notify_callbacks.resolution and notify_callback_attempts.resolution: what the call recorded;
- notify_rating_reviews: each round's review as it stands (marked or withdrawn, the latest reason, who, when);
- notify_rating_review_log: every mark and withdrawal (the audit trail, only ever added to).
The index on notify_ratings.rated_at is made again with the two new columns included (PostgreSQL).

Revision ID: notify_0013
Revises: notify_0012
"""
import sqlalchemy as sa
from alembic import op

revision = "notify_0013"
down_revision = "notify_0012"
branch_labels = None
depends_on = None

BigIntId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_RATING_INCLUDE = ["rating", "counted", "department", "category", "town", "channel"]


def _rating_index(include: list[str]) -> None:
    op.drop_index("ix_notify_ratings_rated_at", table_name="notify_ratings")
    op.create_index("ix_notify_ratings_rated_at", "notify_ratings", ["rated_at"], postgresql_include=include)


def upgrade() -> None:
    with op.batch_alter_table("notify_ratings", recreate="never") as batch:
        batch.add_column(sa.Column("resolution", sa.String(20), nullable=True))
        batch.add_column(sa.Column("unreasonable", sa.Boolean, nullable=False, server_default=sa.false()))
    with op.batch_alter_table("notify_callbacks", recreate="never") as batch:
        batch.add_column(sa.Column("resolution", sa.String(20), nullable=True))
    with op.batch_alter_table("notify_callback_attempts", recreate="never") as batch:
        batch.add_column(sa.Column("resolution", sa.String(20), nullable=True))
    _rating_index([*_RATING_INCLUDE, "resolution", "unreasonable"])
    op.create_table(
        "notify_rating_reviews",
        sa.Column("complaint_id", sa.String(64), primary_key=True),
        sa.Column("reply_round", sa.Integer, primary_key=True),
        sa.Column("marked", sa.Boolean, nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("by", sa.String(80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_notify_rating_reviews_at", "notify_rating_reviews", ["at"])
    op.create_table(
        "notify_rating_review_log",
        sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
        sa.Column("complaint_id", sa.String(64), nullable=False),
        sa.Column("reply_round", sa.Integer, nullable=False),
        sa.Column("action", sa.String(12), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("by", sa.String(80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_notify_rating_review_log_complaint_id", "notify_rating_review_log", ["complaint_id"])


def downgrade() -> None:
    op.drop_index("ix_notify_rating_review_log_complaint_id", table_name="notify_rating_review_log")
    op.drop_table("notify_rating_review_log")
    op.drop_index("ix_notify_rating_reviews_at", table_name="notify_rating_reviews")
    op.drop_table("notify_rating_reviews")
    _rating_index(_RATING_INCLUDE)
    for table, columns in (("notify_callback_attempts", ("resolution",)), ("notify_callbacks", ("resolution",)),
                           ("notify_ratings", ("unreasonable", "resolution"))):
        with op.batch_alter_table(table, recreate="never") as batch:
            for column in columns:
                batch.drop_column(column)

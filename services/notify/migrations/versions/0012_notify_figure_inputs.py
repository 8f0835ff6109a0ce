"""notify: the three targets' inputs on the rows they count, and covering indexes, so that a figure is one
index scan of one table at a million cases

- notify_cases: the assign clock's deadline (assign_due) and round 1's department (first_department);
- notify_reply_rounds: whether the case counts (not rejected or merged), its type, town, channel, tracking
  code, and whether the round waits for a returned case to be routed again (rerouting);
- notify_ratings: whether the case counts, the department that gave the reply rated, the case's type,
  town, channel and tracking code.
From now on notify's repository writes them with every change of the case; here they are filled from the
rows already there. The indexes on received_at, reply_due, replied_at and rated_at are made again with
the figures' columns included (PostgreSQL; SQLite has no INCLUDE and gets the plain index), and the
problem list gets an index on the reply round (its cases reopened again and again).

Revision ID: notify_0012
Revises: notify_0011
"""
import sqlalchemy as sa
from alembic import op

revision = "notify_0012"
down_revision = "notify_0011"
branch_labels = None
depends_on = None

_CASE_INCLUDE = ["status", "assigned_at", "assign_due", "department", "first_department", "category", "town",
                 "channel"]
_ROUND_INCLUDE = ["counted", "rerouting", "department", "category", "town", "channel"]
_RATING_INCLUDE = ["rating", "counted", "department", "category", "town", "channel"]

# Filled from the rows already there, by the same rules as notify's repository (services/notify/adapters/
# repository.py: _case_inputs, _round_inputs, _rating_inputs) as they stand at this revision.
_BACKFILL = (
    """UPDATE notify_cases SET
         assign_due = (SELECT k.due FROM notify_clocks k
                       WHERE k.complaint_id = notify_cases.complaint_id AND k.clock = 'assign'),
         first_department = (SELECT r.department FROM notify_reply_rounds r
                             WHERE r.complaint_id = notify_cases.complaint_id AND r.reply_round = 1)""",
    """UPDATE notify_reply_rounds SET
         counted = c.status NOT IN ('rejected', 'merged'),
         category = c.category, town = c.town, channel = c.channel, tracking_code = c.tracking_code,
         rerouting = (c.department IS NULL AND notify_reply_rounds.reply_round = c.reply_round)
       FROM notify_cases c WHERE c.complaint_id = notify_reply_rounds.complaint_id""",
    """UPDATE notify_ratings SET
         counted = c.status NOT IN ('rejected', 'merged'),
         department = COALESCE((SELECT r.department FROM notify_reply_rounds r
                                WHERE r.complaint_id = notify_ratings.complaint_id
                                  AND r.reply_round = notify_ratings.reply_round), c.department),
         category = c.category, town = c.town, channel = c.channel, case_tracking_code = c.tracking_code
       FROM notify_cases c WHERE c.complaint_id = notify_ratings.complaint_id""",
)


def upgrade() -> None:
    with op.batch_alter_table("notify_cases", recreate="never") as batch:
        batch.add_column(sa.Column("assign_due", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("first_department", sa.String(64), nullable=True))
    with op.batch_alter_table("notify_reply_rounds", recreate="never") as batch:
        batch.add_column(sa.Column("counted", sa.Boolean, nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("category", sa.String(32), nullable=True))
        batch.add_column(sa.Column("town", sa.String(32), nullable=True))
        batch.add_column(sa.Column("channel", sa.String(20), nullable=True))
        batch.add_column(sa.Column("tracking_code", sa.String(32), nullable=True))
        batch.add_column(sa.Column("rerouting", sa.Boolean, nullable=False, server_default=sa.false()))
    with op.batch_alter_table("notify_ratings", recreate="never") as batch:
        batch.add_column(sa.Column("counted", sa.Boolean, nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("department", sa.String(64), nullable=True))
        batch.add_column(sa.Column("category", sa.String(32), nullable=True))
        batch.add_column(sa.Column("town", sa.String(32), nullable=True))
        batch.add_column(sa.Column("channel", sa.String(20), nullable=True))
        batch.add_column(sa.Column("case_tracking_code", sa.String(32), nullable=True))
    for statement in _BACKFILL:
        op.execute(statement)
    _indexes(include=True)
    # the problem list reads the cases of the last weeks and those reopened again and again
    op.create_index("ix_notify_cases_reply_round", "notify_cases", ["reply_round"])


def downgrade() -> None:
    op.drop_index("ix_notify_cases_reply_round", table_name="notify_cases")
    _indexes(include=False)
    for table, columns in (("notify_ratings", ("case_tracking_code", "channel", "town", "category", "department",
                                               "counted")),
                           ("notify_reply_rounds", ("rerouting", "tracking_code", "channel", "town", "category",
                                                    "counted")),
                           ("notify_cases", ("first_department", "assign_due"))):
        with op.batch_alter_table(table, recreate="never") as batch:
            for column in columns:
                batch.drop_column(column)


def _indexes(*, include: bool) -> None:
    """The four indexes again, with the figures' columns included (or, going down, without)."""
    for table, column, columns in (("notify_cases", "received_at", _CASE_INCLUDE),
                                   ("notify_reply_rounds", "reply_due", ["replied_at", *_ROUND_INCLUDE]),
                                   ("notify_reply_rounds", "replied_at", ["reply_due", *_ROUND_INCLUDE]),
                                   ("notify_ratings", "rated_at", _RATING_INCLUDE)):
        name = f"ix_{table}_{column}"
        op.drop_index(name, table_name=table)
        op.create_index(name, table, [column], postgresql_include=columns if include else [])

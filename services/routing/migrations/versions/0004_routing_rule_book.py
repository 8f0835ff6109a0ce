"""routing: rules for one named town, the rule book's revision, and the audit of rule changes

- routing_rules.town: a rule that applies in one town only (a local exception; NULL: anywhere).
- routing_rule_book: one row, the rules' revision; a change takes it with a row lock.
- routing_rule_changes: who changed which rule when and why, with the rule before and after (JSON).

Revision ID: routing_0004
Revises: routing_0003
"""
import sqlalchemy as sa
from alembic import op

revision = "routing_0004"
down_revision = "routing_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("routing_rules", recreate="never") as batch:
        batch.add_column(sa.Column("town", sa.String(40), nullable=True))
    book = op.create_table(
        "routing_rule_book",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("revision", sa.Integer, nullable=False),
    )
    op.bulk_insert(book, [{"id": 1, "revision": 0}])
    op.create_table(
        "routing_rule_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("revision", sa.Integer, nullable=False, unique=True),
        sa.Column("rule_id", sa.Integer, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("before", sa.Text, nullable=True),
        sa.Column("after", sa.Text, nullable=False),
        sa.Column("by", sa.String(80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
    )
    op.create_index("ix_routing_rule_changes_rule_id", "routing_rule_changes", ["rule_id"])


def downgrade() -> None:
    op.drop_index("ix_routing_rule_changes_rule_id", table_name="routing_rule_changes")
    op.drop_table("routing_rule_changes")
    op.drop_table("routing_rule_book")
    with op.batch_alter_table("routing_rules", recreate="never") as batch:
        batch.drop_column("town")

"""routing: cases rejected (不予受理), forwarded (转办) or merged (并单), suggested duplicates, leaders

- routing_cases.lat / lon: where the citizen said it is (duplicates within a radius).
- routing_cases.closed_at, closing_reason: when and why a case ended without a reply of ours.
- routing_cases.forwarded_to: the body outside the bureau a case was forwarded to.
- routing_cases.merged_into: the master a duplicate was merged into (indexed: the master's duplicates).
- routing_cases.duplicate_of: the open case a new one looks like (a suggestion a person confirms).
- routing_cases.leader, leader_plan, leader_at: 领导包案, the leader who owns a long-standing case.
- an index on (category, received_at) for the duplicate search.

Revision ID: routing_0005
Revises: routing_0004
"""
import sqlalchemy as sa
from alembic import op

revision = "routing_0005"
down_revision = "routing_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("routing_cases", recreate="never") as batch:
        batch.add_column(sa.Column("lat", sa.Float, nullable=True))
        batch.add_column(sa.Column("lon", sa.Float, nullable=True))
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("closing_reason", sa.String(500), nullable=True))
        batch.add_column(sa.Column("forwarded_to", sa.String(100), nullable=True))
        batch.add_column(sa.Column("merged_into", sa.String(64), nullable=True))
        batch.add_column(sa.Column("duplicate_of", sa.String(64), nullable=True))
        batch.add_column(sa.Column("leader", sa.String(40), nullable=True))
        batch.add_column(sa.Column("leader_plan", sa.String(500), nullable=True))
        batch.add_column(sa.Column("leader_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_routing_cases_merged_into", "routing_cases", ["merged_into"])
    op.create_index("ix_routing_cases_category_received", "routing_cases", ["category", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_routing_cases_category_received", table_name="routing_cases")
    op.drop_index("ix_routing_cases_merged_into", table_name="routing_cases")
    with op.batch_alter_table("routing_cases", recreate="never") as batch:
        for column in ("leader_at", "leader_plan", "leader", "duplicate_of", "merged_into", "forwarded_to",
                       "closing_reason", "closed_at", "lon", "lat"):
            batch.drop_column(column)

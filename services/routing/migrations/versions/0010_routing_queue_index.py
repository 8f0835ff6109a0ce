"""routing: an index for a department's queue page (department, status, then the reply deadline)

A queue page filters on department and status and orders by the deadline due next; at a million cases
the replied and closed lists are too long to sort without an index.

Revision ID: routing_0010
Revises: routing_0009
"""
from alembic import op

revision = "routing_0010"
down_revision = "routing_0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_routing_cases_queue", "routing_cases", ["department", "status", "reply_due"])


def downgrade() -> None:
    op.drop_index("ix_routing_cases_queue", table_name="routing_cases")

"""routing: 突发环境事件 (sudden environmental incidents, docs/incidents.md) on the case

- routing_cases.incident: suspected | declared | cleared (null: never an incident), indexed for the lists' tag.
- routing_cases.incident_since: when the incident and its 2-hour first-response clock began.
Referrals (110/119/120/other) are entries of the case's audit trail (routing_case_history), no table of their own.

Revision ID: routing_0014
Revises: routing_0013
"""
import sqlalchemy as sa
from alembic import op

revision = "routing_0014"
down_revision = "routing_0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("routing_cases") as batch:
        batch.add_column(sa.Column("incident", sa.String(16), nullable=True))
        batch.add_column(sa.Column("incident_since", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_routing_cases_incident", "routing_cases", ["incident"])


def downgrade() -> None:
    op.drop_index("ix_routing_cases_incident", table_name="routing_cases")
    with op.batch_alter_table("routing_cases") as batch:
        batch.drop_column("incident_since")
        batch.drop_column("incident")

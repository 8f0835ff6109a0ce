"""routing: 督办 clocks from signing and the upstream platform's deadlines on the case

- routing_time_limits.contact_hours: 首次联系, working hours after signing (existing rows: 24); null: no clock.
- routing_time_limits.onsite_days: 现场核查, working days after signing; null: no clock (a type's own row sets it).
- routing_cases.contact_due / contacted_at / onsite_due: the deadlines set at signing and the first contact.
- routing_cases.upstream_platform / upstream_case_no / upstream_sign_due / upstream_reply_due: the platform's case
  (complaint.upstream_linked), for the desk to show its deadlines beside ours.

Revision ID: routing_0016
Revises: routing_0015
"""
import sqlalchemy as sa
from alembic import op

revision = "routing_0016"
down_revision = "routing_0015"
branch_labels = None
depends_on = None

_CASE_TIMES = ("contact_due", "contacted_at", "onsite_due", "upstream_sign_due", "upstream_reply_due")


def upgrade() -> None:
    with op.batch_alter_table("routing_time_limits") as batch:
        batch.add_column(sa.Column("contact_hours", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("onsite_days", sa.Integer(), nullable=True))
    op.execute("UPDATE routing_time_limits SET contact_hours = 24")
    with op.batch_alter_table("routing_cases") as batch:
        for name in _CASE_TIMES:
            batch.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("upstream_platform", sa.String(16), nullable=True))
        batch.add_column(sa.Column("upstream_case_no", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("routing_cases") as batch:
        batch.drop_column("upstream_case_no")
        batch.drop_column("upstream_platform")
        for name in reversed(_CASE_TIMES):
            batch.drop_column(name)
    with op.batch_alter_table("routing_time_limits") as batch:
        batch.drop_column("onsite_days")
        batch.drop_column("contact_hours")

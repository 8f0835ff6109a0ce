"""routing: rewards for reporters (举报奖励, docs/rewards.md)

- routing_rewards: one per finding (the signed-off case, unique), the first reporter's report (masked phone only),
  the reports weighed (JSON), the suggestion, the decision (amount, reason, who, when), the claim's last day,
  the payment (claimed on, paid on, how, who paid, voucher), the lapse, and its audit trail (JSON).

Revision ID: routing_0015
Revises: routing_0014
"""
import sqlalchemy as sa
from alembic import op

revision = "routing_0015"
down_revision = "routing_0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "routing_rewards",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("complaint_id", sa.String(64), sa.ForeignKey("routing_cases.complaint_id"), nullable=False),
        sa.Column("tracking_code", sa.String(32), nullable=False),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("finding", sa.String(16), nullable=False),
        sa.Column("penalty_yuan", sa.String(16), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("winner_complaint_id", sa.String(64), nullable=False),
        sa.Column("winner_tracking_code", sa.String(32), nullable=False),
        sa.Column("winner_phone_masked", sa.String(32), nullable=True),
        sa.Column("winner_received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("suggested_yuan", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("amount_yuan", sa.String(16), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(100), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("claim_due", sa.Date(), nullable=True),
        sa.Column("claimed_on", sa.Date(), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("payment_method", sa.String(16), nullable=True),
        sa.Column("paid_by", sa.String(100), nullable=True),
        sa.Column("payment_reference", sa.String(64), nullable=True),
        sa.Column("payment_recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payment_recorded_by", sa.String(100), nullable=True),
        sa.Column("lapsed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lapsed_by", sa.String(100), nullable=True),
        sa.Column("trail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_routing_rewards_complaint_id", "routing_rewards", ["complaint_id"], unique=True)
    op.create_index("ix_routing_rewards_winner_complaint_id", "routing_rewards", ["winner_complaint_id"])
    op.create_index("ix_routing_rewards_status_created", "routing_rewards", ["status", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_routing_rewards_status_created", table_name="routing_rewards")
    op.drop_index("ix_routing_rewards_winner_complaint_id", table_name="routing_rewards")
    op.drop_index("ix_routing_rewards_complaint_id", table_name="routing_rewards")
    op.drop_table("routing_rewards")

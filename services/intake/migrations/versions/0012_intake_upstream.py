"""intake: the upstream platforms (the city's 12345 platform, the national ecology-environment platform)

- intake_upstream_cases: one row per transferred case received (platform, case number → the complaint),
  with the platform's deadlines and what the platform has been told;
- intake_upstream_cursors: where each platform's last pull ended;
- intake_upstream_pushes: actions for the platforms (signing, reply, extension, return, progress), the
  outbound table's columns plus their case and order;
- intake_upstream_reconciliations: the stored summaries of the daily reconciliation (对账);
- intake_leases: one puller per platform among intake's replicas.

Revision ID: intake_0012
Revises: intake_0011
"""
import sqlalchemy as sa
from alembic import op

revision = "intake_0012"
down_revision = "intake_0011"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "intake_upstream_cases",
        sa.Column("platform", sa.String(16), primary_key=True),
        sa.Column("case_no", sa.String(64), primary_key=True),
        sa.Column("complaint_id", sa.String(36), sa.ForeignKey("intake_complaints.id"), nullable=False, unique=True),
        _ts("transferred_at"),
        _ts("received_at"),
        _ts("registered_at", nullable=True),
        _ts("sign_due", nullable=True),
        _ts("reply_due", nullable=True),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("pushes", sa.Integer(), nullable=False),
        _ts("updated_at"),
    )
    op.create_index("ix_intake_upstream_cases_transferred_at", "intake_upstream_cases", ["platform", "transferred_at"])
    op.create_table(
        "intake_upstream_cursors",
        sa.Column("platform", sa.String(16), primary_key=True),
        sa.Column("cursor", sa.String(200), nullable=True),
        sa.Column("received", sa.BigInteger(), nullable=False),
        _ts("pulled_at"),
    )
    op.create_table(
        "intake_upstream_pushes",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("recipient_enc", sa.Text(), nullable=False),
        sa.Column("body_enc", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _ts("created_at"),
        _ts("next_attempt_at"),
        _ts("lease_until", nullable=True),
        _ts("sent_at", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("case_ref", sa.String(90), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
    )
    op.create_index("ix_intake_upstream_pushes_due", "intake_upstream_pushes", ["status", "next_attempt_at"])
    op.create_index("ix_intake_upstream_pushes_case", "intake_upstream_pushes", ["case_ref", "seq"])
    op.create_table(
        "intake_upstream_reconciliations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        _ts("ran_at"),
        sa.Column("upstream_cases", sa.Integer(), nullable=False),
        sa.Column("our_cases", sa.Integer(), nullable=False),
        sa.Column("differences", sa.Integer(), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
    )
    op.create_index("ix_intake_upstream_reconciliations_day", "intake_upstream_reconciliations", ["platform", "day"])
    op.create_table(
        "intake_leases",
        sa.Column("name", sa.String(80), primary_key=True),
        sa.Column("holder", sa.String(200), nullable=False),
        _ts("expires_at"),
    )


def downgrade() -> None:
    op.drop_table("intake_leases")
    op.drop_index("ix_intake_upstream_reconciliations_day", table_name="intake_upstream_reconciliations")
    op.drop_table("intake_upstream_reconciliations")
    op.drop_index("ix_intake_upstream_pushes_case", table_name="intake_upstream_pushes")
    op.drop_index("ix_intake_upstream_pushes_due", table_name="intake_upstream_pushes")
    op.drop_table("intake_upstream_pushes")
    op.drop_table("intake_upstream_cursors")
    op.drop_index("ix_intake_upstream_cases_transferred_at", table_name="intake_upstream_cases")
    op.drop_table("intake_upstream_cases")

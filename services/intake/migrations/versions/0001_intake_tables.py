"""intake: complaints, citizen timeline, ratings, idempotency keys, accounts, API keys

Revision ID: intake_0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "intake_0001"
down_revision = None
branch_labels = None
depends_on = None

BigIntId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")



def upgrade() -> None:
    op.create_table(
        "intake_complaints",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tracking_code", sa.String(20), nullable=False, unique=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("category", sa.String(40)),
        sa.Column("subcategory", sa.String(40)),
        sa.Column("town", sa.String(40)),
        sa.Column("address", sa.String(500)),
        sa.Column("lat", sa.Float()),
        sa.Column("lon", sa.Float()),
        sa.Column("occurred_at", sa.DateTime(timezone=True)),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("reporter_name_enc", sa.Text()),
        sa.Column("reporter_phone_enc", sa.Text()),
        sa.Column("phone_last4", sa.String(4)),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("external_ref", sa.String(120)),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("department", sa.String(60)),
        sa.Column("reply", sa.Text()),
        sa.Column("replied_at", sa.DateTime(timezone=True)),
        sa.Column("reply_round", sa.Integer(), nullable=False),
        sa.Column("rating", sa.String(30)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_intake_complaints_received_at", "intake_complaints", ["received_at"])
    op.create_table(
        "intake_timeline",
        sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
        sa.Column("complaint_id", sa.String(36), sa.ForeignKey("intake_complaints.id"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("text", sa.String(500), nullable=False),
    )
    op.create_index("ix_intake_timeline_complaint_id", "intake_timeline", ["complaint_id"])
    op.create_table(
        "intake_ratings",
        sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
        sa.Column("complaint_id", sa.String(36), sa.ForeignKey("intake_complaints.id"), nullable=False),
        sa.Column("reply_round", sa.Integer(), nullable=False),
        sa.Column("rating", sa.String(30), nullable=False),
        sa.Column("comment", sa.String(500)),
        sa.Column("via", sa.String(30), nullable=False),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_intake_ratings_complaint_id", "intake_ratings", ["complaint_id"])
    op.create_table(
        "intake_idempotency_keys",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("complaint_id", sa.String(36), sa.ForeignKey("intake_complaints.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "intake_users",
        sa.Column("username", sa.String(80), primary_key=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("department", sa.String(60)),
        sa.Column("display_name", sa.String(100)),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "intake_api_keys",
        sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in ("intake_api_keys", "intake_users", "intake_idempotency_keys", "intake_ratings",
                  "intake_timeline", "intake_complaints"):
        op.drop_table(table)

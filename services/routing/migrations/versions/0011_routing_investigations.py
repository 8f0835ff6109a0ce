"""routing: investigations (调查处理) — the on-site checks, finding, actions, re-checks and sign-off (销号) of a case

- routing_investigations: one per case; the finding (属实 / 部分属实 / 不属实) and the sign-off.
- routing_investigation_steps: each check, action and re-check with its recorder, time and values (JSON).
- routing_investigation_photos: on-site and re-check photos (their bytes are in the reply photos' file store).

Revision ID: routing_0011
Revises: routing_0010
"""
import sqlalchemy as sa
from alembic import op

revision = "routing_0011"
down_revision = "routing_0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "routing_investigations",
        sa.Column("complaint_id", sa.String(64), sa.ForeignKey("routing_cases.complaint_id"), primary_key=True),
        sa.Column("tracking_code", sa.String(32), nullable=False),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_by", sa.String(100), nullable=False),
        sa.Column("finding", sa.String(16), nullable=True),
        sa.Column("finding_note", sa.Text, nullable=True),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("found_by", sa.String(100), nullable=True),
        sa.Column("signed_off_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_off_by", sa.String(100), nullable=True),
        sa.Column("sign_off_note", sa.Text, nullable=True),
    )
    op.create_table(
        "routing_investigation_steps",
        sa.Column("complaint_id", sa.String(64), sa.ForeignKey("routing_investigations.complaint_id"),
                  primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_table(
        "routing_investigation_photos",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("complaint_id", sa.String(64), sa.ForeignKey("routing_investigations.complaint_id"),
                  nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("content_type", sa.String(32), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("uploaded_by", sa.String(100), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_routing_investigation_photos_complaint_id", "routing_investigation_photos",
                    ["complaint_id"])


def downgrade() -> None:
    op.drop_table("routing_investigation_photos")
    op.drop_table("routing_investigation_steps")
    op.drop_table("routing_investigations")

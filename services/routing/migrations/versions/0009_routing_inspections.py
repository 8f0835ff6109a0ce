"""routing: inspection cases (督察交办件) — cases an environmental inspection transferred, in numbered batches

- routing_inspections: one per case; the inspection (central | municipal), its round, the batch (第N批), the
  inspection's own case number (交办编号, unique), 重点件, the days received and due, the finding, progress,
  measures, penalties (立案, 罚款 NUMERIC yuan), interviews (约谈) and accountability (问责).
- routing_inspection_updates: each update with its actor, time and the values it set (JSON).
- routing_inspection_batches: the batches a supervisor made public (the 边督边改 table shows only these).

Revision ID: routing_0009
Revises: routing_0008
"""
import sqlalchemy as sa
from alembic import op

revision = "routing_0009"
down_revision = "routing_0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "routing_inspections",
        sa.Column("complaint_id", sa.String(64), sa.ForeignKey("routing_cases.complaint_id"), primary_key=True),
        sa.Column("tracking_code", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("round_name", sa.String(100), nullable=False),
        sa.Column("batch", sa.Integer, nullable=False),
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("key_case", sa.Boolean, nullable=False),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("report_due", sa.Date, nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_by", sa.String(100), nullable=False),
        sa.Column("finding", sa.String(16), nullable=True),
        sa.Column("progress", sa.String(16), nullable=False),
        sa.Column("investigation", sa.Text, nullable=True),
        sa.Column("measures", sa.Text, nullable=True),
        sa.Column("penalty_cases", sa.Integer, nullable=False),
        sa.Column("fine_yuan", sa.Numeric(12, 2), nullable=False),
        sa.Column("interviews", sa.Integer, nullable=False),
        sa.Column("interviewed", sa.String(500), nullable=True),
        sa.Column("accountability", sa.Integer, nullable=False),
        sa.Column("accountable", sa.String(500), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(100), nullable=True),
    )
    op.create_index("ix_routing_inspections_number", "routing_inspections", ["number"], unique=True)
    op.create_index("ix_routing_inspections_progress", "routing_inspections", ["progress"])
    op.create_index("ix_routing_inspections_round_batch", "routing_inspections", ["round_name", "batch"])
    op.create_table(
        "routing_inspection_updates",
        sa.Column("complaint_id", sa.String(64), sa.ForeignKey("routing_inspections.complaint_id"),
                  primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changes", sa.JSON, nullable=False),
    )
    op.create_table(
        "routing_inspection_batches",
        sa.Column("round_name", sa.String(100), primary_key=True),
        sa.Column("batch", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("published", sa.Boolean, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(100), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("routing_inspection_batches")
    op.drop_table("routing_inspection_updates")
    op.drop_table("routing_inspections")

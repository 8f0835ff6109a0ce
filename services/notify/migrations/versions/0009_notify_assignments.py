"""notify: every assignment of a case with its signing and end (考核), and each department's kind

- notify_assignments: one row per assignment (交办) of a case to a department: its accept deadline, when
  it was signed for, and how it ended (returned 退单, transferred 改派, merged 并单). Filled from the
  lifecycle events from now on; for the cases notify already follows, their latest assignment is copied
  from notify_cases (rule "backfill": earlier ones are not known here).
- notify_department_names.kind: district (区级部门) or town (镇街), to rank each among its own kind.

Revision ID: notify_0009
Revises: notify_0008
"""
import sqlalchemy as sa
from alembic import op

revision = "notify_0009"
down_revision = "notify_0008"
branch_labels = None
depends_on = None

BigIntId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "notify_assignments",
        sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
        sa.Column("complaint_id", sa.String(64), nullable=False),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("reply_round", sa.Integer, nullable=False),
        sa.Column("rule", sa.String(200), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accept_due", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_how", sa.String(16), nullable=True),
        sa.UniqueConstraint("complaint_id", "department", "assigned_at", name="uq_notify_assignments_once"),
    )
    op.create_index("ix_notify_assignments_complaint_id", "notify_assignments", ["complaint_id"])
    op.create_index("ix_notify_assignments_department", "notify_assignments", ["department"])
    op.create_index("ix_notify_assignments_assigned_at", "notify_assignments", ["assigned_at"])
    op.execute("""
        INSERT INTO notify_assignments (complaint_id, department, reply_round, rule, assigned_at, accept_due,
                                        accepted_at)
        SELECT c.complaint_id, c.department, c.reply_round, 'backfill', c.last_assigned_at, k.due, c.accepted_at
        FROM notify_cases c JOIN notify_clocks k ON k.complaint_id = c.complaint_id AND k.clock = 'accept'
        WHERE c.department IS NOT NULL AND c.last_assigned_at IS NOT NULL
    """)
    with op.batch_alter_table("notify_department_names", recreate="never") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="district"))
    op.execute("UPDATE notify_department_names SET kind = 'town' WHERE code LIKE 'town\\_%' ESCAPE '\\'")


def downgrade() -> None:
    with op.batch_alter_table("notify_department_names", recreate="never") as batch:
        batch.drop_column("kind")
    op.drop_table("notify_assignments")

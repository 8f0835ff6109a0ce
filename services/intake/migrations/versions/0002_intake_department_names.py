"""intake: department names from routing, department codes in the timeline, no external_ref

intake_department_names is intake's copy of routing's directory (filled from DepartmentsChangedV1);
a timeline entry keeps the department's code and is shown with the name current when it is read.
external_ref goes: nothing ever wrote it.

Revision ID: intake_0002
Revises: intake_0001
"""
import sqlalchemy as sa
from alembic import op

revision = "intake_0002"
down_revision = "intake_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_department_names",
        sa.Column("code", sa.String(60), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    # Never recreate the tables: on SQLite (foreign keys on) a copied intake_complaints cannot be dropped
    # while timeline rows point at it. SQLite 3.35+ adds and drops a plain column in place, as PostgreSQL does.
    with op.batch_alter_table("intake_timeline", recreate="never") as batch:
        batch.add_column(sa.Column("department", sa.String(60), nullable=True))
    with op.batch_alter_table("intake_complaints", recreate="never") as batch:
        batch.drop_column("external_ref")


def downgrade() -> None:
    with op.batch_alter_table("intake_complaints", recreate="never") as batch:
        batch.add_column(sa.Column("external_ref", sa.String(120), nullable=True))
    with op.batch_alter_table("intake_timeline", recreate="never") as batch:
        batch.drop_column("department")
    op.drop_table("intake_department_names")

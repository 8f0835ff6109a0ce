"""notify: SLA clocks in their own table, department names from routing, no valid/merged_into

The warning state moves from six name-built columns of notify_cases (assign_cycle, assign_level, ...)
and the three deadlines (assign_due, accept_due, reply_due) into notify_clocks, one row per clock;
existing rows' state is carried over. `valid` and `merged_into` go: no event sets them (yet).
notify_department_names is filled from routing's DepartmentsChangedV1.

Revision ID: notify_0002
Revises: notify_0001
"""
import sqlalchemy as sa
from alembic import op

revision = "notify_0002"
down_revision = "notify_0001"
branch_labels = None
depends_on = None

# clock name → (its start column, its due column, extra condition) in the old notify_cases
_CLOCKS = {
    "assign": ("received_at", "assign_due", "1 = 1"),
    "accept": ("last_assigned_at", "accept_due", "accept_cycle > 0"),
    "reply": ("last_assigned_at", "reply_due", "reply_cycle > 0"),
}
_DROPPED = ("valid", "merged_into", "assign_due", "accept_due", "reply_due", "assign_cycle", "assign_level",
            "accept_cycle", "accept_level", "reply_cycle", "reply_level")


def _at(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "notify_clocks",
        sa.Column("complaint_id", sa.String(64), primary_key=True),
        sa.Column("clock", sa.String(12), primary_key=True),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("last_level", sa.String(12), nullable=False),
        _at("start", nullable=False),
        _at("due", nullable=False),
    )
    for clock, (start, due, condition) in _CLOCKS.items():
        op.execute(
            f"INSERT INTO notify_clocks (complaint_id, clock, cycle, last_level, start, due) "
            f"SELECT complaint_id, '{clock}', {clock}_cycle, {clock}_level, {start}, {due} FROM notify_cases "
            f"WHERE {start} IS NOT NULL AND {due} IS NOT NULL AND {condition}")
    with op.batch_alter_table("notify_cases") as batch:
        for column in _DROPPED:
            batch.drop_column(column)

    op.create_table(
        "notify_department_names",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _at("changed_at", nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notify_department_names")
    with op.batch_alter_table("notify_cases") as batch:
        for name in ("assign_due", "accept_due", "reply_due"):
            batch.add_column(_at(name))
        batch.add_column(sa.Column("valid", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("merged_into", sa.String(64), nullable=True))
        for clock, first_cycle in (("assign", "1"), ("accept", "0"), ("reply", "0")):
            batch.add_column(sa.Column(f"{clock}_cycle", sa.Integer(), nullable=False, server_default=first_cycle))
            batch.add_column(sa.Column(f"{clock}_level", sa.String(12), nullable=False, server_default="none"))
    for clock in _CLOCKS:
        mine = f"FROM notify_clocks WHERE notify_clocks.complaint_id = notify_cases.complaint_id " \
               f"AND notify_clocks.clock = '{clock}'"
        op.execute(
            f"UPDATE notify_cases SET {clock}_due = (SELECT due {mine}), "
            f"{clock}_cycle = (SELECT cycle {mine}), {clock}_level = (SELECT last_level {mine}) "
            f"WHERE EXISTS (SELECT 1 {mine})")
    with op.batch_alter_table("notify_cases") as batch:  # as notify_0001 made them: no server defaults
        for name in ("valid", "assign_cycle", "assign_level", "accept_cycle", "accept_level", "reply_cycle",
                     "reply_level"):
            batch.alter_column(name, server_default=None)
    op.drop_table("notify_clocks")

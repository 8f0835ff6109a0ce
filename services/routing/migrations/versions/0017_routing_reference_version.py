"""routing: a version stamp over the reference tables, kept by triggers, so routing can cache them

routing_reference_version (one row, id 1): `token` changes with every insert, update or delete on
routing_rules, routing_departments, routing_towns and routing_time_limits, whoever writes them (the
API, the seed, or an operator in psql). Routing reads the token once per unit of work and reuses the
tables it read under the same token (adapters/reference.py) instead of reading four tables per event.
The token is random, not a counter: a token written by a transaction that rolled back never comes back,
so nothing read inside that transaction can be mistaken for committed data.

Caution for later migrations: on SQLite, `batch_alter_table` on one of these four tables rebuilds the
table and drops its triggers; create them again after (`create_triggers`). tests/routing/test_reference_cache.py
checks that every head keeps them.

Revision ID: routing_0017
Revises: routing_0016
"""
import sqlalchemy as sa
from alembic import op

revision = "routing_0017"
down_revision = "routing_0016"
branch_labels = None
depends_on = None

TABLES = ("routing_rules", "routing_departments", "routing_towns", "routing_time_limits")
_OPS = ("INSERT", "UPDATE", "DELETE")


def create_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE OR REPLACE FUNCTION routing_reference_changed() RETURNS trigger AS $$
            BEGIN
                UPDATE routing_reference_version SET token = md5(random()::text || clock_timestamp()::text)
                WHERE id = 1;
                RETURN NULL;
            END $$ LANGUAGE plpgsql""")
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_changed ON {table}")
            op.execute(f"CREATE TRIGGER {table}_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION routing_reference_changed()")
        return
    for table in TABLES:
        for operation in _OPS:
            name = f"{table}_{operation.lower()}_changed"
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
            op.execute(f"CREATE TRIGGER {name} AFTER {operation} ON {table} BEGIN "
                       "UPDATE routing_reference_version SET token = lower(hex(randomblob(16))) WHERE id = 1; END")


def upgrade() -> None:
    op.create_table(
        "routing_reference_version",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token", sa.String(64), nullable=False),
    )
    op.execute("INSERT INTO routing_reference_version (id, token) VALUES (1, 'initial')")
    create_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_changed ON {table}")
        op.execute("DROP FUNCTION IF EXISTS routing_reference_changed()")
    else:
        for table in TABLES:
            for operation in _OPS:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_{operation.lower()}_changed")
    op.drop_table("routing_reference_version")

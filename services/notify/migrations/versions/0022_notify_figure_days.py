"""notify: the targets' closed facts counted per day (notify_figure_days), kept by triggers (issue 12)

- notify_figure_days: for each figure (`assign`, `reply`, `rating`, `callback`), Shanghai day, grouping (`dim`:
  department, category, town, channel) and group (`key`: '' for none, else '=' and the value) the counts of the
  facts that no longer change with time: a case assigned (met on time / late), a round replied (on time /
  late, on its deadline's day), a round's latest rating (satisfied / not, resolved / partly or unresolved,
  the reviewed rate's met / missed), a callback completed (rated / unreachable). Rows are deltas: every
  insert, update or delete of a source row adds the row's new contribution and takes away its old one (rows
  with `compacted` false); `services/notify/adapters/figure_days.py` sums them and a worker compacts them.
- Triggers on notify_cases, notify_reply_rounds, notify_ratings and notify_callbacks: whoever writes the row
  (the repositories, the reviews, retention, seed-volume, a migration), the delta is written in the same
  transaction, so the sums equal the rows at every commit. PostgreSQL: one function per table, and TRUNCATE
  empties that figure. A later migration that rebuilds one of these tables on SQLite (batch_alter_table)
  drops its triggers: call `create_triggers()` of this module again.
- Indexes for what is still counted live: cases not yet assigned (by received_at) and rounds not yet
  replied (by reply_due), partial; on PostgreSQL a GiST index of each replied round's span from the earlier
  to the later of its deadline and reply, to find the rounds that cross a period's first or last midnight.
- Backfill: the sums of the rows already there (one compacted row per day and group).

Revision ID: notify_0022
Revises: notify_0021
"""

import re
from dataclasses import dataclass

import sqlalchemy as sa
from alembic import op

revision = "notify_0022"
down_revision = "notify_0021"
branch_labels = None
depends_on = None

TABLE = "notify_figure_days"
COUNTS = ("n1", "n2", "n3", "n4", "n5", "n6")
DIMS = ("department", "category", "town", "channel")
SATISFIED = "('satisfied', 'basically_satisfied')"


@dataclass(frozen=True)
class Source:
    """How one table's row contributes: `R` stands for the row (OLD, NEW, or the table in the backfill)."""

    table: str
    figure: str
    when: str  # the row is a closed fact of this figure
    day: str  # the column whose Shanghai day it counts on
    dims: tuple[str, ...]  # department, category, town, channel (the first only: one grouping)
    counts: tuple[str, ...]  # n1, n2, ... as conditions
    changed: tuple[str, ...]  # what an update must change to matter (expressions over R)


SOURCES = (
    Source("notify_cases", "assign",
           "R.received_at IS NOT NULL AND R.assigned_at IS NOT NULL AND R.status NOT IN ('rejected', 'merged')",
           "received_at", ("COALESCE(R.department, R.first_department)", "R.category", "R.town", "R.channel"),
           ("R.assign_due IS NULL OR R.assigned_at <= R.assign_due",
            "R.assign_due IS NOT NULL AND R.assigned_at > R.assign_due"),
           ("R.received_at", "R.assigned_at", "R.assign_due", "R.status IN ('rejected', 'merged')",
            "R.department", "R.first_department", "R.category", "R.town", "R.channel")),
    Source("notify_reply_rounds", "reply", "R.replied_at IS NOT NULL AND R.counted", "reply_due",
           ("R.department", "R.category", "R.town", "R.channel"),
           ("R.replied_at <= R.reply_due", "R.replied_at > R.reply_due"),
           ("R.replied_at", "R.reply_due", "R.counted", "R.department", "R.category", "R.town", "R.channel")),
    Source("notify_ratings", "rating", "R.counted", "rated_at",
           ("R.department", "R.category", "R.town", "R.channel"),
           (f"R.rating IN {SATISFIED}", f"R.rating NOT IN {SATISFIED}",
            "R.resolution = 'resolved'", "R.resolution IN ('partly_resolved', 'unresolved')",
            f"R.rating IN {SATISFIED}", f"R.rating NOT IN {SATISFIED} AND NOT R.unreasonable"),
           ("R.rated_at", "R.counted", "R.rating", "R.resolution", "R.unreasonable", "R.department", "R.category",
            "R.town", "R.channel")),
    # the valid-callback rate: district-wide only, one group
    Source("notify_callbacks", "callback", "R.completed_at IS NOT NULL AND R.status IN ('done', 'unreachable')",
           "completed_at", ("NULL",), ("R.status = 'done'", "R.status = 'unreachable'"),
           ("R.completed_at", "R.status")),
)


def _day(dialect: str, column: str) -> str:
    """The Shanghai day of a moment (SQLite keeps UTC without a zone; Shanghai has been UTC+8 since 1991)."""
    if dialect == "postgresql":
        return f"(({column}) AT TIME ZONE 'Asia/Shanghai')::date"
    return f"date({column}, '+8 hours')"


def _key(expression: str) -> str:
    return f"CASE WHEN ({expression}) IS NULL THEN '' ELSE '=' || ({expression}) END"


def _flag(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


def _dims(source: Source, row: str) -> str:
    return " UNION ALL ".join(f"SELECT '{dim}' AS dim, {_key(expression.replace('R.', row + '.'))} AS key"
                              for dim, expression in zip(DIMS[:len(source.dims)], source.dims, strict=True))


def delta(source: Source, dialect: str, row: str, sign: str) -> str:
    """INSERT the contribution of `row` (OLD or NEW) times `sign`, one row per grouping."""
    r = row + "."
    counts = [f"{sign}{_flag(c.replace('R.', r))}" for c in source.counts]
    counts += ["0"] * (len(COUNTS) - len(counts))
    return (f"INSERT INTO {TABLE} (figure, day, dim, key, {', '.join(COUNTS)}, compacted) "
            f"SELECT '{source.figure}', {_day(dialect, r + source.day)}, d.dim, d.key, {', '.join(counts)}, "
            f"{'false' if dialect == 'postgresql' else '0'} FROM ({_dims(source, row)}) AS d "
            f"WHERE {source.when.replace('R.', r)}")


def _columns(source: Source) -> str:
    """The columns an update must set for the row's contribution to change (UPDATE OF: the trigger is not even
    part of an update of other columns)."""
    return ", ".join(sorted({m for e in source.changed for m in re.findall(r"R\.(\w+)", e)}))


def _changed(source: Source, dialect: str) -> str:
    differ = "IS DISTINCT FROM" if dialect == "postgresql" else "IS NOT"
    return " OR ".join(f"({e.replace('R.', 'OLD.')}) {differ} ({e.replace('R.', 'NEW.')})" for e in source.changed)


def create_triggers() -> None:
    dialect = op.get_bind().dialect.name
    for source in SOURCES:
        name = f"{source.table}_figure_days"
        if dialect == "postgresql":
            op.execute(f"""
                CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
                BEGIN
                    IF TG_OP = 'TRUNCATE' THEN
                        DELETE FROM {TABLE} WHERE figure = '{source.figure}';
                        RETURN NULL;
                    END IF;
                    IF TG_OP <> 'INSERT' THEN
                        {delta(source, dialect, 'OLD', '-')};
                    END IF;
                    IF TG_OP <> 'DELETE' THEN
                        {delta(source, dialect, 'NEW', '')};
                    END IF;
                    RETURN NULL;
                END $$ LANGUAGE plpgsql""")
            for operation, of, when in (("INSERT", "", ""), ("DELETE", "", ""),
                                        ("UPDATE", f" OF {_columns(source)}", f"WHEN ({_changed(source, dialect)}) ")):
                op.execute(f"DROP TRIGGER IF EXISTS {name}_{operation.lower()} ON {source.table}")
                op.execute(f"CREATE TRIGGER {name}_{operation.lower()} AFTER {operation}{of} ON {source.table} "
                           f"FOR EACH ROW {when}EXECUTE FUNCTION {name}()")
            op.execute(f"DROP TRIGGER IF EXISTS {name}_truncate ON {source.table}")
            op.execute(f"CREATE TRIGGER {name}_truncate AFTER TRUNCATE ON {source.table} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()")
            continue
        for operation, of, body, when in (("INSERT", "", delta(source, dialect, "NEW", ""), ""),
                                          ("DELETE", "", delta(source, dialect, "OLD", "-"), ""),
                                          ("UPDATE", f" OF {_columns(source)}",
                                           f"{delta(source, dialect, 'OLD', '-')}; {delta(source, dialect, 'NEW', '')}",
                                           f"WHEN {_changed(source, dialect)} ")):
            op.execute(f"DROP TRIGGER IF EXISTS {name}_{operation.lower()}")
            op.execute(f"CREATE TRIGGER {name}_{operation.lower()} AFTER {operation}{of} ON {source.table} "
                       f"FOR EACH ROW {when}BEGIN {body}; END")


def drop_triggers() -> None:
    dialect = op.get_bind().dialect.name
    for source in SOURCES:
        name = f"{source.table}_figure_days"
        for operation in ("insert", "update", "delete", *(("truncate",) if dialect == "postgresql" else ())):
            op.execute(f"DROP TRIGGER IF EXISTS {name}_{operation}"
                       + (f" ON {source.table}" if dialect == "postgresql" else ""))
        if dialect == "postgresql":
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")


def backfill(conn: sa.Connection) -> None:
    """The sums of the rows already there: one compacted row per figure, day, grouping and group."""
    dialect = conn.dialect.name
    true = "true" if dialect == "postgresql" else "1"
    for source in SOURCES:
        counts = [f"sum({_flag(c.replace('R.', 'src.'))})" for c in source.counts]
        counts += ["0"] * (len(COUNTS) - len(counts))
        for dim, expression in zip(DIMS[:len(source.dims)], source.dims, strict=True):
            key = _key(expression.replace("R.", "src."))
            day = _day(dialect, "src." + source.day)
            conn.execute(sa.text(
                f"INSERT INTO {TABLE} (figure, day, dim, key, {', '.join(COUNTS)}, compacted) "
                f"SELECT '{source.figure}', {day}, '{dim}', {key}, {', '.join(counts)}, {true} "
                f"FROM {source.table} src WHERE {source.when.replace('R.', 'src.')} GROUP BY {day}, {key}"))


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("figure", sa.String(8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("dim", sa.String(12), nullable=False),
        sa.Column("key", sa.String(72), nullable=False),
        *(sa.Column(n, sa.Integer(), nullable=False, server_default="0") for n in COUNTS),
        sa.Column("compacted", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_notify_figure_days_read", TABLE, ["figure", "dim", "day"],
                    postgresql_include=["key", *COUNTS])
    op.create_index("ix_notify_figure_days_new", TABLE, ["figure", "day", "dim", "key"],
                    postgresql_where=sa.text("NOT compacted"), sqlite_where=sa.text("NOT compacted"))
    op.create_index("ix_notify_cases_unassigned", "notify_cases", ["received_at"],
                    postgresql_include=["status", "assign_due", "department", "first_department", "category",
                                        "town", "channel"],
                    postgresql_where=sa.text("assigned_at IS NULL"), sqlite_where=sa.text("assigned_at IS NULL"))
    op.create_index("ix_notify_reply_rounds_open", "notify_reply_rounds", ["reply_due"],
                    postgresql_include=["counted", "rerouting", "department", "category", "town", "channel"],
                    postgresql_where=sa.text("replied_at IS NULL"), sqlite_where=sa.text("replied_at IS NULL"))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_notify_reply_rounds_span ON notify_reply_rounds USING gist "
                   "(tstzrange(LEAST(reply_due, replied_at), GREATEST(reply_due, replied_at), '(]')) "
                   "WHERE replied_at IS NOT NULL")
    create_triggers()
    backfill(op.get_bind())


def downgrade() -> None:
    drop_triggers()
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_notify_reply_rounds_span")
    op.drop_index("ix_notify_reply_rounds_open", table_name="notify_reply_rounds")
    op.drop_index("ix_notify_cases_unassigned", table_name="notify_cases")
    op.drop_table(TABLE)

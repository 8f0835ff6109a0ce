"""Alembic, one environment per service (and one for the event tables), each with its own version table.

Services call `upgrade(engine, ...)`; each `migrations/env.py` calls `run_env(...)`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Engine


def config_for(script_location: Path, version_table: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.attributes["version_table"] = version_table
    return cfg


def upgrade(engine: Engine, script_location: Path, version_table: str, revision: str = "head") -> None:
    cfg = config_for(script_location, version_table)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Several copies may start at once (replicas, an init container beside the migration job):
            # one migrates, the others wait and then find nothing to do.
            connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": version_table})
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def run_env(metadata: MetaData, tables: Iterable[str]) -> None:
    """Body of a migrations/env.py: online mode only, on the connection `upgrade` hands over."""
    own = set(tables)
    cfg = context.config
    connection = cfg.attributes["connection"]

    def include_object(obj, name, type_, _reflected, _compare_to):  # type: ignore[no-untyped-def]
        if type_ == "table":
            return name in own
        table = getattr(obj, "table", None)
        return table is None or table.name in own

    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=cfg.attributes["version_table"],
        include_object=include_object,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()

"""Migrations: every environment upgrades an empty database to head, and the tables match the models."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from services import composition
from shared.eventbus import schema as eventbus_schema
from shared.eventbus import tables as eventbus_tables


def own_tables(name: str) -> list:
    if name == "eventbus":
        return eventbus_tables.EVENTBUS_TABLES
    module = __import__(f"services.{name}.adapters.tables", fromlist=["TABLES"])
    return module.TABLES


@pytest.mark.parametrize("name", ["eventbus", *composition.SERVICE_NAMES])
def test_the_migrated_tables_match_the_models(engine, name):
    tables = own_tables(name)
    names = {t.name for t in tables}
    metadata = tables[0].metadata
    # indexes a model cannot state (notify's GiST index of an expression, PostgreSQL only), each named by its module
    unmodelled = set(getattr(__import__(f"services.{name}.adapters.tables", fromlist=["TABLES"]),
                             "MIGRATION_ONLY_INDEXES", ())) if name != "eventbus" else set()

    def include(obj, obj_name, type_, _reflected, _compare_to):
        if type_ == "table":
            return obj_name in names
        if type_ == "index" and obj_name in unmodelled:
            return False
        table = getattr(obj, "table", None)
        return table is None or table.name in names

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include, "compare_type": True})
        diff = compare_metadata(context, metadata)
    assert diff == [], f"{name}: models and migrations differ: {diff}"


def test_table_names_say_which_service_owns_them():
    for name in composition.SERVICE_NAMES:
        assert all(t.name.startswith(f"{name}_") for t in own_tables(name)), name


def schema(engine) -> dict[str, object]:
    """Every table with its columns and indexes, and every alembic version table's revision."""
    inspector = sa.inspect(engine)
    tables = {name: ([(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(name)],
                     sorted(i["name"] or "" for i in inspector.get_indexes(name)))
              for name in inspector.get_table_names()}
    with engine.connect() as conn:
        versions = {name: conn.execute(sa.text(f"SELECT version_num FROM {name}")).scalars().all()
                    for name in tables if name.startswith("alembic_version")}
    return {"tables": tables, "versions": versions}


def test_an_empty_database_migrates_to_head_and_migrating_again_changes_nothing(empty_engine):
    assert sa.inspect(empty_engine).get_table_names() == []
    composition.migrate(empty_engine)
    first = schema(empty_engine)
    assert set(first["versions"]) == {"alembic_version_eventbus", *(f"alembic_version_{n}" for n in
                                                                    composition.SERVICE_NAMES)}
    assert all(len(v) == 1 for v in first["versions"].values()), first["versions"]
    composition.migrate(empty_engine)
    assert schema(empty_engine) == first


def test_every_environment_is_at_its_single_head(engine):
    from alembic.script import ScriptDirectory

    from shared.migrations import config_for

    versions = schema(engine)["versions"]
    environments = {"eventbus": (eventbus_schema.MIGRATIONS, eventbus_schema.VERSION_TABLE)}
    environments |= {n: (composition.service(n).MIGRATIONS, composition.service(n).VERSION_TABLE)
                     for n in composition.SERVICE_NAMES}
    for name, (location, table) in environments.items():
        heads = ScriptDirectory.from_config(config_for(location, table)).get_heads()
        assert len(heads) == 1, f"{name} has several heads: {heads}"
        assert versions[table] == heads, name

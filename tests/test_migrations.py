"""Migrations: every environment upgrades an empty database to head, and the tables match the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from services import composition
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

    def include(obj, obj_name, type_, _reflected, _compare_to):
        if type_ == "table":
            return obj_name in names
        table = getattr(obj, "table", None)
        return table is None or table.name in names

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include, "compare_type": True})
        diff = compare_metadata(context, metadata)
    assert diff == [], f"{name}: models and migrations differ: {diff}"


def test_table_names_say_which_service_owns_them():
    for name in composition.SERVICE_NAMES:
        assert all(t.name.startswith(f"{name}_") for t in own_tables(name)), name


def test_migrating_twice_changes_nothing(engine):
    composition.migrate(engine)  # the test database is at head already
    composition.migrate(engine)

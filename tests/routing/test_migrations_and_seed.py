"""Routing's schema comes from its own alembic environment and matches the models; seeding is idempotent."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select, text
from sqlalchemy.orm import Session

from services.routing import bootstrap as routing
from services.routing.adapters.tables import (
    TABLES,
    RoutingCase,
    RoutingDepartment,
    RoutingRuleRow,
    RoutingTimeLimit,
    RoutingTown,
)
from services.routing.seed import load_seed_data

OWN = {t.name for t in TABLES}


def test_every_routing_table_is_prefixed_and_created_by_the_migration(engine):
    assert all(name.startswith("routing_") for name in OWN)
    assert OWN <= set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        assert conn.execute(text(f"SELECT version_num FROM {routing.VERSION_TABLE}")).scalar() == "routing_0001"


def test_the_models_match_the_migrations(engine):
    def include(obj, name, type_, _reflected, _compare_to):  # type: ignore[no-untyped-def]
        table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
        return table in OWN

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include, "compare_type": True})
        assert compare_metadata(context, TABLES[0].metadata) == []


def test_migrating_again_changes_nothing(engine):
    routing.migrate(engine)

    assert OWN <= set(inspect(engine).get_table_names())


def count(session: Session, model) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(model))


def test_seeding_twice_inserts_the_reference_data_once(engine, settings, clock):
    routing.seed(engine, settings, clock)
    routing.seed(engine, settings, clock)

    with Session(engine) as session:
        assert count(session, RoutingDepartment) == 40
        assert count(session, RoutingTown) == 30
        assert count(session, RoutingRuleRow) == len(load_seed_data()["rules"])
        assert count(session, RoutingTimeLimit) == 2


def test_seeding_keeps_what_an_administrator_changed(engine, settings, clock):
    routing.seed(engine, settings, clock)
    with Session(engine) as session:
        limit = session.scalars(select(RoutingTimeLimit).where(RoutingTimeLimit.urgent.is_(False))).one()
        limit.reply_days = 3
        session.commit()

    routing.seed(engine, settings, clock)

    with Session(engine) as session:
        assert session.scalars(select(RoutingTimeLimit.reply_days).where(RoutingTimeLimit.urgent.is_(False))
                               ).one() == 3


def test_a_time_limit_edited_at_run_time_applies_to_the_next_case(engine, settings, clock, receive):
    routing.seed(engine, settings, clock)
    with Session(engine) as session:
        session.add(RoutingTimeLimit(category="odor", urgent=False, assign_days=1, accept_days=1, return_days=1,
                                     reply_days=2))
        session.commit()

    event = receive(content="楼下餐馆油烟很大，熏得开不了窗")

    with Session(engine) as session:
        case = session.get(RoutingCase, event.subject)
    assert case.reply_due.isoformat().startswith("2026-11-30T10:00")  # Fri, Mon

"""Routing's schema comes from its own alembic environment and matches the models; seeding is idempotent."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
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
from shared.contracts.envelope import CloudEvent
from shared.contracts.events import DepartmentsChangedV1
from shared.migrations import config_for

OWN = {t.name for t in TABLES}


def test_every_routing_table_is_prefixed_and_created_by_the_migration(engine):
    assert all(name.startswith("routing_") for name in OWN)
    assert OWN <= set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        version = conn.execute(text(f"SELECT version_num FROM {routing.VERSION_TABLE}")).scalar()
    head = ScriptDirectory.from_config(config_for(routing.MIGRATIONS, routing.VERSION_TABLE)).get_current_head()
    assert version == head
    assert "version" not in {c["name"] for c in inspect(engine).get_columns("routing_cases")}


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


def directories_published(outbox) -> list[DepartmentsChangedV1]:  # type: ignore[no-untyped-def]
    return [DepartmentsChangedV1.model_validate(CloudEvent.from_json(r.payload).data)
            for r in outbox() if r.type == DepartmentsChangedV1.event_type]


def test_seeding_departments_publishes_the_directory_once(engine, settings, clock, outbox):
    with Session(engine) as session:
        session.execute(text("DELETE FROM routing_departments"))
        session.commit()
    before = len(directories_published(outbox))

    routing.seed(engine, settings, clock)
    routing.seed(engine, settings, clock)  # nothing missing: nothing published

    published = directories_published(outbox)[before:]
    assert len(published) == 1
    directory = {d.code: d for d in published[0].departments}
    assert len(directory) == 40 and published[0].changed_at == clock.now()
    assert (directory["ecology_env"].name, directory["ecology_env"].kind) == ("区生态环境局", "district")
    assert (directory["town_taihe"].name, directory["town_taihe"].kind) == ("太和镇人民政府", "town")
    [row] = [r for r in outbox() if r.type == DepartmentsChangedV1.event_type][before:]
    assert (row.topic, row.key) == ("complaints.reference", "departments")


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

"""Routing keeps its reference tables in memory while they are unchanged (adapters/reference.py), on both
databases: read once for many complaints, read again after any write to them, by the API or straight in SQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from services.routing.adapters.reference import ReferenceCache
from services.routing.adapters.tables import RoutingCase, RoutingRuleRow

TABLE_EDITS = {  # a harmless write to each table the token watches (what an operator might do in psql)
    "routing_rules": "UPDATE routing_rules SET note = 'checked' WHERE id = (SELECT min(id) FROM routing_rules)",
    "routing_departments": "UPDATE routing_departments SET name = name",
    "routing_towns": "UPDATE routing_towns SET name = name WHERE code = 'taihe'",
    "routing_time_limits": "UPDATE routing_time_limits SET reply_days = reply_days",
}


def cache_of(runtime) -> ReferenceCache:
    return runtime.bus.uow_factory().reference  # the process's one cache, handed to every unit of work


def token(engine) -> str:
    with engine.connect() as conn:
        return conn.execute(text("SELECT token FROM routing_reference_version WHERE id = 1")).scalar_one()


def status(engine, complaint_id: str) -> str:
    with Session(engine) as session:
        return session.get_one(RoutingCase, complaint_id).status


def test_many_complaints_read_the_tables_once(engine, runtime, receive):
    cache = cache_of(runtime)
    receive()
    reads = cache.reads
    for _ in range(5):
        receive()

    assert reads >= 1 and cache.reads == reads


@pytest.mark.parametrize("table", sorted(TABLE_EDITS))
def test_every_write_to_a_watched_table_changes_the_token_at_head(engine, table):
    before = token(engine)
    with engine.begin() as conn:
        conn.execute(text(TABLE_EDITS[table]))

    assert token(engine) != before


def test_a_rule_switched_off_in_sql_after_the_tables_were_read_is_no_longer_used(engine, runtime, receive):
    assert status(engine, receive().subject) == "assigned"  # the tables are in memory now
    with Session(engine) as session:
        rule = session.query(RoutingRuleRow).filter_by(category="noise", subcategory="construction").one()
        rule.active = False
        session.commit()

    assert status(engine, receive().subject) == "triage"  # no other noise rule applies


def test_a_department_added_through_the_api_is_routed_to_at_once(engine, runtime, receive, client, auth):
    receive()  # the tables are in memory
    admin = auth("admin")
    assert client.post("/api/v1/departments", json={"code": "emergency", "name": "区应急管理局", "kind": "district"},
                       headers=admin).status_code == 201
    with Session(engine) as session:
        session.add(RoutingRuleRow(category="radiation", subcategory="nuclear_tech", department="emergency",
                                   active=True))
        session.commit()

    case = receive(content="附近工厂在用放射源做探伤，担心放射性泄漏", town="taihe").subject
    with Session(engine) as session:
        assert session.get_one(RoutingCase, case).department == "emergency"


def test_what_a_rolled_back_transaction_wrote_is_never_served(engine, runtime, receive):
    cache = cache_of(runtime)
    receive()
    with runtime.bus.uow_factory() as uow:  # a unit of work that adds a department and reads it, then fails
        uow.session.execute(text("INSERT INTO routing_departments (code, name, kind, active, revision) "
                                 "VALUES ('ghost', '不存在的部门', 'district', true, 99)"))
        assert "ghost" in uow.departments.active()  # its own write is seen inside it
        uow.rollback()

    with runtime.bus.uow_factory() as uow:
        assert "ghost" not in uow.departments.active()
        assert "ghost" not in uow.departments.names() and not uow.departments.exists("ghost")
    assert cache.reads >= 2

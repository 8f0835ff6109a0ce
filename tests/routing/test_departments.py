"""The department directory: routing's table is the only one. A department added at run time gets a name
everywhere (DepartmentsChangedV1), a dispatch topic (the topic_admin port), a queue and work orders."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.orm import Session

from services import cli
from services.routing.adapters.tables import RoutingRuleRow
from services.routing.domain.departments import Department, DepartmentDirectory
from services.routing.domain.errors import DepartmentNotFound, DuplicateDepartment, InvalidRequest
from shared.clock import SHANGHAI
from shared.contracts import topics
from shared.contracts.envelope import CloudEvent
from shared.contracts.events import CaseAssignedV1, CaseDispatchedV1, DepartmentEntry, DepartmentsChangedV1

NEW = {"code": "emergency", "name": "区应急管理局", "kind": "district"}
NOW = datetime(2026, 11, 26, 10, tzinfo=SHANGHAI)


@pytest.fixture
def admin(auth):
    return auth("admin", username="root")


def published(outbox) -> list[DepartmentsChangedV1]:  # type: ignore[no-untyped-def]
    return [DepartmentsChangedV1.model_validate(CloudEvent.from_json(r.payload).data)
            for r in outbox() if r.type == DepartmentsChangedV1.event_type]


# --- the directory (pure) -------------------------------------------------------------------------


def directory() -> DepartmentDirectory:
    return DepartmentDirectory([Department("ecology_env", "区生态环境局", "district", revision=1),
                                Department("town_taihe", "太和镇人民政府", "town", revision=4)])


def test_defining_a_department_records_the_whole_directory_with_the_next_revision():
    departments = directory()

    departments.define("emergency", " 区应急管理局 ", "district", at=NOW)

    assert departments.pull_events() == [DepartmentsChangedV1(revision=5, changed_at=NOW, departments=[
        DepartmentEntry(code="ecology_env", name="区生态环境局", kind="district", active=True),
        DepartmentEntry(code="emergency", name="区应急管理局", kind="district", active=True),
        DepartmentEntry(code="town_taihe", name="太和镇人民政府", kind="town", active=True),
    ])]


@pytest.mark.parametrize("code, kind, error", [
    ("Emergency", "district", InvalidRequest), ("emergency-mgmt", "district", InvalidRequest),
    ("应急", "district", InvalidRequest), ("", "district", InvalidRequest), ("x" * 65, "district", InvalidRequest),
    ("town", "district", InvalidRequest), ("triage", "district", InvalidRequest),
    ("emergency", "city", InvalidRequest), ("ecology_env", "district", DuplicateDepartment),
])
def test_a_bad_or_taken_code_is_refused_and_records_nothing(code, kind, error):
    departments = directory()

    with pytest.raises(error):
        departments.define(code, "某部门", kind, at=NOW)

    assert departments.pull_events() == []


def test_an_update_records_only_a_real_change():
    departments = directory()

    departments.update("ecology_env", name="区生态环境局", active=True, at=NOW)
    assert departments.pull_events() == []
    departments.update("ecology_env", active=False, at=NOW)
    [changed] = departments.pull_events()
    assert isinstance(changed, DepartmentsChangedV1)
    assert [(d.code, d.active) for d in changed.departments] == [("ecology_env", False), ("town_taihe", True)]
    with pytest.raises(DepartmentNotFound):
        departments.update("nowhere", active=False, at=NOW)


# --- over HTTP, on the databases ------------------------------------------------------------------


def test_an_admin_adds_a_department_with_its_topic_and_the_directory_is_published(
        client, admin, outbox, topic_admin, clock, runtime):
    before = len(published(outbox))

    response = client.post("/api/v1/departments", json=NEW, headers=admin)

    assert response.status_code == 201, response.text
    assert response.json() == {**NEW, "active": True, "topic": "complaints.dispatch.emergency"}
    assert topic_admin.created == ["complaints.dispatch.emergency"]
    [directory_now] = published(outbox)[before:]
    assert directory_now.changed_at == clock.now()
    assert directory_now.revision == published(outbox)[before - 1].revision + 1  # stored, then counted on
    assert DepartmentEntry(**NEW, active=True) in directory_now.departments
    assert len(directory_now.departments) == 41
    assert "complaints.dispatch.emergency" in runtime.topics()


@pytest.mark.parametrize("role", ["dispatcher", "supervisor", "operator", "citizen"])
def test_only_admins_add_departments(client, auth, outbox, topic_admin, role):
    before = len(published(outbox))

    response = client.post("/api/v1/departments", json=NEW, headers=auth(role, "ecology_env"))

    assert response.status_code == 403
    assert len(published(outbox)) == before and topic_admin.created == []


@pytest.mark.parametrize("body", [
    {**NEW, "code": "Emergency-Mgmt"}, {**NEW, "code": "应急管理"}, {**NEW, "code": "triage"},
    {**NEW, "code": "a.b"}, {**NEW, "kind": "city"}, {**NEW, "name": "  "}, {"code": "emergency"},
    {**NEW, "extra": 1},
])
def test_a_bad_department_is_a_422_and_creates_nothing(client, admin, outbox, topic_admin, body):
    before = len(published(outbox))

    response = client.post("/api/v1/departments", json=body, headers=admin)

    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid"
    assert len(published(outbox)) == before and topic_admin.created == []


def test_a_duplicate_code_is_a_409(client, admin, outbox):
    assert client.post("/api/v1/departments", json=NEW, headers=admin).status_code == 201
    before = len(published(outbox))

    again = client.post("/api/v1/departments", json={**NEW, "name": "另一个"}, headers=admin)
    seeded = client.post("/api/v1/departments", json={**NEW, "code": "ecology_env"}, headers=admin)

    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    assert seeded.status_code == 409
    assert len(published(outbox)) == before


def test_a_new_department_has_a_queue_and_a_supervisor_can_assign_to_it(client, admin, auth, receive, outbox):
    client.post("/api/v1/departments", json=NEW, headers=admin)
    case_id = receive(content="你好，我想反映一个情况，请尽快联系我", town="taihe").subject  # triage

    empty = client.get("/api/v1/queues/emergency", headers=auth("dispatcher", "emergency"))
    assigned = client.post(f"/api/v1/cases/{case_id}/assign", json={"department": "emergency", "category": "other"},
                           headers=auth("supervisor", username="boss"))

    assert empty.status_code == 200 and empty.json()["count"] == 0
    assert empty.json()["department_name"] == "区应急管理局"
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["department_name"] == "区应急管理局"
    rows = outbox(case_id)[1:]
    assert [(r.topic, r.type) for r in rows] == [(topics.LIFECYCLE, CaseAssignedV1.event_type),
                                                 ("complaints.dispatch.emergency", CaseDispatchedV1.event_type)]
    queue = client.get("/api/v1/queues/emergency", headers=auth("dispatcher", "emergency")).json()
    assert [c["id"] for c in queue["cases"]] == [case_id]


def test_a_rule_can_route_to_a_new_department(client, admin, engine, receive, outbox):
    client.post("/api/v1/departments", json=NEW, headers=admin)
    with Session(engine) as session:
        session.add(RoutingRuleRow(category="radiation", subcategory="nuclear_tech", department="emergency",
                                   active=True))
        session.commit()

    case_id = receive(content="附近工厂在用放射源做探伤，担心放射性泄漏", town="taihe").subject

    assert [r.topic for r in outbox(case_id)] == [topics.LIFECYCLE, "complaints.dispatch.emergency"]


def test_the_directory_is_listed_for_staff_with_names_from_routing(client, admin, auth):
    client.post("/api/v1/departments", json=NEW, headers=admin)

    for role in ("dispatcher", "supervisor", "operator", "admin"):
        response = client.get("/api/v1/departments", headers=auth(role, "ecology_env"))
        assert response.status_code == 200
    body = response.json()
    assert body["count"] == 41
    assert {"code": "emergency", "name": "区应急管理局", "kind": "district", "active": True,
            "topic": "complaints.dispatch.emergency"} in body["departments"]
    assert client.get("/api/v1/departments", headers=auth("citizen")).status_code == 403
    assert client.get("/api/v1/departments").status_code == 401


def test_renaming_a_department_renames_it_in_the_views_and_is_published(client, admin, auth, receive, outbox):
    case_id = receive().subject  # housing_construction
    before = len(published(outbox))

    response = client.patch("/api/v1/departments/housing_construction", json={"name": "区住房和城乡建设委员会"},
                            headers=admin)

    assert response.status_code == 200 and response.json()["name"] == "区住房和城乡建设委员会"
    [directory_now] = published(outbox)[before:]
    assert DepartmentEntry(code="housing_construction", name="区住房和城乡建设委员会", kind="district") \
        in directory_now.departments
    detail = client.get(f"/api/v1/cases/{case_id}", headers=auth("supervisor")).json()
    assert detail["department_name"] == "区住房和城乡建设委员会"


def test_a_switched_off_department_takes_no_new_cases_and_loses_its_topic_at_start(
        client, admin, auth, receive, runtime):
    case_id = receive(content="你好，我想反映一个情况，请尽快联系我").subject

    off = client.patch("/api/v1/departments/forestry", json={"active": False}, headers=admin)
    assigned = client.post(f"/api/v1/cases/{case_id}/assign", json={"department": "forestry", "category": "ecology"},
                           headers=auth("supervisor"))

    assert off.status_code == 200 and off.json()["active"] is False
    assert assigned.status_code == 422
    assert topics.dispatch("forestry") not in runtime.topics()
    assert topics.dispatch("ecology_env") in runtime.topics()


def test_updating_departments_is_for_admins_and_known_codes(client, admin, auth):
    assert client.patch("/api/v1/departments/forestry", json={"active": False},
                        headers=auth("supervisor")).status_code == 403
    assert client.patch("/api/v1/departments/nowhere", json={"active": False}, headers=admin).status_code == 404
    assert client.patch("/api/v1/departments/forestry", json={"active": "maybe"}, headers=admin).status_code == 422


# --- the CLI --------------------------------------------------------------------------------------


def test_the_cli_adds_and_lists_departments(database_url, engine, monkeypatch, capsys, outbox):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("EVENT_BUS", "db")
    before = len(published(outbox))

    added = cli.main(["departments", "add", "emergency", "--name", "区应急管理局"])
    again = cli.main(["departments", "add", "emergency", "--name", "区应急管理局"])
    bad = cli.main(["departments", "add", "Bad-Code", "--name", "某部门", "--kind", "town"])
    listed = cli.main(["departments", "list"])

    out, err = capsys.readouterr()
    assert (added, again, bad, listed) == (0, 1, 1, 0)
    assert err.count("error: ") == 2
    assert '"code": "emergency"' in out and "区应急管理局" in out
    assert len(published(outbox)) == before + 1

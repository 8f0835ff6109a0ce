"""A department added at run time is a department everywhere: routing routes to it and gives it a
queue, intake names it to the citizen, notify names it in the alerts, and its dispatcher can work."""

from __future__ import annotations

from datetime import timedelta

NEW = {"code": "noise_office", "name": "区噪声污染防治办公室", "kind": "district"}
UNCLEAR = {"content": "我家附近最近总有些情况，希望有人来看一看"}


def test_an_admin_adds_a_department_and_every_service_knows_it(system):
    admin, supervisor = system.login("admin"), system.login("supervisor")
    created = system.client.post("/api/v1/departments", json=NEW, headers=admin)
    assert created.status_code == 201, created.text
    system.drain()

    # intake now accepts a dispatcher account for it (its copy of the directory names it)
    added = system.client.get("/api/v1/departments", headers=supervisor).json()
    assert {"code": "noise_office", "name": "区噪声污染防治办公室"}.items() <= \
        next(d for d in added["departments"] if d["code"] == "noise_office").items()

    complaint = system.report(**UNCLEAR)
    system.drain()
    assigned = system.client.post(f"/api/v1/cases/{complaint['id']}/assign", headers=supervisor,
                                  json={"department": "noise_office", "category": "noise",
                                        "subcategory": "social_life"})
    assert assigned.status_code == 200, assigned.text
    system.drain()

    queue = system.client.get("/api/v1/queues/noise_office", headers=supervisor).json()
    assert [c["id"] for c in queue["cases"]] == [complaint["id"]]
    assert queue["department_name"] == "区噪声污染防治办公室"

    view = system.client.get(f"/api/v1/complaints/{complaint['tracking_code']}").json()
    assert view["department"] == "noise_office" and view["department_name"] == "区噪声污染防治办公室"
    assert any("区噪声污染防治办公室" in entry["text"] for entry in view["timeline"])

    system.clock.advance(timedelta(days=10))  # past every deadline: notify warns and escalates
    for runtime in system.runtimes.values():
        for worker in runtime.workers:
            worker.job()  # type: ignore[attr-defined]
    alerts = system.client.get("/api/v1/alerts?department=noise_office", headers=supervisor).json()["alerts"]
    assert alerts and {a["department_name"] for a in alerts} == {"区噪声污染防治办公室"}


def test_a_dispatcher_of_a_new_department_signs_in_and_works_its_queue(system):
    from services.intake.domain.commands import AddUser

    admin = system.login("admin")
    assert system.client.post("/api/v1/departments", json=NEW, headers=admin).status_code == 201
    system.drain()
    system.runtimes["intake"].bus.handle(AddUser(username="zhou.min", password="a-long-password", role="dispatcher",
                                                 department="noise_office", display_name="周敏"))
    dispatcher = system.login("zhou.min", "a-long-password")

    complaint = system.report(**UNCLEAR)
    system.drain()
    supervisor = system.login("supervisor")
    system.client.post(f"/api/v1/cases/{complaint['id']}/assign", headers=supervisor,
                       json={"department": "noise_office", "category": "noise", "subcategory": "social_life"})
    system.drain()

    assert system.client.get("/api/v1/queues/noise_office", headers=dispatcher).json()["count"] == 1
    assert system.client.get("/api/v1/queues/ecology_env", headers=dispatcher).status_code == 403
    accepted = system.client.post(f"/api/v1/cases/{complaint['id']}/accept", headers=dispatcher)
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"

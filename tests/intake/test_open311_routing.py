"""Open311 with the whole system: a request posted through Open311 is routed by routing, and the public
feed then names the handling department and its reply deadline as routing set them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from georeport import GeoReport
from sqlalchemy.engine import Engine

from services import composition
from services.intake.seed import DEMO_API_KEY
from tests import templates
from tests.intake.test_open311 import V2
from tests.pg import PostgresServer
from tests.processes import serve_in_thread

PHONE = "13912345678"


def _migrate_all(engine: Engine) -> None:
    composition.migrate(engine)
    composition.seed(engine)


# tests/intake/conftest.py migrates intake alone; the `system` fixture needs every service's tables.
@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return templates.sqlite_template(tmp_path_factory, "open311_system_template", _migrate_all)


@pytest.fixture(scope="session")
def postgres_template(postgres_server: PostgresServer) -> str:
    return templates.postgres_template(postgres_server, "open311_system_template", _migrate_all)


def test_a_request_posted_through_open311_is_routed_and_its_agency_and_deadline_are_shown(system):
    posted = system.client.post(f"{V2}/requests.json", data={
        "api_key": DEMO_API_KEY, "service_code": "noise.construction", "phone": PHONE, "first_name": "五",
        "last_name": "王", "description": "合阳城街道某工地凌晨两点还在打桩，噪音太大",
        "address_string": "合阳城街道南屏路88号"})
    assert posted.status_code == 201, posted.text
    [created] = posted.json()
    code = created["service_request_id"]
    system.drain()

    dispatcher = system.login("dispatcher-housing_construction")
    queue = system.client.get("/api/v1/queues/housing_construction", headers=dispatcher).json()
    case = next(c for c in queue["cases"] if c["tracking_code"] == code)
    with serve_in_thread(system.app) as base:
        client = GeoReport(base + V2)
        found = client.get_service_request(code)
        assert found["agency_responsible"] == "区住房城乡建委"
        assert found["expected_datetime"] is not None
        assert datetime.fromisoformat(found["expected_datetime"]) == datetime.fromisoformat(case["reply_due"])
        assert (found["status"], found["status_notes"]) == ("open", "已交办")
        assert (found["service_code"], found["service_name"]) == ("noise.construction", "建筑施工噪声")

        assert system.client.post(f"/api/v1/cases/{case['id']}/accept", headers=dispatcher).status_code == 200
        system.drain()
        accepted = client.get_service_requests(service_request_id=code)
        assert [(r["status"], r["status_notes"]) for r in accepted] == [("open", "办理中")]
    for body in (system.client.get(f"{V2}/requests.json").text, system.client.get(f"{V2}/requests.xml").text):
        assert code in body and PHONE not in body and "王五" not in body

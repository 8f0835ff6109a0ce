"""Department names come from routing's directory (DepartmentsChangedV1), not from constants."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.app import create_app
from services.notify.adapters.tables import DepartmentNameRow
from services.notify.domain.notifications import department_recipient
from shared.auth import Principal, issue_token
from shared.clock import SystemClock
from shared.eventbus.dblog import DbLogBus
from tests.notify.conftest import SETTINGS
from tests.notify.factories import NAMES, T0, accepted, assigned, departments

HOUR = timedelta(hours=1)
SUPERVISOR = {"Authorization": "Bearer " + issue_token(Principal("sup", "supervisor"), key=SETTINGS.jwt_key,
                                                       now=SystemClock().now(), ttl=timedelta(hours=1))}


@pytest.fixture
def client(runtime, engine, clock):
    with TestClient(create_app([runtime], DbLogBus(engine, clock), [engine], start_workers=False)) as client:
        yield client


def stored(engine) -> dict[str, tuple[str, bool]]:
    with Session(engine) as session:
        return {r.code: (r.name, r.active) for r in session.scalars(select(DepartmentNameRow))}


def overdue_case_of(feed, sweep, clock, department: str) -> None:
    feed(assigned("c1", department=department, assigned_at=T0, reply_due=T0 + 96 * HOUR))
    feed(accepted("c1", T0 + HOUR, department=department))
    clock.set(T0 + 80 * HOUR)
    sweep()


def test_a_snapshot_replaces_the_directory_unless_an_older_one_arrives_late(feed, engine):
    feed(departments(*NAMES, revision=2, at=T0))
    assert stored(engine)["ecology_env"] == ("区生态环境局", True) and len(stored(engine)) == 3
    feed(departments(("ecology_env", "区生态环境局"), ("noise_office", "区噪声办"), revision=3, at=T0 - HOUR))
    # a higher revision wins even with an earlier time (a routing replica whose clock is behind)
    assert stored(engine) == {"ecology_env": ("区生态环境局", True), "noise_office": ("区噪声办", True)}
    feed(departments(("ecology_env", "旧名"), revision=1, at=T0 + HOUR))  # delivered late: a lower revision
    assert stored(engine)["ecology_env"] == ("区生态环境局", True)
    feed(departments(("noise_office", "区噪声办"), revision=3, at=T0, active=False))  # the same revision: taken
    assert stored(engine) == {"noise_office": ("区噪声办", False)}


def test_a_new_department_named_by_routing_shows_in_the_alerts_and_the_messages(
        feed, sweep, clock, notifier, client):
    feed(departments(*NAMES))
    feed(departments(*NAMES, ("noise_office", "区噪声污染防治办公室"), at=T0 + HOUR))
    overdue_case_of(feed, sweep, clock, "noise_office")

    [alert] = client.get("/api/v1/alerts", headers=SUPERVISOR).json()["alerts"]
    assert (alert["department"], alert["department_name"]) == ("noise_office", "区噪声污染防治办公室")
    [message] = notifier.to(department_recipient("noise_office"), cause="alert")
    assert "请区噪声污染防治办公室抓紧办理" in message


def test_a_department_routing_has_not_named_is_shown_by_its_code(feed, sweep, clock, notifier, client):
    overdue_case_of(feed, sweep, clock, "noise_office")
    [alert] = client.get("/api/v1/alerts", headers=SUPERVISOR).json()["alerts"]
    assert alert["department_name"] == "noise_office"
    assert "请noise_office抓紧办理" in notifier.to(department_recipient("noise_office"), cause="alert")[0]
    groups = client.get("/api/v1/metrics/sla", params={"group_by": "department"}, headers=SUPERVISOR).json()["groups"]
    assert [(g["key"], g["name"]) for g in groups] == [("noise_office", "noise_office")]

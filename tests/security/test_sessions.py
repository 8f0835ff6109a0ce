"""3. Sessions end: deactivation, a new password and sign-out refuse the old tokens in every service."""

from __future__ import annotations

from sqlalchemy import text

from services.intake.domain import commands as c
from tests.system import EmbeddedSystem

# A route of each service that needs a signed-in supervisor.
INTAKE = "/api/v1/channels/hotline/history?caller=13800001111"
ROUTING = "/api/v1/triage"
NOTIFY = "/api/v1/alerts"


def statuses(system: EmbeddedSystem, headers: dict[str, str]) -> list[int]:
    return [system.client.get(path, headers=headers).status_code for path in (INTAKE, ROUTING, NOTIFY)]


def test_a_deactivated_users_token_is_refused_by_intake_routing_and_notify(system):
    supervisor = system.login("supervisor")
    assert statuses(system, supervisor) == [200, 200, 200]
    system.runtimes["intake"].bus.handle(c.DeactivateUser("supervisor"))
    assert statuses(system, supervisor) == [401, 401, 401]
    assert system.client.post("/api/v1/auth/refresh", headers=supervisor).status_code == 401


def test_routing_and_notify_learn_of_ended_sessions_from_intakes_event_not_its_tables(system):
    supervisor = system.login("supervisor")
    system.runtimes["intake"].bus.handle(c.DeactivateUser("supervisor"))
    with system.engine.begin() as conn:  # as in a database of their own, which intake never writes
        conn.execute(text("DELETE FROM auth_ended_sessions"))
    assert statuses(system, supervisor)[1:] == [200, 200]
    system.drain()  # SessionsEndedV1 reaches routing's and notify's consumers
    assert statuses(system, supervisor)[1:] == [401, 401]
    with system.engine.connect() as conn:
        groups = set(conn.execute(text("SELECT group_id FROM event_inbox")).scalars())
    assert {"routing", "notify"} <= groups


def test_a_new_password_ends_the_sessions_opened_with_the_old_one(system):
    supervisor = system.login("supervisor")
    system.runtimes["intake"].bus.handle(c.SetPassword("supervisor", "a-brand-new-password"))
    assert statuses(system, supervisor) == [401, 401, 401]
    assert statuses(system, system.login("supervisor", "a-brand-new-password")) == [200, 200, 200]


def test_refresh_gives_a_working_token_and_logout_ends_every_token_of_the_session(system):
    supervisor = system.login("supervisor")
    refreshed = system.client.post("/api/v1/auth/refresh", headers=supervisor)
    assert refreshed.status_code == 200 and refreshed.json()["role"] == "supervisor"
    renewed = {"Authorization": f"Bearer {refreshed.json()['access_token']}"}
    assert statuses(system, renewed) == [200, 200, 200]

    assert system.client.post("/api/v1/auth/logout", headers=renewed).status_code == 204
    assert statuses(system, supervisor) == [401, 401, 401]
    assert statuses(system, renewed) == [401, 401, 401]
    assert system.client.post("/api/v1/auth/logout", headers=renewed).status_code == 401
    assert statuses(system, system.login("supervisor")) == [200, 200, 200]  # signing in again works

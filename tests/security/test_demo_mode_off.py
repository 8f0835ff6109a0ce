"""1. A database seeded in demo mode opens no demo way in once DEMO_MODE is off."""

from __future__ import annotations

from services import composition
from services.intake.domain import commands as c
from tests.system import EmbeddedSystem

TOKEN = "/api/v1/auth/token"
APP_REPORT = {"channel": "app", "content": "工地夜间施工噪音很大，影响休息", "town": "合阳城街道"}


def sign_in(system: EmbeddedSystem, username: str, password: str = "demo") -> int:
    return system.client.post(TOKEN, data={"username": username, "password": password}).status_code


def test_turning_demo_mode_off_shuts_out_every_demo_account_and_the_demo_key(engine, clock, monkeypatch, production):
    monkeypatch.setenv("DEMO_MODE", "true")
    demo = EmbeddedSystem(engine, clock)  # the database was seeded in demo mode
    assert sign_in(demo, "supervisor") == 200
    assert demo.client.post("/api/v1/complaints", json=APP_REPORT, headers={"X-API-Key": "demo-key"}).status_code == 201
    demo.client.close()

    monkeypatch.setenv("DEMO_MODE", "false")  # restarted with the production settings, not seeded again yet
    off = EmbeddedSystem(engine, clock)
    assert not off.settings["intake"].demo_mode
    assert sign_in(off, "supervisor") == 401
    assert sign_in(off, "dispatcher-housing_construction") == 401
    refused = off.client.post("/api/v1/complaints", json=APP_REPORT, headers={"X-API-Key": "demo-key"})
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthorized"
    off.client.close()


def test_seeding_without_demo_mode_deactivates_the_demo_accounts_and_revokes_the_demo_key(engine, clock, monkeypatch,
                                                                                             production):
    monkeypatch.setenv("DEMO_MODE", "true")
    demo = EmbeddedSystem(engine, clock)
    intake = demo.runtimes["intake"].bus
    intake.handle(c.SetPassword("admin", "a-real-long-password"))  # a demo name given a real password: kept
    demo.client.close()

    monkeypatch.setenv("DEMO_MODE", "false")
    settings = composition.load_settings(composition.SERVICE_NAMES)
    composition.seed(engine, ("intake",), clock=clock, settings=settings)
    composition.seed(engine, ("intake",), clock=clock, settings=settings)  # again: nothing more to do

    off = EmbeddedSystem(engine, clock)
    users = {u.username: u.active for u in off.runtimes["intake"].bus.handle(c.ListUsers())}
    assert not users["supervisor"] and not users["operator"] and not users["grid-taihe"]
    assert not any(active for name, active in users.items() if name.startswith("dispatcher-"))
    assert users["admin"] and sign_in(off, "admin", "a-real-long-password") == 200
    keys = off.runtimes["intake"].bus.handle(c.ListApiKeys())
    assert [k.active for k in keys if k.name.startswith("demo")] == [False]
    off.client.close()

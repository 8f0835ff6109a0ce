"""`complaints users ...` and `complaints apikeys ...`: the CLI runs intake's admin commands on its bus."""

import json

import pytest
from sqlalchemy import text

from services.cli import main
from tests.intake.conftest import EXAMPLE, directory

APP = {**EXAMPLE, "channel": "app"}


@pytest.fixture
def cli_env(monkeypatch, database_url):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("COMPLAINTS_PASSWORD", "a-long-password-1")
    return database_url


def test_an_administrator_adds_a_dispatcher_who_can_then_log_in(cli_env, intake, capsys):
    intake.deliver(directory(intake.clock.now()))  # routing's directory names town_taihe
    assert main(["users", "add", "li.dispatcher", "--role", "dispatcher", "--department", "town_taihe"]) == 0
    response = intake.client.post("/api/v1/auth/token",
                                  data={"username": "li.dispatcher", "password": "a-long-password-1"})
    assert response.status_code == 200 and response.json()["department"] == "town_taihe"
    assert main(["users", "deactivate", "li.dispatcher"]) == 0
    assert intake.client.post("/api/v1/auth/token", data={"username": "li.dispatcher",
                                                          "password": "a-long-password-1"}).status_code == 401
    capsys.readouterr()
    assert main(["users", "list"]) == 0
    users = {u["username"]: u for u in json.loads(capsys.readouterr().out)}
    assert users["li.dispatcher"] == {"username": "li.dispatcher", "role": "dispatcher", "department": "town_taihe",
                                      "town": None, "active": False}


def test_a_dispatcher_without_a_department_or_an_unknown_one_is_refused(cli_env, intake, capsys):
    intake.deliver(directory(intake.clock.now()))
    assert main(["users", "add", "x", "--role", "dispatcher"]) == 1
    assert "error: a dispatcher needs --department" in capsys.readouterr().err
    assert main(["users", "add", "x", "--role", "dispatcher", "--department", "mars"]) == 1
    assert "error: unknown department 'mars'" in capsys.readouterr().err
    assert main(["users", "deactivate", "nobody"]) == 1
    assert "error: no user 'nobody'" in capsys.readouterr().err


def test_before_routing_has_sent_its_directory_no_dispatcher_can_be_added(cli_env, capsys):
    assert main(["users", "add", "x", "--role", "dispatcher", "--department", "town_taihe"]) == 1
    assert "unknown department 'town_taihe'" in capsys.readouterr().err


def test_an_api_key_is_shown_once_and_stored_only_as_a_hash(cli_env, engine, capsys):
    assert main(["apikeys", "add", "--name", "call centre"]) == 0
    key = capsys.readouterr().out.strip()
    assert len(key) > 30
    with engine.connect() as conn:
        stored = [row[0] for row in conn.execute(text("SELECT key_hash FROM intake_api_keys"))]
    assert key not in stored and len(stored) == 2  # the demo key and this one


def test_api_keys_are_listed_without_the_key_and_a_revoked_one_is_refused(cli_env, intake, capsys):
    assert main(["apikeys", "add", "--name", "call centre"]) == 0
    key = capsys.readouterr().out.strip()
    assert intake.client.post("/api/v1/complaints", json=APP, headers={"X-API-Key": key}).status_code == 201
    assert main(["apikeys", "list"]) == 0
    out = capsys.readouterr().out
    listed = json.loads(out)
    assert key not in out and all(set(k) == {"id", "name", "active", "created_at"} for k in listed)
    [mine] = [k for k in listed if k["name"] == "call centre"]
    assert mine["active"]
    assert main(["apikeys", "revoke", str(mine["id"])]) == 0
    assert f"revoked API key {mine['id']}" in capsys.readouterr().out
    refused = intake.client.post("/api/v1/complaints", json=APP, headers={"X-API-Key": key})
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthorized"
    assert main(["apikeys", "list"]) == 0
    assert not next(k for k in json.loads(capsys.readouterr().out) if k["id"] == mine["id"])["active"]


def test_apikeys_commands_say_what_they_miss(cli_env, capsys):
    assert main(["apikeys", "add"]) == 2
    assert "--name" in capsys.readouterr().err
    assert main(["apikeys", "revoke"]) == 2
    assert main(["apikeys", "revoke", "424242"]) == 1
    assert "error: " in capsys.readouterr().err

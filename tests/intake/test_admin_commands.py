"""Staff accounts without DEMO_MODE: `complaints users ...` creates them; login works with them."""

import pytest

from services.cli import main


@pytest.fixture
def cli_env(monkeypatch, database_url):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("COMPLAINTS_PASSWORD", "a-long-password-1")
    return database_url


def test_an_administrator_adds_a_dispatcher_who_can_then_log_in(cli_env, system, capsys):
    assert main(["users", "add", "li.dispatcher", "--role", "dispatcher", "--department", "town_taihe"]) == 0
    response = system.client.post("/api/v1/auth/token",
                                  data={"username": "li.dispatcher", "password": "a-long-password-1"})
    assert response.status_code == 200 and response.json()["department"] == "town_taihe"
    assert main(["users", "deactivate", "li.dispatcher"]) == 0
    assert system.client.post("/api/v1/auth/token", data={"username": "li.dispatcher",
                                                          "password": "a-long-password-1"}).status_code == 401


def test_a_dispatcher_without_a_department_or_an_unknown_one_is_refused(cli_env, capsys):
    assert main(["users", "add", "x", "--role", "dispatcher"]) == 1
    assert main(["users", "add", "x", "--role", "dispatcher", "--department", "mars"]) == 1
    assert "unknown department" in capsys.readouterr().err


def test_an_api_key_is_shown_once_and_stored_only_as_a_hash(cli_env, capsys):
    assert main(["apikeys", "add", "--name", "call centre"]) == 0
    key = capsys.readouterr().out.strip()
    assert len(key) > 30
    from sqlalchemy import create_engine, text

    engine = create_engine(cli_env)
    with engine.connect() as conn:
        stored = [row[0] for row in conn.execute(text("SELECT key_hash FROM intake_api_keys"))]
    engine.dispose()
    assert key not in stored and len(stored) == 2  # the demo key and this one

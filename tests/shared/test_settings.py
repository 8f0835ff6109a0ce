import pytest
from pydantic import ValidationError

from shared.settings import DEMO_JWT_SECRET, CommonSettings


def test_production_refuses_to_start_without_secrets(monkeypatch):
    monkeypatch.delenv("DEMO_MODE", raising=False)
    with pytest.raises(ValidationError, match="JWT_SECRET, ENCRYPTION_KEY must be set"):
        CommonSettings()


def test_production_refuses_the_demo_secrets(monkeypatch):
    monkeypatch.delenv("DEMO_MODE", raising=False)
    with pytest.raises(ValidationError, match="demo secrets are refused"):
        CommonSettings(jwt_secret=DEMO_JWT_SECRET, encryption_key="x" * 44)


def test_demo_mode_runs_on_the_known_demo_secrets():
    settings = CommonSettings(demo_mode=True)
    assert settings.jwt_key == DEMO_JWT_SECRET


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("EVENT_BUS", "kafka")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "k1:9092,k2:9092")
    settings = CommonSettings(demo_mode=True)
    assert settings.event_bus == "kafka" and settings.kafka_bootstrap_servers == "k1:9092,k2:9092"


def test_an_unknown_event_bus_is_refused(monkeypatch):
    monkeypatch.setenv("EVENT_BUS", "carrier-pigeon")
    with pytest.raises(ValidationError):
        CommonSettings(demo_mode=True)

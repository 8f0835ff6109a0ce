"""6. Dates far off are refused (422, not a 500), and no log line carries complaint text or personal data."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from shared.logging import JsonFormatter, describe_exception

REPORT = {"channel": "web", "content": "合阳城街道某工地凌晨两点还在打桩，噪音太大", "town": "合阳城街道"}


@pytest.mark.parametrize("occurred_at", ["0001-01-01T00:00:00", "0001-01-01T00:00:00+08:00", "1999-12-31T23:59:00",
                                         "9999-12-31T23:59:59", "9999-12-31T23:59:59-12:00"])
def test_an_occurrence_long_ago_or_far_ahead_is_refused_with_a_clear_message(system, occurred_at):
    refused = system.client.post("/api/v1/complaints", json={**REPORT, "occurred_at": occurred_at})
    assert refused.status_code == 422, refused.text
    assert "occurred_at" in refused.json()["error"]["message"]


def test_a_recent_occurrence_is_taken(system):
    assert system.client.post("/api/v1/complaints", json={**REPORT, "occurred_at": "2026-11-25T22:30:00"}
                              ).status_code == 201


def logged_text(records: list[logging.LogRecord]) -> str:
    """Everything the records would print: messages, tracebacks, and the JSON lines of production."""
    plain, structured = logging.Formatter("%(message)s"), JsonFormatter()
    return "\n".join(plain.format(r) + structured.format(r) for r in records)


def test_a_failing_statement_logs_neither_the_complaint_text_nor_the_reporter(system, caplog):
    secret_text = "举报人说化工厂老板张某某深夜偷排废水-唯一标记7731"
    with system.engine.begin() as conn:  # the next insert of a complaint fails in the database
        conn.execute(text("ALTER TABLE intake_complaints RENAME TO intake_complaints_gone"))
    client = TestClient(system.app, raise_server_exceptions=False)
    with caplog.at_level(logging.INFO):
        failed = client.post("/api/v1/complaints", json={**REPORT, "content": secret_text,
                                                          "reporter": {"name": "王小明", "phone": "13877776666"}})
    assert failed.status_code == 500 and failed.json()["error"]["code"] == "internal"
    logged = logged_text(caplog.records)
    assert "unhandled error" in logged
    for personal in ("唯一标记7731", "王小明", "13877776666"):
        assert personal not in logged


def test_a_database_error_names_the_statement_but_never_its_values(engine):
    """Consumers log a failed event's error and park it with its text: a statement's values stay out."""
    with pytest.raises(DBAPIError) as failed, engine.begin() as conn:
        conn.execute(text("INSERT INTO no_such_table (content) VALUES (:content)"), {"content": "唯一标记7731"})
    assert "no_such_table" in str(failed.value) and "唯一标记7731" not in str(failed.value)


def test_the_json_logs_name_an_exception_and_where_it_was_raised_but_not_its_message():
    def fail() -> None:
        try:
            raise KeyError("13877776666")
        except KeyError as exc:
            raise ValueError("Key (phone)=(13877776666) already exists") from exc

    with pytest.raises(ValueError) as raised:
        fail()
    described = describe_exception(raised.value)
    assert "ValueError" in described and "KeyError" in described and "in fail" in described
    assert "13877776666" not in described
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None,
                               (ValueError, raised.value, raised.value.__traceback__))
    line = json.loads(JsonFormatter().format(record))
    assert "13877776666" not in json.dumps(line, ensure_ascii=False) and "ValueError" in line["exc"]

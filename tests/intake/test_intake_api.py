"""Intake's HTTP contract: validation, idempotency, the citizen view, ratings, login."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from services.intake.adapters.tables import ComplaintRow
from shared.contracts import topics
from shared.eventbus.tables import OutboxRecord

EXAMPLE = {"channel": "web", "content": "合阳城街道某工地凌晨两点还在打桩，噪音太大", "town": "合阳城街道"}


def counts(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        complaints = conn.execute(select(func.count()).select_from(ComplaintRow)).scalar_one()
        events = conn.execute(select(func.count()).select_from(OutboxRecord)).scalar_one()
    return complaints, events


def test_a_report_gets_a_tracking_code_at_once_and_its_event_in_the_same_transaction(system):
    response = system.client.post("/api/v1/complaints", json=EXAMPLE)
    assert response.status_code == 201
    body = response.json()
    assert body["tracking_code"].startswith("HC") and body["status"] == "received"
    with system.engine.connect() as conn:
        row = conn.execute(select(OutboxRecord).where(OutboxRecord.key == body["id"])).one()
    assert row.topic == topics.RECEIVED
    data = json.loads(row.payload)
    assert data["type"].endswith("complaint.received.v1") and data["data"]["town"] == "heyangcheng"


def test_bad_input_gets_a_clear_4xx_and_writes_nothing(system):
    before = counts(system.engine)
    cases = [
        ({"content": "太吵了太吵了"}, 422),  # channel missing
        ({"channel": "web"}, 422),  # content missing
        ({"channel": "web", "content": "吵"}, 422),  # too short
        ({"channel": "web", "content": "吵" * 5001}, 422),
        ({**EXAMPLE, "town": "火星镇"}, 422),
        ({**EXAMPLE, "category": "noise", "subcategory": "spaceship"}, 422),
        ({**EXAMPLE, "category": "volcano"}, 422),
        ({**EXAMPLE, "urgent": "yes"}, 422),
        ({**EXAMPLE, "lat": "north"}, 422),
        ({**EXAMPLE, "content": 12345}, 422),
        ({**EXAMPLE, "channel": "fax"}, 422),
        ({**EXAMPLE, "reporter": {"phone": "12"}}, 422),
        ({**EXAMPLE, "surprise": 1}, 422),
    ]
    for body, status in cases:
        response = system.client.post("/api/v1/complaints", json=body)
        assert response.status_code == status, (body, response.text)
        error = response.json()["error"]
        assert error["code"] and error["message"], response.text
    assert system.client.post("/api/v1/complaints", content=b"{not json",
                              headers={"content-type": "application/json"}).status_code == 400
    assert system.client.post("/api/v1/complaints", content=b"content=x",
                              headers={"content-type": "text/plain"}).status_code == 415
    huge = json.dumps({**EXAMPLE, "address": "x" * 400_000})
    assert system.client.post("/api/v1/complaints", content=huge,
                              headers={"content-type": "application/json"}).status_code == 413
    assert counts(system.engine) == before


def test_the_error_message_names_the_field_in_chinese_and_english(system):
    error = system.client.post("/api/v1/complaints", json={**EXAMPLE, "town": "火星镇"}).json()["error"]
    assert "火星镇" in error["message"] and "unknown town" in error["message"]


def test_an_idempotency_key_replay_returns_the_same_complaint_once(system):
    headers = {"Idempotency-Key": "app-7f3a"}
    first = system.client.post("/api/v1/complaints", json=EXAMPLE, headers=headers)
    again = system.client.post("/api/v1/complaints", json=EXAMPLE, headers=headers)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["tracking_code"] == first.json()["tracking_code"]
    other = system.client.post("/api/v1/complaints", json={**EXAMPLE, "content": "另一件事情，河里有死鱼"},
                               headers=headers)
    assert other.status_code == 409
    assert counts(system.engine)[0] == 1


def test_personal_data_is_encrypted_at_rest_and_masked_in_events(system):
    code = system.report(**EXAMPLE, reporter={"name": "李四", "phone": "13812341234"})["tracking_code"]
    with system.engine.connect() as conn:
        row = conn.execute(select(ComplaintRow).where(ComplaintRow.tracking_code == code)).one()
        payload = conn.execute(select(OutboxRecord.payload)).scalar_one()
    assert "13812341234" not in row.reporter_phone_enc and "李四" not in row.reporter_name_enc
    assert "138****1234" in payload and "13812341234" not in payload and "李四" not in payload


def test_the_citizen_view_is_found_by_code_and_hidden_behind_a_wrong_phone_check(system):
    code = system.report(**EXAMPLE, reporter={"phone": "13812341234"})["tracking_code"]
    view = system.client.get(f"/api/v1/complaints/{code}")
    assert view.status_code == 200 and view.json()["status_label"] == "已受理"
    assert "13812341234" not in view.text
    assert system.client.get(f"/api/v1/complaints/{code}?phone_last4=1234").status_code == 200
    assert system.client.get(f"/api/v1/complaints/{code}?phone_last4=9999").status_code == 404
    assert system.client.get("/api/v1/complaints/HC000000-AAAAAA").status_code == 404


def test_a_complaint_without_a_reply_cannot_be_rated(system):
    code = system.report(**EXAMPLE)["tracking_code"]
    response = system.client.post(f"/api/v1/complaints/{code}/rating", json={"rating": "satisfied"})
    assert response.status_code == 409
    bad = system.client.post(f"/api/v1/complaints/{code}/rating", json={"rating": "meh"})
    assert bad.status_code == 422


def test_login_gives_a_token_and_a_wrong_password_does_not(system):
    ok = system.client.post("/api/v1/auth/token", data={"username": "dispatcher-housing_construction",
                                                        "password": "demo"})
    assert ok.status_code == 200
    assert ok.json()["role"] == "dispatcher" and ok.json()["department"] == "housing_construction"
    wrong = system.client.post("/api/v1/auth/token", data={"username": "supervisor", "password": "nope"})
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "unauthorized"


def test_control_characters_are_dropped_and_do_not_count_towards_the_length(system):
    only_nul = system.client.post("/api/v1/complaints", json={"channel": "web", "content": "\u0000" * 8})
    assert only_nul.status_code == 422 and "at least 5" in only_nul.json()["error"]["message"]
    accepted = system.report(channel="web", content="工地\u0000夜间施工太吵", address="合阳\u0000大道 1 号")
    code = accepted["tracking_code"]
    view = system.client.get(f"/api/v1/complaints/{code}").json()
    assert view["content"] == "工地夜间施工太吵"


def test_a_time_without_a_zone_is_read_as_chongqing_time_and_a_future_one_is_refused(system):
    now = system.clock.now()
    naive_past = (now.replace(tzinfo=None) - timedelta(hours=1)).isoformat()
    assert system.client.post("/api/v1/complaints", json={**EXAMPLE, "occurred_at": naive_past}).status_code == 201
    naive_future = (now.replace(tzinfo=None) + timedelta(hours=2)).isoformat()
    future = system.client.post("/api/v1/complaints", json={**EXAMPLE, "occurred_at": naive_future})
    assert future.status_code == 422 and "future" in future.json()["error"]["message"]

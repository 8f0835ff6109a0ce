"""Intake's HTTP contract: validation, API keys, idempotency, the citizen view, ratings, login."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from services.intake.adapters.tables import ComplaintRow
from services.intake.domain import commands as c
from services.intake.seed import DEMO_API_KEY
from shared.contracts import events as ev
from shared.contracts import topics
from shared.contracts.topics import REFERENCE
from shared.eventbus.tables import OutboxRecord
from tests.intake.conftest import EXAMPLE, directory

APP = {**EXAMPLE, "channel": "app"}


def counts(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        complaints = conn.execute(select(func.count()).select_from(ComplaintRow)).scalar_one()
        events = conn.execute(select(func.count()).select_from(OutboxRecord)  # the seeded articles' aside
                              .where(OutboxRecord.topic != REFERENCE)).scalar_one()
    return complaints, events


def test_a_report_gets_a_tracking_code_at_once_and_its_event_in_the_same_transaction(intake):
    response = intake.client.post("/api/v1/complaints", json=EXAMPLE)
    assert response.status_code == 201
    body = response.json()
    assert body["tracking_code"].startswith("HC") and body["status"] == "received"
    assert body["received_at"] == intake.clock.now().isoformat()
    with intake.engine.connect() as conn:
        row = conn.execute(select(OutboxRecord).where(OutboxRecord.key == body["id"])).one()
    assert row.topic == topics.RECEIVED
    data = json.loads(row.payload)
    assert data["type"].endswith("complaint.received.v1") and data["data"]["town"] == "heyangcheng"


def test_the_app_channel_needs_an_active_api_key_and_the_website_does_not(intake):
    before = counts(intake.engine)
    missing = intake.client.post("/api/v1/complaints", json=APP)
    wrong = intake.client.post("/api/v1/complaints", json=APP, headers={"X-API-Key": "guessed"})
    for refused in (missing, wrong):
        assert refused.status_code == 401, refused.text
        error = refused.json()["error"]
        assert error["code"] == "unauthorized" and "X-API-Key" in error["message"]
    assert "密钥" in missing.json()["error"]["message"] and "app channel" in missing.json()["error"]["message"]
    assert "revoked" in wrong.json()["error"]["message"]
    assert counts(intake.engine) == before
    accepted = intake.client.post("/api/v1/complaints", json=APP, headers={"X-API-Key": DEMO_API_KEY})
    assert accepted.status_code == 201, accepted.text
    assert intake.client.post("/api/v1/complaints", json=EXAMPLE).status_code == 201


def test_a_revoked_key_is_refused(intake):
    issued = intake.bus.handle(c.AddApiKey("wechat mini program"))
    headers = {"X-API-Key": issued.key}
    assert intake.client.post("/api/v1/complaints", json=APP, headers=headers).status_code == 201
    intake.bus.handle(c.RevokeApiKey(issued.id))
    refused = intake.client.post("/api/v1/complaints", json=APP, headers=headers)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthorized"


def test_bad_input_gets_a_clear_4xx_and_writes_nothing(intake):
    before = counts(intake.engine)
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
        ({**EXAMPLE, "channel": "hotline"}, 422),  # a channel, but not one this endpoint takes
        ({**EXAMPLE, "channel": ["web"]}, 422),
        ({**EXAMPLE, "reporter": {"phone": "12"}}, 422),
        ({**EXAMPLE, "surprise": 1}, 422),
        ({**APP, "town": "火星镇"}, 422),  # validated before the key is asked for
    ]
    for body, status in cases:
        response = intake.client.post("/api/v1/complaints", json=body)
        assert response.status_code == status, (body, response.text)
        error = response.json()["error"]
        assert error["code"] and error["message"], response.text
    assert intake.client.post("/api/v1/complaints", content=b"{not json",
                              headers={"content-type": "application/json"}).status_code == 400
    assert intake.client.post("/api/v1/complaints", content=b"content=x",
                              headers={"content-type": "text/plain"}).status_code == 415
    huge = json.dumps({**EXAMPLE, "address": "x" * 400_000})
    assert intake.client.post("/api/v1/complaints", content=huge,
                              headers={"content-type": "application/json"}).status_code == 413
    assert counts(intake.engine) == before


def test_the_error_message_names_the_field_in_chinese_and_english(intake):
    error = intake.client.post("/api/v1/complaints", json={**EXAMPLE, "town": "火星镇"}).json()["error"]
    assert "火星镇" in error["message"] and "unknown town" in error["message"]
    channel = intake.client.post("/api/v1/complaints", json={**EXAMPLE, "channel": "hotline"}).json()["error"]
    assert channel["details"][0]["field"] == "channel"
    assert "渠道" in channel["message"] and "web, app" in channel["message"]


def test_an_idempotency_key_replay_returns_the_same_complaint_once(intake):
    headers = {"Idempotency-Key": "app-7f3a"}
    first = intake.client.post("/api/v1/complaints", json=EXAMPLE, headers=headers)
    again = intake.client.post("/api/v1/complaints", json=EXAMPLE, headers=headers)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json() == first.json()
    other = intake.client.post("/api/v1/complaints", json={**EXAMPLE, "content": "另一件事情，河里有死鱼"},
                               headers=headers)
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_reused"
    assert counts(intake.engine)[0] == 1


def test_personal_data_is_encrypted_at_rest_and_masked_in_events(intake):
    code = intake.report(reporter={"name": "李四", "phone": "13812341234"})["tracking_code"]
    with intake.engine.connect() as conn:
        row = conn.execute(select(ComplaintRow).where(ComplaintRow.tracking_code == code)).one()
        payload = conn.execute(select(OutboxRecord.payload).where(OutboxRecord.key == row.id)).scalar_one()
    assert "13812341234" not in row.reporter_phone_enc and "李四" not in row.reporter_name_enc
    assert "138****1234" in payload and "13812341234" not in payload and "李四" not in payload


def test_an_anonymous_reporter_keeps_no_name(intake):
    code = intake.report(reporter={"name": "李四", "phone": "13812341234", "anonymous": True})["tracking_code"]
    with intake.engine.connect() as conn:
        row = conn.execute(select(ComplaintRow).where(ComplaintRow.tracking_code == code)).one()
        data = json.loads(conn.execute(select(OutboxRecord.payload).where(OutboxRecord.key == row.id))
                          .scalar_one())["data"]
    assert row.reporter_name_enc is None and row.anonymous
    assert data["anonymous"] and data["reporter_name_masked"] is None


def test_the_citizen_view_needs_the_last_four_digits_when_the_reporter_gave_a_phone(intake):
    code = intake.report(reporter={"phone": "13812341234"})["tracking_code"]
    view = intake.client.get(f"/api/v1/complaints/{code}?phone_last4=1234")
    assert view.status_code == 200 and view.json()["status_label"] == "已受理"
    assert "13812341234" not in view.text
    without_digits = intake.client.get(f"/api/v1/complaints/{code}")
    wrong_digits = intake.client.get(f"/api/v1/complaints/{code}?phone_last4=9999")
    unknown = intake.client.get("/api/v1/complaints/HC261126-7KQ2XM4P?phone_last4=1234")
    old_style = intake.client.get("/api/v1/complaints/HC000000-AAAAAA")
    for refused in (without_digits, wrong_digits, unknown, old_style):
        assert refused.status_code == 404 and refused.json() == unknown.json()  # absence and refusal alike
    assert unknown.json()["error"]["code"] == "not_found"
    no_phone = intake.report()["tracking_code"]
    assert intake.client.get(f"/api/v1/complaints/{no_phone}").status_code == 200  # the code alone
    assert intake.client.get(f"/api/v1/complaints/{no_phone.lower()}").status_code == 200


def test_the_citizen_view_has_its_shape(intake):
    code = intake.report(category="noise", subcategory="construction")["tracking_code"]
    view = intake.view(code)
    assert list(view) == ["tracking_code", "status", "status_label", "received_at", "channel", "content",
                          "category", "subcategory", "type_label", "town", "town_name", "department",
                          "department_name", "reply", "replied_at", "reply_round", "rating", "can_rate", "timeline",
                          "attachments", "can_attach", "merged_with", "reply_photos"]
    assert view["type_label"] == "噪声 / 建筑施工噪声" and view["town_name"] == "合阳城街道"
    assert view["department"] is None and view["department_name"] is None and not view["can_rate"]
    assert view["timeline"] == [{"at": intake.clock.now().isoformat(), "status": "received",
                                 "text": f"投诉已受理，查询码 {code}"}]


def test_a_new_department_named_by_routing_appears_in_the_citizen_view(intake):
    received = intake.report()
    now = intake.clock.now()
    assigned = ev.CaseAssignedV1(
        complaint_id=received["id"], tracking_code=received["tracking_code"], department="river_office",
        category="water", received_at=now, assign_due=now, assigned_at=now, accept_due=now, return_due=now,
        reply_due=now, rule="rule-9", by="supervisor")
    intake.deliver(assigned)
    before = intake.view(received["tracking_code"])
    assert before["department"] == "river_office" and before["department_name"] == "river_office"  # not named yet
    assert before["timeline"][-1]["text"] == "已交办至river_office（水）"
    intake.deliver(directory(now, revision=2, river_office="区河长制办公室"))
    after = intake.view(received["tracking_code"])
    assert after["status"] == "assigned" and after["status_label"] == "已交办"
    assert after["department_name"] == "区河长制办公室"
    assert after["timeline"][-1]["text"] == "已交办至区河长制办公室（水）"


def test_a_complaint_without_a_reply_cannot_be_rated_and_a_replied_one_can(intake):
    received = intake.report(reporter={"phone": "13812341234"})
    code, token = received["tracking_code"], received["citizen_token"]
    response = intake.client.post(f"/api/v1/complaints/{code}/rating", json={"rating": "satisfied",
                                                                             "resolution": "resolved", "token": token})
    assert response.status_code == 409 and response.json()["error"] == {
        "code": "not_ratable", "message": "该投诉尚未回复，暂不能评价 / there is no reply to rate yet"}
    bad = intake.client.post(f"/api/v1/complaints/{code}/rating", json={"rating": "meh",
                                                                        "resolution": "resolved", "token": token})
    assert bad.status_code == 422
    now = intake.clock.now()
    intake.deliver(ev.CaseRepliedV1(complaint_id=received["id"], tracking_code=code, department="ecology_env",
                                    reply="已处理", replied_at=now, reply_due=now, reply_round=1, by="li"))
    assert intake.client.get(f"/api/v1/complaints/{code}?phone_last4=1234").json()["can_rate"]
    no_token = intake.client.post(f"/api/v1/complaints/{code}/rating", json={"rating": "satisfied",
                                                                             "resolution": "resolved"})
    assert no_token.status_code == 422 and no_token.json()["error"]["details"][0]["field"] == "token"
    digits_only = intake.client.post(f"/api/v1/complaints/{code}/rating",
                                     json={"rating": "satisfied", "resolution": "resolved", "phone_last4": "1234"})
    assert digits_only.status_code == 422  # the phone's digits no longer rate
    wrong = intake.client.post(f"/api/v1/complaints/{code}/rating", json={"rating": "satisfied",
                                                                          "resolution": "resolved", "token": "x" * 32})
    unknown = intake.client.post("/api/v1/complaints/HC261126-7KQ2XM4P/rating",
                                 json={"rating": "satisfied", "resolution": "resolved", "token": token})
    assert wrong.status_code == unknown.status_code == 404 and wrong.json() == unknown.json()
    rated = intake.client.post(f"/api/v1/complaints/{code}/rating", json={"rating": "satisfied",
                                                                          "resolution": "resolved", "token": token})
    assert rated.status_code == 201
    assert rated.json() == {"tracking_code": code, "rating": "satisfied", "resolution": "resolved", "reply_round": 1,
                            "status": "closed"}


def test_login_gives_a_token_and_a_wrong_password_does_not(intake):
    ok = intake.client.post("/api/v1/auth/token", data={"username": "dispatcher-housing_construction",
                                                        "password": "demo"})
    assert ok.status_code == 200
    assert ok.json()["role"] == "dispatcher" and ok.json()["department"] == "housing_construction"
    wrong = intake.client.post("/api/v1/auth/token", data={"username": "supervisor", "password": "nope"})
    assert wrong.status_code == 401 and wrong.json()["error"] == {
        "code": "unauthorized", "message": "用户名或密码错误 / wrong username or password"}


def test_control_characters_are_dropped_and_do_not_count_towards_the_length(intake):
    only_nul = intake.client.post("/api/v1/complaints", json={"channel": "web", "content": "\u0000" * 8})
    assert only_nul.status_code == 422 and "at least 5" in only_nul.json()["error"]["message"]
    accepted = intake.report(channel="web", content="工地\u0000夜间施工太吵", address="合阳\u0000大道 1 号")
    code = accepted["tracking_code"]
    assert intake.view(code)["content"] == "工地夜间施工太吵"


def test_a_time_without_a_zone_is_read_as_chongqing_time_and_a_future_one_is_refused(intake):
    now = intake.clock.now()
    naive_past = (now.replace(tzinfo=None) - timedelta(hours=1)).isoformat()
    assert intake.client.post("/api/v1/complaints", json={**EXAMPLE, "occurred_at": naive_past}).status_code == 201
    naive_future = (now.replace(tzinfo=None) + timedelta(hours=2)).isoformat()
    future = intake.client.post("/api/v1/complaints", json={**EXAMPLE, "occurred_at": naive_future})
    assert future.status_code == 422 and "future" in future.json()["error"]["message"]

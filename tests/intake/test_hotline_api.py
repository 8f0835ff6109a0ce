"""The hotline channel: the call centre reports calls (X-API-Key), operators ask for a caller's history."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from services.intake.adapters.tables import ChannelRefRow, ComplaintRow
from services.intake.seed import DEMO_API_KEY
from shared.eventbus.tables import OutboxRecord

KEY = {"X-API-Key": DEMO_API_KEY}
CALL = {"call_id": "CC-20261126-000123", "caller_number": "138 1234 1234",
        "content": "合阳城街道学士路 18 号旁的工地凌晨还在施工，噪音很大", "town": "合阳城街道",
        "address": "合阳城街道学士路 18 号", "category": "noise", "subcategory": "construction"}


def call(intake, headers=KEY, **changes):
    return intake.client.post("/api/v1/channels/hotline", json={**CALL, **changes}, headers=headers)


def complaints(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(ComplaintRow)).scalar_one()


def login(intake, username: str) -> dict[str, str]:
    response = intake.client.post("/api/v1/auth/token", data={"username": username, "password": "demo"})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_the_call_centre_needs_its_key(intake):
    missing = call(intake, headers={})
    wrong = call(intake, headers={"X-API-Key": "guessed"})
    assert missing.status_code == wrong.status_code == 401
    assert "hotline" in missing.json()["error"]["message"] and "X-API-Key" in wrong.json()["error"]["message"]
    assert complaints(intake.engine) == 0
    accepted = call(intake)
    assert accepted.status_code == 201, accepted.text
    body = accepted.json()
    assert list(body) == ["id", "tracking_code", "status", "received_at"]  # no citizen token for staff
    assert body["tracking_code"].startswith("HC261126-") and body["status"] == "received"


def test_the_same_call_id_returns_the_same_complaint_and_another_call_makes_another(intake):
    first = call(intake)
    again = call(intake, content="话务员重复提交了同一通电话，内容略有不同")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert call(intake, call_id="CC-20261126-000124").status_code == 201
    assert complaints(intake.engine) == 2
    with intake.engine.connect() as conn:
        refs = conn.execute(select(ChannelRefRow.channel, ChannelRefRow.ref).order_by(ChannelRefRow.ref)).all()
    assert refs == [("hotline", "CC-20261126-000123"), ("hotline", "CC-20261126-000124")]


def test_the_callers_number_is_encrypted_masked_for_staff_and_the_token_stays_inside(intake):
    accepted = call(intake, caller_number="+86 138-1234-1234").json()
    with intake.engine.connect() as conn:
        row = conn.execute(select(ComplaintRow)).one()
        [payload] = conn.execute(select(OutboxRecord.payload).where(OutboxRecord.key == row.id)).scalars()
    data = json.loads(payload)["data"]
    assert data["channel"] == "hotline" and data["reporter_phone_masked"] == "138****1234"
    assert "13812341234" not in payload and "13812341234" not in row.reporter_phone_enc
    assert row.phone_last4 == "1234" and len(row.reporter_phone_hmac) == 64 and row.citizen_token_hash
    assert "citizen_token" not in json.dumps(accepted) and "/r/" not in json.dumps(accepted)
    view = intake.client.get(f"/api/v1/complaints/{accepted['tracking_code']}?phone_last4=1234")
    assert view.status_code == 200 and view.json()["channel"] == "hotline"


@pytest.mark.parametrize("changes", [
    {"call_id": ""}, {"call_id": "x" * 129}, {"call_id": "CC 1"}, {"call_id": "CC\u00001"}, {"call_id": 17},
    {"caller_number": "12345"}, {"caller_number": "+1 415 555 0100"}, {"content": "吵"}, {"content": "吵" * 5001},
    {"town": "火星镇"}, {"category": "noise", "subcategory": "spaceship"}, {"subcategory": "construction",
                                                                           "category": None},
    {"urgent": "yes"}, {"surprise": True},
])
def test_a_bad_call_gets_a_422_and_writes_nothing(intake, changes):
    response = call(intake, **changes)
    assert response.status_code == 422, (changes, response.text)
    assert response.json()["error"]["message"]
    assert complaints(intake.engine) == 0


def test_a_call_without_a_number_or_place_is_still_taken(intake):
    body = {"call_id": "匿名-0001", "content": "河里有死鱼，很多很多，请派人看看"}
    response = intake.client.post("/api/v1/channels/hotline", json=body, headers=KEY)
    assert response.status_code == 201, response.text
    assert intake.client.get(f"/api/v1/complaints/{response.json()['tracking_code']}").status_code == 200


def test_operators_find_a_callers_earlier_complaints_by_number_and_by_address(intake):
    first = call(intake, call_id="c-1").json()
    intake.clock.advance(timedelta(hours=1))
    web = intake.report(reporter={"phone": "13812341234"}, address="钓鱼城街道 某小区")  # the same person, online
    intake.clock.advance(timedelta(hours=1))
    neighbour = call(intake, call_id="c-2", caller_number="023-4281 2345").json()  # same address, other caller
    intake.clock.advance(timedelta(hours=1))
    call(intake, call_id="c-3", caller_number="13900000000", address="太和镇 某村")
    operator = login(intake, "operator")

    response = intake.client.get("/api/v1/channels/hotline/history",
                                 params={"caller": "+8613812341234", "address": "学士路 18 号"}, headers=operator)
    assert response.status_code == 200, response.text
    history = response.json()
    assert [p["tracking_code"] for p in history["by_caller"]] == [web["tracking_code"], first["tracking_code"]]
    assert [p["tracking_code"] for p in history["by_address"]] == [neighbour["tracking_code"],
                                                                   first["tracking_code"]]
    item = history["by_address"][1]
    assert item == {"tracking_code": first["tracking_code"], "received_at": item["received_at"], "status": "received",
                    "status_label": "已受理", "type_label": "噪声 / 建筑施工噪声", "address": "合阳城街道学士路 18 号",
                    "content": CALL["content"]}
    assert "1234" not in response.text.replace(first["tracking_code"], "")  # no number in the answer
    landline = intake.client.get("/api/v1/channels/hotline/history", params={"caller": "02342812345"},
                                 headers=operator).json()
    assert [p["tracking_code"] for p in landline["by_caller"]] == [neighbour["tracking_code"]]
    assert landline["by_address"] == []
    wildcard = intake.client.get("/api/v1/channels/hotline/history", params={"address": "%%%%"}, headers=operator)
    assert wildcard.json() == {"by_caller": [], "by_address": []}  # % is a character, not a wildcard


def test_history_is_for_operators_and_supervisors_and_asks_a_real_question(intake):
    call(intake)
    query = {"caller": "13812341234"}
    assert intake.client.get("/api/v1/channels/hotline/history", params=query).status_code == 401
    dispatcher = login(intake, "dispatcher-housing_construction")
    assert intake.client.get("/api/v1/channels/hotline/history", params=query,
                             headers=dispatcher).status_code == 403
    for user in ("operator", "supervisor", "admin"):
        response = intake.client.get("/api/v1/channels/hotline/history", params=query, headers=login(intake, user))
        assert response.status_code == 200 and len(response.json()["by_caller"]) == 1, user
    operator = login(intake, "operator")
    for bad in ({}, {"address": "学士路"}, {"caller": "12345"}, {"caller": "1" * 31}):
        response = intake.client.get("/api/v1/channels/hotline/history", params=bad, headers=operator)
        assert response.status_code == 422, (bad, response.text)


def test_history_lists_at_most_twenty_of_each_newest_first(intake):
    codes = []
    for n in range(23):
        codes.append(call(intake, call_id=f"c-{n}").json()["tracking_code"])
        intake.clock.advance(timedelta(minutes=1))
    history = intake.client.get("/api/v1/channels/hotline/history", params={"caller": "13812341234",
                                                                            "address": "学士路 18"},
                                headers=login(intake, "operator")).json()
    newest = list(reversed(codes))[:20]
    assert [p["tracking_code"] for p in history["by_caller"]] == newest
    assert [p["tracking_code"] for p in history["by_address"]] == newest

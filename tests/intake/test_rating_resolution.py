"""解决情况: a citizen rating a reply also says whether the problem was solved; intake keeps it with the rating
and the event carries it to notify (the resolution rate)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from services.intake.adapters.tables import RatingRow
from shared.eventbus.tables import OutboxRecord
from tests.intake.conftest import Intake
from tests.intake.test_citizen_api import replied


def rated_events(intake: Intake) -> list[dict]:
    with intake.engine.connect() as conn:
        payloads = [json.loads(p) for p in conn.execute(select(OutboxRecord.payload)).scalars()]
    return [p["data"] for p in payloads if p["type"].endswith("complaint.rated.v1")]


@pytest.mark.parametrize(("body", "found"), [
    ({"rating": "satisfied"}, "Field required"),
    ({"rating": "satisfied", "resolution": "solved"}, "resolved"),
    ({"rating": "satisfied", "resolution": None}, "resolved"),
])
def test_a_rating_without_a_valid_resolution_is_refused_with_a_message_naming_it(intake, body, found):
    received = intake.report(reporter={"phone": "13812341234"})
    replied(intake, received)
    response = intake.client.post(f"/api/v1/r/{received['citizen_token']}/rating", json=body)
    assert response.status_code == 422, response.text
    [detail] = response.json()["error"]["details"]
    assert detail["field"] == "resolution" and found in detail["message"]
    assert rated_events(intake) == []


def test_the_resolution_is_kept_with_each_rating_and_sent_with_the_event(intake):
    received = intake.report(reporter={"phone": "13812341234"})
    replied(intake, received)
    token, code = received["citizen_token"], received["tracking_code"]
    first = intake.client.post(f"/api/v1/r/{token}/rating", json={"rating": "unsatisfied", "resolution": "unresolved"})
    assert first.status_code == 201 and first.json()["resolution"] == "unresolved"
    second = intake.client.post(f"/api/v1/complaints/{code}/rating",
                                json={"rating": "basically_satisfied", "resolution": "partly_resolved",
                                      "token": token})
    assert second.status_code == 201 and second.json()["resolution"] == "partly_resolved"
    with intake.engine.connect() as conn:
        stored = conn.execute(select(RatingRow.rating, RatingRow.resolution).order_by(RatingRow.id)).all()
    assert [tuple(r) for r in stored] == [("unsatisfied", "unresolved"), ("basically_satisfied", "partly_resolved")]
    assert [(e["rating"], e["resolution"]) for e in rated_events(intake)] == [
        ("unsatisfied", "unresolved"), ("basically_satisfied", "partly_resolved")]

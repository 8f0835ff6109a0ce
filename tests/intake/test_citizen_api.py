"""The citizen's private token and link, and the throttle on guessing codes, phone digits and tokens."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from services.intake.adapters.tables import ComplaintRow
from services.intake.adapters.throttle import SlidingWindowThrottle
from shared.contracts import events as ev
from shared.eventbus.tables import OutboxRecord
from tests.intake.conftest import EXAMPLE, Intake

WINDOW = 15 * 60


class Stopwatch:
    """The throttle's clock, moved by hand (seconds)."""

    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds


@pytest.fixture
def stopwatch() -> Stopwatch:
    return Stopwatch()


@pytest.fixture
def guarded(engine, clock, stopwatch) -> Iterator[Intake]:
    """Intake whose guess throttle runs on `stopwatch`."""
    embedded = Intake(engine, clock, throttle=SlidingWindowThrottle(now=stopwatch))
    yield embedded
    embedded.client.close()


def client_at(intake: Intake, address: str) -> TestClient:
    """Requests from another address (the throttle counts per client)."""
    return TestClient(intake.process.app, client=(address, 40000))


def replied(intake: Intake, received: dict) -> None:
    now = intake.clock.now()
    intake.deliver(ev.CaseRepliedV1(complaint_id=received["id"], tracking_code=received["tracking_code"],
                                    department="ecology_env", reply="已到现场核查处理", replied_at=now, reply_due=now,
                                    reply_round=1, by="li"))


# --- the private token ------------------------------------------------------------------------------------


def test_the_report_answer_alone_carries_the_private_token_and_link(intake):
    response = intake.client.post("/api/v1/complaints", json={**EXAMPLE, "reporter": {"phone": "13812341234"}})
    assert response.status_code == 201
    body = response.json()
    token = body["citizen_token"]
    assert len(token) >= 32 and body["private_link"] == f"/r/{token}"
    assert list(body) == ["id", "tracking_code", "status", "received_at", "citizen_token", "private_link"]
    with intake.engine.connect() as conn:
        events = " ".join(conn.execute(select(OutboxRecord.payload)).scalars())
        row = conn.execute(select(ComplaintRow)).one()
    assert token not in events and "citizen_token" not in events and row.citizen_token_hash not in events
    assert token not in " ".join(str(value) for value in row)  # only its hash and ciphertext are stored
    by_code = intake.client.get(f"/api/v1/complaints/{body['tracking_code']}?phone_last4=1234")
    by_link = intake.client.get(f"/api/v1/r/{token}")
    assert by_code.status_code == by_link.status_code == 200
    assert token not in by_code.text and token not in by_link.text


def test_a_replay_gives_the_same_token_and_a_new_report_a_new_one(intake):
    headers = {"Idempotency-Key": "web-form-1"}
    first = intake.client.post("/api/v1/complaints", json=EXAMPLE, headers=headers)
    again = intake.client.post("/api/v1/complaints", json=EXAMPLE, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["citizen_token"] == first.json()["citizen_token"]
    assert again.json()["private_link"] == first.json()["private_link"]
    other = intake.client.post("/api/v1/complaints", json=EXAMPLE)
    assert other.json()["citizen_token"] != first.json()["citizen_token"]


def test_the_private_link_shows_the_complaint_and_rates_it(intake):
    received = intake.report(reporter={"phone": "13812341234"})
    token = received["citizen_token"]
    view = intake.client.get(f"/api/v1/r/{token}")
    assert view.status_code == 200
    assert view.json()["tracking_code"] == received["tracking_code"] and view.json()["can_rate"] is False
    assert view.json() == intake.client.get(
        f"/api/v1/complaints/{received['tracking_code']}?phone_last4=1234").json()  # the same view
    early = intake.client.post(f"/api/v1/r/{token}/rating", json={"rating": "satisfied", "resolution": "resolved"})
    assert early.status_code == 409 and early.json()["error"]["code"] == "not_ratable"
    replied(intake, received)
    assert intake.client.get(f"/api/v1/r/{token}").json()["can_rate"] is True
    rated = intake.client.post(f"/api/v1/r/{token}/rating", json={"rating": "basically_satisfied",
                                                                  "resolution": "partly_resolved", "comment": "还行"})
    assert rated.status_code == 201 and rated.json() == {
        "tracking_code": received["tracking_code"], "rating": "basically_satisfied", "resolution": "partly_resolved",
        "reply_round": 1, "status": "closed"}
    assert intake.client.get(f"/api/v1/r/{token}").json()["rating"] == "basically_satisfied"


def test_a_wrong_or_foreign_token_is_refused_and_rates_nothing(intake):
    mine, theirs = intake.report(), intake.report()
    replied(intake, mine)
    replied(intake, theirs)
    code = mine["tracking_code"]
    foreign = intake.client.post(f"/api/v1/complaints/{code}/rating",
                                 json={"rating": "unsatisfied",
                                       "resolution": "unresolved", "token": theirs["citizen_token"]})
    assert foreign.status_code == 404
    for token in ("", "x" * 201):
        assert intake.client.post(f"/api/v1/complaints/{code}/rating",
                                  json={"rating": "unsatisfied",
                                        "resolution": "unresolved", "token": token}).status_code == 422
    missing = intake.client.get("/api/v1/r/" + "A" * 32)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert intake.client.post("/api/v1/r/" + "A" * 32 + "/rating", json={"rating": "satisfied",
                                                                         "resolution": "resolved"}).status_code == 404
    assert intake.client.get(f"/api/v1/complaints/{code}").json()["rating"] is None
    with intake.engine.connect() as conn:
        types = [json.loads(p)["type"] for p in conn.execute(select(OutboxRecord.payload)).scalars()]
    assert not any(t.endswith("complaint.rated.v1") for t in types)


def test_forms_get_the_towns_and_types_without_signing_in(intake):
    response = intake.client.get("/api/v1/reference")
    assert response.status_code == 200
    body = response.json()
    assert len(body["towns"]) == 30 and body["towns"][0] == {"code": "heyangcheng", "name": "合阳城街道",
                                                             "kind": "street"}
    water = next(c for c in body["categories"] if c["code"] == "water")
    assert water["name"] == "水" and {"code": "black_odorous", "name": "黑臭水体"} in water["subcategories"]


# --- the throttle -------------------------------------------------------------------------------------------


def test_five_failures_on_one_code_make_it_wait_whoever_asks_until_the_window_has_passed(guarded, stopwatch):
    code = guarded.report(reporter={"phone": "13812341234"})["tracking_code"]
    for n in range(5):
        guesser = client_at(guarded, f"198.51.100.{n}")  # each from another address: the code's count
        assert guesser.get(f"/api/v1/complaints/{code}?phone_last4={1000 + n}").status_code == 404
        stopwatch.seconds += 10
    blocked = guarded.client.get(f"/api/v1/complaints/{code}?phone_last4=1234")  # even the right digits
    assert blocked.status_code == 429 and blocked.json()["error"]["code"] == "too_many_requests"
    assert blocked.headers["Retry-After"] == str(WINDOW - 50)  # until the first failure leaves the window
    other = guarded.report()["tracking_code"]
    assert guarded.client.get(f"/api/v1/complaints/{other}").status_code == 200  # other codes are not blocked
    stopwatch.seconds += WINDOW - 50
    assert guarded.client.get(f"/api/v1/complaints/{code}?phone_last4=1234").status_code == 200


def test_twenty_failures_from_one_client_make_it_wait_and_a_success_does_not_reset_the_count(guarded, stopwatch):
    known = guarded.report()["tracking_code"]
    guesser = client_at(guarded, "203.0.113.9")
    for n in range(19):
        assert guesser.get(f"/api/v1/complaints/HC261126-{n:08d}").status_code == 404
    assert guesser.get(f"/api/v1/complaints/{known}").status_code == 200  # a success: the count stays at 19
    assert guesser.get("/api/v1/complaints/not-a-code").status_code == 404  # the 20th failure
    blocked = guesser.get(f"/api/v1/complaints/{known}")
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) == WINDOW
    assert guesser.get(f"/api/v1/r/{'A' * 32}").status_code == 429
    assert client_at(guarded, "203.0.113.10").get(f"/api/v1/complaints/{known}").status_code == 200
    stopwatch.seconds += WINDOW - 1
    assert guesser.get(f"/api/v1/complaints/{known}").status_code == 429  # not yet
    stopwatch.seconds += 1
    assert guesser.get(f"/api/v1/complaints/{known}").status_code == 200  # the window has passed


def test_private_link_misses_and_wrong_rating_tokens_are_throttled_too(guarded, stopwatch):
    received = guarded.report()
    replied(guarded, received)
    token, code = received["citizen_token"], received["tracking_code"]
    linker = client_at(guarded, "192.0.2.1")
    for n in range(20):
        assert linker.get(f"/api/v1/r/{n:032d}").status_code == 404
    assert linker.get(f"/api/v1/r/{token}").status_code == 429  # even the right token, from this client
    assert guarded.client.get(f"/api/v1/r/{token}").status_code == 200
    for n in range(5):
        rater = client_at(guarded, f"192.0.2.{10 + n}")
        wrong = rater.post(f"/api/v1/complaints/{code}/rating", json={"rating": "satisfied",
                                                                      "resolution": "resolved", "token": f"{n:032d}"})
        assert wrong.status_code == 404
    right = guarded.client.post(f"/api/v1/complaints/{code}/rating", json={"rating": "satisfied",
                                                                           "resolution": "resolved", "token": token})
    assert right.status_code == 429  # the code is blocked for ratings by code
    by_link = guarded.client.post(f"/api/v1/r/{token}/rating", json={"rating": "satisfied", "resolution": "resolved"})
    assert by_link.status_code == 201  # the private link is not a guess at the code
    stopwatch.seconds += WINDOW
    assert linker.get(f"/api/v1/r/{token}").status_code == 200
    again = guarded.client.post(f"/api/v1/complaints/{code}/rating", json={"rating": "satisfied",
                                                                           "resolution": "resolved", "token": token})
    assert again.status_code == 201

"""解决率 and 不合理差评: the resolution rate beside the satisfaction rate, and the reviewed satisfaction rate
beside the raw one — on hand-built records (the rules), then through notify's HTTP API on the real database
(the SQL counts the same), with the review routes' validation and who may call them."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from services.app import create_app
from services.notify.domain.assessment import DEFAULT_WEIGHTS, INDICATOR_NAMES, assess
from services.notify.domain.errors import InvalidReview, ReviewNotAllowed
from services.notify.domain.metrics import (
    Period,
    RatingRecord,
    judge_resolutions,
    judge_reviewed_ratings,
    resolution_rate,
    reviewed_satisfaction_rate,
    satisfaction_rate,
)
from services.notify.domain.reviews import RatingReview
from shared.auth import Principal, issue_token
from shared.clock import SHANGHAI, SystemClock
from shared.eventbus.dblog import DbLogBus
from tests.notify.conftest import SETTINGS
from tests.notify.factories import assigned, rated, replied

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))
DEPT = "ecology_env"


def nov(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=SHANGHAI)


def token(principal: Principal) -> dict[str, str]:
    value = issue_token(principal, key=SETTINGS.jwt_key, now=SystemClock().now(), ttl=timedelta(hours=1))
    return {"Authorization": f"Bearer {value}"}


SUPERVISOR = token(Principal("sup-wang", "supervisor"))
OPERATOR = token(Principal("op-li", "operator"))
DISPATCHER = token(Principal("d-eco", "dispatcher", DEPT))

# (id, [(rating, resolution, day)], unreasonable): the latest rating of a round counts.
SEEDED = [
    ("a1", [("satisfied", "resolved", 3)], False),
    ("a2", [("basically_satisfied", "partly_resolved", 4)], False),
    ("a3", [("unsatisfied", "unresolved", 5)], False),
    ("a4", [("satisfied", None, 6)], False),  # rated before the question was asked: out of the resolution rate
    ("a5", [("unsatisfied", "resolved", 2), ("satisfied", None, 8)], False),  # the latest has none: out
    ("a7", [("unsatisfied", "unresolved", 9)], True),  # marked unreasonable
]


def records() -> list[RatingRecord]:
    found = [RatingRecord(cid, 1, rating, nov(day), department=DEPT, resolution=resolution, unreasonable=marked)
             for cid, ratings, marked in SEEDED for rating, resolution, day in ratings]
    # rated in October: outside the period
    found.append(RatingRecord("a6", 1, "satisfied", datetime(2026, 10, 30, tzinfo=SHANGHAI), department=DEPT,
                              resolution="resolved"))
    return found


# --- the rules ----------------------------------------------------------------------------------------


def test_the_resolution_rate_counts_each_rounds_latest_rating_that_answered_the_question():
    judged = judge_resolutions(records(), NOVEMBER)
    assert sorted(r.complaint_id for r in judged.hits) == ["a1"]
    assert sorted(r.complaint_id for r in judged.misses) == ["a2", "a3", "a7"]  # partly resolved is not resolved
    rate = resolution_rate(records(), NOVEMBER)
    assert (rate.numerator, rate.denominator, rate.rate) == (1, 4, 0.25)


def test_the_reviewed_satisfaction_rate_leaves_out_the_unsatisfied_ratings_marked_unreasonable_the_raw_one_keeps_them():
    raw, reviewed = satisfaction_rate(records(), NOVEMBER), reviewed_satisfaction_rate(records(), NOVEMBER)
    assert (raw.numerator, raw.denominator) == (4, 6)
    assert (reviewed.numerator, reviewed.denominator) == (4, 5)
    assert "a7" in raw.misses and "a7" not in judge_reviewed_ratings(records(), NOVEMBER).misses
    # a mark on a round whose latest rating is satisfied changes nothing: only an unsatisfied one leaves
    marked_satisfied = [RatingRecord("s1", 1, "satisfied", nov(3), resolution="resolved", unreasonable=True)]
    assert reviewed_satisfaction_rate(marked_satisfied, NOVEMBER).denominator == 1


def test_the_assessment_has_a_resolution_indicator_with_its_own_weight_and_the_others_keep_theirs():
    assert DEFAULT_WEIGHTS == {"signing": 15, "reply": 30, "returns": 10, "reopenings": 15, "satisfaction": 30,
                               "resolution": 10, "knowledge": 5}
    assert INDICATOR_NAMES["resolution"] == "解决率"
    found = assess(spans=[], replies=[], ratings=records(), rounds=[], units={DEPT: "district"}, period=NOVEMBER,
                   now=nov(30))
    [unit] = found.units
    resolution, satisfaction = unit.indicators["resolution"], unit.indicators["satisfaction"]
    assert (resolution.numerator, resolution.denominator, resolution.cases) == (1, 4, ("a1",))
    assert (satisfaction.numerator, satisfaction.denominator) == (4, 6)  # raw: the assessment takes no review
    # weighted mean of the indicators with cases: satisfaction 66.67 × 30 and resolution 25 × 10
    assert unit.score == round((30 * 400 / 6 + 10 * 25) / 40, 2)


def test_a_review_needs_an_unsatisfied_rating_and_a_reason_and_keeps_every_action():
    review = RatingReview("a3", 1)
    for reason in (None, "", "   ", "x" * 501):
        with pytest.raises(InvalidReview):
            review.mark("unsatisfied", reason=reason, by="sup", at=nov(10))
    with pytest.raises(ReviewNotAllowed):
        review.mark("satisfied", reason="诉求超出法定职责", by="sup", at=nov(10))
    with pytest.raises(ReviewNotAllowed):
        review.withdraw(reason="误标", by="sup", at=nov(10))
    review.mark("unsatisfied", reason="  诉求超出法定职责  ", by="sup", at=nov(10))
    with pytest.raises(ReviewNotAllowed):
        review.mark("unsatisfied", reason="again", by="sup", at=nov(11))
    review.withdraw(reason="复核后认为评价合理", by="sup2", at=nov(12))
    assert not review.marked
    assert [(a.action, a.reason, a.by) for a in review.actions] == [
        ("mark", "诉求超出法定职责", "sup"), ("withdraw", "复核后认为评价合理", "sup2")]


# --- through the API, on the database -----------------------------------------------------------------


@pytest.fixture
def client(runtime, engine, clock):
    with TestClient(create_app([runtime], DbLogBus(engine, clock), [engine], start_workers=False)) as client:
        yield client


@pytest.fixture
def seeded(feed, clock):
    """The same rounds as `records()`, fed as events; seen on 1 December."""
    for cid, ratings, _ in SEEDED + [("a6", [], False)]:
        feed(assigned(cid, department=DEPT, received_at=datetime(2026, 10, 20, tzinfo=SHANGHAI)))
        feed(replied(cid, datetime(2026, 10, 25, tzinfo=SHANGHAI), reply_due=datetime(2026, 10, 26, tzinfo=SHANGHAI),
                     department=DEPT))
        for rating, resolution, day in ratings:
            feed(rated(cid, rating, nov(day), resolution=resolution))
    feed(rated("a6", "satisfied", datetime(2026, 10, 30, tzinfo=SHANGHAI), resolution="resolved"))
    clock.set(datetime(2026, 12, 1, 9, tzinfo=SHANGHAI))


def figures(client: TestClient, **params: str) -> dict:
    response = client.get("/api/v1/metrics/sla", params={"from": "2026-11-01", "to": "2026-11-30", **params},
                          headers=SUPERVISOR)
    assert response.status_code == 200, response.text
    return response.json()


def behind(client: TestClient, figure: dict) -> tuple[list[str], list[str]]:
    response = client.get(figure["cases_url"] + "&limit=100", headers=SUPERVISOR)
    assert response.status_code == 200, response.text
    lines = response.json()["cases"]
    assert response.json()["total"] == figure["denominator"] == len(lines)
    return (sorted(c["complaint_id"] for c in lines if c["met"]), sorted(c["complaint_id"] for c in lines
                                                                          if not c["met"]))


def review_url(cid: str, reply_round: int = 1) -> str:
    return f"/api/v1/metrics/satisfaction/reviews/{cid}/{reply_round}"


def test_the_figures_show_the_resolution_rate_and_both_satisfaction_rates(client, seeded):
    report = figures(client)
    resolution = report["resolution_rate"]
    assert (resolution["numerator"], resolution["denominator"], resolution["rate"]) == (1, 4, 0.25)
    assert "target" not in resolution and "resolution_rate" not in report["targets"]
    assert behind(client, resolution) == (["a1"], ["a2", "a3", "a7"])
    satisfaction = report["satisfaction_rate"]
    assert (satisfaction["numerator"], satisfaction["denominator"]) == (4, 6)
    assert (satisfaction["reviewed"]["numerator"], satisfaction["reviewed"]["denominator"]) == (4, 6)  # none marked

    marked = client.post(review_url("a7"), json={"reason": "诉求为要求关停合法经营企业，超出法定职责"},
                         headers=SUPERVISOR)
    assert marked.status_code == 201, marked.text
    assert (marked.json()["marked"], marked.json()["reviewed_by"]) == (True, "sup-wang")
    report = figures(client)
    satisfaction = report["satisfaction_rate"]
    assert (satisfaction["numerator"], satisfaction["denominator"], satisfaction["met"]) == (4, 6, False)  # raw
    reviewed = satisfaction["reviewed"]
    assert (reviewed["numerator"], reviewed["denominator"], reviewed["left_out"]) == (4, 5, 1)
    assert behind(client, reviewed) == (["a1", "a2", "a4", "a5"], ["a3"])
    [group] = figures(client, group_by="department")["groups"]
    assert (group["resolution_rate"]["numerator"], group["resolution_rate"]["denominator"]) == (1, 4)
    assert (group["satisfaction_rate"]["denominator"], group["satisfaction_rate"]["reviewed"]["denominator"]) == (6, 5)

    assert client.get(review_url("a7"), headers=SUPERVISOR).json()["marked"] is True
    withdrawn = client.post(review_url("a7") + "/withdraw", json={"reason": "复核：市民诉求合理"}, headers=SUPERVISOR)
    assert withdrawn.status_code == 200, withdrawn.text
    history = withdrawn.json()["history"]
    assert [(h["action"], h["by"], h["reason"]) for h in history] == [
        ("mark", "sup-wang", "诉求为要求关停合法经营企业，超出法定职责"),
        ("withdraw", "sup-wang", "复核：市民诉求合理")]
    assert all(h["at"] for h in history)
    assert figures(client)["satisfaction_rate"]["reviewed"]["denominator"] == 6


def test_a_new_rating_of_a_marked_round_keeps_the_mark(client, seeded, feed):
    marked = client.post(review_url("a3"), json={"reason": "重复投诉同一已办结事项"}, headers=SUPERVISOR)
    assert marked.status_code == 201
    feed(rated("a3", "unsatisfied", nov(20), resolution="partly_resolved"))
    round_ = client.get(review_url("a3"), headers=SUPERVISOR).json()
    assert (round_["marked"], round_["resolution"], round_["resolution_label"]) == (True, "partly_resolved", "部分解决")
    assert figures(client)["satisfaction_rate"]["reviewed"]["left_out"] == 1  # a3


def test_the_unsatisfied_rounds_are_listed_for_review_by_state(client, seeded):
    listed = client.get("/api/v1/metrics/satisfaction/reviews", params={"from": "2026-11-01", "to": "2026-11-30"},
                        headers=SUPERVISOR)
    assert listed.status_code == 200, listed.text
    assert [(r["complaint_id"], r["marked"]) for r in listed.json()["rounds"]] == [("a7", False), ("a3", False)]
    client.post(review_url("a7"), json={"reason": "恶意差评"}, headers=SUPERVISOR)
    for state, expected in (("marked", ["a7"]), ("unmarked", ["a3"]), ("all", ["a7", "a3"])):
        page = client.get("/api/v1/metrics/satisfaction/reviews",
                          params={"from": "2026-11-01", "to": "2026-11-30", "state": state}, headers=SUPERVISOR).json()
        assert ([r["complaint_id"] for r in page["rounds"]], page["total"]) == (expected, len(expected))
    [a7] = [r for r in page["rounds"] if r["complaint_id"] == "a7"]
    assert (a7["reason"], a7["resolution"], a7["department"]) == ("恶意差评", "unresolved", DEPT)


def test_a_reviewer_reads_the_citizens_comment_without_the_phone_or_id_numbers_in_it(client, seeded, feed):
    listed = client.get(review_url("a3"), headers=SUPERVISOR).json()
    assert listed["comment"] is None  # rated without a comment
    feed(rated("a3", "unsatisfied", nov(21), resolution="unresolved",
               comment="噪声还在，晚上十点后照样施工，请回电13812345678，身份证500382199001011234"))
    listed = client.get("/api/v1/metrics/satisfaction/reviews", params={"from": "2026-11-01", "to": "2026-11-30"},
                        headers=SUPERVISOR).json()
    [a3] = [r for r in listed["rounds"] if r["complaint_id"] == "a3"]
    assert a3["comment"] == "噪声还在，晚上十点后照样施工，请回电[电话]，身份证[身份证号]"
    assert client.get(review_url("a3"), headers=SUPERVISOR).json()["comment"] == a3["comment"]
    # a later rating replaces the comment with its own (none given: none shown), as it replaces the rating
    feed(rated("a3", "unsatisfied", nov(22), resolution="unresolved", comment="   "))
    assert client.get(review_url("a3"), headers=SUPERVISOR).json()["comment"] is None


@pytest.mark.parametrize(("body", "field"), [
    ({}, "reason"), ({"reason": ""}, "reason"), ({"reason": "x" * 501}, "reason"),
    ({"reason": "ok", "extra": 1}, "extra"),
])
def test_a_review_without_a_fitting_reason_is_refused_with_422(client, seeded, body, field):
    response = client.post(review_url("a3"), json=body, headers=SUPERVISOR)
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == field


def test_a_blank_reason_and_impossible_reviews_are_refused(client, seeded):
    blank = client.post(review_url("a3"), json={"reason": "   "}, headers=SUPERVISOR)
    assert blank.status_code == 422 and "理由" in blank.json()["error"]["message"]
    assert client.post(review_url("nobody"), json={"reason": "r"}, headers=SUPERVISOR).status_code == 404
    assert client.post(review_url("a3", 2), json={"reason": "r"}, headers=SUPERVISOR).status_code == 404
    satisfied = client.post(review_url("a1"), json={"reason": "r"}, headers=SUPERVISOR)
    assert satisfied.status_code == 409 and "不满意" in satisfied.json()["error"]["message"]
    assert client.post(review_url("a3") + "/withdraw", json={"reason": "r"}, headers=SUPERVISOR).status_code == 409
    assert client.post(review_url("a3"), json={"reason": "r"}, headers=SUPERVISOR).status_code == 201
    assert client.post(review_url("a3"), json={"reason": "r"}, headers=SUPERVISOR).status_code == 409
    assert client.get(review_url("a3", 0), headers=SUPERVISOR).status_code == 422


def test_only_supervisors_review(client, seeded):
    for headers, status in ((OPERATOR, 403), (DISPATCHER, 403), ({}, 401)):
        assert client.post(review_url("a3"), json={"reason": "r"}, headers=headers).status_code == status
        assert client.post(review_url("a3") + "/withdraw", json={"reason": "r"}, headers=headers).status_code == status
        assert client.get(review_url("a3"), headers=headers).status_code == status
        assert client.get("/api/v1/metrics/satisfaction/reviews", headers=headers).status_code == status
    assert client.get(review_url("a3"), headers=SUPERVISOR).json()["history"] == []


def test_a_phone_callback_records_whether_the_problem_was_solved(client, feed, clock):
    feed(assigned("c1", department=DEPT, received_at=nov(1)))
    feed(replied("c1", nov(2), reply_due=nov(5), department=DEPT))
    # the department's first reply of the week: called back (pending)
    clock.set(nov(4))
    calls = "/api/v1/callbacks/c1/1/calls"
    missing = client.post(calls, json={"outcome": "satisfied"}, headers=OPERATOR)
    assert missing.status_code == 422 and "解决" in missing.json()["error"]["message"]
    assert client.post(calls, json={"outcome": "no_answer", "resolution": "resolved"},
                       headers=OPERATOR).status_code == 422
    wrong = client.post(calls, json={"outcome": "satisfied", "resolution": "solved"}, headers=OPERATOR)
    assert wrong.status_code == 422 and wrong.json()["error"]["details"][0]["field"] == "resolution"
    done = client.post(calls, json={"outcome": "basically_satisfied", "resolution": "partly_resolved"},
                       headers=OPERATOR)
    assert done.status_code == 201, done.text
    body = done.json()
    assert (body["status"], body["resolution"], body["resolution_label"]) == ("done", "partly_resolved", "部分解决")
    assert [c["resolution"] for c in body["calls"]] == ["partly_resolved"]
    resolution = figures(client)["resolution_rate"]
    assert (resolution["numerator"], resolution["denominator"]) == (0, 1)  # the phone's answer is the round's

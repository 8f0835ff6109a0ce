"""解决率 end to end: citizens rate replies with whether the problem was solved (intake), the rating travels to
notify with it, and the figures show the resolution rate beside satisfaction; a supervisor marks an
unsatisfied rating unreasonable and the figures show both satisfaction rates."""

from __future__ import annotations

from tests.e2e.test_reopen import replied_case


def test_citizens_ratings_with_a_resolution_make_the_resolution_rate_and_a_review_the_reviewed_satisfaction(system):
    supervisor = system.login("supervisor")
    answers = [("satisfied", "resolved"), ("basically_satisfied", "partly_resolved"), ("unsatisfied", "unresolved")]
    cases = []
    for rating, resolution in answers:
        accepted = replied_case(system, phone=None)
        refused = system.client.post(f"/api/v1/r/{accepted['citizen_token']}/rating", json={"rating": rating})
        assert refused.status_code == 422  # whether it was solved is required
        rated = system.client.post(f"/api/v1/r/{accepted['citizen_token']}/rating",
                                   json={"rating": rating, "resolution": resolution})
        assert rated.status_code == 201 and rated.json()["resolution"] == resolution, rated.text
        cases.append(accepted)
    system.drain()

    today = system.clock.now().date().isoformat()
    period = {"from": today, "to": today}
    report = system.client.get("/api/v1/metrics/sla", params=period, headers=supervisor).json()
    resolution = report["resolution_rate"]
    assert (resolution["numerator"], resolution["denominator"]) == (1, 3)
    satisfaction = report["satisfaction_rate"]
    assert (satisfaction["numerator"], satisfaction["denominator"]) == (2, 3)
    assert satisfaction["reviewed"]["denominator"] == 3

    unsatisfied = cases[2]["id"]
    listed = system.client.get("/api/v1/metrics/satisfaction/reviews", params=period, headers=supervisor).json()
    assert [r["complaint_id"] for r in listed["rounds"]] == [unsatisfied]
    marked = system.client.post(f"/api/v1/metrics/satisfaction/reviews/{unsatisfied}/1", headers=supervisor,
                                json={"reason": "诉求为赔偿损失，不属于环保部门职责"})
    assert marked.status_code == 201, marked.text
    dispatcher = system.login("dispatcher-housing_construction")
    assert system.client.post(f"/api/v1/metrics/satisfaction/reviews/{unsatisfied}/1/withdraw", headers=dispatcher,
                              json={"reason": "x"}).status_code == 403

    report = system.client.get("/api/v1/metrics/sla", params=period, headers=supervisor).json()
    satisfaction = report["satisfaction_rate"]
    assert (satisfaction["numerator"], satisfaction["denominator"]) == (2, 3)  # raw: the target's
    assert (satisfaction["reviewed"]["numerator"], satisfaction["reviewed"]["denominator"]) == (2, 2)
    assert report["resolution_rate"]["denominator"] == 3  # a review changes satisfaction only

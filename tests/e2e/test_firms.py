"""被举报企业, the whole system embedded: a dispatcher registers a firm and links three cases reported within 90
days; routing's firm page flags it 重复被举报 and notify's problem list raises it (kind "firm") with its cases;
a link removed drops it from both; a supervisor takes the firm's hotspot on (包案)."""

from __future__ import annotations

from datetime import timedelta

from tests.e2e.test_walking_skeleton import EXAMPLE

DEPARTMENT = "housing_construction"
FIRM = {"name": "合川某某混凝土有限公司", "credit_code": "91500117MA5U00000N", "address": "合阳城街道工业路8号",
        "town": "heyangcheng", "industry": "混凝土搅拌"}


def test_three_linked_cases_within_90_days_put_the_firm_on_the_problem_list(system, clock):
    disp, sup = system.login(f"dispatcher-{DEPARTMENT}"), system.login("supervisor")
    made = system.client.post("/api/v1/firms", headers=disp, json=FIRM)
    assert made.status_code == 201, made.text
    firm = made.json()

    cases = []
    for day in range(3):  # three reports, 40 days apart: within 90 days of each other
        accepted = system.report(**EXAMPLE, reporter={"phone": "13912345678"})
        system.drain()
        linked = system.client.put(f"/api/v1/cases/{accepted['id']}/firm", headers=disp, json={"firm_id": firm["id"]})
        assert linked.status_code == 200, linked.text
        cases.append(accepted)
        if day < 2:
            clock.advance(timedelta(days=40))
    system.drain()

    page = system.client.get(f"/api/v1/firms/{firm['id']}", headers=disp).json()
    assert (page["repeated"], page["recent_cases"]) == (True, 3)

    listed = system.client.get("/api/v1/hotspots?kind=firm", headers=sup)
    assert listed.status_code == 200, listed.text
    [hotspot] = listed.json()["hotspots"]
    assert (hotspot["key"], hotspot["kind"], hotspot["kind_name"], hotspot["flagged"], hotspot["count"]) == (
        f"firm:{firm['id']}", "firm", "企业重复被举报", True, 3)
    assert hotspot["title"] == "合川某某混凝土有限公司（91500117MA5U00000N）"
    assert "90天内被举报3次" in hotspot["reason"]
    behind = system.client.get(hotspot["cases_url"], headers=sup).json()
    assert sorted(c["tracking_code"] for c in behind["cases"]) == sorted(c["tracking_code"] for c in cases)
    # on the default list too, beside the other kinds
    assert f"firm:{firm['id']}" in [h["key"] for h in system.client.get("/api/v1/hotspots", headers=sup).json()
                                    ["hotspots"]]

    # one link removed: two cases left, neither flagged here nor there
    assert system.client.delete(f"/api/v1/cases/{cases[1]['id']}/firm", headers=disp).status_code == 200
    system.drain()
    assert system.client.get(f"/api/v1/firms/{firm['id']}", headers=disp).json()["repeated"] is False
    assert system.client.get("/api/v1/hotspots?kind=firm", headers=sup).json()["hotspots"] == []

    # linked again, and a supervisor takes it on (领导包案): the key is the firm's
    assert system.client.put(f"/api/v1/cases/{cases[1]['id']}/firm", headers=sup,
                             json={"firm_id": firm["id"]}).status_code == 200
    system.drain()
    patched = system.client.patch(f"/api/v1/hotspots/firm:{firm['id']}", headers=sup,
                                  json={"owner": "王局长", "plan": "约谈企业，限期整改"})
    assert patched.status_code == 200, patched.text
    assert patched.json()["status"] == "in_progress"

    # 91 days after the first report, it has fallen out of the window: 2 cases, no longer flagged
    clock.advance(timedelta(days=11, hours=1))
    page = system.client.get(f"/api/v1/firms/{firm['id']}", headers=disp).json()
    assert (page["repeated"], page["recent_cases"]) == (False, 2)
    [kept] = system.client.get("/api/v1/hotspots?kind=firm", headers=sup).json()["hotspots"]
    assert (kept["flagged"], kept["count"], kept["status"]) == (False, 2, "in_progress")  # being worked on

"""被举报企业 over HTTP, on both databases: register, search and edit firms; link cases (audited, announced);
the firm's history with its finding and the repeat flag (重复被举报); the bodies' checks (422 with a message);
who may do what. The pure rules are in test_firm_rules.py."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

HOUSING = "housing_construction"
CODE = "91500117203456789G"
FIRM = {"name": "合川某某建材有限公司", "credit_code": CODE, "permit_number": "91500117203456789G001P",
        "address": "太和镇工业园1号", "town": "taihe", "industry": "水泥制品"}


@pytest.fixture
def sup(auth):
    return auth("supervisor")


@pytest.fixture
def disp(auth):
    return auth("dispatcher", HOUSING)


def _case(receive, client, sup) -> str:
    found = receive().subject
    assert client.get(f"/api/v1/cases/{found}", headers=sup).json()["department"] == HOUSING
    return found


def _register(client, headers, **over) -> dict:
    made = client.post("/api/v1/firms", headers=headers, json={**FIRM, **over})
    assert made.status_code == 201, made.text
    return made.json()


def test_register_search_edit(client, sup, disp, auth):
    firm = _register(client, disp, credit_code="9150 0117 2034 5678 9g")
    assert (firm["credit_code"], firm["town_name"], firm["status_label"], firm["created_by"]) == (
        CODE, "太和镇", "正常生产", f"dispatcher-{HOUSING}")
    assert (firm["repeated"], firm["recent_cases"], firm["cases"]) == (False, 0, [])
    other = _register(client, auth("admin"), name="重庆某化工厂", credit_code="9144030071526726XG", town="shayu")

    again = client.post("/api/v1/firms", headers=sup, json={**FIRM, "name": "同一代码"})
    assert again.status_code == 409 and "已登记" in again.json()["error"]["message"]

    by_name = client.get("/api/v1/firms", headers=sup, params={"q": "建材"}).json()
    assert [f["id"] for f in by_name["firms"]] == [firm["id"]] and by_name["total"] == 1
    by_code = client.get("/api/v1/firms", headers=sup, params={"q": "914403"}).json()
    assert [f["id"] for f in by_code["firms"]] == [other["id"]]
    assert client.get("/api/v1/firms", headers=sup, params={"q": "9144030071526726xg"}).json()["total"] == 1
    assert client.get("/api/v1/firms", headers=sup, params={"q": "%"}).json()["total"] == 0  # no wildcard
    paged = client.get("/api/v1/firms", headers=sup, params={"limit": 1}).json()
    assert (paged["total"], len(paged["firms"]), paged["next_offset"]) == (2, 1, 1)

    edited = client.patch(f"/api/v1/firms/{firm['id']}", headers=sup,
                          json={"status": "suspended", "permit_number": None, "industry": "建材"})
    assert edited.status_code == 200, edited.text
    assert (edited.json()["status_label"], edited.json()["permit_number"], edited.json()["industry"]) == (
        "停产整治", None, "建材")
    taken = client.patch(f"/api/v1/firms/{other['id']}", headers=sup, json={"credit_code": CODE})
    assert taken.status_code == 409
    assert client.get("/api/v1/firms/nope", headers=sup).status_code == 404


@pytest.mark.parametrize(("body", "words"), [
    ({"credit_code": "91500117203456789H"}, "校验位"),
    ({"credit_code": "9150011720345678"}, "18位"),
    ({"credit_code": "91500117I03456789G"}, "I、O、Z、S、V"),
    ({"town": "atlantis"}, "镇街"),
    ({"permit_number": "许可"}, "排污许可证"),
    ({"name": "  "}, "name"),
    ({"status": "gone"}, "status"),
    ({"extra": 1}, "extra"),
])
def test_bodies_are_checked(client, sup, body, words):
    refused = client.post("/api/v1/firms", headers=sup, json={**FIRM, **body})
    assert refused.status_code == 422, refused.text
    assert words in json.dumps(refused.json(), ensure_ascii=False)


def test_link_history_and_the_repeat_flag(client, receive, sup, disp, auth, outbox, clock):
    firm = _register(client, sup)
    cases = []
    for _ in range(3):
        cases.append(_case(receive, client, sup))
        clock.advance(timedelta(days=10))
    first = cases[0]
    base = f"/api/v1/cases/{first}/firm"
    assert client.get(base, headers=disp).json()["firm"] is None

    linked = client.put(base, headers=disp, json={"firm_id": firm["id"]})
    assert linked.status_code == 200, linked.text
    assert linked.json()["firm"]["credit_code"] == CODE
    assert client.get(base, headers=disp).json()["firm"]["id"] == firm["id"]
    again = client.put(base, headers=disp, json={"firm_id": firm["id"]})
    assert again.status_code == 409
    assert client.put(base, headers=disp, json={"firm_id": "nope"}).status_code == 404

    history = client.get(f"/api/v1/cases/{first}", headers=sup).json()["history"]
    assert history[-1]["action"] == "firm_linked" and history[-1]["actor"] == f"dispatcher-{HOUSING}"
    [event] = [json.loads(r.payload) if isinstance(r.payload, str) else r.payload
               for r in outbox(first) if r.type.endswith("case.firm_linked.v1")]
    data = event.get("data", event)
    assert (data["firm_id"], data["firm_name"], data["credit_code"]) == (firm["id"], FIRM["name"], CODE)

    # another department's dispatcher finds no such case; a supervisor links the rest
    other = auth("dispatcher", "ecology_env")
    assert client.put(f"/api/v1/cases/{cases[1]}/firm", headers=other, json={"firm_id": firm["id"]}).status_code == 404
    assert client.get(f"/api/v1/cases/{cases[1]}/firm", headers=other).status_code == 404
    for case in cases[1:]:
        assert client.put(f"/api/v1/cases/{case}/firm", headers=sup, json={"firm_id": firm["id"]}).status_code == 200

    detail = client.get(f"/api/v1/firms/{firm['id']}", headers=disp).json()
    assert (detail["recent_cases"], detail["repeated"], detail["repeated_label"]) == (3, True, "重复被举报")
    assert [c["complaint_id"] for c in detail["cases"]] == cases[::-1]  # the latest first
    assert all(c["counted"] and c["status_label"] == "已交办" for c in detail["cases"])
    listed = client.get("/api/v1/firms", headers=sup, params={"repeated": "true"}).json()
    assert [(f["id"], f["recent_cases"], f["repeated"]) for f in listed["firms"]] == [(firm["id"], 3, True)]

    # the finding of an investigation shows in the history
    clock.advance(timedelta(hours=1))
    check = {"checked_at": clock.now().isoformat(), "by": "张三"}
    assert client.post(f"/api/v1/cases/{first}/investigation/checks", headers=disp, json=check).status_code == 201
    assert client.post(f"/api/v1/cases/{first}/investigation/finding", headers=disp,
                       json={"finding": "partly"}).status_code == 200
    detail = client.get(f"/api/v1/firms/{firm['id']}", headers=sup).json()
    assert detail["cases"][-1]["finding_label"] == "部分属实"

    # received 0, 10 and 20 days after the start; 91 days after the start, the first is out of the window
    clock.advance(timedelta(days=61))
    detail = client.get(f"/api/v1/firms/{firm['id']}", headers=sup).json()
    assert (detail["recent_cases"], detail["repeated"]) == (2, False)
    assert detail["cases"][-1]["counted"] is False

    # unlinking: audited, announced, no longer in the firm's history
    removed = client.delete(f"/api/v1/cases/{cases[2]}/firm", headers=disp)
    assert removed.status_code == 200 and removed.json()["firm"] is None
    assert client.delete(f"/api/v1/cases/{cases[2]}/firm", headers=disp).status_code == 409
    assert any(r.type.endswith("case.firm_unlinked.v1") for r in outbox(cases[2]))
    assert len(client.get(f"/api/v1/firms/{firm['id']}", headers=sup).json()["cases"]) == 2


def test_who_may(client, auth, receive, sup):
    firm = _register(client, sup)
    case = _case(receive, client, sup)
    for role in ("operator", "grid_worker"):
        headers = auth(role)
        assert client.get("/api/v1/firms", headers=headers).status_code == 403
        assert client.post("/api/v1/firms", headers=headers, json=FIRM).status_code == 403
        assert client.get(f"/api/v1/firms/{firm['id']}", headers=headers).status_code == 403
        assert client.put(f"/api/v1/cases/{case}/firm", headers=headers, json={"firm_id": firm["id"]}
                          ).status_code == 403
    assert client.get("/api/v1/firms").status_code == 401
    assert client.patch(f"/api/v1/firms/{firm['id']}", json={"name": "x公司"}).status_code == 401
    assert client.delete(f"/api/v1/cases/{case}/firm").status_code == 401

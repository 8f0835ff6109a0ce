"""The rule book at run time: administrators add and change rules, every change is audited with who,
when, why and the rule before and after; a town's own rule wins over the district's; a dry run shows
how proposed rules would have routed the past month, changing nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from services.routing.domain.routing import RoutingRule, best_rule
from shared.contracts.codes import TOWNS

CONSTRUCTION = {"category": "noise", "subcategory": "construction"}


@pytest.fixture
def admin(auth):
    return auth("admin", username="root")


@pytest.fixture
def supervisor(auth):
    return auth("supervisor", username="boss")


def rule_id(client, supervisor, **key) -> int:
    rules = client.get("/api/v1/rules", headers=supervisor).json()["rules"]
    [found] = [r for r in rules if all(r[k] == v for k, v in key.items()) and r["area"] is None and r["town"] is None]
    return found["id"]


def test_a_towns_own_rule_outweighs_the_districts_and_the_most_specific_wins():
    rules = [RoutingRule(1, "noise", "housing_construction", subcategory="construction"),
             RoutingRule(2, "noise", "town", area="towns"),
             RoutingRule(3, "noise", "ecology_env", town="taihe"),
             RoutingRule(4, "noise", "urban_management", subcategory="construction", town="taihe")]
    taihe, longshi = TOWNS["taihe"], TOWNS["longshi"]
    assert best_rule(rules, "noise", "construction", taihe).id == 4
    assert best_rule(rules[:3], "noise", "construction", taihe).id == 3  # a town's rule beats a subtype
    assert best_rule(rules, "noise", "construction", longshi).id == 1
    assert best_rule(rules, "noise", "social_life", longshi).id == 2
    assert best_rule(rules, "noise", "social_life", None) is None
    assert rules[3].label == "#4 noise/construction@taihe -> urban_management"


def test_an_admin_adds_a_town_rule_new_cases_follow_it_and_the_audit_says_who(client, admin, supervisor, receive,
                                                                              runtime):
    added = client.post("/api/v1/rules", headers=admin, json={**CONSTRUCTION, "town": "taihe",
                                                              "department": "town", "reason": "太和镇自管工地"})
    assert added.status_code == 201, added.text
    rule = added.json()["rule"]
    assert (rule["town"], rule["department"], rule["label"]) == ("taihe", "town",
                                                                 f"#{rule['id']} noise/construction@taihe -> town")
    event = receive(town="taihe", content="太和镇工地凌晨打桩噪音扰民", category="noise", subcategory="construction")
    case = client.get(f"/api/v1/cases/{event.subject}", headers=supervisor).json()
    assert (case["department"], case["rule"]) == ("town_taihe", rule["label"])

    history = client.get("/api/v1/rules/history", headers=supervisor).json()["changes"]
    assert history[0]["action"] == "created" and history[0]["by"] == "root"
    assert history[0]["reason"] == "太和镇自管工地" and history[0]["before"] is None
    assert history[0]["after"]["town"] == "taihe"


def test_a_change_keeps_the_old_rule_in_the_audit_and_switching_off_sends_cases_elsewhere(client, admin,
                                                                                         supervisor, receive):
    construction = rule_id(client, supervisor, **CONSTRUCTION)
    before = client.get("/api/v1/rules", headers=supervisor).json()["revision"]
    changed = client.patch(f"/api/v1/rules/{construction}", headers=admin,
                           json={"department": "ecology_env", "reason": "职责调整"})
    assert changed.status_code == 200 and changed.json()["revision"] == before + 1
    event = receive(content="合阳城工地夜间施工噪音", category="noise", subcategory="construction")
    assert client.get(f"/api/v1/cases/{event.subject}", headers=supervisor).json()["department"] == "ecology_env"
    off = client.patch(f"/api/v1/rules/{construction}", headers=admin, json={"active": False})
    assert off.json()["rule"]["active"] is False
    [last, first] = client.get("/api/v1/rules/history", params={"rule_id": construction},
                               headers=supervisor).json()["changes"]
    assert (first["action"], first["before"]["department"], first["after"]["department"]) == (
        "changed", "housing_construction", "ecology_env")
    assert last["action"] == "deactivated" and last["before"]["active"] is True
    listed = client.get("/api/v1/rules", params={"inactive": True}, headers=supervisor).json()["rules"]
    assert any(r["id"] == construction and not r["active"] for r in listed)
    assert all(r["id"] != construction for r in client.get("/api/v1/rules", headers=supervisor).json()["rules"])


@pytest.mark.parametrize(("body", "message"), [
    ({"category": "noise", "subcategory": "cooking", "department": "ecology_env"}, "未知的问题类型"),
    ({"category": "noise", "town": "atlantis", "department": "ecology_env"}, "没有这个镇街"),
    ({"category": "noise", "town": "taihe", "area": "towns", "department": "ecology_env"}, "不能同时指定"),
    ({"category": "noise", "department": "mars_office"}, "承办单位须为有效部门"),
    ({**CONSTRUCTION, "department": "ecology_env"}, "已有同一条件的有效规则"),
])
def test_a_rule_that_makes_no_sense_is_refused_and_nothing_changes(client, admin, supervisor, body, message):
    before = client.get("/api/v1/rules", headers=supervisor).json()
    refused = client.post("/api/v1/rules", headers=admin, json=body)
    assert refused.status_code in (409, 422) and message in refused.json()["error"]["message"]
    assert client.get("/api/v1/rules", headers=supervisor).json() == before
    assert client.get("/api/v1/rules/history", headers=supervisor).json()["changes"] == []


def test_only_admins_change_rules_and_supervisors_read_them(client, auth, supervisor):
    for role in ("supervisor", "dispatcher", "operator"):
        headers = auth(role, department="ecology_env" if role == "dispatcher" else None)
        assert client.post("/api/v1/rules", headers=headers, json={**CONSTRUCTION, "town": "taihe",
                                                                   "department": "town"}).status_code == 403
    assert client.get("/api/v1/rules", headers=supervisor).status_code == 200
    assert client.get("/api/v1/rules").status_code == 401
    assert client.patch("/api/v1/rules/9999", headers=auth("admin"), json={"active": False}).status_code == 404


def test_a_dry_run_shows_which_past_cases_a_change_would_move_and_changes_nothing(client, supervisor, receive,
                                                                                  clock):
    taihe = receive(town="taihe", content="太和镇工地夜间施工噪音", category="noise", subcategory="construction")
    receive(town="heyangcheng", content="合阳城工地夜间施工噪音", category="noise", subcategory="construction")
    clock.advance(timedelta(days=1))
    before = client.get("/api/v1/rules", headers=supervisor).json()
    run = client.post("/api/v1/rules/dry-run", headers=supervisor,
                      json={"add": [{**CONSTRUCTION, "town": "taihe", "department": "town"}], "days": 30})
    assert run.status_code == 200, run.text
    body = run.json()
    assert (body["cases"], body["moved"]) == (2, 1)
    assert body["flows"] == [{"from": "housing_construction", "to": "town_taihe", "cases": 1}]
    assert body["moved_cases"][0]["complaint_id"] == taihe.subject
    switched = client.post("/api/v1/rules/dry-run", headers=supervisor,
                           json={"switch_off": [rule_id(client, supervisor, **CONSTRUCTION)]}).json()
    assert switched["moved"] == 2 and switched["flows"] == [{"from": "housing_construction", "to": None, "cases": 2}]
    assert client.get("/api/v1/rules", headers=supervisor).json() == before  # nothing was changed
    assert client.post("/api/v1/rules/dry-run", headers=supervisor, json={"days": 0}).status_code == 422
    assert client.post("/api/v1/rules/dry-run", headers=supervisor, json={"switch_off": [9999]}).status_code == 404


def test_the_command_line_lists_adds_and_switches_off_rules_with_the_audit(monkeypatch, database_url, capsys,
                                                                           supervisor, client):
    from services.cli import main

    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["rules", "add", "--category", "noise", "--subcategory", "construction", "--town", "longshi",
                 "--department", "town", "--by", "li.admin", "--reason", "龙市镇试点"]) == 0
    added = json.loads(capsys.readouterr().out)
    assert added["label"].endswith("noise/construction@longshi -> town")
    assert main(["rules", "off", str(added["id"]), "--by", "li.admin"]) == 0
    assert main(["rules", "list", "--all"]) == 0
    assert f"{added['label']}  (停用 / off)" in capsys.readouterr().out
    history = client.get("/api/v1/rules/history", params={"rule_id": added["id"]}, headers=supervisor).json()
    assert [(c["action"], c["by"]) for c in history["changes"]] == [("deactivated", "li.admin"),
                                                                     ("created", "li.admin")]
    assert main(["rules", "off"]) == 2
    assert main(["rules", "add", "--category", "noise", "--department", "mars"]) == 1
    assert "承办单位须为有效部门" in capsys.readouterr().err

"""The knowledge base (知识库) and reply templates (答复口径), through intake's API on both databases.

The demo seed (DEMO_MODE, as in every test database) writes six articles and three templates; the tests
write their own beside them and say which they expect.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from services.intake.adapters.knowledge_tables import ArticleVersionRow, ConsultationRow
from services.intake.adapters.tables import ComplaintRow
from shared.contracts import events as ev
from shared.eventbus.tables import OutboxRecord
from tests.intake.conftest import Intake

OWN = "housing_construction"
OTHER = "ecology_env"
ARTICLE = {"title": "工地夜间施工许可如何查询", "question": "怎么知道工地晚上施工有没有批准？",
           "answer": "夜间连续施工须取得证明并在施工现场显著位置公示，可向区住房城乡建委核实。",
           "department": OWN, "status": "internal", "category": "noise", "subcategory": "construction",
           "legal_basis": "《中华人民共和国噪声污染防治法》第四十三条", "keywords": ["夜间施工证明", "公示", "许可"]}


def login(intake: Intake, username: str) -> dict[str, str]:
    answer = intake.client.post("/api/v1/auth/token", data={"username": username, "password": "demo"})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def write(intake: Intake, who: str, **changes: Any) -> dict[str, Any]:
    answer = intake.client.post("/api/v1/knowledge/articles", json={**ARTICLE, **changes}, headers=login(intake, who))
    assert answer.status_code == 201, answer.text
    return answer.json()


def search(intake: Intake, who: str | None, text: str, **params: Any) -> list[dict[str, Any]]:
    if who is None:
        answer = intake.client.get("/api/v1/knowledge/public", params={"q": text, **params})
    else:
        answer = intake.client.get("/api/v1/knowledge/articles", params={"q": text, **params},
                                   headers=login(intake, who))
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]  # type: ignore[no-any-return]


def count(engine, table) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


# --- who may do what --------------------------------------------------------------------------------------


def test_the_owning_department_writes_other_departments_read_and_never_edit(intake):
    made = write(intake, f"dispatcher-{OWN}")
    assert (made["version"], made["status"], made["editable"]) == (1, "internal", True)
    assert made["department_name"] == "区住房城乡建委" and made["updated_by"] == f"dispatcher-{OWN}"

    other = login(intake, f"dispatcher-{OTHER}")
    read = intake.client.get(f"/api/v1/knowledge/articles/{made['id']}", headers=other)
    assert read.status_code == 200 and read.json()["editable"] is False
    edited = intake.client.put(f"/api/v1/knowledge/articles/{made['id']}", json={**ARTICLE, "title": "改"},
                               headers=other)
    assert edited.status_code == 403, edited.text
    # nor may a dispatcher write for another department, or an operator write at all
    assert intake.client.post("/api/v1/knowledge/articles", json=ARTICLE, headers=other).status_code == 403
    operator = login(intake, "operator")
    assert intake.client.post("/api/v1/knowledge/articles", json=ARTICLE, headers=operator).status_code == 403
    # nor give one's own article away to another department
    away = intake.client.put(f"/api/v1/knowledge/articles/{made['id']}", json={**ARTICLE, "department": OTHER},
                             headers=login(intake, f"dispatcher-{OWN}"))
    assert away.status_code == 403


def test_a_draft_is_seen_by_its_department_and_supervisors_only_and_a_citizen_sees_only_public(intake):
    draft = write(intake, f"dispatcher-{OWN}", status="draft", title="草稿：夜间施工证明核查要点")
    words = "夜间施工证明"
    assert draft["id"] in [i["id"] for i in search(intake, f"dispatcher-{OWN}", words)]
    assert draft["id"] in [i["id"] for i in search(intake, "supervisor", words)]
    assert draft["id"] not in [i["id"] for i in search(intake, "operator", words)]
    assert draft["id"] not in [i["id"] for i in search(intake, f"dispatcher-{OTHER}", words)]
    hidden = intake.client.get(f"/api/v1/knowledge/articles/{draft['id']}", headers=login(intake, "operator"))
    assert hidden.status_code == 404

    internal = write(intake, "supervisor", title="内部：夜间施工证明的核验渠道")
    public = write(intake, "supervisor", title="公开：夜间施工证明在哪里公示", status="public")
    found = {i["id"] for i in search(intake, None, words)}
    assert public["id"] in found and not found & {draft["id"], internal["id"]}
    assert intake.client.get(f"/api/v1/knowledge/public/{internal['id']}").status_code == 404
    shown = intake.client.get(f"/api/v1/knowledge/public/{public['id']}").json()
    assert shown["title"] == "公开：夜间施工证明在哪里公示"
    assert "updated_by" not in shown and "department" not in shown  # no staff names, no codes for citizens


def test_every_change_is_a_new_version_with_who_and_when_and_a_stale_edit_is_refused(intake, engine):
    made = write(intake, f"dispatcher-{OWN}")
    intake.clock.advance(timedelta(hours=2))
    supervisor = login(intake, "supervisor")
    changed = intake.client.put(f"/api/v1/knowledge/articles/{made['id']}", headers=supervisor,
                                json={**ARTICLE, "status": "public", "version": 1, "note": "核对后公开"})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["version"], changed.json()["status"]) == (2, "public")
    stale = intake.client.put(f"/api/v1/knowledge/articles/{made['id']}", headers=supervisor,
                              json={**ARTICLE, "title": "别人的旧版本上改", "version": 1})
    assert stale.status_code == 409 and "第 2 版" in stale.json()["error"]["message"]
    same = intake.client.put(f"/api/v1/knowledge/articles/{made['id']}", headers=supervisor,
                             json={**ARTICLE, "status": "public"})
    assert same.json()["version"] == 2  # nothing changed: no new version

    detail = intake.client.get(f"/api/v1/knowledge/articles/{made['id']}", headers=supervisor).json()
    versions = [(v["version"], v["changed_by"], v["status"], v["note"]) for v in detail["versions"]]
    assert versions == [(2, "supervisor", "public", "核对后公开"), (1, f"dispatcher-{OWN}", "internal", "新建")]
    assert detail["versions"][0]["changed_at"] > detail["versions"][1]["changed_at"]
    with engine.connect() as conn:
        stored = conn.execute(select(ArticleVersionRow.version, ArticleVersionRow.content)
                              .where(ArticleVersionRow.article_id == made["id"])
                              .order_by(ArticleVersionRow.version)).all()
    assert [v for v, _ in stored] == [1, 2] and '"status": "internal"' in stored[0][1]


def test_an_article_is_checked(intake):
    supervisor = login(intake, "supervisor")
    for bad in ({"category": "noise", "subcategory": "cooking_fumes"}, {"department": "nowhere"}, {"answer": ""}):
        answer = intake.client.post("/api/v1/knowledge/articles", json={**ARTICLE, **bad}, headers=supervisor)
        assert answer.status_code == 422, (bad, answer.text)


# --- searching while typing -----------------------------------------------------------------------------------


def test_the_callers_words_find_the_article_that_answers_them_first(intake):
    # the seeded public articles: 餐饮油烟扰民怎么处理, 夜间施工噪声投诉的处理时限, 噪声扰民由哪个部门执法
    fumes = search(intake, "operator", "我家楼下饭店油烟太大了窗户都不敢开")
    assert fumes[0]["title"] == "餐饮油烟扰民怎么处理"
    assert {"油烟", "饭店"} <= set(fumes[0]["terms"]) and "油烟" in fumes[0]["snippet"]
    assert fumes[0]["score"] > (fumes[1]["score"] if len(fumes) > 1 else 0)
    night = search(intake, "operator", "晚上工地一直在打桩，投诉了多久能处理")
    assert night[0]["title"] == "夜间施工噪声投诉的处理时限"
    who = search(intake, "operator", "楼上邻居装修太吵归哪个部门管")
    assert who[0]["title"] == "噪声扰民由哪个部门执法"


def test_a_word_being_typed_already_matches_as_a_prefix(intake):
    write(intake, "supervisor", title="扬尘污染的投诉渠道", keywords=["扬尘"], category="air", subcategory="dust",
          answer="工地扬尘由区住房城乡建委查处。")
    typing = search(intake, "operator", "工地扬")  # 扬尘 not finished yet
    assert typing and typing[0]["title"] == "扬尘污染的投诉渠道" and "扬尘" in typing[0]["terms"]
    assert search(intake, "operator", "完全无关的快递丢件") == []


def test_an_edit_is_found_by_the_next_search(intake):
    made = write(intake, "supervisor", status="public")
    assert search(intake, None, "光伏板反光") == []
    changed = intake.client.put(f"/api/v1/knowledge/articles/{made['id']}", headers=login(intake, "supervisor"),
                                json={**ARTICLE, "status": "public", "keywords": ["光伏板反光"]})
    assert changed.status_code == 200
    assert [i["id"] for i in search(intake, None, "光伏板反光")] == [made["id"]]
    unpublished = intake.client.put(f"/api/v1/knowledge/articles/{made['id']}", headers=login(intake, "supervisor"),
                                    json={**ARTICLE, "status": "internal", "keywords": ["光伏板反光"]})
    assert unpublished.status_code == 200
    assert search(intake, None, "光伏板反光") == []


# --- 直接办结 ---------------------------------------------------------------------------------------------------


def test_a_consultation_is_closed_on_the_spot_and_is_no_complaint(intake, engine):
    [article] = [i for i in search(intake, "operator", "夜间施工投诉多久处理") if i["title"].startswith("夜间施工")]
    complaints, events = count(engine, ComplaintRow), count(engine, OutboxRecord)
    question = "来电咨询：晚上工地施工，投诉后多久处理？"
    answer = intake.client.post("/api/v1/knowledge/consultations", headers=login(intake, "operator"),
                                json={"question": question, "article_id": article["id"]})
    assert answer.status_code == 201, answer.text
    done = answer.json()
    assert (done["status"], done["channel"], done["answered_by"], done["article_version"]) == \
        ("closed", "hotline", "operator", 1)
    # not received as a complaint: no tracking code, no complaint event, so routing never sees it and no target
    # (交办率, 按时回复率, 满意度) counts it; one event on the reference topic for notify's report of 直接办结,
    # without the caller's question
    assert count(engine, ComplaintRow) == complaints and count(engine, OutboxRecord) == events + 1
    with engine.connect() as conn:
        published = conn.execute(select(OutboxRecord).order_by(OutboxRecord.position.desc())).first()  # type: ignore[union-attr]
    assert published is not None
    assert (published.type, published.topic) == (ev.ConsultationAnsweredV1.event_type, "complaints.reference")
    assert question not in published.payload and article["id"] in published.payload
    with engine.connect() as conn:
        row = conn.execute(select(ConsultationRow)).one()
    assert (row.article_id, row.question, row.answered_by) == (article["id"], question, "operator")
    detail = intake.client.get(f"/api/v1/knowledge/articles/{article['id']}", headers=login(intake, "supervisor"))
    assert detail.json()["answered"] == 1


def test_a_draft_or_an_unknown_article_closes_nothing(intake, engine):
    draft = write(intake, "supervisor", status="draft")
    operator = login(intake, "operator")
    supervisor = login(intake, "supervisor")
    refused = intake.client.post("/api/v1/knowledge/consultations", headers=supervisor,
                                 json={"question": "工地夜间施工有没有批准？", "article_id": draft["id"]})
    assert refused.status_code == 409
    hidden = intake.client.post("/api/v1/knowledge/consultations", headers=operator,
                                json={"question": "工地夜间施工有没有批准？", "article_id": draft["id"]})
    assert hidden.status_code == 404  # an operator does not see drafts at all
    dispatcher = intake.client.post("/api/v1/knowledge/consultations", headers=login(intake, f"dispatcher-{OWN}"),
                                    json={"question": "工地夜间施工有没有批准？", "article_id": draft["id"]})
    assert dispatcher.status_code == 403
    assert count(engine, ConsultationRow) == 0


# --- review reminders ------------------------------------------------------------------------------------------


def test_reviews_list_the_overdue_and_due_soon_for_their_owners(intake):
    today = intake.clock.now().date()
    late = write(intake, f"dispatcher-{OWN}", title="逾期复核", review_by=str(today - timedelta(days=1)))
    soon = write(intake, f"dispatcher-{OWN}", title="即将复核", review_by=str(today + timedelta(days=5)))
    write(intake, f"dispatcher-{OWN}", title="远期复核", review_by=str(today + timedelta(days=200)))
    own = intake.client.get("/api/v1/knowledge/reviews", headers=login(intake, f"dispatcher-{OWN}")).json()["items"]
    mine = [(i["id"], i["review_state"]) for i in own if i["title"].endswith("复核")]
    assert mine == [(late["id"], "overdue"), (soon["id"], "due_soon")]  # the most overdue first
    assert {i["department"] for i in own} == {OWN}
    other = intake.client.get("/api/v1/knowledge/reviews", headers=login(intake, f"dispatcher-{OTHER}")).json()
    assert {i["department"] for i in other["items"]} <= {OTHER} and late["id"] not in {i["id"] for i in other["items"]}
    everyone = intake.client.get("/api/v1/knowledge/reviews", params={"within_days": 0},
                                 headers=login(intake, "supervisor")).json()["items"]
    assert late["id"] in {i["id"] for i in everyone} and soon["id"] not in {i["id"] for i in everyone}
    intake.clock.advance(timedelta(days=10))  # time passes: the due-soon one is overdue now
    later = intake.client.get("/api/v1/knowledge/reviews", headers=login(intake, f"dispatcher-{OWN}")).json()
    states = {i["id"]: i["review_state"] for i in later["items"]}
    assert (states[late["id"]], states[soon["id"]]) == ("overdue", "overdue")
    assert intake.client.get("/api/v1/knowledge/reviews", headers=login(intake, "operator")).status_code == 403


# --- reply templates ---------------------------------------------------------------------------------------------


def assign(intake: Intake, received: dict[str, Any], department: str) -> None:
    now = intake.clock.now()
    day = timedelta(days=1)
    intake.deliver(ev.CaseAssignedV1(
        complaint_id=received["id"], tracking_code=received["tracking_code"], department=department,
        category="noise", subcategory="construction", received_at=now, assign_due=now + day, assigned_at=now,
        accept_due=now + day, return_due=now + day, reply_due=now + 10 * day, rule="test", by="system"))


def test_templates_fit_the_type_and_fill_in_the_cases_facts(intake):
    supervisor = login(intake, "supervisor")
    listed = intake.client.get("/api/v1/knowledge/templates", headers=supervisor,
                               params={"category": "noise", "subcategory": "construction"}).json()
    names = [t["name"] for t in listed["items"]]
    assert names == ["建筑施工噪声·已责令整改", "通用·已受理正在办理"]  # the subtype's own first, fumes' not at all
    assert {"tracking_code", "address", "department"} <= {p["name"] for p in listed["placeholders"]}

    received = intake.report(address="学士路 18 号")
    assign(intake, received, OWN)
    template = listed["items"][0]
    rendered = intake.client.post(f"/api/v1/knowledge/templates/{template['id']}/render",
                                  json={"complaint_id": received["id"]}, headers=login(intake, f"dispatcher-{OWN}"))
    assert rendered.status_code == 200, rendered.text
    text = rendered.json()["text"]
    assert received["tracking_code"] in text and "合阳城街道学士路 18 号" in text and "区住房城乡建委" in text
    assert "2026年11月26日" in text and "{" not in text and rendered.json()["missing"] == []
    assert "第四十三条" in text  # the legal basis is carried

    # another department's case is not found; facts given by hand fill what a case lacks
    other = intake.client.post(f"/api/v1/knowledge/templates/{template['id']}/render",
                               json={"complaint_id": received["id"]}, headers=login(intake, f"dispatcher-{OTHER}"))
    assert other.status_code == 404
    by_hand = intake.client.post(f"/api/v1/knowledge/templates/{template['id']}/render",
                                 json={"facts": {"address": "南屏路 88 号"}}, headers=supervisor).json()
    assert "南屏路 88 号" in by_hand["text"] and set(by_hand["missing"]) == {"tracking_code", "received_at", "town",
                                                                           "department"}


def test_supervisors_write_templates_and_unknown_placeholders_are_refused(intake):
    supervisor = login(intake, "supervisor")
    bad = intake.client.post("/api/v1/knowledge/templates", headers=supervisor,
                             json={"name": "错", "body": "您的姓名 {name}", "category": "noise"})
    assert bad.status_code == 422 and "{name}" in bad.json()["error"]["message"]
    made = intake.client.post("/api/v1/knowledge/templates", headers=supervisor,
                              json={"name": "工业噪声·监测达标", "body": "经监测，{address}的企业厂界噪声达标。",
                                    "category": "noise", "subcategory": "industrial", "legal_basis": "GB 12348-2008"})
    assert made.status_code == 201, made.text
    dispatcher = login(intake, f"dispatcher-{OWN}")
    assert intake.client.post("/api/v1/knowledge/templates", headers=dispatcher,
                              json={"name": "x", "body": "y"}).status_code == 403
    off = intake.client.put(f"/api/v1/knowledge/templates/{made.json()['id']}", headers=supervisor,
                            json={"name": "工业噪声·监测达标", "body": "经监测达标。", "category": "noise",
                                  "subcategory": "industrial", "active": False})
    assert off.status_code == 200 and off.json()["version"] == 2
    listed = intake.client.get("/api/v1/knowledge/templates", params={"category": "noise", "subcategory": "industrial"},
                               headers=dispatcher).json()["items"]
    assert made.json()["id"] not in {t["id"] for t in listed}


def test_each_version_tells_notify_its_owner_status_and_review_date_without_the_answer(intake, engine):
    made = write(intake, f"dispatcher-{OWN}", review_by="2026-12-10")
    owner, path = login(intake, f"dispatcher-{OWN}"), f"/api/v1/knowledge/articles/{made['id']}"
    changed = intake.client.put(path, headers=owner, json={**ARTICLE, "review_by": "2027-06-10", "note": "复核"})
    assert changed.status_code == 200, changed.text
    unchanged = intake.client.put(path, headers=owner, json={**ARTICLE, "review_by": "2027-06-10"})
    assert unchanged.status_code == 200  # nothing changed: no version, no event
    with engine.connect() as conn:
        written = col(OutboxRecord.type) == ev.KnowledgeArticleWrittenV1.event_type
        rows = conn.execute(select(OutboxRecord).where(written, col(OutboxRecord.key) == made["id"])
                            .order_by(col(OutboxRecord.position))).all()
    assert [r.topic for r in rows] == ["complaints.reference"] * 2
    data = [json.loads(r.payload)["data"] for r in rows]
    assert [(d["version"], d["department"], d["status"], d["review_by"]) for d in data] == [
        (1, OWN, "internal", "2026-12-10"), (2, OWN, "internal", "2027-06-10")]
    assert all(ARTICLE["answer"] not in r.payload for r in rows)

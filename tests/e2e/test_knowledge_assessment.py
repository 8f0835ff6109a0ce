"""The knowledge base across the services: articles written and reviewed in intake reach notify as events, which
scores the owning department's 知识库维护及时率 in the assessment (docs/assessment.md), and the consultations closed
on the spot (直接办结) are counted in a report of their own (GET /api/v1/reports/consultations, the monthly
workbook's sheet 直接办结). All three services embedded on the test's database (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from openpyxl import load_workbook

URBAN = "urban_management"
AUTHOR = f"dispatcher-{URBAN}"


def write(system, title: str, review_by: str, *, status: str = "public", category: str | None = "noise",
          subcategory: str | None = "construction") -> dict[str, Any]:
    answer = system.client.post("/api/v1/knowledge/articles", headers=system.login(AUTHOR), json={
        "title": title, "answer": f"{title}：受理后一个工作日内交办，五个工作日内答复。", "department": URBAN,
        "status": status, "category": category, "subcategory": subcategory, "review_by": review_by})
    assert answer.status_code == 201, answer.text
    return answer.json()


def review(system, article: dict[str, Any], review_by: str) -> dict[str, Any]:
    """复核: the owners look at the article again and set its next review date."""
    body = {k: article[k] for k in ("title", "answer", "department", "status", "category", "subcategory")}
    answer = system.client.put(f"/api/v1/knowledge/articles/{article['id']}", headers=system.login(AUTHOR),
                               json={**body, "review_by": review_by, "note": "复核"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def consult(system, article: dict[str, Any], question: str) -> None:
    answer = system.client.post("/api/v1/knowledge/consultations", headers=system.login("operator"),
                                json={"question": question, "article_id": article["id"]})
    assert answer.status_code == 201, answer.text


def test_the_upkeep_of_a_departments_articles_is_scored_and_the_consultations_are_counted(system):
    # Thursday 2026-11-26 10:00
    overdue = write(system, "扬尘投诉的处理时限", "2026-11-20")  # set past its date, never reviewed: late
    today = write(system, "夜间施工噪声的投诉渠道", "2026-11-26")  # reviewed today: on time
    tomorrow = write(system, "工地围挡噪声怎么管", "2026-11-27")  # reviewed the day after: late
    write(system, "草稿：渣土车夜间运输", "2026-11-22", status="draft")  # a draft: left out
    later = write(system, "餐饮油烟的投诉渠道", "2026-11-29", status="internal", category="odor",
                  subcategory="cooking_fumes")  # due after now: not judged yet
    system.clock.advance(timedelta(hours=1))
    review(system, today, "2027-05-26")
    consult(system, today, "来电咨询：工地夜里施工向哪里投诉？")
    consult(system, today, "来电咨询：夜间施工多久有人处理？")
    consult(system, later, "来电咨询：楼下饭店油烟谁管？")
    system.clock.advance(timedelta(days=2))  # Saturday 11-28 11:00
    review(system, tomorrow, "2027-05-28")
    system.drain()

    supervisor = system.login("supervisor")
    found = system.client.get("/api/v1/assessments?month=2026-11", headers=supervisor)
    assert found.status_code == 200, found.text
    assessment = found.json()
    assert assessment["weights"]["knowledge"] == 5
    units = {u["department"]: u for u in assessment["units"]}
    upkeep = units[URBAN]["indicators"]["knowledge"]
    assert (upkeep["name"], upkeep["numerator"], upkeep["denominator"]) == ("知识库维护及时率", 1, 3)
    assert upkeep["rate"] == 1 / 3 and upkeep["points"] == 33.33 and upkeep["cases"] == []
    assert units[URBAN]["score"] == 33.33  # no case this month: the upkeep is its only indicator with data
    town = units["town_taihe"]["indicators"]["knowledge"]  # a town owns no article: no data, not zero
    assert (town["denominator"], town["rate"], units["town_taihe"]["score"]) == (0, None, None)
    assert overdue["id"] != later["id"]

    book = system.client.get("/api/v1/assessments?month=2026-11&format=xlsx", headers=supervisor)
    sheet = load_workbook(io.BytesIO(book.content))["区级部门"]
    header = [c.value for c in sheet[3]]
    column = header.index("知识库维护及时率")
    [row] = [r for r in sheet.iter_rows(min_row=4, values_only=True) if r[1] == "区城市管理局"]
    assert row[column - 2: column + 1] == (1, 3, 1 / 3)

    # 直接办结: a report of their own
    report = system.client.get("/api/v1/reports/consultations?month=2026-11", headers=supervisor)
    assert report.status_code == 200, report.text
    counted = report.json()
    assert (counted["month"], counted["from"], counted["to"], counted["total"]) == (
        "2026-11", "2026-11-01", "2026-11-30", 3)
    assert [(a["name"], a["count"], a["department"], a["department_name"]) for a in counted["by_article"]] == [
        ("夜间施工噪声的投诉渠道", 2, URBAN, "区城市管理局"), ("餐饮油烟的投诉渠道", 1, URBAN, "区城市管理局")]
    assert [(t["key"], t["name"], t["count"]) for t in counted["by_type"]] == [
        ("noise/construction", "噪声 / 建筑施工噪声", 2), ("odor/cooking_fumes", "异味恶臭 / 餐饮油烟", 1)]
    assert counted["by_operator"] == [{"key": "operator", "name": "operator", "count": 3}]
    assert counted["by_channel"] == [{"key": "hotline", "name": "热线电话", "count": 3}]
    assert counted["months"][-1] == {"month": "2026-11", "count": 3} and len(counted["months"]) == 12
    assert "来电咨询" not in report.text  # the callers' questions stay in intake
    this_month = system.client.get("/api/v1/reports/consultations", headers=supervisor).json()
    assert this_month["total"] == 3
    october = system.client.get("/api/v1/reports/consultations?month=2026-10", headers=supervisor).json()
    assert october["total"] == 0 and october["by_article"] == []
    for bad in ("2026-13", "2027-01", "11-2026"):
        refused = system.client.get(f"/api/v1/reports/consultations?month={bad}", headers=supervisor)
        assert refused.status_code == 422 and refused.json()["error"]["message"]
    assert system.client.get("/api/v1/reports/consultations", headers=system.login(AUTHOR)).status_code == 403
    assert system.client.get("/api/v1/reports/consultations").status_code == 401

    monthly = system.client.get("/api/v1/reports/monthly?month=2026-11", headers=supervisor)
    sheet = load_workbook(io.BytesIO(monthly.content))["直接办结"]
    assert "本月 3 件" in sheet["A1"].value
    assert [(r[3], r[4]) for r in sheet.iter_rows(min_row=4, max_row=5, values_only=True)] == [
        ("夜间施工噪声的投诉渠道", 2), ("餐饮油烟的投诉渠道", 1)]

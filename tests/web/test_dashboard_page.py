"""The supervisors' dashboard (/dashboard) on a desktop, in real Chromium against the served process: cases
reported and replied through the API show in the three targets (the same figures notify's API gives), the
trend chart is drawn, a number opens the cases behind it, and the command-centre wall (大屏) refreshes
itself without a reload."""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from playwright.sync_api import expect

from shared.clock import SHANGHAI
from tests.waiting import wait_for
from tests.web.conftest import DESKTOP, Api, Tab

DEPT = "ecology_env"
DISPATCHER = f"dispatcher-{DEPT}"
FIGURES = ("assignment_rate", "on_time_reply_rate", "satisfaction_rate")


def sign_in(page: Any, username: str) -> None:
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill("demo")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("staff-user")).to_contain_text(username)


def routed_case(api: Api, text: str, department: str = DEPT, subcategory: str = "industrial") -> tuple[
        dict[str, Any], dict[str, str]]:
    """A citizen's noise complaint in 合阳城街道 that the rules route to `department`, once it is there; with the
    headers of that department's dispatcher."""
    answer = api.report(content=f"{text}（编号{uuid.uuid4().hex[:6]}）", town="合阳城街道",
                        address="合阳城街道南园路12号", category="noise", subcategory=subcategory)
    dispatcher = api.login(f"dispatcher-{department}")
    wait_for(lambda: api.http.get(f"/api/v1/cases/{answer['id']}", headers=dispatcher).status_code == 200,
             what=f"routing assigned the case to {department}")
    return answer, dispatcher


def handled_case(api: Api, text: str, department: str = DEPT, subcategory: str = "industrial") -> dict[str, Any]:
    """A citizen's complaint routed to the ecology bureau (or `department`), signed for and replied to by its
    dispatcher."""
    answer, dispatcher = routed_case(api, text, department, subcategory)
    accepted = api.http.post(f"/api/v1/cases/{answer['id']}/accept", headers=dispatcher)
    assert accepted.status_code == 200, accepted.text
    replied = api.http.post(f"/api/v1/cases/{answer['id']}/reply", headers=dispatcher,
                            json={"reply": "已现场核查，责令该厂停止夜间生产。"})
    assert replied.status_code == 200, replied.text
    return answer


def counted(api: Api, supervisor: dict[str, str], complaint_id: str) -> dict[str, Any]:
    """notify's report, once it counts the case as replied on time."""
    def check() -> dict[str, Any] | None:
        cases = api.http.get("/api/v1/metrics/sla/cases", headers=supervisor,
                             params={"figure": "on_time_reply_rate", "outcome": "met", "limit": 100}).json()
        if complaint_id in [c["complaint_id"] for c in cases["cases"]]:
            return api.http.get("/api/v1/metrics/sla", headers=supervisor).json()
        return None
    return wait_for(check, what=f"notify counted {complaint_id} as replied on time")


def reveal(panel: Any, loaded: Any) -> None:
    """Scrolls a lazily loaded panel into view until `loaded` shows. A panel asks for its data once it comes near
    the screen after the targets are in; a panel above it that fills in meanwhile can push it off the screen
    again, as it would for a person, who scrolls once more."""
    for _ in range(40):
        panel.scroll_into_view_if_needed()
        if loaded.is_visible():
            return
        panel.page.wait_for_timeout(250)
    expect(loaded).to_be_visible()


def percent(rate: float | None) -> str:
    if rate is None:
        return "—"
    value = round(rate * 1000) / 10
    return f"{value:.0f}%" if value == int(value) else f"{value:.1f}%"


def test_a_supervisor_sees_the_targets_opens_the_cases_behind_a_number_and_the_wall(desktop: Tab, api: Api) -> None:
    first = handled_case(api, "南园路旁边的机械厂晚上一直开机器，噪声很大")
    second = handled_case(api, "南园路的化工厂夜里排气声音刺耳")
    supervisor = api.login("supervisor")
    counted(api, supervisor, first["id"])
    report = counted(api, supervisor, second["id"])

    page = desktop.page
    page.clock.install()  # the wall's minute is moved on below, not waited for
    page = desktop.open("/dashboard")
    expect(page).to_have_title(re.compile("综合监管看板"))
    page.get_by_label("用户名").fill(DISPATCHER)
    page.get_by_label("密码", exact=True).fill("demo")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("没有使用本页面的权限")  # supervisors only
    sign_in(page, "supervisor")
    expect(page.get_by_role("heading", name="综合监管看板")).to_be_visible()
    period = report["period"]  # the first day of a month is a period of one day, shown as one date
    expect(page.get_by_test_id("dash-period")).to_have_text(
        period["from"] if period["from"] == period["to"] else f"{period['from']} 至 {period['to']}")

    # the three targets, as notify's API gives them, with their lights and numbers
    for figure in FIGURES:
        card = page.get_by_test_id(f"target-{figure}")
        expect(card.get_by_test_id("target-rate")).to_have_text(percent(report[figure]["rate"]))
    reply = report["on_time_reply_rate"]
    card = page.get_by_test_id("target-on_time_reply_rate")
    expect(card.get_by_test_id("target-numerator")).to_contain_text(f"{reply['numerator']}按时回复")
    expect(card.get_by_test_id("target-denominator")).to_contain_text(f"{reply['denominator']}应回复")
    light = "达标" if reply["rate"] == 1 else ("接近目标" if reply["rate"] >= 0.98 else "未达标")
    expect(card.get_by_test_id("target-light")).to_have_text(light)
    expect(page.get_by_test_id("target-satisfaction_rate")).to_contain_text("回访满意度目标 ≥ 98%")

    # the trend is drawn (ECharts, its own chunk), and its numbers are in a table too
    expect(page.get_by_test_id("trend-chart").locator("canvas")).to_be_visible()
    page.get_by_text("趋势数据表").click()
    expect(page.get_by_test_id("trend-table").locator("tbody tr")).to_have_count(12)
    page.get_by_text("按月", exact=True).click()
    trend = api.http.get("/api/v1/metrics/sla/trend", params={"interval": "month"}, headers=supervisor).json()
    last = trend["points"][-1]["on_time_reply_rate"]
    expect(page.get_by_test_id("trend-table").locator("tbody tr").last).to_contain_text(
        f"{last['numerator']}/{last['denominator']}")

    # by department: the ecology bureau's row holds the two cases
    departments = page.get_by_test_id("groups-department")
    expect(departments).to_contain_text("区生态环境局")
    page.get_by_role("tab", name="按镇街").click()
    expect(page.get_by_test_id("groups-town")).to_contain_text("合阳城街道")
    page.get_by_role("tab", name="按承办单位").click()
    desktop.shot("staff-dashboard")

    # a number, reached by keyboard, opens the cases behind it: both tracking codes are there
    numerator = card.get_by_test_id("target-numerator")
    numerator.focus()
    page.keyboard.press("Enter")
    drawer = page.get_by_test_id("cases-drawer")
    expect(drawer.get_by_role("heading", name="按时回复率 · 按时回复")).to_be_visible()
    for answer in (first, second):
        expect(drawer.get_by_test_id("cases-table")).to_contain_text(answer["tracking_code"])
    expect(drawer.get_by_test_id("cases-total")).to_have_text(str(reply["numerator"]))
    desktop.shot("staff-dashboard-cases", full_page=False)
    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()

    # the same from the department table: the ecology bureau's on-time replies
    row = departments.locator("tr", has_text="区生态环境局")
    row.get_by_role("button", name=re.compile("区生态环境局 按时回复 \\d+ 件")).click()
    expect(drawer.get_by_role("heading", name="区生态环境局 · 按时回复率 · 按时回复")).to_be_visible()
    expect(drawer.get_by_test_id("cases-table")).to_contain_text(first["tracking_code"])
    page.keyboard.press("Escape")

    # the wall: dark, large, and it refreshes itself every minute without a reload
    page.get_by_test_id("wall-open").click()
    wall = page.get_by_test_id("wall")
    expect(wall).to_be_visible()
    expect(page).to_have_url(re.compile(r"/dashboard\?wall=1$"))
    expect(page.get_by_test_id("wall-close")).to_be_focused()
    expect(wall.get_by_test_id("trend-chart").locator("canvas")).to_be_visible()
    expect(wall.get_by_test_id("wall-departments")).to_contain_text("区生态环境局")
    background = page.evaluate("getComputedStyle(document.querySelector('[data-testid=wall]')).backgroundImage")
    assert "gradient" in background
    rate_size = wall.get_by_test_id("target-on_time_reply_rate").get_by_test_id("target-rate").evaluate(
        "el => parseFloat(getComputedStyle(el).fontSize)")
    assert rate_size >= 72
    desktop.shot("staff-dashboard-wall", full_page=False)
    page.set_viewport_size({"width": 1920, "height": 1080})  # the command centre's screen
    desktop.shot("staff-dashboard-wall-1080p", full_page=False)
    page.set_viewport_size(DESKTOP)

    page.evaluate("window.__sameDocument = true")
    third = handled_case(api, "南园路机械厂周末凌晨又在开机器")
    after = counted(api, supervisor, third["id"])
    assert after["on_time_reply_rate"]["numerator"] == reply["numerator"] + 1
    wall_numerator = wall.get_by_test_id("target-on_time_reply_rate").get_by_test_id("target-numerator")
    expect(wall_numerator).to_contain_text(f"{reply['numerator']}按时回复")
    page.clock.fast_forward(61_000)  # a minute on the wall's clock
    expect(wall_numerator).to_contain_text(f"{after['on_time_reply_rate']['numerator']}按时回复")
    assert page.evaluate("window.__sameDocument") is True  # refreshed in place, not reloaded

    page.keyboard.press("Escape")
    expect(wall).to_be_hidden()
    expect(page).to_have_url(re.compile(r"/dashboard$"))

    # `?wall=1` opens the wall directly (the command centre's browser starts on it)
    page.goto(desktop.base_url + "/dashboard?wall=1")
    expect(page.get_by_test_id("wall")).to_be_visible()

    # a tablet (landscape): the same page in one column
    page.goto(desktop.base_url + "/dashboard")
    page.set_viewport_size({"width": 1024, "height": 768})
    expect(page.get_by_test_id("target-assignment_rate")).to_be_visible()
    expect(page.get_by_test_id("trend-chart").locator("canvas")).to_be_visible()
    desktop.shot("staff-dashboard-tablet")
    assert desktop.console_errors == []



def test_the_dashboard_exports_the_months_report_as_a_workbook(desktop: Tab, api: Api) -> None:
    import io
    from pathlib import Path

    from openpyxl import load_workbook

    answer = handled_case(api, "南园路的锻造厂夜里锤击声很大")
    supervisor = api.login("supervisor")
    report = counted(api, supervisor, answer["id"])
    page = desktop.open("/dashboard")
    sign_in(page, "supervisor")
    with page.expect_download() as downloading:
        page.get_by_test_id("export-report").click()
    download = downloading.value
    month = report["period"]["to"][:7]
    assert download.suggested_filename == f"合川区生态环境投诉处理月报-{month}.xlsx"
    book = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))  # the saved file has no .xlsx name
    assert book.sheetnames == ["三项指标", "按承办单位", "按类型", "按镇街", "超期案件", "问题清单", "直接办结"]
    [reply] = [row for row in book["三项指标"].iter_rows(min_row=6, max_row=8, values_only=True)
               if row[0] == "按时回复率"]
    now = api.http.get("/api/v1/metrics/sla", headers=supervisor,
                       params={"from": f"{month}-01", "to": report["period"]["to"]}).json()["on_time_reply_rate"]
    assert reply[1:3] == (now["numerator"], now["denominator"])
    assert desktop.console_errors == []


# --- 考核排名 and 问题清单 ------------------------------------------------------------------------------------

HOUSING = "housing_construction"
HEYANGCHENG = "heyangcheng"  # 合阳城街道, where every case of these tests is


def score_text(score: float | None) -> str:
    """As the page writes a score: one decimal, halves rounded up (JavaScript's Math.round)."""
    return "—" if score is None else f"{math.floor(score * 10 + 0.5) / 10:.1f}"


def today_in_chongqing() -> str:
    return datetime.now(SHANGHAI).date().isoformat()


def article(api: Api, department: str, title: str, review_by: str, status: str = "public") -> dict[str, Any]:
    """A knowledge article written by the department's dispatcher (知识库)."""
    answer = api.http.post("/api/v1/knowledge/articles", headers=api.login(f"dispatcher-{department}"), json={
        "title": f"{title}（{uuid.uuid4().hex[:6]}）", "answer": f"{title}：受理后一个工作日内交办。",
        "department": department, "status": status, "category": "noise", "subcategory": "construction",
        "review_by": review_by})
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


def reviewed_article(api: Api, department: str) -> dict[str, Any]:
    """An article due for review today, reviewed today (复核: a new review date): on time."""
    made = article(api, department, "夜间施工噪声的投诉渠道", today_in_chongqing())
    body = {k: made[k] for k in ("title", "answer", "department", "status", "category", "subcategory")}
    answer = api.http.put(f"/api/v1/knowledge/articles/{made['id']}", headers=api.login(f"dispatcher-{department}"),
                          json={**body, "review_by": "2099-12-31", "note": "复核"})
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def two_departments_with_figures(api: Api) -> dict[str, Any]:
    """Three cases signed for and replied to by the ecology bureau; three assigned to the housing and construction
    commission, which replies to two and returns one (退单): both are ranked, the commission below the bureau."""
    ecology = [handled_case(api, f"南园路五金厂夜里冲压声很大，第{i}次反映") for i in range(3)]
    housing = [handled_case(api, f"南园路工地夜里打桩，第{i}次反映", HOUSING, "construction") for i in range(2)]
    returned, dispatcher = routed_case(api, "南园路工厂的风机噪声（不是工地）", HOUSING, "construction")
    answer = api.http.post(f"/api/v1/cases/{returned['id']}/return", headers=dispatcher,
                           json={"reason": "属于工业噪声，非建筑施工"})
    assert answer.status_code == 200, answer.text
    reviewed_article(api, DEPT)  # 知识库维护及时率: an article due for review today, reviewed today
    supervisor = api.login("supervisor")

    def assessed() -> dict[str, Any] | None:
        found = api.http.get("/api/v1/assessments", headers=supervisor).json()
        units = {u["department"]: u for u in found["units"]}
        eco, hou = units[DEPT]["indicators"], units[HOUSING]["indicators"]
        if ({a["id"] for a in ecology} <= set(eco["reply"]["cases"])
                and {a["id"] for a in housing} <= set(hou["reply"]["cases"])
                and returned["id"] in hou["returns"]["cases"] and eco["knowledge"]["numerator"] >= 1):
            return found
        return None
    found = wait_for(assessed, what="notify assessed both departments")
    return {"assessment": found, "returned": returned}


def test_the_assessment_ranks_the_units_shows_the_red_and_black_lists_and_exports_the_workbook(
        desktop: Tab, api: Api) -> None:
    import io
    from pathlib import Path

    from openpyxl import load_workbook

    seeded = two_departments_with_figures(api)
    found = seeded["assessment"]
    district = [u for u in found["units"] if u["kind"] == "district"]
    units = {u["department"]: u for u in district}
    assert units[DEPT]["rank"] is not None and units[HOUSING]["rank"] is not None
    assert units[DEPT]["rank"] < units[HOUSING]["rank"]  # the commission's return costs it points
    assert found["red"]["district"] and found["black"]["district"]

    page = desktop.page
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    page = desktop.open("/dashboard")
    sign_in(page, "supervisor")
    expect(page.get_by_test_id("target-on_time_reply_rate").get_by_test_id("target-rate")).not_to_have_text("—")
    page.wait_for_load_state("networkidle")
    # below the fold, the assessment and the problem list are not asked for until somebody scrolls to them
    assert not [u for u in asked if "/api/v1/assessments" in u or "/api/v1/hotspots" in u]

    panel = page.get_by_test_id("assessment")
    panel.scroll_into_view_if_needed()
    expect(panel.get_by_test_id("assess-period")).to_have_text(f"{found['from']} 至 {found['to']}")
    assert [u for u in asked if "/api/v1/assessments" in u]

    # 区级部门: the ranked units by rank, then those with too few cases, each figure as the API gives it
    table = panel.get_by_test_id("rank-district")
    ranked = sorted((u for u in district if u["rank"] is not None), key=lambda u: u["rank"])
    unranked = [u for u in district if u["rank"] is None]
    expect(table.get_by_test_id("unit-name")).to_have_text([u["name"] for u in ranked + unranked])
    for unit in (units[DEPT], units[HOUSING]):
        row = table.locator("tr", has=page.get_by_test_id("unit-name").get_by_text(unit["name"], exact=True))
        expect(row.get_by_test_id("rank")).to_have_text(str(unit["rank"]))
        expect(row.get_by_test_id("score")).to_have_text(score_text(unit["score"]))
        expect(row.get_by_test_id("assignments")).to_have_text(str(unit["assignments"]))
        for key, indicator in unit["indicators"].items():
            expect(row.get_by_test_id(f"ind-{key}")).to_have_text(
                percent(indicator["rate"]) if indicator["denominator"] else "—")
    if unranked:
        row = table.locator("tr", has=page.get_by_test_id("unit-name").get_by_text(unranked[0]["name"], exact=True))
        expect(row.get_by_test_id("rank")).to_have_text("不参与排名（件数不足）")
    expect(table.locator("thead")).to_contain_text("退单率越低越好")
    expect(table.locator("thead")).to_contain_text("重办率越低越好")

    # the numerator and denominator on hover
    housing = table.locator("tr", has=page.get_by_test_id("unit-name").get_by_text(units[HOUSING]["name"], exact=True))
    returns = units[HOUSING]["indicators"]["returns"]
    housing.get_by_test_id("ind-returns").hover()
    tooltip = page.get_by_role("tooltip").filter(has_text="退单率")
    expect(tooltip).to_have_text(f"退单率 {returns['numerator']}/{returns['denominator']}")
    panel.get_by_role("heading", name="考核排名").hover()
    expect(tooltip).to_be_hidden()
    reply = units[HOUSING]["indicators"]["reply"]
    housing.get_by_test_id("ind-reply").focus()  # and on keyboard focus
    expect(page.get_by_role("tooltip").filter(has_text="按时回复率")).to_have_text(
        f"按时回复率 {reply['numerator']}/{reply['denominator']}")
    housing.get_by_test_id("ind-reply").blur()
    # 知识库维护及时率: counted in articles, so nothing to open; a town without articles has no data (—)
    knowledge = units[DEPT]["indicators"]["knowledge"]
    expect(table.locator("thead")).to_contain_text("知识库维护及时率")
    ecology_row = table.locator("tr", has=page.get_by_test_id("unit-name").get_by_text(units[DEPT]["name"], exact=True))
    ecology_row.get_by_test_id("ind-knowledge").focus()
    expect(page.get_by_role("tooltip").filter(has_text="知识库维护及时率")).to_have_text(
        f"知识库维护及时率 {knowledge['numerator']}/{knowledge['denominator']}")
    ecology_row.get_by_test_id("ind-knowledge").blur()
    expect(ecology_row.locator("button[data-testid=ind-knowledge]")).to_have_count(0)

    # 红榜 and 黑榜, as the API lists them
    for which in ("red", "black"):
        for kind in ("district", "town"):
            names = [u["name"] for u in found[which][kind]]
            block = panel.get_by_test_id(f"{which}-list").get_by_test_id(f"{which}-{kind}")
            if names:
                expect(block.locator("li .honour__unit")).to_have_text(names)
            else:
                expect(block).to_contain_text("参与排名的单位不足")
    for code in (DEPT, HOUSING):  # the lists' units are marked in the table too
        row = table.locator("tr", has=page.get_by_test_id("unit-name").get_by_text(units[code]["name"], exact=True))
        on = [w for w in ("red", "black") if code in [u["department"] for u in found[w]["district"]]]
        expect(row.locator(".rank__badge")).to_have_text(["红榜" if w == "red" else "黑榜" for w in on])
    page.evaluate("window.scrollTo(0, 0)")
    desktop.shot("staff-dashboard-assessment")

    # a rate opens the cases behind its numerator: the commission's return
    housing.get_by_test_id("ind-returns").click()
    drawer = page.get_by_test_id("cases-drawer")
    expect(drawer.get_by_role("heading", name=f"{units[HOUSING]['name']} · 退单率 · 退单")).to_be_visible()
    expect(drawer.get_by_test_id("cases-total")).to_have_text(str(len(set(returns["cases"]))))
    expect(drawer.get_by_test_id("cases-table")).to_contain_text(seeded["returned"]["tracking_code"])
    expect(drawer.get_by_test_id("cases-table")).to_contain_text("待分拨")  # it went back to triage
    desktop.shot("staff-dashboard-assessment-cases", full_page=False)
    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()

    # the workbook of the same month, fetched with the token and saved under a Chinese name
    month = found["from"][:7]
    with page.expect_download() as downloading:
        panel.get_by_test_id("assess-download").click()
    download = downloading.value
    assert download.suggested_filename == f"合川区生态环境投诉办理考核-{month}.xlsx"
    content = Path(download.path()).read_bytes()
    assert content[:2] == b"PK"  # a zip, as every .xlsx
    book = load_workbook(io.BytesIO(content))
    assert "区级部门" in book.sheetnames and "镇街" in book.sheetnames
    rows = {row[1]: row for row in book["区级部门"].iter_rows(min_row=4, values_only=True) if row[1]}
    assert rows[units[DEPT]["name"]][0] == units[DEPT]["rank"]
    assert rows[units[HOUSING]["name"]][3] == units[HOUSING]["assignments"]

    # 镇街: the other tab
    panel.get_by_role("tab", name="镇街").click()
    towns = [u for u in found["units"] if u["kind"] == "town"]
    expect(panel.get_by_test_id("rank-town").get_by_test_id("unit-name")).to_have_count(len(towns))

    # a phone (390 px wide): the same panel, the tables scroll sideways
    page.set_viewport_size({"width": 390, "height": 844})
    panel.get_by_role("tab", name="区级部门").click()
    panel.scroll_into_view_if_needed()
    expect(panel.get_by_test_id("red-list")).to_be_visible()
    fits = panel.evaluate("el => el.scrollWidth <= el.parentElement.clientWidth")
    assert fits, "the panel is wider than the page's column: its tables should scroll inside it"
    desktop.shot("staff-dashboard-assessment-phone", full_page=False)
    page.evaluate("window.scrollTo(0, 0)")
    desktop.shot("staff-dashboard-phone")
    page.set_viewport_size(DESKTOP)

    # the wall: the red and black lists, large, and nothing to edit
    page.goto(desktop.base_url + "/dashboard?wall=1")
    wall = page.get_by_test_id("wall")
    lists = wall.get_by_test_id("wall-lists")
    for which in ("red", "black"):
        names = [u["name"] for u in found[which]["district"]]
        expect(lists.get_by_test_id(f"{which}-district").locator("li .honour__unit")).to_have_text(names)
    expect(lists.locator("button, input, textarea, select")).to_have_count(0)
    expect(wall.get_by_test_id("hotspot-assign")).to_have_count(0)
    size = lists.get_by_test_id("red-district").locator("li .honour__unit").first.evaluate(
        "el => parseFloat(getComputedStyle(el).fontSize)")
    assert size >= 20
    lists.scroll_into_view_if_needed()
    desktop.shot("staff-dashboard-wall-lists", full_page=False)
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.get_by_test_id("wall-close").scroll_into_view_if_needed()
    desktop.shot("staff-dashboard-wall-lists-1080p", full_page=False)
    page.set_viewport_size(DESKTOP)
    assert desktop.console_errors == []


def test_a_supervisor_gives_a_hotspot_an_owner_and_a_plan_and_resolves_it(desktop: Tab, api: Api) -> None:
    for i in range(3):  # three noise complaints in one town: 同地同类反复投诉
        handled_case(api, f"合阳城南园路厂房噪声扰民，第{i}次反映")
    supervisor = api.login("supervisor")
    key = f"recurring:{HEYANGCHENG}:noise"

    def flagged() -> dict[str, Any] | None:
        listed = api.http.get("/api/v1/hotspots", headers=supervisor).json()["hotspots"]
        return next((h for h in listed if h["key"] == key and h["flagged"] and h["status"] != "resolved"), None)
    hotspot = wait_for(flagged, what="the town's noise complaints are on the problem list")

    page = desktop.open("/dashboard")
    sign_in(page, "supervisor")
    panel = page.get_by_test_id("hotspots")
    reveal(panel, panel.get_by_test_id("hotspots-total"))
    row = panel.get_by_test_id("hotspot-table").locator(
        "tr", has=page.get_by_test_id("hotspot-title").get_by_text(hotspot["title"], exact=True))
    expect(row.get_by_test_id("hotspot-count")).to_have_text(str(hotspot["count"]))
    expect(row).to_contain_text(hotspot["reason"])
    expect(row.get_by_test_id("hotspot-status")).to_have_text(hotspot["status_name"])

    # 销号 before anybody owns it: the server refuses, and its words are shown in the dialog
    assert hotspot["owner"] is None
    row.get_by_test_id("hotspot-resolve").click()
    dialog = page.get_by_test_id("hotspot-dialog")
    dialog.get_by_label("办结说明（必填）").fill("已完成整改")
    dialog.get_by_test_id("hotspot-save").click()
    expect(dialog.get_by_test_id("hotspot-error")).to_contain_text("销号前须指定包案领导")
    desktop.shot("staff-dashboard-hotspot-refused", full_page=False)
    dialog.get_by_role("button", name="取消").click()
    expect(dialog).to_be_hidden()

    # 领导包案: an owner and a plan through the dialog
    owner, plan = "王强（副局长）", "一周内对南园路沿线厂房逐一排查，夜间噪声超标的依法查处，两周后回访。"
    row.get_by_test_id("hotspot-assign").click()
    expect(dialog.get_by_role("heading")).to_contain_text(hotspot["title"])
    dialog.get_by_label("包案领导（姓名、职务）").fill(owner)
    dialog.get_by_label("整改方案").fill(plan)
    desktop.shot("staff-dashboard-hotspot-dialog", full_page=False)
    dialog.get_by_test_id("hotspot-save").click()
    expect(dialog).to_be_hidden()
    expect(row.get_by_test_id("hotspot-owner-cell")).to_have_text(owner)
    expect(row.get_by_test_id("hotspot-plan-cell")).to_have_text(plan)
    expect(row.get_by_test_id("hotspot-status")).to_have_text("包案整改中")
    saved = next(h for h in api.http.get("/api/v1/hotspots", headers=supervisor).json()["hotspots"] if h["key"] == key)
    assert (saved["owner"], saved["plan"], saved["status"], saved["updated_by"]) == (owner, plan, "in_progress",
                                                                                    "supervisor")
    # its cases are asked for when it is opened, from its cases_url (the list does not carry them)
    assert "cases" not in hotspot
    behind = api.http.get(hotspot["cases_url"], headers=supervisor).json()
    assert behind["total"] == hotspot["count"] and len(behind["cases"]) == hotspot["count"]
    row.locator(".el-table__expand-icon").click()
    cases = panel.get_by_test_id("hotspot-cases")
    expect(cases.get_by_test_id("hotspot-case")).to_have_count(hotspot["count"])
    expect(cases).to_contain_text(behind["cases"][0]["tracking_code"])
    expect(cases).to_contain_text(f"已显示 {hotspot['count']} / {hotspot['count']} 件")
    page.evaluate("window.scrollTo(0, 0)")
    desktop.shot("staff-dashboard-hotspots")

    # on a phone each hotspot is a card; 销号 with a note there: it leaves the active list, the API has it resolved
    page.set_viewport_size({"width": 390, "height": 844})
    card = panel.get_by_test_id("hotspot-table").locator(
        "li", has=page.get_by_test_id("hotspot-title").get_by_text(hotspot["title"], exact=True))
    expect(card.get_by_test_id("hotspot-owner-cell")).to_have_text(owner)
    expect(card.get_by_test_id("hotspot-status")).to_have_text("包案整改中")
    card.scroll_into_view_if_needed()
    desktop.shot("staff-dashboard-hotspots-phone", full_page=False)
    expect(card.get_by_test_id("hotspot-cases")).to_have_count(0)  # asked for only when opened
    card.locator("summary").click()
    expect(card.get_by_test_id("hotspot-case")).to_have_count(hotspot["count"])
    card.get_by_test_id("hotspot-resolve").click()
    expect(dialog).to_contain_text(owner)
    dialog.get_by_label("办结说明（必填）").fill("已完成排查，3家厂房调整作业时间，回访群众满意。")
    dialog.get_by_test_id("hotspot-save").click()
    expect(dialog).to_be_hidden()
    expect(panel.get_by_test_id("hotspot-title").get_by_text(hotspot["title"], exact=True)).to_have_count(0)
    done = api.http.get("/api/v1/hotspots", headers=supervisor, params={"status": "resolved"}).json()["hotspots"]
    [closed] = [h for h in done if h["key"] == key]
    assert closed["status"] == "resolved" and closed["resolved_by"] == "supervisor"
    assert closed["note"] == "已完成排查，3家厂房调整作业时间，回访群众满意。"
    page.set_viewport_size(DESKTOP)
    panel.get_by_role("radio", name="已销号").click(force=True)
    expect(panel.get_by_test_id("hotspot-title").get_by_text(hotspot["title"], exact=True)).to_be_visible()
    # the browser notes the refused change (422) it was shown; nothing else went wrong
    assert [e for e in desktop.console_errors
            if not (e.startswith("Failed to load resource") and "status of 422" in e)] == []


# --- 直接办结 ----------------------------------------------------------------------------------------------------


def test_the_dashboard_counts_the_consultations_closed_on_the_spot(desktop: Tab, api: Api) -> None:
    made = article(api, "urban_management", "餐饮油烟的投诉渠道", "2099-12-31")
    operator = api.login("operator")
    for question in ("来电咨询：楼下饭店油烟谁管？", "来电咨询：烧烤店油烟向哪里投诉？"):
        answer = api.http.post("/api/v1/knowledge/consultations", headers=operator,
                               json={"question": question, "article_id": made["id"]})
        assert answer.status_code == 201, answer.text
    supervisor = api.login("supervisor")

    def counted(count: int) -> Callable[[], dict[str, Any] | None]:
        def report() -> dict[str, Any] | None:
            found = api.http.get("/api/v1/reports/consultations", headers=supervisor).json()
            return found if any(a["key"] == made["id"] and a["count"] == count for a in found["by_article"]) else None
        return report
    found = wait_for(counted(2), what="notify counted the two consultations")

    page = desktop.open("/dashboard")
    sign_in(page, "supervisor")
    expect(page.get_by_test_id("target-on_time_reply_rate")).to_be_visible()  # loaded (its rate may be — on the 1st)
    panel = page.get_by_test_id("consultations")
    reveal(panel, panel.get_by_test_id("consult-total"))
    expect(panel.get_by_test_id("consult-total")).to_have_text(str(found["total"]))
    table = panel.get_by_test_id("consult-article")
    expect(table.get_by_test_id("consult-name")).to_have_text([a["name"] for a in found["by_article"]])
    row = table.locator("tr", has=page.get_by_test_id("consult-name").get_by_text(made["title"], exact=True))
    expect(row.get_by_test_id("consult-count")).to_have_text("2")
    expect(row).to_contain_text("区城市管理局")
    # a third, then the dashboard's 刷新: the panel asks again too
    answer = api.http.post("/api/v1/knowledge/consultations", headers=operator,
                           json={"question": "来电咨询：夜市油烟找哪个部门？", "article_id": made["id"]})
    assert answer.status_code == 201, answer.text
    found = wait_for(counted(3), what="notify counted the third consultation")
    page.get_by_role("button", name="刷新").click()
    expect(row.get_by_test_id("consult-count")).to_have_text("3")
    expect(panel.get_by_test_id("consult-total")).to_have_text(str(found["total"]))
    expect(panel.get_by_test_id("consult-months").locator("li")).to_have_count(12)
    panel.get_by_role("tab", name="按话务员").click()
    expect(panel.get_by_test_id("consult-operator").get_by_test_id("consult-name")).to_have_text(
        [o["name"] for o in found["by_operator"]])
    panel.get_by_role("tab", name="按知识条目").click()
    panel.scroll_into_view_if_needed()
    desktop.shot("staff-dashboard-consultations", full_page=False)

    page.set_viewport_size({"width": 390, "height": 844})
    panel.scroll_into_view_if_needed()
    fits = panel.evaluate("el => el.scrollWidth <= el.parentElement.clientWidth")
    assert fits, "the panel is wider than the page's column"
    edge = panel.locator(".el-tabs__content").bounding_box()
    assert edge is not None
    for seen in (table.get_by_role("columnheader", name="占比"), panel.get_by_role("tab", name="按渠道")):
        box = seen.bounding_box()  # in sight, not scrolled out of the table or the tab bar
        assert box is not None and box["x"] + box["width"] <= edge["x"] + edge["width"] + 1, (seen, box, edge)
    desktop.shot("staff-dashboard-consultations-phone", full_page=False)
    page.set_viewport_size(DESKTOP)
    assert desktop.console_errors == []

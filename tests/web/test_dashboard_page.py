"""The supervisors' dashboard (/dashboard) on a desktop, in real Chromium against the served process: cases
reported and replied through the API show in the three targets (the same figures notify's API gives), the
trend chart is drawn, a number opens the cases behind it, and the command-centre wall (大屏) refreshes
itself without a reload."""

from __future__ import annotations

import re
import uuid
from typing import Any

from playwright.sync_api import expect

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


def handled_case(api: Api, text: str) -> dict[str, Any]:
    """A citizen's complaint routed to the ecology bureau, signed for and replied to by its dispatcher."""
    answer = api.report(content=f"{text}（编号{uuid.uuid4().hex[:6]}）", town="合阳城街道",
                        address="合阳城街道南园路12号", category="noise", subcategory="industrial")
    dispatcher = api.login(DISPATCHER)
    wait_for(lambda: api.http.get(f"/api/v1/cases/{answer['id']}", headers=dispatcher).status_code == 200,
             what="routing assigned the case")
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
    assert book.sheetnames == ["三项指标", "按承办单位", "按类型", "按镇街", "超期案件", "问题清单"]
    [reply] = [row for row in book["三项指标"].iter_rows(min_row=6, max_row=8, values_only=True)
               if row[0] == "按时回复率"]
    now = api.http.get("/api/v1/metrics/sla", headers=supervisor,
                       params={"from": f"{month}-01", "to": report["period"]["to"]}).json()["on_time_reply_rate"]
    assert reply[1:3] == (now["numerator"], now["denominator"])
    assert desktop.console_errors == []

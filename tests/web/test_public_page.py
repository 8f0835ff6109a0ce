"""The public disclosure page (/public, 主动公开) on a phone in WeChat's browser, in real Chromium against the
served process: a case reported and replied through the API shows among the month's handled cases with
its type, town and department, and the department's reply without the phone number or the name in it;
the figures are the ones notify's public API gives; nobody signs in; no personal data anywhere."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.waiting import wait_for
from tests.web.conftest import Api, Tab

DISPATCHER = "dispatcher-ecology_env"
REPLY = "经联系投诉人王小明（电话13987654321），已现场核查南园路化工厂夜间排气问题，责令其加装消声器，张先生表示认可。"


def replied_case(api: Api) -> dict:
    """A citizen's complaint with their name and phone, routed to the ecology bureau and replied to."""
    answer = api.report(content=f"南园路化工厂夜里排气声音刺耳（{uuid.uuid4().hex[:6]}）", town="合阳城街道",
                        address="合阳城街道南园路8号", category="noise", subcategory="industrial",
                        reporter={"name": "王小明", "phone": "13987654321", "anonymous": False})
    dispatcher = api.login(DISPATCHER)
    wait_for(lambda: api.http.get(f"/api/v1/cases/{answer['id']}", headers=dispatcher).status_code == 200,
             what="routing assigned the case")
    assert api.http.post(f"/api/v1/cases/{answer['id']}/accept", headers=dispatcher).status_code == 200
    reply = api.http.post(f"/api/v1/cases/{answer['id']}/reply", headers=dispatcher, json={"reply": REPLY})
    assert reply.status_code == 200, reply.text
    return answer


def test_anyone_sees_the_months_figures_and_handled_cases_without_personal_data(phone: Tab, api: Api) -> None:
    answer = replied_case(api)

    def published() -> dict | None:
        body = api.http.get("/api/v1/public/monthly", params={"limit": 100}).json()
        return body if any("王小明" not in (c["summary"] or "") and "化工厂夜间排气" in (c["summary"] or "")
                           for c in body["cases"]) else None

    body = wait_for(published, what="notify published the replied case")

    page = phone.open("/public")
    expect(page).to_have_title(re.compile("办理公开"))
    expect(page.get_by_role("heading", name="投诉办理情况公开")).to_be_visible()
    year, month = body["month"].split("-")
    expect(page.get_by_test_id("public-month")).to_have_text(f"{year}年{int(month)}月")
    expect(page.get_by_test_id("public-received")).to_have_text(str(body["received"]))
    expect(page.get_by_test_id("public-handled")).to_have_text(str(body["handled"]))
    reply = body["on_time_reply_rate"]
    card = page.get_by_test_id("public-on_time_reply_rate")
    expect(card).to_contain_text(f"按时回复 {reply['numerator']} / 应统计 {reply['denominator']}")
    expect(page.get_by_test_id("public-by-type")).to_contain_text("噪声")

    cases = page.get_by_test_id("public-cases")
    mine = cases.locator("li", has_text="化工厂夜间排气").first
    expect(mine).to_contain_text("噪声 / 工业噪声")
    expect(mine).to_contain_text("合阳城街道")
    expect(mine).to_contain_text("区生态环境局")
    expect(mine).to_contain_text("经联系投诉人**（电话[电话]），已现场核查南园路化工厂夜间排气问题")
    expect(mine).to_contain_text("某先生表示认可")
    text = page.locator("body").inner_text()
    for personal in ("王小明", "13987654321", "张先生", answer["tracking_code"], "南园路8号"):
        assert personal not in text, personal
    expect(page.get_by_text("公开内容不含投诉人姓名")).to_be_visible()
    expect(page.get_by_role("navigation", name="主导航").get_by_role("link", name="办理公开")).to_have_class(
        re.compile("is-active"))
    phone.shot("citizen-public")

    # the month before: its own figures, and back again; next month is not offered
    expect(page.get_by_test_id("month-next")).to_be_disabled()
    page.get_by_test_id("month-previous").click()
    previous = api.http.get("/api/v1/public/monthly", params={"month": _before(body["month"])}).json()
    expect(page.get_by_test_id("public-month")).to_have_text(_label(previous["month"]))
    expect(page.get_by_test_id("public-received")).to_have_text(str(previous["received"]))
    page.get_by_test_id("month-next").click()
    expect(page.get_by_test_id("public-month")).to_have_text(f"{year}年{int(month)}月")
    assert phone.console_errors == []


def _before(month: str) -> str:
    year, mon = (int(part) for part in month.split("-"))
    return f"{year - 1}-12" if mon == 1 else f"{year}-{mon - 1:02d}"


def _label(month: str) -> str:
    year, mon = month.split("-")
    return f"{year}年{int(mon)}月"

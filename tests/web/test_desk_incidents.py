"""突发环境事件 on the desk (docs/incidents.md), in real Chromium: a leak reported on the web shows a red banner
with the 2-hour countdown on the department's case drawer; the dispatcher records a referral to 119 and it is
listed, the banner then saying the first response is on record."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests.web.conftest import Api, Tab
from tests.web.test_desk_page import routed, sign_in


def test_the_incident_banner_countdown_and_a_referral(desktop: Tab, api: Api):
    received = api.report(content=f"化工厂管道破裂，大量刺鼻气体泄漏，有人头晕（编号{uuid.uuid4().hex[:6]}）",
                          town="合阳城街道", channel="web")
    case = routed(api, received["id"], api.login("supervisor"))
    assert case["incident"] == "suspected"
    page = desktop.open("/desk")
    sign_in(page, f"dispatcher-{case['department']}")
    row = page.get_by_test_id("queue-table").locator("tr", has_text=received["tracking_code"])
    expect(row.get_by_test_id("row-incident")).to_have_text("突发")  # seen in the queue before it is opened
    page.get_by_test_id("queue-table").get_by_text(received["tracking_code"]).click()
    banner = page.get_by_test_id("incident-banner")
    expect(banner).to_contain_text("疑似突发环境事件")
    expect(page.get_by_test_id("incident-countdown")).to_contain_text("剩余 1 小时")
    desktop.shot("desk-incident", full_page=False)
    page.get_by_role("button", name="登记联动 110/119/120").click()
    page.get_by_label("呼叫人").fill("张三")
    page.get_by_label("接警编号（可选）").fill("119-0001")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_test_id("incident-referrals")).to_contain_text("119 消防")
    expect(banner).to_contain_text("已首次响应")
    desktop.shot("desk-incident-referral", full_page=False)

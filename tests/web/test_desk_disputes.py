"""派单异议 and 挂起 on the desk (/desk) in real Chromium against the served process: a dispatcher contests an
assignment before signing (the row and the drawer show 异议中, the countdown stops), a supervisor upholds it
from the drawer; the dispatcher signs, suspends the case waiting for the citizen (已挂起) and resumes it."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.web.conftest import DESKTOP, Api, Tab
from tests.web.test_desk_page import ARRIVAL_TIMEOUT, DISPATCHER, open_case, report, routed, sign_in


def test_a_dispute_upheld_then_a_suspension_and_resumption(desktop: Tab, api: Api, browser: Any,
                                                           server: Any) -> None:
    answer = report(api, "南园路的五金厂夜里切割金属，噪声很大，影响休息")
    code = answer["tracking_code"]
    routed(api, answer["id"], api.login(DISPATCHER))

    page = desktop.open("/desk")
    sign_in(page, DISPATCHER)
    row = page.get_by_test_id("queue-table").locator("tr", has_text=code)
    expect(row).to_be_visible(timeout=ARRIVAL_TIMEOUT)
    drawer = open_case(page, "queue-table", code)

    panel = drawer.get_by_test_id("pause-panel")
    panel.get_by_test_id("dispute-open-form").click()
    panel.get_by_test_id("dispute-submit").click()  # no reason: refused on the page
    expect(panel.get_by_test_id("pause-problem")).to_contain_text("请填写异议理由")
    panel.get_by_label("异议理由（必填，≤500 字）").fill("该厂位于太和镇辖区，应由属地镇政府处理")
    panel.get_by_test_id("dispute-submit").click()
    expect(panel.get_by_test_id("dispute-open")).to_contain_text("异议中")
    expect(panel.get_by_test_id("dispute-open")).to_contain_text("该厂位于太和镇辖区")
    expect(drawer.get_by_test_id("countdown-paused")).to_have_text("异议中")
    expect(row.get_by_test_id("paused-tag")).to_have_text("异议中", timeout=ARRIVAL_TIMEOUT)
    desktop.shot("desk-dispute-open")

    # a supervisor, at the same time in another browser, finds it among the disputes waiting for a decision
    # (异议待裁定) and upholds it from there
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=DESKTOP)
    try:
        boss_tab = Tab(context, server.base_url)
        boss = boss_tab.open("/desk")
        sign_in(boss, "supervisor")
        boss.get_by_test_id("tab-disputes").click()
        waiting = boss.get_by_test_id("disputes-table").locator("tr", has_text=code)
        expect(waiting).to_contain_text("该厂位于太和镇辖区", timeout=ARRIVAL_TIMEOUT)
        expect(waiting).to_contain_text(DISPATCHER)
        boss_tab.shot("desk-disputes-tab", full_page=False)
        boss_drawer = open_case(boss, "disputes-table", code)
        expect(boss_drawer.get_by_test_id("dispute-open")).to_contain_text("该厂位于太和镇辖区")
        boss_tab.shot("desk-dispute-supervisor", full_page=False)
        boss_drawer.get_by_test_id("dispute-uphold").click()
        expect(boss_drawer.get_by_test_id("dispute-open")).to_have_count(0)
        expect(boss_drawer.get_by_test_id("pause-panel")).to_contain_text("已维持")
        expect(boss.get_by_test_id("disputes-table").locator("tr", has_text=code)).to_have_count(0)  # decided
        assert boss_tab.outside == []
    finally:
        context.close()

    # the dispatcher signs (it cannot dispute the same assignment again), then suspends and resumes
    headers = api.login(DISPATCHER)
    assert api.http.post(f"/api/v1/cases/{answer['id']}/accept", headers=headers).status_code == 200
    page.reload()
    drawer = open_case(page, "queue-table", code)
    panel = drawer.get_by_test_id("pause-panel")
    expect(panel.get_by_test_id("dispute-open-form")).to_have_count(0)
    panel.get_by_test_id("suspend-open-form").click()
    panel.get_by_test_id("suspend-other").click()
    panel.get_by_test_id("suspend-submit").click()
    expect(panel.get_by_test_id("pause-problem")).to_contain_text("请写明原因")
    panel.get_by_test_id("suspend-unreachable").click()
    panel.get_by_test_id("suspend-submit").click()
    expect(panel.get_by_test_id("suspension-open")).to_contain_text("无法联系投诉人")
    expect(drawer.get_by_test_id("countdown-paused")).to_have_text("已挂起")
    desktop.shot("desk-suspended")
    panel.get_by_test_id("resume").click()
    expect(panel.get_by_test_id("suspension-open")).to_have_count(0)
    expect(panel).to_contain_text("本轮已挂起 1/2 次")
    history = api.http.get(f"/api/v1/cases/{answer['id']}", headers=headers).json()["history"]
    assert [h["action"] for h in history][-5:] == ["disputed", "dispute_upheld", "accepted", "suspended", "resumed"]

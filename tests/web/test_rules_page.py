"""The rule book's page (/rules) in real Chromium: an administrator tries a new rule on last month's cases,
adds it with a reason, sees it in the audit and switches it off again; a supervisor reads the rules and
tries a change but cannot make one."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.web.conftest import Api, Tab


def sign_in(page: Any, username: str) -> None:
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill("demo")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("staff-user")).to_contain_text(username)


def choose(page: Any, field: Any, option: str) -> None:
    field.click()
    page.get_by_role("option", name=option, exact=True).click()


def test_an_administrator_tries_adds_and_switches_off_a_rule_with_reasons(desktop: Tab, api: Api) -> None:
    page = desktop.open("/rules")
    expect(page).to_have_title(re.compile("分拨规则"))
    sign_in(page, "admin")
    table = page.get_by_test_id("rules-table")
    expect(table).to_contain_text("养殖臭味")  # the seeded rules (odour from livestock → agriculture)
    before = api.http.get("/api/v1/rules", headers=api.login("admin")).json()

    page.get_by_test_id("rule-add").click()
    dialog = page.get_by_test_id("rule-dialog")
    dialog.get_by_test_id("rule-save").click()
    expect(dialog.get_by_test_id("rule-error")).to_contain_text("修改原因")
    choose(page, dialog.get_by_test_id("rule-category"), "异味恶臭")
    choose(page, dialog.get_by_test_id("rule-subcategory"), "养殖臭味")
    dialog.get_by_text("一个镇街", exact=True).click()
    choose(page, dialog.get_by_test_id("rule-town"), "龙凤镇")
    choose(page, dialog.get_by_test_id("rule-department"), "区生态环境局")
    dialog.get_by_test_id("rule-try").click()
    expect(dialog.get_by_test_id("rule-trial")).to_contain_text(re.compile(r"过去 30 天的 \d+ 件案件中"))
    dialog.get_by_label("修改原因（记入变更记录）").fill("龙凤镇养殖场异味由生态环境局直接查处")
    desktop.shot("rules-add", full_page=False)
    dialog.get_by_test_id("rule-save").click()
    expect(dialog).to_be_hidden()

    after = api.http.get("/api/v1/rules", headers=api.login("admin")).json()
    [added] = [r for r in after["rules"] if r["id"] not in {b["id"] for b in before["rules"]}]
    assert (added["category"], added["subcategory"], added["department"]) == ("odor", "livestock", "ecology_env")
    assert added["town"] and after["revision"] == before["revision"] + 1
    row = table.locator("tr", has_text=f"{added['id']}").filter(has_text="龙凤镇")
    expect(row).to_contain_text("区生态环境局")
    page.get_by_role("tab", name="变更记录").click()
    history = page.get_by_test_id("rules-history")
    expect(history).to_contain_text("龙凤镇养殖场异味由生态环境局直接查处")
    expect(history).to_contain_text("新增")

    # switched off again (the served process is shared by the page tests: the seeded routing comes back)
    page.get_by_role("tab", name="规则").click()
    row.get_by_role("button", name="停用").click()
    dialog.get_by_label("修改原因（记入变更记录）").fill("试行结束")
    dialog.get_by_test_id("rule-save").click()
    expect(dialog).to_be_hidden()
    expect(table.locator("tr", has_text="龙凤镇")).to_have_count(0)  # inactive rules are hidden by default
    page.get_by_text("显示已停用").click()
    expect(table.locator("tr", has_text="龙凤镇")).to_contain_text("停用")
    desktop.shot("rules", full_page=False)
    assert desktop.console_errors == []


def test_a_supervisor_reads_and_tries_rules_but_changes_none(desktop: Tab) -> None:
    page = desktop.open("/rules")
    sign_in(page, "supervisor")
    expect(page.get_by_test_id("rules-table")).to_contain_text("建筑施工噪声")
    expect(page.get_by_test_id("rule-add")).to_have_count(0)
    first = page.get_by_test_id("rules-table").locator("tbody tr").first
    first.get_by_role("button", name="试运行停用").click()
    dialog = page.get_by_test_id("rule-dialog")
    expect(dialog.get_by_test_id("rule-save")).to_have_count(0)
    dialog.get_by_test_id("rule-try").click()
    expect(dialog.get_by_test_id("rule-trial")).to_contain_text("件会改变去向")
    assert desktop.console_errors == []

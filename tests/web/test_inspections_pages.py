"""督察交办件 in real Chromium against the served process: a supervisor registers a case from the desk (登记督察件),
records on /inspections what was found and done — the server's refusals shown in the form as it words them, the
finding, 阶段性办结 with the measures, a 立案 with its fine — and publishes the batch; anyone on a phone then reads
the case in the public 边督边改 page (/public/inspections), scrubbed of the reporter's phone number and name.
Screenshots: the registration on the desk, /inspections with the case open and with the batch published, and the
public page at phone and desktop width."""

from __future__ import annotations

import random
import re
import uuid
from datetime import datetime, timedelta
from typing import Any

from playwright.sync_api import expect

from shared.clock import SHANGHAI
from tests.web.conftest import Api, Tab
from tests.web.test_desk_page import open_case, report, routed, sign_in

ROUND = "第三轮中央生态环境保护督察"
PHONE_NUMBER = "13812345678"


def file_drawer(page: Any) -> Any:
    drawer = page.get_by_test_id("inspection-drawer")
    expect(drawer.get_by_test_id("inspection-facts")).to_be_visible()
    return drawer


def save(form: Any) -> None:
    form.get_by_test_id("inspection-save").click()


def test_a_supervisor_registers_updates_and_publishes_and_anyone_reads_it_scrubbed(desktop: Tab, phone: Tab,
                                                                                   api: Api) -> None:
    supervisor = api.login("supervisor")
    answer = report(api, f"联系人：张三 {PHONE_NUMBER}，南园路88号旁的机械厂夜里开机器，噪声吵得整栋楼睡不着")
    code, case_id = answer["tracking_code"], answer["id"]
    routed(api, case_id, supervisor)
    batch = random.randint(100, 999)  # the served process is shared by the page tests: a batch of this test's own
    number = f"D3CQ-{uuid.uuid4().hex[:8].upper()}"
    due = (datetime.now(SHANGHAI).date() + timedelta(days=10)).isoformat()

    # --- the desk: 登记督察件 --------------------------------------------------------------------------------
    page = desktop.open("/desk")
    sign_in(page, "supervisor")
    drawer = open_case(page, "queue-table", code)
    drawer.get_by_test_id("inspection-register-open").click()
    dialog = page.get_by_test_id("inspection-register-dialog")
    expect(dialog.get_by_label("交办日期")).to_have_value(re.compile(r"^\d{4}-\d{2}-\d{2}$"))  # today by default
    dialog.get_by_label("督察轮次").fill(ROUND)
    dialog.get_by_label("批次（第N批）").fill(str(batch))
    dialog.get_by_label("交办编号").fill(number)
    dialog.get_by_test_id("inspection-register-key").click()
    dialog.get_by_test_id("inspection-register-save").click()
    expect(dialog.get_by_test_id("inspection-register-error")).to_contain_text("报送期限")  # caught before sending
    dialog.get_by_label("报送期限").fill(due)
    desktop.shot("inspections-desk-register", full_page=False)
    dialog.get_by_test_id("inspection-register-save").click()
    expect(dialog).to_be_hidden()
    brief = drawer.get_by_test_id("inspection-brief")
    expect(brief).to_contain_text(f"第{batch}批 · 交办编号 {number}")
    expect(brief).to_contain_text("重点件")
    registered = api.http.get(f"/api/v1/inspections/{case_id}", headers=supervisor).json()
    assert (registered["round_name"], registered["batch"], registered["key_case"], registered["report_due"]) == (
        ROUND, batch, True, due)

    # --- /inspections: the file, and its updates -----------------------------------------------------------
    brief.get_by_role("link", name="办理情况").click()
    page.wait_for_url(re.compile(r"/inspections\?open="))
    expect(page.get_by_role("navigation", name="当前位置")).to_contain_text("督察交办")
    file = file_drawer(page)
    expect(file.get_by_test_id("inspection-facts")).to_contain_text(code)
    form = file.get_by_test_id("inspection-form")
    save(form)
    expect(form.get_by_test_id("inspection-form-error")).to_contain_text("没有修改任何内容")
    form.get_by_test_id("form-progress").get_by_text("阶段性办结").click()
    save(form)  # the server's refusal, as it words it
    expect(form.get_by_test_id("inspection-form-error")).to_contain_text("办结前须填写是否属实和处理整改情况")

    form.get_by_test_id("form-finding").get_by_text("属实", exact=True).click()
    form.get_by_label("调查核实情况").fill("经现场核查，该机械厂夜间违规生产，噪声超标。")
    form.get_by_label("处理和整改情况").fill("已责令停止夜间生产，加装隔声设施。")
    save(form)
    expect(file.get_by_test_id("file-progress")).to_have_text("阶段性办结")
    expect(form.get_by_test_id("inspection-form-error")).to_have_count(0)
    form.get_by_label("罚款（元）").fill("20000.50")
    save(form)
    expect(form.get_by_test_id("inspection-form-error")).to_contain_text("有罚款须有立案")
    form.get_by_label("立案（起）").fill("1")
    form.get_by_label("约谈（人次）").fill("1")
    form.get_by_label("约谈对象").fill("机械厂负责人王五")
    save(form)
    expect(file.get_by_test_id("file-fine")).to_have_text("20,000.50 元")
    updates = file.get_by_test_id("inspection-updates")
    expect(updates).to_contain_text("第 2 次更新")
    expect(updates).to_contain_text("supervisor")
    expect(updates).to_contain_text("罚款（元）：20000.50")
    expect(updates).to_contain_text("办理状态：阶段性办结")
    expect(page.locator(".el-message")).to_have_count(0, timeout=10_000)  # the notices gone: a clear picture
    desktop.shot("inspections-file", full_page=False)

    after = api.http.get(f"/api/v1/inspections/{case_id}", headers=supervisor).json()
    assert (after["finding"], after["progress"], after["penalty_cases"], after["fine_yuan"]) == (
        "true", "staged", 1, "20000.50")
    assert [sorted(u["changes"]) for u in after["updates"]] == [
        ["finding", "investigation", "measures", "progress"], ["fine_yuan", "interviewed", "interviews",
                                                               "penalty_cases"]]  # only what changed

    # --- the list and the batch panel: publish ------------------------------------------------------------
    file.get_by_role("button", name=re.compile("关闭")).click()
    expect(file).to_be_hidden()
    row = page.get_by_test_id("inspections-table").locator("tr", has_text=number)
    expect(row).to_contain_text(code)
    expect(row).to_contain_text("阶段性办结")
    expect(row).to_contain_text("重点件")
    panel_row = page.get_by_test_id("inspection-batches").locator("tr", has_text=f"第{batch}批")
    expect(panel_row.get_by_test_id("batch-state")).to_have_text("未公开")
    panel_row.get_by_test_id("batch-publish").click()
    page.get_by_role("tooltip").get_by_role("button", name="公开").click()
    expect(panel_row.get_by_test_id("batch-state")).to_have_text("已公开")
    expect(panel_row.get_by_test_id("batch-xlsx")).to_have_attribute(
        "href", re.compile(rf"/api/v1/inspections/public\.xlsx\?round=.+&batch={batch}$"))
    [listed] = [b for b in api.http.get("/api/v1/inspections/batches", headers=supervisor).json()["batches"]
                if (b["round_name"], b["batch"]) == (ROUND, batch)]
    assert listed == {"round_name": ROUND, "batch": batch, "cases": 1, "key_cases": 1, "done": 0, "overdue": 0,
                      "published": True}
    expect(page.locator(".el-message")).to_have_count(0, timeout=10_000)
    desktop.shot("inspections", full_page=False)
    # the browser logs the server's refusals above (422) as failed loads: nothing else went wrong
    assert [e for e in desktop.console_errors if "status of 422" not in e] == []

    # --- anyone, on a phone: /public leads to the 边督边改 page; the row is there, scrubbed ---------------------
    public = phone.open("/public")
    public.get_by_test_id("public-inspections-link").click()
    public.wait_for_url(re.compile(r"/public/inspections$"))
    card = public.get_by_test_id("public-inspection").filter(has_text=number)
    expect(card).to_contain_text("南园路")
    expect(card).to_contain_text("属实")
    expect(card).to_contain_text("立案查处1起，罚款2.00005万元")
    expect(card).to_contain_text("约谈1人（次）")
    expect(card).to_contain_text("阶段性办结")
    text = public.get_by_test_id("public-inspections").inner_text()
    for secret in (PHONE_NUMBER, "张三", "88号", "王五", code):
        assert secret not in text, secret
    only = phone.open(f"/public/inspections?batch={batch}")
    expect(only.get_by_test_id("public-inspections-title")).to_contain_text(f"第{batch}批")
    expect(only.get_by_test_id("public-inspection")).to_have_count(1)
    expect(only.get_by_test_id("public-inspections-xlsx")).to_have_attribute(
        "href", f"/api/v1/inspections/public.xlsx?batch={batch}")
    width = only.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is wider than the phone: {width}px"
    phone.shot("public-inspections-phone")
    assert phone.console_errors == []

    wide = desktop.open(f"/public/inspections?batch={batch}")
    expect(wide.get_by_test_id("public-inspection")).to_have_count(1)
    desktop.shot("public-inspections-desktop")

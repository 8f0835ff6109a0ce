"""被举报企业 in real Chromium against the served process: a dispatcher registers a firm on /firms (a credit code
with a wrong check character is caught as it is typed, and refused by the server), finds it as they type; links a
case to it from the desk drawer (search-as-you-type); a firm with three cases within 90 days shows 重复被举报 with its
history, on a desktop and on a phone."""

from __future__ import annotations

import random
import re
import uuid
from typing import Any

from playwright.sync_api import expect

from services.routing.domain.firms import credit_check_char
from tests.web.conftest import Api, Tab
from tests.web.test_desk_page import DISPATCHER, open_case, report, routed, sign_in


def fresh_code() -> str:
    first17 = "91500117MA" + "".join(random.choices("0123456789", k=7))
    return first17 + credit_check_char(first17)


def wrong(code: str) -> str:
    return code[:17] + ("0" if code[17] != "0" else "1")


def firm_via_api(api: Api, name: str) -> dict[str, Any]:
    made = api.http.post("/api/v1/firms", headers=api.login("supervisor"), json={
        "name": name, "credit_code": fresh_code(), "address": "太和镇工业园3号", "town": "taihe",
        "industry": "砂石加工"})
    assert made.status_code == 201, made.text
    return made.json()  # type: ignore[no-any-return]


def test_a_dispatcher_registers_a_firm_and_links_a_case_from_the_desk(desktop: Tab, api: Api) -> None:
    page = desktop.open("/firms")
    expect(page).to_have_title(re.compile("被举报企业"))
    sign_in(page, DISPATCHER)
    expect(page.get_by_role("navigation", name="功能菜单")).to_contain_text("被举报企业")

    name = f"合川测试建材有限公司{uuid.uuid4().hex[:4]}"
    code = fresh_code()
    page.get_by_test_id("firm-new").click()
    dialog = page.get_by_test_id("firm-editor")
    dialog.get_by_label("企业名称").fill(name)
    dialog.get_by_label("统一社会信用代码").fill(wrong(code))
    expect(dialog).to_contain_text(f"校验位不正确（应为 {code[17]}）")  # caught while typing
    dialog.get_by_label("所在镇街").click()
    page.get_by_role("option", name="太和镇").click()
    dialog.get_by_label("地址").fill("太和镇工业园1号")
    dialog.get_by_label("行业").fill("水泥制品")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/firms") and r.request.method == "POST") as refused:
        page.get_by_test_id("firm-save").click()
    assert refused.value.status == 422
    expect(page.get_by_test_id("firm-error")).to_contain_text("校验位")
    desktop.shot("staff-firms-editor-refused", full_page=False)

    dialog.get_by_label("统一社会信用代码").fill(code.lower())  # lower case is the same code
    with page.expect_response(lambda r: r.url.endswith("/api/v1/firms") and r.request.method == "POST") as made:
        page.get_by_test_id("firm-save").click()
    assert made.value.status == 201, made.value.text()
    drawer = page.get_by_test_id("firm-detail")
    expect(drawer).to_contain_text(code)
    expect(drawer).to_contain_text("尚无关联案件")
    drawer.get_by_role("button", name="关闭此对话框").or_(drawer.locator(".el-drawer__close-btn")).first.click()

    page.get_by_test_id("firm-search").press_sequentially(code[:10], delay=30)
    expect(page.get_by_test_id("firm-item")).to_have_count(1)
    expect(page.get_by_test_id("firm-item").first).to_contain_text(name)

    # the desk: a case of the own department linked to the firm, searched as the dispatcher types
    answer = report(api, "太和镇工业园的建材厂粉尘很大，车间整天冒灰")
    routed(api, answer["id"], api.login("supervisor"))
    page = desktop.open("/desk")
    case = open_case(page, "queue-table", answer["tracking_code"])
    link = case.get_by_test_id("firm-link")
    expect(link).to_contain_text("未关联企业")
    link.get_by_test_id("firm-link-select").click()
    page.keyboard.type(name[:6], delay=40)
    page.get_by_role("option", name=re.compile(re.escape(name))).click()
    with page.expect_response(lambda r: r.url.endswith(f"/cases/{answer['id']}/firm")) as linked:
        link.get_by_test_id("firm-link-save").click()
    assert linked.value.status == 200, linked.value.text()
    expect(link.get_by_test_id("firm-link-current")).to_contain_text(name)
    desktop.shot("staff-desk-firm-link", full_page=False)
    history = api.http.get(f"/api/v1/cases/{answer['id']}", headers=api.login("supervisor")).json()["history"]
    assert history[-1]["action"] == "firm_linked"


def test_a_repeatedly_reported_firm_on_a_desktop_and_a_phone(desktop: Tab, phone: Tab, api: Api) -> None:
    firm = firm_via_api(api, f"重庆测试砂石厂{uuid.uuid4().hex[:4]}")
    sup = api.login("supervisor")
    codes = []
    for text in ("砂石厂夜间破碎机噪声很大", "砂石厂运输车辆扬尘严重", "砂石厂废水直接排进河里"):
        answer = report(api, text)
        routed(api, answer["id"], sup)
        assert api.http.put(f"/api/v1/cases/{answer['id']}/firm", headers=sup,
                            json={"firm_id": firm["id"]}).status_code == 200
        codes.append(answer["tracking_code"])

    for tab, name in ((desktop, "staff-firms"), (phone, "staff-firms-phone")):
        page = tab.open("/firms")
        sign_in(page, "supervisor")
        page.get_by_test_id("firm-search").fill(firm["credit_code"])
        item = page.get_by_test_id("firm-item")
        expect(item).to_have_count(1)
        expect(item.get_by_test_id("firm-repeated")).to_have_text("重复被举报")
        tab.shot(name)
        item.get_by_role("button", name=firm["name"]).click()
        drawer = page.get_by_test_id("firm-detail")
        expect(drawer.get_by_test_id("firm-detail-repeated")).to_contain_text("90天内被举报3次")
        for code in codes:
            expect(drawer.get_by_test_id("firm-cases")).to_contain_text(code)
        tab.shot(f"{name}-detail", full_page=False)
        if tab is phone:  # nothing wider than the phone
            assert page.evaluate("document.documentElement.scrollWidth") <= 390

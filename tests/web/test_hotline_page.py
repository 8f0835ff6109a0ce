"""The operator's hotline page on a desktop: log in, type a call, see the suggestion and the caller's
earlier complaint before saving, save."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.web.conftest import Api, Tab

CALLER = "13700002222"
ADDRESS = "合阳城街道南屏大道88号"


def test_operator_takes_a_call(desktop: Tab, api: Api) -> None:
    earlier = api.http.post("/api/v1/channels/hotline", headers={"X-API-Key": "demo-key"}, json={
        "call_id": "cc-earlier-0001", "caller_number": CALLER, "address": ADDRESS,
        "content": "南屏大道88号楼下烧烤店晚上油烟很大"})
    assert earlier.status_code == 201, earlier.text
    earlier_code = earlier.json()["tracking_code"]

    page = desktop.open("/hotline")
    page.get_by_label("用户名").fill("dispatcher-ecology_env")
    page.get_by_label("密码", exact=True).fill("demo")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("没有使用本页面的权限")  # a dispatcher is not an operator

    page.get_by_label("用户名").fill("nobody")
    page.get_by_role("button", name="登录").click()
    server_says = api.http.post("/api/v1/auth/token", data={"username": "nobody", "password": "demo"}).json()
    expect(page.get_by_role("alert")).to_contain_text(server_says["error"]["message"])
    desktop.shot("staff-hotline-login", full_page=False)

    page.get_by_label("用户名").fill("operator")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("staff-user")).to_contain_text("operator（话务员）")
    expect(page.get_by_role("navigation", name="当前位置")).to_contain_text("热线受理")
    expect(page.get_by_label("来电号码")).to_be_focused()

    content = "南屏大道88号小区楼下餐馆油烟直排，熏得窗户都打不开，已经好几天了"
    page.get_by_label("来电号码").fill("137 0000 2222")
    page.get_by_label("来电号码").press("Enter")  # Enter in a field does not save a half-typed call
    page.get_by_label("诉求内容").fill(content)
    page.get_by_label("详细地址").fill(ADDRESS)

    # what routing itself says for this call (POST /api/v1/classify) is what the operator sees
    routing_says = api.http.post("/api/v1/classify", json={"content": content, "address": ADDRESS}).json()
    assert (routing_says["category"], routing_says["subcategory"]) == ("odor", "cooking_fumes")
    suggestion = page.get_by_test_id("hotline-suggestion")
    expect(suggestion.get_by_test_id("suggest-type")).to_have_text("异味恶臭 / 餐饮油烟")
    expect(suggestion.get_by_test_id("suggest-urgent")).to_have_text("紧急" if routing_says["urgent"] else "一般")
    expect(suggestion.get_by_test_id("suggest-department")).to_have_text(routing_says["department_name"])
    by_caller = page.get_by_test_id("history-by-caller")
    expect(by_caller).to_contain_text(earlier_code)
    expect(page.get_by_test_id("history-by-address")).to_contain_text(earlier_code)

    suggestion.get_by_role("button", name="采用建议").click()
    expect(page.get_by_test_id("select-category")).to_contain_text("异味恶臭")
    expect(page.get_by_test_id("select-subcategory")).to_contain_text("餐饮油烟")
    desktop.shot("staff-hotline", full_page=False)

    with page.expect_response(lambda r: r.url.endswith("/api/v1/channels/hotline")) as saved:
        page.keyboard.press("Control+Enter")  # the operator's shortcut
    assert saved.value.status == 201, saved.value.text()
    code = saved.value.json()["tracking_code"]
    expect(page.get_by_test_id("hotline-code")).to_have_text(code)
    assert re.match(r"^HC\d{6}-[0-9A-Z]{8}$", code)
    desktop.shot("staff-hotline-saved", full_page=False)

    operator = api.login("operator")
    history = api.http.get("/api/v1/channels/hotline/history", params={"caller": CALLER}, headers=operator).json()
    codes = [item["tracking_code"] for item in history["by_caller"]]
    assert sorted(codes) == sorted([earlier_code, code])
    view = api.http.get(f"/api/v1/complaints/{code}", params={"phone_last4": "2222"}).json()
    assert view["category"] == "odor" and view["subcategory"] == "cooking_fumes"

    # the next call starts from an empty form, with a new call id
    page.get_by_role("button", name="下一个来电").click()
    expect(page.get_by_label("来电号码")).to_have_value("")
    expect(page.get_by_label("来电号码")).to_be_focused()

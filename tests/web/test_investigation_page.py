"""调查处理 on the desk, in real Chromium against the served process: a dispatcher records the on-site check with
the browser's position, a reading over its limit and a photo, the finding, a penalty and the re-check with its
evidence photo; a supervisor signs it off (销号). On a phone, where the position is not allowed, the place is
typed. Screenshots of the panel at desktop and phone width go to test-artifacts/screenshots/."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.images import jpeg
from tests.web.conftest import DESKTOP, PHONE, Api, Tab
from tests.web.test_desk_page import DISPATCHER, open_case, report, routed, sign_in

HERE = {"latitude": 29.9717, "longitude": 106.2766, "accuracy": 15}


def photo(name: str, colour: tuple[int, int, int]) -> dict[str, Any]:
    return {"name": name, "mimeType": "image/jpeg", "buffer": jpeg((64, 48), colour)}


def dialog_of(page: Any) -> Any:
    dialog = page.get_by_test_id("investigation-dialog")
    expect(dialog).to_be_visible()
    return dialog


def confirm(dialog: Any) -> None:
    dialog.get_by_role("button", name="确认").click()
    expect(dialog).to_be_hidden()


def test_a_dispatcher_investigates_and_a_supervisor_signs_off(desktop: Tab, browser: Any, server: Any,
                                                               api: Api) -> None:
    desktop.context.grant_permissions(["geolocation"])
    desktop.context.set_geolocation(HERE)
    answer = report(api, "南园路旁边的机械厂晚上一直开机器，轰隆隆的噪声吵得睡不着")
    routed(api, answer["id"], api.login(DISPATCHER))
    page = desktop.open("/desk")
    sign_in(page, DISPATCHER)
    drawer = open_case(page, "queue-table", answer["tracking_code"])
    panel = drawer.get_by_test_id("investigation-panel")
    expect(panel.get_by_test_id("investigation-stage")).to_have_text("未开始")

    # 现场核查: the position from the browser, a noise reading over its limit, a photo
    panel.get_by_role("button", name="记录现场核查").click()
    dialog = dialog_of(page)
    dialog.get_by_test_id("investigation-locate").click()
    expect(dialog.get_by_label("纬度")).to_have_value("29.971700")
    expect(dialog.get_by_label("精度（米）")).to_have_value("15")
    dialog.get_by_label("核查人员").fill("张三、李四")
    dialog.get_by_label("地点说明").fill("南园路机械厂北门")
    dialog.get_by_label("监测值").fill("68.4")
    dialog.get_by_label("限值").fill("55")
    dialog.locator("input[type=file]").set_input_files([photo("现场.jpg", (120, 40, 40))])
    expect(dialog.get_by_test_id("investigation-picked").locator("img")).to_have_count(1)
    confirm(dialog)
    checks = panel.get_by_test_id("investigation-checks")
    expect(checks).to_contain_text("张三、李四")
    expect(checks).to_contain_text("29.97170, 106.27660（±15 米）")
    expect(checks).to_contain_text("噪声 68.4 dB(A)（限值 55）超标")
    expect(checks.get_by_test_id("check-photos-1").locator("img")).to_have_count(1)
    expect(panel.get_by_test_id("investigation-stage")).to_have_text("核查中")

    # the finding, then a penalty (a wrong amount is caught before it is sent)
    panel.get_by_role("button", name="记录调查结论").click()
    dialog = dialog_of(page)
    dialog.get_by_text("属实", exact=True).click()
    dialog.get_by_label("结论说明（选填）").fill("该厂夜间违规生产，噪声超标")
    confirm(dialog)
    expect(panel.get_by_test_id("investigation-finding")).to_contain_text("属实")
    panel.get_by_role("button", name="记录处理措施").click()
    dialog = dialog_of(page)
    dialog.get_by_text("立案处罚").click()
    dialog.get_by_label("罚款金额（元）").fill("1.234")
    dialog.get_by_label("立案编号").fill("渝合环罚〔2026〕12号")
    dialog.get_by_role("button", name="确认").click()
    expect(dialog.get_by_test_id("investigation-error")).to_contain_text("最多两位小数")
    dialog.get_by_label("罚款金额（元）").fill("20000.5")
    confirm(dialog)
    expect(panel.get_by_test_id("investigation-actions")).to_contain_text(
        "罚款 20,000.50 元，立案编号 渝合环罚〔2026〕12号")
    expect(panel.get_by_test_id("investigation-stage")).to_have_text("整改中")
    expect(panel.get_by_test_id("investigation-reply-draft")).to_contain_text("经现场核查，您反映的情况属实")

    # 复查: 已整改 needs its evidence photo
    panel.get_by_role("button", name="记录复查").click()
    dialog = dialog_of(page)
    dialog.get_by_label("复查人员").fill("张三")
    dialog.get_by_role("button", name="确认").click()
    expect(dialog.get_by_test_id("investigation-error")).to_contain_text("须上传复查照片")
    dialog.locator("input[type=file]").set_input_files([photo("复查.jpg", (40, 160, 60))])
    expect(dialog.get_by_test_id("investigation-picked").locator("img")).to_have_count(1)
    confirm(dialog)
    expect(panel.get_by_test_id("investigation-rechecks")).to_contain_text("已整改")
    expect(panel.get_by_test_id("investigation-stage")).to_have_text("待销号")
    expect(panel.get_by_role("button", name="销号")).to_have_count(0)  # a dispatcher does not sign off
    # the reply dialog starts from the recorded finding (a reply stating another one is refused)
    drawer.get_by_test_id("case-actions").get_by_role("button", name="回复").click()
    reply = page.get_by_test_id("action-dialog")
    expect(reply.get_by_role("radio", name="属实", exact=True)).to_be_checked()
    reply.get_by_role("button", name="取消").click()
    expect(reply).to_be_hidden()
    panel.scroll_into_view_if_needed()
    desktop.shot("desk-investigation", full_page=False)

    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=DESKTOP)
    try:
        boss_tab = Tab(context, server.base_url)
        boss = boss_tab.open("/desk")
        sign_in(boss, "supervisor")
        boss.get_by_test_id("filter-department").click()
        boss.get_by_role("option", name="区生态环境局").click()
        drawer = open_case(boss, "queue-table", answer["tracking_code"])
        panel = drawer.get_by_test_id("investigation-panel")
        expect(panel.get_by_role("button", name="记录现场核查")).to_have_count(0)  # the department records
        panel.get_by_role("button", name="销号").click()
        dialog = dialog_of(boss)
        dialog.get_by_label("销号意见（选填）").fill("整改到位，同意销号")
        confirm(dialog)
        expect(panel.get_by_test_id("investigation-signed-off")).to_contain_text("已销号：supervisor")
        expect(panel.get_by_test_id("investigation-stage")).to_have_text("已销号")
        assert boss_tab.outside == []
    finally:
        context.close()

    kept = api.http.get(f"/api/v1/cases/{answer['id']}/investigation", headers=api.login(DISPATCHER)).json()
    assert kept["stage"] == "signed_off" and kept["actions"][0]["amount_yuan"] == "20000.50"
    [check] = kept["checks"]
    assert check["location"] == {"lat": 29.9717, "lon": 106.2766, "accuracy_m": 15.0}
    assert check["readings"] == [{"parameter": "噪声", "value": 68.4, "unit": "dB(A)", "limit": 55.0, "exceeded": True}]
    assert len(kept["photos"]) == 2 and kept["rechecks"][0]["photos"] == [kept["photos"][1]["id"]]
    assert desktop.console_errors == []


def test_on_a_phone_the_place_is_typed_when_the_position_is_not_allowed(browser: Any, server: Any, api: Api) -> None:
    answer = report(api, "厂区冷却塔夜里一直轰鸣，噪声很大，窗户关着也能听见")
    routed(api, answer["id"], api.login(DISPATCHER))
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=PHONE, is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    try:
        tab = Tab(context, server.base_url)  # no geolocation permission: the browser refuses the position
        page = tab.open("/desk")
        sign_in(page, DISPATCHER)
        drawer = open_case(page, "queue-table", answer["tracking_code"])
        panel = drawer.get_by_test_id("investigation-panel")
        panel.get_by_role("button", name="记录现场核查").click()
        dialog = dialog_of(page)
        dialog.get_by_test_id("investigation-locate").click()
        expect(dialog.get_by_test_id("investigation-error")).to_contain_text("请手动填写经纬度")
        dialog.get_by_label("纬度").fill("95")
        dialog.get_by_label("经度").fill("106.27")
        dialog.get_by_label("核查人员").fill("王五")
        dialog.get_by_label("监测项目").fill("颗粒物")
        dialog.get_by_label("监测值").fill("0.8")
        dialog.get_by_label("单位").fill("mg/m³")
        dialog.get_by_label("限值").fill("1.0")
        dialog.get_by_role("button", name="确认").click()
        expect(dialog.get_by_test_id("investigation-error")).to_contain_text("纬度须在 -90 到 90 之间")
        dialog.get_by_label("纬度").fill("29.97")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the dialog overflows the phone: {width}px"
        tab.shot("desk-investigation-phone-dialog", full_page=False)
        confirm(dialog)
        checks = panel.get_by_test_id("investigation-checks")
        expect(checks).to_contain_text("29.97000, 106.27000")
        expect(checks).to_contain_text("颗粒物 0.8 mg/m³（限值 1）")
        expect(checks).not_to_contain_text("超标")
        panel.scroll_into_view_if_needed()
        tab.shot("desk-investigation-phone", full_page=False)
        assert tab.outside == [] and tab.console_errors == []
    finally:
        context.close()

"""The dispatchers' desk (/desk) on a desktop, in real Chromium against the served process: a case arrives
in the queue without a reload and is signed for and replied to; a return with its reason; an extension
asked by a dispatcher and approved by a supervisor; a triaged case routed by a supervisor."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from playwright.sync_api import expect

from tests.web.conftest import DESKTOP, Api, Tab

DEPT = "ecology_env"
DISPATCHER = f"dispatcher-{DEPT}"
ARRIVAL_TIMEOUT = 30_000  # the page polls every 10 s; routing handles the event within a second or two


def sign_in(page: Any, username: str) -> None:
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill("demo")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("staff-user")).to_contain_text(username)


def report(api: Api, content: str, **fields: Any) -> dict[str, Any]:
    """A citizen's complaint of an industrial type (routed to the ecology bureau) with a unique text."""
    body = {"content": f"{content}（编号{uuid.uuid4().hex[:6]}）", "town": "合阳城街道",
            "address": "合阳城街道南园路12号", "category": "noise", "subcategory": "industrial", **fields}
    return api.report(**body)


def routed(api: Api, complaint_id: str, headers: dict[str, str]) -> dict[str, Any]:
    """The case as routing holds it, once routing has handled the complaint."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        answer = api.http.get(f"/api/v1/cases/{complaint_id}", headers=headers)
        if answer.status_code == 200:
            return answer.json()
        time.sleep(0.2)
    raise AssertionError(f"routing never showed case {complaint_id}")


def open_case(page: Any, table: str, tracking_code: str) -> Any:
    page.get_by_test_id(table).get_by_text(tracking_code).click()
    drawer = page.get_by_test_id("case-drawer")
    expect(drawer.get_by_role("heading", name=f"案件 {tracking_code}")).to_be_visible()
    return drawer


def test_a_dispatcher_sees_a_case_arrive_signs_for_it_and_replies(desktop: Tab, api: Api) -> None:
    page = desktop.open("/desk")
    expect(page).to_have_title(re.compile("承办工作台"))
    sign_in(page, DISPATCHER)
    expect(page.get_by_role("navigation", name="当前位置")).to_contain_text("承办工作台")
    expect(page.get_by_test_id("desk-department")).to_contain_text("区生态环境局")
    expect(page.get_by_test_id("queue-table")).to_be_visible()

    # a citizen reports while the page is open: the case shows up without a reload
    answer = report(api, "南园路旁边的机械厂晚上一直开机器，轰隆隆的噪声吵得睡不着")
    code = answer["tracking_code"]
    row = page.get_by_test_id("queue-table").locator("tr", has_text=code)
    expect(row).to_be_visible(timeout=ARRIVAL_TIMEOUT)
    expect(row).to_contain_text("新")
    expect(row).to_contain_text("待签收")
    expect(row.get_by_test_id("countdown")).to_contain_text(re.compile(r"签收\s*剩 .*(工作日|小时|分钟)"))
    expect(page.get_by_test_id("desk-arrivals")).to_contain_text(code)
    desktop.shot("desk-queue", full_page=False)

    # j/k move in the list and Enter opens the highlighted case
    page.locator("body").click(position={"x": 5, "y": 5})
    codes = [c.strip() for c in page.get_by_test_id("queue-table").locator("tbody tr td:first-child").all_inner_texts()]
    for _ in range(next(i for i, c in enumerate(codes) if code in c) + 1):
        page.keyboard.press("j")
    page.keyboard.press("Enter")
    drawer = page.get_by_test_id("case-drawer")
    expect(drawer.get_by_role("heading", name=f"案件 {code}")).to_be_visible()
    expect(drawer.get_by_test_id("case-content")).to_contain_text("机械厂晚上一直开机器")
    expect(drawer).to_contain_text("噪声 / 工业噪声")
    expect(drawer).to_contain_text("合阳城街道南园路12号")
    expect(drawer.get_by_test_id("case-explanation")).to_contain_text("投诉人自选")
    expect(drawer.get_by_test_id("case-timeline")).to_contain_text("交办至 区生态环境局")
    desktop.shot("desk-case", full_page=False)

    drawer.get_by_role("button", name="签收").click()
    expect(drawer.get_by_test_id("case-status")).to_have_text("办理中")
    expect(drawer.get_by_test_id("case-timeline")).to_contain_text(DISPATCHER)

    drawer.get_by_role("button", name="回复").click()
    dialog = page.get_by_test_id("action-dialog")
    dialog.get_by_role("button", name="提交回复").click()
    expect(dialog.get_by_test_id("action-error")).to_contain_text("请选择核查结论")
    dialog.get_by_text("属实", exact=True).click()
    dialog.get_by_label("调查情况").fill("执法人员当晚现场核查，该厂夜间违规生产，厂界噪声超标。")
    dialog.get_by_label("处理措施").fill("已责令该厂立即停止夜间生产，并立案调查。")
    desktop.shot("desk-reply", full_page=False)
    dialog.get_by_label("处理措施").press("Control+Enter")

    expect(drawer.get_by_test_id("case-status")).to_have_text("已回复")
    expect(drawer.get_by_test_id("case-reply")).to_contain_text("【核查结论】属实")
    expect(drawer.get_by_test_id("case-timeline")).to_contain_text("按时回复")

    case = routed(api, answer["id"], api.login(DISPATCHER))
    assert case["status"] == "replied"
    assert case["reply"].startswith("【核查结论】属实\n【调查情况】执法人员当晚现场核查")
    assert [(h["action"], h["actor"]) for h in case["history"]][-2:] == [("accepted", DISPATCHER),
                                                                          ("replied", DISPATCHER)]
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("queue-table").locator("tr", has_text=code)).to_have_count(0)
    assert desktop.console_errors == []


def test_a_dispatcher_returns_a_case_with_a_reason(desktop: Tab, api: Api) -> None:
    answer = report(api, "南园路化工厂排气的声音很大，还有刺鼻气味")
    routed(api, answer["id"], api.login(DISPATCHER))
    page = desktop.open("/desk")
    sign_in(page, DISPATCHER)
    drawer = open_case(page, "queue-table", answer["tracking_code"])

    drawer.get_by_role("button", name="退单").click()
    dialog = page.get_by_test_id("action-dialog")
    reason = dialog.get_by_label("退单理由")
    expect(reason).to_be_focused()
    reason.press("Enter")  # Enter submits: without a reason the page says what is missing
    expect(dialog.get_by_test_id("action-error")).to_contain_text("请填写退单理由")
    reason.fill("该厂属于合阳城街道辖区餐饮店，应由属地街道处理")
    desktop.shot("desk-return", full_page=False)
    reason.press("Enter")

    expect(page.get_by_text(re.compile("已退单，案件转人工分拨"))).to_be_visible()
    expect(page.get_by_test_id("case-drawer")).to_be_hidden()  # no longer this department's case
    expect(page.get_by_test_id("queue-table").locator("tr", has_text=answer["tracking_code"])).to_have_count(0)
    case = routed(api, answer["id"], api.login("supervisor"))
    assert case["status"] == "triage"
    assert "属于合阳城街道辖区餐饮店" in case["triage_reason"]


def test_an_extension_asked_by_a_dispatcher_is_approved_by_a_supervisor(desktop: Tab, api: Api, browser: Any,
                                                                         server: Any) -> None:
    answer = report(api, "南园路钢材市场切割钢板噪声刺耳，白天晚上都有")
    before = routed(api, answer["id"], api.login(DISPATCHER))
    page = desktop.open("/desk")
    sign_in(page, DISPATCHER)
    drawer = open_case(page, "queue-table", answer["tracking_code"])

    drawer.get_by_role("button", name="申请延期").click()
    dialog = page.get_by_test_id("action-dialog")
    dialog.get_by_label("延期天数（工作日）").fill("3")
    dialog.get_by_label("延期理由").fill("需委托第三方监测机构夜间监测，结果需 3 个工作日")
    dialog.get_by_label("延期理由").press("Enter")
    expect(drawer.get_by_test_id("case-pending-extension")).to_contain_text("3 个工作日")
    expect(drawer.get_by_role("button", name="申请延期")).to_be_disabled()
    expect(drawer.get_by_test_id("case-why")).to_contain_text("已有延期申请等待督办审批")
    desktop.shot("desk-extension-requested", full_page=False)

    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=DESKTOP)
    try:
        boss_tab = Tab(context, server.base_url)  # a second person, at the same time: the supervisor
        boss = boss_tab.open("/desk")
        sign_in(boss, "supervisor")
        boss.get_by_test_id("tab-extensions").click()
        row = boss.get_by_test_id("extensions-table").locator("tr", has_text=answer["tracking_code"])
        expect(row).to_contain_text("需委托第三方监测机构")
        expect(row).to_contain_text("3 个工作日")
        expect(row).to_contain_text(DISPATCHER)
        boss_tab.shot("desk-supervisor-extensions", full_page=False)
        row.get_by_role("button", name=re.compile("^批准")).click()
        expect(boss.get_by_text(re.compile("已批准延期"))).to_be_visible()
        expect(row).to_have_count(0)
        assert boss_tab.outside == []
    finally:
        context.close()

    after = routed(api, answer["id"], api.login(DISPATCHER))
    assert after["pending_extension"] is None
    assert [e["status"] for e in after["extensions"]] == ["approved"]
    assert after["reply_due"] > before["reply_due"]
    assert after["history"][-1]["actor"] == "supervisor"


def test_a_supervisor_routes_a_triaged_case_to_a_department(desktop: Tab, api: Api) -> None:
    answer = api.report(content=f"你好，我想反映一个情况，请尽快联系我（{uuid.uuid4().hex[:6]}）", town="太和镇")
    supervisor = api.login("supervisor")
    assert routed(api, answer["id"], supervisor)["status"] == "triage"
    page = desktop.open("/desk")
    sign_in(page, "supervisor")
    page.get_by_test_id("tab-triage").click()
    row = page.get_by_test_id("triage-table").locator("tr", has_text=answer["tracking_code"])
    expect(row).to_contain_text(routed(api, answer["id"], supervisor)["triage_reason"])
    expect(row.get_by_test_id("countdown")).to_contain_text("分拨")
    desktop.shot("desk-triage", full_page=False)

    drawer = open_case(page, "triage-table", answer["tracking_code"])
    expect(drawer).to_contain_text("转人工原因")
    drawer.get_by_role("button", name="分拨 / 转办").click()
    dialog = page.get_by_test_id("action-dialog")
    dialog.get_by_test_id("assign-department").click()
    page.get_by_role("option", name="太和镇人民政府").click()
    dialog.get_by_test_id("assign-category").click()
    page.get_by_role("option", name="噪声", exact=True).click()
    dialog.get_by_test_id("assign-subcategory").click()
    page.get_by_role("option", name="社会生活噪声").click()
    desktop.shot("desk-assign", full_page=False)
    dialog.get_by_role("button", name="提交分拨 / 转办").click()

    expect(drawer.get_by_test_id("case-status")).to_have_text("待签收")
    expect(drawer.get_by_test_id("case-timeline")).to_contain_text("交办至 太和镇人民政府")
    expect(page.get_by_test_id("triage-table").locator("tr", has_text=answer["tracking_code"])).to_have_count(0)
    queue = api.http.get("/api/v1/queues/town_taihe", headers=api.login("dispatcher-town_taihe")).json()
    assigned = next(c for c in queue["cases"] if c["id"] == answer["id"])
    assert (assigned["category"], assigned["subcategory"], assigned["rule"]) == ("noise", "social_life", "manual")

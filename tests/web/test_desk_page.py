"""The dispatchers' desk (/desk) on a desktop, in real Chromium against the served process: a case arrives
in the queue without a reload and is signed for and replied to; a return with its reason (to triage, or
routed again by the rules); an extension asked by a dispatcher and approved by a supervisor; a triaged case
routed by a supervisor; an off-topic case refused (不予受理) or forwarded (转办), a case moved to another
department (改派) and a suggested duplicate merged (并单), also on a tablet; a lead department asking two others
to assist (协办), one answering from its 协办 list and the lead's reply closing the other's request; a supervisor
giving a long-standing case (积案) to a leader (领导包案)."""

from __future__ import annotations

import re
import time
import uuid
from functools import partial
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.intake.test_attachments_domain import picture
from tests.waiting import wait_for
from tests.web.conftest import DESKTOP, Api, Tab

DEPT = "ecology_env"
DISPATCHER = f"dispatcher-{DEPT}"
ARRIVAL_TIMEOUT = 30_000  # the page polls every 10 s; routing handles the event within a second or two
TABLET = {"width": 768, "height": 1024}  # an iPad held upright: the narrowest screen the desk is used on
# Not an environmental matter: the classifier suggests the labour bureau (人社), routing sends it to triage.
WAGES = "公司拖欠我三个月工资一直不发，老板电话也不接，请帮忙讨薪"


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


def loaded_images(gallery: Any) -> int:
    """How many of a gallery's pictures the browser actually decoded (a broken one has no natural size)."""
    return int(gallery.locator("img").evaluate_all("imgs => imgs.filter(i => i.complete && i.naturalWidth > 0).length"))


def test_a_dispatcher_sees_the_citizens_photo_and_replies_with_photos_of_the_site(desktop: Tab, api: Api,
                                                                                  tmp_path: Path) -> None:
    answer = report(api, "南园路机械厂夜里一直开机器，噪声很大，照片是昨晚拍的")
    code = answer["tracking_code"]
    sent = api.http.post(f"/api/v1/r/{answer['citizen_token']}/attachments",
                         files={"file": ("现场.jpg", picture("JPEG", size=(320, 240)), "image/jpeg")})
    assert sent.status_code == 201, sent.text
    routed(api, answer["id"], api.login(DISPATCHER))
    page = desktop.open("/desk")
    sign_in(page, DISPATCHER)
    drawer = open_case(page, "queue-table", code)
    citizen = drawer.get_by_test_id("citizen-attachments")
    expect(citizen.locator("img")).to_have_count(1)
    wait_for(lambda: loaded_images(citizen) == 1, what="the citizen's photo shown on the desk")
    drawer.get_by_role("button", name="签收").click()
    expect(drawer.get_by_test_id("case-status")).to_have_text("办理中")

    drawer.get_by_role("button", name="回复").click()
    dialog = page.get_by_test_id("action-dialog")
    site = [tmp_path / "整改前.jpg", tmp_path / "整改后.png"]
    site[0].write_bytes(picture("JPEG", size=(640, 480)))
    site[1].write_bytes(picture("PNG", size=(480, 640)))
    dialog.get_by_test_id("reply-photo-uploader").locator("input[type=file]").set_input_files([str(p) for p in site])
    uploaded = dialog.get_by_test_id("reply-photos")
    expect(uploaded.locator("img")).to_have_count(2)
    wait_for(lambda: loaded_images(uploaded) == 2, what="the uploaded photos shown in the reply dialog")
    dialog.get_by_text("属实", exact=True).click()
    dialog.get_by_label("调查情况").fill("现场核查，该厂夜间生产，厂界噪声超标。")
    dialog.get_by_label("处理措施").fill("已责令停止夜间生产，整改前后照片附后。")
    desktop.shot("desk-reply-photos", full_page=False)
    dialog.get_by_label("处理措施").press("Control+Enter")

    expect(drawer.get_by_test_id("case-status")).to_have_text("已回复")
    kept = drawer.get_by_test_id("reply-photos-1")
    expect(kept.locator("img")).to_have_count(2)
    wait_for(lambda: loaded_images(kept) == 2, what="the reply's photos on the case page")
    desktop.shot("desk-case-photos", full_page=False)
    case = routed(api, answer["id"], api.login(DISPATCHER))
    assert [(p["reply_round"], p["content_type"]) for p in case["photos"]] == [(1, "image/jpeg"), (1, "image/png")]
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
    # typed into the reason while the dialog is still opening: when it has opened, the focus and the text stay
    # there (the first field does not take the focus from a person already typing)
    reason = dialog.get_by_label("延期理由")
    reason.focus()
    page.keyboard.insert_text("需委托第三方监测机构夜间监测，结果需 3 个工作日")
    expect(page.locator(".dialog-fade-enter-active")).to_have_count(0)
    expect(reason).to_be_focused()
    dialog.get_by_label("延期天数（工作日）").fill("3")
    expect(reason).to_have_value("需委托第三方监测机构夜间监测，结果需 3 个工作日")
    reason.press("Enter")
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
    drawer.get_by_role("button", name="分拨", exact=True).click()
    dialog = page.get_by_test_id("action-dialog")
    dialog.get_by_test_id("assign-department").click()
    page.get_by_role("option", name="太和镇人民政府").click()
    dialog.get_by_test_id("assign-category").click()
    page.get_by_role("option", name="噪声", exact=True).click()
    dialog.get_by_test_id("assign-subcategory").click()
    page.get_by_role("option", name="社会生活噪声").click()
    desktop.shot("desk-assign", full_page=False)
    dialog.get_by_role("button", name="提交分拨").click()

    expect(drawer.get_by_test_id("case-status")).to_have_text("待签收")
    expect(drawer.get_by_test_id("case-timeline")).to_contain_text("交办至 太和镇人民政府")
    expect(page.get_by_test_id("triage-table").locator("tr", has_text=answer["tracking_code"])).to_have_count(0)
    queue = api.http.get("/api/v1/queues/town_taihe", headers=api.login("dispatcher-town_taihe")).json()
    assigned = next(c for c in queue["cases"] if c["id"] == answer["id"])
    assert (assigned["category"], assigned["subcategory"], assigned["rule"]) == ("noise", "social_life", "manual")


def off_topic(api: Api, supervisor: dict[str, str]) -> dict[str, Any]:
    """A citizen's complaint about unpaid wages: in triage, with the classifier's suggested body."""
    answer = api.report(content=f"{WAGES}（{uuid.uuid4().hex[:6]}）", town="合阳城街道")
    case = routed(api, answer["id"], supervisor)
    assert case["status"] == "triage" and case["explanation"]["suggested_body"] == "hrss", case["explanation"]
    return answer


def citizen_sees(api: Api, token: str, status: str) -> dict[str, Any]:
    """The citizen's own view (the private link) once intake has heard of the change."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        view = api.http.get(f"/api/v1/r/{token}").json()
        if view["status"] == status:
            return view
        time.sleep(0.2)
    raise AssertionError(f"the citizen never saw {status}: {view}")


def test_a_dispatchers_return_routed_again_by_the_rules_leaves_the_desk_and_says_where_it_went(
        desktop: Tab, api: Api) -> None:
    # rubbish-station odour in a town: the city management bureau's by the rules; after its return the
    # rules send it to the ecology bureau, not to triage
    answer = api.report(content=f"小区门口垃圾站臭味很大，夏天根本不敢开窗（{uuid.uuid4().hex[:6]}）", category="odor",
                        subcategory="garbage", town="合阳城街道")
    assert routed(api, answer["id"], api.login("supervisor"))["department"] == "urban_management"
    page = desktop.open("/desk")
    sign_in(page, "dispatcher-urban_management")
    drawer = open_case(page, "queue-table", answer["tracking_code"])
    drawer.get_by_role("button", name="退单").click()
    reason = page.get_by_test_id("action-dialog").get_by_label("退单理由")
    reason.fill("垃圾站臭气由生态环境局监测")
    reason.press("Enter")

    expect(page.get_by_text("已退单，案件已按规则改派至 区生态环境局")).to_be_visible()
    expect(page.get_by_test_id("case-drawer")).to_be_hidden()  # another department's case now
    expect(page.get_by_test_id("queue-table").locator("tr", has_text=answer["tracking_code"])).to_have_count(0)
    case = routed(api, answer["id"], api.login(DISPATCHER))
    assert (case["status"], case["department"]) == ("assigned", DEPT)
    assert "退单后改派" in case["rule"]


def test_a_supervisor_refuses_an_off_topic_case_and_the_citizen_reads_why(desktop: Tab, api: Api) -> None:
    supervisor = api.login("supervisor")
    answer = off_topic(api, supervisor)
    code = answer["tracking_code"]
    page = desktop.open("/desk")
    sign_in(page, "supervisor")
    page.get_by_test_id("tab-triage").click()
    drawer = open_case(page, "triage-table", code)
    expect(drawer.get_by_test_id("case-explanation")).to_contain_text("建议转办区人力社保局（人社）")
    expect(drawer.get_by_role("button", name="改派")).to_have_count(0)  # nobody has it yet

    # nothing like it is open: 并单 says so and cannot be sent
    drawer.get_by_role("button", name="并单", exact=True).click()
    dialog = page.get_by_test_id("action-dialog")
    expect(dialog.get_by_test_id("merge-empty")).to_contain_text("没有找到可并入的相似案件")
    expect(dialog.get_by_role("button", name="确认并单")).to_be_disabled()
    desktop.shot("desk-merge-empty", full_page=False)
    dialog.get_by_role("button", name="取消").click()
    expect(dialog).to_be_hidden()

    drawer.get_by_role("button", name="不予受理").click()
    expect(dialog).to_contain_text("理由将告知投诉人")
    reason = dialog.get_by_label("不予受理理由（投诉人可见）")
    expect(reason).to_be_focused()
    reason.press("Control+Enter")
    expect(dialog.get_by_test_id("action-error")).to_contain_text("请填写不予受理的理由")
    reason.fill("您反映的是劳动报酬问题，不属于生态环境投诉，请向区人力社保局劳动监察大队反映")
    desktop.shot("desk-reject", full_page=False)
    reason.press("Control+Enter")

    expect(page.get_by_text(re.compile(f"已不予受理（{code}）"))).to_be_visible()
    expect(dialog).to_be_hidden()
    expect(drawer.get_by_test_id("case-status")).to_have_text("不予受理")
    outcome = drawer.get_by_test_id("case-outcome")
    expect(outcome).to_contain_text("已不予受理")
    expect(outcome).to_contain_text("请向区人力社保局劳动监察大队反映")
    expect(drawer.get_by_test_id("case-timeline")).to_contain_text("理由（告知投诉人）：您反映的是劳动报酬问题")
    expect(drawer.get_by_test_id("case-actions").get_by_role("button")).to_have_count(0)  # closed: nothing to do
    desktop.shot("desk-rejected", full_page=False)
    expect(page.get_by_test_id("triage-table").locator("tr", has_text=code)).to_have_count(0)

    case = routed(api, answer["id"], supervisor)
    assert case["status"] == "rejected"
    assert case["closing_reason"] == "您反映的是劳动报酬问题，不属于生态环境投诉，请向区人力社保局劳动监察大队反映"
    assert (case["history"][-1]["action"], case["history"][-1]["actor"]) == ("rejected", "supervisor")
    view = citizen_sees(api, answer["citizen_token"], "rejected")
    assert "劳动监察大队" in view["timeline"][-1]["text"]
    assert desktop.console_errors == []


def test_a_supervisor_forwards_an_off_topic_case_to_the_body_the_classifier_suggests(desktop: Tab, api: Api) -> None:
    supervisor = api.login("supervisor")
    answer = off_topic(api, supervisor)
    code = answer["tracking_code"]
    page = desktop.open("/desk")
    sign_in(page, "supervisor")
    page.get_by_test_id("tab-triage").click()
    drawer = open_case(page, "triage-table", code)

    drawer.get_by_role("button", name="转办", exact=True).click()
    dialog = page.get_by_test_id("action-dialog")
    body = dialog.get_by_label("接收单位（局外）")
    expect(body).to_be_focused()
    expect(body).to_have_value("区人力社保局")  # the classifier's suggestion, without its short name
    expect(dialog.get_by_test_id("forward-suggestion")).to_contain_text("区人力社保局（人社）")
    body.fill("")
    body.press("Enter")
    expect(dialog.get_by_test_id("action-error")).to_contain_text("请填写接收单位")
    dialog.get_by_role("button", name="采用建议").click()
    expect(body).to_have_value("区人力社保局")
    dialog.get_by_label("转办说明（选填）").fill("欠薪属劳动监察事项，已电话告知投诉人")
    desktop.shot("desk-forward", full_page=False)
    body.press("Enter")

    expect(page.get_by_text(re.compile(f"已转办至 区人力社保局（{code}）"))).to_be_visible()
    expect(drawer.get_by_test_id("case-status")).to_have_text("已转办")
    expect(drawer.get_by_test_id("case-outcome")).to_contain_text("已转办至 区人力社保局")
    expect(drawer.get_by_test_id("case-outcome")).to_contain_text("说明：欠薪属劳动监察事项")
    timeline = drawer.get_by_test_id("case-timeline")
    expect(timeline).to_contain_text("转办至 区人力社保局")
    expect(timeline).to_contain_text("说明：欠薪属劳动监察事项，已电话告知投诉人")
    timeline.scroll_into_view_if_needed()
    desktop.shot("desk-forwarded", full_page=False)
    expect(page.get_by_test_id("triage-table").locator("tr", has_text=code)).to_have_count(0)

    case = routed(api, answer["id"], supervisor)
    assert (case["status"], case["forwarded_to"]) == ("forwarded", "区人力社保局")
    assert case["history"][-1]["detail"] == {"body": "区人力社保局", "note": "欠薪属劳动监察事项，已电话告知投诉人"}
    assert "区人力社保局" in citizen_sees(api, answer["citizen_token"], "forwarded")["timeline"][-1]["text"]
    assert desktop.console_errors == []


def test_a_supervisor_transfers_an_assigned_case_to_another_department(desktop: Tab, api: Api) -> None:
    answer = report(api, "南园路工地旁的搅拌站夜里机器轰鸣，吵得整栋楼睡不着")
    code = answer["tracking_code"]
    before = routed(api, answer["id"], api.login(DISPATCHER))
    assert before["department"] == DEPT
    page = desktop.open("/desk")
    sign_in(page, "supervisor")
    drawer = open_case(page, "queue-table", code)  # the supervisor's queue shows the ecology bureau first

    drawer.get_by_role("button", name="改派").click()
    dialog = page.get_by_test_id("action-dialog")
    expect(dialog).to_contain_text("当前承办单位：区生态环境局")
    dialog.get_by_label("改派理由").press("Enter")
    expect(dialog.get_by_test_id("action-error")).to_contain_text("请选择改派到的承办单位")
    dialog.get_by_test_id("transfer-department").click()
    expect(page.get_by_role("option", name="区住房城乡建委")).to_be_visible()
    expect(page.get_by_role("option", name="区生态环境局", exact=True)).to_have_count(0)  # it has it already
    page.get_by_role("option", name="区城市管理局").click()
    dialog.get_by_label("改派理由").fill("夜间施工噪声属城管执法职责")
    desktop.shot("desk-transfer", full_page=False)
    dialog.get_by_label("改派理由").press("Enter")

    expect(page.get_by_text(re.compile(f"已改派至 区城市管理局（{code}）"))).to_be_visible()
    expect(drawer.get_by_test_id("case-status")).to_have_text("待签收")
    expect(drawer.get_by_role("cell", name="区城市管理局", exact=True)).to_be_visible()
    timeline = drawer.get_by_test_id("case-timeline")
    expect(timeline).to_contain_text("改派至 区城市管理局")
    expect(timeline).to_contain_text("原承办单位 区生态环境局；理由：夜间施工噪声属城管执法职责")
    expect(timeline).to_contain_text("督办改派")
    timeline.scroll_into_view_if_needed()
    desktop.shot("desk-transferred", full_page=False)
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("queue-table").locator("tr", has_text=code)).to_have_count(0)

    after = routed(api, answer["id"], api.login("dispatcher-urban_management"))
    assert (after["status"], after["department"], after["rule"]) == ("assigned", "urban_management", "transfer")
    assert [h["action"] for h in after["history"]][-2:] == ["transferred", "assigned"]
    assert after["history"][-2]["detail"]["reason"] == "夜间施工噪声属城管执法职责"
    assert api.http.get(f"/api/v1/cases/{answer['id']}", headers=api.login(DISPATCHER)).status_code == 404
    assert desktop.console_errors == []


def test_a_dispatcher_merges_a_suggested_duplicate_into_its_master(desktop: Tab, api: Api) -> None:
    housing = "dispatcher-housing_construction"
    master = api.report(content="合阳城街道嘉陵江路某工地凌晨两点还在打桩，噪音太大睡不着", town="合阳城街道",
                        address="嘉陵江路88号工地")
    assert routed(api, master["id"], api.login(housing))["department"] == "housing_construction"
    duplicate = api.report(content="嘉陵江路工地半夜打桩噪音扰民，吵得睡不着", town="合阳城街道",
                           address="嘉陵江路88号")
    suggested = routed(api, duplicate["id"], api.login(housing))
    assert suggested["duplicate_of"] == master["id"] and suggested["can_merge"]
    page = desktop.open("/desk")
    sign_in(page, housing)

    row = page.get_by_test_id("queue-table").locator("tr", has_text=duplicate["tracking_code"])
    expect(row.get_by_test_id("row-duplicate")).to_have_text("疑似重复")
    expect(row.get_by_test_id("row-duplicate")).to_have_attribute("title", re.compile(master["tracking_code"]))
    master_row = page.get_by_test_id("queue-table").locator("tr", has_text=master["tracking_code"])
    expect(master_row.get_by_test_id("row-duplicate")).to_have_count(0)
    desktop.shot("desk-queue-duplicate", full_page=False)

    drawer = open_case(page, "queue-table", duplicate["tracking_code"])
    banner = drawer.get_by_test_id("case-duplicate")
    expect(banner).to_contain_text(f"疑似重复：与 {master['tracking_code']} 反映的问题相似")
    expect(banner).to_contain_text("文本相似度")
    expect(banner).to_contain_text("嘉陵江路88号工地")
    desktop.shot("desk-duplicate", full_page=False)

    # the narrowest screen the desk is used on: the banner, the choices and the buttons still fit
    page.set_viewport_size(TABLET)
    desktop.shot("desk-duplicate-tablet", full_page=False)
    drawer.get_by_test_id("case-actions").get_by_role("button", name="并单", exact=True).click()
    dialog = page.get_by_test_id("action-dialog")
    choice = dialog.get_by_test_id(f"merge-candidate-{master['tracking_code']}")
    expect(choice).to_contain_text("系统建议")
    expect(choice).to_contain_text("嘉陵江路88号工地")
    expect(choice).to_contain_text(re.compile(r"相似度 \d+%"))
    expect(choice.get_by_role("radio")).to_be_checked()  # the suggestion, for the dispatcher to confirm
    expect(choice.get_by_role("radio")).to_be_focused()
    desktop.shot("desk-merge-tablet", full_page=False)
    page.set_viewport_size(DESKTOP)
    dialog.get_by_label("并单理由（选填）").fill("同一工地夜间打桩")
    desktop.shot("desk-merge", full_page=False)
    choice.get_by_role("radio").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_text(re.compile(f"已并单，并入 {master['tracking_code']}"))).to_be_visible()
    expect(drawer.get_by_test_id("case-status")).to_have_text("已并单")
    expect(drawer.get_by_test_id("case-outcome")).to_contain_text(f"已并入 {master['tracking_code']}")
    expect(drawer.get_by_test_id("case-outcome")).to_contain_text("理由：同一工地夜间打桩")
    expect(drawer.get_by_test_id("case-duplicate")).to_have_count(0)  # confirmed: no longer a suggestion
    desktop.shot("desk-merged", full_page=False)
    expect(drawer.get_by_test_id("case-timeline")).to_contain_text(f"并单：并入 {master['tracking_code']}")
    drawer.get_by_test_id("case-timeline").scroll_into_view_if_needed()
    desktop.shot("desk-merged-timeline", full_page=False)
    expect(page.get_by_test_id("queue-table").locator("tr", has_text=duplicate["tracking_code"])).to_have_count(0)

    # the master names the duplicate merged into it
    drawer.get_by_role("button", name="查看主案件").click()
    expect(drawer.get_by_role("heading", name=f"案件 {master['tracking_code']}")).to_be_visible()
    expect(drawer.get_by_test_id("case-duplicates")).to_contain_text(duplicate["tracking_code"])
    expect(drawer.get_by_test_id("case-timeline")).to_contain_text(f"并单：{duplicate['tracking_code']} 并入本案")
    desktop.shot("desk-master-with-duplicates", full_page=False)

    merged = routed(api, duplicate["id"], api.login(housing))
    assert (merged["status"], merged["merged_into"]) == ("merged", master["id"])
    assert merged["closing_reason"] == "同一工地夜间打桩"
    assert (merged["history"][-1]["action"], merged["history"][-1]["actor"]) == ("merged", housing)
    detail = routed(api, master["id"], api.login(housing))
    assert detail["duplicates"] == [{"id": duplicate["id"], "tracking_code": duplicate["tracking_code"]}]
    assert desktop.console_errors == []


HOUSING = "housing_construction"


def test_a_lead_asks_for_assistance_the_assisting_department_answers_and_the_lead_replies(
        desktop: Tab, api: Api, browser: Any, server: Any) -> None:
    lead = f"dispatcher-{HOUSING}"
    answer = api.report(content=f"学士路工地每天凌晨两点还在打桩，震得窗户响，噪声很大（{uuid.uuid4().hex[:6]}）",
                        town="合阳城街道", address="学士路18号工地")
    code = answer["tracking_code"]
    assert routed(api, answer["id"], api.login(lead))["department"] == HOUSING
    page = desktop.open("/desk")
    sign_in(page, lead)
    expect(page.get_by_test_id("tab-backlog")).to_have_count(0)  # 积案 is the supervisors'
    drawer = open_case(page, "queue-table", code)
    expect(drawer.get_by_test_id("case-assists")).to_have_count(0)  # nobody asked yet

    drawer.get_by_role("button", name="请求协办").click()
    dialog = page.get_by_test_id("action-dialog")
    note = dialog.get_by_label("协办说明（选填）")
    note.press("Control+Enter")
    expect(dialog.get_by_test_id("action-error")).to_contain_text("请选择协办单位")
    dialog.get_by_test_id("assist-departments").click()
    expect(page.get_by_role("option", name="区城市管理局")).to_be_visible()
    expect(page.get_by_role("option", name="区住房城乡建委", exact=True)).to_have_count(0)  # the lead itself
    page.get_by_role("option", name="区生态环境局", exact=True).click()
    page.keyboard.type("城市管理")  # by keyboard: the list filters, Enter takes the first
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")  # closes the list, not the dialog
    expect(dialog).to_be_visible()
    expect(dialog.get_by_test_id("action-error")).to_have_count(0)  # Enter chose, it did not send
    expect(dialog.get_by_test_id("assist-departments")).to_contain_text("区城市管理局")
    note.fill("请于夜间监测工地厂界噪声并提供监测数据")
    desktop.shot("desk-assist-request", full_page=False)
    note.press("Control+Enter")

    expect(page.get_by_text(re.compile(f"已请求 区生态环境局、区城市管理局 协办（{code}）"))).to_be_visible()
    expect(dialog).to_be_hidden()
    assists = drawer.get_by_test_id("case-assists")
    expect(assists.get_by_test_id("assist-ecology_env")).to_contain_text("待回复")
    expect(assists.get_by_test_id("assist-ecology_env")).to_contain_text("协办说明：请于夜间监测工地厂界噪声")
    expect(assists.get_by_test_id("assist-ecology_env").get_by_test_id("countdown")).to_contain_text(
        re.compile(r"协办\s*剩 .*(天|小时|分钟)"))
    expect(assists.get_by_test_id("assist-urban_management")).to_contain_text("待回复")
    expect(drawer.get_by_test_id("case-timeline")).to_contain_text("请求 区生态环境局 协办")
    assists.scroll_into_view_if_needed()
    desktop.shot("desk-assist-requested", full_page=False)

    # the assisting department, at the same time: its 协办 list, the case (read only) and its answer
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=DESKTOP)
    try:
        helper_tab = Tab(context, server.base_url)
        helper = helper_tab.open("/desk")
        sign_in(helper, DISPATCHER)
        helper.get_by_test_id("tab-assists").click()
        table = helper.get_by_test_id("assists-table")
        row = table.locator("tr", has_text=code)
        expect(row).to_contain_text("区住房城乡建委")
        expect(row).to_contain_text("请于夜间监测工地厂界噪声")
        expect(row.get_by_test_id("countdown")).to_contain_text(re.compile(r"协办\s*剩 .*(天|小时|分钟)"))
        helper_tab.shot("desk-assists", full_page=False)
        helper.set_viewport_size(TABLET)
        helper_tab.shot("desk-assists-tablet", full_page=False)
        helper.set_viewport_size(DESKTOP)

        # j/k and Enter in the 协办 list too
        helper.locator("body").click(position={"x": 5, "y": 5})
        codes = [c.strip() for c in table.locator("tbody tr td:first-child").all_inner_texts()]
        for _ in range(next(i for i, c in enumerate(codes) if code in c) + 1):
            helper.keyboard.press("j")
        helper.keyboard.press("Enter")
        helper_drawer = helper.get_by_test_id("case-drawer")
        expect(helper_drawer.get_by_role("heading", name=f"案件 {code}")).to_be_visible()
        expect(helper_drawer.get_by_test_id("case-assisting")).to_contain_text("本单位为协办单位，主办单位：区住房城乡建委")
        expect(helper_drawer.get_by_test_id("case-assisting")).to_contain_text("请于夜间监测工地厂界噪声")
        # the lead's own actions are not offered to an assisting department
        expect(helper_drawer.get_by_test_id("case-actions").get_by_role("button")).to_have_text(["回复主办单位"])
        helper_tab.shot("desk-assisting-case", full_page=False)
        helper.set_viewport_size(TABLET)
        helper_tab.shot("desk-assisting-case-tablet", full_page=False)

        helper_drawer.get_by_role("button", name="回复主办单位").click()
        helper_dialog = helper.get_by_test_id("action-dialog")
        expect(helper_dialog.get_by_test_id("assist-request")).to_contain_text("主办单位：区住房城乡建委")
        expect(helper_dialog.get_by_test_id("assist-request")).to_contain_text("协办说明：请于夜间监测")
        reply = helper_dialog.get_by_label("协办意见（回复主办单位）")
        expect(reply).to_be_focused()
        reply.press("Control+Enter")
        expect(helper_dialog.get_by_test_id("action-error")).to_contain_text("请填写协办意见")
        reply.fill("已于当晚 23 时监测，工地厂界噪声 62 分贝，超过夜间 55 分贝的标准。")
        helper_tab.shot("desk-assist-reply-tablet", full_page=False)
        helper.set_viewport_size(DESKTOP)
        reply.press("Control+Enter")

        expect(helper.get_by_text(re.compile(f"已回复主办单位（{code}）"))).to_be_visible()
        expect(helper_dialog).to_be_hidden()
        expect(helper_drawer.get_by_test_id("case-assisting")).to_contain_text("本单位已于")  # still readable
        mine = helper_drawer.get_by_test_id("assist-ecology_env")
        expect(mine).to_contain_text("已回复")
        expect(mine.get_by_test_id("assist-reply")).to_contain_text("62 分贝")
        expect(helper_drawer.get_by_test_id("case-actions").get_by_role("button")).to_have_count(0)
        helper_tab.shot("desk-assist-replied", full_page=False)
        helper.keyboard.press("Escape")
        expect(row).to_have_count(0)  # answered: no longer waiting
        helper.get_by_test_id("filter-assist-status").get_by_text("已回复").click()
        expect(table.locator("tr", has_text=code)).to_be_visible()
        assert helper_tab.outside == [] and helper_tab.console_errors == []
    finally:
        context.close()

    helper_headers = api.login(DISPATCHER)
    replied = api.http.get("/api/v1/assists/ecology_env?status=replied", headers=helper_headers).json()
    assist = next(c["assist"] for c in replied["cases"] if c["id"] == answer["id"])
    assert (assist["status"], assist["replied_by"], assist["late"]) == ("replied", DISPATCHER, False)
    again = api.http.post(f"/api/v1/cases/{answer['id']}/assist/reply", headers=helper_headers,
                          json={"reply": "再回复一次"})
    assert again.status_code == 409

    # the lead reads the answer in 协办情况 and replies to the citizen: the other request is closed
    page.keyboard.press("Escape")
    drawer = open_case(page, "queue-table", code)
    ecology = drawer.get_by_test_id("assist-ecology_env")
    expect(ecology).to_contain_text("已回复")
    expect(ecology.get_by_test_id("assist-reply")).to_contain_text("工地厂界噪声 62 分贝")
    expect(drawer.get_by_test_id("case-timeline")).to_contain_text("区生态环境局 回复协办意见")
    drawer.get_by_test_id("case-assists").scroll_into_view_if_needed()
    desktop.shot("desk-assist-answered", full_page=False)
    drawer.get_by_role("button", name="回复", exact=True).click()
    dialog.get_by_text("属实", exact=True).click()
    dialog.get_by_label("调查情况").fill("经区生态环境局夜间监测，工地厂界噪声 62 分贝，超过标准。")
    dialog.get_by_label("处理措施").fill("已责令该工地停止夜间打桩，并依法立案处罚。")
    dialog.get_by_label("处理措施").press("Control+Enter")

    expect(drawer.get_by_test_id("case-status")).to_have_text("已回复")
    expect(drawer.get_by_test_id("assist-urban_management")).to_contain_text("已关闭")
    expect(drawer.get_by_test_id("assist-urban_management")).to_contain_text("主办单位已回复")
    expect(drawer.get_by_test_id("assist-ecology_env")).to_contain_text("已回复")
    expect(drawer.get_by_test_id("case-timeline")).to_contain_text("区城市管理局 协办关闭")
    drawer.get_by_test_id("case-assists").scroll_into_view_if_needed()
    desktop.shot("desk-assist-closed", full_page=False)
    drawer.get_by_test_id("case-timeline").scroll_into_view_if_needed()
    desktop.shot("desk-assist-timeline", full_page=False)

    case = routed(api, answer["id"], api.login(lead))
    assert case["status"] == "replied"
    assert {a["department"]: a["status"] for a in case["assists"]} == {"ecology_env": "replied",
                                                                      "urban_management": "closed"}
    actions = [(h["action"], h["actor"], h["detail"].get("department")) for h in case["history"]]
    assert ("assist_requested", lead, "ecology_env") in actions
    assert ("assist_replied", DISPATCHER, "ecology_env") in actions
    assert ("assist_closed", "system", "urban_management") in actions
    assert next(h for h in case["history"] if h["action"] == "assist_requested")["detail"]["note"] == (
        "请于夜间监测工地厂界噪声并提供监测数据")
    assert desktop.console_errors == []


def test_a_supervisor_answers_an_assist_request_for_the_department_chosen_in_the_list(desktop: Tab,
                                                                                      api: Api) -> None:
    answer = report(api, "南园路砖厂破碎机白天晚上都在响，噪声很大")
    code = answer["tracking_code"]
    routed(api, answer["id"], api.login(DISPATCHER))
    asked = api.http.post(f"/api/v1/cases/{answer['id']}/assists", headers=api.login(DISPATCHER),
                          json={"departments": ["urban_management"]})
    assert asked.status_code == 200, asked.text
    page = desktop.open("/desk")
    sign_in(page, "supervisor")
    page.get_by_test_id("tab-assists").click()
    page.get_by_test_id("filter-assist-department").click()
    page.get_by_role("option", name="区城市管理局").click()
    row = page.get_by_test_id("assists-table").locator("tr", has_text=code)
    expect(row).to_contain_text("区生态环境局")
    expect(row).to_contain_text("（未附说明）")
    drawer = open_case(page, "assists-table", code)
    # a supervisor has the lead's actions too, and answers for the department chosen in the list
    expect(drawer.get_by_role("button", name="请求协办")).to_be_visible()
    drawer.get_by_role("button", name="回复主办单位").click()
    dialog = page.get_by_test_id("action-dialog")
    dialog.get_by_label("协办意见（回复主办单位）").fill("经核查，该砖厂不在城区道路范围，无城管事项。")
    dialog.get_by_label("协办意见（回复主办单位）").press("Control+Enter")

    expect(page.get_by_text(re.compile(f"已回复主办单位（{code}）"))).to_be_visible()
    expect(drawer.get_by_test_id("assist-urban_management")).to_contain_text("已回复")
    expect(drawer.get_by_role("button", name="回复主办单位")).to_have_count(0)
    expect(drawer.get_by_test_id("case-timeline")).to_contain_text("区城市管理局 回复协办意见")
    page.keyboard.press("Escape")
    expect(row).to_have_count(0)

    case = routed(api, answer["id"], api.login(DISPATCHER))
    assist = next(a for a in case["assists"] if a["department"] == "urban_management")
    assert (assist["status"], assist["replied_by"]) == ("replied", "supervisor")
    assert assist["reply"] == "经核查，该砖厂不在城区道路范围，无城管事项。"
    assert desktop.console_errors == []


def reopened_twice(api: Api) -> dict[str, Any]:
    """A case the citizen was unsatisfied with twice (重办 2 次): long-standing (积案) without waiting a month.
    The served process runs on the real clock, so no deadline can pass within a test."""
    answer = report(api, "南园路印刷厂夜里机器噪声很大，反映后还是没有改善")
    dispatcher = api.login(DISPATCHER)
    routed(api, answer["id"], dispatcher)

    def citizen_can_rate(round_: int) -> bool:
        view = api.http.get(f"/api/v1/r/{answer['citizen_token']}").json()
        return bool(view["can_rate"]) and view["reply_round"] == round_

    def reopened(round_: int) -> bool:
        case = routed(api, answer["id"], dispatcher)
        return case["status"] == "assigned" and case["reply_round"] == round_

    for round_ in (1, 2):
        replied = api.http.post(f"/api/v1/cases/{answer['id']}/reply", headers=dispatcher,
                                json={"reply": f"第 {round_} 次回复：已现场核查，责令整改"})
        assert replied.status_code == 200, replied.text
        wait_for(partial(citizen_can_rate, round_), what=f"the citizen can rate round {round_}")
        rated = api.http.post(f"/api/v1/r/{answer['citizen_token']}/rating",
                              json={"rating": "unsatisfied", "resolution": "unresolved", "comment": "噪声依旧"})
        assert rated.status_code == 201, rated.text
        wait_for(partial(reopened, round_ + 1), what=f"routing reopened the case for round {round_ + 1}")
    return answer


def test_a_supervisor_gives_a_long_standing_case_to_a_leader(desktop: Tab, api: Api) -> None:
    answer = reopened_twice(api)
    code = answer["tracking_code"]
    supervisor = api.login("supervisor")
    listed = api.http.get("/api/v1/backlog?leader=false", headers=supervisor).json()
    assert next(c for c in listed["cases"] if c["id"] == answer["id"])["backlog_reasons"] == ["重办 2 次"]
    page = desktop.open("/desk")
    sign_in(page, "supervisor")
    page.get_by_test_id("tab-backlog").click()
    page.get_by_test_id("filter-leader").get_by_text("未包案").click()
    table = page.get_by_test_id("backlog-table")
    row = table.locator("tr", has_text=code)
    expect(row.get_by_test_id("backlog-reason")).to_have_text(["重办 2 次"])
    expect(row).to_contain_text("区生态环境局")
    expect(row).to_contain_text("未包案")
    desktop.shot("desk-backlog", full_page=False)

    drawer = open_case(page, "backlog-table", code)
    expect(drawer.get_by_test_id("case-leader")).to_have_count(0)
    drawer.get_by_role("button", name="领导包案").click()
    dialog = page.get_by_test_id("action-dialog")
    leader = dialog.get_by_label("包案领导（姓名、职务）")
    expect(leader).to_be_focused()
    leader.press("Enter")
    expect(dialog.get_by_test_id("action-error")).to_contain_text("请填写包案领导的姓名和职务")
    leader.fill("王局长（分管副局长）")
    leader.press("Enter")
    expect(dialog.get_by_test_id("action-error")).to_contain_text("请填写包案方案")
    dialog.get_by_label("包案方案").fill("本周内现场督办，月底前办结")
    desktop.shot("desk-leader", full_page=False)
    leader.press("Enter")

    expect(page.get_by_text(re.compile(f"已交 王局长（分管副局长） 包案（{code}）"))).to_be_visible()
    expect(dialog).to_be_hidden()
    expect(drawer.get_by_test_id("case-leader")).to_have_text("王局长（分管副局长）")
    expect(drawer.get_by_test_id("case-leader-plan")).to_have_text("本周内现场督办，月底前办结")
    expect(drawer.get_by_role("button", name="更换包案领导")).to_be_visible()
    timeline = drawer.get_by_test_id("case-timeline")
    expect(timeline).to_contain_text("领导包案：王局长（分管副局长）")
    expect(timeline).to_contain_text("包案方案：本周内现场督办，月底前办结")
    expect(timeline).to_contain_text("重办")
    desktop.shot("desk-leader-assigned", full_page=False)
    page.set_viewport_size(TABLET)
    desktop.shot("desk-leader-assigned-tablet", full_page=False)
    page.set_viewport_size(DESKTOP)
    page.keyboard.press("Escape")

    expect(row).to_have_count(0)  # no longer among those without a leader
    page.get_by_test_id("filter-leader").get_by_text("已包案").click()
    row = table.locator("tr", has_text=code)
    expect(row.get_by_test_id("backlog-leader")).to_have_text("王局长（分管副局长）")
    expect(row.get_by_test_id("backlog-reason")).to_have_text(["重办 2 次"])
    desktop.shot("desk-backlog-leader", full_page=False)
    page.set_viewport_size(TABLET)
    desktop.shot("desk-backlog-leader-tablet", full_page=False)
    page.set_viewport_size(DESKTOP)

    given = api.http.get("/api/v1/backlog?leader=true", headers=supervisor).json()
    case = next(c for c in given["cases"] if c["id"] == answer["id"])
    assert (case["leader"], case["leader_plan"]) == ("王局长（分管副局长）", "本周内现场督办，月底前办结")
    assert answer["id"] not in [c["id"] for c in api.http.get("/api/v1/backlog?leader=false",
                                                               headers=supervisor).json()["cases"]]
    detail = routed(api, answer["id"], supervisor)
    assert (detail["history"][-1]["action"], detail["history"][-1]["actor"]) == ("leader_assigned", "supervisor")
    assert detail["history"][-1]["detail"]["leader"] == "王局长（分管副局长）"
    assert desktop.console_errors == []


def test_a_supervisor_takes_a_petition_through_its_steps_and_downloads_a_document(desktop: Tab, api: Api) -> None:
    answer = report(api, "南园路机械厂噪声问题反映多次没有解决，现书面信访，请依法答复")
    code = answer["tracking_code"]
    routed(api, answer["id"], api.login(DISPATCHER))
    page = desktop.open("/desk")
    sign_in(page, "supervisor")
    drawer = open_case(page, "queue-table", code)
    panel = drawer.get_by_test_id("petition-panel")

    panel.get_by_role("button", name="登记为信访件").click()
    dialog = page.get_by_test_id("petition-dialog")
    dialog.get_by_label("登记备注（仅工作人员可见）").fill("来信，附噪声监测申请")
    dialog.get_by_role("button", name="确认").click()
    expect(panel.get_by_test_id("petition-status")).to_have_text("已登记，待受理告知")
    expect(panel.get_by_test_id("petition-steps")).to_contain_text("登记为信访件")

    # 受理告知: 不予受理 needs a reason (it goes into the notice); then 受理
    panel.get_by_test_id("petition-next").get_by_role("button", name=re.compile("告知是否受理")).click()
    dialog.get_by_text("不予受理", exact=True).click()
    dialog.get_by_role("button", name="确认").click()
    expect(dialog.get_by_test_id("petition-error")).to_contain_text("不予受理须写明理由")
    dialog.get_by_text("受理", exact=True).click()
    dialog.get_by_role("button", name="确认").click()
    expect(panel.get_by_test_id("petition-status")).to_have_text("已受理，办理中")
    next_steps = panel.get_by_test_id("petition-next")
    expect(next_steps).to_contain_text("出具处理意见书")
    expect(next_steps).to_contain_text("延期办理（一次）")

    next_steps.get_by_role("button", name=re.compile("出具处理意见书")).click()
    dialog.get_by_label("处理意见").fill("经现场监测，该厂夜间厂界噪声超标，已责令整改并立案处罚。")
    dialog.get_by_role("button", name="确认").click()
    expect(panel.get_by_test_id("petition-status")).to_contain_text("处理意见书")
    steps = panel.get_by_test_id("petition-steps")
    expect(steps).to_contain_text("经现场监测，该厂夜间厂界噪声超标")
    expect(panel.get_by_test_id("petition-next")).to_contain_text("信访人请求复查")
    desktop.shot("desk-petition", full_page=False)

    with page.expect_download() as downloaded:
        steps.get_by_role("button", name="下载《信访事项处理意见书》").click()
    document = downloaded.value
    assert document.suggested_filename.endswith("信访事项处理意见书.docx")
    assert Path(document.path()).read_bytes()[:2] == b"PK"  # a .docx is a zip

    petition = api.http.get(f"/api/v1/cases/{answer['id']}/petition", headers=api.login("supervisor")).json()
    assert [s["step"] for s in petition["steps"]] == ["registered", "accepted", "replied"]
    assert petition["note"] == "来信，附噪声监测申请"
    # the department's dispatcher reads the file but records no step
    page.keyboard.press("Escape")
    page.get_by_role("button", name="退出登录").click()
    sign_in(page, DISPATCHER)
    drawer = open_case(page, "queue-table", code)
    expect(drawer.get_by_test_id("petition-steps")).to_contain_text("出具处理意见书")
    expect(drawer.get_by_test_id("petition-next")).to_have_count(0)
    assert desktop.console_errors == []

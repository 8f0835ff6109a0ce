"""The callback desk (/callbacks, 回访工作台) in real Chromium against the served process: a department's reply
is chosen for a callback (its first of the week always is); an operator finds it, shows the number (read
only then), records 无人接听 by keyboard and then 满意, and sees it move to the done list; a supervisor reads
the case and the reply on a tablet and is told when someone else closed the callback first (409); an
anonymous reporter has no number (404); a dispatcher is refused.

Each test uses a town government no other browser test replies for, so the weekly callback is its own."""

from __future__ import annotations

import re
import uuid
from typing import Any

from playwright.sync_api import expect

from tests.waiting import wait_for
from tests.web.conftest import Api, Tab

TABLET = {"width": 768, "height": 1024}  # an iPad held upright: the narrowest screen the desk is used on


def sign_in(page: Any, username: str) -> None:
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill("demo")
    page.get_by_role("button", name="登录").click()


def replied_callback(api: Api, town: str, department: str, reply: str, **reporter: Any) -> dict[str, Any]:
    """A cooking-fume complaint in a town (routed to the town government), replied by its dispatcher, and
    the callback notify opened for that reply (the department's first reply of the week)."""
    answer = api.report(content=f"{town}场镇一家火锅店油烟直排，熏得楼上住户不敢开窗（编号{uuid.uuid4().hex[:6]}）",
                        town=town, address=f"{town}正街 8 号", category="odor", subcategory="cooking_fumes",
                        reporter=reporter or {"anonymous": True})
    dispatcher = api.login(f"dispatcher-{department}")
    case = f"/api/v1/cases/{answer['id']}"
    wait_for(lambda: api.http.get(case, headers=dispatcher).status_code == 200,
             what=f"routing assigned it to {department}")
    assert api.http.post(f"{case}/accept", headers=dispatcher).status_code == 200
    replied = api.http.post(f"{case}/reply", headers=dispatcher, json={"reply": reply})
    assert replied.status_code == 200, replied.text
    supervisor = api.login("supervisor")

    def opened() -> dict[str, Any] | None:
        listed = api.http.get("/api/v1/callbacks", headers=supervisor,
                              params={"status": "all", "department": department}).json()["callbacks"]
        return next((c for c in listed if c["complaint_id"] == answer["id"]), None)

    callback = wait_for(opened, what=f"notify opened a callback for {department}'s reply")
    assert callback["status"] == "pending" and callback["reason"] in ("sampled", "weekly_minimum"), callback
    return {**answer, "callback": callback}


def unexpected_console_errors(tab: Tab, *allowed_statuses: int) -> list[str]:
    """Console errors other than the browser's note of an answer the page expects and handles (403, 404)."""
    allowed = tuple(f"status of {status}" for status in allowed_statuses)
    return [e for e in tab.console_errors if not (e.startswith("Failed to load resource") and e.endswith(allowed)
                                                  or any(a in e for a in allowed))]


def test_an_operator_shows_the_number_records_no_answer_then_satisfied_and_it_moves_to_done(
        desktop: Tab, api: Api) -> None:
    made = replied_callback(api, "龙市镇", "town_longshi", "经现场核查，该火锅店已加装油烟净化器，排烟口改至楼顶。",
                            name="张先生", phone="13800004321")
    code, callback = made["tracking_code"], made["callback"]
    contact_reads: list[str] = []
    desktop.page.on("request", lambda r: contact_reads.append(r.url) if "/contact?" in r.url else None)

    page = desktop.open("/callbacks")
    expect(page).to_have_title(re.compile("回访工作台"))
    sign_in(page, "operator")
    expect(page.get_by_test_id("staff-user")).to_contain_text("operator（话务员）")
    expect(page.get_by_role("navigation", name="当前位置")).to_contain_text("回访工作台")
    expect(page.get_by_role("navigation", name="功能菜单").get_by_role("menuitem", name="回访工作台")).to_be_visible()

    # the pending list (the default), filtered to the town's government
    table = page.get_by_test_id("callback-table")
    expect(page.get_by_role("tab", name=re.compile("待回访"))).to_have_attribute("aria-selected", "true")
    page.get_by_test_id("filter-department").click()
    page.get_by_role("option", name="龙市镇人民政府").click()
    row = table.locator("tr", has_text=code)
    expect(row).to_be_visible()
    expect(row).to_contain_text("龙市镇人民政府")
    expect(row).to_contain_text({"sampled": "随机抽中", "weekly_minimum": "每周保底"}[callback["reason"]])
    expect(row).to_contain_text("待回访")
    expect(row).to_contain_text("0 次")
    for text in table.locator("tbody tr").all_inner_texts():
        assert "龙市镇人民政府" in text
    desktop.shot("callbacks-list", full_page=False)

    row.get_by_role("button", name=f"回访 {code}").click()
    drawer = page.get_by_test_id("callback-drawer")
    expect(drawer.get_by_role("heading", name=f"回访 {code}")).to_be_visible()
    expect(drawer.get_by_test_id("callback-reason")).to_contain_text(
        {"sampled": "随机抽中", "weekly_minimum": "每周保底"}[callback["reason"]])
    expect(drawer.get_by_test_id("callback-draw")).to_have_text(f"{callback['draw']:.4f}")
    expect(drawer.get_by_test_id("callback-calls")).to_contain_text("尚未拨打")
    # operators read the case (read only) to have the department's reply in front of them when they call
    expect(drawer.get_by_test_id("case-reply")).to_have_text("经现场核查，该火锅店已加装油烟净化器，排烟口改至楼顶。")
    assert contact_reads == [], "the number is read only when asked for"

    drawer.get_by_role("button", name="显示号码 / 拨打").click()
    tel = drawer.get_by_test_id("contact-tel")
    expect(tel).to_have_attribute("href", "tel:13800004321")
    expect(tel).to_have_accessible_name(re.compile("拨打 张先生 的电话"))
    expect(drawer.get_by_test_id("callback-contact")).to_contain_text("张先生")
    assert len(contact_reads) == 1 and made["id"] in contact_reads[0]
    desktop.shot("callbacks-drawer", full_page=False)

    # 无人接听 by keyboard: 4 chooses it, Enter in the note saves
    form = drawer.get_by_test_id("call-form")
    page.get_by_role("heading", name=f"回访 {code}").click()  # focus out of any field
    page.keyboard.press("4")
    expect(form.get_by_role("radio", name="无人接听")).to_be_checked()
    note = form.get_by_label("回访记录（选填）")
    note.fill("上午十点拨打，无人接听")
    note.press("Enter")
    calls = drawer.get_by_test_id("callback-calls")
    expect(calls).to_contain_text("无人接听")
    expect(calls).to_contain_text("上午十点拨打，无人接听")
    expect(calls.locator("li")).to_have_count(1)
    expect(drawer.get_by_test_id("callback-status")).to_have_text("待回访")
    expect(form.get_by_role("radio", name="无人接听")).not_to_be_checked()  # ready for the next call
    expect(note).to_have_value("")
    expect(row).to_contain_text("1 次")

    # then the citizen answers: 满意, saved with the button; without a choice the form says what is missing
    form.get_by_role("button", name="保存回访记录").click()
    expect(form.get_by_test_id("call-error")).to_contain_text("请选择回访结果")
    satisfied = form.get_by_role("radio", name="满意", exact=True)
    # the large button a finger or a mouse presses
    form.locator("label").filter(has=page.get_by_role("radio", name="满意", exact=True)).click()
    expect(satisfied).to_be_checked()
    note.fill("市民表示油烟问题已解决")
    # with a rating, whether the problem was solved is asked too (解决率): not saved without it
    form.get_by_role("button", name="保存回访记录").click()
    expect(form.get_by_test_id("call-error")).to_contain_text("请选择问题是否解决")
    page.keyboard.press("7")
    expect(form.get_by_role("radio", name="已解决")).to_be_checked()
    with page.expect_response(lambda r: r.url.endswith("/calls")) as saved:
        form.get_by_role("button", name="保存回访记录").click()
    assert saved.value.status == 201 and saved.value.json()["resolution"] == "resolved"
    expect(drawer.get_by_test_id("callback-status")).to_have_text("已完成：满意")
    expect(drawer.get_by_test_id("callback-closed")).to_contain_text("回访已完成：满意")
    expect(drawer.get_by_test_id("call-form")).to_have_count(0)
    expect(calls.locator("li")).to_have_count(2)
    desktop.shot("callbacks-done-drawer", full_page=False)

    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()
    expect(table.locator("tr", has_text=code)).to_have_count(0)
    page.get_by_role("tab", name=re.compile("已完成")).click()
    done = table.locator("tr", has_text=code)
    expect(done).to_contain_text("已完成")
    expect(done).to_contain_text("满意")
    expect(done).to_contain_text("2 次")

    stored = api.http.get(f"/api/v1/callbacks/{made['id']}/{callback['reply_round']}",
                          headers=api.login("supervisor")).json()
    assert (stored["status"], stored["outcome"], stored["attempts"]) == ("done", "satisfied", 2)
    assert [(c["outcome"], c["by"], c["note"]) for c in stored["calls"]] == [
        ("no_answer", "operator", "上午十点拨打，无人接听"), ("satisfied", "operator", "市民表示油烟问题已解决")]
    assert len(contact_reads) == 1
    assert unexpected_console_errors(desktop, 403) == []


def test_a_supervisor_reads_the_case_and_reply_on_a_tablet_and_is_told_when_it_was_closed_first(
        browser: Any, server: Any, api: Api) -> None:
    reply = "经现场核查，该火锅店油烟净化设施未正常运行，已责令立即整改并复查合格。"
    made = replied_callback(api, "三汇镇", "town_sanhui", reply)  # an anonymous reporter: nobody to call
    code, callback = made["tracking_code"], made["callback"]
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=TABLET, has_touch=True)
    tablet = Tab(context, server.base_url)
    try:
        page = tablet.open("/callbacks")
        sign_in(page, "supervisor")
        expect(page.get_by_test_id("staff-user")).to_contain_text("supervisor（督办）")
        row = page.get_by_test_id("callback-table").locator("tr", has_text=code)
        expect(row).to_contain_text("三汇镇人民政府")
        tablet.shot("callbacks-tablet-list", full_page=False)

        row.click()
        drawer = page.get_by_test_id("callback-drawer")
        expect(drawer.get_by_role("heading", name=f"回访 {code}")).to_be_visible()
        expect(drawer.get_by_test_id("case-content")).to_contain_text("火锅店油烟直排")
        expect(drawer.get_by_test_id("case-reply")).to_have_text(reply)
        expect(drawer.get_by_test_id("callback-facts")).to_contain_text("异味恶臭 / 餐饮油烟")

        drawer.get_by_role("button", name="显示号码 / 拨打").click()
        expect(drawer.get_by_test_id("contact-none")).to_contain_text("匿名或未留联系电话")
        expect(drawer.get_by_test_id("contact-tel")).to_have_count(0)
        tablet.shot("callbacks-tablet-drawer", full_page=False)

        # the citizen rates online (or a colleague records it) while the supervisor still has it open
        key = f"/api/v1/callbacks/{made['id']}/{callback['reply_round']}"
        closed = api.http.post(f"{key}/calls", headers=api.login("operator"), json={"outcome": "basically_satisfied",
                                                                                        "resolution": "resolved"})
        assert closed.status_code == 201, closed.text
        page.get_by_role("heading", name=f"回访 {code}").click()
        page.keyboard.press("3")
        expect(drawer.get_by_role("radio", name="不满意")).to_be_checked()
        page.keyboard.press("9")  # 未解决
        expect(drawer.get_by_role("radio", name="未解决")).to_be_focused()  # so that Enter saves it
        page.keyboard.press("Enter")
        expect(drawer.get_by_test_id("call-error")).to_contain_text("这件回访已经结束")
        expect(drawer.get_by_test_id("callback-status")).to_have_text("已完成：基本满意")
        expect(drawer.get_by_test_id("call-form")).to_have_count(0)
        assert api.http.get(key, headers=api.login("supervisor")).json()["outcome"] == "basically_satisfied"
        assert unexpected_console_errors(tablet, 404, 409) == []
        assert tablet.outside == []
    finally:
        context.close()


def test_a_dispatcher_is_refused(desktop: Tab, api: Api) -> None:
    page = desktop.open("/callbacks")
    sign_in(page, "dispatcher-town_longshi")
    expect(page.get_by_role("alert")).to_contain_text("没有使用本页面的权限")
    expect(page.get_by_test_id("callback-table")).to_have_count(0)
    expect(page.get_by_test_id("staff-user")).to_have_count(0)
    answer = api.http.get("/api/v1/callbacks", headers=api.login("dispatcher-town_longshi"))
    assert answer.status_code == 403


def test_overdue_callbacks_stand_out_in_the_list(desktop: Tab, api: Api) -> None:
    """No callback is overdue on a real clock within a test: the list's answer is taken from the server and one
    callback in it marked overdue, as notify marks one past its due time."""
    made = replied_callback(api, "香龙镇", "town_xianglong", "已约谈店主，油烟净化器已清洗并恢复运行。",
                            name="李女士", phone="13900001111")
    code = made["tracking_code"]

    def overdue(route: Any) -> None:
        answer = route.fetch()
        body = answer.json()
        for callback in body["callbacks"]:
            if callback["tracking_code"] == code:
                callback.update(overdue=True, due_at="2026-11-20T09:00:00+08:00")
        route.fulfill(response=answer, json=body)

    page = desktop.page
    page.route(re.compile(r"/api/v1/callbacks\?"), overdue)
    desktop.open("/callbacks")
    sign_in(page, "supervisor")
    row = page.get_by_test_id("callback-table").locator("tr", has_text=code)
    expect(row).to_contain_text("已超期")
    expect(row).to_contain_text("2026/11/20 09:00")
    expect(row).to_have_class(re.compile("cbl__row--overdue"))
    desktop.shot("callbacks-overdue", full_page=False)

"""The citizen's journeys on a phone, in real Chromium against the real process: report, track, rate."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.images import jpeg
from tests.waiting import wait_for
from tests.web.conftest import Api, Tab

CODE = re.compile(r"^HC\d{6}-[0-9A-Z]{8}$")
NOISE = "合阳城街道南屏大道一工地凌晨两点还在打桩，噪音太大，吵得睡不着"


def test_report_shows_the_guess_then_the_code_and_the_private_link(phone: Tab) -> None:
    phone.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=phone.base_url)
    page = phone.open("/")
    expect(page.get_by_role("heading", name="反映生态环境问题")).to_be_visible()
    # the 30 towns come from GET /api/v1/reference
    expect(page.get_by_label("所在镇街").locator("option")).to_have_count(31)

    page.get_by_label("问题描述").fill(NOISE)
    # the classifier's guess, while typing (debounced POST /api/v1/classify)
    expect(page.get_by_test_id("guess-type")).to_have_text("噪声 / 建筑施工噪声")
    expect(page.get_by_test_id("guess-town")).to_have_text("合阳城街道")
    expect(page.get_by_test_id("guess-department")).to_have_text("区住房城乡建委")

    page.get_by_label("所在镇街").select_option("heyangcheng")
    page.get_by_label("详细地址").fill("南屏大道 88 号旁工地")
    page.get_by_label("姓名").fill("张先生")
    page.get_by_label("联系电话").fill("13812345678")
    phone.shot("citizen-report")

    sent: list[dict[str, str]] = []
    page.on("request", lambda r: sent.append(r.headers) if r.method == "POST" and r.url.endswith(
        "/api/v1/complaints") else None)
    with page.expect_response(lambda r: r.url.endswith("/api/v1/complaints")) as answered:
        page.get_by_role("button", name="提交投诉").dblclick()  # a double tap makes one complaint
    body = answered.value.json()

    confirmation = page.get_by_test_id("confirmation")
    expect(confirmation.get_by_role("heading", name="投诉已提交")).to_be_focused()
    code = page.get_by_test_id("tracking-code").inner_text().strip()
    assert CODE.match(code) and code == body["tracking_code"]
    link = page.get_by_test_id("private-link").inner_text().strip()
    assert link == f"{phone.base_url}/r/{body['citizen_token']}" == phone.base_url + body["private_link"]
    expect(confirmation).to_contain_text("请妥善保存，不要转发给他人")
    assert sent and len({h["idempotency-key"] for h in sent}) == 1, sent

    page.get_by_role("button", name="复制链接").click()
    expect(page.get_by_text("链接已复制")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == link
    expect(page.get_by_text("链接已复制")).to_be_hidden(timeout=5000)  # the toast fades before the picture
    phone.shot("citizen-confirmation")

    # the private link opens the citizen's own view
    page.get_by_role("link", name="打开查看").click()
    expect(page.get_by_test_id("status-code")).to_have_text(code)


def test_a_lost_answer_and_a_second_tap_make_one_complaint(phone: Tab) -> None:
    """The first answer never reaches the phone (the network drops it); the citizen taps again: the same
    Idempotency-Key goes out, and the server answers with the complaint it already made (200)."""
    page = phone.open("/")
    page.get_by_label("问题描述").fill("草街街道嘉陵江边有人晚上偷倒建筑垃圾")
    page.get_by_label("匿名反映").check()
    calls: list[tuple[str, int, dict[str, Any]]] = []

    def flaky(route: Any) -> None:
        answer = route.fetch()  # the server does receive it
        calls.append((route.request.headers["idempotency-key"], answer.status, answer.json()))
        if len(calls) == 1:
            route.abort("connectionreset")
        else:
            route.fulfill(response=answer)

    page.route("**/api/v1/complaints", flaky)
    page.get_by_role("button", name="提交投诉").click()
    expect(page.get_by_test_id("form-error")).to_contain_text("网络")
    page.get_by_role("button", name="提交投诉").click()
    expect(page.get_by_test_id("confirmation")).to_be_visible()

    (key1, status1, first), (key2, status2, second) = calls
    assert key1 == key2 and (status1, status2) == (201, 200)
    assert first["tracking_code"] == second["tracking_code"] and first["citizen_token"] == second["citizen_token"]
    expect(page.get_by_test_id("tracking-code")).to_have_text(first["tracking_code"])

    # changing the form afterwards is another submission, with another key
    page.get_by_role("button", name="再反映一个问题").click()
    expect(page.get_by_label("问题描述")).to_have_value("")


def test_an_invalid_form_says_what_is_missing(phone: Tab) -> None:
    page = phone.open("/")
    page.get_by_role("button", name="提交投诉").click()
    expect(page.get_by_test_id("form-error")).to_have_text("请描述您要反映的问题")
    page.get_by_label("问题描述").fill("河边有人倾倒建筑垃圾")
    page.get_by_role("button", name="提交投诉").click()
    expect(page.get_by_test_id("form-error")).to_have_text("请填写联系电话，或选择匿名反映")
    page.get_by_label("匿名反映").check()
    expect(page.get_by_label("姓名")).to_have_count(0)
    with page.expect_response(lambda r: r.url.endswith("/api/v1/complaints")) as answered:
        page.get_by_role("button", name="提交投诉").click()
    assert answered.value.status == 201
    expect(page.get_by_test_id("tracking-code")).to_have_text(answered.value.json()["tracking_code"])


def test_track_with_the_code_and_the_last_four_digits(phone: Tab, api: Api) -> None:
    reported = api.report(content="太和镇一家养猪场把粪水排进河里，河水发黑发臭", town="taihe",
                          reporter={"phone": "13900001111"})
    page = phone.open("/track")
    page.get_by_label("查询码").fill(reported["tracking_code"].lower())  # as typed on a phone
    page.get_by_label("手机后四位").fill("1112")
    page.get_by_role("button", name="查询").click()
    # wrong digits: the server's 404, in its own words
    error = page.get_by_test_id("track-error")
    expect(error).to_be_visible()
    server_says = api.http.get(f"/api/v1/complaints/{reported['tracking_code']}",
                               params={"phone_last4": "1113"}).json()["error"]["message"]
    assert error.inner_text().strip() == server_says

    page.get_by_label("手机后四位").fill("1111")
    page.get_by_role("button", name="查询").click()
    status = page.get_by_test_id("complaint-status")
    expect(status).to_be_visible()
    expect(page.get_by_test_id("status-code")).to_have_text(reported["tracking_code"])
    expect(status).to_contain_text("养猪场把粪水排进河里")
    expect(status).to_contain_text("太和镇")
    expect(status.get_by_text("承办单位尚未回复")).to_be_visible()
    expect(status.locator(".van-step")).not_to_have_count(0)
    phone.shot("citizen-track")


def test_after_the_department_replies_the_citizen_rates_by_the_private_link(phone: Tab, api: Api) -> None:
    reported = api.report(content="钓鱼城街道一家餐馆油烟直排，熏得楼上窗户都打不开", town="diaoyucheng",
                          address="钓鱼城街道学士路 12 号", reporter={"phone": "13700003333"})
    token = reported["citizen_token"]

    def routed() -> dict[str, Any] | None:
        view = api.http.get(f"/api/v1/r/{token}").json()
        return view if view["status"] == "assigned" and view["department"] else None

    view = wait_for(routed, what="the complaint to be routed to a department")
    department = view["department"]
    dispatcher = api.login(f"dispatcher-{department}")
    case = f"/api/v1/cases/{reported['id']}"
    assert api.http.post(f"{case}/accept", headers=dispatcher).status_code == 200
    photo = api.http.post(f"{case}/photos", headers=dispatcher,
                          files={"file": ("整改后.jpg", jpeg(colour=(40, 140, 90)), "image/jpeg")})
    assert photo.status_code == 201, photo.text
    reply = "经现场核查，该餐馆已安装油烟净化设施并整改到位，排放口已改至楼顶。"
    answer = api.http.post(f"{case}/reply", headers=dispatcher, json={"reply": reply})
    assert answer.status_code == 200, answer.text
    wait_for(lambda: api.http.get(f"/api/v1/r/{token}").json()["can_rate"],
             what="the reply to reach the citizen view")

    page = phone.open(reported["private_link"])
    expect(page.get_by_test_id("status-reply")).to_contain_text(reply)
    # the department's photo comes with its reply, loaded by the page (no sign-in: its random id opens it)
    shown = page.get_by_test_id("reply-photos").locator("img")
    expect(shown).to_have_count(1)
    expect(shown).to_have_attribute("src", f"/api/v1/reply-photos/{photo.json()['id']}")
    page.wait_for_function("() => document.querySelector('[data-testid=reply-photos] img')?.naturalWidth > 0")
    form = page.get_by_test_id("rating-form")
    expect(form).to_be_visible()
    phone.shot("citizen-private-link")

    form.get_by_role("button", name="提交评价").click()
    expect(form.get_by_text("请选择一项评价")).to_be_visible()
    expect(form.get_by_text("请选择问题是否已解决")).to_be_visible()
    form.get_by_label("基本满意").check()
    form.get_by_role("button", name="提交评价").click()  # whether it was solved is required too (解决率)
    expect(form.get_by_text("请选择问题是否已解决")).to_be_visible()
    form.get_by_test_id("resolution-set").get_by_label("部分解决").check()
    form.get_by_label("补充意见（选填）").fill("处理及时，希望加强日常巡查。")
    phone.shot("citizen-rating-resolution")
    with page.expect_response(lambda r: r.url.endswith("/rating")) as rated:
        form.get_by_role("button", name="提交评价").click()
    assert rated.value.status == 201 and rated.value.json()["resolution"] == "partly_resolved"
    expect(page.get_by_test_id("rating-result")).to_contain_text("感谢您的评价：基本满意")
    expect(page.get_by_test_id("complaint-status")).to_contain_text("您的评价：基本满意")  # the timeline
    expect(page.get_by_test_id("rating-form")).to_have_count(0)
    phone.shot("citizen-private-link-rated")
    after = api.http.get(f"/api/v1/r/{token}").json()
    assert after["rating"] == "basically_satisfied" and after["status"] == "closed"

    # a reload shows the rating; the latest rating of a reply counts, so it can still be changed
    page.reload()
    expect(page.get_by_test_id("rating-result")).to_contain_text("您已评价：基本满意")
    expect(page.get_by_test_id("rating-form")).to_have_count(0)
    page.get_by_role("button", name="修改评价").click()
    expect(form.get_by_label("基本满意")).to_be_checked()
    form.get_by_label("满意", exact=True).check()
    form.get_by_test_id("resolution-set").get_by_label("已解决").check()
    form.get_by_role("button", name="提交评价").click()
    expect(page.get_by_test_id("rating-result")).to_contain_text("感谢您的评价：满意")
    assert api.http.get(f"/api/v1/r/{token}").json()["rating"] == "satisfied"


def test_an_unknown_private_link_says_so(phone: Tab) -> None:
    page = phone.open("/r/" + "x" * 32)
    expect(page.get_by_test_id("private-error")).to_be_visible()
    assert phone.console_errors == [] or all("404" in e for e in phone.console_errors)


def test_too_many_wrong_digits_get_the_servers_try_later(phone: Tab, api: Api) -> None:
    reported = api.report(content="云门街道一家工厂夜里排放刺鼻气味", reporter={"phone": "13600004444"})
    code = reported["tracking_code"]
    for digits in ("0001", "0002", "0003", "0004", "0005"):  # five failures for this code
        assert api.http.get(f"/api/v1/complaints/{code}", params={"phone_last4": digits}).status_code == 404
    page = phone.open(f"/track?code={code}")
    expect(page.get_by_label("查询码")).to_have_value(code)
    page.get_by_label("手机后四位").fill("4444")  # even the right digits: the code is blocked for a while
    page.get_by_role("button", name="查询").click()
    answer = api.http.get(f"/api/v1/complaints/{code}", params={"phone_last4": "4444"})
    assert answer.status_code == 429
    expect(page.get_by_test_id("track-error")).to_have_text(answer.json()["error"]["message"])


def test_the_report_form_works_with_the_keyboard_alone(phone: Tab) -> None:
    page = phone.open("/")
    expect(page.get_by_label("所在镇街").locator("option")).to_have_count(31)
    page.get_by_label("问题描述").focus()
    page.keyboard.type("双槐镇电厂附近晚上有很大的轰鸣声")
    order = []
    for _ in range(8):
        page.keyboard.press("Tab")
        order.append(page.evaluate("""() => { const e = document.activeElement;
            return e.id || e.getAttribute('type') || e.textContent.trim() }"""))
    assert order == ["town", "address", "category", "checkbox", "name", "phone", "submit", order[7]], order
    page.get_by_label("匿名反映").focus()
    page.keyboard.press("Space")
    expect(page.get_by_label("匿名反映")).to_be_checked()
    page.get_by_label("联系电话").focus()
    with page.expect_response(lambda r: r.url.endswith("/api/v1/complaints")) as answered:
        page.keyboard.press("Enter")  # submits the form
    assert answered.value.status == 201
    expect(page.get_by_role("heading", name="投诉已提交")).to_be_focused()

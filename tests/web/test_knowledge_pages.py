"""The knowledge base's pages in real Chromium against the served process: the operator's search-while-typing
panel on /hotline and a consultation closed on the spot (直接办结); the staff page /knowledge (search, write,
a new version, review reminders); the citizens' /help on a phone (public articles only); the desk's reply
dialog filling a reply template (答复口径) with the case's facts. Each page is looked at on a desktop and a phone."""

from __future__ import annotations

import re
import uuid
from typing import Any

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.web.conftest import PHONE, Api, Tab
from tests.web.test_desk_page import open_case, routed, sign_in

FUMES = "餐饮油烟扰民怎么处理"  # seeded public articles (services/intake/knowledge_seed.py)
NIGHT_WORK = "夜间施工噪声投诉的处理时限"
INTERNAL = "话务口径：噪声类来电如何分流"  # seeded, internal
OWN = "housing_construction"


def article_by_title(api: Api, title: str) -> dict[str, Any]:
    found = api.http.get("/api/v1/knowledge/articles", params={"q": title}, headers=api.login("supervisor")).json()
    [item] = [i for i in found["items"] if i["title"] == title]
    detail = api.http.get(f"/api/v1/knowledge/articles/{item['id']}", headers=api.login("supervisor"))
    return detail.json()  # type: ignore[no-any-return]


def test_the_operator_finds_the_answer_while_typing_and_closes_the_consultation(desktop: Tab, api: Api) -> None:
    before = article_by_title(api, FUMES)
    complaints_before = api.http.get("/api/v1/channels/hotline/history", params={"address": "窗户都不敢开了"},
                                     headers=api.login("operator")).json()
    page = desktop.open("/hotline")
    sign_in(page, "operator")
    panel = page.get_by_test_id("knowledge-panel")
    expect(panel).to_contain_text("输入来电人的问题")

    question = "我家楼下饭店油烟太大了，窗户都不敢开了，这个归谁管"
    page.get_by_label("诉求内容").press_sequentially(question[:8], delay=40)  # typing: the panel follows
    expect(panel.get_by_test_id("knowledge-hit").first).to_contain_text(FUMES)
    page.get_by_label("诉求内容").fill(question)
    first = panel.get_by_test_id("knowledge-hit").first
    expect(first).to_contain_text(FUMES)
    expect(first.locator("mark", has_text="油烟").first).to_be_visible()  # the words found are marked
    expect(first.get_by_test_id("knowledge-answer")).to_contain_text("城市管理局")
    desktop.shot("staff-hotline-knowledge", full_page=False)

    with page.expect_response(lambda r: r.url.endswith("/api/v1/knowledge/consultations")) as done:
        first.get_by_test_id("knowledge-close").click()
    assert done.value.status == 201, done.value.text()
    expect(page.get_by_test_id("hotline-consulted")).to_contain_text("咨询已直接办结")
    desktop.shot("staff-hotline-consulted", full_page=False)

    after = article_by_title(api, FUMES)
    assert after["answered"] == before["answered"] + 1
    # no complaint was made of it: nothing new at that address, nothing routed
    complaints_after = api.http.get("/api/v1/channels/hotline/history", params={"address": "窗户都不敢开了"},
                                    headers=api.login("operator")).json()
    assert complaints_after == complaints_before
    page.get_by_role("button", name="下一个来电").click()
    expect(page.get_by_label("诉求内容")).to_have_value("")

    page.set_viewport_size(PHONE)  # the same page held narrow
    page.get_by_label("诉求内容").fill("晚上工地一直打桩，投诉多久有人管")
    expect(page.get_by_test_id("knowledge-panel").get_by_test_id("knowledge-hit").first).to_contain_text(NIGHT_WORK)
    desktop.shot("staff-hotline-knowledge-phone")


def test_a_department_writes_an_article_sees_its_versions_and_its_reviews(desktop: Tab, api: Api) -> None:
    page = desktop.open("/knowledge")
    sign_in(page, f"dispatcher-{OWN}")
    expect(page.get_by_role("navigation", name="当前位置")).to_contain_text("知识库")
    # the department's own seeded draft is due for review within 30 days
    expect(page.get_by_test_id("knowledge-reviews")).to_contain_text("夜间连续施工证明的公示要求（草稿）")

    page.get_by_test_id("knowledge-search").fill("油烟 饭店")
    expect(page.get_by_test_id("knowledge-item").first).to_contain_text(FUMES)
    page.get_by_test_id("knowledge-item").first.get_by_role("button").first.click()
    drawer = page.get_by_test_id("knowledge-detail")
    expect(drawer).to_contain_text("区城市管理局")
    expect(drawer.get_by_test_id("knowledge-edit")).to_have_count(0)  # another department's: read only
    drawer.get_by_role("button", name="关闭此对话框").click()

    title = f"建筑垃圾乱倒的举报渠道（{uuid.uuid4().hex[:4]}）"
    page.get_by_test_id("knowledge-new").click()
    editor = page.get_by_test_id("knowledge-editor")
    editor.get_by_label("标题").fill(title)
    editor.get_by_label("答复内容").fill("建筑垃圾乱倒由区住房城乡建委和属地镇街查处，请说明地点和车辆牌照。")
    editor.get_by_label("关键词").fill("渣土，建筑垃圾，乱倒")
    editor.get_by_text("内部", exact=True).click()
    desktop.shot("staff-knowledge-editor", full_page=False)
    editor.get_by_test_id("knowledge-save").click()
    expect(drawer).to_contain_text(title)
    expect(drawer).to_contain_text("第 1 版")

    drawer.get_by_test_id("knowledge-edit").click()
    editor.get_by_label("答复内容").fill("建筑垃圾乱倒由区住房城乡建委查处；正在倾倒的，请拨打 12345。")
    editor.get_by_label("修改说明").fill("补充正在倾倒时的处理")
    editor.get_by_test_id("knowledge-save").click()
    expect(drawer).to_contain_text("第 2 版")
    expect(drawer).to_contain_text("补充正在倾倒时的处理")
    expect(drawer.get_by_test_id("knowledge-detail-answer")).to_contain_text("请拨打 12345")
    desktop.shot("staff-knowledge-detail", full_page=False)

    stored = article_by_title(api, title)
    assert [(v["version"], v["changed_by"]) for v in stored["versions"]] == [(2, f"dispatcher-{OWN}"),
                                                                            (1, f"dispatcher-{OWN}")]
    assert stored["department"] == OWN and stored["status"] == "internal"
    drawer.get_by_role("button", name="关闭此对话框").click()
    page.get_by_test_id("knowledge-search").fill("渣土")
    expect(page.get_by_test_id("knowledge-item").first).to_contain_text(title)
    desktop.shot("staff-knowledge")
    page.set_viewport_size(PHONE)
    desktop.shot("staff-knowledge-phone")


def test_a_citizen_searches_the_public_answers_on_a_phone(phone: Tab, desktop: Tab) -> None:
    page = phone.open("/help")
    expect(page.get_by_role("heading", name="常见问题")).to_be_visible()
    expect(page.get_by_test_id("help-item").first).to_be_visible()
    page.get_by_test_id("help-search").locator("input").fill("饭店油烟找谁")
    first = page.get_by_test_id("help-item").first
    expect(first).to_contain_text(FUMES)
    expect(first.get_by_test_id("help-answer")).to_contain_text("油烟净化设施")
    expect(first.locator("mark", has_text="油烟").first).to_be_visible()
    phone.shot("help")

    page.get_by_test_id("help-search").locator("input").fill("话务口径 分流")
    expect(page.get_by_test_id("help-empty")).to_be_visible()  # an internal article never reaches citizens
    expect(page.get_by_text(INTERNAL)).to_have_count(0)
    phone.shot("help-empty", full_page=False)

    wide = desktop.open("/help")
    wide.get_by_test_id("help-search").locator("input").fill("晚上工地施工多久处理")
    expect(wide.get_by_test_id("help-item").first).to_contain_text(NIGHT_WORK)
    desktop.shot("help-desktop", full_page=False)


def test_the_desk_fills_a_reply_template_with_the_cases_facts(desktop: Tab, api: Api) -> None:
    answer = api.report(content=f"合阳城街道学士路工地凌晨还在打桩（编号{uuid.uuid4().hex[:6]}）", town="合阳城街道",
                        address="学士路 18 号", category="noise", subcategory="construction")
    dispatcher = api.login(f"dispatcher-{OWN}")
    case = routed(api, answer["id"], dispatcher)
    assert case["department"] == OWN, case
    assert api.http.post(f"/api/v1/cases/{answer['id']}/accept", headers=dispatcher).status_code == 200

    page = desktop.open("/desk")
    sign_in(page, f"dispatcher-{OWN}")
    drawer = open_case(page, "queue-table", answer["tracking_code"])
    drawer.get_by_role("button", name="回复").click()
    dialog = page.get_by_test_id("action-dialog")
    option = page.get_by_role("option", name="建筑施工噪声·已责令整改")
    for _ in range(10):  # a click while the dialog still opens can have its dropdown closed again by the focus trap
        dialog.get_by_test_id("reply-template").click()
        try:
            option.wait_for(state="visible", timeout=1500)
            break
        except PlaywrightTimeout:
            continue
    option.click()
    measures = dialog.get_by_label("处理措施")
    expect(measures).to_have_value(re.compile(answer["tracking_code"]))
    text = measures.input_value()
    assert "合阳城街道学士路 18 号" in text and "区住房城乡建委" in text and "第四十三条" in text and "{" not in text
    desktop.shot("desk-reply-template", full_page=False)
    dialog.get_by_text("属实", exact=True).click()
    dialog.get_by_label("调查情况").fill("现场核查，工地凌晨确有打桩作业。")
    measures.press("Control+Enter")
    expect(drawer.get_by_test_id("case-status")).to_have_text("已回复")
    expect(drawer.get_by_test_id("case-reply")).to_contain_text(answer["tracking_code"])

"""The staff pages' frame on a phone: the menu folds away behind a 菜单 button so the page has the whole
width; it opens over the page, leads to another page and closes itself. On a desktop the menu stays."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.web.conftest import Tab


def sign_in(tab: Tab, path: str, username: str) -> None:
    page = tab.open(path)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill("demo")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("staff-user")).to_contain_text(username)


def test_on_a_phone_the_menu_folds_away_and_opens_on_demand(phone: Tab):
    sign_in(phone, "/dashboard", "supervisor")
    page = phone.page
    menu = page.get_by_role("navigation", name="功能菜单")
    button = page.get_by_test_id("staff-menu-button")
    expect(menu).to_be_hidden()  # folded away: not drawn, not in the tab order
    main_left = page.locator("main").bounding_box()
    assert main_left is not None and main_left["x"] < 20  # the page starts at the screen's edge
    phone.shot("staff-layout-phone-closed", full_page=False)

    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(menu).to_be_visible()
    phone.shot("staff-layout-phone-menu", full_page=False)
    menu.get_by_text("承办工作台").click()
    page.wait_for_url("**/desk")
    expect(menu).to_be_hidden()  # a page was chosen: the menu closed
    expect(button).to_have_attribute("aria-expanded", "false")


def test_on_a_desktop_the_menu_stays(desktop: Tab):
    sign_in(desktop, "/dashboard", "supervisor")
    page = desktop.page
    expect(page.get_by_role("navigation", name="功能菜单")).to_be_visible()
    expect(page.get_by_test_id("staff-menu-button")).to_be_hidden()

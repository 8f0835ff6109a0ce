"""The grid worker's patrol page on a phone: sign in, report a finding with the suggested type and the
phone's position, see the tracking code, add a photo, and find the report in their own list."""

from __future__ import annotations

import io
import re

from PIL import Image
from playwright.sync_api import expect

from tests.web.conftest import Api, Tab

CONTENT = "东岳村3组养殖场把污水直接排进河里，河面发黑发臭"
ADDRESS = "太和镇东岳村3组"
HERE = {"latitude": 30.1234, "longitude": 106.2345}


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 120, 60)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_a_grid_worker_reports_a_finding_from_their_phone(phone: Tab, api: Api) -> None:
    phone.context.grant_permissions(["geolocation"])
    phone.context.set_geolocation(HERE)
    page = phone.open("/patrol")
    expect(page).to_have_title(re.compile("网格巡查上报"))

    # a supervisor is not a grid worker: the page says so and stays on the sign-in form
    page.get_by_label("账号").fill("supervisor")
    page.get_by_label("密码").fill("demo")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("仅供网格员使用")
    phone.shot("patrol-login")

    page.get_by_label("账号").fill("grid-taihe")
    page.get_by_label("密码").fill("demo")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("patrol-who")).to_contain_text("grid-taihe · 太和镇网格员")
    expect(page.get_by_test_id("patrol-form")).to_contain_text("默认为您负责的太和镇")

    page.get_by_test_id("patrol-content").locator("textarea").fill(CONTENT)
    page.get_by_test_id("patrol-address").locator("input").fill(ADDRESS)
    routing_says = api.http.post("/api/v1/classify", json={"content": CONTENT, "address": ADDRESS}).json()
    assert routing_says["category"] == "water", routing_says
    expect(page.get_by_test_id("guess-type")).to_contain_text("水")
    expect(page.get_by_test_id("patrol-use-guess")).to_be_checked()
    expect(page.get_by_text("浏览器会询问是否允许获取您的位置")).to_be_visible()
    page.get_by_test_id("patrol-locate").click()
    expect(page.get_by_test_id("patrol-position")).to_contain_text("30.1234, 106.2345")
    phone.shot("patrol-form")

    page.get_by_test_id("patrol-submit").click()
    code = page.get_by_test_id("patrol-tracking-code")
    expect(code).to_have_text(re.compile(r"^HC\d{6}-[0-9A-HJKMNP-TV-Z]{8}$"))
    tracking_code = code.inner_text()

    page.get_by_test_id("attachment-uploader").locator("input[type=file]").set_input_files(
        files=[{"name": "river.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
    expect(page.locator(".gallery__img")).to_have_count(1)
    expect(page.get_by_test_id("patrol-mine")).to_contain_text(tracking_code)
    phone.shot("patrol-done")

    # what was stored: channel grid, the worker's town, the type and place given, the photo
    mine = api.http.get("/api/v1/channels/grid/mine", headers=api.login("grid-taihe")).json()["reports"]
    assert mine[0]["tracking_code"] == tracking_code and mine[0]["address"] == ADDRESS
    assert mine[0]["type_label"].startswith("水")
    view = api.http.get(f"/api/v1/complaints/{tracking_code}").json()
    assert (view["channel"], view["town"], view["category"]) == ("grid", "taihe", "water")
    assert len(view["attachments"]) == 1
    assert phone.console_errors == []

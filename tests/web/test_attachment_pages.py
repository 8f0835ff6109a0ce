"""A citizen adds photos on a phone in Chromium: after reporting, and later by the private link."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
from PIL import Image
from playwright.sync_api import expect

from tests.intake.test_attachments_domain import HECHUAN_GPS, exif_of, picture
from tests.web.conftest import Api, Tab


def attachments_of(api: Api, token: str) -> list[dict[str, object]]:
    answer = api.http.get(f"/api/v1/r/{token}")
    assert answer.status_code == 200, answer.text
    return answer.json()["attachments"]


def test_a_photo_uploaded_after_reporting_is_stored_without_gps_and_shown(phone: Tab, api: Api,
                                                                           tmp_path: Path) -> None:
    photo = tmp_path / "现场.jpg"
    photo.write_bytes(picture("JPEG", gps=HECHUAN_GPS, size=(640, 480)))
    page = phone.open("/")
    page.get_by_label("问题描述").fill("南屏大道一工地夜间施工，扬尘很大")
    page.get_by_label("匿名反映").check()
    with page.expect_response(lambda r: r.url.endswith("/api/v1/complaints")) as answered:
        page.get_by_role("button", name="提交投诉").click()
    token = answered.value.json()["citizen_token"]

    uploader = page.get_by_test_id("attachment-uploader")
    expect(uploader).to_contain_text("最多 6 张，每张不超过 10 MB")
    with page.expect_response(lambda r: r.url.endswith("/attachments") and r.request.method == "POST") as sent:
        uploader.locator("input[type=file]").set_input_files(str(photo))
    assert sent.value.status == 201, sent.value.text()
    gallery = page.get_by_test_id("attachment-gallery")
    expect(gallery.locator("img")).to_have_count(1)
    # Loaded, and shown (not broken); no string evaluated in the page: its CSP allows no eval.
    expect(gallery.locator("img")).to_have_js_property("complete", True)
    assert gallery.locator("img").evaluate("img => img.naturalWidth") > 0

    [listed] = attachments_of(api, token)
    assert listed["content_type"] == "image/jpeg"
    served = api.http.get(f"/api/v1/attachments/{listed['id']}", params={"token": token})
    assert served.status_code == 200 and exif_of(served.content) == {}
    assert Image.open(io.BytesIO(served.content)).size == (640, 480)
    phone.shot("citizen-confirmation-photo")

    # A file that only pretends to be a photo: the server's reason is shown, nothing is listed.
    fake = tmp_path / "not-a-photo.jpg"
    fake.write_text("这不是照片")
    with page.expect_response(lambda r: r.url.endswith("/attachments") and r.request.method == "POST") as refused:
        uploader.locator("input[type=file]").set_input_files(str(fake))
    assert refused.value.status == 415
    expect(page.get_by_text("只能上传 JPEG、PNG、WebP 图片或 MP4 视频", exact=False)).to_be_visible()
    assert len(attachments_of(api, token)) == 1


def test_the_private_link_lists_the_photos_and_takes_more(phone: Tab, api: Api, tmp_path: Path) -> None:
    received = api.report(content="草街街道嘉陵江边有人晚上偷倒建筑垃圾", reporter={"anonymous": True})
    token = received["citizen_token"]
    first = httpx.post(f"{api.http.base_url}/api/v1/r/{token}/attachments",
                       files={"file": ("a.png", picture("PNG"), "image/png")}, timeout=10)
    assert first.status_code == 201, first.text

    page = phone.open(f"/r/{token}")
    photos = page.get_by_test_id("private-photos")
    expect(photos.locator("[data-testid=attachment-gallery] img")).to_have_count(1)
    second = tmp_path / "second.webp"
    second.write_bytes(picture("WEBP"))
    with page.expect_response(lambda r: r.url.endswith("/attachments") and r.request.method == "POST") as sent:
        photos.locator("input[type=file]").set_input_files(str(second))
    assert sent.value.status == 201
    expect(photos.locator("[data-testid=attachment-gallery] img")).to_have_count(2)
    assert [a["content_type"] for a in attachments_of(api, token)] == ["image/png", "image/webp"]
    phone.shot("citizen-private-link-photos")

"""督办 clocks on the desk drawer (docs/metrics.md "督办 clocks", docs/upstream.md), in real Chromium: a case an
upstream platform transferred shows the platform's reply deadline beside ours (earlier: flagged); once signed, the
first-contact deadline with the 已联系群众 button, which records the contact (by SMS here) in the drawer and the
timeline; a progress note (阶段性进展) is recorded the same way. The platform's link is put in the event log as
intake publishes it (complaint.upstream_linked)."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from shared.clock import SHANGHAI
from shared.contracts.events import UpstreamCaseLinkedV1
from shared.eventbus import outbox
from tests.web.conftest import Api, Tab
from tests.web.test_desk_page import open_case, routed, sign_in


def link_upstream(server: Any, complaint_id: str, tracking_code: str, reply_due: datetime) -> None:
    """intake's complaint.upstream_linked, written to the served process's event log."""
    now = datetime.now(SHANGHAI)
    link = UpstreamCaseLinkedV1(complaint_id=complaint_id, tracking_code=tracking_code, platform="12345",
                                case_no=f"CQ12345-{uuid.uuid4().hex[:6]}", transferred_at=now,
                                sign_due=now + timedelta(hours=4), reply_due=reply_due, linked_at=now)
    engine = sa.create_engine(server.env["DATABASE_URL"])
    try:
        with Session(engine) as session:
            outbox.append(session, [(UpstreamCaseLinkedV1.topic, link.to_event(source="/hechuan/intake", time=now))])
            session.commit()
    finally:
        engine.dispose()


def test_the_platforms_deadline_beside_ours_and_the_contact_recorded(desktop: Tab, api: Api, server: Any):
    received = api.report(content=f"合阳城街道某厂夜间机器轰鸣，吵得无法入睡（编号{uuid.uuid4().hex[:6]}）",
                          town="合阳城街道", category="noise", subcategory="industrial",
                          reporter={"phone": "13900002222"})
    supervisor = api.login("supervisor")
    case = routed(api, received["id"], supervisor)
    platform_due = datetime.now(SHANGHAI) + timedelta(days=2)  # before our 5 working days
    link_upstream(server, received["id"], received["tracking_code"], platform_due)
    deadline = time.monotonic() + 30
    while not case.get("followups", {}).get("upstream") and time.monotonic() < deadline:
        time.sleep(0.3)
        case = routed(api, received["id"], supervisor)
    assert case["followups"]["upstream"]["reply_earlier"] is True, case.get("followups")

    page = desktop.open("/desk")
    sign_in(page, f"dispatcher-{case['department']}")
    drawer = open_case(page, "queue-table", received["tracking_code"])
    expect(drawer.get_by_test_id("case-upstream-reply-due")).to_have_text(platform_due.strftime("%Y/%m/%d %H:%M"))
    expect(drawer.get_by_text("早于本系统时限")).to_be_visible()
    expect(drawer.get_by_text("签收后开始计时")).to_be_visible()  # not signed yet: no contact deadline

    drawer.get_by_role("button", name="签收").click()
    contact = drawer.get_by_test_id("followup-contact")
    expect(contact).to_contain_text("时限")
    desktop.shot("desk-followups", full_page=False)
    contact.get_by_role("button", name="已联系群众").click()
    form = drawer.get_by_test_id("contact-form")
    form.get_by_text("短信").click()
    form.get_by_role("button", name="确认已联系").click()
    expect(contact).to_contain_text("已联系")
    expect(drawer.get_by_test_id("case-timeline")).to_contain_text("已联系群众")
    expect(drawer.get_by_test_id("case-timeline")).to_contain_text("方式：短信")
    # 阶段性进展: the note is kept in the timeline and shown as the latest
    drawer.get_by_test_id("progress-button").click()
    drawer.get_by_test_id("progress-form").get_by_label("进展情况").fill("已约谈企业负责人，夜间停产整改")
    drawer.get_by_role("button", name="保存进展").click()
    expect(drawer.get_by_test_id("followup-progress")).to_contain_text("已约谈企业负责人，夜间停产整改")
    expect(drawer.get_by_test_id("case-timeline")).to_contain_text("阶段性进展")
    drawer.get_by_test_id("followup-panel").scroll_into_view_if_needed()
    desktop.shot("desk-followups-contacted", full_page=False)

"""The upstream link (pure): which lifecycle events become which actions for the platform, in order, once;
the reconciliation's differences; a transferred case translated into our codes."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from pydantic import ValidationError

from services.intake.domain.upstream import (
    Action,
    DifferenceKind,
    LedgerEntry,
    LinkState,
    OurCase,
    UpstreamCase,
    UpstreamLink,
    reconcile,
)
from services.intake.entrypoints.upstream import UpstreamCaseIn, refusal
from shared.clock import SHANGHAI
from shared.contracts.events import (
    CaseAcceptedV1,
    CaseForwardedV1,
    CaseRepliedV1,
    CaseReturnedV1,
    ExtensionDecidedV1,
    UpstreamCaseLinkedV1,
)

AT = datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)
NAMES = {"housing_construction": "区住房城乡建委", "ecology_env": "区生态环境局"}


def link() -> UpstreamLink:
    case = UpstreamCase(case_no="CQ-1", content="工地夜间施工噪音", transferred_at=AT - timedelta(hours=1),
                        reply_due=AT + timedelta(days=3))
    return UpstreamLink.of("12345", case, complaint_id="c-1", tracking_code="HC261126-ABCDEFGH", at=AT)


def answer(found: UpstreamLink, event: object):  # type: ignore[no-untyped-def]
    return found.answer(event, department_name=NAMES.get, unit="重庆市合川区生态环境局")  # type: ignore[arg-type]


def accepted(department: str, minutes: int = 0) -> CaseAcceptedV1:
    return CaseAcceptedV1(complaint_id="c-1", department=department, accepted_at=AT + timedelta(minutes=minutes),
                          by="d")


def test_a_new_link_tells_the_case_number_and_the_platforms_deadlines():
    [event] = link().pull_events()
    assert isinstance(event, UpstreamCaseLinkedV1)
    assert (event.platform, event.case_no, event.tracking_code) == ("12345", "CQ-1", "HC261126-ABCDEFGH")
    assert event.reply_due == AT + timedelta(days=3) and event.linked_at == AT


def test_signing_is_told_once_then_the_reply_in_order_with_keys_of_their_causes():
    found = link()
    sign = answer(found, accepted("housing_construction"))
    assert (sign.action, sign.seq, found.state) == (Action.sign, 1, LinkState.signed)
    assert sign.key == "upstream:12345:CQ-1:accepted:20261126T100000.000000"
    body = json.loads(sign.body())
    assert body["department"] == "区住房城乡建委" and body["action_id"] == sign.key and body["case_no"] == "CQ-1"
    again = answer(found, accepted("ecology_env", minutes=5))  # another department signs after a return
    assert again.action is Action.progress and "区生态环境局签收办理" in again.fields["note"]
    reply = answer(found, CaseRepliedV1(complaint_id="c-1", tracking_code="t", department="ecology_env",
                                         reply="已处理", replied_at=AT, reply_due=AT, reply_round=1, by="d"))
    assert (reply.action, reply.seq, reply.key.endswith(":replied:1"), found.state) == \
        (Action.reply, 3, True, LinkState.replied)
    assert json.loads(reply.body())["reply"] == "已处理"


def test_extensions_returns_and_forwards():
    found = link()
    refused = ExtensionDecidedV1(complaint_id="c-1", department="ecology_env", approved=False, reply_due=AT,
                                 decided_at=AT, by="s")
    assert answer(found, refused) is None and found.pushes == 0
    approved = refused.model_copy(update={"approved": True, "reply_due": AT + timedelta(days=5)})
    extend = answer(found, approved)
    assert extend.action is Action.extend and json.loads(extend.body())["reply_due"].startswith("2026-12-01T10:00")
    internal = answer(found, CaseReturnedV1(complaint_id="c-1", department="ecology_env", reason="不属于本部门",
                                            rule="r", returned_at=AT, by="d"))
    assert internal.action is Action.progress and found.state is LinkState.transferred  # stays with the bureau
    given_back = answer(found, CaseForwardedV1(complaint_id="c-1", tracking_code="t", body="区人力社保局",
                                               forwarded_at=AT, by="s"))
    assert given_back.action is Action.give_back and "区人力社保局" in given_back.fields["reason"]
    assert found.state is LinkState.returned
    assert answer(found, accepted("ecology_env")) is None  # given back: nothing more is told


def ours(case_no: str, state: LinkState, *, pushes=(), status="accepted", upstream_due=None, our_due=None):  # type: ignore[no-untyped-def]
    return OurCase(case_no, f"HC-{case_no}", state, status, AT, upstream_due, our_due, tuple(pushes))


def test_the_reconciliation_names_each_kind_of_difference():
    ledger = [LedgerEntry("A", "replied", acknowledged=frozenset({"k-sign"})),
              LedgerEntry("B", "signed"), LedgerEntry("C", "transferred"), LedgerEntry("E", "closed",
                                                                                       acknowledged=frozenset({"k-e"}))]
    mine = [ours("A", LinkState.replied, pushes=[("k-sign", "sign", "sent"), ("k-reply", "reply", "sent")],
                 status="replied"),
            ours("B", LinkState.transferred, upstream_due=AT, our_due=AT + timedelta(days=1)),
            ours("D", LinkState.signed),
            ours("E", LinkState.replied, pushes=[("k-e", "reply", "sent")], status="closed")]
    report = reconcile("12345", date(2026, 11, 26), 30, ledger, mine, ran_at=AT)
    found = {(d.kind, d.case_no) for d in report.differences}
    assert found == {(DifferenceKind.reply_unacknowledged, "A"), (DifferenceKind.status_mismatch, "B"),
                     (DifferenceKind.deadline_earlier, "B"), (DifferenceKind.upstream_only, "C"),
                     (DifferenceKind.ours_only, "D")}
    assert report.counts["status_mismatch"] == 1 and report.as_json()["upstream_cases"] == 4
    assert reconcile("12345", date(2026, 11, 26), 30, ledger[3:], mine[3:], ran_at=AT).differences == ()


def test_a_transferred_case_in_our_codes():
    case = UpstreamCaseIn.model_validate({
        "case_no": "CQ-9", "title": "噪音", "content": "工地夜间施工", "category": "噪声",
        "subcategory": "建筑施工噪声", "town": "太和", "address": "黄桷村",
        "reporter": {"name": "张三", "phone": "+86 139 1234 5678"},
        "transferred_at": "2026-11-26T09:30:00", "reply_due": "2026-11-30T18:00:00+08:00"}).to_case()
    assert (case.category, case.subcategory, case.town, case.address) == ("noise", "construction", "taihe", "黄桷村")
    assert case.reporter.phone == "13912345678" and case.transferred_at.tzinfo is not None
    assert case.complaint_text() == "噪音：工地夜间施工"
    unknown = UpstreamCaseIn.model_validate({"case_no": "CQ-10", "content": "有异味", "town": "某某乡",
                                             "category": "光污染", "reporter": {"phone": "12"},
                                             "transferred_at": "2026-11-26T09:30:00+08:00"}).to_case()
    assert (unknown.category, unknown.town, unknown.address, unknown.reporter.phone) == (None, None, "某某乡", None)
    with pytest.raises(ValidationError) as refused:
        UpstreamCaseIn.model_validate({"case_no": "a b", "content": "", "transferred_at": "soon",
                                       "reporter": {"phone": "13912345678"}})
    said = refusal(refused.value)
    assert "case_no" in said and "content" in said and "transferred_at" in said and "13912345678" not in said

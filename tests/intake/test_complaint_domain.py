"""The Complaint aggregate and intake's other rules: pure Python, no database."""

from datetime import datetime, timedelta

import pytest

from services.intake.domain.complaint import (
    PHONE,
    TRACKING_CODE,
    Complaint,
    SealedReporter,
    hash_citizen_token,
    looks_like_code,
    new_citizen_token,
    new_tracking_code,
    normalize_code,
    normalize_phone,
    phone_last4,
    same_secret,
)
from services.intake.domain.departments import Department, DepartmentDirectory, supersedes
from services.intake.domain.errors import NotRatable, OccurredInFuture
from services.intake.domain.reference import reference
from services.intake.domain.status import Status, type_label
from shared.auth import mask_name, mask_phone
from shared.clock import SHANGHAI
from shared.contracts import events as ev
from shared.contracts.codes import Channel, Rating

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)
REPORTER = SealedReporter(name_enc="gAAAA-name", phone_enc="gAAAA-phone", name_masked="李*",
                          phone_masked="138****1234", phone_last4="1234")
NAMES = DepartmentDirectory([Department("housing_construction", "区住房城乡建委")])


def seal(value: str) -> str:
    """A stand-in for the cipher port: reversible, and visibly not the value itself."""
    return "sealed:" + value[::-1]


def unseal(sealed: str) -> str:
    return sealed.removeprefix("sealed:")[::-1]


def received(**given) -> Complaint:
    complaint = Complaint.receive(**{"channel": Channel.app, "content": "工地夜间施工太吵", "town": "heyangcheng",
                                     "category": "noise", "reporter": REPORTER, "at": NOW, "seal": seal, **given})
    complaint.pull_events()
    return complaint


def assigned(complaint: Complaint, department: str = "housing_construction") -> ev.CaseAssignedV1:
    at = NOW + timedelta(hours=1)
    return ev.CaseAssignedV1(
        complaint_id=complaint.complaint_id, tracking_code=complaint.tracking_code, department=department,
        category="noise", subcategory="construction", received_at=NOW, assign_due=at, assigned_at=at,
        accept_due=at, return_due=at, reply_due=at, rule="rule-1", by="system")


def replied(complaint: Complaint, reply_round: int = 1) -> ev.CaseRepliedV1:
    at = NOW + timedelta(days=1)
    return ev.CaseRepliedV1(complaint_id=complaint.complaint_id, tracking_code=complaint.tracking_code,
                            department="housing_construction", reply="已责令停止夜间施工", replied_at=at,
                            reply_due=at, reply_round=reply_round, by="li")


def test_receiving_records_exactly_one_received_event_filled_from_the_complaint():
    complaint = Complaint.receive(channel=Channel.app, content="工地夜间施工太吵", town="heyangcheng", category="noise",
                                  subcategory="construction", address="合阳大道 1 号", lat=30.0, lon=106.3,
                                  occurred_at=NOW - timedelta(hours=2), urgent=True, reporter=REPORTER, at=NOW,
                                  seal=seal)
    [event] = complaint.pull_events()
    assert isinstance(event, ev.ComplaintReceivedV1)
    assert event.complaint_id == complaint.complaint_id and event.tracking_code == complaint.tracking_code
    assert (event.channel, event.content, event.town, event.category, event.subcategory) == (
        "app", "工地夜间施工太吵", "heyangcheng", "noise", "construction")
    assert (event.address, event.lat, event.lon, event.urgent) == ("合阳大道 1 号", 30.0, 106.3, True)
    assert event.received_at == NOW and event.occurred_at == NOW - timedelta(hours=2)
    assert event.reporter_name_masked == "李*" and event.reporter_phone_masked == "138****1234"
    assert "gAAAA" not in event.model_dump_json()  # ciphertext stays in intake too
    token = unseal(complaint.citizen_token_enc)
    assert token not in event.model_dump_json() and complaint.citizen_token_hash not in event.model_dump_json()
    assert "sealed:" not in event.model_dump_json()
    assert complaint.pull_events() == []  # pulled once
    assert complaint.status is Status.received and TRACKING_CODE.match(complaint.tracking_code)
    assert complaint.timeline[0].text == f"投诉已受理，查询码 {complaint.tracking_code}"


def test_a_moment_in_the_future_is_refused_and_a_little_clock_skew_is_not():
    with pytest.raises(OccurredInFuture) as refused:
        received(occurred_at=NOW + timedelta(hours=1))
    assert refused.value.code == "invalid" and "future" in refused.value.message
    assert received(occurred_at=NOW + timedelta(minutes=4)).occurred_at == NOW + timedelta(minutes=4)


def test_rating_before_a_reply_is_refused_and_records_nothing():
    complaint = received()
    complaint.on_assigned(assigned(complaint))
    with pytest.raises(NotRatable) as refused:
        complaint.rate(Rating.satisfied, comment=None, via="citizen", at=NOW)
    assert refused.value.code == "not_ratable" and "no reply to rate" in refused.value.message
    assert complaint.pending_events == [] and complaint.rating is None and complaint.status is Status.assigned


def test_rating_a_reply_closes_the_complaint_and_records_the_rated_event():
    complaint = received()
    complaint.on_assigned(assigned(complaint))
    complaint.on_replied(replied(complaint, reply_round=2))
    assert complaint.can_rate and complaint.status is Status.replied
    later = NOW + timedelta(days=2)
    complaint.rate(Rating.basically_satisfied, comment="还行", via="citizen", at=later)
    [event] = complaint.pull_events()
    assert isinstance(event, ev.ComplaintRatedV1)
    assert (event.complaint_id, event.tracking_code) == (complaint.complaint_id, complaint.tracking_code)
    assert (event.rating, event.reply_round, event.comment, event.via, event.rated_at) == (
        "basically_satisfied", 2, "还行", "citizen", later)
    assert complaint.status is Status.closed and complaint.timeline[-1].text == "您的评价：基本满意"
    complaint.rate(Rating.satisfied, comment=None, via="citizen", at=later)  # changed: the latest counts
    assert complaint.rating is Rating.satisfied and len(complaint.ratings) == 2


def test_a_new_reply_round_is_rated_afresh():
    complaint = received()
    complaint.on_replied(replied(complaint))
    complaint.rate(Rating.unsatisfied, comment=None, via="citizen", at=NOW)
    complaint.on_replied(replied(complaint, reply_round=2))
    assert complaint.rating is None and complaint.reply_round == 2 and complaint.status is Status.replied


def test_the_timeline_names_the_department_when_it_is_shown_and_falls_back_to_the_code():
    complaint = received()
    complaint.on_assigned(assigned(complaint))
    complaint.on_accepted(ev.CaseAcceptedV1(complaint_id=complaint.complaint_id, department="housing_construction",
                                            accepted_at=NOW + timedelta(hours=2), by="li"))
    stored = complaint.timeline[1]
    assert stored.department == "housing_construction" and "区住房城乡建委" not in stored.text
    view = complaint.citizen_view(NAMES)
    assert [line.text for line in view.timeline[1:]] == ["已交办至区住房城乡建委（噪声 / 建筑施工噪声）",
                                                          "区住房城乡建委已签收，正在办理"]
    assert view.department_name == "区住房城乡建委" and view.status_label == "办理中"
    renamed = DepartmentDirectory([Department("housing_construction", "区住房和城乡建设委员会")])
    assert complaint.citizen_view(renamed).timeline[2].text == "区住房和城乡建设委员会已签收，正在办理"
    unknown = complaint.citizen_view(DepartmentDirectory())
    assert unknown.department_name == "housing_construction"
    assert unknown.timeline[1].text.startswith("已交办至housing_construction（")


def test_a_returned_case_loses_its_department_and_only_an_approved_extension_shows():
    complaint = received()
    complaint.on_assigned(assigned(complaint))
    complaint.on_returned(ev.CaseReturnedV1(complaint_id=complaint.complaint_id, department="housing_construction",
                                            reason="不归我们管", rule="r", returned_at=NOW, by="li"))
    assert complaint.department is None and complaint.status is Status.triage
    entries = len(complaint.timeline)
    decided = {"complaint_id": complaint.complaint_id, "department": "x", "decided_at": NOW, "by": "boss",
               "reply_due": datetime(2026, 12, 10, 9, 30, tzinfo=SHANGHAI)}
    complaint.on_extension_decided(ev.ExtensionDecidedV1(approved=False, **decided))
    assert len(complaint.timeline) == entries
    complaint.on_extension_decided(ev.ExtensionDecidedV1(approved=True, **decided))
    assert complaint.timeline[-1].text == "办理期限已延长至 2026-12-10 09:30"
    assert complaint.timeline[-1].status is Status.triage and complaint.pending_events == []


def test_a_complaint_with_a_phone_is_shown_only_with_its_last_four_digits_and_one_without_by_code_alone():
    complaint = received()
    assert complaint.shown_to("1234")
    assert not complaint.shown_to(None) and not complaint.shown_to("9999") and not complaint.shown_to("")
    without_phone = received(reporter=SealedReporter())
    assert without_phone.shown_to(None) and without_phone.shown_to("9999")


def test_each_complaint_gets_its_own_private_token_kept_only_as_a_hash_and_ciphertext():
    first, second = received(), received()
    token = unseal(first.citizen_token_enc)
    assert len(token) == 32 and token != unseal(second.citizen_token_enc)  # 24 random bytes, URL-safe
    assert first.citizen_token_hash == hash_citizen_token(token) and len(first.citizen_token_hash) == 64
    assert token not in repr(first) and first.citizen_token_hash not in repr(first)
    assert token not in str(vars(first)).replace(first.citizen_token_enc, "")  # nowhere in clear
    assert first.holds_token(token)
    assert not first.holds_token(unseal(second.citizen_token_enc)) and not first.holds_token(None)
    assert not first.holds_token(token[:-1]) and not first.holds_token("")
    legacy = received()
    legacy.citizen_token_hash = None  # received before tokens existed: nothing matches
    assert not legacy.holds_token(token) and not legacy.holds_token("")


def test_new_tokens_are_long_random_and_compared_in_constant_time():
    tokens = {new_citizen_token() for _ in range(200)}
    assert len(tokens) == 200 and all(len(t) >= 32 for t in tokens)  # ≥ 192 bits of secrets.token_urlsafe(24)
    assert all(set(t) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") for t in tokens)
    assert same_secret("abc", "abc") and not same_secret("abc", "abd") and not same_secret(None, "abc")
    assert not same_secret("abc", None) and not same_secret("1234", "12345")


def test_the_reply_deadline_follows_assignment_extension_and_return():
    complaint = received()
    complaint.on_assigned(assigned(complaint))
    assert complaint.reply_due == NOW + timedelta(hours=1)
    extended = datetime(2026, 12, 10, 9, 30, tzinfo=SHANGHAI)
    decided = {"complaint_id": complaint.complaint_id, "department": "x", "decided_at": NOW, "by": "boss",
               "reply_due": extended}
    complaint.on_extension_decided(ev.ExtensionDecidedV1(approved=False, **{**decided, "reply_due": NOW}))
    assert complaint.reply_due == NOW + timedelta(hours=1)  # refused: unchanged
    complaint.on_extension_decided(ev.ExtensionDecidedV1(approved=True, **decided))
    assert complaint.reply_due == extended and complaint.citizen_view(NAMES).reply_due == extended
    complaint.on_returned(ev.CaseReturnedV1(complaint_id=complaint.complaint_id, department="housing_construction",
                                            reason="不归我们管", rule="r", returned_at=NOW, by="li"))
    assert complaint.reply_due is None


def test_a_newer_directory_snapshot_supersedes_and_an_older_one_does_not():
    assert supersedes(NOW, None) and supersedes(NOW, NOW) and not supersedes(NOW - timedelta(seconds=1), NOW)


def test_tracking_code_carries_the_day_and_40_random_bits():
    day = datetime(2026, 11, 28, 9, 30, tzinfo=SHANGHAI)
    codes = {new_tracking_code(day) for _ in range(500)}
    assert len(codes) == 500
    assert all(TRACKING_CODE.match(code) and code.startswith("HC261128-") and len(code) == 17 for code in codes)
    assert not any(ch in code[9:] for code in codes for ch in "ILOU")
    assert len({ch for code in codes for ch in code[9:]}) == 32  # the whole Crockford alphabet is used
    assert "40 random bits" in (new_tracking_code.__doc__ or "").replace("2^40", "40 random bits")


def test_codes_of_both_lengths_are_recognised_and_a_misread_code_is_forgiven():
    assert looks_like_code("HC261130-7KQ2XM4P") and looks_like_code("HC261128-7KQ2XM")  # today's and the old
    for wrong in ("HC261130-7KQ2XM4", "HC261130-7KQ2XM4PQ", "HC261130-7KQ2XMIL", "hc261130-7kq2xm4p", "x", ""):
        assert not looks_like_code(wrong), wrong
    assert normalize_code("  hc261130-7kq2xm4p ") == "HC261130-7KQ2XM4P"
    assert normalize_code("hc261130-7kq2xmio") == "HC261130-7KQ2XM10"  # I and O read back as 1 and 0
    assert normalize_code("HC261130-L0O1") == "HC261130-1001"


def test_phone_is_masked_for_staff_and_only_the_last_four_digits_kept_for_checks():
    assert mask_phone("13812341234") == "138****1234"
    assert phone_last4("023-42812345") == "2345"
    assert mask_name("张三丰") == "张**"


def test_mobile_and_landline_numbers_are_accepted_and_nonsense_is_not():
    assert PHONE.match("13812341234") and PHONE.match("023-42812345")
    assert not PHONE.match("12345") and not PHONE.match("1381234123a")


def test_a_number_is_normalised_so_one_caller_is_found_however_it_is_written():
    for spelling in ("13812341234", "138 1234 1234", "+86 138-1234-1234", "008613812341234", "8613812341234"):
        assert normalize_phone(spelling) == "13812341234", spelling
    assert normalize_phone("023-4281 2345") == normalize_phone("02342812345") == "02342812345"
    for nonsense in ("12345", "", None, "abc", "+1 415 555 0100", "2342812345"):
        assert normalize_phone(nonsense) is None, nonsense


def test_the_reference_lists_every_town_and_type_with_names():
    data = reference()
    assert len(data["towns"]) == 30 and {"code": "heyangcheng", "name": "合阳城街道", "kind": "street"} in data["towns"]
    assert {"code": "taihe", "name": "太和镇", "kind": "town"} in data["towns"]
    noise = next(c for c in data["categories"] if c["code"] == "noise")
    assert noise["name"] == "噪声" and {"code": "construction", "name": "建筑施工噪声"} in noise["subcategories"]
    assert next(c for c in data["categories"] if c["code"] == "soil")["subcategories"] == []


def test_type_label_names_the_type_in_chinese():
    assert type_label("noise", "construction") == "噪声 / 建筑施工噪声"
    assert type_label(None, None) is None

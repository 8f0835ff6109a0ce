"""The Investigation aggregate's rules, pure: the stages, what sign-off (销号) needs, the amounts and readings
it takes, and the events each step records."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from services.routing.domain.investigations import (
    ActionKind,
    EvidencePhoto,
    Finding,
    Investigation,
    InvestigationInvalid,
    InvestigationRefused,
    Location,
    Reading,
    RecheckResult,
    Stage,
    yuan,
)
from shared.clock import SHANGHAI

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=SHANGHAI)
RECEIVED = NOW - timedelta(hours=5)


def checked(**check: object) -> Investigation:
    investigation = Investigation.start(complaint_id="c1", tracking_code="HC1", department="housing_construction",
                                        by="d", at=NOW)
    investigation.add_photo(EvidencePhoto("p1", "k1", "image/jpeg", 10, "0" * 64, "d", NOW))
    values: dict = {"checked_at": NOW - timedelta(hours=1), "by": "张三", "location": None, "address_note": None,
                    "readings": [], "photos": [], "note": None}
    investigation.check(**(values | check), received_at=RECEIVED, recorded_by="d", now=NOW)
    return investigation


def act(investigation: Investigation, kind: ActionKind, **values: object) -> None:
    fields: dict = {"deadline": None, "amount": None, "case_number": None, "body": None, "note": None}
    investigation.act(kind, **(fields | values), by="d", now=NOW)


def recheck(investigation: Investigation, result: RecheckResult, photos: list[str]) -> None:
    investigation.recheck(checked_at=NOW, by="张三", result=result, photos=photos, readings=[], note=None,
                          recorded_by="d", now=NOW)


def test_a_problem_found_is_signed_off_only_after_a_recheck_found_it_rectified():
    investigation = checked(readings=[Reading("噪声", 68.0, "dB(A)", 55.0)], photos=["p1"],
                            location=Location(29.97, 106.27, 10.0))
    assert investigation.stage == Stage.checking
    investigation.find(Finding.true, note=None, by="d", now=NOW)
    assert investigation.stage == Stage.handling
    with pytest.raises(InvestigationRefused):
        investigation.sign_off(note=None, by="s", now=NOW)  # no action yet
    act(investigation, ActionKind.rectify, deadline=date(2026, 12, 3))
    with pytest.raises(InvestigationRefused):
        investigation.sign_off(note=None, by="s", now=NOW)  # no re-check
    recheck(investigation, RecheckResult.not_rectified, [])
    assert investigation.stage == Stage.handling
    with pytest.raises(InvestigationInvalid):
        recheck(investigation, RecheckResult.rectified, [])  # evidence
    recheck(investigation, RecheckResult.rectified, ["p1"])
    assert investigation.stage == Stage.ready
    investigation.sign_off(note="同意销号", by="s", now=NOW)
    assert investigation.stage == Stage.signed_off
    with pytest.raises(InvestigationRefused):
        act(investigation, ActionKind.transfer, body="区公安分局")
    kinds = [type(e).__name__ for e in investigation.pending_events]
    assert kinds == ["InvestigationCheckedV1", "InvestigationFindingV1", "InvestigationActionV1",
                     "InvestigationRecheckedV1", "InvestigationRecheckedV1", "InvestigationSignedOffV1"]
    first = investigation.pending_events[0]
    assert first.exceeded is True and first.lat == 29.97 and first.photos == 1  # type: ignore[attr-defined]


def test_untrue_needs_no_recheck_and_transfers_alone_need_none_either():
    untrue = checked()
    untrue.find(Finding.false, note="现场未见施工", by="d", now=NOW)
    assert untrue.stage == Stage.ready and not untrue.recheck_needed()
    with pytest.raises(InvestigationRefused):
        act(untrue, ActionKind.rectify, deadline=date(2026, 12, 3))

    moved = checked()
    moved.find(Finding.partly, note=None, by="d", now=NOW)
    assert moved.stage == Stage.handling  # found, nothing done yet
    act(moved, ActionKind.transfer, body="区公安分局")
    assert moved.stage == Stage.ready  # the receiving body answers for it
    act(moved, ActionKind.penalty, amount="500", case_number="罚1")
    assert moved.stage == Stage.handling  # a penalty of our own: re-checked


def test_a_finding_cannot_turn_untrue_under_a_penalty_and_is_recorded_once_each_change():
    investigation = checked()
    investigation.find(Finding.true, note=None, by="d", now=NOW)
    act(investigation, ActionKind.penalty, amount=Decimal("100.10"), case_number="罚1")
    with pytest.raises(InvestigationRefused):
        investigation.find(Finding.false, note=None, by="d", now=NOW)
    with pytest.raises(InvestigationInvalid):
        investigation.find(Finding.true, note=None, by="d", now=NOW)  # nothing changes
    investigation.find(Finding.partly, note="部分属实", by="d", now=NOW)
    assert investigation.reply_draft() == "经现场核查，您反映的情况部分属实。部分属实。已依法立案查处。"


def test_times_places_readings_and_amounts_are_checked():
    with pytest.raises(InvestigationInvalid):
        checked(checked_at=NOW + timedelta(minutes=1))
    with pytest.raises(InvestigationInvalid):
        checked(checked_at=RECEIVED - timedelta(minutes=1))
    with pytest.raises(InvestigationInvalid):
        checked(location=Location(91.0, 106.0))
    with pytest.raises(InvestigationInvalid):
        checked(readings=[Reading("噪声", float("nan"), "dB(A)")])
    with pytest.raises(InvestigationInvalid):
        checked(readings=[Reading("噪声", 60.0, "dB(A)")] * 21)
    with pytest.raises(InvestigationInvalid):
        checked(photos=["unknown"])
    assert yuan("20000.5") == Decimal("20000.50")
    for wrong in ("1.234", "-1", "100000000.01", "abc", 1.5):
        with pytest.raises(InvestigationInvalid):
            yuan(wrong)  # type: ignore[arg-type]
    investigation = checked()
    investigation.find(Finding.true, note=None, by="d", now=NOW)
    with pytest.raises(InvestigationInvalid):
        act(investigation, ActionKind.rectify, deadline=date(2026, 11, 25))  # already past
    with pytest.raises(InvestigationInvalid):
        act(investigation, ActionKind.penalty, amount="100")  # no case number
    with pytest.raises(InvestigationRefused):
        recheck(investigation, RecheckResult.rectified, ["p1"])  # no action yet


def test_a_reply_waits_for_the_finding_once_a_check_is_recorded():
    investigation = Investigation.start(complaint_id="c1", tracking_code="HC1", department="x", by="d", at=NOW)
    assert investigation.reply_refusal("已处理") is None  # nothing checked: the reply is as before
    investigation = checked()
    assert investigation.reply_refusal("已处理") is not None and investigation.reply_draft() is None
    investigation.find(Finding.false, note=None, by="d", now=NOW)
    assert investigation.reply_refusal("经核查，未发现施工") is None
    assert investigation.reply_refusal("【核查结论】不属实\n【调查情况】未见施工") is None
    assert "不一致" in (investigation.reply_refusal("【核查结论】属实\n【调查情况】见施工") or "")
    investigation.find(Finding.partly, note=None, by="d", now=NOW)
    assert investigation.reply_refusal("【核查结论】部分属实\n…") is None
    assert investigation.reply_refusal("【核查结论】属实\n…") is not None

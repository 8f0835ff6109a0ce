"""突发环境事件 rules (domain/incidents.py) and the Case's incident steps: pure, no database."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from services.routing.domain.case import Case, Status
from services.routing.domain.incidents import (
    IncidentRefused,
    Referral,
    ReferralTarget,
    assess_incident,
    first_response,
    incident_view,
)
from shared.clock import SHANGHAI
from shared.contracts.events import CaseIncidentClearedV1, CaseIncidentDeclaredV1, IncidentReferralRecordedV1

T0 = datetime(2026, 11, 27, 23, 0, tzinfo=SHANGHAI)  # a Friday night


def case(status: Status = Status.assigned) -> Case:
    return Case(complaint_id="c1", tracking_code="HC1", channel="web", content="化工厂管道破裂", received_at=T0,
                assign_due=T0 + timedelta(days=1), status=status, department="ecology_env")


@pytest.mark.parametrize("text", ["化工厂管道破裂，大量刺鼻气体泄漏，有人头晕", "河里大量死鱼，河水变红了",
                                  "油罐车侧翻，柴油流进河里", "工厂突然爆炸起火，浓烟很大"])
def test_incident_words_flag_a_complaint_with_the_words_as_the_reason(text):
    found = assess_incident(text)
    assert found.suspected and found.words and all(w in text for w in found.words)
    assert "疑似突发环境事件" in found.explanation


@pytest.mark.parametrize("text", ["合阳城街道某工地凌晨两点还在打桩，噪音太大", "楼下烧烤店油烟太大", "工厂冒黑烟",
                                  "昨天化工厂泄漏了，现在已经处理好了", "附近工厂在用放射源做探伤，担心放射性泄漏",
                                  "化工厂储罐离小区太近，万一爆炸怎么办"])
def test_ordinary_or_past_complaints_are_not_incidents(text):
    assert not assess_incident(text).suspected


@pytest.mark.parametrize("text", ["工业园区化工厂排放刺鼻气味，已经持续一周，闻着头晕",
                                  "化工厂每天晚上排刺鼻气体，闻了头晕"])
def test_a_long_standing_problem_needs_a_strong_sign_to_be_an_incident(text):
    """Weak signs that would add up (化工厂 + 刺鼻 + 头晕) do not when the text says the problem is long-standing:
    the department's working-day clock is for that; a strong sign alone (泄漏) still flags."""
    found = assess_incident(text)
    assert not found.suspected and "长期问题" in found.explanation and found.score >= 3
    assert assess_incident(text + "，今天管道泄漏了").suspected


def test_a_longer_word_found_counts_once():
    assert assess_incident("管道破裂").words == ("管道破裂",)  # not 破裂 again


def test_the_lexicon_flag_records_an_automatic_declaration_once():
    c = case()
    assert c.flag_incident(assess_incident("大量死鱼"), at=T0)
    assert not c.flag_incident(assess_incident("大量死鱼"), at=T0)
    [event] = c.pending_events
    assert isinstance(event, CaseIncidentDeclaredV1) and event.auto and event.words == ["死鱼", "大量"]
    assert (c.incident, c.incident_since) == ("suspected", T0)
    assert c.history[-1].action == "incident_flagged"


def test_declare_confirms_a_suspected_incident_without_restarting_its_clock():
    c = case()
    c.flag_incident(assess_incident("大量死鱼"), at=T0)
    c.declare_incident("现场核实确有大量死鱼", by="sup", at=T0 + timedelta(minutes=20))
    assert (c.incident, c.incident_since) == ("declared", T0)
    with pytest.raises(IncidentRefused):
        c.declare_incident("again", by="sup", at=T0 + timedelta(minutes=30))


def test_clear_then_declare_again_starts_a_new_clock_and_everything_is_audited():
    c = case()
    c.declare_incident("热线报告化工厂泄漏", by="op", at=T0)
    c.clear_incident("误报：为正常检修排气", by="disp", at=T0 + timedelta(minutes=10))
    assert c.incident == "cleared" and incident_view(c)["cleared"]["reason"] == "误报：为正常检修排气"
    with pytest.raises(IncidentRefused):
        c.clear_incident("again", by="disp", at=T0 + timedelta(minutes=11))
    c.declare_incident("再次报告泄漏", by="sup", at=T0 + timedelta(hours=1))
    assert (c.incident, c.incident_since) == ("declared", T0 + timedelta(hours=1))
    assert [h.action for h in c.history] == ["incident_declared", "incident_cleared", "incident_declared"]
    assert [type(e) for e in c.pending_events] == [CaseIncidentDeclaredV1, CaseIncidentClearedV1,
                                                   CaseIncidentDeclaredV1]


def test_a_closed_case_cannot_be_declared():
    with pytest.raises(IncidentRefused):
        case(Status.rejected).declare_incident("泄漏", by="sup", at=T0)


def test_referrals_are_recorded_for_an_active_incident_and_are_a_first_response():
    c = case()
    with pytest.raises(IncidentRefused):  # no incident
        c.record_referral(Referral(ReferralTarget.fire, T0, "张三"), by="disp", at=T0)
    c.declare_incident("泄漏", by="op", at=T0)
    with pytest.raises(IncidentRefused):  # other needs the body's name
        c.record_referral(Referral(ReferralTarget.other, T0, "张三"), by="disp", at=T0)
    with pytest.raises(IncidentRefused):  # called in the future
        c.record_referral(Referral(ReferralTarget.fire, T0 + timedelta(hours=1), "张三"), by="disp", at=T0)
    at = T0 + timedelta(minutes=40)
    c.record_referral(Referral(ReferralTarget.fire, T0 + timedelta(minutes=35), "张三", reference="JJ-1"),
                      by="disp", at=at)
    assert first_response(c) == (at, "incident_referral")
    view = incident_view(c)
    assert view["due"] == T0 + timedelta(hours=2) and view["warn_at"] == T0 + timedelta(hours=1, minutes=30)
    assert [(r["target"], r["reference"], r["called_by"]) for r in view["referrals"]] == [("119", "JJ-1", "张三")]
    assert isinstance(c.pending_events[-1], IncidentReferralRecordedV1)

"""Petitions (信访件): the aggregate's steps and windows in calendar days, each boundary on both sides, on a
clock that moves; the documents made from the templates; then the handlers on real databases (the file and
its steps stored and read back, the events in the outbox, numbering, refusals)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.routing.adapters.petition_tables import RoutingPetition, RoutingPetitionStep
from services.routing.domain.errors import CaseNotFound
from services.routing.domain.petition_commands import (
    DecidePetitionAcceptance,
    ExtendPetition,
    PetitionDocumentOf,
    PetitionDue,
    PetitionFile,
    PetitionList,
    RegisterPetition,
    ReplyPetition,
    RequestPetitionRereview,
    RequestPetitionReview,
    RereviewPetition,
    ReviewPetition,
)
from services.routing.domain.petitions import (
    BUREAU,
    Petition,
    PetitionExists,
    PetitionInvalid,
    PetitionNotFound,
    PetitionPolicy,
    PetitionStatus,
    PetitionStepRefused,
    PetitionWindowClosed,
    Step,
    document,
    local_day,
)
from services.routing.service_layer.petitions import policy_of
from services.routing.settings import RoutingSettings
from shared.clock import SHANGHAI, FakeClock
from shared.contracts import topics
from shared.contracts.envelope import CloudEvent
from shared.contracts.events import PetitionRegisteredV1, PetitionStepV1

POLICY = PetitionPolicy()
RECEIVED = date(2026, 11, 20)  # the petition came in on a Friday
START = datetime(2026, 11, 26, 10, tzinfo=SHANGHAI)  # registered the Thursday after
BY = "supervisor"


def new_petition(clock: FakeClock, *, received_on: date | None = RECEIVED, policy: PetitionPolicy = POLICY,
                 petitioner: str | None = "139****5678") -> Petition:
    return Petition.register(complaint_id="c-1", tracking_code="HC261120-7KQ2XM4P", number="合环信〔2026〕1号",
                             petitioner_masked=petitioner, received_on=received_on, note="来信", by=BY,
                             at=clock.now(), policy=policy)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


def on(clock: FakeClock, day: date, hour: int = 10) -> datetime:
    """Move the clock to `day` at `hour` in Chongqing; returns the moment."""
    clock.set(datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI))
    return clock.now()


def accepted(clock: FakeClock, day: date = date(2026, 11, 30)) -> Petition:
    petition = new_petition(clock)
    petition.decide_acceptance(accepted=True, reason=None, by=BY, at=on(clock, day), policy=POLICY)
    return petition


def replied(clock: FakeClock, day: date = date(2026, 12, 20)) -> Petition:
    petition = accepted(clock)
    petition.reply("经现场核查，已责令整改。", by=BY, at=on(clock, day), policy=POLICY)
    return petition


def reviewed(clock: FakeClock, day: date = date(2027, 1, 20)) -> Petition:
    petition = replied(clock)
    petition.request_review("对处理意见不服", by=BY, at=on(clock, date(2027, 1, 5)), policy=POLICY)
    petition.review("维持原处理意见", by=BY, at=on(clock, day), policy=POLICY)
    return petition


def events(petition: Petition) -> list:
    return petition.pull_events()


# --- registration ----------------------------------------------------------------------------------------------


def test_registering_opens_the_file_with_the_acceptance_deadline_15_calendar_days_after_receipt(clock):
    petition = new_petition(clock)

    assert petition.status == PetitionStatus.registered
    assert petition.acceptance_due == date(2026, 12, 5)  # 20 Nov + 15 days (the first day not counted)
    assert petition.next_due == date(2026, 12, 5)
    [step] = petition.steps
    assert (step.seq, step.kind, step.actor, step.at, step.sets_due) == (1, Step.registered, BY, START,
                                                                        date(2026, 12, 5))
    [event] = events(petition)
    assert isinstance(event, PetitionRegisteredV1) and event.topic == topics.LIFECYCLE
    assert (event.complaint_id, event.tracking_code, event.number) == ("c-1", "HC261120-7KQ2XM4P", "合环信〔2026〕1号")
    assert (event.received_on, event.acceptance_due, event.registered_at, event.by) == (
        RECEIVED, date(2026, 12, 5), START, BY)


def test_received_defaults_to_today_and_may_not_be_in_the_future(clock):
    assert new_petition(clock, received_on=None).received_on == date(2026, 11, 26)
    assert new_petition(clock, received_on=date(2026, 11, 26)).acceptance_due == date(2026, 12, 11)
    with pytest.raises(PetitionInvalid):
        new_petition(clock, received_on=date(2026, 11, 27))


def test_the_time_limits_are_configuration(clock, monkeypatch):
    short = PetitionPolicy(accept_days=10, reply_days=20)
    petition = new_petition(clock, policy=short)
    assert petition.acceptance_due == date(2026, 11, 30)
    petition.decide_acceptance(accepted=True, reason=None, by=BY, at=clock.now(), policy=short)
    assert petition.reply_due == date(2026, 12, 16)

    monkeypatch.setenv("ROUTING_PETITION_ACCEPT_DAYS", "10")
    monkeypatch.setenv("ROUTING_PETITION_MAX_EXTENSION_DAYS", "20")
    policy = policy_of(RoutingSettings(demo_mode=True))
    assert (policy.accept_days, policy.max_extension_days, policy.reply_days) == (10, 20, 60)
    assert policy_of(RoutingSettings(demo_mode=True, routing_petition_accept_days=15)) != policy


# --- acceptance (受理 / 不予受理, within 15 days) ------------------------------------------------------------------


@pytest.mark.parametrize(("day", "late"), [(date(2026, 12, 5), False), (date(2026, 12, 6), True)])
def test_acceptance_on_the_last_day_is_on_time_and_the_day_after_is_late_but_still_taken(clock, day, late):
    petition = new_petition(clock)
    events(petition)

    step = petition.decide_acceptance(accepted=True, reason="属于本机关职责", by="zhang", at=on(clock, day, 23),
                                      policy=POLICY)

    assert petition.status == PetitionStatus.accepted
    assert (step.kind, step.actor, step.due, step.late) == (Step.accepted, "zhang", date(2026, 12, 5), late)
    assert petition.reply_due == day + timedelta(days=60) == step.sets_due
    [event] = events(petition)
    assert isinstance(event, PetitionStepV1)
    assert (event.step, event.step_id, event.status, event.by, event.due, event.late, event.next_due) == (
        "accepted", 2, "accepted", "zhang", date(2026, 12, 5), late, petition.reply_due)


def test_the_day_is_counted_in_chongqing_whatever_zone_the_moment_comes_in(clock):
    petition = new_petition(clock)
    just_after_midnight = datetime(2026, 12, 5, 16, 30, tzinfo=UTC)  # 00:30 on 6 Dec in 重庆
    assert local_day(just_after_midnight) == date(2026, 12, 6)
    step = petition.decide_acceptance(accepted=True, reason=None, by=BY, at=just_after_midnight, policy=POLICY)
    assert step.late


def test_not_accepting_needs_the_reason_and_closes_the_file(clock):
    petition = new_petition(clock)
    with pytest.raises(PetitionInvalid):
        petition.decide_acceptance(accepted=False, reason=None, by=BY, at=clock.now(), policy=POLICY)
    assert petition.status == PetitionStatus.registered and len(petition.steps) == 1

    step = petition.decide_acceptance(accepted=False, reason="已通过诉讼途径解决", by=BY, at=clock.now(), policy=POLICY)

    assert (petition.status, step.kind, step.text) == (PetitionStatus.not_accepted, Step.not_accepted,
                                                       "已通过诉讼途径解决")
    assert petition.closed_at == clock.now() and petition.next_due is None
    assert petition.final(local_day(clock.now())) and petition.next_steps(local_day(clock.now())) == []
    for act in (lambda: petition.reply("答复", by=BY, at=clock.now(), policy=POLICY),
                lambda: petition.request_review("复查", by=BY, at=clock.now(), policy=POLICY),
                lambda: petition.decide_acceptance(accepted=True, reason=None, by=BY, at=clock.now(), policy=POLICY)):
        with pytest.raises(PetitionStepRefused):
            act()


def test_nothing_but_acceptance_may_come_first(clock):
    petition = new_petition(clock)
    for act in (lambda: petition.reply("答复", by=BY, at=clock.now(), policy=POLICY),
                lambda: petition.extend(days=10, reason="需要监测", by=BY, at=clock.now(), policy=POLICY),
                lambda: petition.review("复查意见", by=BY, at=clock.now(), policy=POLICY),
                lambda: petition.rereview("复核意见", by=BY, at=clock.now())):
        with pytest.raises(PetitionStepRefused):
            act()
    assert len(petition.steps) == 1 and len(events(petition)) == 1  # only the registration


# --- extension (延期, once, at most 30 days, before the deadline) ------------------------------------------------


def test_one_extension_of_at_most_30_days_moves_the_reply_deadline(clock):
    petition = accepted(clock)  # accepted 30 Nov: reply due 29 Jan 2027
    assert petition.reply_due == date(2027, 1, 29)
    for days in (0, 31):
        with pytest.raises(PetitionInvalid):
            petition.extend(days=days, reason="需要第三方检测", by=BY, at=clock.now(), policy=POLICY)

    step = petition.extend(days=30, reason="需要第三方检测", by=BY, at=on(clock, date(2027, 1, 29)), policy=POLICY)

    assert (step.kind, step.days, step.due, step.sets_due, step.text) == (
        Step.extended, 30, date(2027, 1, 29), date(2027, 2, 28), "需要第三方检测")
    assert petition.reply_due == date(2027, 2, 28) and petition.extension_days == 30
    assert [n.action for n in petition.next_steps(local_day(clock.now()))] == ["reply"]  # no second extension
    with pytest.raises(PetitionStepRefused):
        petition.extend(days=1, reason="再延期", by=BY, at=clock.now(), policy=POLICY)


def test_an_extension_after_the_deadline_has_passed_is_refused(clock):
    petition = accepted(clock)
    with pytest.raises(PetitionWindowClosed):
        petition.extend(days=10, reason="需要监测", by=BY, at=on(clock, date(2027, 1, 30)), policy=POLICY)
    assert petition.extension_days is None and petition.reply_due == date(2027, 1, 29)


# --- reply (处理意见书, within 60 days of acceptance) --------------------------------------------------------------


@pytest.mark.parametrize(("day", "late"), [(date(2027, 1, 29), False), (date(2027, 1, 30), True)])
def test_the_reply_is_due_60_days_after_acceptance_and_opens_a_30_day_review_window(clock, day, late):
    petition = accepted(clock)
    events(petition)

    step = petition.reply("已责令停产整改", by=BY, at=on(clock, day), policy=POLICY)

    assert petition.status == PetitionStatus.replied and (step.due, step.late) == (date(2027, 1, 29), late)
    assert petition.window_until == day + timedelta(days=30) == step.sets_due
    assert petition.next_due is None  # waiting for the petitioner, not the bureau
    [event] = events(petition)
    assert (event.step, event.window_until, event.next_due, event.late) == ("replied", petition.window_until, None,
                                                                           late)


def test_an_extended_reply_is_late_only_after_the_extended_deadline(clock):
    petition = accepted(clock)
    petition.extend(days=5, reason="需要监测", by=BY, at=clock.now(), policy=POLICY)
    assert not petition.reply("答复", by=BY, at=on(clock, date(2027, 2, 3)), policy=POLICY).late


# --- review (复查): asked within 30 days of the reply, answered within 30 days of the request ----------------------


def test_a_review_may_be_asked_on_the_last_day_of_the_window(clock):
    petition = replied(clock)  # replied 20 Dec: window until 19 Jan 2027
    step = petition.request_review("认为处理不到位", by=BY, at=on(clock, date(2027, 1, 19), 20), policy=POLICY)

    assert petition.status == PetitionStatus.review_requested
    assert (step.due, step.sets_due) == (date(2027, 1, 19), date(2027, 2, 18))
    assert petition.review_due == date(2027, 2, 18) == petition.next_due and petition.window_until is None


def test_a_review_asked_after_the_window_is_refused_with_the_date_it_closed(clock):
    petition = replied(clock)
    with pytest.raises(PetitionWindowClosed) as refused:
        petition.request_review("认为处理不到位", by=BY, at=on(clock, date(2027, 1, 20)), policy=POLICY)
    assert "2027-01-19" in refused.value.message and "复查" in refused.value.message
    assert petition.status == PetitionStatus.replied
    assert petition.final(date(2027, 1, 20)) and petition.next_steps(date(2027, 1, 20)) == []
    assert [n.action for n in petition.next_steps(date(2027, 1, 19))] == ["review-request"]


def test_a_re_review_cannot_come_before_a_review(clock):
    petition = replied(clock)
    with pytest.raises(PetitionStepRefused):
        petition.request_rereview("要求复核", by=BY, at=clock.now(), policy=POLICY)


@pytest.mark.parametrize(("day", "late"), [(date(2027, 2, 4), False), (date(2027, 2, 5), True)])
def test_the_review_opinion_is_due_30_days_after_the_request(clock, day, late):
    petition = replied(clock)
    petition.request_review("认为处理不到位", by=BY, at=on(clock, date(2027, 1, 5)), policy=POLICY)

    step = petition.review("维持原处理意见", by=BY, at=on(clock, day), policy=POLICY)

    assert (petition.status, step.due, step.late) == (PetitionStatus.reviewed, date(2027, 2, 4), late)
    assert petition.window_until == day + timedelta(days=30)
    with pytest.raises(PetitionStepRefused):
        petition.request_review("再次复查", by=BY, at=clock.now(), policy=POLICY)


# --- re-review (复核) and the end (终结) ---------------------------------------------------------------------------


def test_a_re_review_asked_too_late_is_refused_and_one_in_time_closes_the_file_when_answered(clock):
    late = reviewed(clock)  # reviewed 20 Jan: window until 19 Feb
    with pytest.raises(PetitionWindowClosed):
        late.request_rereview("要求复核", by=BY, at=on(clock, date(2027, 2, 20)), policy=POLICY)

    petition = reviewed(clock)
    asked = petition.request_rereview("要求复核", by=BY, at=on(clock, date(2027, 2, 19)), policy=POLICY)
    assert (asked.due, asked.sets_due, petition.next_due) == (date(2027, 2, 19), date(2027, 3, 21), date(2027, 3, 21))
    assert [n.action for n in petition.next_steps(date(2027, 3, 1))] == ["rereview"]

    done = petition.rereview("维持复查意见", by="wang", at=on(clock, date(2027, 3, 22)))

    assert (petition.status, done.kind, done.late, done.due) == (PetitionStatus.closed, Step.rereviewed, True,
                                                                   date(2027, 3, 21))
    assert petition.closed_at == clock.now() and petition.next_due is None and petition.final(date(2027, 3, 22))
    with pytest.raises(PetitionStepRefused) as refused:
        petition.request_rereview("再次复核", by=BY, at=clock.now(), policy=POLICY)
    assert "终结" in refused.value.message
    with pytest.raises(PetitionStepRefused):
        petition.request_review("再次复查", by=BY, at=clock.now(), policy=POLICY)


def test_the_whole_way_records_every_step_with_its_actor_time_and_event(clock):
    petition = reviewed(clock)
    petition.request_rereview("要求复核", by=BY, at=on(clock, date(2027, 2, 1)), policy=POLICY)
    petition.rereview("维持复查意见", by=BY, at=on(clock, date(2027, 2, 10)))

    kinds = [s.kind for s in petition.steps]
    assert kinds == [Step.registered, Step.accepted, Step.replied, Step.review_requested, Step.reviewed,
                     Step.rereview_requested, Step.rereviewed]
    assert [s.seq for s in petition.steps] == list(range(1, 8))
    assert all(s.actor == BY and s.at.tzinfo is not None for s in petition.steps)
    recorded = events(petition)
    assert isinstance(recorded[0], PetitionRegisteredV1)
    assert [e.step for e in recorded[1:]] == [k.value for k in kinds[1:]]
    assert [e.step_id for e in recorded[1:]] == list(range(2, 8))
    assert recorded[-1].status == "closed"


def test_next_steps_say_what_may_be_done_and_until_when(clock):
    petition = new_petition(clock)
    assert [(n.action, n.by, n.due) for n in petition.next_steps(date(2026, 11, 26))] == [
        ("acceptance", "bureau", date(2026, 12, 5))]
    petition.decide_acceptance(accepted=True, reason=None, by=BY, at=clock.now(), policy=POLICY)
    assert [(n.action, n.until) for n in petition.next_steps(date(2026, 11, 26))] == [
        ("reply", None), ("extension", date(2027, 1, 25))]
    assert [n.action for n in petition.next_steps(date(2027, 1, 26))] == ["reply"]  # too late to extend


# --- documents ---------------------------------------------------------------------------------------------------


def test_every_step_has_a_document_with_the_bureau_number_masked_petitioner_code_text_and_dates(clock):
    petition = reviewed(clock)
    petition.request_rereview("要求复核", by=BY, at=on(clock, date(2027, 2, 1)), policy=POLICY)
    petition.rereview("维持复查意见", by=BY, at=on(clock, date(2027, 2, 10)))

    titles = []
    for step in petition.steps:
        doc = document(petition, step)
        text = "\n".join([doc.bureau, doc.title, doc.number, *(f"{k}{v}" for k, v in doc.fields), *doc.paragraphs])
        titles.append(doc.title)
        assert doc.bureau == BUREAU == "合川区生态环境局"
        for expected in ("合环信〔2026〕1号", "HC261120-7KQ2XM4P", "139****5678", "2026年11月20日"):
            assert expected in text, (step.kind, expected)
        if step.text and step.kind != Step.registered:
            assert step.text in text
        if step.sets_due is not None:
            assert f"{step.sets_due.year}年{step.sets_due.month}月{step.sets_due.day}日" in text
        assert "来信" not in text  # the registration note is the staff's, never in a document
        assert doc.filename == f"合环信〔2026〕1号-{step.seq}-{doc.title}.docx"
        assert doc.ascii_filename == f"petition-HC261120-7KQ2XM4P-{step.seq}.docx"
    assert titles == ["信访事项登记单", "信访事项受理告知书", "信访事项处理意见书", "信访事项复查请求登记单",
                      "信访事项复查意见书", "信访事项复核请求登记单", "信访事项复核意见书"]
    registered = document(petition, petition.steps[0])
    assert "15日内" in "".join(registered.paragraphs)
    replied_doc = document(petition, petition.steps[2])
    assert "30日内" in "".join(replied_doc.paragraphs) and "复查" in "".join(replied_doc.paragraphs)
    assert "终结" in "".join(document(petition, petition.steps[-1]).paragraphs)


def test_the_extension_and_refusal_documents_give_the_reason(clock):
    petition = accepted(clock)
    petition.extend(days=20, reason="需要委托第三方监测", by=BY, at=clock.now(), policy=POLICY)
    doc = document(petition, petition.step(3))
    body = "".join(doc.paragraphs)
    assert doc.title == "信访事项延期办理告知书"
    assert "需要委托第三方监测" in body and "延长20日" in body and "2027年2月18日" in body
    assert ("原办理期限", "2027年1月29日") in doc.fields and ("延长后的办理期限", "2027年2月18日") in doc.fields

    refused = new_petition(clock, petitioner=None)
    refused.decide_acceptance(accepted=False, reason="不属于本机关职责", by=BY, at=clock.now(), policy=POLICY)
    doc = document(refused, refused.step(2))
    assert doc.title == "信访事项不予受理告知书" and "不予受理的理由：不属于本机关职责" in doc.paragraphs
    assert ("信访人", "匿名") in doc.fields
    with pytest.raises(PetitionNotFound):
        refused.step(3)


# --- the handlers, on real databases ---------------------------------------------------------------------------


@pytest.fixture
def case_id(receive) -> str:
    """A case routed to housing_construction, its reporter's phone 138****1234."""
    return receive().subject


def stored_events(outbox, complaint_id: str) -> list:
    return [CloudEvent.from_json(r.payload) for r in outbox(complaint_id) if r.type.startswith(
        "hechuan.complaints.petition.")]


def test_a_petition_is_stored_with_its_steps_and_its_events_go_out_at_commit(runtime, case_id, outbox, engine,
                                                                            clock):
    bus = runtime.bus
    registered = bus.handle(RegisterPetition(case_id, "supervisor", date(2026, 11, 24), "来访"))
    assert registered["number"] == "合环信〔2026〕1号" and registered["petitioner"] == "138****1234"
    assert registered["deadlines"]["acceptance_due"] == "2026-12-09"
    assert registered["department"] == "housing_construction" and registered["note"] == "来访"
    clock.advance(timedelta(days=2))
    bus.handle(DecidePetitionAcceptance(case_id, True, None, "supervisor"))
    view = bus.handle(ExtendPetition(case_id, 10, "需要监测", "supervisor"))

    assert view["status"] == "accepted" and view["deadlines"]["reply_due"] == "2027-02-06"  # 28 Nov + 60 + 10
    assert [s["step"] for s in view["steps"]] == ["registered", "accepted", "extended"]
    assert view["steps"][2]["document"]["url"] == f"/api/v1/cases/{case_id}/petition/documents/3.docx"
    assert bus.handle(PetitionFile(case_id, None)) == view  # read back from the rows: the same file
    with Session(engine) as session:
        row = session.get(RoutingPetition, case_id)
        assert (row.year, row.seq, row.next_due, row.status) == (2026, 1, date(2027, 2, 6), "accepted")
        steps = session.scalars(select(RoutingPetitionStep).where(RoutingPetitionStep.complaint_id == case_id)
                                .order_by(RoutingPetitionStep.seq)).all()
        assert [(s.seq, s.kind, s.days) for s in steps] == [(1, "registered", None), (2, "accepted", None),
                                                            (3, "extended", 10)]
    sent = stored_events(outbox, case_id)
    assert [e.type for e in sent] == [PetitionRegisteredV1.event_type] + [PetitionStepV1.event_type] * 2
    assert all(r.topic == topics.LIFECYCLE for r in outbox(case_id) if r.type.startswith("hechuan.complaints.pet"))
    step = PetitionStepV1.model_validate(sent[-1].data)
    assert (step.step, step.tracking_code, step.next_due) == ("extended", registered["tracking_code"], date(2027, 2, 6))


def test_numbers_follow_each_other_and_a_case_is_registered_once(runtime, receive, case_id):
    bus = runtime.bus
    assert bus.handle(RegisterPetition(case_id, "supervisor"))["number"] == "合环信〔2026〕1号"
    with pytest.raises(PetitionExists):
        bus.handle(RegisterPetition(case_id, "supervisor"))
    assert bus.handle(RegisterPetition(receive().subject, "supervisor"))["number"] == "合环信〔2026〕2号"
    with pytest.raises(CaseNotFound):
        bus.handle(RegisterPetition("no-such-case", "supervisor"))
    with pytest.raises(PetitionNotFound):
        bus.handle(DecidePetitionAcceptance(receive().subject, True, None, "supervisor"))


def test_a_refused_step_changes_nothing_and_sends_nothing(runtime, case_id, outbox, clock):
    bus = runtime.bus
    bus.handle(RegisterPetition(case_id, "supervisor"))
    bus.handle(DecidePetitionAcceptance(case_id, True, None, "supervisor"))
    bus.handle(ReplyPetition(case_id, "已责令整改", "supervisor"))
    before = len(outbox(case_id))
    clock.advance(timedelta(days=31))

    with pytest.raises(PetitionWindowClosed):
        bus.handle(RequestPetitionReview(case_id, "不服", "supervisor"))

    assert len(outbox(case_id)) == before
    view = bus.handle(PetitionFile(case_id, None))
    assert view["status"] == "replied" and view["final"] and view["next"] == []


def test_the_file_and_documents_are_the_case_departments_only(runtime, case_id):
    bus = runtime.bus
    bus.handle(RegisterPetition(case_id, "supervisor"))
    assert bus.handle(PetitionFile(case_id, "housing_construction"))["complaint_id"] == case_id
    assert bus.handle(PetitionDocumentOf(case_id, 1, "housing_construction")).title == "信访事项登记单"
    for query in (PetitionFile(case_id, "ecology_env"), PetitionDocumentOf(case_id, 1, "ecology_env"),
                  PetitionDocumentOf(case_id, 2, None)):
        with pytest.raises(PetitionNotFound):
            bus.handle(query)


def test_the_list_is_ordered_by_the_bureaus_nearest_deadline_and_filters_overdue_and_soon(runtime, receive, clock):
    bus = runtime.bus
    late, soon, later, waiting = (receive().subject for _ in range(4))
    bus.handle(RegisterPetition(late, "supervisor", date(2026, 11, 10)))  # acceptance due 25 Nov: overdue
    bus.handle(RegisterPetition(soon, "supervisor", date(2026, 11, 13)))  # due 28 Nov: in 2 days
    bus.handle(RegisterPetition(later, "supervisor"))  # due 11 Dec
    bus.handle(RegisterPetition(waiting, "supervisor"))
    bus.handle(DecidePetitionAcceptance(waiting, True, None, "supervisor"))
    bus.handle(ReplyPetition(waiting, "已处理", "supervisor"))  # waits for the petitioner: no deadline of ours

    listed = bus.handle(PetitionList())
    assert [p["complaint_id"] for p in listed["petitions"]] == [late, soon, later, waiting]
    assert listed["total"] == 4 and listed["petitions"][0]["overdue"] and listed["petitions"][1]["days_left"] == 2
    assert [p["complaint_id"] for p in bus.handle(PetitionList(due=PetitionDue.overdue))["petitions"]] == [late]
    assert [p["complaint_id"] for p in bus.handle(PetitionList(due=PetitionDue.soon))["petitions"]] == [soon]
    replied_only = bus.handle(PetitionList(status=PetitionStatus.replied))
    assert [p["complaint_id"] for p in replied_only["petitions"]] == [waiting]
    page = bus.handle(PetitionList(limit=2, offset=2))
    assert page["total"] == 4 and [p["complaint_id"] for p in page["petitions"]] == [later, waiting]


def test_the_whole_way_through_the_bus_ends_closed(runtime, case_id, clock):
    bus = runtime.bus
    bus.handle(RegisterPetition(case_id, "supervisor"))
    bus.handle(DecidePetitionAcceptance(case_id, True, "属于本机关职责", "supervisor"))
    clock.advance(timedelta(days=40))
    bus.handle(ReplyPetition(case_id, "已责令整改", "supervisor"))
    clock.advance(timedelta(days=30))
    bus.handle(RequestPetitionReview(case_id, "不服处理意见", "supervisor"))
    clock.advance(timedelta(days=10))
    bus.handle(ReviewPetition(case_id, "维持", "supervisor"))
    clock.advance(timedelta(days=5))
    bus.handle(RequestPetitionRereview(case_id, "要求复核", "supervisor"))
    view = bus.handle(RereviewPetition(case_id, "维持复查意见", "supervisor"))

    assert view["status"] == "closed" and view["final"] and view["closed_at"] is not None
    assert [s["late"] for s in view["steps"]] == [False] * 7
    with pytest.raises(PetitionStepRefused):
        bus.handle(RequestPetitionRereview(case_id, "再次复核", "supervisor"))

"""The Case aggregate's state machine: legal transitions move it, leave an audit trail and record exactly
their events; illegal ones raise and record nothing. Pure: no database."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from services.routing.domain.case import Case, ExtensionStatus, Status
from services.routing.domain.deadlines import Deadlines
from services.routing.domain.errors import IllegalTransition
from shared.clock import SHANGHAI
from shared.contracts import topics
from shared.contracts.events import (
    CaseAcceptedV1,
    CaseAssignedV1,
    CaseDispatchedV1,
    CaseReopenedV1,
    CaseRepliedV1,
    CaseReturnedV1,
    CaseTriagedV1,
    ExtensionDecidedV1,
    ExtensionRequestedV1,
)

NOW = datetime(2026, 11, 26, 10, tzinfo=SHANGHAI)
DUE = Deadlines(accept_due=NOW + timedelta(days=1), return_due=NOW + timedelta(days=4),
                reply_due=NOW + timedelta(days=7))


RULE = "#1 noise/construction -> housing_construction"
HOUR = timedelta(hours=1)


def new_case() -> Case:
    return Case(complaint_id="c-1", tracking_code="HC1", channel="web", content="工地打桩噪音",
                received_at=NOW, assign_due=NOW + timedelta(days=1), category="noise", subcategory="construction",
                town="heyangcheng", address="合阳城街道", urgent=True, reporter_phone_masked="138****1234")


def assigned_case() -> Case:
    case = new_case()
    case.assign(department="housing_construction", category="noise", subcategory="construction",
                rule=RULE, by="system", at=NOW, deadlines=DUE)
    case.pull_events()  # what the tests below look at is recorded afterwards
    return case


def test_assigning_starts_the_department_clocks_and_records_who_and_when():
    case = assigned_case()

    assert case.status == Status.assigned
    assert (case.department, case.assigned_at, case.reply_due) == ("housing_construction", NOW, DUE.reply_due)
    assert (case.history[-1].action, case.history[-1].actor, case.history[-1].at) == ("assigned", "system", NOW)


def test_accept_then_reply_records_each_transition():
    case = assigned_case()
    case.accept(by="li", at=NOW + timedelta(hours=1))
    case.reply("已责令停工", by="li", at=NOW + timedelta(hours=5))

    assert case.status == Status.replied and case.reply_text == "已责令停工"
    assert [h.action for h in case.history] == ["assigned", "accepted", "replied"]
    assert case.history[-1].at == NOW + timedelta(hours=5)


def test_a_reply_to_an_unsigned_case_implies_acceptance():
    case = assigned_case()

    case.reply("已处理", by="li", at=NOW)

    assert case.accepted_at == NOW
    assert [h.action for h in case.history][-2:] == ["accepted", "replied"]


@pytest.mark.parametrize("act", [
    lambda c: c.accept(by="li", at=NOW),
    lambda c: c.reply("再次回复", by="li", at=NOW),
    lambda c: c.return_case("不是我们的", by="li", at=NOW, assign_due=NOW),
    lambda c: c.request_extension(2, "需要监测", by="li", at=NOW, max_days=10),
])
def test_a_replied_case_refuses_further_department_actions(act):
    case = assigned_case()
    case.reply("已处理", by="li", at=NOW)

    with pytest.raises(IllegalTransition):
        act(case)


def test_a_case_cannot_be_accepted_twice():
    case = assigned_case()
    case.accept(by="li", at=NOW)

    with pytest.raises(IllegalTransition):
        case.accept(by="li", at=NOW)


def test_a_triaged_case_cannot_be_accepted_or_replied():
    case = new_case()
    case.send_to_triage(reason="低置信度", at=NOW)

    with pytest.raises(IllegalTransition):
        case.accept(by="li", at=NOW)
    with pytest.raises(IllegalTransition):
        case.reply("x", by="li", at=NOW)


def test_an_assigned_case_cannot_be_assigned_again():
    with pytest.raises(IllegalTransition):
        assigned_case().assign(department="ecology_env", category="noise", subcategory=None, rule="manual",
                               by="boss", at=NOW, deadlines=DUE)


def test_a_return_sends_the_case_to_triage_and_records_the_misrouting_rule():
    case = assigned_case()

    case.return_case("属于工业噪声", by="li", at=NOW + timedelta(hours=2), assign_due=NOW + timedelta(days=1, hours=2))

    assert case.status == Status.triage and case.department is None and case.reply_due is None
    assert case.assign_due == NOW + timedelta(days=1, hours=2)
    returned = next(h for h in case.history if h.action == "returned")
    assert returned.detail["rule"] == RULE and returned.detail["reason"] == "属于工业噪声"
    assert RULE in case.triage_reason


def test_a_return_after_the_return_window_is_refused():
    case = assigned_case()

    with pytest.raises(IllegalTransition, match="return window"):
        case.return_case("太晚了", by="li", at=DUE.return_due + timedelta(seconds=1), assign_due=NOW)


def test_a_returned_case_can_be_assigned_again():
    case = assigned_case()
    case.return_case("不是我们的", by="li", at=NOW, assign_due=NOW)

    case.assign(department="ecology_env", category="noise", subcategory="industrial", rule="manual", by="boss",
                at=NOW, deadlines=DUE)

    assert case.status == Status.assigned and case.department == "ecology_env"


def test_an_extension_is_asked_once_at_a_time_and_only_before_the_reply_deadline():
    case = assigned_case()
    case.request_extension(3, "需要第三方监测", by="li", at=NOW, max_days=10)

    with pytest.raises(IllegalTransition, match="pending"):
        case.request_extension(1, "再延一天", by="li", at=NOW, max_days=10)
    case.decide_extension(approved=False, by="boss", at=NOW, moved_reply_due=None)
    with pytest.raises(IllegalTransition, match="deadline"):
        case.request_extension(1, "太晚了", by="li", at=DUE.reply_due, max_days=10)


def test_extensions_may_not_exceed_the_maximum_in_all():
    case = assigned_case()
    case.request_extension(8, "需要监测", by="li", at=NOW, max_days=10)
    case.decide_extension(approved=True, by="boss", at=NOW, moved_reply_due=DUE.reply_due + timedelta(days=10))

    with pytest.raises(IllegalTransition, match="10"):
        case.request_extension(3, "还需要", by="li", at=NOW, max_days=10)


def test_an_approved_extension_moves_the_reply_deadline_and_a_refused_one_does_not():
    case = assigned_case()
    case.request_extension(2, "需要监测", by="li", at=NOW, max_days=10)
    moved = DUE.reply_due + timedelta(days=2)

    extension = case.decide_extension(approved=True, by="boss", at=NOW, moved_reply_due=moved)

    assert extension.status == ExtensionStatus.approved and extension.decided_by == "boss"
    assert case.reply_due == moved
    case.request_extension(1, "再一天", by="li", at=NOW, max_days=10)
    case.decide_extension(approved=False, by="boss", at=NOW, moved_reply_due=None)
    assert case.reply_due == moved


def test_deciding_without_a_pending_extension_is_refused():
    with pytest.raises(IllegalTransition):
        assigned_case().decide_extension(approved=True, by="boss", at=NOW, moved_reply_due=NOW)


# --- the events each transition records (handlers never build them) --------------------------------


def test_triage_records_case_triaged_with_the_reason():
    case = new_case()

    case.send_to_triage(reason="低置信度", at=NOW)

    assert case.pull_events() == [CaseTriagedV1(
        complaint_id="c-1", tracking_code="HC1", received_at=NOW, assign_due=NOW + timedelta(days=1),
        category="noise", subcategory="construction", town="heyangcheng", reason="低置信度", at=NOW)]


def test_assignment_records_case_assigned_then_the_work_order_for_the_department_topic():
    case = new_case()

    case.assign(department="housing_construction", category="noise", subcategory="construction", rule=RULE,
                by="boss", at=NOW, deadlines=DUE)

    assigned, dispatched = case.pull_events()
    assert assigned == CaseAssignedV1(
        complaint_id="c-1", tracking_code="HC1", department="housing_construction", category="noise",
        subcategory="construction", town="heyangcheng", urgent=True, received_at=NOW,
        assign_due=NOW + timedelta(days=1), assigned_at=NOW, accept_due=DUE.accept_due, return_due=DUE.return_due,
        reply_due=DUE.reply_due, reply_round=1, rule=RULE, by="boss")
    assert dispatched == CaseDispatchedV1(
        complaint_id="c-1", tracking_code="HC1", department="housing_construction", category="noise",
        subcategory="construction", town="heyangcheng", address="合阳城街道", content="工地打桩噪音", urgent=True,
        reporter_phone_masked="138****1234", assigned_at=NOW, accept_due=DUE.accept_due, reply_due=DUE.reply_due)
    assert (assigned.destination(), dispatched.destination()) == (topics.LIFECYCLE,
                                                                  "complaints.dispatch.housing_construction")


def test_acceptance_records_case_accepted():
    case = assigned_case()

    case.accept(by="li", at=NOW + HOUR)

    assert case.pull_events() == [CaseAcceptedV1(complaint_id="c-1", department="housing_construction",
                                                 accepted_at=NOW + HOUR, by="li")]


def test_a_reply_after_acceptance_records_only_the_reply_with_its_text():
    case = assigned_case()
    case.accept(by="li", at=NOW)
    case.pull_events()

    case.reply("已责令停工", by="wang", at=NOW + HOUR)

    assert case.pull_events() == [CaseRepliedV1(
        complaint_id="c-1", tracking_code="HC1", department="housing_construction", reply="已责令停工",
        replied_at=NOW + HOUR, reply_due=DUE.reply_due, reply_round=1, by="wang")]


def test_a_reply_without_acceptance_records_accepted_then_replied():
    case = assigned_case()

    case.reply("已处理", by="li", at=NOW + HOUR)

    accepted, replied = case.pull_events()
    assert accepted == CaseAcceptedV1(complaint_id="c-1", department="housing_construction",
                                      accepted_at=NOW + HOUR, by="li")
    assert isinstance(replied, CaseRepliedV1) and replied.reply == "已处理" and replied.replied_at == NOW + HOUR


def test_a_return_records_case_returned_with_the_rule_then_case_triaged():
    case = assigned_case()

    case.return_case("属于工业噪声", by="li", at=NOW + HOUR, assign_due=NOW + timedelta(days=1))

    returned, triaged = case.pull_events()
    assert returned == CaseReturnedV1(complaint_id="c-1", department="housing_construction", reason="属于工业噪声",
                                      rule=RULE, returned_at=NOW + HOUR, by="li")
    assert triaged == CaseTriagedV1(
        complaint_id="c-1", tracking_code="HC1", received_at=NOW, assign_due=NOW + timedelta(days=1),
        category="noise", subcategory="construction", town="heyangcheng", reason=case.triage_reason, at=NOW + HOUR)


def test_extension_request_and_decision_record_their_events():
    case = assigned_case()
    moved = DUE.reply_due + timedelta(days=2)

    case.request_extension(2, "需要监测", by="li", at=NOW, max_days=10)
    case.decide_extension(approved=True, by="boss", at=NOW + HOUR, moved_reply_due=moved)

    assert case.pull_events() == [
        ExtensionRequestedV1(complaint_id="c-1", department="housing_construction", working_days=2,
                             reason="需要监测", requested_at=NOW, by="li"),
        ExtensionDecidedV1(complaint_id="c-1", department="housing_construction", approved=True, reply_due=moved,
                           decided_at=NOW + HOUR, by="boss"),
    ]


def test_a_refused_transition_records_nothing():
    case = assigned_case()

    with pytest.raises(IllegalTransition):
        case.decide_extension(approved=True, by="boss", at=NOW, moved_reply_due=NOW)
    with pytest.raises(IllegalTransition):
        case.return_case("太晚了", by="li", at=DUE.return_due + HOUR, assign_due=NOW)

    assert case.pull_events() == []


def replied_case() -> Case:
    case = assigned_case()
    case.reply("已责令停工", by="li", at=NOW + 5 * HOUR)
    case.pull_events()
    return case


def test_an_unsatisfied_rating_of_the_reply_reopens_the_case_in_a_new_round():
    case = replied_case()
    later = NOW + timedelta(days=2)
    again = Deadlines(accept_due=later + timedelta(days=1), return_due=later + timedelta(days=4),
                      reply_due=later + timedelta(days=7))
    assert case.reopen(rated_round=1, via="citizen", comment="还在施工", at=later, deadlines=again)
    assert (case.status, case.reply_round, case.department) == (Status.assigned, 2, "housing_construction")
    assert (case.reply_due, case.return_due, case.replied_at) == (again.reply_due, later, None)
    reopened, assigned, dispatched = case.pull_events()
    assert isinstance(reopened, CaseReopenedV1) and isinstance(assigned, CaseAssignedV1)
    assert isinstance(dispatched, CaseDispatchedV1)
    assert (reopened.previous_round, reopened.reply_round, reopened.reason) == (1, 2, "市民不满意，重办：还在施工")
    assert (assigned.reply_round, assigned.rule, assigned.reply_due) == (2, "reopen", again.reply_due)
    with pytest.raises(IllegalTransition):
        case.return_case("不归我们管", by="li", at=later + HOUR, assign_due=later + timedelta(days=1))


@pytest.mark.parametrize("rated_round", [0, 2])
def test_a_rating_of_another_round_or_of_an_unreplied_case_reopens_nothing(rated_round):
    case = replied_case()
    assert not case.reopen(rated_round=rated_round, via="citizen", comment=None, at=NOW + HOUR, deadlines=DUE)
    assert not assigned_case().reopen(rated_round=1, via="citizen", comment=None, at=NOW + HOUR, deadlines=DUE)
    assert case.pull_events() == [] and case.reply_round == 1


def test_a_reply_drops_a_pending_extension_so_no_later_approval_moves_a_deadline_already_met_or_missed():
    case = assigned_case()
    case.request_extension(3, "需要监测", by="li", at=NOW, max_days=10)
    late = DUE.reply_due + HOUR

    case.reply("已责令停工", by="li", at=late)

    assert [e.status for e in case.extensions] == [ExtensionStatus.refused]
    assert case.extensions[0].decided_by == "system" and case.reply_due == DUE.reply_due
    with pytest.raises(IllegalTransition):  # approving it now would count the late reply on time
        case.decide_extension(approved=True, by="boss", at=late, moved_reply_due=DUE.reply_due + timedelta(days=3))
    case.reopen(rated_round=1, via="citizen", comment=None, at=late + HOUR, deadlines=DUE)
    assert case.pending_extension is None and case.extension_days() == 0  # nor the next round's


def test_the_citizen_sees_a_rounds_photos_once_its_reply_is_sent_and_the_reply_event_names_them():
    from services.routing.domain.case import Photo

    def photo(name: str, reply_round: int) -> Photo:
        return Photo(name, reply_round, "housing_construction", f"k/{name}", "image/jpeg", 10, "0" * 64, "li", NOW)

    case = assigned_case()
    case.add_photo(photo("p1", 1), by="li", at=NOW + HOUR)
    assert case.published_photo("p1") is None  # gathered for a reply not sent yet
    case.reply("已责令停工", by="li", at=NOW + 2 * HOUR)
    replied = [e for e in case.pull_events() if isinstance(e, CaseRepliedV1)]
    assert [e.photos for e in replied] == [["p1"]]
    assert case.published_photo("p1") is not None and case.published_photo("nope") is None

    case.reopen(rated_round=1, via="citizen", comment="还在施工", at=NOW + 3 * HOUR, deadlines=DUE)
    case.add_photo(photo("p2", 2), by="li", at=NOW + 4 * HOUR)
    assert case.published_photo("p1") is not None  # the first reply's stay with it
    assert case.published_photo("p2") is None  # the second round's wait for its reply
    case.reply("已再次核查，已停工", by="li", at=NOW + 5 * HOUR)
    assert [e.photos for e in case.pull_events() if isinstance(e, CaseRepliedV1)] == [["p2"]]
    assert case.published_photo("p2") is not None

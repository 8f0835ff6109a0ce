"""The SlaCase aggregate, pure: the lifecycle events it follows, the clocks they run, the warnings a sweep records."""

from datetime import timedelta

from services.notify.domain.case import SlaCase
from services.notify.domain.clocks import CaseStatus, ClockName, Level, SlaPolicy
from services.notify.domain.departments import DepartmentDirectory
from services.notify.domain.notifications import SUPERVISORS, department_recipient, sla_notifications
from services.notify.domain.rating import RoundRating
from shared.contracts.events import CaseEscalatedV1, SlaWarningV1
from tests.notify.factories import NAMES, T0, accepted, assigned, departments, extension, replied, returned, triaged

HOUR = timedelta(hours=1)


def running(case: SlaCase) -> list[str]:
    return [c.name.value for c in case.running_clocks()]


def swept(case: SlaCase, hours: float, **policy) -> list[tuple[str, str, int]]:
    return [(a.clock.value, a.level.value, a.cycle) for a in case.sweep(T0 + hours * HOUR, SlaPolicy(**policy))]


def events(case: SlaCase) -> list[tuple[str, str | None, str]]:
    return [(type(e).__name__, getattr(e, "level", None), e.clock) for e in case.pull_events()
            if isinstance(e, SlaWarningV1 | CaseEscalatedV1)]


def accepted_case(reply_hours: int = 96) -> SlaCase:
    """Assigned at T0 and signed for at once: only the reply clock runs, `reply_hours` long."""
    case = SlaCase("c1")
    case.on_assigned(assigned("c1", assigned_at=T0, reply_due=T0 + reply_hours * HOUR))
    case.on_accepted(accepted("c1", T0 + HOUR))
    return case


# --- the lifecycle --------------------------------------------------------------------------------


def test_a_triaged_case_runs_its_assignment_clock_from_receipt():
    case = SlaCase("c1")
    case.on_triaged(triaged("c1", assign_due=T0 + 24 * HOUR, category="noise"))
    assert (case.status, case.tracking_code, case.category) == (CaseStatus.triage, "HCc1", "noise")
    assert running(case) == ["assign"]
    clock = case.clocks[ClockName.assign]
    assert (clock.start, clock.due, clock.cycle) == (T0, T0 + 24 * HOUR, 1)


def test_a_moved_assignment_deadline_starts_a_new_cycle_and_the_same_one_does_not():
    case = SlaCase("c1")
    case.on_triaged(triaged("c1", assign_due=T0 + 24 * HOUR))
    case.on_triaged(triaged("c1", assign_due=T0 + 24 * HOUR))
    assert case.clocks[ClockName.assign].cycle == 1
    case.on_triaged(triaged("c1", assign_due=T0 + 48 * HOUR))
    assert (case.assign_due, case.clocks[ClockName.assign].cycle) == (T0 + 48 * HOUR, 2)


def test_an_assignment_stops_the_assignment_clock_and_starts_accept_and_reply():
    case = SlaCase("c1")
    case.on_triaged(triaged("c1", assign_due=T0 + 24 * HOUR))
    event = assigned("c1", department="town_taihe", assigned_at=T0 + 2 * HOUR, urgent=True)
    case.on_assigned(event)
    assert (case.status, case.department, case.urgent) == (CaseStatus.assigned, "town_taihe", True)
    assert case.assigned_at == case.last_assigned_at == event.assigned_at
    assert (case.assign_due, case.accept_due, case.reply_due) == (event.assign_due, event.accept_due, event.reply_due)
    assert running(case) == ["accept", "reply"]
    assert case.clocks[ClockName.reply].start == event.assigned_at and case.rounds[1].reply_due == event.reply_due


def test_the_same_assignment_told_twice_starts_no_new_cycle():
    case = SlaCase("c1")
    event = assigned("c1", assigned_at=T0 + HOUR)
    case.on_assigned(event)
    case.on_assigned(event)
    assert (case.clocks[ClockName.accept].cycle, case.clocks[ClockName.reply].cycle) == (1, 1)


def test_a_returned_case_runs_no_clock_and_a_new_assignment_starts_a_new_cycle():
    case = SlaCase("c1")
    first = assigned("c1", department="urban_management", assigned_at=T0 + HOUR)
    case.on_assigned(first)
    case.on_returned(returned("c1", T0 + 3 * HOUR, department="urban_management"))
    assert (case.status, case.department, running(case)) == (CaseStatus.returned, None, [])
    second = assigned("c1", department="housing_construction", assigned_at=T0 + 5 * HOUR)
    case.on_assigned(second)
    assert case.assigned_at == first.assigned_at and case.last_assigned_at == second.assigned_at
    assert running(case) == ["accept", "reply"] and case.clocks[ClockName.reply].cycle == 2
    assert case.clocks[ClockName.reply].start == second.assigned_at


def test_a_department_that_no_longer_has_the_case_can_neither_sign_for_nor_return_it():
    case = SlaCase("c1")
    case.on_assigned(assigned("c1", department="housing_construction"))
    case.on_accepted(accepted("c1", T0 + HOUR, department="urban_management"))
    case.on_returned(returned("c1", T0 + HOUR, department="urban_management"))
    assert (case.accepted_at, case.department, case.status) == (None, "housing_construction", CaseStatus.assigned)


def test_signing_for_stops_the_accept_clock_and_a_reply_stops_the_reply_clock():
    case = accepted_case()
    assert running(case) == ["reply"]
    case.on_replied(replied("c1", T0 + 48 * HOUR, reply_due=T0 + 96 * HOUR))
    assert (case.status, running(case), case.rounds[1].replied_at) == (CaseStatus.replied, [], T0 + 48 * HOUR)


def test_a_reopened_case_starts_a_new_reply_round_and_keeps_the_old_one():
    case = SlaCase("c1")
    case.on_assigned(assigned("c1"))
    case.on_replied(replied("c1", T0 + 24 * HOUR, reply_due=T0 + 96 * HOUR))
    again = assigned("c1", assigned_at=T0 + 72 * HOUR, reply_round=2)
    case.on_assigned(again)
    assert (case.reply_round, case.replied_at, case.reply_due) == (2, None, again.reply_due)
    assert case.rounds[1].replied_at == T0 + 24 * HOUR and case.rounds[2].reply_due == again.reply_due


# --- the sweep ------------------------------------------------------------------------------------


def test_a_sweep_records_yellow_red_and_escalation_each_once_as_time_passes():
    case = accepted_case()
    assert swept(case, 71) == [] and events(case) == []
    assert swept(case, 72) == [("reply", "yellow", 1)]
    assert events(case) == [("SlaWarningV1", "yellow", "reply")]
    assert swept(case, 80) == [] and events(case) == []
    assert swept(case, 96) == [("reply", "red", 1)]
    assert events(case) == [("SlaWarningV1", "red", "reply")]
    assert swept(case, 96.1) == [("reply", "escalated", 1)]
    assert events(case) == [("CaseEscalatedV1", None, "reply")]
    assert swept(case, 200) == [] and events(case) == []
    assert [a.level for a in case.new_alerts] == [Level.yellow, Level.red, Level.escalated]


def test_the_recorded_events_name_the_case_its_department_and_the_deadline():
    case = accepted_case()
    case.sweep(T0 + 72 * HOUR)
    [warning] = case.pull_events()
    assert warning == SlaWarningV1(complaint_id="c1", department="ecology_env", clock="reply", level="yellow",
                                   due=T0 + 96 * HOUR, at=T0 + 72 * HOUR)


def test_a_late_first_sweep_records_red_and_escalation_but_no_stale_yellow():
    case = accepted_case()
    assert swept(case, 100) == [("reply", "red", 1), ("reply", "escalated", 1)]
    assert events(case) == [("SlaWarningV1", "red", "reply"), ("CaseEscalatedV1", None, "reply")]


def test_escalation_waits_for_the_grace_of_the_policy():
    case = accepted_case()
    assert swept(case, 97, escalate_after=2 * HOUR) == [("reply", "red", 1)]
    assert swept(case, 99, escalate_after=2 * HOUR) == [("reply", "escalated", 1)]


def test_an_approved_extension_starts_a_new_reply_cycle_whose_warnings_are_recorded_again():
    case = accepted_case()
    assert swept(case, 96) == [("reply", "red", 1)]
    case.pull_events()
    case.on_extension_decided(extension("c1", T0 + 196 * HOUR))  # 196 hours from assignment: yellow at 147
    assert case.clocks[ClockName.reply].cycle == 2 and case.rounds[1].reply_due == T0 + 196 * HOUR
    assert swept(case, 146) == []
    assert swept(case, 147) == [("reply", "yellow", 2)]
    assert swept(case, 196) == [("reply", "red", 2)]
    assert events(case) == [("SlaWarningV1", "yellow", "reply"), ("SlaWarningV1", "red", "reply")]


def test_a_refused_extension_or_one_for_another_department_changes_nothing():
    case = accepted_case()
    case.on_extension_decided(extension("c1", T0 + 196 * HOUR, approved=False))
    case.on_extension_decided(extension("c1", T0 + 196 * HOUR, department="urban_management"))
    assert (case.reply_due, case.clocks[ClockName.reply].cycle) == (T0 + 96 * HOUR, 1)


def test_an_unrouted_case_warns_about_its_assignment_deadline_with_no_department():
    case = SlaCase("c1")
    case.on_triaged(triaged("c1", assign_due=T0 + 24 * HOUR))
    [alert] = case.sweep(T0 + 18 * HOUR)
    assert (alert.clock, alert.level, alert.department) == (ClockName.assign, Level.yellow, None)


# --- ratings, names, messages ---------------------------------------------------------------------


def test_a_later_rating_replaces_an_earlier_one_and_an_older_one_delivered_late_does_not():
    rating = RoundRating("c1", 1, "HCc1", "unsatisfied", "citizen", T0)
    assert rating.rate_again("satisfied", "phone_callback", T0 + 48 * HOUR)
    assert not rating.rate_again("basically_satisfied", "citizen", T0 + 24 * HOUR)
    assert (rating.rating, rating.via, rating.rated_at) == ("satisfied", "phone_callback", T0 + 48 * HOUR)


def test_the_directory_takes_a_snapshot_unless_it_is_older_and_names_unknown_codes_by_their_code():
    directory = DepartmentDirectory()
    assert directory.name_of("ecology_env") == "ecology_env" and directory.unit(None) == "人工分拨岗"
    assert directory.replace(departments(*NAMES).departments, 2, T0)
    assert directory.name_of("ecology_env") == "区生态环境局"
    assert not directory.replace(departments(("ecology_env", "旧名")).departments, 1, T0 + HOUR)
    assert directory.replace(departments(("noise_office", "区噪声办")).departments, 3, T0 - HOUR)
    assert (directory.name_of("noise_office"), directory.name_of("ecology_env")) == ("区噪声办", "ecology_env")


def test_a_warning_tells_the_department_by_the_name_routing_gave_it_and_an_escalation_the_supervisors_too():
    directory = DepartmentDirectory()
    directory.replace(departments(("ecology_env", "区生态环境局")).departments, 1, T0)
    case = accepted_case()
    yellow, red, escalated = case.sweep(T0 + 72 * HOUR) + case.sweep(T0 + 97 * HOUR)
    [note] = sla_notifications(yellow, directory)
    assert note.recipient == department_recipient("ecology_env")
    assert note.message == "【黄灯预警】投诉 HCc1 的回复时限将于 2026-11-30 10:00 到期，请区生态环境局抓紧办理。"
    assert [n.recipient for n in sla_notifications(escalated, directory)] == [
        SUPERVISORS, department_recipient("ecology_env")]
    assert "请ecology_env立即办理" in sla_notifications(red, DepartmentDirectory())[0].message

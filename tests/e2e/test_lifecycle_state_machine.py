"""A stateful property test of the case lifecycle: whatever the roles do, in whatever order, no case reaches
an invalid state and the three targets count exactly what happened (docs/metrics.md).

Hypothesis drives the whole system embedded (a fresh database per example) through its HTTP API only, as
the people who use it: citizens report, track and rate with their private token; dispatchers sign, reply,
return and ask for extensions; supervisors route, decide extensions, reject, forward, transfer and merge;
callback staff record calls; time passes and notify's sweeper runs. Each action is sometimes taken by the
wrong role or department, or on a case in the wrong state.

The machine keeps its own small model of every case: its state as routing, the citizen and notify should
show it, its deadlines (the same working-day calendar), its reply rounds, ratings and callbacks. After every
step it checks that the answer's status is the one the model expects (a refused action gets a 4xx with the
error contract and changes nothing), that all three services show each case as the model does, that each
case is in exactly one place (a department's queue, triage, or finished), and that GET /api/v1/metrics/sla
gives exactly the numerators, denominators and cases the model computes from its own record of events.

Which department the classifier picks for a new complaint is not what this machine tests (the routing tests
do): the model takes the first routing of each complaint from routing's answer, checks it against the
seeded rules, and predicts everything after it.
"""

from __future__ import annotations

import os
import random
import secrets
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import text
from sqlmodel import Session, select

from services.notify.adapters.tables import CaseRow, ReplyRoundRow
from services.notify.domain.callbacks import CallbackPolicy, draw
from services.notify.domain.commands import SweepSlaClocks
from services.notify.service_layer.callbacks import week_of
from shared.calendar import WorkingCalendar
from shared.clock import SHANGHAI, FakeClock
from shared.db import make_engine
from tests.conftest import DATABASES
from tests.pg import PostgresServer
from tests.system import EmbeddedSystem

START = datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)  # a Thursday: the weekend comes within a few steps
DEPARTMENTS = ("housing_construction", "ecology_env", "urban_management")
# The seeded rules (services/routing/seed_data.yaml) for the types this machine uses: one rule each, so a
# first return (退单) routes the case to the rule's department unless that department returned it.
RULES = {("noise", "construction"): "housing_construction", ("noise", "industrial"): "ecology_env"}
TYPES = (None, ("noise", "construction"), ("noise", "industrial"))  # what a supervisor picks when routing
TEMPLATES = (  # routed by the rules, urgent or not; and two that wait in triage
    {"content": "合阳城街道某工地凌晨两点还在打桩，噪音太大", "town": "合阳城街道"},
    {"content": "钓鱼城街道一处工地白天施工噪音很大，影响休息", "town": "钓鱼城街道"},
    {"content": "南津街街道有家工厂机器整天轰鸣，噪音扰民", "town": "南津街街道"},
    {"content": "公司拖欠我三个月工资一直不发，老板电话也不接，请帮忙讨薪"},
    {"content": "我家附近最近总有些情况，希望有人来看一看"},
)
ROLES = ("citizen", "operator", "supervisor", *(f"dispatcher-{d}" for d in DEPARTMENTS))
RATINGS = ("satisfied", "basically_satisfied", "unsatisfied")
CALL_OUTCOMES = (*RATINGS, "no_answer", "refused")
MAX_CASES = 6
MAX_EXTENSION_DAYS = 10  # ROUTING_MAX_EXTENSION_DAYS' default
CALENDAR = WorkingCalendar()
CALLBACKS = CallbackPolicy()  # the defaults: 30% drawn, at least one per department a week, 3 tries

STAFF_ROUTES = {"accept", "reply", "return", "extension", "merge"}  # dispatchers and supervisors
OPEN = ("assigned", "accepted")
MERGEABLE = ("triage", "assigned", "accepted")


# --- the model ------------------------------------------------------------------------------------------


@dataclass
class Round:
    department: str | None
    reply_due: datetime
    replied_at: datetime | None = None


@dataclass
class Callback:
    department: str | None
    replied_at: datetime
    status: str = "pending"
    attempts: int = 0
    completed_at: datetime | None = None


@dataclass
class Citizen:
    """What the tracking page should show (intake's view of the handling)."""

    status: str = "received"
    department: str | None = None
    reply_round: int = 0
    has_reply: bool = False
    rating: str | None = None
    merged_into: str | None = None

    @property
    def can_rate(self) -> bool:
        return self.status in ("replied", "closed") and self.has_reply


@dataclass(repr=False)
class Case:
    id: str
    token: str
    received_at: datetime
    urgent: bool
    category: str | None
    subcategory: str | None
    assign_due: datetime  # routing's: a return sets a new one
    # The assignment target judges the first assignment by the deadline set at receipt, never a later one.
    first_assign_due: datetime
    # routing
    status: str = "triage"
    department: str | None = None
    accept_due: datetime | None = None
    return_due: datetime | None = None
    reply_due: datetime | None = None
    reply_round: int = 1
    pending_extension: int | None = None  # working days asked, waiting for a supervisor
    extension_days: int = 0  # asked or granted (refused ones do not count)
    returned_by: list[str] = field(default_factory=list)
    merged_into: str | None = None
    followers: list[str] = field(default_factory=list)  # duplicates merged into this case
    # notify
    notify_status: str = "triage"
    notify_department: str | None = None
    first_assigned_at: datetime | None = None  # the first assignment (or forwarding) counts
    rounds: dict[int, Round] = field(default_factory=dict)
    # intake
    citizen: Citizen = field(default_factory=Citizen)


    def __repr__(self) -> str:  # short, for hypothesis' report of a failing sequence
        return f"Case({self.id[:8]}, {self.status}, {self.department}, round {self.reply_round})"


def reply_due_from(at: datetime, urgent: bool) -> datetime:
    return at + timedelta(hours=24) if urgent else CALENDAR.add_working_days(at, 5)


class World:
    """The model of everything this example did, and the figures it implies."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.cases: dict[str, Case] = {}
        self.ratings: dict[tuple[str, int], tuple[str, datetime]] = {}  # latest per reply round
        self.callbacks: dict[tuple[str, int], Callback] = {}

    @property
    def now(self) -> datetime:
        return self.clock.now()

    # Every change below is one event as the services tell it: routing's state, notify's, the citizen's.

    def citizens_of(self, case: Case) -> list[Citizen]:
        """The citizen views a lifecycle event of `case` reaches: its own and its duplicates'."""
        return [case.citizen, *(self.cases[f].citizen for f in case.followers)]

    def assigned(self, case: Case, department: str, *, reopen: bool = False) -> None:
        now = self.now
        case.status, case.department = "assigned", department
        case.accept_due = CALENDAR.add_working_days(now, 1)
        case.return_due = now if reopen else CALENDAR.add_working_days(now, 2)
        case.reply_due = reply_due_from(now, case.urgent)
        case.notify_status, case.notify_department = "assigned", department
        case.first_assigned_at = case.first_assigned_at or now
        case.rounds[case.reply_round] = Round(department, case.reply_due)
        for citizen in self.citizens_of(case):
            citizen.department = department
            citizen.status = "accepted" if reopen else "assigned"

    def accepted(self, case: Case) -> None:
        case.status = case.notify_status = "accepted"
        for citizen in self.citizens_of(case):
            citizen.status = "accepted"

    def replied(self, case: Case) -> None:
        now = self.now
        case.status = case.notify_status = "replied"
        case.pending_extension = None  # moot: the round is answered (see test_a_reply_drops_a_pending_extension)
        reply_round = case.rounds[case.reply_round]
        reply_round.replied_at = reply_round.replied_at or now
        for citizen in self.citizens_of(case):
            citizen.status, citizen.reply_round, citizen.has_reply, citizen.rating = (
                "replied", case.reply_round, True, None)
        self.sample_callback(case, case.reply_round, case.department, now)

    def sample_callback(self, case: Case, reply_round: int, department: str | None, replied_at: datetime) -> None:
        if (case.id, reply_round) in self.callbacks:
            return
        start, end = week_of(replied_at)
        called = any(c.department == department and start <= c.replied_at < end for c in self.callbacks.values())
        if draw(CALLBACKS.seed, case.id, reply_round) < CALLBACKS.share or not called:
            self.callbacks[(case.id, reply_round)] = Callback(department, replied_at)

    def returned(self, case: Case) -> None:
        now = self.now
        department = case.department or ""
        case.returned_by.append(department)
        case.status, case.department = "triage", None
        case.accept_due = case.return_due = case.reply_due = None
        case.assign_due = CALENDAR.add_working_days(now, 1)
        case.pending_extension = None
        case.notify_status, case.notify_department = "triage", None
        for citizen in self.citizens_of(case):
            citizen.status, citizen.department = "triage", None
        rule_department = RULES.get((case.category or "", case.subcategory or ""))
        if len(case.returned_by) == 1 and rule_department is not None and rule_department not in case.returned_by:
            self.assigned(case, rule_department)

    def closed(self, case: Case, status: str) -> None:
        """Rejected (不予受理) or forwarded (转办) from triage."""
        case.status = case.notify_status = status
        case.notify_department = None
        if status == "forwarded":
            case.first_assigned_at = case.first_assigned_at or self.now
        for citizen in self.citizens_of(case):
            citizen.status, citizen.department = status, None

    def transferred(self, case: Case, department: str) -> None:
        case.pending_extension = None
        self.assigned(case, department)

    def merged(self, duplicate: Case, master: Case) -> None:
        duplicate.status, duplicate.merged_into = "merged", master.id
        duplicate.accept_due = duplicate.return_due = duplicate.reply_due = None
        duplicate.pending_extension = None
        duplicate.notify_status, duplicate.notify_department = "merged", None
        master.followers.append(duplicate.id)
        shown, follower = master.citizen, duplicate.citizen
        follower.merged_into, follower.department = master.id, shown.department
        follower.reply_round, follower.has_reply, follower.rating = shown.reply_round, shown.has_reply, None
        follower.status = {"received": "triage", "closed": "replied"}.get(shown.status, shown.status)

    def extension_decided(self, case: Case, approved: bool) -> None:
        days = case.pending_extension or 0
        case.pending_extension = None
        if approved:
            assert case.reply_due is not None
            case.reply_due = CALENDAR.add_working_days(case.reply_due, days)
            case.rounds[case.reply_round].reply_due = case.reply_due
        else:
            case.extension_days -= days

    def rated(self, case: Case, reply_round: int, rating: str, *, by_phone: bool) -> None:
        """A rating of `case`'s round (the master's, for a duplicate's citizen): the latest counts."""
        now = self.now
        self.ratings[(case.id, reply_round)] = (rating, now)
        callback = self.callbacks.get((case.id, reply_round))
        if not by_phone:
            if callback is not None and callback.status == "pending":
                callback.status, callback.completed_at = "done", now
            elif callback is None and rating == "unsatisfied":
                the_round = case.rounds.get(reply_round)
                self.callbacks[(case.id, reply_round)] = Callback(
                    the_round.department if the_round else None,
                    the_round.replied_at if the_round and the_round.replied_at else now)
        if rating == "unsatisfied" and case.status == "replied" and reply_round == case.reply_round:
            case.reply_round += 1  # 重办: a new round, back to the department that replied
            assert case.department is not None
            self.assigned(case, case.department, reopen=True)

    # --- the figures, per docs/metrics.md ---------------------------------------------------------------

    def figures(self, first_day: date, last_day: date) -> dict[str, tuple[list[str], list[str]]]:
        start = datetime.combine(first_day, time(0), SHANGHAI)
        end = datetime.combine(last_day + timedelta(days=1), time(0), SHANGHAI)
        now = self.now

        def within(at: datetime | None) -> bool:
            return at is not None and start <= at < end

        counted = {c.id: c for c in self.cases.values() if c.notify_status not in ("rejected", "merged")}
        assignment: tuple[list[str], list[str]] = ([], [])
        for case in counted.values():
            if not within(case.received_at):
                continue
            if case.first_assigned_at is not None:
                assignment[0 if case.first_assigned_at <= case.first_assign_due else 1].append(case.id)
            elif case.first_assign_due < now:
                assignment[1].append(case.id)
        replies: tuple[list[str], list[str]] = ([], [])
        for case in counted.values():
            for number, r in case.rounds.items():
                if not within(r.reply_due) and not within(r.replied_at):
                    continue
                waiting = case.notify_department is None and number == case.reply_round  # returned, forwarded
                if r.replied_at is not None:
                    replies[0 if r.replied_at <= r.reply_due else 1].append(case.id)
                elif r.reply_due < now and not waiting:
                    replies[1].append(case.id)
        satisfaction: tuple[list[str], list[str]] = ([], [])
        for (case_id, _), (rating, at) in self.ratings.items():
            if case_id in counted and within(at):
                satisfaction[0 if rating != "unsatisfied" else 1].append(case_id)
        callbacks: tuple[list[str], list[str]] = ([], [])
        for (case_id, _), callback in self.callbacks.items():
            if within(callback.completed_at):
                callbacks[0 if callback.status == "done" else 1].append(case_id)
        return {name: (sorted(hits), sorted(misses)) for name, (hits, misses) in (
            ("assignment_rate", assignment), ("on_time_reply_rate", replies),
            ("satisfaction_rate", satisfaction), ("valid_callback_rate", callbacks))}


# --- the system: a fresh database per example ------------------------------------------------------------


@pytest.fixture(params=DATABASES)
def fresh_system(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], tuple[EmbeddedSystem,
                                                                                                 Callable[[], None]]]]:
    """Builds a whole system on a new copy of the migrated template (cheap: a file copy, or CREATE DATABASE
    ... TEMPLATE), so every example starts from nothing and shrinking replays on clean ground."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")

        def url() -> tuple[str, Callable[[], None]]:
            path = tmp_path / f"{secrets.token_hex(6)}.db"
            shutil.copy(template, path)
            return f"sqlite:///{path}", lambda: path.unlink(missing_ok=True)
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        name_of_template: str = request.getfixturevalue("postgres_template")
        admin = make_engine(server.url())

        def url() -> tuple[str, Callable[[], None]]:
            name = f"m_{secrets.token_hex(6)}"
            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{name_of_template}"'))

            def drop() -> None:
                with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return server.url(name), drop

    def build() -> tuple[EmbeddedSystem, Callable[[], None]]:
        database, drop = url()
        engine = make_engine(database)
        system = EmbeddedSystem(engine, FakeClock(START))

        def close() -> None:
            system.client.close()
            engine.dispose()
            drop()
        return system, close

    yield build
    if request.param != "sqlite":
        admin.dispose()


def sign_in_everyone(system: EmbeddedSystem) -> dict[str, dict[str, str]]:
    """Tokens for every role, signed once (argon2 is slow on purpose): every copy of the template has the
    same accounts and key, so they are good on each example's fresh system."""
    headers = {role: system.login(role) for role in ROLES if role != "citizen"}
    headers["citizen"] = {}
    return headers


def error_contract(response: Any) -> None:
    body = response.json()
    assert isinstance(body.get("error"), dict) and body["error"].get("code") and body["error"].get("message"), body


def at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# --- the machine ---------------------------------------------------------------------------------------


def lifecycle_machine(build: Callable[[], tuple[EmbeddedSystem, Callable[[], None]]],
                      headers: dict[str, dict[str, str]]) -> type[RuleBasedStateMachine]:

    class Lifecycle(RuleBasedStateMachine):
        cases = Bundle("cases")

        def __init__(self) -> None:
            super().__init__()
            # Complaint ids decide which replies are drawn for a callback: the same ids in every run of an
            # example, so that a failure replays (and shrinks) the same way.
            ids = random.Random(0)
            self.uuid4, uuid.uuid4 = uuid.uuid4, lambda: uuid.UUID(int=ids.getrandbits(128), version=4)
            self.system, self.close = build()
            self.system.client.__enter__()  # one event loop for all the example's requests, not one each
            self.world = World(self.system.clock)
            # What the last step did, so the checks after it look where something may have changed: everything
            # after a change, the cases it touched after a refusal (it must have changed nothing), the clocks
            # and the figures after time passed.
            self.step, self.touched = "none", set()

        def teardown(self) -> None:
            uuid.uuid4 = self.uuid4
            self.system.client.__exit__(None, None, None)
            self.close()

        # --- helpers --------------------------------------------------------------------------------

        def call(self, who: str, method: str, path: str, expected: int, body: dict[str, Any] | None = None) -> Any:
            response = self.system.client.request(method, f"/api/v1{path}", headers=headers[who], json=body)
            assert response.status_code < 500, (who, method, path, response.text)
            assert response.status_code == expected, (who, method, path, body, expected, response.status_code,
                                                      response.text)
            if expected >= 400:
                error_contract(response)
            if method == "POST":
                self.step = "refused" if expected >= 400 else "changed"
            return response

        def touch(self, *cases: Case) -> None:
            self.touched = {case.id for case in cases}

        def drain(self) -> None:
            self.system.drain()

        @staticmethod
        def actor(data: st.DataObject, right: str) -> str:
            """Mostly the right person, sometimes anyone at all."""
            return data.draw(st.sampled_from([right] * 6 + list(ROLES)), label="actor")

        def pick(self, data: st.DataObject, drawn: str, legal: Callable[[Case], bool]) -> Case:
            """The case the bundle drew, or most of the time one on which the action is allowed (so that runs
            get deep into the lifecycle: replied, rated, reopened, called back), and touched by the step."""
            candidates = [c for c in self.world.cases.values() if legal(c)]
            if candidates and data.draw(st.integers(0, 3), label="steer") > 0:
                case = self.world.cases[data.draw(st.sampled_from([c.id for c in candidates]), label="allowed case")]
            else:
                case = self.world.cases[drawn]
            self.touch(case)
            return case

        @staticmethod
        def desk_of(case: Case) -> str:
            """Who would act on the case for its department: its dispatcher, or a supervisor in triage."""
            return f"dispatcher-{case.department}" if case.department else "supervisor"

        def staff_refusal(self, who: str, case: Case, *, supervisor_only: bool = False) -> int | None:
            """The status the edge answers before the case is even looked at, or None."""
            if who == "citizen":
                return 401
            if who == "operator" or (supervisor_only and who != "supervisor"):
                return 403
            if who.startswith("dispatcher-") and case.department != who.removeprefix("dispatcher-"):
                return 404  # another department's case is not found
            return None

        # --- citizens ---------------------------------------------------------------------------------

        @initialize(target=cases, template=st.sampled_from(TEMPLATES))
        def a_first_complaint(self, template: dict[str, str]) -> str:
            return self.report(template)

        @initialize(target=cases, template=st.sampled_from(TEMPLATES))
        def a_second_complaint(self, template: dict[str, str]) -> str:
            return self.report(template)

        @precondition(lambda self: len(self.world.cases) < MAX_CASES)
        @rule(target=cases, template=st.sampled_from(TEMPLATES))
        def report(self, template: dict[str, str]) -> str:
            accepted = self.system.report(channel="web", **template)
            self.drain()
            routed = self.call("supervisor", "GET", f"/cases/{accepted['id']}", 200).json()
            now = self.world.now
            case = Case(id=accepted["id"], token=accepted["citizen_token"], received_at=now,
                        urgent=routed["urgent"], category=routed["category"], subcategory=routed["subcategory"],
                        assign_due=CALENDAR.add_working_days(now, 1),
                        first_assign_due=CALENDAR.add_working_days(now, 1))
            case.citizen.status = "triage"
            self.world.cases[case.id] = case
            self.step = "changed"
            if routed["status"] == "assigned":
                assert routed["department"] == RULES[(case.category or "", case.subcategory or "")], routed
                self.world.assigned(case, routed["department"])
            else:
                assert routed["status"] == "triage", routed
            return case.id

        @rule(case_id=cases, data=st.data(), rating=st.sampled_from(RATINGS))
        def rate(self, case_id: str, data: st.DataObject, rating: str) -> None:
            case = self.pick(data, case_id, lambda c: c.citizen.can_rate)
            expected = 201 if case.citizen.can_rate else 409
            response = self.system.client.post(f"/api/v1/r/{case.token}/rating", json={"rating": rating,
                                                                                       "resolution": "resolved"})
            assert response.status_code == expected, (case, response.text)
            self.step = "changed" if expected == 201 else "refused"
            if expected != 201:
                error_contract(response)
                return
            target = self.world.cases[case.citizen.merged_into] if case.citizen.merged_into else case
            reply_round = case.citizen.reply_round
            case.citizen.rating, case.citizen.status = rating, "closed"
            self.world.rated(target, reply_round, rating, by_phone=False)
            self.drain()

        # --- departments ------------------------------------------------------------------------------

        @rule(case_id=cases, data=st.data())
        def accept(self, case_id: str, data: st.DataObject) -> None:
            case = self.pick(data, case_id, lambda c: c.status == "assigned")
            who = self.actor(data, self.desk_of(case))
            expected = self.staff_refusal(who, case) or (200 if case.status == "assigned" else 409)
            self.call(who, "POST", f"/cases/{case.id}/accept", expected)
            if expected == 200:
                self.world.accepted(case)
                self.drain()

        @rule(case_id=cases, data=st.data())
        def reply(self, case_id: str, data: st.DataObject) -> None:
            case = self.pick(data, case_id, lambda c: c.status in OPEN)
            who = self.actor(data, self.desk_of(case))
            expected = self.staff_refusal(who, case) or (200 if case.status in OPEN else 409)
            self.call(who, "POST", f"/cases/{case.id}/reply", expected, {"reply": "已到现场核查并责令整改"})
            if expected == 200:
                self.world.replied(case)
                self.drain()

        @rule(case_id=cases, data=st.data())
        def return_case(self, case_id: str, data: st.DataObject) -> None:
            case = self.pick(data, case_id, lambda c: c.status in OPEN and (c.return_due is None
                                                                            or self.world.now <= c.return_due))
            who = self.actor(data, self.desk_of(case))
            window_open = case.return_due is None or self.world.now <= case.return_due
            expected = self.staff_refusal(who, case) or (200 if case.status in OPEN and window_open else 409)
            self.call(who, "POST", f"/cases/{case.id}/return", expected, {"reason": "不属于本单位职责"})
            if expected == 200:
                self.world.returned(case)
                self.drain()

        @rule(case_id=cases, data=st.data(), days=st.integers(1, 6))
        def ask_for_extension(self, case_id: str, data: st.DataObject, days: int) -> None:
            case = self.pick(data, case_id, lambda c: c.status in OPEN and c.pending_extension is None)
            who = self.actor(data, self.desk_of(case))
            allowed = (case.status in OPEN and case.reply_due is not None and self.world.now < case.reply_due
                       and case.pending_extension is None and case.extension_days + days <= MAX_EXTENSION_DAYS)
            expected = self.staff_refusal(who, case) or (200 if allowed else 409)
            self.call(who, "POST", f"/cases/{case.id}/extension", expected,
                      {"working_days": days, "reason": "需要监测夜间噪声"})
            if expected == 200:
                case.pending_extension, case.extension_days = days, case.extension_days + days
                self.drain()

        # --- supervisors ------------------------------------------------------------------------------

        @rule(case_id=cases, data=st.data(), approve=st.booleans())
        def decide_extension(self, case_id: str, data: st.DataObject, approve: bool) -> None:
            case = self.pick(data, case_id, lambda c: c.pending_extension is not None)
            who = self.actor(data, "supervisor")
            expected = (self.staff_refusal(who, case, supervisor_only=True)
                        or (200 if case.pending_extension is not None else 409))
            self.call(who, "POST", f"/cases/{case.id}/extension/{'approve' if approve else 'refuse'}", expected)
            if expected == 200:
                self.world.extension_decided(case, approve)
                self.drain()

        @rule(case_id=cases, data=st.data(), department=st.sampled_from((*DEPARTMENTS, "nowhere")),
              kind=st.sampled_from(TYPES))
        def assign(self, case_id: str, data: st.DataObject, department: str, kind: tuple[str, str] | None) -> None:
            case = self.pick(data, case_id, lambda c: c.status == "triage")
            who = self.actor(data, "supervisor")
            category, subcategory = kind if kind else (case.category, case.subcategory)
            expected = self.staff_refusal(who, case, supervisor_only=True) or (
                422 if department == "nowhere" or category is None else 200 if case.status == "triage" else 409)
            body: dict[str, Any] = {"department": department}
            if kind:
                body |= {"category": kind[0], "subcategory": kind[1]}
            self.call(who, "POST", f"/cases/{case.id}/assign", expected, body)
            if expected == 200:
                case.category, case.subcategory = category, subcategory
                self.world.assigned(case, department)
                self.drain()

        @rule(case_id=cases, data=st.data(), forward=st.booleans())
        def reject_or_forward(self, case_id: str, data: st.DataObject, forward: bool) -> None:
            case = self.pick(data, case_id, lambda c: c.status == "triage")
            who = self.actor(data, "supervisor")
            expected = (self.staff_refusal(who, case, supervisor_only=True)
                        or (200 if case.status == "triage" else 409))
            if forward:
                self.call(who, "POST", f"/cases/{case.id}/forward", expected, {"body": "区人力社保局"})
            else:
                self.call(who, "POST", f"/cases/{case.id}/reject", expected, {"reason": "不属于环境问题"})
            if expected == 200:
                self.world.closed(case, "forwarded" if forward else "rejected")
                self.drain()

        @rule(case_id=cases, data=st.data(), department=st.sampled_from((*DEPARTMENTS, "nowhere")))
        def transfer(self, case_id: str, data: st.DataObject, department: str) -> None:
            case = self.pick(data, case_id, lambda c: c.status in OPEN)
            who = self.actor(data, "supervisor")
            expected = self.staff_refusal(who, case, supervisor_only=True) or (
                422 if department == "nowhere" else 200 if case.status in OPEN and department != case.department
                else 409)
            self.call(who, "POST", f"/cases/{case.id}/transfer", expected,
                      {"department": department, "reason": "职责调整改派"})
            if expected == 200:
                self.world.transferred(case, department)
                self.drain()

        @rule(duplicate_id=cases, master_id=cases, data=st.data())
        def merge(self, duplicate_id: str, master_id: str, data: st.DataObject) -> None:
            duplicate, master = self.world.cases[duplicate_id], self.world.cases[master_id]
            open_cases = [c for c in self.world.cases.values() if c.status in MERGEABLE]
            if len(open_cases) > 1 and data.draw(st.integers(0, 3), label="steer") > 0:
                pair = data.draw(st.permutations([c.id for c in open_cases]), label="allowed pair")[:2]
                duplicate, master = self.world.cases[pair[0]], self.world.cases[pair[1]]
            self.touch(duplicate, master)
            who = self.actor(data, "supervisor")
            if who == "citizen":
                expected = 401
            elif who == "operator":
                expected = 403
            elif duplicate.id == master.id:
                expected = 422
            elif who.startswith("dispatcher-") and who.removeprefix("dispatcher-") not in (
                    duplicate.department, None) or (who.startswith("dispatcher-") and (
                    duplicate.department != master.department or duplicate.department is None)):
                expected = 404
            elif master.merged_into is not None or duplicate.followers:
                expected = 422
            elif duplicate.status not in MERGEABLE or master.status not in MERGEABLE:
                expected = 409
            else:
                expected = 200
            self.call(who, "POST", f"/cases/{duplicate.id}/merge", expected, {"master_id": master.id})
            if expected == 200:
                self.world.merged(duplicate, master)
                self.drain()

        # --- callback staff ---------------------------------------------------------------------------

        @rule(case_id=cases, data=st.data(), outcome=st.sampled_from(CALL_OUTCOMES), earlier=st.booleans())
        def callback_call(self, case_id: str, data: st.DataObject, outcome: str, earlier: bool) -> None:
            case = self.pick(data, case_id, lambda c: any(
                key[0] == c.id and callback.status == "pending" for key, callback in self.world.callbacks.items()))
            reply_round = max(1, case.reply_round - 1) if earlier else case.reply_round
            who = self.actor(data, "operator")
            callback = self.world.callbacks.get((case.id, reply_round))
            if who == "citizen":
                expected = 401
            elif who not in ("operator", "supervisor"):
                expected = 403
            elif callback is None:
                expected = 404
            else:
                expected = 201 if callback.status == "pending" else 409
            body = {"outcome": outcome} | ({"resolution": "resolved"} if "satisfied" in outcome else {})
            self.call(who, "POST", f"/callbacks/{case.id}/{reply_round}/calls", expected, body)
            if expected != 201:
                return
            assert callback is not None
            now = self.world.now
            callback.attempts += 1
            if outcome in RATINGS:
                callback.status, callback.completed_at = "done", now
                for citizen in self.world.citizens_of(case):
                    if citizen.reply_round == reply_round:
                        citizen.rating, citizen.status = outcome, "closed"
                self.world.rated(case, reply_round, outcome, by_phone=True)
            elif callback.attempts >= CALLBACKS.max_attempts:
                callback.status, callback.completed_at = "unreachable", now
            self.drain()

        # --- time -------------------------------------------------------------------------------------

        @rule(hours=st.sampled_from([1, 3, 8, 20, 30, 50, 75]))
        def time_passes(self, hours: int) -> None:
            self.step = "time"
            self.system.clock.advance(timedelta(hours=hours))
            self.system.runtimes["notify"].bus.handle(SweepSlaClocks(at=self.system.clock.now()))
            self.drain()

        # --- invariants -------------------------------------------------------------------------------

        @invariant()
        def each_complaint_is_kept_once_by_each_service(self) -> None:
            with self.system.engine.connect() as conn:
                for table, column in (("intake_complaints", "id"), ("routing_cases", "complaint_id"),
                                      ("notify_cases", "complaint_id")):
                    found = conn.execute(text(f"SELECT {column}, count(*) FROM {table} GROUP BY {column}")).all()
                    assert {row[0]: row[1] for row in found} == dict.fromkeys(self.world.cases, 1), table
                parked = conn.execute(text("SELECT count(*) FROM event_dead_letter")).scalar_one()
            assert parked == 0, "an event no consumer could apply"

        @invariant()
        def each_case_is_in_one_place(self) -> None:
            """In its department's queue while a department works on it, in triage while a person must route
            it, and in no list once replied or closed."""
            if self.step != "changed":
                return
            listed: dict[str, list[str]] = {}
            for department in DEPARTMENTS:
                queue = self.call("supervisor", "GET", f"/queues/{department}", 200).json()
                for c in queue["cases"]:
                    listed.setdefault(c["id"], []).append(department)
            for c in self.call("supervisor", "GET", "/triage", 200).json()["cases"]:
                listed.setdefault(c["id"], []).append("triage")
            for case in self.world.cases.values():
                where = ([case.department] if case.status in OPEN else ["triage"] if case.status == "triage"
                         else [])
                assert listed.get(case.id, []) == where, (case.id, case.status, listed.get(case.id))

        @invariant()
        def the_three_services_agree_with_the_model(self) -> None:
            with Session(self.system.engine) as session:
                notified = {r.complaint_id: r for r in session.exec(select(CaseRow))}
                rounds: dict[str, dict[int, tuple[str | None, datetime, datetime | None]]] = {}
                for r in session.exec(select(ReplyRoundRow)):
                    rounds.setdefault(r.complaint_id, {})[r.reply_round] = (r.department, r.reply_due, r.replied_at)
            shown_by_http = (list(self.world.cases.values()) if self.step == "changed" else
                             [self.world.cases[c] for c in self.touched] if self.step == "refused" else [])
            for case in self.world.cases.values():
                notify = notified[case.id]
                assert (notify.status, notify.department, notify.assigned_at) == (
                    case.notify_status, case.notify_department, case.first_assigned_at), (case, notify)
                assert rounds.get(case.id, {}) == {n: (r.department, r.reply_due, r.replied_at)
                                                   for n, r in case.rounds.items()}, (case, rounds.get(case.id))
            for case in shown_by_http:
                routing = self.call("supervisor", "GET", f"/cases/{case.id}", 200).json()
                assert (routing["status"], routing["department"], routing["reply_round"], routing["merged_into"]) == (
                    case.status, case.department, case.reply_round, case.merged_into), (case, routing)
                assert [at(routing[k]) for k in ("assign_due", "accept_due", "return_due", "reply_due")] == [
                    case.assign_due, case.accept_due, case.return_due, case.reply_due], (case, routing)
                pending = [e["working_days"] for e in routing["extensions"] if e["status"] == "requested"]
                assert pending == ([case.pending_extension] if case.pending_extension else []), (case, routing)

                view = self.system.client.get(f"/api/v1/r/{case.token}").json()
                shown = case.citizen
                assert (view["status"], view["department"], view["reply_round"], view["can_rate"], view["rating"]) == (
                    shown.status, shown.department, shown.reply_round, shown.can_rate, shown.rating), (case, view)

        @invariant()
        def the_figures_count_exactly_what_happened(self) -> None:
            """GET /metrics/sla's numerators and denominators, and the cases behind them (GET /metrics/sla/cases),
            are what the model counts from its own record of events."""
            first, last = START.date(), self.world.now.date()
            period = f"from={first}&to={last}"
            report = self.call("supervisor", "GET", f"/metrics/sla?{period}", 200).json()
            expected = self.world.figures(first, last)
            for name in ("assignment_rate", "on_time_reply_rate", "satisfaction_rate"):
                hits, misses = expected[name]
                got = report[name]
                assert (got["numerator"], got["denominator"]) == (len(hits), len(hits) + len(misses)), (
                    name, got, expected[name])
                if self.step not in ("changed", "time"):
                    continue
                listed = f"/metrics/sla/cases?figure={name}&outcome=all&limit=50&{period}"
                lines = self.call("supervisor", "GET", listed, 200).json()["cases"]
                assert (sorted(c["complaint_id"] for c in lines if c["met"]),
                        sorted(c["complaint_id"] for c in lines if not c["met"])) == (hits, misses), (name, lines)
            hits, misses = expected["valid_callback_rate"]
            valid = report["satisfaction_rate"]["valid_callback_rate"]
            assert (valid["numerator"], valid["denominator"]) == (len(hits), len(hits) + len(misses)), (valid, hits,
                                                                                                       misses)

    return Lifecycle


LIFECYCLE = settings(max_examples=15, stateful_step_count=20, deadline=None, derandomize=True, database=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                            HealthCheck.filter_too_much])


# PostgreSQL runs the same machine over fewer examples: each new database costs it seconds where SQLite copies
# a file, and the suite's time is shared. SQLite explores; PostgreSQL checks the same rules hold on it.
# A longer exploration (before a release, or overnight): LIFECYCLE_EXAMPLES=200 pytest tests/e2e/test_lifecycle_...
EXAMPLES = {"sqlite": 10, "postgres": 5}
if os.environ.get("LIFECYCLE_EXAMPLES"):
    EXAMPLES = dict.fromkeys(EXAMPLES, int(os.environ["LIFECYCLE_EXAMPLES"]))


def test_no_sequence_of_actions_reaches_an_invalid_state_or_miscounts_the_targets(fresh_system, request):
    first, close = fresh_system()
    try:
        headers = sign_in_everyone(first)
    finally:
        close()
    database = request.node.callspec.params["fresh_system"]
    run_state_machine_as_test(lifecycle_machine(fresh_system, headers),
                              settings=settings(LIFECYCLE, max_examples=EXAMPLES[database]))

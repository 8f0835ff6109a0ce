"""`complaints seed-volume`: a district's worth of handled cases, written straight into every service's
tables, for the volume benchmark (bench/volume.py) and for a demo with real-looking numbers.

Each case is played through the lifecycle the services follow (received → triaged or assigned → signed
for → replied → rated or called back → reopened ...) with times drawn from a seeded generator, and only
the steps that happened before `now` are written. The rows are the ones the services would have written
from those events: intake's complaint, timeline and ratings; routing's case and history; notify's case,
clocks, reply rounds, ratings, assignments, callbacks and alerts. So the targets, the queues, the problem
list and the tracking page answer over them exactly as they would over live traffic.

What it leaves out, being a benchmark tool: the outbox and inbox (no events are published: the services
already hold the end state), reporters' personal data (no phone, no name: the tracking page asks for no
digits), photos, and working days (deadlines are counted in calendar days; they are still the deadlines
the figures judge). Refused unless DEMO_MODE is on or `--not-demo` is given, and unless the databases
hold no cases yet (`--force` adds to them).

PostgreSQL gets the rows with COPY (psycopg), SQLite with batched INSERTs (for the tests).
"""

from __future__ import annotations

import random
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TextIO

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shared.clock import SHANGHAI
from shared.contracts.codes import SUBCATEGORIES, TOWNS

BATCH = 20_000  # cases generated, then written, at a time
HOUR, DAY = timedelta(hours=1), timedelta(days=1)
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_SPREAD = 0x9E3779B1  # odd, so i ↦ i·_SPREAD mod 32^8 is one-to-one: every tracking code differs

# How the district's complaints come, what they are about and where (weights, roughly the 2025 desk's).
CHANNELS = {"hotline": 44, "wechat": 20, "web": 11, "app": 10, "grid": 9, "upstream": 4, "open311": 2}
CATEGORIES = {"noise": 36, "odor": 20, "air": 15, "water": 10, "waste": 10, "ecology": 3, "radiation": 2,
              "soil": 1, "other": 3}
# The district department that takes a type when it is not the town's (属地) to handle.
LEAD = {"noise": ("ecology_env", "public_security", "housing_construction"), "odor": ("ecology_env",),
        "air": ("ecology_env", "housing_construction", "urban_management"), "water": ("water_resources",
        "ecology_env"), "waste": ("urban_management", "ecology_env"), "ecology": ("forestry",
        "planning_natural_resources"), "radiation": ("ecology_env",), "soil": ("agriculture_rural",),
        "other": ("ecology_env", "health", "transport")}
CONTENT = {"noise": "{town}附近工地夜间施工噪声扰民", "odor": "{town}一带养殖场臭味很重",
           "air": "{town}有露天焚烧，烟很大",
           "water": "{town}河沟有污水直排，水发黑发臭", "waste": "{town}路边堆放建筑垃圾无人清理",
           "ecology": "{town}山上有人非法采砂", "radiation": "{town}小区楼顶新装基站担心辐射",
           "soil": "{town}农田附近倾倒不明废渣", "other": "{town}环境问题反映"}
RATINGS = (("satisfied", 86), ("basically_satisfied", 9), ("unsatisfied", 5))


def _weighted(weights: dict[str, int]) -> list[str]:
    return [key for key, weight in weights.items() for _ in range(weight)]


_CHANNEL_DRAW, _CATEGORY_DRAW = _weighted(CHANNELS), _weighted(CATEGORIES)
# The seven streets of the urban core report more than the towns.
_TOWN_DRAW = [code for code, town in TOWNS.items() for _ in range(5 if town.kind == "street" else 2)]
_RATING_DRAW = _weighted(dict(RATINGS))


class Refused(Exception):
    """The databases are not ones this tool may write to (see the module's docstring)."""


@dataclass
class Rows:
    """One batch's rows, by table name, each a dict of the table's columns."""

    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, table: str, **row: Any) -> None:
        self.tables.setdefault(table, []).append(row)


@dataclass
class Case:
    """One case as it is played: enough to write every service's rows for it."""

    index: int
    complaint_id: str
    tracking_code: str
    channel: str
    category: str
    subcategory: str | None
    town: str
    urgent: bool
    received_at: datetime
    lat: float
    lon: float


def tracking_code(index: int, received_at: datetime) -> str:
    n, suffix = (index * _SPREAD) % 32 ** 8, ""
    for _ in range(8):
        n, digit = divmod(n, 32)
        suffix = _CROCKFORD[digit] + suffix
    return f"HC{received_at.astimezone(SHANGHAI):%y%m%d}-{suffix}"


class Generator:
    """Plays cases in order of receipt across [now - months, now) and emits their rows."""

    def __init__(self, *, cases: int, months: int, seed: int, now: datetime, start_index: int = 0) -> None:
        self.cases, self.now, self.start_index = cases, now, start_index
        self.start = now - timedelta(days=round(months * 30.44))
        self.seed, self.rng = seed, random.Random(seed)
        self.previous: Case | None = None  # a recent case, the master a duplicate is merged into

    def chunk(self, first: int, last: int) -> Rows:
        """The rows of cases first..last-1. Each chunk draws from its own seeded generator, so the cases are
        the same however many processes share the work."""
        self.rng = random.Random(self.seed * 1_000_003 + first)
        self.previous = None
        rows = Rows()
        for i in range(first, last):
            self.play(self.new_case(i), rows)
        return rows

    def new_case(self, i: int) -> Case:
        rng = self.rng
        span = (self.now - self.start).total_seconds()
        received = self.start + timedelta(seconds=span * (i + rng.random()) / self.cases)
        category = rng.choice(_CATEGORY_DRAW)
        subs = list(SUBCATEGORIES[category])
        town = rng.choice(_TOWN_DRAW)
        index = self.start_index + i
        return Case(index=index, complaint_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    tracking_code=tracking_code(index, received), channel=rng.choice(_CHANNEL_DRAW),
                    category=category, subcategory=rng.choice(subs) if subs else None, town=town,
                    urgent=rng.random() < 0.03, received_at=received,
                    lat=round(29.97 + rng.random() * 0.4, 6), lon=round(106.1 + rng.random() * 0.5, 6))

    # --- the lifecycle ----------------------------------------------------------------------------

    def play(self, case: Case, rows: Rows) -> None:
        rng, now = self.rng, self.now
        received = case.received_at
        assign_due = received + (4 * HOUR if case.urgent else DAY)
        content = CONTENT[case.category].format(town=TOWNS[case.town].name)
        intake: dict[str, Any] = {
                  "status": "received", "department": None, "reply": None, "replied_at": None, "reply_due": None,
                  "reply_round": 0, "rating": None, "merged_into": None, "master_tracking_code": None}
        routing: dict[str, Any] = {
                   "status": "triage", "department": None, "rule": None, "assigned_at": None, "accept_due": None,
                   "accepted_at": None, "return_due": None, "reply_due": None, "replied_at": None, "reply": None,
                   "reply_round": 1, "closed_at": None, "closing_reason": None, "forwarded_to": None,
                   "merged_into": None, "triage_reason": None}
        notify: dict[str, Any] = {"status": "triage", "department": None, "assigned_at": None, "last_assigned_at": None,
                  "accepted_at": None, "replied_at": None, "reply_round": 1}
        clocks: dict[str, dict[str, Any]] = {}
        timeline: list[tuple[datetime, str, str, str | None]] = [
            (received, "received", f"投诉已受理，查询码 {case.tracking_code}", None)]
        history: list[tuple[datetime, str, str]] = [(received, "received", "system")]
        updated = received

        def note(at: datetime, status: str, text: str, department: str | None = None) -> None:
            timeline.append((at, status, text, department))
            intake["status"] = status

        draw = rng.random()
        triaged = draw < 0.16  # the rules did not decide: a person routes it (人工分拨)
        if triaged:
            routing["triage_reason"] = "规则未能确定承办单位"
            history.append((received, "triaged", "system"))
            note(received, "triage", "正在确定承办单位")
            clocks["assign"] = {"cycle": 1, "start": received, "due": assign_due, "last_level": "none"}
            decided = received + timedelta(minutes=rng.uniform(10, 26 * 60 if rng.random() < 0.1 else 20 * 60))
            if decided > now:
                self._alerts(rows, case, None, "assign", 1, received, assign_due, None, 1)
                return self._write(case, rows, content, intake, routing, notify, clocks, timeline, history, [],
                                   received)
            updated = decided
            self._alerts(rows, case, None, "assign", 1, received, assign_due, decided, 1)
            if draw < 0.025:  # 不予受理
                routing.update(status="rejected", closed_at=decided, closing_reason="不属于受理范围")
                notify["status"] = "rejected"
                history.append((decided, "rejected", "supervisor"))
                note(decided, "rejected", "不予受理：不属于受理范围")
                return self._write(case, rows, content, intake, routing, notify, clocks, timeline, history, [],
                                   updated)
            if draw < 0.04:  # 转办 outside the bureau
                routing.update(status="forwarded", closed_at=decided, forwarded_to="区市场监管局")
                notify.update(status="forwarded", assigned_at=decided)
                history.append((decided, "forwarded", "supervisor"))
                note(decided, "forwarded", "您反映的问题不属于生态环境部门职责，已转交区市场监管局办理")
                return self._write(case, rows, content, intake, routing, notify, clocks, timeline, history, [],
                                   updated)
            if draw < 0.055 and self.previous is not None:  # 并单 into a case received a little earlier
                master = self.previous
                routing.update(status="merged", closed_at=decided, merged_into=master.complaint_id)
                intake.update(merged_into=master.complaint_id, master_tracking_code=master.tracking_code)
                notify["status"] = "merged"
                history.append((decided, "merged", "supervisor"))
                timeline.append((decided, intake["status"],
                                 f"您反映的问题与查询码 {master.tracking_code} 的投诉为同一问题，已合并办理", None))
                return self._write(case, rows, content, intake, routing, notify, clocks, timeline, history, [],
                                   updated)
            assigned = decided
            rule = "manual"
        else:
            assigned = received + timedelta(seconds=rng.uniform(1, 8))
            rule = f"{case.category}:{'town' if rng.random() < 0.6 else 'district'}"
        self.previous = case
        department = (f"town_{case.town}" if rule.endswith("town") or (rule == "manual" and rng.random() < 0.5)
                      else rng.choice(LEAD[case.category]))
        if clocks.get("assign") is None:
            clocks["assign"] = {"cycle": 1, "start": received, "due": assign_due, "last_level": "none"}
        notify["assigned_at"] = assigned
        assignments: list[dict[str, Any]] = []
        reply_round, start = 1, assigned
        while True:  # one reply round a turn; an unsatisfied rating may start the next
            outcome = self._round(case, rows, department, reply_round, start, rule, intake, routing, notify, clocks,
                                  timeline, history, assignments)
            updated = max(updated, outcome[1])
            if outcome[0] is None:
                break
            reply_round, start = reply_round + 1, outcome[0]
        self._write(case, rows, content, intake, routing, notify, clocks, timeline, history, assignments, updated)

    def _round(self, case: Case, rows: Rows, department: str, reply_round: int, assigned: datetime, rule: str,
               intake: dict[str, Any], routing: dict[str, Any], notify: dict[str, Any],
               clocks: dict[str, dict[str, Any]], timeline: list[Any], history: list[Any],
               assignments: list[dict[str, Any]]) -> tuple[datetime | None, datetime]:
        """One assignment and what followed it before `now`: (when the next round starts or None, last step)."""
        rng, now, cid = self.rng, self.now, case.complaint_id
        returned = reply_round == 1 and rng.random() < 0.01  # 退单 by the first department, routed again
        cycle = len(assignments) + 1  # each assignment starts the accept and reply clocks again
        accept_due, reply_due = assigned + DAY, assigned + (DAY if case.urgent else 5 * DAY)
        if returned:
            back = assigned + timedelta(hours=rng.uniform(1, 20))
            if back <= now:
                assignments.append({"department": department, "reply_round": 1, "rule": rule, "assigned_at": assigned,
                                    "accept_due": accept_due, "accepted_at": None, "ended_at": back,
                                    "ended_how": "returned"})
                history.extend([(assigned, "assigned", "system"), (back, "returned", department)])
                timeline.append((assigned, "assigned", "已交办至{department}", department))
                department = next(d for d in (f"town_{case.town}", *LEAD[case.category], "ecology_env")
                                  if d != department)
                assigned, rule, cycle = back + HOUR, "rerouted", cycle + 1
                accept_due, reply_due = assigned + DAY, assigned + (DAY if case.urgent else 5 * DAY)
        for name, due in (("accept", accept_due), ("reply", reply_due)):
            clocks[name] = {"cycle": cycle, "start": assigned, "due": due, "last_level": "none"}
        notify.update(status="assigned", department=department, last_assigned_at=assigned, accepted_at=None,
                      replied_at=None, reply_round=reply_round)
        routing.update(status="assigned", department=department, rule=rule, assigned_at=assigned,
                       accept_due=accept_due, return_due=assigned + 2 * DAY, reply_due=reply_due, accepted_at=None,
                       replied_at=None, reply_round=reply_round)
        intake.update(department=department, reply_due=reply_due, reply_round=reply_round)
        history.append((assigned, "assigned", "system"))
        timeline.append((assigned, "assigned", "已交办至{department}", department))
        intake["status"] = "assigned"
        assignment = {"department": department, "reply_round": reply_round, "rule": rule, "assigned_at": assigned,
                      "accept_due": accept_due, "accepted_at": None, "ended_at": None, "ended_how": None}
        assignments.append(assignment)
        round_row = {"complaint_id": cid, "reply_round": reply_round, "department": department,
                     "reply_due": reply_due, "replied_at": None}
        rows.tables.setdefault("notify_reply_rounds", []).append(round_row)  # its reply is filled in below
        last = assigned
        accepted = assigned + timedelta(hours=rng.uniform(0.2, 30 if rng.random() < 0.05 else 20))
        if accepted > now:
            self._alerts(rows, case, department, "accept", cycle, assigned, accept_due, None, reply_round)
            self._alerts(rows, case, department, "reply", cycle, assigned, reply_due, None, reply_round)
            return None, last
        self._alerts(rows, case, department, "accept", cycle, assigned, accept_due, accepted, reply_round)
        last = accepted
        notify.update(status="accepted", accepted_at=accepted)
        routing.update(status="accepted", accepted_at=accepted)
        assignment["accepted_at"] = accepted
        history.append((accepted, "accepted", department))
        timeline.append((accepted, "accepted", "{department}已签收，正在办理", department))
        intake["status"] = "accepted"
        allowed = (reply_due - assigned).total_seconds()
        share = rng.uniform(0.1, 0.95) if rng.random() > 0.06 else rng.uniform(1.0, 1.6)  # 6% late
        replied = max(accepted + timedelta(minutes=5), assigned + timedelta(seconds=allowed * share))
        self._alerts(rows, case, department, "reply", cycle, assigned, reply_due, replied if replied <= now else None,
                     reply_round)
        if replied > now:
            return None, last
        last = replied
        reply = f"经现场核查，已督促整改（第{reply_round}轮）"
        round_row["replied_at"] = replied
        notify.update(status="replied", replied_at=replied)
        routing.update(status="replied", replied_at=replied, reply=reply)
        intake.update(status="replied", reply=reply, replied_at=replied)
        history.append((replied, "replied", department))
        timeline.append((replied, "replied", "{department}已回复，欢迎评价", department))
        # satisfaction: a callback drawn for some rounds; citizens rate others online
        called = rng.random() < 0.12
        rated_online = not called and rng.random() < 0.5
        rating = rng.choice(_RATING_DRAW)
        if called:
            due_at = replied + 7 * DAY
            done_at = replied + timedelta(hours=rng.uniform(4, 6 * 24))
            unreachable = rng.random() < 0.1
            status = "pending" if done_at > now else "unreachable" if unreachable else "done"
            rows.add("notify_callbacks", complaint_id=cid, reply_round=reply_round, tracking_code=case.tracking_code,
                     department=department, reason="sampled", draw=round(rng.random(), 6), replied_at=replied,
                     due_at=due_at, status=status, outcome=None if status == "pending" else
                     "unreachable" if unreachable else rating, attempts=0 if status == "pending" else
                     3 if unreachable else 1, completed_at=None if status == "pending" else done_at,
                     completed_by=None if status == "pending" else "operator", created_at=replied)
            if status != "done":
                return None, last
            rated, via = done_at, "phone"
        elif rated_online:
            rated, via = replied + timedelta(hours=rng.uniform(1, 10 * 24)), rng.choice(("link", "tracking"))
            if rated > now:
                return None, last
        else:
            return None, last
        last = rated
        rows.add("notify_ratings", complaint_id=cid, reply_round=reply_round, tracking_code=case.tracking_code,
                 rating=rating, via=via, rated_at=rated)
        rows.add("intake_ratings", complaint_id=cid, reply_round=reply_round, rating=rating, comment=None, via=via,
                 rated_at=rated)
        intake.update(rating=rating, status="closed")
        timeline.append((rated, "closed", "您的评价已收到", None))
        if rating != "unsatisfied" or reply_round >= 4 or rng.random() < 0.3:
            return None, last
        reopened = rated + timedelta(hours=rng.uniform(1, 30))  # 重办: a new round with the same department
        if reopened > now:
            return None, last
        history.append((reopened, "reopened", "system"))
        timeline.append((reopened, "assigned",
                         f"您的不满意评价已收到，已交{{department}}重新办理（第 {reply_round + 1} 轮）", department))
        return reopened, last

    def _alerts(self, rows: Rows, case: Case, department: str | None, clock: str, cycle: int, start: datetime,
                due: datetime, done: datetime | None, reply_round: int) -> None:
        """The warnings the sweeper sent for one clock cycle before it stopped (or before `now`)."""
        until = min(done or self.now, self.now)
        yellow = start + (due - start) * 0.75
        for level, at in (("yellow", yellow), ("red", due), ("escalated", due + HOUR)):
            if at < until:
                rows.add("notify_alerts", complaint_id=case.complaint_id, tracking_code=case.tracking_code,
                         department=department, clock=clock, cycle=cycle, level=level, reply_round=reply_round,
                         due=due, created_at=at + timedelta(seconds=30))

    def _write(self, case: Case, rows: Rows, content: str, intake: dict[str, Any], routing: dict[str, Any],
               notify: dict[str, Any], clocks: dict[str, dict[str, Any]], timeline: list[Any], history: list[Any],
               assignments: list[dict[str, Any]], updated: datetime) -> None:
        cid = case.complaint_id
        rows.add("intake_complaints", id=cid, tracking_code=case.tracking_code, channel=case.channel, content=content,
                 category=case.category, subcategory=case.subcategory, town=case.town, address=None, lat=case.lat,
                 lon=case.lon, occurred_at=None, urgent=case.urgent, anonymous=False, received_at=case.received_at,
                 updated_at=updated, **intake)
        for at, status, text, department in timeline:
            rows.add("intake_timeline", complaint_id=cid, at=at, status=status, text=text, department=department)
        rows.add("routing_cases", complaint_id=cid, tracking_code=case.tracking_code, channel=case.channel,
                 content=content, category=case.category, subcategory=case.subcategory, town=case.town,
                 urgent=case.urgent, confidence=0.9, explanation="{}", received_at=case.received_at,
                 assign_due=case.received_at + (4 * HOUR if case.urgent else DAY), lat=case.lat, lon=case.lon,
                 **routing)
        for at, action, actor in history:
            rows.add("routing_case_history", complaint_id=cid, action=action, actor=actor, at=at, detail="{}")
        # what the targets read of the case, copied on its rows as notify's repository does (the rounds and
        # ratings this case just added are the last of their lists)
        rounds = _own(rows, "notify_reply_rounds", cid)
        departments = {r["reply_round"]: r["department"] for r in rounds}
        counted = notify["status"] not in ("rejected", "merged")
        for r in rounds:
            r.update(counted=counted, category=case.category, town=case.town, channel=case.channel,
                     tracking_code=case.tracking_code,
                     rerouting=notify["department"] is None and r["reply_round"] == notify["reply_round"])
        for g in _own(rows, "notify_ratings", cid):
            g.update(counted=counted, department=departments.get(g["reply_round"]) or notify["department"],
                     category=case.category, town=case.town, channel=case.channel,
                     case_tracking_code=case.tracking_code)
        rows.add("notify_cases", complaint_id=cid, tracking_code=case.tracking_code, category=case.category,
                 subcategory=case.subcategory, town=case.town, channel=case.channel, lat=case.lat, lon=case.lon,
                 urgent=case.urgent, received_at=case.received_at, updated_at=updated,
                 assign_due=clocks["assign"]["due"] if "assign" in clocks else None,
                 first_department=departments.get(1), **notify)
        for name, clock in clocks.items():
            rows.add("notify_clocks", complaint_id=cid, clock=name, **clock)
        for a in assignments:
            rows.add("notify_assignments", complaint_id=cid, **a)


def _own(rows: Rows, table: str, complaint_id: str) -> list[dict[str, Any]]:
    """The rows of `table` one case added last (cases are played one after another)."""
    found = []
    for row in reversed(rows.tables.get(table, [])):
        if row["complaint_id"] != complaint_id:
            break
        found.append(row)
    return found


# --- writing ----------------------------------------------------------------------------------------------

SERVICE_TABLES = {
    "intake": ("intake_complaints", "intake_timeline", "intake_ratings"),
    "routing": ("routing_cases", "routing_case_history"),
    "notify": ("notify_cases", "notify_clocks", "notify_reply_rounds", "notify_ratings", "notify_assignments",
               "notify_callbacks", "notify_alerts", "notify_nearby_pairs"),
}
CASE_TABLES = {"intake": "intake_complaints", "routing": "routing_cases", "notify": "notify_cases"}


def _tables() -> dict[str, sa.Table]:
    from sqlmodel import SQLModel

    import services.intake.adapters.tables
    import services.notify.adapters.tables
    import services.routing.adapters.tables  # noqa: F401  (each registers its tables)
    return {name: SQLModel.metadata.tables[name] for names in SERVICE_TABLES.values() for name in names}


def count_cases(engines: dict[str, Engine]) -> dict[str, int]:
    found = {}
    for service, table in CASE_TABLES.items():
        with engines[service].connect() as conn:
            found[service] = conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
    return found


class Writer:
    """Writes a batch's rows into each service's database: COPY on PostgreSQL, INSERTs on SQLite."""

    def __init__(self, engines: dict[str, Engine]) -> None:
        self.tables = _tables()
        # one connection per database (services may share one: on SQLite a second writer would wait forever)
        by_engine = {id(engine): engine.connect() for engine in engines.values()}
        self.connections = {service: by_engine[id(engine)] for service, engine in engines.items()}
        self.distinct = list(by_engine.values())
        self.service_of = {t: s for s, names in SERVICE_TABLES.items() for t in names}

    def write(self, rows: Rows) -> None:
        for conn in self.distinct:  # begun here, so that commit() also ends what COPY wrote on the raw connection
            conn.begin()
        for name in self.tables:  # parents before the rows that point at them
            if not (items := rows.tables.get(name)):
                continue
            table, conn = self.tables[name], self.connections[self.service_of[name]]
            columns = [c.name for c in table.columns if c.name in items[0]]
            if conn.dialect.name == "postgresql":
                self._copy(conn, name, columns, items)
            else:
                conn.execute(table.insert(), items)
        for conn in self.distinct:
            conn.commit()

    @staticmethod
    def _copy(conn: sa.Connection, name: str, columns: list[str], items: list[dict[str, Any]]) -> None:
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor, cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
            for item in items:
                copy.write_row([item[c] for c in columns])

    def close(self) -> None:
        for conn in self.distinct:
            conn.close()


def analyze(engines: dict[str, Engine]) -> None:
    """Fresh statistics, or the planner would judge a million rows by an empty table's; notify's tables are
    vacuumed too, so that the targets read their covering indexes alone (index-only scans need the pages
    marked all-visible, which autovacuum would do later)."""
    for service, engine in engines.items():
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                how = "VACUUM (ANALYZE)" if service == "notify" else "ANALYZE"
                conn.execute(sa.text(f"{how} {', '.join(SERVICE_TABLES[service])}"))


@dataclass(frozen=True)
class SeedReport:
    cases: int
    rows: dict[str, int]
    seconds: float


def progress_bar(stream: TextIO = sys.stderr) -> Callable[[int, int, float], None]:
    def show(done: int, total: int, elapsed: float) -> None:
        width = 30
        filled = width * done // total if total else width
        rate = done / elapsed if elapsed else 0
        left = (total - done) / rate if rate else 0
        stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done:>9,}/{total:,} cases "
                     f"{elapsed:6.1f} s, {rate:,.0f}/s, ~{left:.0f} s left ")
        if done >= total:
            stream.write("\n")
        stream.flush()
    return show


def _secondary_indexes(engines: dict[str, Engine]) -> list[tuple[Engine, str, str]]:
    """(engine, name, definition) of each PostgreSQL index of the seeded tables that backs no constraint."""
    found = []
    for service, engine in engines.items():
        if engine.dialect.name != "postgresql":
            continue
        with engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
                "AND i.tablename = ANY(:tables) AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                "WHERE c.conname = i.indexname)"), {"tables": list(SERVICE_TABLES[service])}).all()
        found += [(engine, name, definition) for name, definition in rows]
    return found


def _chunks(cases: int) -> list[tuple[int, int]]:
    return [(first, min(cases, first + BATCH)) for first in range(0, cases, BATCH)]


_worker: tuple[Generator, Writer] | None = None


def _start_worker(urls: dict[str, str], generator: Generator) -> None:
    global _worker
    from shared.db import make_engine

    engines = {url: make_engine(url) for url in set(urls.values())}
    _worker = (generator, Writer({service: engines[url] for service, url in urls.items()}))


def _work(chunk: tuple[int, int]) -> tuple[int, dict[str, int]]:
    assert _worker is not None
    generator, writer = _worker
    rows = generator.chunk(*chunk)
    writer.write(rows)
    return chunk[1] - chunk[0], {name: len(items) for name, items in rows.tables.items()}


def seed_volume(engines: dict[str, Engine], *, cases: int, months: int = 24, seed: int = 12,
                now: datetime | None = None, force: bool = False, workers: int = 2,
                progress: Callable[[int, int, float], None] | None = None) -> SeedReport:
    """Writes `cases` cases received over the `months` before `now` into the services' databases
    (`engines`: one per service name, the same engine for services sharing a database).

    On PostgreSQL `workers` processes generate and COPY chunks side by side, and into empty tables the
    secondary indexes are dropped first and built again at the end (faster than keeping them up to date
    row by row); they are built again even when the run fails."""
    if cases < 1 or months < 1:
        raise Refused("--cases and --months must be at least 1")
    existing = count_cases(engines)
    if any(existing.values()) and not force:
        raise Refused("the databases already hold cases (" + ", ".join(f"{s}: {n:,}" for s, n in existing.items())
                      + "); --force adds to them")
    now = (now or datetime.now(SHANGHAI)).astimezone(SHANGHAI)
    started = time.perf_counter()
    generator = Generator(cases=cases, months=months, seed=seed, now=now, start_index=max(existing.values()))
    postgres = all(e.dialect.name == "postgresql" for e in engines.values())
    indexes = _secondary_indexes(engines) if postgres and not any(existing.values()) else []
    written: dict[str, int] = {}
    done = 0

    def tally(result: tuple[int, dict[str, int]]) -> None:
        nonlocal done
        count, rows = result
        for name, n in rows.items():
            written[name] = written.get(name, 0) + n
        done += count
        if progress is not None:
            progress(done, cases, time.perf_counter() - started)

    try:
        for engine, name, _ in indexes:
            with engine.begin() as conn:
                conn.execute(sa.text(f"DROP INDEX {name}"))
        if postgres and workers > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            urls = {s: e.url.render_as_string(hide_password=False) for s, e in engines.items()}
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                     initializer=_start_worker, initargs=(urls, generator)) as pool:
                for result in pool.map(_work, _chunks(cases)):
                    tally(result)
        else:
            writer = Writer(engines)
            try:
                for first, last in _chunks(cases):
                    rows = generator.chunk(first, last)
                    writer.write(rows)
                    tally((last - first, {name: len(items) for name, items in rows.tables.items()}))
            finally:
                writer.close()
    finally:
        for engine, _, definition in indexes:
            with engine.begin() as conn:
                conn.execute(sa.text(definition))
    from services.notify.adapters.hotspot_index import rebuild_pairs

    with engines["notify"].begin() as conn:  # the rows were written directly: the problem list's pairs from them
        written["notify_nearby_pairs"] = rebuild_pairs(conn)
    analyze(engines)
    return SeedReport(cases, written, time.perf_counter() - started)

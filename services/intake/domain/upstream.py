"""Upstream platforms (上级平台): cases they transfer to the bureau, and what the bureau tells them back.

Since 2024 environmental reports are registered and transferred through the national ecology-environment
complaint platform (全国生态环境信访投诉举报管理平台, "一网登记、一网转办") and the city's 12345 platform. Intake
pulls the cases transferred to the bureau (转办) and receives each as a complaint of channel `upstream`, once
per upstream case number; an `UpstreamLink` keeps the case number, the platform's deadlines and what the
platform has been told. Routing's lifecycle events become the platform's actions: signing (签收), the reply
(回复), an approved extension (延期), a return (退单: the bureau gives the case back) and progress notes.

Pure Python: the contract's vocabulary, the link, and the daily reconciliation (对账) of our cases with the
platform's ledger. The JSON contract itself is docs/upstream.md; the HTTP adapter is
adapters/upstream_http.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from shared.clock import SHANGHAI
from shared.contracts.events import (
    CaseAcceptedV1,
    CaseForwardedV1,
    CaseMergedV1,
    CaseRejectedV1,
    CaseReopenedV1,
    CaseRepliedV1,
    CaseReturnedV1,
    ComplaintEvent,
    ExtensionDecidedV1,
    UpstreamCaseLinkedV1,
)
from shared.domain import Aggregate
from shared.errors import InvalidInput, NotFound

# The platforms a deployment may connect (UPSTREAM_<PLATFORM>_URL ...): code → name.
PLATFORMS: dict[str, str] = {
    "12345": "重庆市12345政务服务便民热线平台",
    "national": "全国生态环境信访投诉举报管理平台",
}
SHORT_NAMES: dict[str, str] = {"12345": "12345平台", "national": "全国生态环境信访投诉举报平台"}
CASE_NO_MAX = 64
CONTENT_MAX = 5000  # a complaint's longest text (the header and the title included)
PUSH_KIND = "upstream"


def platform_name(platform: str) -> str:
    return PLATFORMS.get(platform, platform)


class UpstreamUnavailable(Exception):
    """A pull or a ledger request did not go through (the platform is down, refused it, answered nonsense)."""


class PlatformNotConfigured(InvalidInput):
    def __init__(self, platform: str) -> None:
        super().__init__(f"未配置上级平台 {platform} / the platform {platform!r} is not configured "
                         f"(UPSTREAM_{platform.upper()}_URL)", code="upstream_not_configured")


class PushNotDead(NotFound):
    def __init__(self, key: str) -> None:
        super().__init__(f"没有这条失败的推送 / no dead upstream action {key!r} (see: complaints upstream pushes)")


class LinkState(StrEnum):
    """What the platform has been told of the case (by the pushes written so far)."""

    transferred = "transferred"  # 已转办: nothing yet
    signed = "signed"  # 已签收
    replied = "replied"  # 已答复
    returned = "returned"  # 已退单: the bureau gave it back (not an environmental matter, not to be handled)


# A platform's status of a case (its ledger) that agrees with what we told it.
AGREEING: dict[LinkState, frozenset[str]] = {
    LinkState.transferred: frozenset({"transferred"}),
    LinkState.signed: frozenset({"signed"}),
    LinkState.replied: frozenset({"replied", "closed"}),  # closed: the platform called the citizen back
    LinkState.returned: frozenset({"returned"}),
}


class Action(StrEnum):
    """The actions of the contract (POST /cases/{case_no}/actions)."""

    sign = "sign"  # 签收
    reply = "reply"  # 答复 (办理结果)
    extend = "extend"  # 延期: our reply deadline moved by an approved extension
    give_back = "return"  # 退单: not the bureau's to handle (转办 elsewhere, 不予受理)
    progress = "progress"  # 过程信息: a note (a department's return and new assignment, a merge, a reopening)


@dataclass(frozen=True)
class UpstreamReporter:
    name: str | None = None
    phone: str | None = field(default=None, repr=False)
    anonymous: bool = False


@dataclass(frozen=True)
class UpstreamCase:
    """A case as a platform transferred it, checked and translated into our codes (entrypoints/upstream.py)."""

    case_no: str
    content: str
    transferred_at: datetime
    title: str | None = None
    category: str | None = None
    subcategory: str | None = None
    town: str | None = None
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    reporter: UpstreamReporter = UpstreamReporter()
    urgent: bool = False
    registered_at: datetime | None = None
    sign_due: datetime | None = None
    reply_due: datetime | None = None

    def complaint_text(self) -> str:
        """The complaint's text: the title and the citizen's words, nothing of ours (the classifier reads it;
        the case number and the deadlines go with the link and its event)."""
        body, title = self.content.strip(), (self.title or "").strip()
        if title and not body.startswith(title):
            body = f"{title}：{body}"
        return body if len(body) <= CONTENT_MAX else body[:CONTENT_MAX - 1] + "…"


@dataclass(frozen=True)
class Push:
    """One action for a platform, written with the event that causes it (the outbound pattern) and
    sent in `seq` order per case. `key` is the action's id: the platform drops a repeat."""

    key: str
    platform: str
    case_no: str
    seq: int
    action: Action
    occurred_at: datetime
    fields: Mapping[str, Any] = field(default_factory=dict)

    @property
    def case_ref(self) -> str:
        return f"{self.platform}:{self.case_no}"

    def body(self) -> str:
        """The JSON the platform receives (docs/upstream.md, "Actions")."""
        return json.dumps({"action_id": self.key, "case_no": self.case_no, "action": self.action.value,
                           "seq": self.seq, "occurred_at": self.occurred_at.astimezone(SHANGHAI).isoformat(),
                           **{name: value for name, value in self.fields.items() if value is not None}},
                          ensure_ascii=False, default=_json_value)


def _json_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _stamp(at: datetime) -> str:
    return at.astimezone(SHANGHAI).strftime("%Y%m%dT%H%M%S.%f")


def cause_of(event: ComplaintEvent) -> str | None:
    """What in the event makes its push unique (the push key's last part); None: not told upstream."""
    if isinstance(event, CaseAcceptedV1):
        return f"accepted:{_stamp(event.accepted_at)}"
    if isinstance(event, CaseRepliedV1):
        return f"replied:{event.reply_round}"
    if isinstance(event, ExtensionDecidedV1):
        return f"extension:{_stamp(event.decided_at)}" if event.approved else None
    if isinstance(event, CaseReturnedV1):
        return f"returned:{_stamp(event.returned_at)}"
    if isinstance(event, CaseRejectedV1):
        return "rejected"
    if isinstance(event, CaseForwardedV1):
        return "forwarded"
    if isinstance(event, CaseMergedV1):
        return "merged"
    if isinstance(event, CaseReopenedV1):
        return f"reopened:{event.reply_round}"
    return None


def push_key(platform: str, case_no: str, cause: str) -> str:
    return f"upstream:{platform}:{case_no}:{cause}"


@dataclass(eq=False)
class UpstreamLink(Aggregate):
    """A complaint that came from a platform: the platform's case number and deadlines, and what the
    platform has been told (`state`, and `pushes`: how many actions were written, the next one's `seq`)."""

    platform: str
    case_no: str
    complaint_id: str
    transferred_at: datetime
    received_at: datetime
    registered_at: datetime | None = None
    sign_due: datetime | None = None
    reply_due: datetime | None = None
    urgent: bool = False
    state: LinkState = LinkState.transferred
    pushes: int = 0

    @classmethod
    def of(cls, platform: str, case: UpstreamCase, *, complaint_id: str, tracking_code: str,
           at: datetime) -> UpstreamLink:
        """The link of a complaint just received from the case; records `UpstreamCaseLinkedV1` (the case
        number and the platform's deadlines, for whoever handles or times the case)."""
        link = cls(platform=platform, case_no=case.case_no, complaint_id=complaint_id,
                   transferred_at=case.transferred_at, received_at=at, registered_at=case.registered_at,
                   sign_due=case.sign_due, reply_due=case.reply_due, urgent=case.urgent)
        link.record(UpstreamCaseLinkedV1, tracking_code=tracking_code, linked_at=at)
        return link

    @property
    def ref(self) -> str:
        """The complaint's channel reference: one complaint per platform and case number."""
        return f"{self.platform}:{self.case_no}"

    def redue(self, case: UpstreamCase, *, tracking_code: str, at: datetime) -> bool:
        """The platform sent the case again with other deadlines (it granted an extension, it hurries):
        keep the new ones and tell (`UpstreamCaseLinkedV1` again). True when something changed."""
        if (case.sign_due, case.reply_due) == (self.sign_due, self.reply_due):
            return False
        self.sign_due, self.reply_due = case.sign_due, case.reply_due
        self.record(UpstreamCaseLinkedV1, tracking_code=tracking_code, linked_at=at)
        return True

    def answer(self, event: ComplaintEvent, *, department_name: Callable[[str | None], str | None],
               unit: str) -> Push | None:
        """The action this lifecycle event means for the platform, if any, moving `state` and `pushes`.

        签收 is told once (a department that signs after another returned it is a progress note); a
        department's 退单 stays inside the bureau (routing routes it again), so the platform hears it as
        progress; the bureau's own 转办 and 不予受理 give the case back to the platform (退单)."""
        cause = cause_of(event)
        if cause is None or self.state is LinkState.returned:
            return None
        department = getattr(event, "department", None)
        fields: dict[str, Any] = {"unit": unit, "department": department_name(department) if department else None}
        action: Action
        if isinstance(event, CaseAcceptedV1):
            if self.state is LinkState.transferred:
                action, self.state = Action.sign, LinkState.signed
            else:
                action, fields["note"] = Action.progress, f"{fields['department'] or '承办单位'}签收办理"
            at = event.accepted_at
        elif isinstance(event, CaseRepliedV1):
            action, self.state, at = Action.reply, LinkState.replied, event.replied_at
            fields |= {"reply": event.reply, "reply_round": event.reply_round}
        elif isinstance(event, ExtensionDecidedV1):
            action, at = Action.extend, event.decided_at
            fields["reply_due"] = event.reply_due
        elif isinstance(event, CaseReturnedV1):
            action, at = Action.progress, event.returned_at
            fields["note"] = f"{fields['department'] or '承办单位'}退回，重新分派：{event.reason}"
        elif isinstance(event, CaseRejectedV1):
            action, self.state, at = Action.give_back, LinkState.returned, event.rejected_at
            fields["reason"] = f"不予受理：{event.reason}"
        elif isinstance(event, CaseForwardedV1):
            action, self.state, at = Action.give_back, LinkState.returned, event.forwarded_at
            note = f"（{event.note}）" if event.note else ""
            fields["reason"] = f"非生态环境部门职责，建议转{event.body}办理{note}"
        elif isinstance(event, CaseMergedV1):
            action, at = Action.progress, event.merged_at
            fields["note"] = f"与本局受理的同一问题（查询码 {event.master_tracking_code}）合并办理"
        else:
            assert isinstance(event, CaseReopenedV1)
            action, self.state, at = Action.progress, LinkState.signed, event.reopened_at
            fields["note"] = f"市民对答复不满意，重新办理（第 {event.reply_round} 轮），期限 " \
                             f"{event.reply_due.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"
        self.pushes += 1
        return Push(push_key(self.platform, self.case_no, cause), self.platform, self.case_no, self.pushes, action,
                    at, fields)


# --- reconciliation (对账) ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerEntry:
    """A case in the platform's ledger (GET /ledger): its status and the action ids it acknowledged."""

    case_no: str
    status: str
    transferred_at: datetime | None = None
    reply_due: datetime | None = None
    acknowledged: frozenset[str] = frozenset()


@dataclass(frozen=True)
class OurCase:
    """One of our linked cases as reconciliation reads it: what we told, and our pushes' states."""

    case_no: str
    tracking_code: str
    state: LinkState
    status: str  # the complaint's status (received, accepted, replied ...)
    transferred_at: datetime
    upstream_reply_due: datetime | None
    our_reply_due: datetime | None
    pushes: tuple[tuple[str, str, str], ...] = ()  # (key, action, status: pending|sending|sent|dead)

    @property
    def open(self) -> bool:
        return self.state in (LinkState.transferred, LinkState.signed) and \
            self.status not in ("replied", "closed", "rejected", "forwarded")


class DifferenceKind(StrEnum):
    upstream_only = "upstream_only"  # the platform transferred it; we never received it
    ours_only = "ours_only"  # we hold it as transferred; the platform's ledger has no such case
    status_mismatch = "status_mismatch"  # what we told differs from the platform's status
    reply_unacknowledged = "reply_unacknowledged"  # our reply is not in the platform's acknowledged actions
    deadline_earlier = "deadline_earlier"  # open, and the platform's reply deadline comes before ours


KIND_LABELS: dict[DifferenceKind, str] = {
    DifferenceKind.upstream_only: "上级有、本系统无", DifferenceKind.ours_only: "本系统有、上级无",
    DifferenceKind.status_mismatch: "状态不一致", DifferenceKind.reply_unacknowledged: "答复未获确认",
    DifferenceKind.deadline_earlier: "上级时限早于本系统",
}


@dataclass(frozen=True)
class Difference:
    kind: DifferenceKind
    case_no: str
    tracking_code: str | None = None
    ours: str | None = None
    theirs: str | None = None
    note: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "label": KIND_LABELS[self.kind], "case_no": self.case_no,
                "tracking_code": self.tracking_code, "ours": self.ours, "theirs": self.theirs, "note": self.note}


@dataclass(frozen=True)
class Reconciliation:
    platform: str
    day: date
    days: int  # the window: cases transferred in the `days` days up to and including `day`
    ran_at: datetime
    upstream_cases: int
    our_cases: int
    differences: tuple[Difference, ...]

    @property
    def counts(self) -> dict[str, int]:
        return {kind.value: sum(1 for d in self.differences if d.kind is kind) for kind in DifferenceKind}

    def as_json(self) -> dict[str, Any]:
        return {"platform": self.platform, "platform_name": platform_name(self.platform),
                "date": self.day.isoformat(), "days": self.days,
                "ran_at": self.ran_at.astimezone(SHANGHAI).isoformat(), "upstream_cases": self.upstream_cases,
                "our_cases": self.our_cases, "counts": self.counts,
                "differences": [d.as_json() for d in self.differences]}


def _when(value: datetime | None) -> str | None:
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if value is not None else None


def reconcile(platform: str, day: date, days: int, ledger: Iterable[LedgerEntry], ours: Iterable[OurCase], *,
              ran_at: datetime) -> Reconciliation:
    """What differs between the platform's ledger and our cases of the same window."""
    theirs = {entry.case_no: entry for entry in ledger}
    mine = {case.case_no: case for case in ours}
    found: list[Difference] = []
    for case_no in sorted(theirs.keys() - mine.keys()):
        entry = theirs[case_no]
        found.append(Difference(DifferenceKind.upstream_only, case_no, theirs=entry.status,
                                note=f"转办于 {_when(entry.transferred_at)}" if entry.transferred_at else None))
    for case_no in sorted(mine.keys() - theirs.keys()):
        case = mine[case_no]
        found.append(Difference(DifferenceKind.ours_only, case_no, case.tracking_code, ours=case.state.value))
    for case_no in sorted(mine.keys() & theirs.keys()):
        case, entry = mine[case_no], theirs[case_no]
        waiting = [f"{action} {status}" for key, action, status in case.pushes
                   if status != "sent" or key not in entry.acknowledged]
        if entry.status not in AGREEING[case.state]:
            found.append(Difference(DifferenceKind.status_mismatch, case_no, case.tracking_code,
                                    ours=case.state.value, theirs=entry.status,
                                    note=("未确认的推送：" + "，".join(waiting)) if waiting else None))
        for key, action, status in case.pushes:
            if action == Action.reply.value and key not in entry.acknowledged:
                found.append(Difference(DifferenceKind.reply_unacknowledged, case_no, case.tracking_code,
                                        ours=status, theirs="未确认", note=key))
        if case.open and case.upstream_reply_due and case.our_reply_due and \
                case.upstream_reply_due < case.our_reply_due:
            found.append(Difference(DifferenceKind.deadline_earlier, case_no, case.tracking_code,
                                    ours=_when(case.our_reply_due), theirs=_when(case.upstream_reply_due)))
    return Reconciliation(platform, day, days, ran_at, len(theirs), len(mine), tuple(found))


# --- commands and queries -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiveUpstreamCase:
    """受理 a case a platform transferred: a complaint of channel `upstream`, once per platform and case number
    (the same case again changes only its deadlines, if the platform changed them)."""

    platform: str
    case: UpstreamCase


@dataclass(frozen=True)
class GetUpstreamCursor:
    """Query: where the last pull of a platform ended (None: from the start)."""

    platform: str


@dataclass(frozen=True)
class AdvanceUpstreamCursor:
    """A page of a platform's cases is received: move its cursor from `before` to `after` (refused, False, when
    another puller moved it meanwhile)."""

    platform: str
    before: str | None
    after: str | None
    received: int = 0


@dataclass(frozen=True)
class ReconcileUpstream:
    """对账: compare the platform's ledger of the window with our cases; the summary is stored."""

    platform: str
    day: date
    days: int = 30


@dataclass(frozen=True)
class ListUpstreamCases:
    """Query (supervisors): cases from the platforms, with their and our deadlines."""

    platform: str | None = None
    open_only: bool = False
    limit: int = 100


@dataclass(frozen=True)
class ListUpstreamReconciliations:
    """Query: the stored reconciliation summaries, newest first."""

    platform: str | None = None
    limit: int = 30


@dataclass(frozen=True)
class ListUpstreamPushes:
    """Query: actions to the platforms (what was sent, waits, or is dead), newest first."""

    status: str | None = None
    limit: int = 50


@dataclass(frozen=True)
class ReplayUpstreamPush:
    """Send a dead action again (after the cause is fixed); the later actions of its case follow it."""

    key: str

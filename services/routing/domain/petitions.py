"""The Petition aggregate (信访件): a routing case registered as a petition, handled by the steps and time
limits of China's petition regulations (信访工作条例, 2022), and the documents each step produces.

    registered (登记) ──受理──▶ accepted ──(延期, once)──▶ accepted ──处理意见书──▶ replied
        └──不予受理──▶ not_accepted (closed)
    replied ──复查请求 (within the window)──▶ review_requested ──复查意见书──▶ reviewed
    reviewed ──复核请求 (within the window)──▶ rereview_requested ──复核意见书──▶ closed (终结)

Days are calendar days (日), the first day not counted (a petition received on 1 March must be answered
on acceptance by 16 March with 15 days). The bureau's own late steps are still taken and marked late; the
petitioner's requests outside their windows are refused. Every step records its actor and time, the
deadline it was taken against and the one it starts, and has a document (`document()`), filled from the
templates below; the petitioner appears in it only masked.

Pure Python: the .docx is written by `adapters/petition_documents.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from shared.clock import SHANGHAI
from shared.contracts.events import PetitionRegisteredV1, PetitionStepV1
from shared.domain import Aggregate
from shared.errors import Conflict, InvalidInput, NotFound

BUREAU = "合川区生态环境局"
NUMBER_PREFIX = "合环信"  # the bureau's petition numbers: 合环信〔2026〕7号
UNNAMED = "匿名"  # a petitioner without a phone number, or an anonymous one


# --- errors (each of a kind the HTTP edge maps: 404, 409, 422) ----------------------------------------------


class PetitionNotFound(NotFound):
    """The case is not registered as a petition, or not one the caller may see."""

    code = "petition_not_found"


class PetitionExists(Conflict):
    """The case is registered as a petition already."""

    code = "petition_exists"


class PetitionStepRefused(Conflict):
    """The petition's state does not allow this step now."""

    code = "petition_step_refused"


class PetitionWindowClosed(Conflict):
    """A request or an extension outside its time window."""

    code = "petition_window_closed"


class PetitionInvalid(InvalidInput):
    """A value the regulations do not allow (a date in the future, too many days, no reason given)."""

    code = "petition_invalid"


# --- states, steps, time limits --------------------------------------------------------------------------


class PetitionStatus(StrEnum):
    registered = "registered"  # 已登记，待告知是否受理
    accepted = "accepted"  # 已受理，办理中
    not_accepted = "not_accepted"  # 不予受理 (closed)
    replied = "replied"  # 已出具处理意见书 (the petitioner may ask for a review)
    review_requested = "review_requested"  # 复查中
    reviewed = "reviewed"  # 已出具复查意见书 (the petitioner may ask for a re-review)
    rereview_requested = "rereview_requested"  # 复核中
    closed = "closed"  # 已终结 (复核意见书)


STATUS_LABELS: dict[PetitionStatus, str] = {
    PetitionStatus.registered: "已登记，待受理告知",
    PetitionStatus.accepted: "已受理，办理中",
    PetitionStatus.not_accepted: "不予受理",
    PetitionStatus.replied: "已出具处理意见书",
    PetitionStatus.review_requested: "复查中",
    PetitionStatus.reviewed: "已出具复查意见书",
    PetitionStatus.rereview_requested: "复核中",
    PetitionStatus.closed: "已终结",
}


class Step(StrEnum):
    registered = "registered"  # 登记
    accepted = "accepted"  # 受理告知
    not_accepted = "not_accepted"  # 不予受理告知
    extended = "extended"  # 延期告知
    replied = "replied"  # 处理意见书
    review_requested = "review_requested"  # 复查请求
    reviewed = "reviewed"  # 复查意见书
    rereview_requested = "rereview_requested"  # 复核请求
    rereviewed = "rereviewed"  # 复核意见书 (终结)


STEP_LABELS: dict[Step, str] = {
    Step.registered: "登记为信访件",
    Step.accepted: "受理",
    Step.not_accepted: "不予受理",
    Step.extended: "延期办理",
    Step.replied: "出具处理意见书",
    Step.review_requested: "请求复查",
    Step.reviewed: "出具复查意见书",
    Step.rereview_requested: "请求复核",
    Step.rereviewed: "出具复核意见书（终结）",
}

# What a step's `due` was (the deadline it was taken against) and what its `sets_due` is (the one it starts).
DUE_LABELS: dict[Step, str] = {
    Step.accepted: "受理告知期限", Step.not_accepted: "受理告知期限", Step.extended: "原办理期限",
    Step.replied: "办理期限", Step.review_requested: "复查请求期限", Step.reviewed: "复查意见期限",
    Step.rereview_requested: "复核请求期限", Step.rereviewed: "复核意见期限",
}
SETS_LABELS: dict[Step, str] = {
    Step.registered: "受理告知期限", Step.accepted: "办理期限", Step.extended: "延长后的办理期限",
    Step.replied: "复查请求期限", Step.review_requested: "复查意见期限", Step.reviewed: "复核请求期限",
    Step.rereview_requested: "复核意见期限",
}


@dataclass(frozen=True)
class PetitionPolicy:
    """The time limits in calendar days (ROUTING_PETITION_* settings; the defaults are the regulations')."""

    accept_days: int = 15  # 受理告知: from receiving the petition
    reply_days: int = 60  # 处理意见书: from accepting it
    max_extension_days: int = 30  # one extension, at most this long
    review_request_days: int = 30  # 复查请求: from the reply
    review_days: int = 30  # 复查意见书: from the request
    rereview_request_days: int = 30  # 复核请求: from the review opinion
    rereview_days: int = 30  # 复核意见书: from the request
    soon_days: int = 3  # "due soon" in the list: the bureau's deadline within this many days


def local_day(at: datetime) -> date:
    """The calendar day of a moment in Chongqing."""
    return at.astimezone(SHANGHAI).date()


def petition_number(year: int, seq: int) -> str:
    return f"{NUMBER_PREFIX}〔{year}〕{seq}号"


@dataclass
class PetitionStep:
    seq: int  # 1, 2, ... within the petition: the step's id (and its document's)
    kind: Step
    actor: str
    at: datetime
    text: str | None = None  # the decision, reply, opinion or request; the reason of a refusal or extension
    days: int | None = None  # an extension's days
    due: date | None = None  # the deadline (or the petitioner's window) the step was taken against
    late: bool = False  # taken after `due`
    sets_due: date | None = None  # the deadline (or window) the step starts

    @property
    def on(self) -> date:
        return local_day(self.at)


@dataclass(frozen=True)
class NextStep:
    """What may be done next: by the bureau (by `due`) or asked by the petitioner (until `until`)."""

    action: str  # the path under /petition/: acceptance, extension, reply, review-request, ...
    label: str
    by: str  # bureau | petitioner
    due: date | None = None
    until: date | None = None


@dataclass
class Petition(Aggregate):
    complaint_id: str
    tracking_code: str
    number: str
    petitioner_masked: str | None
    received_on: date
    registered_at: datetime
    registered_by: str
    acceptance_due: date
    note: str | None = None  # the registering supervisor's note (staff only: never in a document)
    status: PetitionStatus = PetitionStatus.registered
    reply_due: date | None = None
    extension_days: int | None = None
    review_due: date | None = None
    rereview_due: date | None = None
    window_until: date | None = None  # the last day of the petitioner's open request window (复查 or 复核)
    closed_at: datetime | None = None
    steps: list[PetitionStep] = field(default_factory=list)

    # --- registration --------------------------------------------------------------------------------------

    @classmethod
    def register(cls, *, complaint_id: str, tracking_code: str, number: str, petitioner_masked: str | None,
                 received_on: date | None, note: str | None, by: str, at: datetime,
                 policy: PetitionPolicy) -> Petition:
        """登记为信访件: `received_on` is the day the petition came in (today when None; never in the future). It
        may be before the case was entered (a letter typed in days later): the time limits run from it.
        `petitioner_masked` is all a document shows of the petitioner (the case's masked phone, 匿名, or None)."""
        today = local_day(at)
        received = received_on or today
        if received > today:
            raise PetitionInvalid(f"收到信访事项的日期不能晚于今天（{today.isoformat()}）/ "
                                  "the day the petition was received cannot be in the future")
        petition = cls(complaint_id=complaint_id, tracking_code=tracking_code, number=number,
                       petitioner_masked=petitioner_masked, received_on=received,
                       registered_at=at, registered_by=by, acceptance_due=received + timedelta(days=policy.accept_days),
                       note=note)
        petition.steps.append(PetitionStep(1, Step.registered, by, at, text=note, sets_due=petition.acceptance_due))
        petition.record(PetitionRegisteredV1, by=by)
        return petition

    # --- the bureau's steps ----------------------------------------------------------------------------------

    def decide_acceptance(self, *, accepted: bool, reason: str | None, by: str, at: datetime,
                          policy: PetitionPolicy) -> PetitionStep:
        """受理 or 不予受理, in writing, within `accept_days` of receipt; not accepting needs the reason."""
        self._require("告知是否受理 / decide on acceptance", PetitionStatus.registered)
        if not accepted and not reason:
            raise PetitionInvalid("不予受理须写明理由 / a petition not accepted needs the reason (reason)")
        today = local_day(at)
        due, late = self.acceptance_due, today > self.acceptance_due
        if accepted:
            self.status, self.reply_due = PetitionStatus.accepted, today + timedelta(days=policy.reply_days)
            return self._step(Step.accepted, by, at, text=reason, due=due, late=late, sets_due=self.reply_due)
        self.status, self.closed_at = PetitionStatus.not_accepted, at
        return self._step(Step.not_accepted, by, at, text=reason, due=due, late=late)

    def extend(self, *, days: int, reason: str, by: str, at: datetime, policy: PetitionPolicy) -> PetitionStep:
        """延期: once, by at most `max_extension_days`, asked before the reply deadline has passed; the reason is
        told to the petitioner (延期告知书)."""
        self._require("延期 / extend", PetitionStatus.accepted)
        if self.extension_days is not None:
            raise PetitionStepRefused("办理期限只能延长一次，已延期 / the time limit may be extended once, and it was")
        if not 1 <= days <= policy.max_extension_days:
            raise PetitionInvalid(f"延长期限须为 1 到 {policy.max_extension_days} 日 / "
                                  f"an extension is 1 to {policy.max_extension_days} days")
        assert self.reply_due is not None
        if local_day(at) > self.reply_due:
            raise PetitionWindowClosed(f"办理期限（{self.reply_due.isoformat()}）已过，不能再延期 / the time limit "
                                       "has passed: it can no longer be extended")
        before = self.reply_due
        self.reply_due, self.extension_days = before + timedelta(days=days), days
        return self._step(Step.extended, by, at, text=reason, days=days, due=before, sets_due=self.reply_due)

    def reply(self, text: str, *, by: str, at: datetime, policy: PetitionPolicy) -> PetitionStep:
        """处理意见书: the written reply; the petitioner may then ask for a review within `review_request_days`."""
        self._require("出具处理意见书 / reply", PetitionStatus.accepted)
        assert self.reply_due is not None
        today = local_day(at)
        late = today > self.reply_due
        self.status, self.window_until = PetitionStatus.replied, today + timedelta(days=policy.review_request_days)
        return self._step(Step.replied, by, at, text=text, due=self.reply_due, late=late, sets_due=self.window_until)

    def review(self, text: str, *, by: str, at: datetime, policy: PetitionPolicy) -> PetitionStep:
        """复查意见书, within `review_days` of the request; a re-review may then be asked within
        `rereview_request_days`."""
        self._require("出具复查意见书 / give the review opinion", PetitionStatus.review_requested)
        assert self.review_due is not None
        today = local_day(at)
        late = today > self.review_due
        self.status, self.window_until = PetitionStatus.reviewed, today + timedelta(days=policy.rereview_request_days)
        return self._step(Step.reviewed, by, at, text=text, due=self.review_due, late=late,
                          sets_due=self.window_until)

    def rereview(self, text: str, *, by: str, at: datetime) -> PetitionStep:
        """复核意见书, within `rereview_days` of the request: the petition is closed (终结)."""
        self._require("出具复核意见书 / give the re-review opinion", PetitionStatus.rereview_requested)
        assert self.rereview_due is not None
        late = local_day(at) > self.rereview_due
        self.status, self.closed_at = PetitionStatus.closed, at
        return self._step(Step.rereviewed, by, at, text=text, due=self.rereview_due, late=late)

    # --- the petitioner's requests (recorded by staff), only within their windows ------------------------------

    def request_review(self, text: str, *, by: str, at: datetime, policy: PetitionPolicy) -> PetitionStep:
        """复查请求, within `review_request_days` of the reply."""
        self._require_request("复查", PetitionStatus.replied)
        window = self._within_window("复查请求 / a review request", at)
        self.status, self.window_until = PetitionStatus.review_requested, None
        self.review_due = local_day(at) + timedelta(days=policy.review_days)
        return self._step(Step.review_requested, by, at, text=text, due=window, sets_due=self.review_due)

    def request_rereview(self, text: str, *, by: str, at: datetime, policy: PetitionPolicy) -> PetitionStep:
        """复核请求, within `rereview_request_days` of the review opinion."""
        self._require_request("复核", PetitionStatus.reviewed)
        window = self._within_window("复核请求 / a re-review request", at)
        self.status, self.window_until = PetitionStatus.rereview_requested, None
        self.rereview_due = local_day(at) + timedelta(days=policy.rereview_days)
        return self._step(Step.rereview_requested, by, at, text=text, due=window, sets_due=self.rereview_due)

    # --- what it is now ----------------------------------------------------------------------------------------

    @property
    def next_due(self) -> date | None:
        """The bureau's next deadline (None while it waits for the petitioner, or once closed)."""
        return {PetitionStatus.registered: self.acceptance_due, PetitionStatus.accepted: self.reply_due,
                PetitionStatus.review_requested: self.review_due,
                PetitionStatus.rereview_requested: self.rereview_due}.get(self.status)

    def final(self, today: date) -> bool:
        """Nothing more can happen: closed, not accepted, or the petitioner's window passed unused."""
        if self.status in (PetitionStatus.closed, PetitionStatus.not_accepted):
            return True
        return self.window_until is not None and today > self.window_until

    def next_steps(self, today: date) -> list[NextStep]:
        """What may be done now, with its deadline or window."""
        status = self.status
        if status == PetitionStatus.registered:
            return [NextStep("acceptance", "告知是否受理（受理 / 不予受理）", "bureau", due=self.acceptance_due)]
        if status == PetitionStatus.accepted:
            found = [NextStep("reply", "出具处理意见书", "bureau", due=self.reply_due)]
            if self.extension_days is None and self.reply_due is not None and today <= self.reply_due:
                found.append(NextStep("extension", "延期办理（一次）", "bureau", until=self.reply_due))
            return found
        if status == PetitionStatus.review_requested:
            return [NextStep("review", "出具复查意见书", "bureau", due=self.review_due)]
        if status == PetitionStatus.rereview_requested:
            return [NextStep("rereview", "出具复核意见书", "bureau", due=self.rereview_due)]
        if self.window_until is not None and today <= self.window_until:
            if status == PetitionStatus.replied:
                return [NextStep("review-request", "信访人请求复查", "petitioner", until=self.window_until)]
            if status == PetitionStatus.reviewed:
                return [NextStep("rereview-request", "信访人请求复核", "petitioner", until=self.window_until)]
        return []

    def step(self, seq: int) -> PetitionStep:
        found = next((s for s in self.steps if s.seq == seq), None)
        if found is None:
            raise PetitionNotFound(f"没有这个办理步骤 / no such step: {seq}")
        return found

    # --- helpers -----------------------------------------------------------------------------------------------

    def _require(self, action: str, *allowed: PetitionStatus) -> None:
        if self.status not in allowed:
            raise PetitionStepRefused(f"信访件状态为“{STATUS_LABELS[self.status]}”，不能{action} / "
                                      f"cannot {action.split(' / ')[-1]} a petition that is {self.status.value}")

    def _require_request(self, kind: str, allowed: PetitionStatus) -> None:
        if self.status == allowed:
            return
        if self.status == PetitionStatus.closed:
            raise PetitionStepRefused(f"信访事项已终结（复核意见为终结意见），不再受理{kind}请求 / the petition is "
                                      "closed after the re-review: no further requests")
        self._require(f"请求{kind} / request a {'review' if kind == '复查' else 're-review'}", allowed)

    def _within_window(self, what: str, at: datetime) -> date:
        window = self.window_until
        assert window is not None
        if local_day(at) > window:
            zh, en = what.split(" / ")
            raise PetitionWindowClosed(f"{zh}期限已过（截至 {window.isoformat()}），不予受理 / {en} is too late: "
                                       f"the window closed on {window.isoformat()}")
        return window

    def _step(self, kind: Step, by: str, at: datetime, **values: Any) -> PetitionStep:
        step = PetitionStep(len(self.steps) + 1, kind, by, at, **values)
        self.steps.append(step)
        self.record(PetitionStepV1, step=kind.value, step_id=step.seq, status=self.status.value, at=at, by=by,
                    due=step.due, late=step.late, next_due=self.next_due)
        return step


# --- documents ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentTemplate:
    """A document's title and paragraphs; `{name}`s are filled from the step (see `document()`)."""

    title: str
    paragraphs: tuple[str, ...]


_TO = "信访人（{petitioner}）："
TEMPLATES: dict[Step, DocumentTemplate] = {
    Step.registered: DocumentTemplate("信访事项登记单", (
        "本机关于{received}收到信访事项（查询码 {tracking_code}），已于{on}登记为信访件，编号 {number}。",
        "本机关将自收到信访事项之日起{days_set}日内（截至{sets_due}）书面告知信访人是否受理。",
    )),
    Step.accepted: DocumentTemplate("信访事项受理告知书", (
        _TO,
        "您于{received}提出的信访事项（信访件编号 {number}，查询码 {tracking_code}），经审查，本机关决定予以受理。",
        "{text}",
        "本机关将自受理之日起{days_set}日内（截至{sets_due}）出具书面处理意见；情况复杂需要延长办理期限的，"
        "将另行书面告知延期理由。",
    )),
    Step.not_accepted: DocumentTemplate("信访事项不予受理告知书", (
        _TO,
        "您于{received}提出的信访事项（信访件编号 {number}，查询码 {tracking_code}），经审查，本机关决定不予受理。",
        "不予受理的理由：{text}",
    )),
    Step.extended: DocumentTemplate("信访事项延期办理告知书", (
        _TO,
        "您于{received}提出的信访事项（信访件编号 {number}，查询码 {tracking_code}），原办理期限截至{due}。",
        "延期理由：{text}",
        "经本机关负责人批准，办理期限延长{days}日，延长后的办理期限为{sets_due}。",
    )),
    Step.replied: DocumentTemplate("信访事项处理意见书", (
        _TO,
        "您于{received}提出的信访事项（信访件编号 {number}，查询码 {tracking_code}），本机关已办理完毕，处理意见如下：",
        "{text}",
        "如对本处理意见不服，可自收到本意见书之日起{days_set}日内（截至{sets_due}）向本机关的上一级行政机关请求复查。",
    )),
    Step.review_requested: DocumentTemplate("信访事项复查请求登记单", (
        "本机关于{on}收到信访人（{petitioner}）对信访件 {number}（查询码 {tracking_code}）处理意见的复查请求"
        "（请求期限截至{due}）。",
        "复查请求：{text}",
        "复查意见将自收到复查请求之日起{days_set}日内（截至{sets_due}）书面答复信访人。",
    )),
    Step.reviewed: DocumentTemplate("信访事项复查意见书", (
        _TO,
        "您对信访件 {number}（查询码 {tracking_code}）处理意见提出的复查请求收悉。经复查，意见如下：",
        "{text}",
        "如对本复查意见不服，可自收到本意见书之日起{days_set}日内（截至{sets_due}）向复查机关的上一级行政机关请求复核。",
    )),
    Step.rereview_requested: DocumentTemplate("信访事项复核请求登记单", (
        "本机关于{on}收到信访人（{petitioner}）对信访件 {number}（查询码 {tracking_code}）复查意见的复核请求"
        "（请求期限截至{due}）。",
        "复核请求：{text}",
        "复核意见将自收到复核请求之日起{days_set}日内（截至{sets_due}）书面答复信访人。",
    )),
    Step.rereviewed: DocumentTemplate("信访事项复核意见书", (
        _TO,
        "您对信访件 {number}（查询码 {tracking_code}）复查意见提出的复核请求收悉。经复核，意见如下：",
        "{text}",
        "本复核意见为终结意见。信访人对复核意见不服，仍以同一事实和理由提出信访的，不再受理。",
    )),
}


def chinese_date(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day is not None else ""


@dataclass(frozen=True)
class PetitionDocument:
    """One step's document, filled in: what the .docx writer lays out."""

    bureau: str
    title: str
    number: str
    fields: tuple[tuple[str, str], ...]  # (label, value): the table at the top
    paragraphs: tuple[str, ...]
    dated: date  # the document's date (the step's day)
    created_at: datetime  # the step's moment (the file's properties, so the same step gives the same file)
    filename: str  # 合环信〔2026〕7号-2-信访事项受理告知书.docx
    ascii_filename: str  # petition-HC261126-XXXXXXXX-2.docx


def document(petition: Petition, step: PetitionStep) -> PetitionDocument:
    """The step's document, from its template: the bureau, the petition's number, the petitioner masked, the
    tracking code, the text of the decision, the dates and the deadlines."""
    template = TEMPLATES[step.kind]
    petitioner = petition.petitioner_masked or UNNAMED
    values = {
        "petitioner": petitioner, "number": petition.number, "tracking_code": petition.tracking_code,
        "received": chinese_date(petition.received_on), "on": chinese_date(step.on), "text": step.text or "",
        "due": chinese_date(step.due), "sets_due": chinese_date(step.sets_due), "days": step.days or "",
        "days_set": (step.sets_due - step.on).days if step.sets_due is not None else "",
    }
    if step.kind == Step.registered:  # counted from the day the petition came in, not the day it was registered
        values["days_set"] = (petition.acceptance_due - petition.received_on).days
    paragraphs = tuple(p.format_map(values) for p in template.paragraphs if p != "{text}" or step.text)
    fields: list[tuple[str, str]] = [("信访件编号", petition.number), ("查询码", petition.tracking_code),
                                     ("信访人", petitioner), ("收到信访事项日期", chinese_date(petition.received_on)),
                                     ("文书日期", chinese_date(step.on))]
    if step.due is not None and step.kind in DUE_LABELS:
        fields.append((DUE_LABELS[step.kind], chinese_date(step.due)))
    if step.sets_due is not None and step.kind in SETS_LABELS:
        fields.append((SETS_LABELS[step.kind], chinese_date(step.sets_due)))
    return PetitionDocument(
        bureau=BUREAU, title=template.title, number=petition.number, fields=tuple(fields), paragraphs=paragraphs,
        dated=step.on, created_at=step.at, filename=f"{petition.number}-{step.seq}-{template.title}.docx",
        ascii_filename=f"petition-{_ascii(petition.tracking_code)}-{step.seq}.docx")


def _ascii(text: str) -> str:
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_" for ch in text)

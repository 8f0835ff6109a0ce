"""The Investigation aggregate (调查处理): what a department found out about a case and did about it, and the
sign-off (销号) that closes it.

    on-site checks (现场核查: when, who, where from the phone, monitoring readings, photos) ──▶ finding
    (属实 / 部分属实 / 不属实) ──▶ actions (责令整改 by a deadline, 立案处罚 with the amount and case number,
    移送 to another body; several) ──▶ re-checks (复查: 已整改 / 未整改, with evidence photos) ──▶ 销号

Sign-off needs a finding, and, when the finding is 属实 or 部分属实, a latest re-check that found the problem
rectified (with at least one photo); a case found 不属实, or whose every action is a 移送 (the receiving body
answers for it), needs no re-check. After the sign-off nothing changes.

The department that has the case records; a supervisor signs off (the accounts know no department head yet).
Every step is kept with its recorder and time, and recorded as an event (no free text travels in them).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from services.routing.domain.money import parse_yuan
from services.routing.domain.petitions import local_day
from shared.contracts.events import (
    InvestigationActionV1,
    InvestigationCheckedV1,
    InvestigationFindingV1,
    InvestigationRecheckedV1,
    InvestigationSignedOffV1,
)
from shared.domain import Aggregate
from shared.errors import Conflict, InvalidInput, NotFound

# --- errors (each of a kind the HTTP edge maps: 404, 409, 422) ----------------------------------------------


class InvestigationNotFound(NotFound):
    """Nothing recorded for the case yet, or a photo that is not the case's."""

    code = "investigation_not_found"


class InvestigationRefused(Conflict):
    """The investigation's (or the case's) state does not allow this now: signed off, no finding yet, no
    re-check that found it rectified."""

    code = "investigation_refused"


class InvestigationInvalid(InvalidInput):
    """A value that does not hold together: a time in the future, a reading out of range, an amount with
    three decimals, a deadline already past."""

    code = "investigation_invalid"


# --- values ---------------------------------------------------------------------------------------------------


class Finding(StrEnum):
    true = "true"  # 属实
    partly = "partly"  # 部分属实
    false = "false"  # 不属实


FINDING_LABELS = {Finding.true: "属实", Finding.partly: "部分属实", Finding.false: "不属实"}


class ActionKind(StrEnum):
    rectify = "rectify"  # 责令整改 (by a deadline)
    penalty = "penalty"  # 立案处罚 (amount in yuan, the penalty case's number)
    transfer = "transfer"  # 移送 (to another body: 公安, 住建, ...)


ACTION_LABELS = {ActionKind.rectify: "责令整改", ActionKind.penalty: "立案处罚", ActionKind.transfer: "移送"}


class RecheckResult(StrEnum):
    rectified = "rectified"  # 已整改
    not_rectified = "not_rectified"  # 未整改


RESULT_LABELS = {RecheckResult.rectified: "已整改", RecheckResult.not_rectified: "未整改"}


class Stage(StrEnum):
    checking = "checking"  # 核查中: no finding yet
    handling = "handling"  # 整改中: found 属实 or 部分属实, waiting for a re-check that finds it rectified
    ready = "ready"  # 待销号: may be signed off
    signed_off = "signed_off"  # 已销号


STAGE_LABELS = {Stage.checking: "核查中", Stage.handling: "整改中", Stage.ready: "待销号", Stage.signed_off: "已销号"}

MAX_READINGS = 20
MAX_PHOTOS = 9  # per check or re-check, as per reply round
MAX_READING = 1_000_000.0  # |value| and limit: beyond this it is a typing error, not a measurement
MAX_ACCURACY_M = 100_000.0


def yuan(value: Decimal | int | str) -> Decimal:
    """An amount in yuan (services/routing/domain/money.py)."""
    return parse_yuan(value, invalid=InvestigationInvalid)


@dataclass(frozen=True)
class Reading:
    """A monitoring reading (监测数据): 噪声 62.5 dB(A), limit 55 (the standard's limit, when there is one)."""

    parameter: str
    value: float
    unit: str
    limit: float | None = None

    @property
    def exceeded(self) -> bool | None:
        return None if self.limit is None else self.value > self.limit

    def plain(self) -> dict[str, Any]:
        return {"parameter": self.parameter, "value": self.value, "unit": self.unit, "limit": self.limit}


@dataclass(frozen=True)
class Location:
    """Where the check was made: from the phone's geolocation (with its accuracy in metres) or typed."""

    lat: float
    lon: float
    accuracy_m: float | None = None


@dataclass
class Check:
    """现场核查"""

    seq: int
    checked_at: datetime
    by: str  # who went (names, as the department writes them)
    location: Location | None
    address_note: str | None
    readings: list[Reading]
    photos: list[str]
    note: str | None
    recorded_by: str
    recorded_at: datetime


@dataclass
class Action:
    """处理措施"""

    seq: int
    kind: ActionKind
    recorded_by: str
    recorded_at: datetime
    deadline: date | None = None  # 责令整改: by when
    amount: Decimal | None = None  # 立案处罚: yuan
    case_number: str | None = None  # 立案处罚: the penalty case's number (e.g. 渝合环罚〔2026〕12号)
    body: str | None = None  # 移送: the receiving body
    note: str | None = None


@dataclass
class Recheck:
    """复查"""

    seq: int
    checked_at: datetime
    by: str
    result: RecheckResult
    photos: list[str]
    readings: list[Reading]
    note: str | None
    recorded_by: str
    recorded_at: datetime


@dataclass
class EvidencePhoto:
    """A photo taken on site or at the re-check; its bytes are in the reply photos' file store under `key`."""

    id: str
    key: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime


@dataclass
class Investigation(Aggregate):
    complaint_id: str
    tracking_code: str
    department: str  # the department that has the case (the one that records)
    started_at: datetime
    started_by: str
    finding: Finding | None = None
    finding_note: str | None = None
    found_at: datetime | None = None
    found_by: str | None = None
    signed_off_at: datetime | None = None
    signed_off_by: str | None = None
    sign_off_note: str | None = None
    checks: list[Check] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    rechecks: list[Recheck] = field(default_factory=list)
    photos: list[EvidencePhoto] = field(default_factory=list)

    @classmethod
    def start(cls, *, complaint_id: str, tracking_code: str, department: str, by: str, at: datetime) -> Investigation:
        """The file is opened by the first thing recorded (a check, or a photo for one); no event of its own."""
        return cls(complaint_id=complaint_id, tracking_code=tracking_code, department=department, started_at=at,
                   started_by=by)

    # --- state ------------------------------------------------------------------------------------------------

    @property
    def stage(self) -> Stage:
        if self.signed_off_at is not None:
            return Stage.signed_off
        if self.finding is None:
            return Stage.checking
        return Stage.ready if self.recheck_done() else Stage.handling

    def recheck_needed(self) -> bool:
        """A problem found (属实, 部分属实) is re-checked, unless every action moved it to another body."""
        if self.finding in (None, Finding.false):
            return False
        return not self.actions or any(a.kind != ActionKind.transfer for a in self.actions)

    def recheck_done(self) -> bool:
        if not self.recheck_needed():
            return self.finding is not None and (self.finding == Finding.false or bool(self.actions))
        return bool(self.rechecks) and self.rechecks[-1].result == RecheckResult.rectified

    def _open(self, what: str) -> None:
        if self.signed_off_at is not None:
            raise InvestigationRefused(f"已销号，不能再{what} / signed off: nothing more can be recorded")

    def _when(self, at: datetime, now: datetime, *, not_before: datetime, what: str) -> None:
        if at > now:
            raise InvestigationInvalid(f"{what}时间不能晚于现在 / the time of the {what} cannot be in the future")
        if at < not_before:
            raise InvestigationInvalid(f"{what}时间不能早于 {not_before.isoformat()} / the {what} cannot be before "
                                       f"{not_before.isoformat()}")

    def _photos(self, ids: list[str]) -> list[str]:
        if len(ids) > MAX_PHOTOS:
            raise InvestigationInvalid(f"每次最多 {MAX_PHOTOS} 张照片 / at most {MAX_PHOTOS} photos each time")
        known = {p.id for p in self.photos}
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise InvestigationInvalid(f"照片不存在，请先上传 / unknown photo: {', '.join(unknown)}")
        return list(dict.fromkeys(ids))

    # --- steps ------------------------------------------------------------------------------------------------

    def add_photo(self, photo: EvidencePhoto) -> None:
        self._open("上传照片")
        self.photos.append(photo)

    def check(self, *, checked_at: datetime, by: str, location: Location | None, address_note: str | None,
              readings: list[Reading], photos: list[str], note: str | None, received_at: datetime,
              recorded_by: str, now: datetime) -> Check:
        """现场核查: when (not in the future, not before the complaint came in), who, where, what was measured."""
        self._open("记录现场核查")
        self._when(checked_at, now, not_before=received_at, what="核查")
        readings = _readings(readings)
        if location is not None:
            _location(location)
        check = Check(len(self.checks) + 1, checked_at, by, location, address_note, readings, self._photos(photos),
                      note, recorded_by, now)
        self.checks.append(check)
        self.record(InvestigationCheckedV1, check_id=check.seq, checked_at=checked_at,
                    lat=location.lat if location else None, lon=location.lon if location else None,
                    accuracy_m=location.accuracy_m if location else None, readings=[r.plain() for r in readings],
                    exceeded=any(r.exceeded for r in readings), photos=len(check.photos), at=now, by=recorded_by)
        return check

    def find(self, finding: Finding, *, note: str | None, by: str, now: datetime) -> None:
        """调查结论, after at least one check; it may be corrected until the sign-off (each is an event), but a
        case with a penalty or a rectification order cannot become 不属实."""
        self._open("修改调查结论")
        if not self.checks:
            raise InvestigationRefused("请先记录现场核查 / record an on-site check first")
        if finding == Finding.false and any(a.kind != ActionKind.transfer for a in self.actions):
            raise InvestigationRefused("已有整改或处罚措施，不能认定为不属实 / a case with a rectification order or "
                                       "penalty cannot be found untrue")
        if finding == self.finding and note == self.finding_note:
            raise InvestigationInvalid("调查结论没有变化 / nothing to change")
        self.finding, self.finding_note, self.found_at, self.found_by = finding, note, now, by
        self.record(InvestigationFindingV1, finding=finding.value, at=now, by=by)

    def act(self, kind: ActionKind, *, deadline: date | None, amount: Decimal | str | None, case_number: str | None,
            body: str | None, note: str | None, by: str, now: datetime) -> Action:
        """处理措施: 责令整改 (deadline, today or later), 立案处罚 (amount and case number), 移送 (receiving body);
        only for a problem found (属实 or 部分属实)."""
        self._open("记录处理措施")
        if self.finding is None:
            raise InvestigationRefused("请先记录调查结论 / record the finding first")
        if self.finding == Finding.false:
            raise InvestigationRefused("调查结论为不属实，无需处理措施 / the case was found untrue: no action")
        action = Action(len(self.actions) + 1, kind, by, now, note=note)
        if kind == ActionKind.rectify:
            if deadline is None:
                raise InvestigationInvalid("责令整改须有整改期限 / a rectification order needs a deadline")
            if deadline < local_day(now):
                raise InvestigationInvalid("整改期限不能早于今天 / the deadline cannot be in the past")
            action.deadline = deadline
        elif kind == ActionKind.penalty:
            if amount is None or not case_number:
                raise InvestigationInvalid("立案处罚须有罚款金额和立案编号 / a penalty needs the amount and the case "
                                           "number")
            action.amount, action.case_number = yuan(amount), case_number
        else:
            if not body:
                raise InvestigationInvalid("移送须写明接收单位 / a transfer names the receiving body")
            action.body = body
        self.actions.append(action)
        self.record(InvestigationActionV1, action_id=action.seq, kind=kind.value, deadline=action.deadline,
                    amount_yuan=action.amount, case_number=action.case_number, body=action.body, at=now, by=by)
        return action

    def recheck(self, *, checked_at: datetime, by: str, result: RecheckResult, photos: list[str],
                readings: list[Reading], note: str | None, recorded_by: str, now: datetime) -> Recheck:
        """复查: after the actions, not before the last check; 已整改 needs at least one photo as evidence."""
        self._open("记录复查")
        if not self.recheck_needed():
            raise InvestigationRefused("该案件无需复查（未认定属实，或已全部移送）/ no re-check: the case was "
                                       "not found true, or every action moved it to another body")
        if not self.actions:
            raise InvestigationRefused("请先记录处理措施 / record the action first")
        self._when(checked_at, now, not_before=self.checks[-1].checked_at, what="复查")
        if result == RecheckResult.rectified and not photos:
            raise InvestigationInvalid("认定已整改须附复查照片 / a re-check that finds it rectified needs a photo")
        recheck = Recheck(len(self.rechecks) + 1, checked_at, by, result, self._photos(photos), _readings(readings),
                          note, recorded_by, now)
        self.rechecks.append(recheck)
        self.record(InvestigationRecheckedV1, recheck_id=recheck.seq, checked_at=checked_at, result=result.value,
                    photos=len(recheck.photos), at=now, by=recorded_by)
        return recheck

    def sign_off(self, *, note: str | None, by: str, now: datetime) -> None:
        """销号: a supervisor closes the file once it may be closed (see the module's note)."""
        self._open("销号")
        if self.finding is None:
            raise InvestigationRefused("尚无调查结论，不能销号 / no finding yet: it cannot be signed off")
        if not self.recheck_done():
            why = "最近一次复查未认定已整改" if self.actions else "请先记录处理措施"
            raise InvestigationRefused(f"{why}，不能销号 / it cannot be signed off before a re-check found it "
                                       "rectified")
        self.signed_off_at, self.signed_off_by, self.sign_off_note = now, by, note
        self.record(InvestigationSignedOffV1, finding=self.finding.value, rechecks=len(self.rechecks),
                    signed_off_at=now, by=by)

    # --- the reply --------------------------------------------------------------------------------------------

    def reply_refusal(self, text: str) -> str | None:
        """Why this reply may not be sent (None: it may): a case checked on site is answered with its finding, and
        a reply that states a 核查结论 (as the desk writes it: 【核查结论】属实) states the recorded one."""
        if self.checks and self.finding is None:
            return "已开始现场核查，请先记录调查结论再回复 / record the finding of the on-site check before replying"
        stated = _STATED.search(text)
        if self.finding is not None and stated is not None and stated.group(1) != FINDING_LABELS[self.finding]:
            recorded = FINDING_LABELS[self.finding]
            return (f"回复中的核查结论“{stated.group(1)}”与调查结论“{recorded}”不一致 / the reply's finding differs "
                    "from the investigation's")
        return None

    def reply_draft(self) -> str | None:
        """A reply the department may start from: the finding and the actions, in the words the citizen reads."""
        if self.finding is None:
            return None
        parts = [f"经现场核查，您反映的情况{FINDING_LABELS[self.finding]}。"]
        if self.finding_note:
            parts.append(self.finding_note.rstrip("。") + "。")
        for action in self.actions:
            if action.kind == ActionKind.rectify and action.deadline is not None:
                parts.append(f"已责令其于{action.deadline.month}月{action.deadline.day}日前整改。")
            elif action.kind == ActionKind.penalty:
                parts.append("已依法立案查处。")
            elif action.kind == ActionKind.transfer:
                parts.append(f"已移送{action.body}处理。")
        if self.rechecks and self.rechecks[-1].result == RecheckResult.rectified:
            parts.append("经复查，已整改到位。")
        return "".join(parts)


_STATED = re.compile(r"【核查结论】\s*(部分属实|不属实|属实)")


def _readings(readings: list[Reading]) -> list[Reading]:
    if len(readings) > MAX_READINGS:
        raise InvestigationInvalid(f"监测数据最多 {MAX_READINGS} 项 / at most {MAX_READINGS} readings")
    for reading in readings:
        for value in (reading.value, reading.limit):
            if value is not None and (not math.isfinite(value) or abs(value) > MAX_READING):
                raise InvestigationInvalid(f"监测值须在 ±{MAX_READING:.0f} 以内 / a reading is within "
                                           f"±{MAX_READING:.0f}: {reading.parameter}")
    return list(readings)


def _location(location: Location) -> None:
    if not (-90 <= location.lat <= 90 and -180 <= location.lon <= 180):
        raise InvestigationInvalid("经纬度超出范围 / latitude is -90 to 90, longitude -180 to 180")
    if location.accuracy_m is not None and not 0 <= location.accuracy_m <= MAX_ACCURACY_M:
        raise InvestigationInvalid("定位精度须为 0 至 100000 米 / accuracy is 0 to 100000 metres")

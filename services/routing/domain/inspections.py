"""The Inspection aggregate (督察交办件): a routing case that an environmental inspection (中央生态环境保护督察 or
the city's own, 市级督察) transferred to the district in a numbered batch (第N批), and what the district did
about it — the finding (属实 / 部分属实 / 不属实), the progress (办理中 → 阶段性办结 → 已办结), the measures, the
penalties (立案, 罚款 in yuan), the interviews (约谈) and the accountability (问责). Every update is kept with its
actor and time and recorded as an event (no text travels in the events).

The daily public table (边督边改) is made from these rows with the complaint's text scrubbed of personal data
(`scrub`); only batches a supervisor has published appear in it.

Pure Python: the .xlsx is written by `adapters/inspection_workbook.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from services.routing.domain.money import parse_yuan
from services.routing.domain.petitions import local_day
from shared.contracts.events import InspectionRegisteredV1, InspectionUpdatedV1
from shared.domain import Aggregate
from shared.errors import Conflict, InvalidInput, NotFound

# --- errors (each of a kind the HTTP edge maps: 404, 409, 422) ----------------------------------------------


class InspectionNotFound(NotFound):
    """The case is not an inspection case, or the batch has no cases."""

    code = "inspection_not_found"


class InspectionExists(Conflict):
    """The case is registered as an inspection case already."""

    code = "inspection_exists"


class InspectionRefused(Conflict):
    """The case's state does not allow this (progress may not go back; a merged case is not registered)."""

    code = "inspection_refused"


class InspectionInvalid(InvalidInput):
    """A value that does not hold together (a deadline before receipt, a fine without a 立案, no change)."""

    code = "inspection_invalid"


# --- values ---------------------------------------------------------------------------------------------------


class InspectionKind(StrEnum):
    central = "central"  # 中央生态环境保护督察
    municipal = "municipal"  # 市级生态环境保护督察


KIND_LABELS = {InspectionKind.central: "中央生态环境保护督察", InspectionKind.municipal: "市级生态环境保护督察"}


class Finding(StrEnum):
    true = "true"  # 属实
    partly = "partly"  # 部分属实
    false = "false"  # 不属实


FINDING_LABELS = {Finding.true: "属实", Finding.partly: "部分属实", Finding.false: "不属实"}


class Progress(StrEnum):
    in_progress = "in_progress"  # 办理中
    staged = "staged"  # 阶段性办结
    done = "done"  # 已办结


PROGRESS_LABELS = {Progress.in_progress: "办理中", Progress.staged: "阶段性办结", Progress.done: "已办结"}
_ORDER = {Progress.in_progress: 0, Progress.staged: 1, Progress.done: 2}

MAX_COUNT = 10_000

# The fields an update may change, in the order the audit lists them.
UPDATABLE = ("finding", "progress", "investigation", "measures", "penalty_cases", "fine_yuan", "interviews",
             "interviewed", "accountability", "accountable")


def yuan(value: Decimal | int | str) -> Decimal:
    """An amount in yuan (services/routing/domain/money.py)."""
    return parse_yuan(value, invalid=InspectionInvalid)


@dataclass(frozen=True)
class InspectionUpdate:
    """One update as audited: who, when, and each field's value after it (only the fields it changed)."""

    seq: int
    actor: str
    at: datetime
    changes: dict[str, Any]


@dataclass
class Inspection(Aggregate):
    complaint_id: str
    tracking_code: str
    kind: InspectionKind
    round_name: str  # 第三轮中央生态环境保护督察, 2026年市级督察 ...
    batch: int  # 第N批
    number: str  # the inspection's own case number (交办编号 / 受理编号)
    key_case: bool  # 重点件
    received_on: date
    report_due: date  # when the district must report back
    registered_at: datetime
    registered_by: str
    finding: Finding | None = None
    progress: Progress = Progress.in_progress
    investigation: str | None = None  # 调查核实情况
    measures: str | None = None  # 处理和整改情况
    penalty_cases: int = 0  # 立案 (cases opened for penalties)
    fine_yuan: Decimal = Decimal("0.00")  # 罚款, yuan
    interviews: int = 0  # 约谈 (people or units interviewed)
    interviewed: str | None = None  # who (staff only: never public)
    accountability: int = 0  # 问责 (people held accountable)
    accountable: str | None = None  # who (staff only: never public)
    updated_at: datetime | None = None
    updated_by: str | None = None
    updates: list[InspectionUpdate] = field(default_factory=list)

    @classmethod
    def register(cls, *, complaint_id: str, tracking_code: str, kind: InspectionKind, round_name: str, batch: int,
                 number: str, key_case: bool, received_on: date | None, report_due: date, by: str,
                 at: datetime) -> Inspection:
        """登记为督察交办件. `received_on` is the day the batch came in (today when None; never in the future)."""
        today = local_day(at)
        received = received_on or today
        if received > today:
            raise InspectionInvalid(f"交办日期不能晚于今天（{today.isoformat()}）/ the day received cannot be in "
                                    "the future")
        if report_due < received:
            raise InspectionInvalid("报送期限不能早于交办日期 / the report is due no earlier than the day received")
        if not 1 <= batch <= 1000:
            raise InspectionInvalid("批次须为 1 至 1000 / a batch is numbered 1 to 1000")
        inspection = cls(complaint_id=complaint_id, tracking_code=tracking_code, kind=kind,
                         round_name=round_name, batch=batch, number=number, key_case=key_case,
                         received_on=received, report_due=report_due, registered_at=at, registered_by=by)
        inspection.record(InspectionRegisteredV1, kind=kind.value, by=by)
        return inspection

    def update(self, changes: dict[str, Any], *, by: str, at: datetime) -> InspectionUpdate:
        """Change the given fields (those in UPDATABLE); progress never goes back, and the result must hold
        together (see `_check`). Unchanged values are dropped; nothing left to change is refused."""
        unknown = set(changes) - set(UPDATABLE)
        if unknown:
            raise InspectionInvalid(f"不能修改 / cannot change: {', '.join(sorted(unknown))}")
        values = dict(changes)
        if values.get("finding") is not None:
            values["finding"] = Finding(values["finding"])
        if values.get("progress") is not None:
            values["progress"] = Progress(values["progress"])
        if values.get("fine_yuan") is not None:
            values["fine_yuan"] = yuan(values["fine_yuan"])
        for name in ("penalty_cases", "interviews", "accountability"):
            if name in values and (values[name] is None or not 0 <= values[name] <= MAX_COUNT):
                raise InspectionInvalid(f"{name} 须为 0 至 {MAX_COUNT} / {name} is 0 to {MAX_COUNT}")
        for name in ("finding", "progress", "fine_yuan"):
            if name in values and values[name] is None:
                raise InspectionInvalid(f"{name} 不能清空 / {name} cannot be cleared")
        changed = {name: value for name, value in values.items() if getattr(self, name) != value}
        if not changed:
            raise InspectionInvalid("没有要更新的内容 / nothing to change")
        progress = changed.get("progress", self.progress)
        if _ORDER[progress] < _ORDER[self.progress]:
            raise InspectionRefused(f"办理状态不能从“{PROGRESS_LABELS[self.progress]}”退回“{PROGRESS_LABELS[progress]}”"
                                    f" / progress cannot go back from {self.progress.value} to {progress.value}")
        after = {name: changed.get(name, getattr(self, name)) for name in UPDATABLE}
        _check(after)
        for name, value in changed.items():
            setattr(self, name, value)
        self.updated_at, self.updated_by = at, by
        update = InspectionUpdate(len(self.updates) + 1, by, at, {
            name: _plain(changed[name]) for name in UPDATABLE if name in changed})
        self.updates.append(update)
        self.record(InspectionUpdatedV1, update_id=update.seq, changed=list(update.changes),
                    finding=self.finding.value if self.finding else None, progress=self.progress.value,
                    at=at, by=by)
        return update


def _check(after: dict[str, Any]) -> None:
    """The rules a whole record keeps: a case is closed (阶段性办结 or 已办结) only with a finding and the
    measures; a fine only with a 立案; a case found 不属实 has no 立案, fine or 问责."""
    if after["progress"] != Progress.in_progress and (after["finding"] is None or not after["measures"]):
        raise InspectionInvalid("办结前须填写是否属实和处理整改情况 / a case is closed only with a finding and "
                                "the measures")
    if after["fine_yuan"] > 0 and after["penalty_cases"] == 0:
        raise InspectionInvalid("有罚款须有立案 / a fine needs a penalty case (立案)")
    if after["finding"] == Finding.false and (after["penalty_cases"] or after["fine_yuan"] > 0
                                              or after["accountability"]):
        raise InspectionInvalid("不属实的交办件不应有立案、罚款或问责 / a case found untrue has no penalty or "
                                "accountability")


def _plain(value: Any) -> Any:
    """A value as the audit stores it (JSON): enums by value, amounts as strings."""
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    return value


# --- the public table (边督边改) --------------------------------------------------------------------------------

PUBLIC_COLUMNS: tuple[tuple[str, str], ...] = (
    ("seq", "序号"), ("number", "受理编号"), ("summary", "交办问题基本情况"), ("area", "行政区域"),
    ("pollution", "污染类型"), ("investigation", "调查核实情况"), ("finding", "是否属实"),
    ("measures", "处理和整改情况"), ("accountability", "责任人被处理情况"), ("progress", "办理状态"),
)

_MOBILE = r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d){8}(?!\d)"
_LANDLINE = r"(?<!\d)(?:\(?0\d{2,3}\)?[\s-]?)?\d{7,8}(?!\d)"
_ID_CARD = r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])"
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_HAN = "[\u4e00-\u9fa5]"
_SCRUBS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(_EMAIL), "***"),
    (re.compile(_ID_CARD), "***"),
    (re.compile(_MOBILE), "***"),
    (re.compile(_LANDLINE), "***"),
    # a person named: 联系人：李四, 我叫张三 (two or three characters after the word)
    (re.compile(f"((?:姓名|联系人|举报人|投诉人|户主)[:：]\\s*|我叫|名叫){_HAN}{{2,3}}"), r"\1某某"),
    (re.compile(f"(?<!百)姓(?!名){_HAN}"), "姓某"),  # 姓王 (not 老百姓, 姓名)
    (re.compile(f"{_HAN}(先生|女士|小姐)"), r"某\1"),  # 李先生
    # house numbers: 南屏路88号, 3号楼, 3栋2单元501, 501室, 5组, 附1号, 5-2-1 (not a date: at most 3 digits first)
    (re.compile(r"(?<![\d-])\d{1,3}(?:[-－]\d{1,4}){1,3}(?:室|号)?(?![\d-])"), "某号"),
    (re.compile(r"(?<=[路街巷道村里弄])\d+\s*(?:附\d+)?号"), "某号"),
    (re.compile(r"\d+\s*(?:号楼|栋|幢|单元)(?:\s*\d+\s*(?:号楼|栋|幢|单元|室|号|楼|层)?)*|\d+\s*(?:室|组)"), "某号"),
    (re.compile(r"附\d+号"), "某号"),
)


def scrub(text: str) -> str:
    """The text without personal data, as the public table shows it: phone numbers, ID numbers and e-mail
    addresses become ***, a person named or addressed (联系人张三, 姓王, 李先生) 某某 / 某, and house numbers
    (88号, 3栋2单元501, 5-2-1) 某号. Roads, towns and companies stay: the public must know where it is."""
    for pattern, replacement in _SCRUBS:
        text = pattern.sub(replacement, text)
    return text


def fine_text(amount: Decimal) -> str:
    """罚款 as Chongqing's tables write it: 万元 from 10,000 yuan on, else 元."""
    if amount >= 10_000:
        return f"{(amount / 10_000).quantize(Decimal('0.000001')).normalize():f}万元"
    return f"{amount.normalize():f}元"


def measures_text(inspection: Inspection) -> str:
    """处理和整改情况: the measures (scrubbed) and the penalties."""
    parts = [scrub(inspection.measures)] if inspection.measures else []
    if inspection.penalty_cases:
        fined = f"，罚款{fine_text(inspection.fine_yuan)}" if inspection.fine_yuan > 0 else ""
        parts.append(f"立案查处{inspection.penalty_cases}起{fined}。")
    return "".join(parts) or "正在调查处理。"


def accountability_text(inspection: Inspection) -> str:
    """责任人被处理情况: how many were interviewed and held accountable, never who."""
    parts = []
    if inspection.interviews:
        parts.append(f"约谈{inspection.interviews}人（次）")
    if inspection.accountability:
        parts.append(f"问责{inspection.accountability}人")
    return "；".join(parts) or "无"


def public_row(seq: int, inspection: Inspection, *, content: str, area: str, pollution: str) -> dict[str, Any]:
    """One row of the public table. Staff-only fields (who was interviewed or held accountable, the case's
    tracking code and reporter) are never read here."""
    return {
        "seq": seq, "number": inspection.number, "summary": scrub(content), "area": area, "pollution": pollution,
        "investigation": scrub(inspection.investigation) if inspection.investigation else "正在调查核实。",
        "finding": FINDING_LABELS[inspection.finding] if inspection.finding else "核查中",
        "measures": measures_text(inspection), "accountability": accountability_text(inspection),
        "progress": PROGRESS_LABELS[inspection.progress],
    }

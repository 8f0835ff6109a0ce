"""被举报企业: the register of reported firms (docs/firms.md), and the rule that flags a firm reported again
and again (重复被举报).

A firm has a name, its unified social credit code (统一社会信用代码, GB 32100-2015: 18 characters whose last is
a check character over the first 17), an optional discharge permit number (排污许可证编号), an address, the
town (one of the district's 30), an industry (free text) and a status. Cases are linked to a firm on the desk
(`Case.link_firm`); the firm's history is the cases linked to it.

The repeat rule (the same on the firm's page and on notify's problem list): a firm is 重复被举报 at a moment
`now` when at least `threshold` (FIRM_REPEAT_THRESHOLD, 3) cases linked to it were received within the
`days` (FIRM_REPEAT_DAYS, 90) days ending at `now` (now − days < received_at ≤ now), not counting cases
refused (不予受理, rejected) or merged into another (并单, merged: the master counts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from shared.contracts.codes import TOWNS
from shared.domain import Aggregate
from shared.errors import Conflict, InvalidInput, NotFound

# --- errors ---------------------------------------------------------------------------------------------------


class FirmNotFound(NotFound):
    code = "firm_not_found"


class FirmInvalid(InvalidInput):
    """A value that does not hold: a credit code whose check character is wrong, an unknown town."""

    code = "firm_invalid"


class FirmConflict(Conflict):
    """Another firm has this credit code, or the case is linked to this firm already (or to none)."""

    code = "firm_conflict"


# --- 统一社会信用代码 (GB 32100-2015) -------------------------------------------------------------------------

# The 31 characters a code is written in: digits and capital letters without I, O, Z, S, V.
CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# The weight of positions 1–17 is 3^(i−1) mod 31.
CREDIT_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
CREDIT_LENGTH = 18
_SPACES = re.compile(r"[\s\u3000]+")


def credit_check_char(first17: str) -> str:
    """The check character (position 18) of the first 17 characters: 31 − (Σ value × weight mod 31), where 31
    is written 0."""
    if len(first17) != 17 or any(ch not in CREDIT_CHARSET for ch in first17):
        raise ValueError("17 characters of the code's character set")
    total = sum(CREDIT_CHARSET.index(ch) * w for ch, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARSET[(31 - total % 31) % 31]


def normalise_credit_code(value: str) -> str:
    """The code as stored: spaces removed, capital letters (a code typed in lower case is the same code)."""
    return _SPACES.sub("", value).upper()


def credit_code_problem(value: str) -> str | None:
    """Why `value` (normalised) is not a valid 统一社会信用代码; None when it is."""
    if len(value) != CREDIT_LENGTH:
        return f"统一社会信用代码应为18位，现为{len(value)}位 / the credit code has 18 characters, not {len(value)}"
    wrong = sorted({ch for ch in value if ch not in CREDIT_CHARSET})
    if wrong:
        return (f"统一社会信用代码不能含有 {'、'.join(wrong)}（不使用 I、O、Z、S、V）/ the credit code uses digits and "
                f"capital letters other than I, O, Z, S, V")
    if not value[2:8].isdigit():
        return "统一社会信用代码第3—8位应为行政区划代码（数字）/ positions 3–8 are the area code (digits)"
    expected = credit_check_char(value[:17])
    if value[17] != expected:
        return (f"统一社会信用代码校验位不正确（应为 {expected}），请核对 / the check character is wrong (expected "
                f"{expected}): check the code")
    return None


def valid_credit_code(value: str) -> str:
    """The normalised code, or FirmInvalid with what is wrong."""
    code = normalise_credit_code(value)
    problem = credit_code_problem(code)
    if problem is not None:
        raise FirmInvalid(problem)
    return code


# 排污许可证编号: usually the credit code, a 3-digit sequence and a letter (91500117MA5U000000001P); a light check
# only (older permits and 登记 numbers differ): letters, digits and '-', 10–40 characters.
_PERMIT = re.compile(r"^[0-9A-Z-]{10,40}$")


def valid_permit(value: str | None) -> str | None:
    if value is None:
        return None
    permit = normalise_credit_code(value)
    if not permit:
        return None
    if not _PERMIT.match(permit):
        raise FirmInvalid("排污许可证编号应为10—40位字母、数字或“-” / the discharge permit number is 10–40 letters, "
                          "digits or '-'")
    return permit


# --- the firm -------------------------------------------------------------------------------------------------


class FirmStatus(StrEnum):
    operating = "operating"  # 正常生产
    suspended = "suspended"  # 停产整治
    closed = "closed"  # 已关停


STATUS_LABELS = {FirmStatus.operating: "正常生产", FirmStatus.suspended: "停产整治", FirmStatus.closed: "已关停"}
EDITABLE = ("name", "credit_code", "permit_number", "address", "town", "industry", "status")


def valid_town(town: str) -> str:
    if town not in TOWNS:
        raise FirmInvalid(f"镇街不存在：{town}（应为全区30个镇街之一的代码）/ unknown town {town!r}")
    return town


@dataclass
class Firm(Aggregate):
    id: str
    name: str
    credit_code: str
    town: str
    address: str
    industry: str
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    permit_number: str | None = None
    status: FirmStatus = FirmStatus.operating

    @classmethod
    def register(cls, *, id: str, name: str, credit_code: str, town: str, address: str, industry: str,
                 permit_number: str | None, status: FirmStatus, by: str, at: datetime) -> Firm:
        return cls(id=id, name=name.strip(), credit_code=valid_credit_code(credit_code), town=valid_town(town),
                   address=address.strip(), industry=industry.strip(), permit_number=valid_permit(permit_number),
                   status=status, created_at=at, created_by=by, updated_at=at, updated_by=by)

    def edit(self, changes: dict[str, Any], *, by: str, at: datetime) -> list[str]:
        """Change the given fields (a permit number of "" or None clears it); the names of those that changed."""
        checked: dict[str, Any] = {}
        for name, value in changes.items():
            if name not in EDITABLE:
                raise FirmInvalid(f"不能修改 {name} / {name} cannot be changed")
            if value is None and name != "permit_number":
                raise FirmInvalid(f"{name} 不能清空（只有排污许可证编号可以）/ only the permit number may be cleared")
            if name == "credit_code":
                value = valid_credit_code(value)
            elif name == "town":
                value = valid_town(value)
            elif name == "permit_number":
                value = valid_permit(value)
            elif name == "status":
                value = FirmStatus(value)
            elif isinstance(value, str):
                value = value.strip()
            checked[name] = value
        changed = [name for name, value in checked.items() if getattr(self, name) != value]
        for name in changed:
            setattr(self, name, checked[name])
        if changed:
            self.updated_at, self.updated_by = at, by
        return changed


@dataclass(frozen=True)
class FirmRef:
    """What a case keeps of the firm it is linked to, and what the link's event carries."""

    id: str
    name: str
    credit_code: str
    town: str | None = None

    @classmethod
    def of(cls, firm: Firm) -> FirmRef:
        return cls(firm.id, firm.name, firm.credit_code, firm.town)


# --- the repeat rule (重复被举报) --------------------------------------------------------------------------------

NOT_COUNTED = ("rejected", "merged")  # 不予受理; 并单 (its master counts)


@dataclass(frozen=True)
class RepeatRule:
    """FIRM_REPEAT_THRESHOLD cases within FIRM_REPEAT_DAYS days (settings of routing and notify alike)."""

    threshold: int = 3
    days: int = 90

    def window_start(self, now: datetime) -> datetime:
        return now - timedelta(days=self.days)

    def counted(self, received_at: datetime, status: str, now: datetime) -> bool:
        return status not in NOT_COUNTED and self.window_start(now) < received_at <= now

    def count(self, cases: list[tuple[datetime, str]], now: datetime) -> int:
        """How many of (received_at, status) count at `now`."""
        return sum(1 for received_at, status in cases if self.counted(received_at, status, now))

    def repeated(self, cases: list[tuple[datetime, str]], now: datetime) -> bool:
        return self.count(cases, now) >= self.threshold

    def reason(self, count: int) -> str:
        return (f"{self.days}天内被举报{count}次（达到{self.threshold}次即为重复被举报；不予受理、已并单的不计）")

"""Cases from the bureau's older system (历史件导入): the column mapping, and one row read and checked.

Pure Python. An export of the older system is a table (CSV or .xlsx) whose headers are that system's;
a mapping (YAML, see docs/import.md) says which header holds which of our fields and how its values
translate (来源 "12369热线" → channel hotline, 办理状态 "已办结" → finished, ...). A row becomes a
`HistoricalRecord` or a list of reasons, in words an administrator can act on; nothing here touches
the database. What becomes of a record is the complaint's business (`Complaint.import_history`,
`Complaint.receive` for a case still open).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from services.intake.domain.departments import DepartmentDirectory
from services.intake.domain.errors import InvalidMapping
from services.intake.domain.status import RATING_LABELS
from shared.clock import SHANGHAI
from shared.contracts.codes import CATEGORY_NAMES, SUBCATEGORIES, Channel, Rating, find_town

# Our fields a mapping may name. `legacy_id`, `received_at` and `content` are needed in every row.
FIELDS = ("legacy_id", "received_at", "content", "channel", "category", "subcategory", "town", "address",
          "reporter_name", "reporter_phone", "anonymous", "status", "department", "reply", "replied_at", "rating")
REQUIRED = ("legacy_id", "received_at", "content")
TRANSLATED = ("channel", "category", "subcategory", "status", "department", "rating", "anonymous")
CONTENT_MIN, CONTENT_MAX = 5, 5000  # as for a complaint received today
LEGACY_ID_MAX = 120
SOURCE_MAX = 30
ADDRESS_MAX = 500
EARLIEST = datetime(2000, 1, 1, tzinfo=SHANGHAI)  # older than this is a typo, not a case
FUTURE_SKEW = timedelta(minutes=5)
FINISHED, OPEN = "finished", "open"
# How dates are written in exports we have seen; a mapping may add its own (`time_formats`).
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                "%Y/%m/%d", "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日", "%Y.%m.%d %H:%M",
                "%Y.%m.%d", "%Y%m%d%H%M%S", "%Y%m%d")
_YES = {"是", "匿名", "true", "yes", "y", "1"}
_NO = {"否", "实名", "false", "no", "n", "0", ""}


@dataclass(frozen=True)
class ImportMapping:
    """Which column of the export holds which of our fields, and how its values translate."""

    source: str  # the older system's name: a case is known as "<source>:<its number>"
    columns: dict[str, str]  # our field → the export's header
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # field → {export's value: ours}
    defaults: dict[str, str] = field(default_factory=dict)  # field → value when the column is absent or empty
    time_formats: tuple[str, ...] = TIME_FORMATS
    encoding: str = "utf-8-sig"  # CSV only; exports of Chinese systems are often gb18030
    sheet: str | None = None  # .xlsx only; None: the first sheet
    delimiter: str = ","

    @classmethod
    def from_dict(cls, data: Any) -> ImportMapping:
        """The mapping as written in its YAML file, checked; `InvalidMapping` says what to fix."""
        if not isinstance(data, dict):
            raise InvalidMapping("映射文件应是 YAML 字典（source、columns …）/ the mapping must be a YAML mapping")
        unknown = set(data) - {"source", "columns", "values", "defaults", "time_formats", "encoding", "sheet",
                               "delimiter"}
        if unknown:
            raise InvalidMapping(f"映射文件有未知的项 / unknown keys: {', '.join(sorted(unknown))}")
        source = str(data.get("source") or "").strip()
        if not source or len(source) > SOURCE_MAX or ":" in source:
            raise InvalidMapping(f"source 应是旧系统的简称（1–{SOURCE_MAX} 字，不含冒号）/ source must name the "
                                 "older system (no colon)")
        columns = _str_dict(data.get("columns"), "columns")
        if bad := set(columns) - set(FIELDS):
            raise InvalidMapping(f"columns 中有未知的字段 / unknown fields: {', '.join(sorted(bad))}; "
                                 f"known: {', '.join(FIELDS)}")
        if missing := [name for name in REQUIRED if name not in columns]:
            raise InvalidMapping(f"columns 必须包含 / columns must map: {', '.join(missing)}")
        raw_values = data.get("values") or {}
        if not isinstance(raw_values, dict):
            raise InvalidMapping("values 应是 字段 → {旧值: 新值} / values must map field → {their value: ours}")
        values = {name: _str_dict(table, f"values.{name}") for name, table in raw_values.items()}
        if bad := set(values) - set(TRANSLATED):
            raise InvalidMapping(f"values 只能翻译 / values can translate only: {', '.join(TRANSLATED)} "
                                 f"(not {', '.join(sorted(bad))})")
        defaults = _str_dict(data.get("defaults") or {}, "defaults")
        if bad := set(defaults) - {"channel", "status", "category", "town", "department"}:
            raise InvalidMapping(f"defaults 不支持 / defaults cannot set: {', '.join(sorted(bad))}")
        formats = data.get("time_formats")
        if formats is not None and (not isinstance(formats, list) or not all(isinstance(f, str) for f in formats)):
            raise InvalidMapping("time_formats 应是格式列表，如 ['%Y-%m-%d %H:%M'] / time_formats must be a list")
        delimiter = str(data.get("delimiter", ","))
        if len(delimiter) != 1:
            raise InvalidMapping("delimiter 应是一个字符 / the delimiter is one character")
        mapping = cls(source=source, columns=columns, values=values, defaults=defaults,
                      time_formats=tuple(formats or ()) + TIME_FORMATS, encoding=str(data.get("encoding") or
                      "utf-8-sig"), sheet=str(data["sheet"]) if data.get("sheet") is not None else None,
                      delimiter=delimiter)
        for name, value in defaults.items():
            if name == "channel" and _channel(mapping.translate(name, value)) is None:
                raise InvalidMapping(f"defaults.channel 不是已知渠道 / unknown channel {value!r}")
        return mapping

    def translate(self, name: str, value: str) -> str:
        return self.values.get(name, {}).get(value, value)

    def legacy_id(self, number: str) -> str:
        return f"{self.source}:{number}"


def _str_dict(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not value:
        raise InvalidMapping(f"{where} 应是非空的字典 / {where} must be a non-empty mapping")
    return {str(k).strip(): "" if v is None else str(v).strip() for k, v in value.items()}


@dataclass(frozen=True)
class HistoricalRecord:
    """One case of the older system, checked and in our terms."""

    legacy_id: str
    received_at: datetime
    content: str
    channel: Channel
    finished: bool  # done in the older system (history) or still open (handled here from now on)
    category: str | None = None
    subcategory: str | None = None
    town: str | None = None
    address: str | None = None
    reporter_name: str | None = field(default=None, repr=False)
    reporter_phone: str | None = field(default=None, repr=False)
    anonymous: bool = False
    department: str | None = None
    reply: str | None = None
    replied_at: datetime | None = None
    rating: Rating | None = None


def read_row(mapping: ImportMapping, cells: Mapping[str, Any], *, now: datetime,
             departments: DepartmentDirectory) -> HistoricalRecord | list[str]:
    """The record a row holds, or every reason it cannot be taken (all of them, not only the first)."""
    reasons: list[str] = []

    def text(name: str) -> str:
        header = mapping.columns.get(name)
        raw = cells.get(header) if header is not None else None
        value = _cell_text(raw)
        return value or mapping.defaults.get(name, "")

    number = text("legacy_id")
    if not number:
        reasons.append("缺少旧系统编号 / no case number")
    elif len(number) > LEGACY_ID_MAX:
        reasons.append(f"编号超过 {LEGACY_ID_MAX} 字 / case number too long")
    content = text("content")
    if not CONTENT_MIN <= len(content) <= CONTENT_MAX:
        reasons.append(f"诉求内容应为 {CONTENT_MIN}–{CONTENT_MAX} 字（现 {len(content)} 字）/ content must be "
                       f"{CONTENT_MIN}–{CONTENT_MAX} characters")
    received_at = _moment(mapping, "received_at", cells, reasons, now=now, required=True)
    replied_at = _moment(mapping, "replied_at", cells, reasons, now=now, required=False)
    if received_at and replied_at and replied_at < received_at:
        reasons.append("回复时间早于受理时间 / replied before it was received")

    channel = _channel(mapping.translate("channel", text("channel")))
    if channel is None:
        reasons.append(f"来源渠道「{text('channel')}」无法识别，请在映射 values.channel 中对应到 "
                       f"{'/'.join(c.value for c in Channel)} / unknown channel")
    category, subcategory = _type(mapping, text("category"), text("subcategory"), reasons)
    town = None
    if given_town := mapping.translate("town", text("town")):
        found = find_town(given_town)
        if found is None:
            reasons.append(f"镇街「{given_town}」不是合川区的 30 个镇街之一 / unknown town")
        else:
            town = found.code
    department = None
    if given_department := mapping.translate("department", text("department")):
        department = departments.find(given_department)
        if department is None:
            reasons.append(f"承办单位「{given_department}」不在部门目录中，请在映射 values.department 中对应 / "
                           "unknown department")
    status = mapping.translate("status", text("status"))
    reply = text("reply") or None
    if not status:
        finished = reply is not None
    elif status in (FINISHED, OPEN):
        finished = status == FINISHED
    else:
        finished = False
        reasons.append(f"办理状态「{status}」无法识别，请在映射 values.status 中对应到 finished 或 open / "
                       "unknown status")
    rating = None
    if given_rating := mapping.translate("rating", text("rating")):
        rating = _rating(given_rating)
        if rating is None:
            reasons.append(f"满意度「{given_rating}」无法识别（满意/基本满意/不满意）/ unknown rating")
        elif not finished:
            reasons.append("未办结的件不能带评价 / an open case has no rating")
    anonymous = mapping.translate("anonymous", text("anonymous")).lower()
    if anonymous not in _YES | _NO:
        reasons.append(f"是否匿名「{anonymous}」无法识别（是/否）/ anonymous must be yes or no")
    address = text("address") or None
    if address and len(address) > ADDRESS_MAX:
        reasons.append(f"地址超过 {ADDRESS_MAX} 字 / address too long")

    if reasons or received_at is None or channel is None:
        return reasons
    return HistoricalRecord(
        legacy_id=mapping.legacy_id(number), received_at=received_at, content=content, channel=channel,
        finished=finished, category=category, subcategory=subcategory, town=town, address=address,
        reporter_name=text("reporter_name") or None, reporter_phone=text("reporter_phone") or None,
        anonymous=anonymous in _YES, department=department, reply=reply if finished else None,
        replied_at=replied_at if finished else None, rating=rating)


def _cell_text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))  # a spreadsheet's number column: 20240001.0 is case 20240001
    return str(raw).strip()


def _moment(mapping: ImportMapping, name: str, cells: Mapping[str, Any], reasons: list[str], *, now: datetime,
            required: bool) -> datetime | None:
    header = mapping.columns.get(name)
    raw = cells.get(header) if header is not None else None
    label = "受理时间" if name == "received_at" else "回复时间"
    if raw is None or _cell_text(raw) == "":
        if required:
            reasons.append(f"缺少{label} / no {name}")
        return None
    moment = _parse_moment(raw, mapping.time_formats)
    if moment is None:
        reasons.append(f"{label}「{_cell_text(raw)}」不是可识别的时间 / {name} is not a date and time")
        return None
    if not EARLIEST <= moment <= now + FUTURE_SKEW:
        reasons.append(f"{label} {moment:%Y-%m-%d} 不在 2000 年至今之间 / {name} out of range")
        return None
    return moment


def _parse_moment(raw: Any, formats: tuple[str, ...]) -> datetime | None:
    """A spreadsheet's datetime, or text in one of `formats` or ISO 8601; naive times are Chongqing's."""
    moment: datetime | None = None
    if isinstance(raw, datetime):
        moment = raw
    elif isinstance(raw, date):
        moment = datetime.combine(raw, time())
    else:
        value = _cell_text(raw)
        for fmt in formats:
            try:
                moment = datetime.strptime(value, fmt)
                break
            except ValueError:
                continue
        if moment is None:
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                return None
    assert moment is not None
    return moment.replace(tzinfo=SHANGHAI) if moment.tzinfo is None else moment


def _channel(value: str) -> Channel | None:
    try:
        return Channel(value)
    except ValueError:
        return None


_CATEGORY_BY_NAME = {name: code for code, name in CATEGORY_NAMES.items()}


def _type(mapping: ImportMapping, given: str, given_sub: str, reasons: list[str]) -> tuple[str | None, str | None]:
    """The type by our code or Chinese name (噪声, 噪声/建筑施工噪声), or as the mapping translates it."""
    category_text = mapping.translate("category", given)
    if "/" in category_text and not given_sub:
        category_text, _, given_sub = category_text.partition("/")
    sub_text = mapping.translate("subcategory", given_sub)
    if not category_text:
        return None, None
    category = category_text if category_text in CATEGORY_NAMES else _CATEGORY_BY_NAME.get(category_text)
    if category is None:
        reasons.append(f"问题类型「{given}」无法识别，请在映射 values.category 中对应 / unknown type")
        return None, None
    if not sub_text:
        return category, None
    subtypes = SUBCATEGORIES.get(category, {})
    sub = sub_text if sub_text in subtypes else next((code for code, name in subtypes.items() if name == sub_text),
                                                     None)
    if sub is None:
        reasons.append(f"细类「{sub_text}」不属于{CATEGORY_NAMES[category]} / unknown subtype")
    return category, sub


def _rating(value: str) -> Rating | None:
    try:
        return Rating(value)
    except ValueError:
        return next((rating for rating, label in RATING_LABELS.items() if label == value), None)

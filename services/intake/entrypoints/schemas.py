"""Request and response bodies of intake's HTTP API (validated: bad input is a 4xx, never a 500)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator

from services.intake.domain.complaint import PHONE, normalize_phone
from shared.clock import SHANGHAI
from shared.contracts.codes import Channel, Rating, Resolution, find_town, is_known_type
from shared.text import visible

Content = Annotated[str, Field(min_length=5, max_length=5000, description="投诉内容，5–5000 字"),
                    AfterValidator(visible(5))]
Name = Annotated[str, Field(min_length=1, max_length=50), AfterValidator(visible(1))]
Address = Annotated[str, Field(min_length=1, max_length=500), AfterValidator(visible(1))]
Comment = Annotated[str, Field(min_length=1, max_length=500), AfterValidator(visible(1))]

# The channels this endpoint takes; the hotline, WeChat and Open311 have entry points of their own.
FORM_CHANNELS = (Channel.web, Channel.app)


class ReporterIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Name | None = None
    phone: str | None = Field(default=None, max_length=20)
    anonymous: StrictBool = False

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value and not PHONE.match(value):
            raise ValueError("手机号或电话号码格式不正确 / not a valid Chinese mobile or landline number")
        return value or None


class ComplaintIn(BaseModel):
    """POST /api/v1/complaints (web and app)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    content: Content
    channel: Channel = Field(description="web（网站，无需密钥）或 app（须带 X-API-Key）",
                             json_schema_extra={"enum": [c.value for c in FORM_CHANNELS]})
    category: str | None = Field(default=None, max_length=40)
    subcategory: str | None = Field(default=None, max_length=40)
    town: str | None = Field(default=None, max_length=40, description="镇街：代码（heyangcheng）或名称（合阳城街道）")
    address: Address | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    occurred_at: datetime | None = None
    urgent: StrictBool = False
    reporter: ReporterIn | None = None

    @field_validator("channel", mode="before")
    @classmethod
    def _channel(cls, value: Any) -> Any:
        if value not in FORM_CHANNELS:
            raise ValueError(f"渠道须为 web 或 app / channel must be one of {', '.join(c.value for c in FORM_CHANNELS)}"
                             " (the hotline, WeChat and Open311 have their own entry points)")
        return value

    @field_validator("occurred_at")
    @classmethod
    def _occurred_at(cls, value: datetime | None) -> datetime | None:
        # A citizen's "when" without a zone is a Chongqing wall-clock time.
        return value.replace(tzinfo=SHANGHAI) if value is not None and value.tzinfo is None else value

    @field_validator("town")
    @classmethod
    def _town(cls, value: str | None) -> str | None:
        return town_code(value)

    @model_validator(mode="after")
    def _type(self) -> ComplaintIn:
        check_type(self.category, self.subcategory)
        if (self.lat is None) != (self.lon is None):
            raise ValueError("经纬度须同时提供 / lat and lon go together")
        return self


def town_code(value: str | None) -> str | None:
    """A town given by code or Chinese name, as its code (a validator: ValueError for an unknown one)."""
    if not value:
        return None
    town = find_town(value)
    if town is None:
        raise ValueError(f"未知的镇街“{value}” / unknown town or street (one of Hechuan's 30)")
    return town.code


def check_type(category: str | None, subcategory: str | None) -> None:
    if subcategory and not category:
        raise ValueError("指定细类时须同时指定类别 / subcategory needs a category")
    if not is_known_type(category, subcategory):
        raise ValueError(f"未知的投诉类型 {category}/{subcategory} / unknown category or subcategory")


class ComplaintAccepted(BaseModel):
    """The answer to a citizen's own report: the private token and link are theirs alone."""

    id: str
    tracking_code: str
    status: str
    received_at: datetime
    citizen_token: str | None = Field(description="您的专属凭证：凭它查看和评价，请妥善保存 / your private token "
                                                  "(view and rate with it); shown only in this answer")
    private_link: str | None = Field(description="专属链接 /r/<citizen_token>（API: /api/v1/r/<citizen_token>）")


Token = Annotated[str, Field(min_length=1, max_length=200, description="受理时给您的专属凭证 / your private token")]


class RatingIn(BaseModel):
    """POST /api/v1/r/{token}/rating: the token is in the link."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    rating: Rating
    resolution: Resolution = Field(description="问题是否解决：resolved 解决 / partly_resolved 部分解决 / "
                                               "unresolved 未解决 (required: was the problem solved?)")
    comment: Comment | None = None


class CodeRatingIn(RatingIn):
    """POST /api/v1/complaints/{tracking_code}/rating: the private token in the body."""

    token: Token


# --- the hotline (the call centre's system) -------------------------------------------------------------


def _visible_id(value: str) -> str:
    if not all(ch.isprintable() and not ch.isspace() for ch in value):
        raise ValueError("call_id 只能含可见字符 / call_id takes visible characters only (no blanks or controls)")
    return value


def caller_number(value: str | None) -> str | None:
    """A Chinese mobile or landline number in any usual spelling, normalised (validator)."""
    if value is None or not value.strip():
        return None
    number = normalize_phone(value)
    if number is None:
        raise ValueError("来电号码不是有效的手机或固话号码 / not a valid Chinese mobile or landline number")
    return number


class HotlineIn(BaseModel):
    """POST /api/v1/channels/hotline: a call the operator took (12345 / 12369 call centre)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    call_id: Annotated[str, Field(min_length=1, max_length=128, description="呼叫中心的通话编号（去重）"),
                       AfterValidator(_visible_id)]
    caller_number: str | None = Field(default=None, max_length=30, description="来电号码（手机或固话）")
    content: Content
    town: str | None = Field(default=None, max_length=40, description="镇街：代码或名称")
    address: Address | None = None
    category: str | None = Field(default=None, max_length=40)
    subcategory: str | None = Field(default=None, max_length=40)
    urgent: StrictBool = False

    @field_validator("caller_number")
    @classmethod
    def _caller(cls, value: str | None) -> str | None:
        return caller_number(value)

    @field_validator("town")
    @classmethod
    def _town(cls, value: str | None) -> str | None:
        return town_code(value)

    @model_validator(mode="after")
    def _type(self) -> HotlineIn:
        check_type(self.category, self.subcategory)
        return self


class HotlineAccepted(BaseModel):
    """The hotline's answer: no citizen token (staff never see it)."""

    id: str
    tracking_code: str
    status: str
    received_at: datetime


class PastComplaintOut(BaseModel):
    tracking_code: str
    received_at: datetime
    status: str
    status_label: str
    type_label: str | None
    address: str | None
    content: str


class HotlineHistoryOut(BaseModel):
    by_caller: list[PastComplaintOut]
    by_address: list[PastComplaintOut]


# --- grid workers' patrol findings (网格巡查) -------------------------------------------------------------


class PatrolIn(BaseModel):
    """POST /api/v1/channels/grid: what a grid worker found on patrol. No reporter (the worker is staff),
    and no town: the finding is in the worker's own town (the one on their account)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    content: Content
    category: str | None = Field(default=None, max_length=40)
    subcategory: str | None = Field(default=None, max_length=40)
    address: Address | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    occurred_at: datetime | None = None
    urgent: StrictBool = False

    @field_validator("occurred_at")
    @classmethod
    def _occurred_at(cls, value: datetime | None) -> datetime | None:
        return value.replace(tzinfo=SHANGHAI) if value is not None and value.tzinfo is None else value

    @model_validator(mode="after")
    def _type(self) -> PatrolIn:
        check_type(self.category, self.subcategory)
        if (self.lat is None) != (self.lon is None):
            raise ValueError("经纬度须同时提供 / lat and lon go together")
        return self


class PatrolAccepted(BaseModel):
    """The answer to a patrol finding: the code, and the token for adding photos (/api/v1/r/<token>/attachments)."""

    id: str
    tracking_code: str
    status: str
    received_at: datetime
    town: str
    citizen_token: str | None = Field(description="上传照片用的凭证 / the token to attach photos with "
                                                  "(POST /api/v1/r/<citizen_token>/attachments)")


class PatrolReportOut(PastComplaintOut):
    """One of the grid worker's own reports."""


class PatrolReportsOut(BaseModel):
    reports: list[PatrolReportOut]


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    role: str
    department: str | None
    town: str | None = None  # a grid worker's town

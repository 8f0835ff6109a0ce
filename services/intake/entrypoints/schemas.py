"""Request and response bodies of intake's HTTP API (validated: bad input is a 4xx, never a 500)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator

from services.intake.domain.complaint import PHONE
from shared.clock import SHANGHAI
from shared.contracts.codes import Channel, Rating, find_town, is_known_type
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
        if not value:
            return None
        town = find_town(value)
        if town is None:
            raise ValueError(f"未知的镇街“{value}” / unknown town or street (one of Hechuan's 30)")
        return town.code

    @model_validator(mode="after")
    def _type(self) -> ComplaintIn:
        if self.subcategory and not self.category:
            raise ValueError("指定细类时须同时指定类别 / subcategory needs a category")
        if not is_known_type(self.category, self.subcategory):
            raise ValueError(f"未知的投诉类型 {self.category}/{self.subcategory} / unknown category or subcategory")
        if (self.lat is None) != (self.lon is None):
            raise ValueError("经纬度须同时提供 / lat and lon go together")
        return self


class ComplaintAccepted(BaseModel):
    id: str
    tracking_code: str
    status: str
    received_at: datetime


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    rating: Rating
    comment: Comment | None = None
    phone_last4: str | None = Field(default=None, pattern=r"^\d{4}$")


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    role: str
    department: str | None

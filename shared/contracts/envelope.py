"""The CloudEvents 1.0 envelope (structured JSON mode) every event travels in."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"


class CloudEvent(BaseModel):
    """One event. `subject` is the complaint id, which is also the partition key."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    specversion: str = SPEC_VERSION
    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    source: str  # e.g. "/hechuan/intake"
    type: str  # e.g. "hechuan.complaints.complaint.received.v1"
    subject: str
    time: datetime
    datacontenttype: str = "application/json"
    data: dict[str, Any]
    # Extension attribute: carried through every event caused by one request (logs join on it).
    correlationid: str | None = None

    def to_json(self) -> str:
        return self.model_dump_json(exclude_none=True)

    def to_bytes(self) -> bytes:
        return self.to_json().encode("utf-8")

    @classmethod
    def from_json(cls, raw: str | bytes) -> CloudEvent:
        return cls.model_validate(json.loads(raw))

"""What intake shows of complaints: the citizen's tracking view and the hotline operator's history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.intake.domain.attachments import AttachmentInfo
from services.intake.domain.status import STATUS_LABELS, Status, type_label
from shared.contracts.codes import TOWNS


@dataclass(frozen=True)
class TimelineLine:
    at: datetime
    status: str
    text: str


@dataclass(frozen=True)
class CitizenView:
    """What the tracking page shows (no other citizen's data, no staff names, no personal data)."""

    tracking_code: str
    status: Status
    received_at: datetime
    channel: str
    content: str
    category: str | None
    subcategory: str | None
    town: str | None
    department: str | None
    department_name: str | None
    reply: str | None
    replied_at: datetime | None
    reply_round: int
    rating: str | None
    can_rate: bool
    timeline: list[TimelineLine]
    reply_due: datetime | None = None  # the department's deadline to reply (Open311's expected_datetime)
    attachments: tuple[AttachmentInfo, ...] = ()  # the citizen's photos and videos, oldest first
    can_attach: bool = False  # more files may be added (the complaint is not closed)
    merged_with: str | None = None  # 并单: the tracking code of the complaint it is handled with
    reply_photos: tuple[str, ...] = ()  # ids of the 办理照片 sent with the reply (routing serves their bytes)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def type_label(self) -> str | None:
        return type_label(self.category, self.subcategory)

    @property
    def town_name(self) -> str | None:
        town = TOWNS.get(self.town) if self.town else None
        return town.name if town else None


@dataclass(frozen=True)
class PastComplaint:
    """One earlier complaint as the hotline operator sees it while a caller is on the line (no reporter)."""

    tracking_code: str
    received_at: datetime
    status: Status
    category: str | None
    subcategory: str | None
    address: str | None
    content: str

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def type_label(self) -> str | None:
        return type_label(self.category, self.subcategory)


@dataclass(frozen=True)
class CallerHistory:
    """A caller's earlier complaints (by their number) and those at the address they name, newest first."""

    by_caller: list[PastComplaint]
    by_address: list[PastComplaint]


HISTORY_LIMIT = 20  # at most this many of each
MIN_ADDRESS_QUERY = 4  # characters: shorter address texts match too much to help

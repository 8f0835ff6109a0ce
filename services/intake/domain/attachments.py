"""Photos and short videos a citizen attaches to their complaint as evidence.

Pure Python. What a file is comes from its first bytes (magic numbers), never from its name or the
Content-Type the browser sent; the limits are per kind (images, videos) and per complaint. The bytes
themselves live in an attachment store (a port), the database keeps what is described here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from services.intake.domain.errors import (
    AttachmentTooLarge,
    TooManyAttachments,
    UnsupportedAttachment,
)
from shared.filestore import (  # noqa: F401 - what a file is, decided once for every service
    IMAGE_TYPES,
    JPEG,
    MP4,
    PNG,
    SNIFF_BYTES,
    VIDEO_TYPES,
    WEBP,
    is_image,
    sniff,
)


@dataclass(frozen=True)
class AttachmentLimits:
    image_max_bytes: int = 10 * 1024 * 1024
    video_max_bytes: int = 30 * 1024 * 1024
    per_complaint: int = 6

    @property
    def largest(self) -> int:
        """No upload of any kind may be larger than this."""
        return max(self.image_max_bytes, self.video_max_bytes)

    def kind_of(self, data: bytes) -> str:
        """The file's media type, checked against its kind's size limit (nothing is stored otherwise)."""
        content_type = sniff(data[:SNIFF_BYTES])
        if content_type is None:
            raise UnsupportedAttachment()
        limit = self.image_max_bytes if is_image(content_type) else self.video_max_bytes
        if len(data) > limit:
            raise AttachmentTooLarge(content_type, limit)
        return content_type

    def check_room(self, existing: int) -> None:
        if existing >= self.per_complaint:
            raise TooManyAttachments(self.per_complaint)


@dataclass(frozen=True)
class Location:
    lat: float
    lon: float


@dataclass(frozen=True)
class PreparedMedia:
    """A file as it will be stored: images re-encoded without any EXIF (so without GPS); `location`
    is what its EXIF GPS said (read only when the citizen said the photo shows the place)."""

    content_type: str
    data: bytes
    gps_removed: bool  # the original carried GPS coordinates, and the stored copy does not
    location: Location | None = None


@dataclass(frozen=True)
class Attachment:
    """One stored file of a complaint: what it is, how large, its sha256 and where the store keeps it."""

    id: str
    complaint_id: str
    content_type: str
    size: int
    sha256: str
    storage_key: str
    gps_removed: bool
    created_at: datetime

    @classmethod
    def new(cls, *, complaint_id: str, content_type: str, size: int, sha256: str, storage_key: str,
            gps_removed: bool, at: datetime) -> Attachment:
        return cls(str(uuid.uuid4()), complaint_id, content_type, size, sha256, storage_key, gps_removed, at)


@dataclass(frozen=True)
class AttachmentInfo:
    """What the citizen's view lists of an attachment."""

    id: str
    content_type: str
    size: int


# Staff roles that see every complaint's attachments; a dispatcher sees those of their department's.
ALL_SEEING_ROLES = frozenset({"supervisor", "admin", "operator"})


def staff_may_see(role: str, department: str | None, complaint_department: str | None) -> bool:
    if role in ALL_SEEING_ROLES:
        return True
    return role == "dispatcher" and department is not None and department == complaint_department

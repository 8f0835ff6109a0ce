"""Attachments without a database: what a file is (from its bytes), the limits, and images made clean.

Test images are made here with Pillow; the file name a citizen's phone gives is never looked at, so
"named .jpg" below means only that the test would have called it that.
"""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime

import pytest
from PIL import ExifTags, Image

from services.intake.adapters.media import PillowMedia
from services.intake.domain.attachments import (
    JPEG,
    MP4,
    PNG,
    WEBP,
    AttachmentLimits,
    Location,
    sniff,
    staff_may_see,
)
from services.intake.domain.complaint import Complaint, SealedReporter
from services.intake.domain.errors import (
    AttachmentTooLarge,
    ComplaintClosedForAttachments,
    TooManyAttachments,
    UnsupportedAttachment,
)
from services.intake.domain.status import Status
from shared.contracts.codes import Channel
from shared.filestore import FolderStore, StoredFileMissing

HECHUAN_GPS = {1: "N", 2: (29.0, 58.0, 30.0), 3: "E", 4: (106.0, 16.0, 12.0)}  # 29.975 N, 106.27 E


def picture(fmt: str = "JPEG", *, gps: dict[int, object] | None = None, size: tuple[int, int] = (64, 48),
            noisy: bool = False) -> bytes:
    """A picture made here (noise: hard to compress, so as large as its size says)."""
    image = (Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)) if noisy
             else Image.new("RGB", size, (30, 140, 60)))
    exif = Image.Exif()
    exif[0x010F] = "HechuanCam"  # Make
    exif[0x0131] = "test-firmware"  # Software
    if gps is not None:
        exif[ExifTags.IFD.GPSInfo] = gps
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif)
    return out.getvalue()


def mp4(extra: int = 0) -> bytes:
    """The head of an MP4 file (an ftyp box, brand isom), then filler: enough for sniffing."""
    ftyp = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
    return ftyp + b"\x00\x00\x00\x08free" + b"\x00" * extra


def exif_of(data: bytes) -> dict[int, object]:
    with Image.open(io.BytesIO(data)) as image:
        return dict(image.getexif())


# --- sniffing: the bytes decide -----------------------------------------------------------------------


def test_a_png_named_jpg_is_a_png():
    data = picture("PNG")  # as if uploaded as "photo.jpg" with Content-Type image/jpeg
    assert sniff(data[:32]) == PNG
    assert AttachmentLimits().kind_of(data) == PNG


def test_each_accepted_kind_is_known_by_its_magic_number():
    assert sniff(picture("JPEG")[:32]) == JPEG
    assert sniff(picture("WEBP")[:32]) == WEBP
    assert sniff(mp4()[:32]) == MP4


@pytest.mark.parametrize("data", [
    "这不是照片 just text named photo.jpg".encode(),
    b"GIF89a\x01\x00\x01\x00",  # a GIF is not accepted
    b"%PDF-1.7\n",
    b"\x00\x00\x00\x18ftypqt  \x00\x00\x02\x00qt  ",  # QuickTime, not MP4
    b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",  # a HEIF photo
    b"",
])
def test_anything_else_is_refused_whatever_its_name(data):
    assert sniff(data[:32]) is None
    with pytest.raises(UnsupportedAttachment) as refused:
        AttachmentLimits().kind_of(data)
    assert "JPEG" in refused.value.message and "只能上传" in refused.value.message


def test_each_kind_has_its_own_size_limit():
    limits = AttachmentLimits(image_max_bytes=1000, video_max_bytes=5000, per_complaint=6)
    big_picture = picture("PNG", size=(40, 40), noisy=True)
    assert len(big_picture) > 1000
    with pytest.raises(AttachmentTooLarge) as refused:
        limits.kind_of(big_picture)
    assert "图片" in refused.value.message
    assert limits.kind_of(mp4(extra=3000)) == MP4  # a video of the same size is fine
    with pytest.raises(AttachmentTooLarge):
        limits.kind_of(mp4(extra=6000))


def test_at_most_so_many_per_complaint():
    limits = AttachmentLimits(per_complaint=6)
    limits.check_room(5)
    with pytest.raises(TooManyAttachments):
        limits.check_room(6)


def test_a_closed_complaint_takes_no_more_files_and_a_photo_places_only_an_unplaced_complaint():
    at = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    complaint = Complaint.receive(channel=Channel.web, content="工地夜间施工噪声", reporter=SealedReporter(), at=at,
                                  seal=lambda token: token)
    complaint.check_attachable()
    assert complaint.locate(Location(29.975, 106.27)) is True
    assert (complaint.lat, complaint.lon) == (29.975, 106.27)
    assert complaint.locate(Location(1.0, 2.0)) is False  # the first position stays
    complaint.status = Status.closed
    with pytest.raises(ComplaintClosedForAttachments):
        complaint.check_attachable()


def test_who_on_the_staff_may_see_a_case():
    for role in ("supervisor", "admin", "operator"):
        assert staff_may_see(role, None, "ecology_env")
    assert staff_may_see("dispatcher", "ecology_env", "ecology_env")
    assert not staff_may_see("dispatcher", "urban_management", "ecology_env")
    assert not staff_may_see("dispatcher", None, None)
    assert not staff_may_see("dispatcher", "ecology_env", None)


# --- images made clean (Pillow) -----------------------------------------------------------------------


def test_a_jpeg_with_gps_exif_comes_out_without_it():
    original = picture("JPEG", gps=HECHUAN_GPS)
    assert exif_of(original).get(ExifTags.IFD.GPSInfo) is not None
    prepared = PillowMedia().prepare(original, JPEG)
    assert prepared.gps_removed is True
    assert prepared.location is None  # not asked for
    assert exif_of(prepared.data) == {}  # no GPS, no camera, nothing
    with Image.open(io.BytesIO(prepared.data)) as image:
        assert image.format == "JPEG" and image.size == (64, 48)


def test_the_photo_as_the_place_gives_its_gps_and_is_still_stored_without_it():
    prepared = PillowMedia().prepare(picture("JPEG", gps=HECHUAN_GPS), JPEG, read_location=True)
    assert prepared.location == Location(29.975, 106.27)
    assert exif_of(prepared.data) == {}


@pytest.mark.parametrize(("fmt", "content_type"), [("PNG", PNG), ("WEBP", WEBP)])
def test_png_and_webp_lose_their_exif_too(fmt, content_type):
    original = picture(fmt, gps=HECHUAN_GPS)
    assert exif_of(original)
    prepared = PillowMedia().prepare(original, content_type)
    assert exif_of(prepared.data) == {}
    assert sniff(prepared.data[:32]) == content_type


def test_a_picture_without_gps_is_not_said_to_have_lost_any():
    prepared = PillowMedia().prepare(picture("JPEG"), JPEG)
    assert prepared.gps_removed is False


def test_bytes_that_only_start_like_an_image_are_refused():
    fake = b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 10
    assert sniff(fake[:32]) == JPEG
    with pytest.raises(UnsupportedAttachment):
        PillowMedia().prepare(fake, JPEG)


def test_a_video_is_stored_as_it_came():
    data = mp4(extra=100)
    prepared = PillowMedia().prepare(data, MP4)
    assert prepared.data == data and prepared.gps_removed is False


# --- the folder store ----------------------------------------------------------------------------------


def test_the_folder_store_puts_gets_streams_and_deletes(tmp_path):
    store = FolderStore(tmp_path / "attachments")
    assert store.keys() == []
    key = store.put(b"\x89PNG bytes")
    assert store.get(key) == b"\x89PNG bytes"
    assert b"".join(store.stream(key, chunk=3)) == b"\x89PNG bytes"
    assert store.keys() == [key]
    store.delete(key)
    assert store.keys() == []
    with pytest.raises(StoredFileMissing):
        store.get(key)
    with pytest.raises(ValueError):
        store.get("../../etc/passwd")

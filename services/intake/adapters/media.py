"""Images through Pillow: opened and verified, then re-encoded without EXIF (so without GPS).

The `MediaPreparer` port's adapter. What a file is was decided from its magic number already
(`domain/attachments.sniff`); here an image must also decode as that kind, or it is refused.
Videos (MP4) are stored as they came: their metadata is not rewritten.
"""

from __future__ import annotations

import io
import warnings
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from services.intake.domain.attachments import JPEG, PNG, WEBP, Location, PreparedMedia, is_image
from services.intake.domain.errors import UnsupportedAttachment

_FORMATS = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP"}
MAX_PIXELS = 50_000_000  # a larger picture is refused (decompression bombs): phones make ~50 MP at most
GPS_IFD = 0x8825
_GPS_LAT_REF, _GPS_LAT, _GPS_LON_REF, _GPS_LON = 1, 2, 3, 4


class PillowMedia:
    def prepare(self, data: bytes, content_type: str, *, read_location: bool = False) -> PreparedMedia:
        if not is_image(content_type):
            return PreparedMedia(content_type, data, gps_removed=False)
        expected = _FORMATS[content_type]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(io.BytesIO(data)) as probe:
                    if probe.format != expected or probe.width * probe.height > MAX_PIXELS:
                        raise UnsupportedAttachment()
                    probe.verify()
                with Image.open(io.BytesIO(data)) as image:
                    image.load()
                    gps = _gps(image)
                    clean = _reencoded(image, expected)
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
                Image.DecompressionBombWarning) as exc:
            raise UnsupportedAttachment() from exc
        location = _location(gps) if read_location and gps else None
        return PreparedMedia(content_type, clean, gps_removed=bool(gps), location=location)


def _gps(image: Image.Image) -> dict[int, Any]:
    try:
        return dict(image.getexif().get_ifd(GPS_IFD))
    except Exception:  # noqa: BLE001 - unreadable EXIF: no location, and it is dropped anyway
        return {}


def _reencoded(image: Image.Image, fmt: str) -> bytes:
    """The picture upright (EXIF orientation applied, as EXIF goes away) and saved with no metadata."""
    upright = ImageOps.exif_transpose(image)
    if fmt == "JPEG" and upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
    out = io.BytesIO()
    options: dict[str, Any] = {"quality": 90} if fmt in ("JPEG", "WEBP") else {"optimize": True}
    upright.save(out, format=fmt, **options)  # no exif=, no pnginfo: nothing but the pixels
    return out.getvalue()


def _location(gps: dict[int, Any]) -> Location | None:
    try:
        lat = _degrees(gps[_GPS_LAT], gps.get(_GPS_LAT_REF, "N"), "S")
        lon = _degrees(gps[_GPS_LON], gps.get(_GPS_LON_REF, "E"), "W")
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return Location(round(lat, 6), round(lon, 6))


def _degrees(dms: Any, ref: Any, negative: str) -> float:
    d, m, s = (float(x) for x in dms)
    value = d + m / 60 + s / 3600
    ref = ref.decode() if isinstance(ref, bytes) else str(ref)
    return -value if ref.strip().upper() == negative else value

"""Small real pictures for tests that upload photos."""

from __future__ import annotations

import io

from PIL import Image


def jpeg(size: tuple[int, int] = (32, 32), colour: tuple[int, int, int] = (90, 120, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()

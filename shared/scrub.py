"""Personal numbers in free text: phone and ID-card numbers replaced by placeholders (`scrub`).

Retention (intake's `complaints anonymise`) scrubs the complaint's text, reply, timeline and comments with
it, and every other service scrubs its own copy of those texts the same way when it hears that a complaint
was anonymised, so no copy keeps what the original lost.
"""

from __future__ import annotations

import re

PHONE_MARK = "[电话]"
ID_MARK = "[身份证号]"

_NOT_ALNUM_BEFORE, _NOT_ALNUM_AFTER = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
_BIRTH_DATE = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
# Order matters: ID-card numbers first (a mobile number's digits may sit inside one), then mobiles, then
# landlines with an area code, then a local landline number said to be one (电话 4281 2345).
_SCRUB: tuple[tuple[re.Pattern[str], str], ...] = (
    # 18-digit resident ID (six digits of place, birth date 18xx–20xx, three digits, a check digit or X)
    (re.compile(_NOT_ALNUM_BEFORE + r"\d{6}(?:18|19|20)\d{2}" + _BIRTH_DATE + r"\d{3}[\dXx]" + _NOT_ALNUM_AFTER),
     ID_MARK),
    # 15-digit resident ID of before 1999 (two-digit year)
    (re.compile(_NOT_ALNUM_BEFORE + r"\d{8}" + _BIRTH_DATE + r"\d{3}" + _NOT_ALNUM_AFTER), ID_MARK),
    # mobile: 1[3-9]x xxxx xxxx, with +86 / 0086 / 86 before it, spaces or hyphens between the groups
    (re.compile(r"(?<![\d+])(?:(?:\+|00)?86[-\s]?)?1[3-9]\d[-\s]?\d{4}[-\s]?\d{4}(?!\d)"), PHONE_MARK),
    # landline with its area code: 023-4281 2345, (023)42812345, 0571 876 5432
    (re.compile(r"(?<!\d)[(（]?0\d{2,3}[)）]?[-\s]?[2-9]\d{2,3}[-\s]?\d{4}(?!\d)"), PHONE_MARK),
    # a local number named as a phone: 电话4281 2345, 座机：42812345
    (re.compile(r"((?:电话|手机|座机|号码|联系方式|tel|Tel|TEL)[:：是为\s]*)[2-9]\d{2,3}[-\s]?\d{4}(?!\d)"),
     r"\1" + PHONE_MARK),
)


def scrub(text: str) -> str:
    """The text with phone and ID-card numbers replaced by PHONE_MARK and ID_MARK; idempotent."""
    for pattern, replacement in _SCRUB:
        text = pattern.sub(replacement, text)
    return text


def scrubbed(text: str | None) -> str | None:
    return scrub(text) if text else text

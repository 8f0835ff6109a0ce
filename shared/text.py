"""Free text from people: control characters removed (PostgreSQL refuses NUL; none is ever meant),
bidirectional-override characters removed (they make stored text display other than it reads, e.g. a
reversed phone number or a disguised link), whitespace trimmed, and the minimum length checked on what
is left that can be seen: invisible format characters (zero-width spaces, joiners) do not count.

Use: `Content = Annotated[str, Field(min_length=5, max_length=5000), AfterValidator(visible(5))]`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

_CONTROL = dict.fromkeys(c for c in range(32) if chr(c) not in "\n\t")
# Bidi embeddings, overrides and isolates (U+202A–202E, U+2066–2069) and the marks (LRM, RLM, ALM).
_BIDI = dict.fromkeys([0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_REMOVED = _CONTROL | _BIDI


def visible_text(value: str) -> str:
    return value.translate(_REMOVED).strip()


def seen_length(value: str) -> int:
    """How many characters of `value` take a place: format characters (Unicode Cf: zero-width space and
    joiners, word joiner, BOM, soft hyphen) are not counted."""
    return sum(1 for ch in value if unicodedata.category(ch) != "Cf")


def visible(min_length: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        cleaned = visible_text(value)
        if seen_length(cleaned) < min_length:
            raise ValueError(f"至少 {min_length} 个字 / needs at least {min_length} visible characters")
        return cleaned

    return check

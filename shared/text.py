"""Free text from people: control characters removed (PostgreSQL refuses NUL; none is ever meant),
whitespace trimmed, and the minimum length checked on what is left.

Use: `Content = Annotated[str, Field(min_length=5, max_length=5000), AfterValidator(visible(5))]`.
"""

from __future__ import annotations

from collections.abc import Callable

_CONTROL = dict.fromkeys(c for c in range(32) if chr(c) not in "\n\t")


def visible_text(value: str) -> str:
    return value.translate(_CONTROL).strip()


def visible(min_length: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        cleaned = visible_text(value)
        if len(cleaned) < min_length:
            raise ValueError(f"至少 {min_length} 个字 / needs at least {min_length} visible characters")
        return cleaned

    return check

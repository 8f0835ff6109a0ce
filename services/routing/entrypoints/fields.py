"""What every route module of routing shares: free-text fields that must hold visible characters, and the
department a signed-in dispatcher acts for."""

from __future__ import annotations

from pydantic import AfterValidator, StringConstraints

from shared.auth import Principal, may_act_for
from shared.contracts.codes import TRIAGE
from shared.text import visible


def text(low: int, high: int) -> tuple[StringConstraints, AfterValidator]:
    """A text of `low`–`high` characters, at least `low` of them visible (not blanks, zero-width or controls)."""
    return StringConstraints(min_length=low, max_length=high), AfterValidator(visible(low))


def acting_for(principal: Principal) -> str | None:
    """The one department a dispatcher acts for; None for supervisors and admins (any department)."""
    return None if may_act_for(principal, TRIAGE) else (principal.department or "")

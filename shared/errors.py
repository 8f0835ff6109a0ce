"""Errors a domain raises on purpose. Pure Python: the HTTP edge (`shared.http`) maps each kind to a status.

A service names its own errors after what went wrong (`CaseNotFound`, `ReturnWindowClosed`) and
derives them from one of these kinds; handlers raise them, routes never translate them by hand.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every deliberate error; `code` is the machine-readable name in the error body."""

    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details


class InvalidInput(DomainError):
    """The request names something that does not exist or is not allowed (a type, a department, a date)."""

    code = "invalid"


class Unauthorized(DomainError):
    """Not signed in, or the credentials are wrong."""

    code = "unauthorized"


class Forbidden(DomainError):
    """Signed in, but this role may not do this."""

    code = "forbidden"


class NotFound(DomainError):
    """No such thing, or not one the caller may see (absence and refusal look alike)."""

    code = "not_found"


class Conflict(DomainError):
    """The thing exists, but its state does not allow this now."""

    code = "conflict"


class TooLarge(DomainError):
    """What was sent is larger than allowed (an attachment over its size limit)."""

    code = "too_large"


class UnsupportedMedia(DomainError):
    """What was sent is not of a kind accepted here (judged from its bytes, never its name)."""

    code = "unsupported_media_type"


class TooManyRequests(DomainError):
    """Too many tries (wrong codes or phone digits, logins): wait, then try again.

    `retry_after` (seconds), when known, becomes the response's Retry-After header.
    """

    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after

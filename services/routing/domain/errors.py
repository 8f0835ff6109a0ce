"""Routing's domain errors. The HTTP layer maps them to statuses; the domain knows nothing of HTTP."""

from __future__ import annotations


class RoutingError(Exception):
    """Base of every error the routing domain raises on purpose."""


class CaseNotFound(RoutingError):
    """No such case, or not one the actor may see (another department's case looks absent)."""


class IllegalTransition(RoutingError):
    """The case's state (or a closed time window) does not allow this action now."""


class InvalidRequest(RoutingError):
    """The request names something that does not exist (department, type)."""

"""Routing's domain errors, each of a kind from `shared.errors`; the HTTP edge maps kinds to statuses."""

from __future__ import annotations

from shared.errors import Conflict, Forbidden, InvalidInput, NotFound


class CaseNotFound(NotFound):
    """No such case, or not one the actor may see (another department's case looks absent)."""


class IllegalTransition(Conflict):
    """The case's state (or a closed time window) does not allow this action now."""


class InvalidRequest(InvalidInput):
    """The request names something that does not exist or is not allowed (department, type, code)."""


class NotYourDepartment(Forbidden):
    """A dispatcher asked for another department's queue."""


class DepartmentNotFound(NotFound):
    """No department with this code in routing's directory."""


class DuplicateDepartment(Conflict):
    """A department with this code exists already."""


class RuleNotFound(NotFound):
    """No routing rule with this id."""


class DuplicateRule(Conflict):
    """An active rule with the same type and place exists: change it instead of adding another."""

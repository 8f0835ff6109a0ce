"""What notify refuses, named after what went wrong; the kinds (and so the HTTP status) are shared.errors'."""

from __future__ import annotations

from shared.errors import Forbidden, InvalidInput


class InvalidReportRequest(InvalidInput):
    """A report asked for with a period or grouping that makes no sense."""


class OtherDepartmentsAlerts(Forbidden):
    """A dispatcher asked for the alerts of a department that is not theirs."""

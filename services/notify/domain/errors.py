"""What notify refuses, named after what went wrong; the kinds (and so the HTTP status) are shared.errors'."""

from __future__ import annotations

from shared.errors import Conflict, Forbidden, InvalidInput, NotFound


class InvalidReportRequest(InvalidInput):
    """A report asked for with a period or grouping that makes no sense."""


class OtherDepartmentsAlerts(Forbidden):
    """A dispatcher asked for the alerts of a department that is not theirs."""


class CallbackNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("没有这件回访 / no such callback")


class CallbackClosed(Conflict):
    """A call recorded on a callback that is done or unreachable already."""

    def __init__(self, status: str) -> None:
        super().__init__(f"该回访已结束（{status}），不能再记录 / this callback is closed ({status})")


class InvalidCallbackOutcome(InvalidInput):
    def __init__(self, outcome: str) -> None:
        super().__init__(f"回访结果应为 满意/基本满意/不满意/无人接听/拒绝回访 之一，不是 {outcome!r} / "
                         "outcome must be satisfied, basically_satisfied, unsatisfied, no_answer or refused")


class InvalidResolution(InvalidInput):
    """解决情况: required with a rating, one of three values; a call without a rating has none."""


class RatingNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("该轮次没有评价 / this reply round has no rating")


class ReviewNotAllowed(Conflict):
    """A review (不合理差评) of a rating that is not unsatisfied, marked twice, or withdrawn when not marked."""


class InvalidReview(InvalidInput):
    """A review without a reason, or with one too long."""


class HotspotNotFound(NotFound):
    """No hotspot (问题清单条目) with this key: never flagged, never worked on."""


class InvalidHotspotChange(InvalidInput):
    """An owner, plan or status of a hotspot that cannot be taken (too long, resolved without a note...)."""

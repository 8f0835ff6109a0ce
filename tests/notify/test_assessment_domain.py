"""考核's ranking rules on hand-made records: weights, units too small to rank, and the red and black lists."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from services.notify.domain.assessment import AssessmentPolicy, AssignmentSpan, assess
from services.notify.domain.metrics import Period
from shared.clock import SHANGHAI

MONTH = Period(date(2026, 11, 1), date(2026, 11, 30))
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=SHANGHAI)
T = datetime(2026, 11, 10, 9, 0, tzinfo=SHANGHAI)


def spans(code: str, on_time: int, late: int, returned: int = 0) -> list[AssignmentSpan]:
    due = T + timedelta(days=1)
    made = [AssignmentSpan(f"{code}-ok{i}", code, T, due, T + timedelta(hours=1)) for i in range(on_time)]
    made += [AssignmentSpan(f"{code}-late{i}", code, T, due, due + timedelta(hours=1)) for i in range(late)]
    made += [AssignmentSpan(f"{code}-ret{i}", code, T, due, None, T + timedelta(hours=2), "returned")
             for i in range(returned)]
    return made


def run(units: dict[str, str], records: list[AssignmentSpan], **policy) -> dict:
    found = assess(spans=records, replies=[], ratings=[], rounds=[], units=units, period=MONTH, now=NOW,
                   policy=AssessmentPolicy(**policy))
    return {"units": {u.department: u for u in found.units}, "red": found.red, "black": found.black,
            "order": [u.department for u in found.units]}


def test_signing_and_returns_make_the_score_and_the_rank():
    units = {"a": "district", "b": "district", "c": "district", "d": "district", "t": "town"}
    records = spans("a", 4, 0) + spans("b", 2, 2) + spans("c", 3, 0, returned=1) + spans("d", 1, 0) + spans("t", 3, 0)
    found = run(units, records, min_cases=3, list_size=3)
    u = found["units"]
    assert u["a"].score == 100.0
    assert u["b"].score == pytest.approx((15 * 50 + 10 * 100) / 25)  # signing 2/4, returns 0/4
    assert u["c"].score == pytest.approx((15 * 100 + 10 * 75) / 25)  # the returned one: not due yet when it left
    assert [u[k].rank for k in "abcd"] == [1, 3, 2, None]  # d: one case, too few to rank
    assert found["order"][:4] == ["a", "c", "b", "d"]
    assert found["red"]["district"] == ("a",) and found["black"]["district"] == ("b",)  # 3 ranked: one each
    assert u["t"].rank == 1 and found["red"]["town"] == () and found["black"]["town"] == ()  # one town: no lists


def test_weights_change_the_order_and_a_zero_weight_is_ignored():
    units = {"a": "district", "b": "district"}
    records = spans("a", 3, 1) + spans("b", 4, 0, returned=2)
    by_signing = run(units, records, weights={"signing": 1, "returns": 0}, min_cases=1)
    by_returns = run(units, records, weights={"signing": 0, "returns": 1}, min_cases=1)
    assert by_signing["order"] == ["b", "a"] and by_returns["order"] == ["a", "b"]


@pytest.mark.parametrize("weights", [{"speed": 1}, {"signing": -1}, dict.fromkeys(
    ("signing", "reply", "returns", "reopenings", "satisfaction"), 0)])
def test_bad_weights_are_refused(weights):
    with pytest.raises(ValueError):
        AssessmentPolicy(weights=weights)

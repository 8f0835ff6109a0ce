"""被举报企业, the pure rules: the 统一社会信用代码 check character (GB 32100-2015), the firm's values, the repeat
rule (重复被举报) and a case's link to a firm (audited, announced). Over HTTP: test_firms.py."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from services.routing.domain.case import Case, Status
from services.routing.domain.errors import IllegalTransition
from services.routing.domain.firms import (
    CREDIT_CHARSET,
    Firm,
    FirmInvalid,
    FirmRef,
    FirmStatus,
    RepeatRule,
    credit_check_char,
    credit_code_problem,
    valid_credit_code,
    valid_permit,
)
from shared.clock import SHANGHAI
from shared.contracts.events import CaseFirmLinkedV1, CaseFirmUnlinkedV1

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)

# Codes built here: 17 characters, then the check character the algorithm gives (worked by hand below for one).
BUILT = ["91500117MA5U00000N", "91500117203456789G", "125001174504123451"]
# Codes published by the firms themselves (business licences): the algorithm must agree with the registry.
PUBLISHED = ["9144030071526726XG", "91330100716105852F", "914403001922038216"]


def test_the_check_character_by_hand():
    """9 1 5 0 0 1 1 7 2 0 3 4 5 6 7 8 9 with weights 3^(i-1) mod 31:
    9·1 + 1·3 + 5·9 + 0·27 + 0·19 + 1·26 + 1·16 + 7·17 + 2·20 + 0·29 + 3·25 + 4·13 + 5·8 + 6·24 + 7·10 + 8·30
    + 9·28 = 1131; 1131 mod 31 = 15; 31 − 15 = 16, the 17th character of the set: G."""
    first17 = "91500117203456789"
    total = sum(CREDIT_CHARSET.index(ch) * pow(3, i, 31) for i, ch in enumerate(first17))
    assert total == 1131 and 31 - total % 31 == 16 and CREDIT_CHARSET[16] == "G"
    assert credit_check_char(first17) == "G"


@pytest.mark.parametrize("code", BUILT + PUBLISHED)
def test_valid_codes_pass(code):
    assert credit_code_problem(code) is None
    assert valid_credit_code(code) == code


@pytest.mark.parametrize("code", BUILT + PUBLISHED)
def test_every_other_check_character_is_refused(code):
    for other in CREDIT_CHARSET.replace(code[-1], ""):
        problem = credit_code_problem(code[:17] + other)
        assert problem is not None and "校验位" in problem and f"应为 {code[-1]}" in problem


def test_a_check_character_of_zero_is_written_0():
    """31 − (Σ mod 31) is 31 when the sum is a multiple of 31: written 0, never out of the set."""
    for n in range(10_000):
        first17 = f"9150011700{n:07d}"
        if sum(CREDIT_CHARSET.index(ch) * pow(3, i, 31) for i, ch in enumerate(first17)) % 31 == 0:
            assert credit_check_char(first17) == "0"
            assert credit_code_problem(first17 + "0") is None
            return
    pytest.fail("no code with a sum divisible by 31 found")


@pytest.mark.parametrize("code", ["9150011720345678", "91500117203456789G1", ""])
def test_wrong_length(code):
    problem = credit_code_problem(code)
    assert problem is not None and "18位" in problem
    with pytest.raises(FirmInvalid, match="18位"):
        valid_credit_code(code)


def test_lower_case_and_spaces_are_the_same_code():
    assert valid_credit_code(" 9144 0300 7152 6726xg ") == "9144030071526726XG"
    assert valid_credit_code("91500117ma5u00000n") == "91500117MA5U00000N"


@pytest.mark.parametrize("code", ["9150011720345678IG", "91500117O03456789G", "9150011720345678SV"])
def test_letters_outside_the_set(code):
    with pytest.raises(FirmInvalid, match="I、O、Z、S、V"):
        valid_credit_code(code)


def test_the_area_code_is_digits():
    code = "91A00117203456789"
    with pytest.raises(FirmInvalid, match="行政区划"):
        valid_credit_code(code + credit_check_char(code))


def test_permit_numbers_are_checked_lightly():
    assert valid_permit("91500117203456789g001p") == "91500117203456789G001P"
    assert valid_permit("") is None and valid_permit(None) is None
    for bad in ("123", "许可证123456789", "91500117203456789G001P/1"):
        with pytest.raises(FirmInvalid, match="排污许可证"):
            valid_permit(bad)


def _firm(**over) -> Firm:
    values = dict(id="f1", name=" 合川某某建材有限公司 ", credit_code="91500117203456789g", town="taihe",
                  address="太和镇工业园1号", industry="水泥制品", permit_number=None, status=FirmStatus.operating,
                  by="sup", at=NOW)
    values.update(over)
    return Firm.register(**values)  # type: ignore[arg-type]


def test_register_normalises_and_checks():
    firm = _firm()
    assert (firm.name, firm.credit_code, firm.town) == ("合川某某建材有限公司", "91500117203456789G", "taihe")
    with pytest.raises(FirmInvalid, match="镇街"):
        _firm(town="nowhere")
    with pytest.raises(FirmInvalid, match="校验位"):
        _firm(credit_code="91500117203456789H")


def test_edit_changes_only_what_differs_and_only_the_permit_may_be_cleared():
    firm = _firm(permit_number="91500117203456789G001P")
    later = NOW + timedelta(hours=1)
    assert firm.edit({"name": "合川某某建材有限公司", "status": "suspended"}, by="disp", at=later) == ["status"]
    assert (firm.status, firm.updated_by, firm.updated_at) == (FirmStatus.suspended, "disp", later)
    assert firm.edit({"permit_number": None}, by="disp", at=later) == ["permit_number"]
    with pytest.raises(FirmInvalid, match="清空"):
        firm.edit({"name": None}, by="disp", at=later)
    with pytest.raises(FirmInvalid):
        firm.edit({"id": "x"}, by="disp", at=later)


def test_the_repeat_rule():
    rule = RepeatRule(threshold=3, days=90)
    day = timedelta(days=1)
    cases = [(NOW - 89 * day, "replied"), (NOW - 10 * day, "assigned"), (NOW, "triage")]
    assert rule.count(cases, NOW) == 3 and rule.repeated(cases, NOW)
    # exactly 90 days ago is outside the window (now − 90 days < received ≤ now); later than now is not yet
    assert not rule.repeated([(NOW - 90 * day, "replied"), *cases[1:]], NOW)
    assert not rule.repeated([*cases[:2], (NOW + timedelta(seconds=1), "triage")], NOW)
    # refused (不予受理) and merged (并单) cases do not count; forwarded ones do
    assert not rule.repeated([*cases[:2], (NOW, "rejected")], NOW)
    assert not rule.repeated([*cases[:2], (NOW, "merged")], NOW)
    assert rule.repeated([*cases[:2], (NOW, "forwarded")], NOW)
    assert RepeatRule(threshold=4).repeated(cases, NOW) is False
    assert "90天内被举报3次" in rule.reason(3)


def _case() -> Case:
    return Case(complaint_id="c1", tracking_code="HC1", channel="web", content="粉尘", received_at=NOW,
                assign_due=NOW, status=Status.assigned, department="ecology_env")


def test_a_case_is_linked_audited_and_announced():
    case, firm = _case(), FirmRef("f1", "合川某某建材有限公司", "91500117203456789G", "taihe")
    case.link_firm(firm, by="disp", at=NOW)
    assert case.firm_id == "f1"
    assert case.history[-1].action == "firm_linked"
    assert case.history[-1].detail == {"firm": "f1", "firm_name": "合川某某建材有限公司",
                                       "credit_code": "91500117203456789G"}
    [linked] = case.pull_events()
    assert isinstance(linked, CaseFirmLinkedV1)
    assert (linked.firm_id, linked.firm_name, linked.credit_code, linked.firm_town, linked.received_at,
            linked.tracking_code, linked.by) == ("f1", firm.name, firm.credit_code, "taihe", NOW, "HC1", "disp")
    with pytest.raises(IllegalTransition, match="已关联该企业"):
        case.link_firm(firm, by="disp", at=NOW)
    case.link_firm(FirmRef("f2", "另一家", "9144030071526726XG"), by="sup", at=NOW)
    assert case.firm_id == "f2" and case.history[-1].detail["previous"] == "f1"
    case.link_firm(None, by="sup", at=NOW)
    assert case.firm_id is None and case.history[-1].action == "firm_unlinked"
    unlinked = case.pull_events()[-1]
    assert isinstance(unlinked, CaseFirmUnlinkedV1) and unlinked.firm_id == "f2"
    with pytest.raises(IllegalTransition, match="未关联"):
        case.link_firm(None, by="sup", at=NOW)

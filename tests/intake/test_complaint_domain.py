from datetime import datetime

from services.intake.domain.complaint import (
    PHONE,
    TRACKING_CODE,
    CitizenView,
    Status,
    new_tracking_code,
    phone_last4,
    type_label,
)
from shared.auth import mask_name, mask_phone
from shared.clock import SHANGHAI


def test_tracking_code_carries_the_day_and_is_not_guessable():
    day = datetime(2026, 11, 28, 9, 30, tzinfo=SHANGHAI)
    codes = {new_tracking_code(day) for _ in range(200)}
    assert len(codes) == 200
    assert all(TRACKING_CODE.match(code) and code.startswith("HC261128-") for code in codes)
    assert not any(ch in code[9:] for code in codes for ch in "ILOU")


def test_phone_is_masked_for_staff_and_only_the_last_four_digits_kept_for_checks():
    assert mask_phone("13812341234") == "138****1234"
    assert phone_last4("023-42812345") == "2345"
    assert mask_name("张三丰") == "张**"


def test_mobile_and_landline_numbers_are_accepted_and_nonsense_is_not():
    assert PHONE.match("13812341234") and PHONE.match("023-42812345")
    assert not PHONE.match("12345") and not PHONE.match("1381234123a")


def test_type_label_names_the_type_in_chinese():
    assert type_label("noise", "construction") == "噪声 / 建筑施工噪声"
    assert type_label(None, None) is None


def test_a_reply_can_be_rated_and_a_case_without_one_cannot():
    view = CitizenView("HC261128-AAAAAA", Status.assigned, datetime.now(SHANGHAI), "web", "x" * 5, None, None,
                       None, "ecology_env", None, None, 0, None)
    assert not view.can_rate
    view.status, view.reply = Status.replied, "已处理"
    assert view.can_rate

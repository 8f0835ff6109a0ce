"""Amounts of money as staff type them (罚款): yuan, a decimal of at most two places, never a float."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation

MAX_YUAN = Decimal("100000000")  # 1亿: an amount beyond it is a typing error, not a fine


def parse_yuan(value: Decimal | int | str, *, invalid: Callable[[str], Exception]) -> Decimal:
    """`value` as yuan with two places, 0 to MAX_YUAN; anything else raises `invalid(message)`."""
    if isinstance(value, float):
        raise invalid("罚款金额须为十进制数 / an amount is a decimal, not a float")
    try:
        amount = Decimal(value)
    except (InvalidOperation, ValueError) as error:
        raise invalid(f"罚款金额无效 / not an amount: {value!r}") from error
    if not amount.is_finite() or amount < 0 or amount > MAX_YUAN or amount != amount.quantize(Decimal("0.01")):
        raise invalid("罚款金额须为 0 至 1 亿元、最多两位小数 / an amount is 0 to 100,000,000 yuan, "
                      "at most two decimal places")
    return amount.quantize(Decimal("0.01"))

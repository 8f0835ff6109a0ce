"""The duty roster's numbers stay in the configuration: notify's message rows hold an HMAC reference, resolved
when the message is sent; a number taken off the roster meanwhile is never sent to, and nothing else stored
changes form."""

from __future__ import annotations

import pytest

from services.notify.adapters.duty_roster import DutyRosterSealer, OnRoster
from shared.outbound import DeliveryFailed

KEY = "k" * 40
DUTY, OTHER = "13800000001", "13900000002"


class Gateway:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, key: str, recipient: str, body: str) -> None:
        self.sent.append((recipient, body))


def test_a_roster_number_is_stored_as_a_reference_and_read_back_as_the_number():
    sealer = DutyRosterSealer([DUTY, OTHER], KEY)
    stored = sealer.encrypt(DUTY)
    assert stored is not None and stored.startswith("duty:") and DUTY not in stored
    assert stored != sealer.encrypt(OTHER)
    assert sealer.decrypt(stored) == DUTY
    # keyed: another secret gives another reference, so a table copied elsewhere names nobody
    assert DutyRosterSealer([DUTY], "x" * 40).encrypt(DUTY) != stored


def test_everything_else_is_kept_as_given():
    sealer = DutyRosterSealer([DUTY], KEY)
    for value in ("ecology_env", "【合川生态环境】疑似突发环境事件 HC20261201ABC", "13700000003", None):
        assert sealer.encrypt(value) == value and sealer.decrypt(value) == value


def test_a_number_taken_off_the_roster_is_not_sent_to():
    stored = DutyRosterSealer([DUTY], KEY).encrypt(DUTY)
    later = DutyRosterSealer([OTHER], KEY)  # the roster changed before the message went
    recipient = later.decrypt(stored)
    assert recipient == stored
    gateway = Gateway()
    with pytest.raises(DeliveryFailed) as refused:
        OnRoster(gateway).send("incident:c1:declared:0", recipient or "", "body")
    assert refused.value.retry is False and "duty roster" in refused.value.reason
    assert gateway.sent == []
    OnRoster(gateway).send("incident:c1:declared:1", OTHER, "body")
    assert gateway.sent == [(OTHER, "body")]

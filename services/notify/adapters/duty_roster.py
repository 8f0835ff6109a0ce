"""The duty roster's numbers (NOTIFY_DUTY_OFFICER_PHONES) kept out of notify's database.

Notify's messages to departments' groups hold no personal data and are stored as given. The duty officer's
SMS (突发环境事件, docs/incidents.md) is addressed to a mobile number, which lives in the configuration (the
secret store) and nowhere else: the message row holds a reference, `duty:<digest>` (an HMAC of the number
keyed by the service's secret, so that the short space of mobile numbers cannot be searched), and the number
is looked up again when the message is sent. A number taken off the roster meanwhile is not found: the
message fails for good before it reaches the gateway (`OnRoster`) and stays as a dead letter, and nobody off
duty is woken.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from shared.outbound import DeliveryFailed, Sender

PREFIX = "duty:"


class DutyRosterSealer:
    """The outbound store's sealer for notify: roster numbers become references, everything else is kept as
    given (group names, message bodies)."""

    def __init__(self, phones: Iterable[str], key: str) -> None:
        self._key = key.encode()
        self._phones = {self.reference(phone): phone for phone in phones}

    def reference(self, phone: str) -> str:
        return PREFIX + hmac.new(self._key, phone.encode(), hashlib.sha256).hexdigest()[:24]

    def encrypt(self, value: str | None) -> str | None:
        if value is None:
            return None
        reference = self.reference(value)
        return reference if reference in self._phones else value

    def decrypt(self, token: str | None) -> str | None:
        if token is None or not token.startswith(PREFIX):
            return token
        return self._phones.get(token, token)  # off the roster now: the reference, which no gateway takes


class OnRoster:
    """The SMS port behind a check: a reference the roster no longer resolves is not sent anywhere."""

    def __init__(self, gateway: Sender) -> None:
        self.gateway = gateway

    def send(self, key: str, recipient: str, body: str) -> None:
        if recipient.startswith(PREFIX):
            raise DeliveryFailed("the number is no longer on the duty roster (NOTIFY_DUTY_OFFICER_PHONES)",
                                 retry=False)
        self.gateway.send(key, recipient, body)

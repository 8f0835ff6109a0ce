"""Notification adapters. `FakeNotifier` keeps messages in memory (tests, the embedded demo);
a real SMS gateway adapter comes later behind the same `Notifier` port."""

from __future__ import annotations

import logging
import threading
from collections import deque

from services.notify.domain.notifications import Notification

log = logging.getLogger(__name__)


class FakeNotifier:
    def __init__(self, keep: int = 1000) -> None:
        self._sent: deque[Notification] = deque(maxlen=keep)
        self._lock = threading.Lock()

    def send(self, recipient: str, message: str) -> None:
        log.info("notification to %s: %s", recipient, message)
        with self._lock:
            self._sent.append(Notification(recipient, message))

    @property
    def sent(self) -> list[Notification]:
        with self._lock:
            return list(self._sent)

    def to(self, recipient: str) -> list[str]:
        """The messages one recipient got, oldest first."""
        return [n.message for n in self.sent if n.recipient == recipient]

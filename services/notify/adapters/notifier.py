"""`FakeNotifier`: the group-robot port (`shared.outbound.Sender`) keeping messages in memory, for tests
that read what departments and supervisors were told. The real adapter is `shared.outbound_http.GroupRobot`."""

from __future__ import annotations

import logging
import threading
from collections import deque

from services.notify.domain.notifications import Notification

log = logging.getLogger(__name__)


class FakeNotifier:
    def __init__(self, keep: int = 1000) -> None:
        self._sent: deque[tuple[str, Notification]] = deque(maxlen=keep)
        self._lock = threading.Lock()

    def send(self, key: str, recipient: str, body: str) -> None:
        log.info("notification %s to %s", key, recipient)
        with self._lock:
            self._sent.append((key, Notification(recipient, body)))

    @property
    def sent(self) -> list[Notification]:
        with self._lock:
            return [note for _, note in self._sent]

    def to(self, recipient: str, *, cause: str | None = None) -> list[str]:
        """The messages one recipient got, oldest first; `cause` keeps those of one kind of cause
        (the message key's first part: "alert" for warnings and escalations, "assigned" for new cases)."""
        with self._lock:
            return [note.message for key, note in self._sent
                    if note.recipient == recipient and (cause is None or key.split(":", 1)[0] == cause)]

"""The guess throttle: wrong tracking codes, phone digits and private tokens are counted, and too many in
a sliding window get "try later" (429) instead of another answer. Sign-in uses another one: wrong
passwords per username and per client.

`SlidingWindowThrottle` keeps its counts in this process's memory (thread-safe). It is per process: with
N intake processes behind a load balancer a guesser may get up to N times the limits, and a restart
forgets the counts. That still bounds guessing far below what the 40 random bits of a tracking code
need (see `new_tracking_code`); a shared store (Redis, a table) would be another adapter of the same port.

The client is the request's address as the server sees it: behind a reverse proxy, run the server so
that it takes the address from the proxy's X-Forwarded-For (uvicorn's --forwarded-allow-ips), or every
citizen counts as the proxy.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import timedelta

PER_TARGET = 5  # failures per tracking code
PER_CLIENT = 20  # failures per client (address)
# Sign-in (the same shape, its own counts): wrong passwords per username (a lock-out of that account for
# the window, the right password included) and per client (address).
SIGN_IN_PER_USER = 5
SIGN_IN_PER_CLIENT = 20
WINDOW = timedelta(minutes=15)
_MAX_KEYS = 100_000  # beyond this, expired entries are swept before a new key is added


class SlidingWindowThrottle:
    """At most `per_target` failures per target and `per_client` per client within `window`.

    `now` is a monotonic clock in seconds (time.monotonic); a test passes its own to move time.
    A success does not reset anything: only failures are counted, and they expire on their own.
    """

    def __init__(self, *, per_target: int = PER_TARGET, per_client: int = PER_CLIENT,
                 window: timedelta = WINDOW, now: Callable[[], float] = time.monotonic) -> None:
        self._limits = {"target": per_target, "client": per_client}
        self._window = window.total_seconds()
        self._now = now
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def wait(self, target: str | None, client: str | None) -> int:
        """Seconds until this client may try this target again (0: now)."""
        with self._lock:
            now = self._now()
            waits = [self._wait(key, now) for key in self._keys(target, client)]
        return max(waits, default=0)

    def failed(self, target: str | None, client: str | None) -> None:
        """Count one failure against the target and the client."""
        with self._lock:
            now = self._now()
            for key in self._keys(target, client):
                if key not in self._failures and len(self._failures) >= _MAX_KEYS:
                    self._sweep(now)
                self._failures.setdefault(key, deque()).append(now)

    def _keys(self, target: str | None, client: str | None) -> list[tuple[str, str]]:
        keys = [("target", target)] if target else []
        return keys + [("client", client)] if client else keys

    def _wait(self, key: tuple[str, str], now: float) -> int:
        failures = self._failures.get(key)
        if not failures:
            return 0
        while failures and failures[0] <= now - self._window:
            failures.popleft()
        if not failures:
            del self._failures[key]
            return 0
        limit = self._limits[key[0]]
        if len(failures) < limit:
            return 0
        # Blocked until enough of the oldest failures leave the window to make room for one more try.
        return max(1, math.ceil(failures[len(failures) - limit] + self._window - now))

    def _sweep(self, now: float) -> None:
        for key in [k for k, failures in self._failures.items() if failures[-1] <= now - self._window]:
            del self._failures[key]

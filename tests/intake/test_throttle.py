"""The in-memory guess throttle (the adapter behind the GuessThrottle port): a sliding window per key."""

from __future__ import annotations

import threading
from datetime import timedelta

from services.intake.adapters.throttle import SlidingWindowThrottle


class Stopwatch:
    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self) -> float:
        return self.seconds


def test_the_limits_are_per_target_and_per_client_in_a_sliding_window():
    watch = Stopwatch()
    throttle = SlidingWindowThrottle(per_target=2, per_client=3, window=timedelta(seconds=100), now=watch)
    throttle.failed("HC1", "a")
    watch.seconds = 10
    throttle.failed("HC1", "b")
    assert throttle.wait("HC1", "c") == 90  # the code: until its first failure leaves the window
    assert throttle.wait("HC2", "a") == 0 and throttle.wait(None, "a") == 0
    throttle.failed(None, "a")
    throttle.failed("HC3", "a")
    assert throttle.wait("HC4", "a") == 90  # the client: three failures, the first at 0
    watch.seconds = 99.5
    assert throttle.wait("HC4", "a") == 1  # never 0 while blocked
    watch.seconds = 100
    assert throttle.wait("HC4", "a") == 0 and throttle.wait("HC1", "c") == 0  # the first failure is out
    watch.seconds = 110
    assert throttle.wait("HC1", "c") == 0


def test_failures_counted_from_many_threads_are_all_counted():
    watch = Stopwatch()
    throttle = SlidingWindowThrottle(per_target=1000, per_client=800, window=timedelta(minutes=15), now=watch)
    start = threading.Barrier(8)

    def guess(n: int) -> None:
        start.wait()
        for i in range(100):
            throttle.failed(f"HC{n}-{i}", "one-client")

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert throttle.wait(None, "one-client") == 900  # 800 failures: blocked for the whole window


def test_without_a_client_or_target_only_what_is_known_is_counted():
    throttle = SlidingWindowThrottle(per_target=1, per_client=1, now=Stopwatch())
    throttle.failed(None, None)
    assert throttle.wait(None, None) == 0 and throttle.wait("HC1", "a") == 0

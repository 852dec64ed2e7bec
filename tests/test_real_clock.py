"""RealClock wakes its thread only for a deadline earlier than the one it waits for."""

from __future__ import annotations

import threading
import time

from gossamer.clock import RealClock


def test_an_earlier_timer_wakes_the_clock_waiting_for_a_later_one() -> None:
    """A 30 s timer first, then a 50 ms one: the short one fires on time; the long one not."""
    clock = RealClock("test-clock")
    try:
        fired_short, fired_long = threading.Event(), threading.Event()
        clock.call_later(30, fired_long.set)
        started = time.monotonic()
        clock.call_later(0.05, fired_short.set)
        assert fired_short.wait(5)
        assert time.monotonic() - started < 2
        assert not fired_long.is_set()
    finally:
        clock.stop()


def test_later_timers_still_fire_in_deadline_order() -> None:
    """Timers added behind the current earliest (no wake-up) fire after it, in order,
    including after the earliest one was cancelled."""
    clock = RealClock("test-clock")
    try:
        order: list[str] = []
        done = threading.Event()
        cancelled = clock.call_later(0.05, lambda: order.append("cancelled"))
        clock.call_later(0.10, lambda: order.append("first"))
        clock.call_later(0.15, lambda: order.append("second"))
        cancelled.cancel()
        clock.call_later(0.20, done.set)
        assert done.wait(5)
        assert order == ["first", "second"]
    finally:
        clock.stop()

"""Injected time: a clock that reads the time and schedules callbacks.

Actors never sleep. A stage that waits (group timers, the waiter, retry backoff)
asks the clock to call it back and moves on. Callbacks run on the clock's timer
thread (``RealClock``) or inside ``ManualClock.advance`` (tests), so they must be
quick: in practice they only ``tell`` an actor.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable
from typing import Protocol

from loguru import logger

Callback = Callable[[], None]


class TimerHandle:
    """A scheduled callback; ``cancel()`` is idempotent and safe from any thread."""

    __slots__ = ("deadline_ns", "callback", "cancelled")

    def __init__(self, deadline_ns: int, callback: Callback) -> None:
        self.deadline_ns = deadline_ns
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True

    def __repr__(self) -> str:
        state = "cancelled" if self.cancelled else "pending"
        return f"<TimerHandle deadline_ns={self.deadline_ns} {state}>"


class Clock(Protocol):
    """What gossamer's actors need of time."""

    def now_ns(self) -> int:
        """Wall-clock time in ns since the epoch."""
        ...

    def call_later(self, delay_s: float, callback: Callback) -> TimerHandle:
        """Run ``callback`` once, ``delay_s`` seconds from now."""
        ...


class _TimerQueue:
    """A heap of timer handles ordered by deadline, then by insertion."""

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, TimerHandle]] = []
        self._seq = itertools.count()

    def push(self, handle: TimerHandle) -> None:
        heapq.heappush(self._heap, (handle.deadline_ns, next(self._seq), handle))

    def next_deadline(self) -> int | None:
        while self._heap and self._heap[0][2].cancelled:
            heapq.heappop(self._heap)
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now_ns: int) -> list[TimerHandle]:
        due = []
        while self._heap and self._heap[0][0] <= now_ns:
            handle = heapq.heappop(self._heap)[2]
            if not handle.cancelled:
                due.append(handle)
        return due

    def __len__(self) -> int:
        return len(self._heap)


def _run(handle: TimerHandle) -> None:
    try:
        handle.callback()
    except Exception:  # a failing callback must not kill the timer thread
        logger.exception("timer callback failed")


class RealClock:
    """The wall clock, with one daemon thread that fires every scheduled callback."""

    def __init__(self, name: str = "clock") -> None:
        self._queue = _TimerQueue()
        self._cond = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def now_ns(self) -> int:
        return time.time_ns()

    def call_later(self, delay_s: float, callback: Callback) -> TimerHandle:
        handle = TimerHandle(time.time_ns() + max(0, int(delay_s * 1e9)), callback)
        with self._cond:
            earliest = self._queue.next_deadline()
            self._queue.push(handle)
            # The clock thread already waits until `earliest` or sooner; waking it for a
            # later deadline would only cost a thread switch on the caller's hot path.
            if earliest is None or handle.deadline_ns < earliest:
                self._cond.notify()
        return handle

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while True:
            with self._cond:
                if self._stopped:
                    return
                deadline = self._queue.next_deadline()
                now = time.time_ns()
                if deadline is None or deadline > now:
                    timeout = None if deadline is None else (deadline - now) / 1e9
                    self._cond.wait(timeout)
                    continue
                due = self._queue.pop_due(now)
            for handle in due:
                _run(handle)

    def __repr__(self) -> str:
        return f"<RealClock timers={len(self._queue)}>"


class ManualClock:
    """A clock for tests: time moves only when ``advance`` is called.

    ``advance`` fires due callbacks in deadline order, setting the time to each
    deadline first, so a one-hour scenario runs in milliseconds.
    """

    def __init__(self, start_ns: int = 1_700_000_000 * 10**9) -> None:
        self._now = start_ns
        self._queue = _TimerQueue()
        self._lock = threading.RLock()

    def now_ns(self) -> int:
        return self._now

    def call_later(self, delay_s: float, callback: Callback) -> TimerHandle:
        with self._lock:
            handle = TimerHandle(self._now + max(0, int(delay_s * 1e9)), callback)
            self._queue.push(handle)
            return handle

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``, firing every callback that falls due."""
        target = self._now + int(seconds * 1e9)
        while True:
            with self._lock:
                deadline = self._queue.next_deadline()
                if deadline is None or deadline > target:
                    self._now = target
                    return
                self._now = max(self._now, deadline)
                due = self._queue.pop_due(self._now)
            for handle in due:
                _run(handle)

    def next_deadline(self) -> int | None:
        """The deadline of the earliest pending callback (ns), if any."""
        with self._lock:
            return self._queue.next_deadline()

    def pending(self) -> int:
        with self._lock:
            self._queue.next_deadline()
            return len(self._queue)

    def __repr__(self) -> str:
        return f"<ManualClock now_ns={self._now} timers={self.pending()}>"

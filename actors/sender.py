"""The sender actor: delivers a branch with retries and backoff (``RetryStage``).

Each attempt runs as a coroutine on the node's asyncio loop, so a slow
endpoint never holds up another branch; its outcome comes back as an
``AttemptResult``. Backoff waits are clock timers: 0.5 s initial, ×1.5,
±50 % jitter, capped at 60 s, until the flush deadline (pipeline.md §4.7).
"""

from __future__ import annotations

import asyncio
import itertools
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

import msgspec
import pykka

from actors.base import GossamerActor
from actors.messages import Attempt, AttemptResult, Branch, BranchDone, Record
from gossamer.alert import Alert
from gossamer.errors import NotifyError
from gossamer.metrics import NodeMetrics

INITIAL_BACKOFF_S = 0.5
BACKOFF_MULTIPLIER = 1.5
BACKOFF_JITTER = 0.5
MAX_BACKOFF_S = 60.0
LAUNCH_BATCH = 16  # attempts started per event-loop iteration


class Launcher:
    """Starts notify attempts on the node's event loop, a few per loop iteration.

    ``submit`` runs on the sender actor's thread, the rest on the loop. Starting all
    attempts of a storm (1,000 groups due at once) in one go would make the loop render
    every notification before it reads a single reply, so the first page would wait for
    the last one's templates (seconds). Started LAUNCH_BATCH at a time, earlier attempts'
    connects, sends and replies run in between; the total work is the same. An attempt
    never waits for another to finish, so a slow endpoint holds up nothing.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._queue: deque[tuple[Coroutine[Any, Any, float], Callable[[Any], None]]] = deque()
        self._lock = threading.Lock()
        self._draining = False
        self._closed = False

    def __repr__(self) -> str:
        return f"<Launcher queued={len(self._queue)} closed={self._closed}>"

    def submit(self, coro: Coroutine[Any, Any, float], done: Callable[[Any], None]) -> None:
        """Queue ``coro``; ``done(task)`` runs on the loop when it ends."""
        with self._lock:
            if self._closed:
                coro.close()
                return
            self._queue.append((coro, done))
            if self._draining:
                return
            self._draining = True
        self.loop.call_soon_threadsafe(self._drain)

    def statistics(self) -> dict[str, int]:
        """Attempts waiting to start."""
        return {"launch_queue": len(self._queue)}

    def close(self) -> None:
        """Drop attempts not started yet (the node is stopping)."""
        with self._lock:
            self._closed = True
            dropped, self._queue = self._queue, deque()
        for coro, _ in dropped:
            coro.close()

    def _drain(self) -> None:
        for _ in range(LAUNCH_BATCH):
            with self._lock:
                if not self._queue:
                    self._draining = False
                    return
                coro, done = self._queue.popleft()
            self.loop.create_task(coro).add_done_callback(done)
        self.loop.call_soon(self._drain)  # after this iteration's I/O callbacks


class _Pending(msgspec.Struct):
    branch: Branch
    alerts: list[Alert]
    attempts: int = 0
    interval_s: float = INITIAL_BACKOFF_S
    last_error: str = ""


def next_backoff(interval_s: float, rng: random.Random) -> tuple[float, float]:
    """The jittered wait before the next attempt, and the next base interval."""
    delta = BACKOFF_JITTER * interval_s
    wait = interval_s - delta + rng.random() * (2 * delta)
    return wait, min(interval_s * BACKOFF_MULTIPLIER, MAX_BACKOFF_S)


class Sender(GossamerActor):
    name = "sender"

    def __init__(
        self,
        clock: Any,
        loop: asyncio.AbstractEventLoop,
        gossiper: pykka.ActorRef,
        dispatcher: Callable[[], pykka.ActorRef],
        metrics: NodeMetrics,
        rng: random.Random | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(**kw)
        self.clock = clock
        self.loop = loop
        self.gossiper = gossiper
        self.dispatcher = dispatcher
        self.metrics = metrics
        self.rng = rng or random.Random()
        self.pending: dict[int, _Pending] = {}
        self._ids = itertools.count(1)
        self.launcher = Launcher(loop)

    def on_stop(self) -> None:
        self.launcher.close()

    def on_Branch(self, branch: Branch) -> None:
        integration = branch.notifier.integration
        self.metrics.notifications.labels(integration).inc()
        now = self.clock.now_ns()
        if branch.notifier.send_resolved:
            alerts = branch.alerts
        elif not branch.firing_hashes:
            self.gossiper.tell(Record(branch))  # nothing to send; the nflog entry is still written
            return
        else:
            alerts = [a for a in branch.alerts if not a.resolved_at(now)]
        branch_id = next(self._ids)
        self.pending[branch_id] = _Pending(branch, alerts)
        self._attempt(branch_id)

    def on_Attempt(self, msg: Attempt) -> None:
        self._attempt(msg.branch_id)

    def _attempt(self, branch_id: int) -> None:
        pending = self.pending[branch_id]
        remaining_s = (pending.branch.flush.deadline_ns - self.clock.now_ns()) / 1e9
        if remaining_s <= 0:
            self._give_up(
                branch_id,
                f"notify retry canceled after {pending.attempts} attempts: {pending.last_error or 'context deadline exceeded'}",
            )
            return
        pending.attempts += 1
        ref = self.actor_ref
        coro = _notify(pending.branch, pending.alerts, self.clock)
        self.launcher.submit(coro, lambda task: ref.tell(_result(branch_id, task)))

    def on_AttemptResult(self, msg: AttemptResult) -> None:
        pending = self.pending.get(msg.branch_id)
        if pending is None:
            return
        integration = pending.branch.notifier.integration
        self.metrics.notification_requests.labels(integration).inc()
        self.metrics.notification_latency.labels(integration).observe(msg.duration_s)
        if msg.error is None:
            del self.pending[msg.branch_id]
            self.gossiper.tell(Record(pending.branch))
            return
        self.metrics.notification_requests_failed.labels(integration).inc()
        pending.last_error = str(msg.error)
        if not msg.retryable:
            self._give_up(
                msg.branch_id,
                f"notify retry canceled due to unrecoverable error after {pending.attempts} attempts: {msg.error}",
            )
            return
        wait, pending.interval_s = next_backoff(pending.interval_s, self.rng)
        self.log.bind(receiver=str(pending.branch.receiver), attempts=pending.attempts).warning(
            "Notify attempt failed, will retry later: {}", msg.error
        )
        ref = self.actor_ref
        self.clock.call_later(wait, lambda: ref.tell(Attempt(msg.branch_id)))

    def _give_up(self, branch_id: int, error: str) -> None:
        pending = self.pending.pop(branch_id)
        branch = pending.branch
        self.metrics.notifications_failed.labels(branch.notifier.integration).inc()
        self.log.bind(receiver=str(branch.receiver), group=branch.flush.ctx.group_key).error(
            "Notify for alerts failed: {}", error
        )
        self.dispatcher().tell(BranchDone(branch.flush.flush_id, False, error))

    def on_message_failed(self, message: Any, exc: Exception) -> None:
        if isinstance(message, Branch):
            self.dispatcher().tell(BranchDone(message.flush.flush_id, False, str(exc)))
        elif isinstance(message, Attempt | AttemptResult) and message.branch_id in self.pending:
            self._give_up(message.branch_id, str(exc))

    def statistics(self) -> dict[str, Any]:
        return {
            **super().statistics(),
            "in_flight": len(self.pending),
            **self.launcher.statistics(),
        }

    def __repr__(self) -> str:
        return f"<Sender in_flight={len(self.pending)}>"


async def _notify(branch: Branch, alerts: list[Alert], clock: Any) -> float:
    """Runs on the node's event loop: one notify call, bounded by the flush deadline
    (counted from when the attempt starts, so time queued in the launcher counts)."""
    started = time.perf_counter()
    timeout_s = (branch.flush.deadline_ns - clock.now_ns()) / 1e9
    try:
        await asyncio.wait_for(branch.notifier.notify(branch.flush.ctx, alerts), timeout_s)
    except TimeoutError as exc:
        raise NotifyError("context deadline exceeded", retryable=True) from exc
    return time.perf_counter() - started


def _result(branch_id: int, future: Any) -> AttemptResult:
    """Runs on the loop thread when an attempt ends: turn its outcome into a message."""
    if future.cancelled():  # the loop is shutting down
        return AttemptResult(branch_id, NotifyError("context canceled", retryable=True), True, 0.0)
    exc = future.exception()
    if exc is None:
        return AttemptResult(branch_id, None, False, future.result())
    retryable = exc.retryable if isinstance(exc, NotifyError) else True
    return AttemptResult(branch_id, exc, retryable, 0.0)

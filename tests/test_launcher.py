"""The sender's Launcher starts attempts a few per loop iteration, so early ones finish
before late ones start, and nothing queued after close ever runs."""

from __future__ import annotations

import asyncio
import threading

from actors.sender import LAUNCH_BATCH, Launcher


def run_loop() -> tuple[asyncio.AbstractEventLoop, threading.Thread]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    return loop, thread


def test_early_attempts_finish_before_late_ones_start() -> None:
    """200 attempts submitted at once: the first ends (after one I/O-like await) before
    the last one starts; every attempt runs exactly once and reports done."""
    loop, thread = run_loop()
    events: list[tuple[str, int]] = []
    finished = threading.Event()
    launcher = Launcher(loop)

    async def attempt(index: int) -> float:
        events.append(("start", index))
        await asyncio.sleep(0)  # a connect or a reply
        events.append(("end", index))
        return 0.0

    def done(task: asyncio.Task[float]) -> None:
        if sum(kind == "end" for kind, _ in events) == 200:
            finished.set()

    try:
        for index in range(200):
            launcher.submit(attempt(index), done)
        assert finished.wait(5)
        assert events.index(("end", 0)) < events.index(("start", 199))
        assert sorted(i for kind, i in events if kind == "start") == list(range(200))
        assert events.index(("end", 0)) <= 3 * LAUNCH_BATCH
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


def test_attempts_not_started_at_close_never_run() -> None:
    """close() drops what is queued and refuses later submissions without running them."""
    loop = asyncio.new_event_loop()  # not running: nothing is drained
    launcher = Launcher(loop)
    ran: list[int] = []

    async def attempt(index: int) -> float:
        ran.append(index)
        return 0.0

    launcher.submit(attempt(1), lambda _: None)
    launcher.close()
    launcher.submit(attempt(2), lambda _: None)
    assert launcher.statistics() == {"launch_queue": 0}
    loop.run_until_complete(asyncio.sleep(0.01))
    loop.close()
    assert ran == []

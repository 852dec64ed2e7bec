"""Measure the ZeroMQ cluster on this host: ``python -m cluster.bench [--trials N]``.

Starts three peers in this process on 127.0.0.1 with Alertmanager's default
timings and prints: broadcast latency until both other peers merged the update,
process CPU while idle, time to detect a killed peer and a leaving one. Runs on
the main thread; the peers run on their own cluster threads.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Callable

from loguru import logger
from prometheus_client import CollectorRegistry

from cluster.peer import Broadcaster, ClusterPeer
from cluster.settings import ClusterSettings
from gossamer.clock import RealClock


class _Counter:
    """A state handler that only counts merges (bench payloads are opaque)."""

    key = "bench"

    def __init__(self, changed: threading.Condition) -> None:
        self.changed = changed
        self.merged = 0
        self.broadcaster: Broadcaster | None = None

    def merge_remote(self, data: bytes) -> None:
        with self.changed:
            self.merged += 1
            self.changed.notify_all()

    def request_full_state(self, reply: Callable[[bytes], None]) -> None:
        reply(b"")


def _start(
    n: int, clock: RealClock, changed: threading.Condition
) -> list[tuple[ClusterPeer, _Counter]]:
    nodes: list[tuple[ClusterPeer, _Counter]] = []
    for _ in range(n):
        nodes.append(_start_one(nodes, clock, changed))
    return nodes


def _notify(changed: threading.Condition) -> None:
    with changed:
        changed.notify_all()


def _wait(changed: threading.Condition, predicate: Callable[[], bool], timeout: float) -> None:
    with changed:
        if not changed.wait_for(predicate, timeout):
            raise TimeoutError("condition not reached")


def latency(
    nodes: list[tuple[ClusterPeer, _Counter]], changed: threading.Condition, count: int
) -> list[float]:
    broadcaster = nodes[0][1].broadcaster
    assert broadcaster is not None
    samples = []
    for i in range(count):
        targets = [s.merged + 1 for _, s in nodes[1:]]
        started = time.perf_counter()
        broadcaster.broadcast(i.to_bytes(4, "big") * 30)
        _wait(
            changed,
            lambda: all(s.merged >= t for (_, s), t in zip(nodes[1:], targets, strict=True)),  # noqa: B023
            2,
        )
        samples.append(time.perf_counter() - started)
    return samples


def idle_cpu(seconds: float) -> float:
    cpu, wall = time.process_time(), time.perf_counter()
    threading.Event().wait(seconds)
    return (time.process_time() - cpu) / (time.perf_counter() - wall)


def detection(
    nodes: list[tuple[ClusterPeer, _Counter]], changed: threading.Condition, leave: bool
) -> float:
    victim = nodes.pop()[0]
    started = time.perf_counter()
    victim.stop(leave=leave)
    _wait(changed, lambda: all(len(p.members()) == len(nodes) for p, _ in nodes), 30)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--broadcasts", type=int, default=1000)
    args = parser.parse_args()
    logger.remove()
    clock, changed = RealClock("bench-clock"), threading.Condition()
    nodes = _start(3, clock, changed)
    samples = sorted(latency(nodes, changed, args.broadcasts))
    p99 = samples[int(len(samples) * 0.99) - 1]
    print(
        f"broadcast → both peers merged: median {statistics.median(samples) * 1e3:.2f} ms, p99 {p99 * 1e3:.2f} ms"
    )
    print(f"idle CPU of 3 peers over 10 s: {idle_cpu(10) * 100:.2f}% of one core")
    kills, leaves = [], []
    for _ in range(args.trials):
        kills.append(detection(nodes, changed, leave=False))
        nodes.append(_start_one(nodes, clock, changed))
        leaves.append(detection(nodes, changed, leave=True))
        nodes.append(_start_one(nodes, clock, changed))
    print(f"killed peer dropped after: {', '.join(f'{k:.2f}' for k in kills)} s")
    print(f"leaving peer dropped after: {', '.join(f'{k * 1e3:.1f}' for k in leaves)} ms")
    for peer, _ in nodes:
        peer.stop()
    clock.stop()


def _start_one(
    nodes: list[tuple[ClusterPeer, _Counter]], clock: RealClock, changed: threading.Condition
) -> tuple[ClusterPeer, _Counter]:
    """Start a peer joining through the first of ``nodes``; return once all see it."""
    seeds = [nodes[0][0].transport.address] if nodes else []
    peer = ClusterPeer(ClusterSettings("127.0.0.1:0", peers=seeds), clock, CollectorRegistry())
    state = _Counter(changed)
    state.broadcaster = peer.add_state(state)
    peer.on_change(lambda _m: _notify(changed))
    peer.start()
    everyone = [peer] + [p for p, _ in nodes]
    _wait(changed, lambda: all(len(p.members()) == len(everyone) for p in everyone), 10)
    return peer, state


if __name__ == "__main__":
    main()

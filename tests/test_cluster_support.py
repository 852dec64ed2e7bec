"""Helpers for the cluster tests: a last-writer-wins fake state and in-memory clusters.

Not a test module by itself (it holds no tests); named ``test_cluster_*`` so it
lives with the tests it serves.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import msgspec
from loguru import logger
from prometheus_client import CollectorRegistry

from cluster.memory import MemoryNetwork
from cluster.peer import ClusterPeer
from cluster.settings import ClusterSettings
from gossamer.clock import ManualClock
from gossamer.ulid import new_ulid

_ENCODE = msgspec.msgpack.Encoder().encode
_DECODE = msgspec.msgpack.Decoder(dict[str, tuple[int, str]]).decode


class FakeState:
    """A dict key → (timestamp, value) merged last-writer-wins: the tests' ``StateHandler``."""

    def __init__(self, key: str = "kv") -> None:
        self.key = key
        self.data: dict[str, tuple[int, str]] = {}
        self.broadcaster: object | None = None
        self.merged = 0

    def set(self, name: str, value: str, ts: int) -> None:
        self.data[name] = (ts, value)
        self.broadcaster.broadcast(_ENCODE({name: (ts, value)}))  # type: ignore[union-attr]

    def merge_remote(self, data: bytes) -> None:
        self.merged += 1
        for name, (ts, value) in _DECODE(data).items():
            if name not in self.data or self.data[name][0] < ts:
                self.data[name] = (ts, value)

    def request_full_state(self, reply: Callable[[bytes], None]) -> None:
        reply(_ENCODE(self.data))

    def values(self) -> dict[str, str]:
        return {name: value for name, (_, value) in self.data.items()}


def memory_settings(address: str, peers: list[str], **overrides: float) -> ClusterSettings:
    timings: dict[str, float] = dict(
        gossip_interval=0.2, pushpull_interval=60, probe_interval=1.0, probe_timeout=0.5,
        settle_timeout=60, reconnect_interval=10, tcp_timeout=2, refresh_interval=15,
    )  # fmt: skip
    timings.update(overrides)
    return ClusterSettings(listen_address=address, peers=peers, **timings)  # type: ignore[arg-type]


class MemoryCluster:
    """Peers on one ``MemoryNetwork`` and one ``ManualClock``; peer i listens on 10.0.0.i:9094."""

    def __init__(self, seed: int | None = None, **overrides: float) -> None:
        self.clock = ManualClock()
        self.net = MemoryNetwork(self.clock, seed)
        self.rng = random.Random(self.net.seed)
        self.overrides = overrides
        self.peers: list[ClusterPeer] = []
        self.states: list[FakeState] = []
        self.registries: list[CollectorRegistry] = []
        self._started = 0

    @staticmethod
    def address(index: int) -> str:
        return f"10.0.0.{index + 1}:9094"

    def add(self, index: int | None = None, peers: list[str] | None = None) -> ClusterPeer:
        """Start a peer on address ``index`` joining through address 0 (a new, later-sorting name).

        It takes the list position of the peer that had that address, else it is appended.
        """
        index = len(self.peers) if index is None else index
        seeds = [self.address(0)] if peers is None else peers
        self._started += 1
        name = new_ulid(self.clock.now_ns() // 1_000_000 + self._started)
        registry = CollectorRegistry()
        peer = ClusterPeer(
            memory_settings(self.address(index), seeds, **self.overrides), self.clock, registry,
            name=name, transport=self.net.transport(self.address(index)), seed=self.rng.randrange(2**32),
        )  # fmt: skip
        state = FakeState()
        state.broadcaster = peer.add_state(state)
        peer.start()
        self._put(index, peer, state, registry)
        return peer

    def _put(
        self, index: int, peer: ClusterPeer, state: FakeState, registry: CollectorRegistry
    ) -> None:
        address = self.address(index)
        for position, old in enumerate(self.peers):
            if old.transport.address == address:
                self.peers[position], self.states[position], self.registries[position] = (
                    peer,
                    state,
                    registry,
                )
                return
        self.peers.append(peer)
        self.states.append(state)
        self.registries.append(registry)

    def start(self, n: int, settle_limit_s: float = 10.0) -> MemoryCluster:
        """Start ``n`` peers, then run until every peer lists all of them (at most
        ``settle_limit_s`` of virtual time). Peers started at the same instant can miss the
        seed's publication of a join made before they subscribed to it, and then learn it
        at the next probe: with some seeds after more than a second."""
        for _ in range(n):
            self.add()
        deadline = self.clock.now_ns() + int(settle_limit_s * 1e9)
        while not self._everyone_knows_everyone() and self.clock.now_ns() < deadline:
            self.run(0.05)
        return self

    def _everyone_knows_everyone(self) -> bool:
        return all(len(peer.members()) == len(self.peers) for peer in self.peers)

    def run(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def metric(self, index: int, name: str, **labels: str) -> float:
        """A sample of the peer at list position ``index`` (0 when absent)."""
        value = self.registries[index].get_sample_value(name, labels)
        return 0.0 if value is None else value

    def metric_of(self, peer: ClusterPeer, name: str, **labels: str) -> float:
        return self.metric(self.peers.index(peer), name, **labels)

    def names(self, *indexes: int) -> list[str]:
        return sorted(self.peers[i].name for i in indexes)

    def log_seed(self) -> None:
        logger.info("cluster test seed={}", self.net.seed)

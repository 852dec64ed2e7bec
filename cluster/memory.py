"""An in-memory network for cluster tests: lossy, slow, reordering, partitionable.

Everything runs on the thread that advances the ``ManualClock`` (that thread is
the "cluster thread" of every ``MemoryTransport``): a message is delivered by a
clock callback after a random delay, so messages reorder whenever their delays
differ. Faults are drawn from one ``random.Random`` seeded from ``seed`` (logged,
so a failing run can be replayed) and apply to requests, replies and gossip.
"""

from __future__ import annotations

import errno
import itertools
import random
from collections import Counter
from collections.abc import Callable, Iterable

from loguru import logger

from cluster.transport import ReplyCallback, Responder, TransportHandler
from gossamer.clock import ManualClock, TimerHandle

#: (kind, source address, destination address, payload) → True to drop the message.
DropFilter = Callable[[str, str, str, bytes], bool]


class MemoryNetwork:
    """Connects ``MemoryTransport``s; mutate the fault attributes at any time."""

    def __init__(self, clock: ManualClock, seed: int | None = None) -> None:
        self.clock = clock
        self.seed = random.randrange(2**32) if seed is None else seed
        logger.info("memory network seed={}", self.seed)
        self.rng = random.Random(self.seed)
        self.drop_rate = 0.0
        self.duplicate_rate = 0.0
        self.min_delay = 0.0005
        self.max_delay = 0.002
        self.drop_filter: DropFilter | None = None
        self.stats: Counter[str] = Counter()
        self._by_address: dict[str, MemoryTransport] = {}
        self._by_gossip: dict[str, MemoryTransport] = {}
        self._groups: dict[str, int] | None = None

    def transport(self, address: str, gossip_address: str = "") -> MemoryTransport:
        """A transport for one node; ``gossip_address`` defaults to ``address + "/gossip"``."""
        return MemoryTransport(self, address, gossip_address or f"{address}/gossip")

    def partition(self, *groups: Iterable[str]) -> None:
        """Cut the network: only addresses in the same group reach each other."""
        self._groups = {a: i for i, group in enumerate(groups) for a in group}

    def heal(self) -> None:
        self._groups = None

    def reachable(self, source: str, destination: str) -> bool:
        if self._groups is None:
            return True
        return self._groups.get(source, -1) == self._groups.get(destination, -2)

    def send(
        self,
        kind: str,
        source: MemoryTransport,
        destination: MemoryTransport | None,
        payload: bytes,
        deliver: Callable[[MemoryTransport], None],
    ) -> None:
        """Deliver ``payload`` later, subject to the faults (dropped if nobody is there)."""
        self.stats[f"{kind}_sent"] += 1
        if destination is None or not self._passes(kind, source, destination, payload):
            self.stats[f"{kind}_dropped"] += 1
            return
        copies = 2 if self.rng.random() < self.duplicate_rate else 1
        self.stats[f"{kind}_duplicated"] += copies - 1
        for _ in range(copies):
            delay = self.rng.uniform(self.min_delay, self.max_delay)
            self.clock.call_later(delay, lambda: self._arrive(kind, source, destination, deliver))

    def _passes(
        self, kind: str, source: MemoryTransport, destination: MemoryTransport, payload: bytes
    ) -> bool:
        if not self.reachable(source.address, destination.address):
            return False
        if self.drop_filter is not None and self.drop_filter(
            kind, source.address, destination.address, payload
        ):
            return False
        return self.rng.random() >= self.drop_rate

    def _arrive(
        self,
        kind: str,
        source: MemoryTransport,
        destination: MemoryTransport,
        deliver: Callable[[MemoryTransport], None],
    ) -> None:
        if destination.closed or not self.reachable(source.address, destination.address):
            self.stats[f"{kind}_dropped"] += 1
            return
        self.stats[f"{kind}_delivered"] += 1
        deliver(destination)

    def lookup(self, address: str) -> MemoryTransport | None:
        return self._by_address.get(address)

    def subscribers(self, gossip_address: str) -> list[MemoryTransport]:
        return [t for t in self._by_address.values() if gossip_address in t.subscriptions]

    def register(self, transport: MemoryTransport) -> None:
        for table, key in (
            (self._by_address, transport.address),
            (self._by_gossip, transport.gossip_address),
        ):
            if key in table:
                raise OSError(errno.EADDRINUSE, f"address already in use: {key}")
        self._by_address[transport.address] = transport
        self._by_gossip[transport.gossip_address] = transport

    def unregister(self, transport: MemoryTransport) -> None:
        if self._by_address.get(transport.address) is transport:
            del self._by_address[transport.address]
            del self._by_gossip[transport.gossip_address]

    def __repr__(self) -> str:
        return f"<MemoryNetwork seed={self.seed} nodes={sorted(self._by_address)} partitioned={self._groups is not None}>"


class MemoryTransport:
    """One node's end of a ``MemoryNetwork``; implements ``cluster.transport.Transport``."""

    def __init__(self, network: MemoryNetwork, address: str, gossip_address: str) -> None:
        self.network = network
        self.address = address
        self.gossip_address = gossip_address
        self.subscriptions: set[str] = set()
        self.closed = False
        self._handler: TransportHandler | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[TimerHandle, ReplyCallback]] = {}

    def start(self, handler: TransportHandler) -> None:
        self.network.register(self)
        self._handler = handler

    def now_ns(self) -> int:
        return self.network.clock.now_ns()

    def call_later(self, delay_s: float, callback: Callable[[], None]) -> TimerHandle:
        return self.network.clock.call_later(delay_s, callback)

    def call_soon(self, callback: Callable[[], None]) -> None:
        self.network.clock.call_later(0, callback)

    def request(
        self, address: str, payload: bytes, timeout_s: float, callback: ReplyCallback
    ) -> None:
        rid = next(self._ids)
        timer = self.call_later(timeout_s, lambda: self._resolve(rid, None))
        self._pending[rid] = (timer, callback)
        target = self.network.lookup(address)
        self.network.send(
            "request", self, target, payload, lambda dst: dst._serve(self, rid, payload)
        )

    def _serve(self, requester: MemoryTransport, rid: int, payload: bytes) -> None:
        def respond(data: bytes) -> None:
            if not self.closed:
                self.network.send(
                    "reply", self, requester, data, lambda dst: dst._resolve(rid, data)
                )

        responder: Responder = respond
        assert self._handler is not None
        self._handler.on_request(payload, responder)

    def _resolve(self, rid: int, data: bytes | None) -> None:
        entry = self._pending.pop(rid, None)
        if entry is not None:
            entry[0].cancel()
            entry[1](data)

    def publish(self, payload: bytes) -> None:
        for subscriber in self.network.subscribers(self.gossip_address):
            self.network.send(
                "gossip", self, subscriber, payload, lambda dst: self._gossip_to(dst, payload)
            )

    def _gossip_to(self, destination: MemoryTransport, payload: bytes) -> None:
        if self.gossip_address in destination.subscriptions and destination._handler is not None:
            destination._handler.on_gossip(payload)

    def subscribe(self, gossip_address: str) -> None:
        self.subscriptions.add(gossip_address)

    def unsubscribe(self, gossip_address: str) -> None:
        self.subscriptions.discard(gossip_address)

    def forget(self, address: str) -> None:
        """Nothing to release: the network holds no connections."""

    def close(self) -> None:
        """Unplug: later deliveries to this node are dropped, pending callbacks never run."""
        self.closed = True
        self.network.unregister(self)
        for timer, _ in self._pending.values():
            timer.cancel()
        self._pending.clear()
        self.subscriptions.clear()

    def join(self, timeout_s: float) -> None:
        """Nothing to wait for: ``close`` is synchronous."""

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<MemoryTransport {self.address} {state} pending={len(self._pending)} subscriptions={len(self.subscriptions)}>"

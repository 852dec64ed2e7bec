"""Gossip: publish numbered batches at once, detect gaps per origin, repair them by a pull.

``Outbox`` is filled from any thread (``Broadcaster.broadcast``) and drained
on the cluster thread; everything else runs on the cluster thread. Each flush
publishes what is queued as one ``Gossip`` message with the next sequence
number and keeps it in a bounded retransmit buffer. A receiver that sees a gap
in an origin's numbers (or first meets an origin mid-stream, or learns its
head from a probe) pulls the missing messages from that origin; if they have
left the origin's buffer, it does a full push-pull with the origin instead.
State merges are last-writer-wins, so delivering out of order is harmless.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from cluster import wire
from cluster.sequence import OriginTracker, RetransmitBuffer
from cluster.transport import Responder

if TYPE_CHECKING:
    from cluster.engine import Engine

#: Alertmanager prunes its broadcast queue beyond 4096 messages (cluster.md §5.1).
MAX_QUEUED = 4096
#: Split a flush into several messages beyond this many bytes of items.
MAX_BATCH_BYTES = 64 << 10
#: A pull asks for at most this many ranges (more are served by the next pull).
MAX_PULL_RANGES = 64


class Outbox:
    """Items waiting to be published; thread-safe, wakes the cluster thread once per burst."""

    def __init__(self, on_pruned: Callable[[int], None], on_depth: Callable[[int], None]) -> None:
        self._lock = threading.Lock()
        self._items: deque[wire.Item] = deque()
        self._wake: Callable[[], None] | None = None
        self._scheduled = False
        self._on_pruned = on_pruned
        self._on_depth = on_depth

    def put(self, item: wire.Item) -> None:
        """Queue ``item``; the oldest items are pruned beyond ``MAX_QUEUED`` (any thread)."""
        with self._lock:
            self._items.append(item)
            pruned = max(0, len(self._items) - MAX_QUEUED)
            for _ in range(pruned):
                self._items.popleft()
            wake = self._wake if not self._scheduled else None
            self._scheduled = self._scheduled or wake is not None
            depth = len(self._items)
        if pruned:
            self._on_pruned(pruned)
        self._on_depth(depth)
        if wake is not None:
            wake()

    def attach(self, wake: Callable[[], None]) -> None:
        """Start waking the cluster thread (``wake`` schedules a flush there)."""
        with self._lock:
            self._wake = wake
            self._scheduled = bool(self._items)
        if self._scheduled:
            wake()

    def take(self) -> list[wire.Item]:
        with self._lock:
            items = list(self._items)
            self._items.clear()
            self._scheduled = False
        self._on_depth(0)
        return items

    def __len__(self) -> int:
        return len(self._items)


class Dissemination:
    """Sequence numbers out, gap detection and repair in (cluster thread)."""

    def __init__(self, engine: Engine, outbox: Outbox) -> None:
        self.engine = engine
        self.outbox = outbox
        self.seq = 0
        self.buffer = RetransmitBuffer()
        self.origins: dict[str, OriginTracker] = {}
        self._pulling: set[str] = set()

    def start(self) -> None:
        self.outbox.attach(lambda: self.engine.transport.call_soon(self.flush))

    # Sending -----------------------------------------------------------------
    def publish_member(self, info: wire.NodeInfo) -> None:
        """Gossip a membership record with the next flush."""
        self.outbox.put(wire.MemberEvent(info))

    def flush(self) -> None:
        """Publish everything queued, in batches of at most ``MAX_BATCH_BYTES``."""
        if self.engine.stopped:
            return
        batch: list[wire.Item] = []
        size = 0
        for item in self.outbox.take():
            batch.append(item)
            size += len(item.data) if isinstance(item, wire.Update) else 64
            if size >= MAX_BATCH_BYTES:
                self._publish(batch)
                batch, size = [], 0
        if batch:
            self._publish(batch)

    def _publish(self, items: list[wire.Item]) -> None:
        self.seq += 1
        data = wire.encode(wire.Gossip(wire.WIRE_VERSION, self.engine.name, self.seq, items))
        self.buffer.append(self.seq, data)
        self.engine.transport.publish(data)
        updates = [i for i in items if isinstance(i, wire.Update)]
        if updates:
            self.engine.metrics.count_sent(
                "update", sum(len(u.data) for u in updates), len(updates)
            )

    # Receiving ---------------------------------------------------------------
    def on_gossip(self, message: wire.Gossip) -> None:
        """A message from an origin's PUB: deliver it unless seen, then repair any gap."""
        if self._accept(message):
            self._repair_if_needed(message.origin)

    def _accept(self, message: wire.Gossip) -> bool:
        if message.origin == self.engine.name:
            return False
        tracker = self.origins.setdefault(message.origin, OriginTracker())
        if not tracker.accept(message.seq):
            return False
        self._deliver(message.items)
        return True

    def _deliver(self, items: list[wire.Item]) -> None:
        for item in items:
            if isinstance(item, wire.Update):
                self.engine.metrics.count_received("update", len(item.data))
                self.engine.exchange.merge_part(item.key, item.data)
            else:
                self.engine.membership.on_event(item.node)

    def observe(self, origin: str, head: int) -> None:
        """``origin`` says (in a probe) it has published up to ``head``."""
        if origin == self.engine.name or head <= 0:
            return
        self.origins.setdefault(origin, OriginTracker()).observe(head)
        self._repair_if_needed(origin)

    def seen(self) -> dict[str, int]:
        """Per origin, the seq up to which every message was delivered here (for push-pull)."""
        table = self.engine.table
        seen = {
            o: t.contiguous
            for o, t in self.origins.items()
            if t.contiguous and table.get(o) is not None
        }
        seen[self.engine.name] = self.seq
        return seen

    def merge_seen(self, seen: dict[str, int]) -> None:
        """A full state merged here covered these seqs: move the baselines up."""
        for origin, seq in seen.items():
            if origin == self.engine.name or self.engine.table.get(origin) is None:
                continue  # a member we never knew (or forgot): no tracker to keep for it
            if self.origins.setdefault(origin, OriginTracker()).advance_to(seq):
                self.engine.metrics.gaps_repaired.inc()

    def forget(self, origin: str) -> None:
        self.origins.pop(origin, None)

    # Repair ------------------------------------------------------------------
    def _repair_if_needed(self, origin: str) -> None:
        tracker = self.origins.get(origin)
        member = self.engine.table.get(origin)
        if tracker is None or not tracker.has_gap or origin in self._pulling:
            return
        if member is None or member.state not in (wire.MemberState.ALIVE, wire.MemberState.SUSPECT):
            return  # a dead origin cannot resend; anti-entropy with others covers it
        ranges = tracker.missing(MAX_PULL_RANGES)
        self.engine.log.debug("gap in gossip from {}: pulling {}", origin, ranges)
        self._pulling.add(origin)
        self.engine.metrics.pulls.inc()
        pull = wire.Pull(wire.WIRE_VERSION, self.engine.name, ranges)
        self.engine.request(
            member.address, pull, self.engine.settings.tcp_timeout,
            lambda reply: self._on_pulled(origin, member.address, reply),
        )  # fmt: skip

    def _on_pulled(self, origin: str, address: str, reply: wire.Message | None) -> None:
        self._pulling.discard(origin)
        if not isinstance(reply, wire.PullReply):
            return  # the next message or probe from the origin retries
        delivered = 0
        for data in reply.messages:
            try:
                message = wire.decode(data)
            except wire.WireError as exc:
                self.engine.undecodable("pulled gossip", str(exc))
                continue
            if isinstance(message, wire.Gossip) and message.origin == origin:
                delivered += self._accept(message)
        if delivered:
            self.engine.metrics.gaps_repaired.inc()
        if not reply.complete:
            self.engine.log.info("gossip gap from {} is beyond its buffer: full push-pull", origin)
            self.engine.exchange.push_pull(address, join=False)
        elif delivered:
            self._repair_if_needed(origin)  # more may have gone missing meanwhile

    def on_pull(self, message: wire.Pull, respond: Responder) -> None:
        """Another peer missed some of our messages: resend them from the buffer."""
        messages, complete = self.buffer.get(message.ranges[:MAX_PULL_RANGES])
        respond(wire.encode(wire.PullReply(wire.WIRE_VERSION, messages, complete)))

    def __repr__(self) -> str:
        return f"<Dissemination seq={self.seq} origins={len(self.origins)} pulling={sorted(self._pulling)} {self.buffer!r}>"

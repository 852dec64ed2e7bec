"""SWIM failure detection: probe one member per probe interval, directly then indirectly.

Runs on the cluster thread. Every ``probe_interval`` the next member of a
shuffled round-robin list is pinged (memberlist's order); without an ack
within ``probe_timeout``, up to three other alive members are asked to ping it
(SWIM's ping-req) for the rest of the interval. If none of them reaches it,
it becomes suspect (``Membership.suspect``). The health score is memberlist's
awareness: up on a failed probe, down on an answered one, between 0 and 7.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cluster import wire
from cluster.members import LIVE, Member
from cluster.wire import MemberState, NodeInfo

if TYPE_CHECKING:
    from cluster.engine import Engine
    from cluster.membership import Membership

INDIRECT_CHECKS = 3
MAX_HEALTH = 7


class Prober:
    """Chooses probe targets and turns missing acks into suspicion."""

    def __init__(self, engine: Engine, membership: Membership) -> None:
        self.engine = engine
        self.membership = membership
        self.health = 0
        self.probes = 0
        self._order: list[str] = []

    def start(self) -> None:
        interval = self.engine.settings.probe_interval
        self.engine.every(interval, self.tick, first_s=self.engine.rng.uniform(0, interval))

    def tick(self) -> None:
        """Probe the next member (no-op while leaving or alone)."""
        if self.engine.table.me.state == MemberState.LEFT:
            return
        target = self._next_target()
        if target is None:
            return
        self.probes += 1
        started = self.engine.now_ns()
        ping = wire.Ping(
            wire.WIRE_VERSION, self.engine.me(), target.name, self.engine.dissemination.seq,
            suspected=target.state == MemberState.SUSPECT,
        )  # fmt: skip
        info = target.info()
        timeout = self.engine.settings.probe_timeout
        self.engine.request(target.address, ping, timeout, lambda r: self._direct(info, r, started))

    def _next_target(self) -> Member | None:
        table = self.engine.table
        while self._order:
            member = table.get(self._order.pop())
            if member is not None and member is not table.me and member.state in LIVE:
                return member
        others = table.others()
        if not others:
            return None
        self._order = [m.name for m in others]
        self.engine.rng.shuffle(self._order)
        return table.get(self._order.pop())

    def _direct(self, target: NodeInfo, reply: wire.Message | None, started_ns: int) -> None:
        if isinstance(reply, wire.Ack) and reply.sender.name == target.name:
            rtt = max(0.0, (self.engine.now_ns() - started_ns) / 1e9)
            self.engine.metrics.pings.labels(target.name).observe(rtt)
            self._set_health(-1)
            self.membership.heard_from(reply.sender)
            self.engine.dissemination.observe(reply.sender.name, reply.seq)
            return
        if isinstance(reply, wire.Ack):  # another node lives at that address now
            self.membership.heard_from(reply.sender)
        self._indirect(target)

    def _indirect(self, target: NodeInfo) -> None:
        candidates = [
            m for m in self.engine.table.others(MemberState.ALIVE) if m.name != target.name
        ]
        helpers = self.engine.rng.sample(candidates, min(INDIRECT_CHECKS, len(candidates)))
        if not helpers:
            self._failed(target)
            return
        settings = self.engine.settings
        timeout = max(settings.probe_interval - settings.probe_timeout, settings.probe_timeout)
        waiting = len(helpers)
        settled = False

        def answered(reply: wire.Message | None) -> None:
            nonlocal waiting, settled
            waiting -= 1
            if settled:
                return
            if isinstance(reply, wire.IndirectAck) and reply.ok:
                settled = True
            elif waiting == 0:
                settled = True
                self._failed(target)

        request = wire.IndirectPing(wire.WIRE_VERSION, self.engine.me(), target)
        for helper in helpers:
            self.engine.request(helper.address, request, timeout, answered)

    def _failed(self, target: NodeInfo) -> None:
        self._set_health(+1)
        member = self.engine.table.get(target.name)
        if member is not None and member.incarnation == target.incarnation:
            self.membership.suspect(member)

    def _set_health(self, delta: int) -> None:
        self.health = min(MAX_HEALTH, max(0, self.health + delta))
        self.engine.metrics.health_score.set(self.health)

    def __repr__(self) -> str:
        return f"<Prober probes={self.probes} health={self.health} queue={len(self._order)}>"

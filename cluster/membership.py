"""Membership: apply SWIM records, suspect and bury members, answer probes, leave.

Runs on the cluster thread. Every record accepted into the member table
(from gossip, a probe, a push-pull or a leave) is gossiped again by this node
(memberlist re-broadcasts what it accepts), so a change reaches members that
do not hear its origin; a record is accepted once, which ends the echo.
Probing lives in ``cluster.probe``, joining and reconnecting in ``cluster.joiner``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from cluster import wire
from cluster.joiner import Joiner
from cluster.members import LIVE, Member, Outcome
from cluster.probe import Prober
from cluster.transport import Responder
from cluster.wire import MemberState, NodeInfo
from gossamer.clock import TimerHandle

if TYPE_CHECKING:
    from cluster.engine import Engine

#: memberlist's SuspicionMult: suspicion lasts 4 × max(1, log10(N)) probe intervals.
SUSPICION_MULT = 4
#: A graceful leave waits this long at most for the members' acks (Alertmanager: Leave(10s)).
LEAVE_TIMEOUT = 5.0


class Membership:
    """The member table's gatekeeper and this node's SWIM behaviour."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.table = engine.table
        self.prober = Prober(engine, self)
        self.joiner = Joiner(engine, self)
        self._suspicions: dict[str, TimerHandle] = {}

    def start(self) -> None:
        self.joiner.start()
        self.prober.start()

    # Records in ----------------------------------------------------------------
    def on_event(self, info: NodeInfo) -> None:
        """A gossiped record."""
        self._count_alive(info)
        self.apply(info)

    def heard_from(self, info: NodeInfo) -> None:
        """The node itself spoke (a probe, an ack): it is alive at that incarnation."""
        self.apply(info)

    def merge_remote(self, sender: NodeInfo, members: list[NodeInfo]) -> None:
        """A push-pull's member list; like memberlist, a remote "dead" only makes us suspect."""
        self.apply(sender)
        for info in members:
            self._count_alive(info)
            if info.state == MemberState.DEAD:
                info = NodeInfo(
                    info.name,
                    info.address,
                    info.gossip_address,
                    info.incarnation,
                    MemberState.SUSPECT,
                )
            self.apply(info)

    def _count_alive(self, info: NodeInfo) -> None:
        """``alertmanager_cluster_alive_messages_total``: alive records from gossip and push-pull
        (memberlist's NotifyAlive), not probe answers."""
        if info.state == MemberState.ALIVE and info.name != self.engine.name:
            self.engine.metrics.alive_messages.labels(info.name).inc()

    def apply(self, info: NodeInfo) -> Outcome:
        """Apply a record to the table and act on what changed."""
        outcome = self.table.apply(info, self.engine.now_ns())
        if outcome == Outcome.REFUTE:
            self._refute(info)
        elif outcome != Outcome.IGNORED:
            member = self.table.get(info.name)
            assert member is not None
            self._changed(member, outcome)
        return outcome

    def _refute(self, info: NodeInfo) -> None:
        mine = self.table.refute(info.incarnation)
        self.engine.log.info(
            "refuting {} about this node: incarnation now {}",
            info.state.name.lower(),
            mine.incarnation,
        )
        self.engine.dissemination.publish_member(mine)

    def _changed(self, member: Member, outcome: Outcome) -> None:
        metrics, transport, log = self.engine.metrics, self.engine.transport, self.engine.log
        if outcome == Outcome.SUSPECTED:
            log.info("peer {} ({}) is suspect", member.name, member.address)
            self._start_suspicion(member)
        else:
            self._cancel_suspicion(member.name)
        if outcome in (Outcome.JOINED, Outcome.UPDATED):
            transport.subscribe(member.gossip_address)
            (metrics.peers_joined if outcome == Outcome.JOINED else metrics.peers_update).inc()
            if outcome == Outcome.JOINED:
                log.info(
                    "peer {} joined ({}, gossip {})",
                    member.name,
                    member.address,
                    member.gossip_address,
                )
                self.joiner.joined(member)
        elif outcome in (Outcome.DIED, Outcome.LEFT):
            log.info(
                "peer {} ({}) {}",
                member.name,
                member.address,
                "left" if outcome == Outcome.LEFT else "is dead",
            )
            metrics.peers_left.inc()
            self._release(member)
            self.joiner.lost(member)
        self.engine.dissemination.publish_member(member.info())
        if outcome != Outcome.SUSPECTED:
            self.engine.view_changed()

    def _release(self, gone: Member) -> None:
        """Drop the connections of a dead member, unless a restart of it now lives at the same addresses."""
        live = self.table.others()
        if not any(m.gossip_address == gone.gossip_address for m in live):
            self.engine.transport.unsubscribe(gone.gossip_address)
        if not any(m.address == gone.address for m in live):
            self.engine.transport.forget(gone.address)

    # Suspicion -------------------------------------------------------------------
    def suspect(self, member: Member) -> None:
        """Our probes of ``member`` failed."""
        if member.state == MemberState.ALIVE:
            self.apply(
                NodeInfo(
                    member.name,
                    member.address,
                    member.gossip_address,
                    member.incarnation,
                    MemberState.SUSPECT,
                )
            )

    def suspicion_timeout(self) -> float:
        n = max(1, len(self.table.live()))
        return SUSPICION_MULT * max(1.0, math.log10(n)) * self.engine.settings.probe_interval

    def _start_suspicion(self, member: Member) -> None:
        name, incarnation = member.name, member.incarnation
        self._cancel_suspicion(name)
        self._suspicions[name] = self.engine.later(
            self.suspicion_timeout(), lambda: self._expire(name, incarnation)
        )

    def _cancel_suspicion(self, name: str) -> None:
        timer = self._suspicions.pop(name, None)
        if timer is not None:
            timer.cancel()

    def _expire(self, name: str, incarnation: int) -> None:
        self._suspicions.pop(name, None)
        member = self.table.get(name)
        if (
            member is None
            or member.state != MemberState.SUSPECT
            or member.incarnation != incarnation
        ):
            return
        self.engine.log.warning(
            "peer {} ({}) did not refute the suspicion: dead", name, member.address
        )
        self.apply(
            NodeInfo(name, member.address, member.gossip_address, incarnation, MemberState.DEAD)
        )

    # Requests from peers -----------------------------------------------------------
    def on_ping(self, message: wire.Ping, respond: Responder) -> None:
        if message.suspected and message.target == self.engine.name:
            self._refute(
                NodeInfo(self.engine.name, "", "", self.table.me.incarnation, MemberState.SUSPECT)
            )
        respond(self._ack())
        self.heard_from(message.sender)
        self.engine.dissemination.observe(message.sender.name, message.seq)

    def on_indirect_ping(self, message: wire.IndirectPing, respond: Responder) -> None:
        """Probe ``message.target`` for the sender and tell it whether the target answered."""
        self.heard_from(message.sender)
        target = message.target
        ping = wire.Ping(
            wire.WIRE_VERSION, self.engine.me(), target.name, self.engine.dissemination.seq
        )

        def answered(reply: wire.Message | None) -> None:
            ok = isinstance(reply, wire.Ack) and reply.sender.name == target.name
            respond(wire.encode(wire.IndirectAck(wire.WIRE_VERSION, ok)))
            if isinstance(reply, wire.Ack):
                self.heard_from(reply.sender)

        self.engine.request(target.address, ping, self.engine.settings.probe_timeout, answered)

    def on_leave(self, message: wire.Leave, respond: Responder) -> None:
        respond(self._ack())
        sender = message.sender
        self.apply(
            NodeInfo(
                sender.name,
                sender.address,
                sender.gossip_address,
                sender.incarnation,
                MemberState.LEFT,
            )
        )

    def _ack(self) -> bytes:
        return wire.encode(
            wire.Ack(wire.WIRE_VERSION, self.engine.me(), self.engine.dissemination.seq)
        )

    # Leaving -----------------------------------------------------------------------
    def leave(self, done: Callable[[], None]) -> None:
        """Gossip our leave and tell every alive member directly; ``done`` after their acks or a timeout."""
        info = self.table.leave(self.engine.now_ns())
        self.engine.dissemination.publish_member(info)
        self.engine.dissemination.flush()
        targets = self.table.others(MemberState.ALIVE)
        self.engine.log.info("leaving the cluster: telling {} peers", len(targets))
        waiting = {m.name for m in targets}
        finished = False

        def finish() -> None:
            nonlocal finished
            if not finished:
                finished = True
                timer.cancel()
                done()

        def acked(name: str) -> None:
            waiting.discard(name)
            if not waiting:
                finish()

        timer = self.engine.later(min(LEAVE_TIMEOUT, self.engine.settings.tcp_timeout), finish)
        if not waiting:
            finish()
        request = wire.Leave(wire.WIRE_VERSION, info)
        for member in targets:
            self.engine.request(
                member.address,
                request,
                LEAVE_TIMEOUT,
                functools.partial(_ignore_reply, acked, member.name),
            )

    def live_others(self) -> list[Member]:
        return [m for m in self.table.others() if m.state in LIVE]

    def __repr__(self) -> str:
        return f"<Membership {self.table!r} suspicions={sorted(self._suspicions)} failed={sorted(self.joiner.failed)}>"


def _ignore_reply(acked: Callable[[str], None], name: str, _reply: wire.Message | None) -> None:
    acked(name)

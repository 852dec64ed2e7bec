"""Joining through ``--cluster.peer``, reconnecting to failed peers, refreshing the seeds.

Runs on the cluster thread and follows Alertmanager's peer bookkeeping
(cluster.md §6): seeds start out as failed peers so they are retried even if
the first join fails (only a warning); a member that dies or leaves becomes a
failed peer, retried every ``reconnect_interval`` until ``reconnect_timeout``
after which it is forgotten; every ``refresh_interval`` each seed that is not a
live member is joined again. A join is a push-pull to the seed's address as
given (host names resolve again on every attempt); the answer names the node,
which may be this node itself (a seed list usually includes it) or a new
incarnation of a restarted peer.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from prometheus_client import Counter

from cluster.members import LIVE, Member
from cluster.wire import NodeInfo

if TYPE_CHECKING:
    from cluster.engine import Engine
    from cluster.membership import Membership


@dataclass(slots=True)
class FailedPeer:
    address: str
    name: str | None
    since_ns: int


class Joiner:
    """The failed-peer list and the loops that retry it."""

    def __init__(self, engine: Engine, membership: Membership) -> None:
        self.engine = engine
        self.membership = membership
        self.seeds = [s for s in engine.settings.peers if s and s != engine.transport.address]
        self.failed: dict[str, FailedPeer] = {}
        self._seed_names: dict[str, str] = {}
        self._joining: set[str] = set()

    def start(self) -> None:
        now = self.engine.now_ns()
        for seed in self.seeds:
            self.failed[seed] = FailedPeer(seed, None, now)
            self.join(seed, functools.partial(self._initial, seed))
        if not self.seeds:
            self.engine.log.info("no --cluster.peer given: waiting for peers to join this node")
        settings = self.engine.settings
        self.engine.every(settings.reconnect_interval, self._reconnect)
        self.engine.every(settings.refresh_interval, self._refresh)

    def join(self, address: str, on_result: Callable[[NodeInfo | None], None]) -> None:
        """Push-pull with ``address`` as a join, unless one is already under way."""
        if address in self._joining:
            return
        self._joining.add(address)

        def done(node: NodeInfo | None) -> None:
            self._joining.discard(address)
            if node is not None:
                self._learned(address, node)
            on_result(node)

        self.engine.exchange.push_pull(address, join=True, done=done)

    def _initial(self, seed: str, node: NodeInfo | None) -> None:
        if node is None:
            self.engine.log.warning(
                "failed to join cluster peer {}; retrying every {}s",
                seed,
                self.engine.settings.reconnect_interval,
            )

    def _learned(self, address: str, node: NodeInfo) -> None:
        if address in self.seeds:
            self._seed_names[address] = node.name
        if node.name == self.engine.name:
            self.engine.log.debug("cluster peer {} is this node", address)
        self.failed.pop(address, None)
        self._gauge()

    def joined(self, member: Member) -> None:
        """A member is alive: it is no longer a failed peer."""
        for address, peer in list(self.failed.items()):
            if address == member.address or peer.name == member.name:
                del self.failed[address]
        self._gauge()

    def lost(self, member: Member) -> None:
        """A member died or left: retry its address from now on."""
        self.failed[member.address] = FailedPeer(member.address, member.name, self.engine.now_ns())
        self._gauge()

    def _reconnect(self) -> None:
        now = self.engine.now_ns()
        timeout_ns = int(self.engine.settings.reconnect_timeout * 1e9)
        for address, peer in list(self.failed.items()):
            if self._is_live(address, peer.name):
                del self.failed[address]
            elif timeout_ns > 0 and now - peer.since_ns > timeout_ns:
                self._give_up(peer)
            else:
                self.join(
                    address,
                    self._count(
                        self.engine.metrics.reconnections, self.engine.metrics.reconnections_failed
                    ),
                )
        self._gauge()

    def _give_up(self, peer: FailedPeer) -> None:
        self.engine.log.info(
            "forgetting failed peer {} ({}) after the reconnect timeout", peer.name, peer.address
        )
        del self.failed[peer.address]
        if peer.name is not None:
            self.engine.table.forget(peer.name)
            self.engine.dissemination.forget(peer.name)

    def _refresh(self) -> None:
        metrics = self.engine.metrics
        for seed in self.seeds:
            if not self._is_live(seed, self._seed_names.get(seed)):
                self.join(seed, self._count(metrics.refresh_join, metrics.refresh_join_failed))

    def _is_live(self, address: str, name: str | None) -> bool:
        if name == self.engine.name:
            return True
        member = self.engine.table.get(name) if name else None
        if member is not None and member.state in LIVE:
            return True
        return any(m.address == address for m in self.engine.table.others())

    @staticmethod
    def _count(ok: Counter, failed: Counter) -> Callable[[NodeInfo | None], None]:
        def result(node: NodeInfo | None) -> None:
            (ok if node is not None else failed).inc()

        return result

    def _gauge(self) -> None:
        self.engine.metrics.failed_peers.set(len(self.failed))

    def __repr__(self) -> str:
        return f"<Joiner seeds={self.seeds} failed={sorted(self.failed)} joining={sorted(self._joining)}>"

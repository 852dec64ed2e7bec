"""Joins a node to the gossip cluster: the peer, and adapters between it and the actors.

The cluster layer (``cluster/``) knows replicated state only as bytes; these
adapters hand what a peer sends to the owning actor (a ``tell``, never a
blocking call on the cluster thread) and turn the actors' deltas into
broadcasts. Without ``--cluster.listen-address`` the node runs alone
(``disabled``) and is settled at once.
"""

from __future__ import annotations

from collections.abc import Callable

import pykka
from prometheus_client import CollectorRegistry

from actors.messages import EncodeFull, MergeRemote
from cluster.handlers import Broadcaster
from cluster.peer import ClusterPeer
from cluster.settings import ClusterSettings
from gossamer.clock import Clock
from gossamer.flags import Flags


class ActorState:
    """A ``cluster.state.StateHandler`` backed by the actor that owns the state."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.owner: pykka.ActorRef | None = None

    def merge_remote(self, data: bytes) -> None:
        """Runs on the cluster thread: hand the records to the owner."""
        if self.owner is not None:
            self.owner.tell(MergeRemote(data))

    def request_full_state(self, reply: Callable[[bytes], None]) -> None:
        """Runs on the cluster thread: the owner answers when it gets to it."""
        if self.owner is None:
            reply(b"")
            return
        self.owner.tell(EncodeFull(reply))


class Clustering:
    """The node's place in the cluster (or its absence)."""

    def __init__(self, flags: Flags, clock: Clock, registry: CollectorRegistry, name: str) -> None:
        self.enabled = bool(flags.cluster_listen_address)
        self.peer_timeout_s = flags.cluster_peer_timeout
        self.nflog = ActorState("nfl")
        self.silences = ActorState("sil")
        self.peer: ClusterPeer | None = None
        self._broadcasters: dict[str, Broadcaster] = {}
        if self.enabled:
            self.peer = ClusterPeer(ClusterSettings.from_flags(flags), clock, registry, name=name)
            for state in (self.nflog, self.silences):
                self._broadcasters[state.key] = self.peer.add_state(state)

    def broadcast(self, key: str, deltas: list[bytes]) -> None:
        """Runs on the owning actor's thread: publish each delta at once."""
        broadcaster = self._broadcasters.get(key)
        if broadcaster is not None:
            for delta in deltas:
                broadcaster.broadcast(delta)

    def start(
        self,
        nflog_owner: pykka.ActorRef,
        silences_owner: pykka.ActorRef,
        on_ready: Callable[[], None],
    ) -> None:
        """Bind and join (after the actors run); ``on_ready`` fires once settled."""
        self.nflog.owner, self.silences.owner = nflog_owner, silences_owner
        if self.peer is None:
            on_ready()
            return
        self.peer.on_ready(on_ready)
        self.peer.start()

    def stop(self) -> None:
        """Announce a graceful leave (SIGTERM), then close the sockets."""
        if self.peer is not None:
            self.peer.stop(leave=True)

    def ready(self) -> bool:
        return self.peer is None or self.peer.status() == "ready"

    def position(self) -> int:
        return 0 if self.peer is None else self.peer.position()

    def wait_s(self) -> float:
        """Runs on actor threads: position × ``--cluster.peer-timeout`` (Alertmanager's wait)."""
        return self.position() * self.peer_timeout_s

    def members(self) -> list[tuple[str, str]]:
        return [] if self.peer is None else self.peer.members()

    def status(self) -> str:
        if self.peer is None:
            return "disabled"
        return self.peer.status()

"""Cluster settings, taken from Alertmanager's ``--cluster.*`` flags (cluster.md §2).

Built once at start-up on the main thread and never changed (frozen); every
cluster component reads its timings from here.
"""

from __future__ import annotations

from typing import Any

import msgspec


class ClusterSettings(msgspec.Struct, frozen=True):
    """Timings and addresses of one cluster peer; durations are seconds."""

    #: ``--cluster.listen-address`` ("host:port"; port 0 = ephemeral). The ROUTER binds here.
    listen_address: str
    #: ``--cluster.advertise-address``; "" = derived from the bound address.
    advertise_address: str = ""
    #: ``--cluster.peer`` (repeatable); host names are resolved again on every attempt.
    peers: list[str] = msgspec.field(default_factory=list)
    #: gossamer: where the PUB socket binds ("" = ephemeral port on the listen host).
    gossip_listen_address: str = ""
    #: gossamer: the PUB address advertised in the handshake ("" = derived).
    gossip_advertise_address: str = ""
    gossip_interval: float = 0.2
    pushpull_interval: float = 60.0
    tcp_timeout: float = 10.0
    probe_interval: float = 1.0
    probe_timeout: float = 0.5
    settle_timeout: float = 60.0
    reconnect_interval: float = 10.0
    reconnect_timeout: float = 6 * 3600.0
    peer_timeout: float = 15.0
    #: AM refreshes (re-resolves and re-joins) ``--cluster.peer`` every 15 s (cluster.md §6).
    refresh_interval: float = 15.0

    @classmethod
    def from_flags(cls, flags: Any) -> ClusterSettings:
        """Settings from ``gossamer.flags.Flags`` (duck-typed to keep ``cluster`` free of ``gossamer``)."""
        return cls(
            listen_address=flags.cluster_listen_address,
            advertise_address=flags.cluster_advertise_address,
            peers=list(flags.cluster_peer),
            gossip_listen_address=flags.cluster_gossip_listen_address,
            gossip_advertise_address=flags.cluster_gossip_advertise_address,
            gossip_interval=flags.cluster_gossip_interval,
            pushpull_interval=flags.cluster_pushpull_interval,
            tcp_timeout=flags.cluster_tcp_timeout,
            probe_interval=flags.cluster_probe_interval,
            probe_timeout=flags.cluster_probe_timeout,
            settle_timeout=flags.cluster_settle_timeout,
            reconnect_interval=flags.cluster_reconnect_interval,
            reconnect_timeout=flags.cluster_reconnect_timeout,
            peer_timeout=flags.cluster_peer_timeout,
        )

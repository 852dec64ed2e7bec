"""The cluster's metrics, with Alertmanager's names (cluster.md §9), on a given registry.

No process-global state: every ``ClusterPeer`` registers its own families on
the registry it is given, so several peers can run in one process (on separate
registries). Counters are thread-safe; gauges are set on the cluster thread.

``alertmanager_cluster_enabled`` and ``alertmanager_peer_position`` may already
be registered by the node (it reports them when clustering is off too); then
the node's families are left alone and ``enabled``/``position`` here are
``None`` — the node should set its position gauge from ``ClusterPeer.position``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from loguru import logger
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

MSG_TYPES = ("full_state", "update")
PING_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5)
M = TypeVar("M", Gauge, Counter)


class ClusterMetrics:
    """Alertmanager's ``alertmanager_cluster_*`` families plus gossamer's own."""

    def __init__(self, registry: CollectorRegistry, name: str) -> None:
        r = registry
        self.enabled = _optional(
            lambda: Gauge(
                "alertmanager_cluster_enabled",
                "Indicates whether the clustering is enabled or not.",
                registry=r,
            )
        )
        self.position = _optional(
            lambda: Gauge(
                "alertmanager_peer_position",
                "Position the Alertmanager instance believes it's in. The position determines a peer's behavior in the cluster.",
                registry=r,
            )
        )
        self.members = Gauge(
            "alertmanager_cluster_members",
            "Number indicating current number of members in cluster.",
            registry=r,
        )
        self.peer_info = Gauge(
            "alertmanager_cluster_peer_info",
            "A metric with a constant '1' value labeled by peer name.",
            ["peer"],
            registry=r,
        )
        self.failed_peers = Gauge(
            "alertmanager_cluster_failed_peers",
            "Number indicating the current number of failed peers in the cluster.",
            registry=r,
        )
        self.health_score = Gauge(
            "alertmanager_cluster_health_score",
            "Health score of the cluster. Lower values are better and zero means 'totally healthy'.",
            registry=r,
        )
        self.queued = Gauge(
            "alertmanager_cluster_messages_queued",
            "Number of cluster messages which are queued.",
            registry=r,
        )
        self.received = Counter(
            "alertmanager_cluster_messages_received_total",
            "Total number of cluster messages received.",
            ["msg_type"],
            registry=r,
        )
        self.received_size = Counter(
            "alertmanager_cluster_messages_received_size_total",
            "Total size of cluster messages received.",
            ["msg_type"],
            registry=r,
        )
        self.sent = Counter(
            "alertmanager_cluster_messages_sent_total",
            "Total number of cluster messages sent.",
            ["msg_type"],
            registry=r,
        )
        self.sent_size = Counter(
            "alertmanager_cluster_messages_sent_size_total",
            "Total size of cluster messages sent.",
            ["msg_type"],
            registry=r,
        )
        self.pruned = Counter(
            "alertmanager_cluster_messages_pruned_total",
            "Total number of cluster messages pruned.",
            registry=r,
        )
        self.alive_messages = Counter(
            "alertmanager_cluster_alive_messages_total",
            "Total number of received alive messages.",
            ["peer"],
            registry=r,
        )
        self.pings = Histogram(
            "alertmanager_cluster_pings_seconds",
            "Histogram of latencies for ping messages.",
            ["peer"],
            buckets=PING_BUCKETS,
            registry=r,
        )
        self.peers_joined = Counter(
            "alertmanager_cluster_peers_joined_total",
            "A counter of the number of peers that have joined.",
            registry=r,
        )
        self.peers_left = Counter(
            "alertmanager_cluster_peers_left_total",
            "A counter of the number of peers that have left.",
            registry=r,
        )
        self.peers_update = Counter(
            "alertmanager_cluster_peers_update_total",
            "A counter of the number of peers that have updated metadata.",
            registry=r,
        )
        self.reconnections = Counter(
            "alertmanager_cluster_reconnections_total",
            "A counter of the number of cluster peer reconnections.",
            registry=r,
        )
        self.reconnections_failed = Counter(
            "alertmanager_cluster_reconnections_failed_total",
            "A counter of the number of failed cluster peer reconnection attempts.",
            registry=r,
        )
        self.refresh_join = Counter(
            "alertmanager_cluster_refresh_join_total",
            "A counter of the number of cluster peer joined via refresh.",
            registry=r,
        )
        self.refresh_join_failed = Counter(
            "alertmanager_cluster_refresh_join_failed_total",
            "A counter of the number of failed cluster peer joined attempts via refresh.",
            registry=r,
        )
        self.oversized_sent = Counter(
            "alertmanager_oversized_gossip_message_sent_total",
            "Number of oversized gossip message sent.",
            ["key"],
            registry=r,
        )
        self.oversized_failure = Counter(
            "alertmanager_oversized_gossip_message_failure_total",
            "Number of oversized gossip message sends that failed.",
            ["key"],
            registry=r,
        )
        self.oversized_dropped = Counter(
            "alertmanager_oversized_gossip_message_dropped_total",
            "Number of oversized gossip messages that were dropped due to a full message queue.",
            ["key"],
            registry=r,
        )
        self.oversize_duration = Histogram(
            "alertmanager_oversize_gossip_message_duration_seconds",
            "Duration of oversized gossip message requests.",
            ["key"],
            registry=r,
        )
        self.undecodable = Counter(
            "gossamer_cluster_messages_undecodable_total",
            "Cluster messages dropped because they did not decode.",
            registry=r,
        )
        self.gaps_repaired = Counter(
            "gossamer_cluster_gaps_repaired_total",
            "Gaps in a peer's gossip sequence repaired by a pull or a full push-pull.",
            registry=r,
        )
        self.pulls = Counter(
            "gossamer_cluster_pulls_total", "Pull requests sent to repair gossip gaps.", registry=r
        )
        self._init(name)

    def _init(self, name: str) -> None:
        if self.enabled is not None:
            self.enabled.set(1)
        self.peer_info.labels(name).set(1)
        self.members.set(1)
        for msg_type in MSG_TYPES:
            for family in (self.received, self.received_size, self.sent, self.sent_size):
                family.labels(msg_type)

    def add_key(self, key: str) -> None:
        """Pre-initialise the per-state families (Alertmanager registers them in AddState)."""
        for family in (self.oversized_sent, self.oversized_failure, self.oversized_dropped):
            family.labels(key)
        self.oversize_duration.labels(key)

    def count_sent(self, msg_type: str, size: int, count: int = 1) -> None:
        self.sent.labels(msg_type).inc(count)
        self.sent_size.labels(msg_type).inc(size)

    def count_received(self, msg_type: str, size: int, count: int = 1) -> None:
        self.received.labels(msg_type).inc(count)
        self.received_size.labels(msg_type).inc(size)


def _optional(make: Callable[[], M]) -> M | None:
    """Register a family unless the registry already has it (the node's own)."""
    try:
        return make()
    except ValueError:  # "Duplicated timeseries in CollectorRegistry"
        logger.debug("cluster metric already registered by the node; leaving it to the node")
        return None

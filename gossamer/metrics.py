"""A node's metrics, under Alertmanager's names (reference/metrics.md).

Every node owns its registry, so several nodes can run in one test process.
Children are pre-bound where the hot path increments them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Summary,
    disable_created_metrics,
)
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

import gossamer

INTEGRATIONS = (
    "email", "pagerduty", "wechat", "pushover", "slack", "opsgenie",
    "webhook", "victorops", "sns", "telegram",
)  # fmt: skip
ALERT_STATES = ("active", "suppressed", "unprocessed")

# Alertmanager exposes no *_created series; this is a process-wide switch of the client library.
disable_created_metrics()


class NodeMetrics:
    """The ``alertmanager_*`` and ``gossamer_*`` families of one node."""

    def __init__(self) -> None:
        r = self.registry = CollectorRegistry(auto_describe=True)
        self.alerts = Gauge(
            "alertmanager_alerts", "How many alerts by state.", ["state"], registry=r
        )
        self.marked_alerts = Gauge(
            "alertmanager_marked_alerts",
            "How many alerts by state are currently marked in the Alertmanager regardless of their expiry.",
            ["state"],
            registry=r,
        )
        self.alerts_received = Counter(
            "alertmanager_alerts_received",
            "The total number of received alerts.",
            ["status", "version"],
            registry=r,
        )
        self.alerts_invalid = Counter(
            "alertmanager_alerts_invalid",
            "The total number of received alerts that were invalid.",
            ["version"],
            registry=r,
        )
        for state in ALERT_STATES:
            self.alerts.labels(state)
            self.marked_alerts.labels(state)
        for version in ("v1", "v2"):
            self.alerts_invalid.labels(version)
            for status in ("firing", "resolved"):
                self.alerts_received.labels(status, version)
        self.received_firing = self.alerts_received.labels("firing", "v2")
        self.received_resolved = self.alerts_received.labels("resolved", "v2")
        self.invalid_v2 = self.alerts_invalid.labels("v2")
        self._notification_metrics(r)
        self._config_metrics(r)
        self._state_metrics(r)
        self.actor_failures = Counter(
            "gossamer_actor_failures",
            "Exceptions raised while an actor handled a message.",
            ["actor"],
            registry=r,
        )

    def count_template_failures(self, read: Callable[[], float]) -> None:
        """Expose ``gossamer_template_failures_total``, read at scrape time from ``read``
        (the node's running total across config reloads)."""
        self.registry.register(_CounterFromFunction(
            "gossamer_template_failures",
            "Templated fields that failed to render at send time (each fails its notification).",
            read,
        ))  # fmt: skip

    def _notification_metrics(self, r: CollectorRegistry) -> None:
        self.notifications = Counter(
            "alertmanager_notifications",
            "The total number of attempted notifications.",
            ["integration"],
            registry=r,
        )
        self.notifications_failed = Counter(
            "alertmanager_notifications_failed",
            "The total number of failed notifications.",
            ["integration"],
            registry=r,
        )
        self.notification_requests = Counter(
            "alertmanager_notification_requests",
            "The total number of attempted notification requests.",
            ["integration"],
            registry=r,
        )
        self.notification_requests_failed = Counter(
            "alertmanager_notification_requests_failed",
            "The total number of failed notification requests.",
            ["integration"],
            registry=r,
        )
        self.notification_latency = Histogram(
            "alertmanager_notification_latency_seconds",
            "The latency of notifications in seconds.",
            ["integration"],
            buckets=(1, 5, 10, 15, 20),
            registry=r,
        )
        for integration in INTEGRATIONS:
            for family in (
                self.notifications,
                self.notifications_failed,
                self.notification_requests,
                self.notification_requests_failed,
                self.notification_latency,
            ):
                family.labels(integration)

    def _config_metrics(self, r: CollectorRegistry) -> None:
        self.aggregation_groups = Gauge(
            "alertmanager_dispatcher_aggregation_groups",
            "Number of active aggregation groups",
            registry=r,
        )
        self.alert_processing = Summary(
            "alertmanager_dispatcher_alert_processing_duration_seconds",
            "Summary of latencies for the processing of alerts.",
            registry=r,
        )
        self.config_hash = Gauge(
            "alertmanager_config_hash",
            "Hash of the currently loaded alertmanager configuration.",
            registry=r,
        )
        self.config_last_reload_successful = Gauge(
            "alertmanager_config_last_reload_successful",
            "Whether the last configuration reload attempt was successful.",
            registry=r,
        )
        self.config_last_reload_success_timestamp = Gauge(
            "alertmanager_config_last_reload_success_timestamp_seconds",
            "Timestamp of the last successful configuration reload.",
            registry=r,
        )
        self.receivers = Gauge(
            "alertmanager_receivers", "Number of configured receivers.", registry=r
        )
        self.integrations = Gauge(
            "alertmanager_integrations", "Number of configured integrations.", registry=r
        )
        build = Gauge(
            "alertmanager_build_info",
            "A metric with a constant '1' value labeled by version, revision, branch, goversion from which alertmanager was built, and the goos and goarch for the build.",
            ["version", "revision", "branch", "goversion", "goos", "goarch"],
            registry=r,
        )
        build.labels(
            gossamer.ALERTMANAGER_COMPAT_VERSION,
            f"gossamer-{gossamer.__version__}",
            "",
            "",
            "linux",
            "amd64",
        ).set(1)
        self.cluster_enabled = Gauge(
            "alertmanager_cluster_enabled",
            "Indicates whether the clustering is enabled or not.",
            registry=r,
        )
        self.peer_position = Gauge(
            "alertmanager_peer_position",
            "Position the Alertmanager instance believes it's in. The position determines a peer's behavior in the cluster.",
            registry=r,
        )

    def _state_metrics(self, r: CollectorRegistry) -> None:
        self.nflog_queries = Counter(
            "alertmanager_nflog_queries",
            "Number of notification log queries were received.",
            registry=r,
        )
        self.nflog_query_errors = Counter(
            "alertmanager_nflog_query_errors",
            "Number notification log received queries that failed.",
            registry=r,
        )
        self.nflog_query_duration = Histogram(
            "alertmanager_nflog_query_duration_seconds",
            "Duration of notification log query evaluation.",
            registry=r,
        )
        self.nflog_gc_duration = Summary(
            "alertmanager_nflog_gc_duration_seconds",
            "Duration of the last notification log garbage collection cycle.",
            registry=r,
        )
        self.nflog_snapshot_duration = Summary(
            "alertmanager_nflog_snapshot_duration_seconds",
            "Duration of the last notification log snapshot.",
            registry=r,
        )
        self.nflog_snapshot_size = Gauge(
            "alertmanager_nflog_snapshot_size_bytes",
            "Size of the last notification log snapshot in bytes.",
            registry=r,
        )
        self.silences = Gauge(
            "alertmanager_silences", "How many silences by state.", ["state"], registry=r
        )
        for state in ("active", "pending", "expired"):
            self.silences.labels(state)
        self.silences_queries = Counter(
            "alertmanager_silences_queries", "How many silence queries were received.", registry=r
        )
        self.silences_gc_duration = Summary(
            "alertmanager_silences_gc_duration_seconds",
            "Duration of the last silence garbage collection cycle.",
            registry=r,
        )
        self.silences_snapshot_duration = Summary(
            "alertmanager_silences_snapshot_duration_seconds",
            "Duration of the last silence snapshot.",
            registry=r,
        )
        self.silences_snapshot_size = Gauge(
            "alertmanager_silences_snapshot_size_bytes",
            "Size of the last silence snapshot in bytes.",
            registry=r,
        )
        self.silences_propagated = Counter(
            "alertmanager_silences_gossip_messages_propagated",
            "Number of received gossip messages that have been further gossiped.",
            registry=r,
        )
        self.nflog_propagated = Counter(
            "alertmanager_nflog_gossip_messages_propagated",
            "Number of received gossip messages that have been further gossiped.",
            registry=r,
        )


class _CounterFromFunction(Collector):
    """A counter whose value lives elsewhere; runs on the scraping thread."""

    def __init__(self, name: str, documentation: str, read: Callable[[], float]) -> None:
        self.name, self.documentation, self.read = name, documentation, read

    def collect(self) -> Iterator[CounterMetricFamily]:
        yield CounterMetricFamily(self.name, self.documentation, value=self.read())

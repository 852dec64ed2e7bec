"""Alerts and flush contexts for the integrations' unit tests."""

from __future__ import annotations

from gossamer.alert import Alert
from gossamer.labels import fingerprint
from gossamer.timefmt import NS, ZERO
from receivers.base import NotificationContext

#: A fixed "now" (2026-01-01T00:00:00Z) the unit tests judge statuses at.
NOW = 1_767_225_600 * NS


def alert(
    resolved: bool = False, annotations: dict[str, str] | None = None, **labels: str
) -> Alert:
    """A firing alert (started an hour before ``NOW``), or one resolved a minute before."""
    return Alert(
        labels=labels,
        annotations=annotations or {},
        starts_at=NOW - 3600 * NS,
        ends_at=NOW - 60 * NS if resolved else ZERO,
        generator_url="http://prometheus:9090/graph?g0.expr=up",
        updated_at=NOW,
        timeout=False,
        fingerprint=fingerprint(labels),
    )


def context(receiver: str = "team-a", **group_labels: str) -> NotificationContext:
    """The flush context of the group ``group_labels`` (default ``alertname="Disk"``)."""
    labels = group_labels or {"alertname": "Disk"}
    key = "{}:{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"
    return NotificationContext(key, labels, receiver, "http://am.example:9093", NOW)

"""Differential test harness: run the reference Alertmanager and gossamer side by side.

Public pieces: `NodeProcess`/`launch` (a node process), `WebhookSink` (a
recording webhook receiver), `PortAllocator` (per-xdist-worker ports),
`DiffPair`/`start_pair` (both kinds with one config template) and the
normalisation helpers used to compare their outputs.
"""

from __future__ import annotations

from .alerts import alert, at, now_utc, resolved, rfc3339
from .http import Reply
from .node import (
    GOSSAMER,
    KINDS,
    REFERENCE,
    NodeProcess,
    NodeStartError,
    PortInUseError,
    launch,
    reference_binary,
)
from .normalise import (
    VolatileTimes,
    assert_same,
    json_diff,
    normalise_alerts,
    normalise_groups,
    normalise_status,
    normalise_webhook,
)
from .pair import WEBHOOK_URL, DiffPair, Side, start_pair
from .ports import PortAllocator, worker_index
from .sink import Notification, WebhookSink

__all__ = [
    "GOSSAMER",
    "KINDS",
    "REFERENCE",
    "WEBHOOK_URL",
    "DiffPair",
    "NodeProcess",
    "NodeStartError",
    "Notification",
    "PortAllocator",
    "PortInUseError",
    "Reply",
    "Side",
    "VolatileTimes",
    "WebhookSink",
    "alert",
    "assert_same",
    "at",
    "json_diff",
    "launch",
    "normalise_alerts",
    "normalise_groups",
    "normalise_status",
    "normalise_webhook",
    "now_utc",
    "reference_binary",
    "resolved",
    "rfc3339",
    "start_pair",
    "worker_index",
]

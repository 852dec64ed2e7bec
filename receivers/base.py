"""What every integration implements, and the per-notification context it receives."""

from __future__ import annotations

from typing import Protocol

import msgspec

from gossamer.alert import Alert


class NotificationContext(msgspec.Struct, frozen=True):
    """Everything about one flush that an integration needs besides the alerts.

    ``receiver_name`` is the raw name from the config; integrations that render
    it (webhook ``receiver``, templates' ``.Receiver``) apply Go's
    ``regexp.QuoteMeta`` themselves.
    """

    group_key: str
    group_labels: dict[str, str]
    receiver_name: str
    external_url: str
    now_ns: int


class Notifier(Protocol):
    """One integration instance (e.g. ``webhook[0]`` of receiver ``team-a``).

    ``notify`` runs on the node's asyncio loop. It returns on success and raises
    ``gossamer.errors.NotifyError`` (with ``retryable``) on failure; the sender
    actor owns retries and deadlines, never the notifier.
    """

    integration: str
    index: int
    send_resolved: bool

    async def notify(self, ctx: NotificationContext, alerts: list[Alert]) -> None: ...

    async def close(self) -> None: ...

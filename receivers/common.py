"""What the JSON chat integrations share: byte truncation and the skeleton of
a notifier that POSTs one JSON document. (Template rendering, rune
truncation and the group-key hash are in ``receivers.fields``.)

Everything here runs on the node's asyncio loop (or, for the pure functions,
on whatever thread calls them). Alertmanager 0.25's counterparts live in
``notify/util.go``: ``TruncateInBytes`` and ``PostJSON``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gossamer.alert import Alert
from gossamer.config.model import HTTPClientConfig
from gossamer.errors import NotifyError
from receivers.base import NotificationContext
from receivers.fields import Renderer, Templates, redact_url_error, wire_url
from receivers.http import DEFAULT_POOL, HTTPClient, HTTPClientPool, HTTPResponse
from receivers.payload import build_data

__all__ = [
    "TRUNCATION_MARKER",
    "JSONNotifier",
    "truncate_in_bytes",
]

#: What Alertmanager appends to a truncated text (U+2026, three bytes in UTF-8).
TRUNCATION_MARKER = "…"


def truncate_in_bytes(text: str, limit: int) -> tuple[str, bool]:
    """``notify.TruncateInBytes``: at most ``limit`` UTF-8 bytes, marker included,
    never splitting a code point."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size <= limit:
        return text, False
    if limit <= 3:
        return (TRUNCATION_MARKER if limit == 3 else "." * limit), True
    target = limit - 3
    # Go slices the rune array to ``target`` runes, then drops runes until the
    # bytes fit. (With fewer runes than ``target`` Go would panic; keep them all.)
    kept = text[:target]
    while len(kept.encode("utf-8", "surrogatepass")) > target:
        kept = kept[:-1]
    return kept + TRUNCATION_MARKER, True


class JSONNotifier:
    """Skeleton of an integration that POSTs one JSON document per notification
    (Slack, Discord, Webex, Telegram, VictorOps, MS Teams). Subclasses set ``integration`` and
    implement ``notify``; ``notify`` and ``close`` run on the node's asyncio loop.
    ``config`` is the integration's config struct (it has ``send_resolved`` and
    ``http_config``).

    The HTTP client comes from ``pool`` (shared by every integration with an
    equal ``http_config``) unless tests inject one; the notifier holds one
    reference and ``close`` releases it.
    """

    integration = ""

    def __init__(
        self,
        config: Any,
        index: int,
        *,
        base_dir: str | os.PathLike[str] = ".",
        pool: HTTPClientPool | None = None,
        templates: Templates | None = None,
        client: HTTPClient | None = None,
    ) -> None:
        self.config = config
        self.index = index
        self.send_resolved: bool = config.send_resolved
        self.templates = templates
        self.base_dir = Path(base_dir)
        http_config: HTTPClientConfig = config.http_config
        pool = pool if pool is not None else DEFAULT_POOL
        self._client = client if client is not None else pool.acquire(http_config, base_dir)
        self._stats = {"notifications": 0, "failures": 0, "last_status": 0}

    def __repr__(self) -> str:
        s = self._stats
        return (
            f"<{type(self).__name__} {self.integration}[{self.index}]"
            f" sent={s['notifications']} failed={s['failures']} last_status={s['last_status']}>"
        )

    def statistics(self) -> dict[str, int]:
        """Notifications attempted, failures, and the last HTTP status seen."""
        return dict(self._stats)

    def renderer(self, ctx: NotificationContext, alerts: Sequence[Alert]) -> Renderer:
        """Template data for ``alerts`` and a renderer over it."""
        return Renderer(
            self.templates,
            build_data(ctx, alerts),
            receiver=ctx.receiver_name,
            integration=self.integration,
        )

    async def post_json(self, url: str, body: bytes) -> HTTPResponse:
        """``notify.PostJSON``; transport errors are retryable, their URL redacted
        (``notify.RedactURL``: every URL here holds a secret)."""
        try:
            # wire_url: the URL's escapes go out as written, as Go's client sends them.
            response = await self._client.post(wire_url(url), body, content_type="application/json")
        except NotifyError as exc:
            raise redact_url_error(exc, "POST", url) from exc
        self._stats["last_status"] = response.status
        return response

    def count(self, failed: bool) -> None:
        """Record one notification attempt."""
        self._stats["notifications"] += 1
        if failed:
            self._stats["failures"] += 1

    async def close(self) -> None:
        """Release the HTTP client (its connections close with the last user)."""
        await self._client.close()

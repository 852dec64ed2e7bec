"""The ``webhook`` integration: POST the v4 JSON body to a URL (config.md §5.1).

Follows Alertmanager 0.25's ``notify/webhook``: ``max_alerts`` keeps the first
N alerts of the (already sorted) list, 2xx is success, 5xx and transport
errors are retryable, any other status is final with the text
``unexpected status code <N>: <url>: <body>``. ``url_file`` (Alertmanager
0.26+) is read at send time, and because that URL is a secret it never
appears in errors: status errors then read ``unexpected status code <N>:
<body>`` and transport errors name the URL ``<redacted>``, as later releases do.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from yarl import URL

from gossamer.alert import Alert
from gossamer.config.model import WebhookConfig
from gossamer.errors import NotifyError
from receivers.base import NotificationContext
from receivers.http import DEFAULT_POOL, HTTPClient, HTTPClientPool, check_status, go_error_op
from receivers.payload import build_data, truncate_alerts, webhook_body

__all__ = ["WebhookNotifier"]

INTEGRATION = "webhook"
#: Payloads this big are encoded in a worker thread so the loop keeps serving.
OFFLOAD_ALERTS = 256
_REDACTED = "<redacted>"


def _encode(ctx: NotificationContext, alerts: list[Alert], max_alerts: int) -> bytes:
    """Truncate, build the template data and encode it. Pure; any thread."""
    kept, truncated = truncate_alerts(alerts, max_alerts)
    return webhook_body(build_data(ctx, kept), ctx.group_key, truncated)


def _read_url_file(path: str) -> str:
    """The URL in ``url_file``, whitespace-trimmed. Runs in a worker thread."""
    return Path(path).read_text(encoding="utf-8", errors="replace").strip()


class WebhookNotifier:
    """``webhook_configs[index]`` of one receiver; implements ``receivers.base.Notifier``.

    ``notify`` runs on the node's asyncio loop and never blocks it: file reads
    and large encodings go to worker threads. Connections come from ``pool``
    (shared with every integration using an equal ``http_config``, so a config
    reload keeps warm connections), or from ``client`` when one is given; either
    way the notifier owns one reference and ``close`` releases it.
    """

    integration = INTEGRATION

    def __init__(
        self,
        config: WebhookConfig,
        index: int,
        *,
        base_dir: str | os.PathLike[str] = ".",
        client: HTTPClient | None = None,
        pool: HTTPClientPool | None = None,
        templates: object = None,
    ) -> None:
        self.config = config
        self.index = index
        self.send_resolved = config.send_resolved
        self._base = Path(base_dir)
        pool = pool if pool is not None else DEFAULT_POOL
        self._client = client if client is not None else pool.acquire(config.http_config, base_dir)
        self._stats = {"notifications": 0, "failures": 0, "last_status": 0}

    def __repr__(self) -> str:
        s = self._stats
        return (
            f"<WebhookNotifier webhook[{self.index}] to={self._describe_target()}"
            f" max_alerts={self.config.max_alerts} sent={s['notifications']}"
            f" failed={s['failures']} last_status={s['last_status']}>"
        )

    def _describe_target(self) -> str:
        """Host only: the URL's path and query often carry tokens."""
        if self.config.url_file:
            return "url_file"
        try:
            return str(URL(self.config.url).origin())
        except ValueError:
            return "?"

    def statistics(self) -> dict[str, int]:
        """Notifications attempted, failures, and the last HTTP status seen."""
        return dict(self._stats)

    async def _target(self) -> tuple[str, str | None]:
        """``(url, url for error text)``; the second is None when it must stay secret."""
        if not self.config.url_file:
            return self.config.url, self.config.url
        path = str(self._base / self.config.url_file)
        try:
            return await asyncio.to_thread(_read_url_file, path), None
        except OSError as exc:
            reason = (exc.strerror or str(exc)).lower()
            raise NotifyError(f"read url_file: open {path}: {reason}", retryable=False) from exc

    async def _body(self, ctx: NotificationContext, alerts: list[Alert]) -> bytes:
        max_alerts = self.config.max_alerts
        try:
            if len(alerts) > OFFLOAD_ALERTS:
                return await asyncio.to_thread(_encode, ctx, alerts, max_alerts)
            return _encode(ctx, alerts, max_alerts)
        except ValueError as exc:  # Go: json.Encode failed -> (false, err)
            message = f"json: error calling MarshalJSON for type time.Time: {exc}"
            raise NotifyError(message, retryable=False) from exc

    async def notify(self, ctx: NotificationContext, alerts: list[Alert]) -> None:
        """Send one notification for ``alerts`` (sorted by the dispatcher).

        Raises ``NotifyError``: retryable for 5xx and transport failures.
        """
        self._stats["notifications"] += 1
        try:
            body = await self._body(ctx, alerts)
            url, shown = await self._target()
            await self._post(url, shown, body)
        except NotifyError:
            self._stats["failures"] += 1
            raise

    async def _post(self, url: str, shown: str | None, body: bytes) -> None:
        try:
            response = await self._client.post(url, body, content_type="application/json")
        except NotifyError as exc:
            if shown is None:  # notify.RedactURL: the URL came from a secret file
                raise NotifyError(_redact(str(exc), url), retryable=exc.retryable) from exc
            raise
        self._stats["last_status"] = response.status
        # Alertmanager 0.25: Retrier{CustomDetailsFunc: url + ": " + body}.
        details = response.text() if shown is None else f"{shown}: {response.text()}"
        check_status(response, details)

    async def close(self) -> None:
        """Release the HTTP client (its connections close with the last user)."""
        await self._client.close()


def _redact(message: str, url: str) -> str:
    """Replace the quoted URL of a Go ``*url.Error`` text with ``<redacted>``."""
    op = go_error_op("POST")
    prefix = f'{op} "'
    if message.startswith(prefix):
        end = message.find('": ', len(prefix))
        if end != -1:
            return f"{prefix}{_REDACTED}{message[end:]}"
    return message.replace(url, _REDACTED)

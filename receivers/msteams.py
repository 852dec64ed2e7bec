"""The ``msteams`` integration: an Office 365 connector MessageCard (Alertmanager 0.26+).

Not in Alertmanager 0.25 (the oracle), so this follows ``notify/msteams`` of
the release that introduced it (config.md §5.13): one ``POST`` of
``{"@context": "http://schema.org/extensions", "type": "MessageCard", title,
summary, text, themeColor}`` to ``webhook_url`` (or the trimmed content of
``webhook_url_file``, read at send time). ``themeColor`` is ``8C1A1A`` while
any alert fires, ``2DC72D`` once all are resolved. 2xx is success; 5xx and
transport errors retry, the latter with the URL (a secret) redacted; a
template error is final, its text unwrapped.

The defaults name ``msteams.default.{title,summary,text}``, which 0.25's
``default.tmpl`` lacks; gossamer ships them (0.26's and 0.27's text) in the
built-in ``receivers/templates/msteams.tmpl``, parsed after the 0.25 files, so
a user file can still replace them.
"""

from __future__ import annotations

import os
import urllib.parse
from typing import Any

import msgspec

from gossamer.alert import Alert
from gossamer.api.gojson import encode_line
from gossamer.config.model import MSTeamsConfig
from gossamer.errors import NotifyError
from receivers.base import NotificationContext
from receivers.fields import Renderer, read_secret, redact_url_error, wire_url
from receivers.http import DEFAULT_POOL, HTTPClient, HTTPClientPool, check_status
from receivers.payload import RESOLVED, build_data

__all__ = ["MSTeamsNotifier"]

INTEGRATION = "msteams"
COLOR_FIRING, COLOR_RESOLVED = "8C1A1A", "2DC72D"


class _MessageCard(msgspec.Struct):
    """``teamsMessage``, fields in Alertmanager's order."""

    context: str = msgspec.field(name="@context")
    type: str
    title: str
    summary: str
    text: str
    theme_color: str = msgspec.field(name="themeColor")


class MSTeamsNotifier:
    """``msteams_configs[index]`` of one receiver; implements ``receivers.base.Notifier``.

    ``notify`` runs on the node's asyncio loop; ``webhook_url_file`` is read in
    a worker thread on every notification.
    """

    integration = INTEGRATION

    def __init__(
        self,
        config: MSTeamsConfig,
        index: int,
        *,
        base_dir: str | os.PathLike[str] = ".",
        pool: HTTPClientPool | None = None,
        templates: Any = None,
        client: HTTPClient | None = None,
    ) -> None:
        self.config = config
        self.index = index
        self.send_resolved = config.send_resolved
        self._base = base_dir
        self._templates = templates
        pool = pool if pool is not None else DEFAULT_POOL
        self._client = client if client is not None else pool.acquire(config.http_config, base_dir)
        self._stats = {"notifications": 0, "failures": 0, "last_status": 0}

    def __repr__(self) -> str:
        s = self._stats
        host = urllib.parse.urlsplit(self.config.webhook_url).hostname or "url_file"
        return (
            f"<MSTeamsNotifier msteams[{self.index}] host={host} sent={s['notifications']}"
            f" failed={s['failures']} last_status={s['last_status']}>"
        )

    def statistics(self) -> dict[str, int]:
        """Notifications attempted, failures, and the last HTTP status seen."""
        return dict(self._stats)

    async def notify(self, ctx: NotificationContext, alerts: list[Alert]) -> None:
        """Post one card for ``alerts``; raises ``NotifyError`` on failure."""
        self._stats["notifications"] += 1
        try:
            data = build_data(ctx, alerts)
            tmpl = Renderer(self._templates, data)
            title, text, summary = (tmpl(self.config.title), tmpl(self.config.text),
                                    tmpl(self.config.summary))  # fmt: skip
            tmpl.check()
            url = self.config.webhook_url
            if not url:
                wrap = "read webhook_url_file"
                url = await read_secret(self._base, self.config.webhook_url_file, wrap)
            card = _MessageCard(
                context="http://schema.org/extensions",
                type="MessageCard",
                title=title,
                summary=summary,
                text=text,
                theme_color=COLOR_RESOLVED if data.status == RESOLVED else COLOR_FIRING,
            )
            await self._post(url, encode_line(card))
        except NotifyError:
            self._stats["failures"] += 1
            raise

    async def _post(self, url: str, body: bytes) -> None:
        try:
            response = await self._client.post(wire_url(url), body, content_type="application/json")
        except NotifyError as exc:  # notify.RedactURL: the webhook URL is a secret
            raise redact_url_error(exc, "POST", url) from exc
        self._stats["last_status"] = response.status
        check_status(response)

    async def close(self) -> None:
        """Release the HTTP client (its connections close with the last user)."""
        await self._client.close()

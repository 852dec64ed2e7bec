"""The ``pushover`` integration: one message to Pushover's fixed endpoint.

Follows Alertmanager 0.25's ``notify/pushover`` (config.md §5.7): every
parameter travels in the *query* of ``POST https://api.pushover.net/1/messages.json``
(``url.Values``: sorted, form-escaped) with ``Content-Type: text/plain`` and
an empty body:

* ``token``, ``user`` (both templates), ``title`` (≤250 runes), ``html=1``
  when ``html`` is set (the message then renders with ``html/template``),
  ``message`` (≤1024 runes, trimmed, ``(no details)`` when empty), ``url``
  (≤512 runes), ``url_title``, ``priority``, ``retry`` and ``expire`` (whole
  seconds), ``sound``;
* only 5xx and transport errors retry; the answer's body is the error's
  detail. Transport errors hide the URL (it carries the token):
  ``Post "<redacted>": ...``.

The endpoint cannot be configured; tests reach a fake through ``http_config.proxy_url``.
"""

from __future__ import annotations

import os
from typing import Any

from gossamer.alert import Alert
from gossamer.config.model import PushoverConfig
from gossamer.errors import NotifyError
from receivers.base import NotificationContext
from receivers.fields import (
    Renderer,
    go_query,
    go_trim_space,
    redact_url_error,
    truncate_runes,
    wire_url,
)
from receivers.http import DEFAULT_POOL, HTTPClient, HTTPClientPool, check_status
from receivers.payload import build_data

__all__ = ["API_URL", "PushoverNotifier"]

INTEGRATION = "pushover"
API_URL = "https://api.pushover.net/1/messages.json"
MAX_TITLE_RUNES = 250
MAX_MESSAGE_RUNES = 1024
MAX_URL_RUNES = 512


class PushoverNotifier:
    """``pushover_configs[index]`` of one receiver; implements ``receivers.base.Notifier``.

    ``notify`` runs on the node's asyncio loop.
    """

    integration = INTEGRATION

    def __init__(
        self,
        config: PushoverConfig,
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
        self._templates = templates
        pool = pool if pool is not None else DEFAULT_POOL
        self._client = client if client is not None else pool.acquire(config.http_config, base_dir)
        self._stats = {"notifications": 0, "failures": 0, "last_status": 0}

    def __repr__(self) -> str:
        s = self._stats
        return (
            f"<PushoverNotifier pushover[{self.index}] html={self.config.html}"
            f" sent={s['notifications']} failed={s['failures']} last_status={s['last_status']}>"
        )

    def statistics(self) -> dict[str, int]:
        """Notifications attempted, failures, and the last HTTP status seen."""
        return dict(self._stats)

    def parameters(self, ctx: NotificationContext, alerts: list[Alert]) -> list[tuple[str, str]]:
        """The message's parameters in Alertmanager's order; raises on template errors."""
        cfg = self.config
        tmpl = Renderer(self._templates, build_data(ctx, alerts))
        params = [("token", tmpl(cfg.token)), ("user", tmpl(cfg.user_key))]
        title, _ = truncate_runes(tmpl(cfg.title), MAX_TITLE_RUNES)
        params.append(("title", title))
        if cfg.html:
            params.append(("html", "1"))
            message = tmpl.html(cfg.message)
        else:
            message = tmpl(cfg.message)
        message, _ = truncate_runes(message, MAX_MESSAGE_RUNES)
        params.append(("message", go_trim_space(message) or "(no details)"))
        url, _ = truncate_runes(tmpl(cfg.url), MAX_URL_RUNES)
        params += [
            ("url", url),
            ("url_title", tmpl(cfg.url_title)),
            ("priority", tmpl(cfg.priority)),
            ("retry", str(int(cfg.retry))),
            ("expire", str(int(cfg.expire))),
            ("sound", tmpl(cfg.sound)),
        ]
        tmpl.check()
        return params

    async def notify(self, ctx: NotificationContext, alerts: list[Alert]) -> None:
        """Send one message for ``alerts``; raises ``NotifyError`` on failure."""
        self._stats["notifications"] += 1
        try:
            url = f"{API_URL}?{go_query(self.parameters(ctx, alerts))}"
            try:
                response = await self._client.post(wire_url(url), b"", content_type="text/plain")
            except NotifyError as exc:  # notify.RedactURL: the query holds the token
                raise redact_url_error(exc, "POST", url) from exc
            self._stats["last_status"] = response.status
            check_status(response)
        except NotifyError:
            self._stats["failures"] += 1
            raise

    async def close(self) -> None:
        """Release the HTTP client (its connections close with the last user)."""
        await self._client.close()

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

import msgspec

from gossamer.alert import Alert
from gossamer.api.gojson import encode_line
from gossamer.config.model import MSTeamsConfig
from gossamer.errors import NotifyError
from receivers.base import NotificationContext
from receivers.common import JSONNotifier
from receivers.fields import read_secret
from receivers.http import check_status
from receivers.payload import RESOLVED

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


class MSTeamsNotifier(JSONNotifier):
    """``msteams_configs[index]`` of one receiver; implements ``receivers.base.Notifier``.

    ``notify`` runs on the node's asyncio loop; ``webhook_url_file`` is read in
    a worker thread on every notification.
    """

    integration = INTEGRATION
    config: MSTeamsConfig

    async def notify(self, ctx: NotificationContext, alerts: list[Alert]) -> None:
        """Post one card for ``alerts``; raises ``NotifyError`` on failure."""
        self._stats["notifications"] += 1
        try:
            tmpl = self.renderer(ctx, alerts)
            title, text, summary = (tmpl(self.config.title), tmpl(self.config.text),
                                    tmpl(self.config.summary))  # fmt: skip
            tmpl.check()
            url = self.config.webhook_url
            if not url:
                wrap = "read webhook_url_file"
                url = await read_secret(self.base_dir, self.config.webhook_url_file, wrap)
            card = _MessageCard(
                context="http://schema.org/extensions",
                type="MessageCard",
                title=title,
                summary=summary,
                text=text,
                theme_color=COLOR_RESOLVED if tmpl.data.status == RESOLVED else COLOR_FIRING,
            )
            check_status(await self.post_json(url, encode_line(card)))
        except NotifyError:
            self._stats["failures"] += 1
            raise

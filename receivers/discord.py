"""The ``discord`` integration: one webhook message with one embed (config.md §5.11).

Follows Alertmanager 0.25's ``notify/discord``: title and message render with
Go ``text/template`` and are sent whole (0.25 does not cut them to Discord's
embed limits of 256 and 4096 runes; later releases do, and Discord refuses
longer ones with a final 400); the embed is red while any alert fires, green
once all are resolved (grey for an empty list). The body is ``{"content":"","embeds":[...]}`` as
``json.NewEncoder`` writes it. 2xx is success, 5xx and transport errors are
retryable (the URL, a secret, is redacted from transport errors), other
statuses are final with ``unexpected status code <N>: <body>``.
"""

from __future__ import annotations

import msgspec

from gossamer.alert import Alert
from gossamer.api.gojson import encode_line
from gossamer.config.model import DiscordConfig
from receivers.base import NotificationContext
from receivers.common import JSONNotifier
from receivers.http import check_status
from receivers.payload import FIRING

__all__ = ["DiscordNotifier"]

INTEGRATION = "discord"
COLOR_RED = 0x992D22
COLOR_GREEN = 0x2ECC71
COLOR_GREY = 0x95A5A6


class _Embed(msgspec.Struct):
    title: str
    description: str
    color: int


class _Webhook(msgspec.Struct):
    content: str
    embeds: list[_Embed]


class DiscordNotifier(JSONNotifier):
    """``discord_configs[index]`` of one receiver; implements ``receivers.base.Notifier``."""

    integration = INTEGRATION
    config: DiscordConfig

    def build(self, ctx: NotificationContext, alerts: list[Alert]) -> bytes:
        """The request body; raises the first template failure (not retryable)."""
        render = self.renderer(ctx, alerts)
        title = render.text(self.config.title, "title")
        description = render.text(self.config.message, "message")
        render.check()
        if not alerts:
            color = COLOR_GREY
        else:
            color = COLOR_RED if render.data.status == FIRING else COLOR_GREEN
        embed = _Embed(title=title, description=description, color=color)
        return encode_line(_Webhook(content="", embeds=[embed]))

    async def notify(self, ctx: NotificationContext, alerts: list[Alert]) -> None:
        """Send one notification; raises ``NotifyError`` (retryable for 5xx and
        transport failures)."""
        failed = True
        try:
            response = await self.post_json(self.config.webhook_url, self.build(ctx, alerts))
            check_status(response)
            failed = False
        finally:
            self.count(failed)

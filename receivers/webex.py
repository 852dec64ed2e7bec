"""The ``webex`` integration: a Markdown message to one room (config.md §5.12).

Follows Alertmanager 0.25's ``notify/webex``: the message renders with Go
``text/template`` and is cut to 7439 UTF-8 bytes (the marker ``…`` included);
the body is ``{"markdown":...,"roomId":...}`` as ``json.NewEncoder`` writes
it, POSTed to ``api_url`` with the credentials of ``http_config`` (its
``authorization`` is required by the config). 2xx is success, 5xx and
transport errors are retryable (the URL is redacted from transport errors),
other statuses are final with ``unexpected status code <N>: <body>``.
"""

from __future__ import annotations

import msgspec
from loguru import logger

from gossamer.alert import Alert
from gossamer.api.gojson import encode_line
from gossamer.config.model import WebexConfig
from receivers.base import NotificationContext
from receivers.common import JSONNotifier, truncate_in_bytes
from receivers.http import check_status

__all__ = ["WebexNotifier"]

INTEGRATION = "webex"
#: The longest message Webex accepts, in bytes.
MAX_MESSAGE_BYTES = 7439


class _Message(msgspec.Struct, omit_defaults=True):
    markdown: str
    roomId: str = ""  # noqa: N815 (the wire name)


class WebexNotifier(JSONNotifier):
    """``webex_configs[index]`` of one receiver; implements ``receivers.base.Notifier``."""

    integration = INTEGRATION
    config: WebexConfig

    def build(self, ctx: NotificationContext, alerts: list[Alert]) -> bytes:
        """The request body; raises a template failure (not retryable)."""
        render = self.renderer(ctx, alerts)
        message = render.text(self.config.message, "message")
        render.check()
        message, truncated = truncate_in_bytes(message, MAX_MESSAGE_BYTES)
        if truncated:
            logger.bind(component="notifier").debug(
                "message truncated due to exceeding maximum allowed length by webex",
                truncated_message=message,
            )
        return encode_line(_Message(markdown=message, roomId=self.config.room_id))

    async def notify(self, ctx: NotificationContext, alerts: list[Alert]) -> None:
        """Send one notification; raises ``NotifyError`` (retryable for 5xx and
        transport failures)."""
        failed = True
        try:
            response = await self.post_json(self.config.api_url, self.build(ctx, alerts))
            check_status(response)
            failed = False
        finally:
            self.count(failed)

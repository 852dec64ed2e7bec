"""The ``victorops`` integration (Splunk On-Call REST endpoint).

Follows Alertmanager 0.25's ``notify/victorops`` (config.md §5.8): one
``POST <api_url><api_key>/<routing_key>`` with a flat JSON object (keys
sorted, as Go encodes a ``map[string]string``):

* ``message_type``: the rendered ``message_type`` while firing if it is
  ``INFO``, ``WARNING`` or ``CRITICAL`` (else ``CRITICAL``), ``RECOVERY``
  once every alert is resolved;
* ``entity_id`` = ``sha256(group key)``, ``entity_display_name``,
  ``state_message`` (cut to 20480 runes), ``monitoring_tool``, plus the
  rendered ``custom_fields``;
* the API key (``api_key`` or the trimmed ``api_key_file``) and the rendered
  routing key are path segments, escaped as Go prints a path;
* only 5xx and transport errors retry; transport errors hide the URL (it
  holds the API key): ``Post "<redacted>": ...``.

Deliberate difference: a template error in the payload is final here; 0.25
reports it as retryable and so repeats it until the flush deadline.
"""

from __future__ import annotations

from gossamer.alert import Alert
from gossamer.api.gojson import encode_line
from gossamer.config.model import VictorOpsConfig
from gossamer.errors import NotifyError
from receivers.base import NotificationContext
from receivers.common import JSONNotifier
from receivers.fields import (
    Renderer,
    go_url,
    key_hash,
    read_secret,
    truncate_runes,
)
from receivers.http import check_status
from receivers.payload import RESOLVED, Data, build_data

__all__ = ["VictorOpsNotifier"]

INTEGRATION = "victorops"
MAX_STATE_MESSAGE_RUNES = 20480
TRIGGER, RECOVERY = "CRITICAL", "RECOVERY"
ALLOWED_WHILE_FIRING = frozenset({"INFO", "WARNING", "CRITICAL"})


class VictorOpsNotifier(JSONNotifier):
    """``victorops_configs[index]`` of one receiver; implements ``receivers.base.Notifier``.

    ``notify`` runs on the node's asyncio loop; the key file is read in a
    worker thread on every notification.
    """

    integration = INTEGRATION
    config: VictorOpsConfig

    async def notify(self, ctx: NotificationContext, alerts: list[Alert]) -> None:
        """Send one event for ``alerts``; raises ``NotifyError`` on failure."""
        self._stats["notifications"] += 1
        try:
            data = build_data(ctx, alerts)
            url = await self._url(data)
            body = self._payload(data, key_hash(ctx.group_key))
            check_status(await self.post_json(url, body))  # redacted: the path holds the key
        except NotifyError:
            self._stats["failures"] += 1
            raise

    async def _url(self, data: Data) -> str:
        api_key = self.config.api_key
        if not api_key:
            wrap = "failed to read API key from file"
            api_key = await read_secret(self.base_dir, self.config.api_key_file, wrap)
        tmpl = Renderer(self.templates, data, integration=INTEGRATION)
        url = go_url(self.config.api_url, f"{api_key}/{tmpl(self.config.routing_key)}")
        tmpl.check("templating error")
        return url

    def _payload(self, data: Data, entity_id: str) -> bytes:
        cfg = self.config
        tmpl = Renderer(self.templates, data, integration=INTEGRATION)
        message_type = tmpl(cfg.message_type)
        state_message = tmpl(cfg.state_message)
        if data.status == RESOLVED:
            message_type = RECOVERY
        elif message_type not in ALLOWED_WHILE_FIRING:
            message_type = TRIGGER
        state_message, _ = truncate_runes(state_message, MAX_STATE_MESSAGE_RUNES)
        message = {
            "message_type": message_type,
            "entity_id": entity_id,
            "entity_display_name": tmpl(cfg.entity_display_name),
            "state_message": state_message,
            "monitoring_tool": tmpl(cfg.monitoring_tool),
        }
        tmpl.check("templating error")
        for key, source in cfg.custom_fields.items():
            message[key] = tmpl(source)
            tmpl.check("templating error")
        return encode_line(message)

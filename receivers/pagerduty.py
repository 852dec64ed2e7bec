"""The ``pagerduty`` integration: Events API v2 (``routing_key``) or v1 (``service_key``).

Follows Alertmanager 0.25's ``notify/pagerduty`` (config.md §5.3):

* v2 POSTs ``{routing_key, dedup_key, event_action, payload{summary, source,
  severity, class, component, group, custom_details}, client, client_url,
  images, links}`` to ``url``; v1 POSTs ``{service_key, incident_key,
  event_type, description, event_action: "", payload: null, client,
  client_url, details}`` to the fixed v1 endpoint. Both are Go-encoded JSON
  (``json.NewEncoder``: HTML-escaped, trailing newline).
* dedup/incident key is ``sha256(group key)``; ``trigger`` while any alert
  fires, else ``resolve`` (v1 leaves ``client``/``client_url`` out on resolve).
* summary/description are cut to 1024 runes; ``severity`` defaults to
  ``error``; images without ``src`` and links without ``href`` are dropped.
* an event over 512000 bytes (encoded) has its details replaced by one
  ``error`` entry saying so.
* 2xx is success; v2 also retries 429, v1 403, both 5xx and transport errors.
  A 400 answer's ``message`` and ``errors`` become the error details.
"""

from __future__ import annotations

import json
import os
from typing import Any

import msgspec
from loguru import logger

from gossamer.alert import Alert
from gossamer.api.gojson import encode_line
from gossamer.config.model import PagerdutyConfig
from gossamer.errors import NotifyError
from gossamer.gostrconv import go_quote
from receivers.base import NotificationContext
from receivers.fields import Renderer, key_hash, read_secret, truncate_runes, wire_url
from receivers.http import DEFAULT_POOL, HTTPClient, HTTPClientPool, HTTPResponse, check_status
from receivers.payload import RESOLVED, Data, build_data

__all__ = ["V1_URL", "PagerDutyNotifier"]

INTEGRATION = "pagerduty"
V1_URL = "https://events.pagerduty.com/generic/2010-04-15/create_event.json"
MAX_EVENT_SIZE = 512000
MAX_SUMMARY_RUNES = 1024
TRIGGER, RESOLVE = "trigger", "resolve"
# units.MetricBytes(512000).String() is "512KB".
_TOO_BIG = (
    "Custom details have been removed because the original event exceeds the maximum size of 512KB"
)


class _Image(msgspec.Struct):
    src: str
    alt: str
    href: str


class _Link(msgspec.Struct):
    href: str
    text: str


class _Payload(msgspec.Struct, omit_defaults=True, kw_only=True):
    """``pagerDutyPayload``; defaults mark Go's ``omitempty`` fields."""

    summary: str
    source: str
    severity: str
    timestamp: str = ""
    class_: str = msgspec.field(default="", name="class")
    component: str = ""
    group: str = ""
    custom_details: dict[str, str] = msgspec.field(default_factory=dict)


class _Message(msgspec.Struct, omit_defaults=True, kw_only=True):
    """``pagerDutyMessage``: every field but ``event_action`` and ``payload`` is omitempty."""

    routing_key: str = ""
    service_key: str = ""
    dedup_key: str = ""
    incident_key: str = ""
    event_type: str = ""
    description: str = ""
    event_action: str
    payload: _Payload | None
    client: str = ""
    client_url: str = ""
    details: dict[str, str] = msgspec.field(default_factory=dict)
    images: list[_Image] = msgspec.field(default_factory=list)
    links: list[_Link] = msgspec.field(default_factory=list)


def encode_event(message: _Message) -> bytes:
    """The request body; details give way to a notice when the event is too big."""
    body = encode_line(message)
    if len(body) <= MAX_EVENT_SIZE:
        return body
    notice = {"error": _TOO_BIG}
    if message.payload is not None:
        message.payload.custom_details = notice
    else:
        message.details = notice
    logger.warning(
        f"Truncated Details because message of size {len(body)} bytes exceeds limit 512KB"
    )
    return encode_line(message)


def error_details(response: HTTPResponse) -> str:
    """``errDetails``: for a 400, ``<message>: <errors joined by ,>``; otherwise nothing."""
    if response.status != 400:
        return ""
    try:
        decoded, _ = json.JSONDecoder().raw_decode(response.text().lstrip(" \t\r\n"))
    except ValueError:
        return ""
    if not isinstance(decoded, dict):
        return ""
    fields: dict[str, Any] = {"status": "", "message": "", "errors": None}
    for key, value in decoded.items():  # encoding/json matches keys case-insensitively
        name = key.lower()
        if name in fields:
            fields[name] = value
    message, errors = fields["message"], fields["errors"]
    if not isinstance(fields["status"], str | None) or not isinstance(message, str | None):
        return ""
    if errors is not None and not (
        isinstance(errors, list) and all(isinstance(e, str | None) for e in errors)
    ):
        return ""
    return f"{message or ''}: {','.join(e or '' for e in errors or ())}"


class PagerDutyNotifier:
    """``pagerduty_configs[index]`` of one receiver; implements ``receivers.base.Notifier``.

    ``notify`` runs on the node's asyncio loop; key files are read in a worker
    thread on every notification, as Alertmanager does.
    """

    integration = INTEGRATION

    def __init__(
        self,
        config: PagerdutyConfig,
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
        self.v1 = bool(config.service_key or config.service_key_file)
        self._retry_codes = (403,) if self.v1 else (429,)
        self._base = base_dir
        self._templates = templates
        pool = pool if pool is not None else DEFAULT_POOL
        self._client = client if client is not None else pool.acquire(config.http_config, base_dir)
        self._stats = {"notifications": 0, "failures": 0, "last_status": 0}

    def __repr__(self) -> str:
        s = self._stats
        api = "v1" if self.v1 else "v2"
        return (
            f"<PagerDutyNotifier pagerduty[{self.index}] api={api} sent={s['notifications']}"
            f" failed={s['failures']} last_status={s['last_status']}>"
        )

    def statistics(self) -> dict[str, int]:
        """Notifications attempted, failures, and the last HTTP status seen."""
        return dict(self._stats)

    async def notify(self, ctx: NotificationContext, alerts: list[Alert]) -> None:
        """Send one event for ``alerts``; raises ``NotifyError`` on failure."""
        self._stats["notifications"] += 1
        try:
            data = build_data(ctx, alerts)
            event = RESOLVE if data.status == RESOLVED else TRIGGER
            details = self._details(data)
            if self.v1:
                url, body = V1_URL, await self._v1(ctx, data, event, details)
            else:
                url, body = self.config.url, await self._v2(ctx, data, event, details)
            await self._post(url, body)
        except NotifyError:
            self._stats["failures"] += 1
            raise

    def _details(self, data: Data) -> dict[str, str]:
        """Each ``details`` value rendered; the first failure ends the notification."""
        out: dict[str, str] = {}
        for key, source in self.config.details.items():
            render = Renderer(self._templates, data)
            out[key] = render(source)
            if render.error is not None:
                wrap = f"{go_quote(key)}: failed to template {go_quote(source)}"
                render.check(wrap)
        return out

    async def _v1(
        self, ctx: NotificationContext, data: Data, event: str, details: dict[str, str]
    ) -> bytes:
        tmpl = Renderer(self._templates, data)
        description, _ = truncate_runes(tmpl(self.config.description), MAX_SUMMARY_RUNES)
        key = self.config.service_key
        if not key:
            wrap = "failed to read service key from file"
            key = await read_secret(self._base, self.config.service_key_file, wrap)
        message = _Message(
            service_key=tmpl(key),
            event_type=event,
            incident_key=key_hash(ctx.group_key),
            description=description,
            event_action="",
            payload=None,
            details=details,
        )
        if event == TRIGGER:
            message.client = tmpl(self.config.client)
            message.client_url = tmpl(self.config.client_url)
        tmpl.check("failed to template PagerDuty v1 message")
        if not message.service_key:
            raise NotifyError("service key cannot be empty", retryable=False)
        return encode_event(message)

    async def _v2(
        self, ctx: NotificationContext, data: Data, event: str, details: dict[str, str]
    ) -> bytes:
        cfg = self.config
        tmpl = Renderer(self._templates, data)
        summary, _ = truncate_runes(tmpl(cfg.description), MAX_SUMMARY_RUNES)
        key = cfg.routing_key
        if not key:
            wrap = "failed to read routing key from file"
            key = await read_secret(self._base, cfg.routing_key_file, wrap)
        message = _Message(
            client=tmpl(cfg.client),
            client_url=tmpl(cfg.client_url),
            routing_key=tmpl(key),
            event_action=event,
            dedup_key=key_hash(ctx.group_key),
            payload=_Payload(
                summary=summary,
                source=tmpl(cfg.source),
                severity=tmpl(cfg.severity or "error"),
                custom_details=details,
                class_=tmpl(cfg.class_),
                component=tmpl(cfg.component),
                group=tmpl(cfg.group),
            ),
        )
        for image in cfg.images:
            item = _Image(src=tmpl(image.src), alt=tmpl(image.alt), href=tmpl(image.href))
            if item.src:
                message.images.append(item)
        for link in cfg.links:
            entry = _Link(href=tmpl(link.href), text=tmpl(link.text))
            if entry.href:
                message.links.append(entry)
        tmpl.check("failed to template PagerDuty v2 message")
        if not message.routing_key:
            raise NotifyError("routing key cannot be empty", retryable=False)
        return encode_event(message)

    async def _post(self, url: str, body: bytes) -> None:
        try:
            response = await self._client.post(wire_url(url), body, content_type="application/json")
        except NotifyError as exc:
            what = "PagerDuty v1" if self.v1 else "PagerDuty"
            raise NotifyError(f"failed to post message to {what}: {exc}", retryable=True) from exc
        self._stats["last_status"] = response.status
        check_status(response, error_details(response), retry_codes=self._retry_codes)

    async def close(self) -> None:
        """Release the HTTP client (its connections close with the last user)."""
        await self._client.close()

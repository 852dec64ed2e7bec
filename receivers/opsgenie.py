"""The ``opsgenie`` integration: Alert API v2, one alert per group keyed by alias.

Follows Alertmanager 0.25's ``notify/opsgenie`` (config.md §5.5):

* while any alert fires: ``POST <api_url>v2/alerts`` with ``{alias, message
  (≤130 runes), description, details, source, responders, tags, note,
  priority, entity, actions}``; with ``update_alerts`` also ``PUT
  .../v2/alerts/<alias>/message`` and ``.../description`` (``?identifierType=alias``);
* once all are resolved: ``POST .../v2/alerts/<alias>/close?identifierType=alias``
  with ``{source}``;
* ``alias`` is ``sha256(group key)``; ``details`` are the common labels
  overlaid with the rendered ``details``; ``tags`` and ``actions`` are
  comma-separated lists (empty items dropped); a ``teams`` responder expands
  into one ``team`` responder per comma-separated name;
* every request carries ``Authorization: GenieKey <key>`` (the key is a
  template; a key file is read, untrimmed, at send time as 0.25 does);
* requests go one after another and the first failure ends the notification:
  429 and 5xx retry, other 4xx are final with the response body as details.
"""

from __future__ import annotations

import os
import urllib.parse
from typing import Any

import msgspec

from gossamer.alert import Alert
from gossamer.api.gojson import encode_line
from gossamer.config.model import OpsGenieConfig
from gossamer.errors import NotifyError
from receivers.base import NotificationContext
from receivers.fields import Renderer, go_url, key_hash, read_secret, truncate_runes, wire_url
from receivers.http import DEFAULT_POOL, HTTPClient, HTTPClientPool, check_status
from receivers.payload import RESOLVED, Data, build_data

__all__ = ["OpsGenieNotifier", "safe_split"]

INTEGRATION = "opsgenie"
MAX_MESSAGE_RUNES = 130
RETRY_CODES = (429,)


class _Responder(msgspec.Struct, omit_defaults=True, kw_only=True):
    id: str = ""
    name: str = ""
    username: str = ""
    type: str


class _Create(msgspec.Struct, omit_defaults=True, kw_only=True):
    """``opsGenieCreateMessage``; defaults mark Go's ``omitempty`` fields."""

    alias: str
    message: str
    description: str = ""
    details: dict[str, str]
    source: str
    responders: list[_Responder] = msgspec.field(default_factory=list)
    tags: list[str] = msgspec.field(default_factory=list)
    note: str = ""
    priority: str = ""
    entity: str = ""
    actions: list[str] = msgspec.field(default_factory=list)


class _Close(msgspec.Struct):
    source: str


class _UpdateMessage(msgspec.Struct, omit_defaults=True):
    message: str = ""


class _UpdateDescription(msgspec.Struct, omit_defaults=True):
    description: str = ""


class _Request(msgspec.Struct, frozen=True):
    method: str
    url: str
    body: bytes


def safe_split(text: str, sep: str = ",") -> list[str]:
    """``safeSplit``: split the trimmed text, dropping empty items (items keep their spaces)."""
    return [item for item in text.strip().split(sep) if item]


def _valid_header_value(value: str) -> bool:
    """``httpguts.ValidHeaderFieldValue``: no control bytes but tab."""
    return not any((ord(c) < 0x20 and c != "\t") or ord(c) == 0x7F for c in value)


class OpsGenieNotifier:
    """``opsgenie_configs[index]`` of one receiver; implements ``receivers.base.Notifier``.

    ``notify`` runs on the node's asyncio loop; the key file is read in a
    worker thread on every notification.
    """

    integration = INTEGRATION

    def __init__(
        self,
        config: OpsGenieConfig,
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
        self._stats = {"notifications": 0, "failures": 0, "requests": 0, "last_status": 0}

    def __repr__(self) -> str:
        s = self._stats
        return (
            f"<OpsGenieNotifier opsgenie[{self.index}] api={self._origin()}"
            f" update_alerts={self.config.update_alerts} sent={s['notifications']}"
            f" failed={s['failures']} last_status={s['last_status']}>"
        )

    def _origin(self) -> str:
        parts = urllib.parse.urlsplit(self.config.api_url)
        return f"{parts.scheme}://{parts.hostname or ''}"

    def statistics(self) -> dict[str, int]:
        """Notifications attempted, failures, HTTP requests made and the last status."""
        return dict(self._stats)

    async def notify(self, ctx: NotificationContext, alerts: list[Alert]) -> None:
        """Create/update or close the group's alert; raises ``NotifyError`` on failure."""
        self._stats["notifications"] += 1
        try:
            data = build_data(ctx, alerts)
            tmpl = Renderer(self._templates, data)
            requests = self._requests(tmpl, data, key_hash(ctx.group_key))
            api_key = await self._api_key(tmpl)
            tmpl.check("templating error")
            for request in requests:
                await self._send(request, api_key)
        except NotifyError:
            self._stats["failures"] += 1
            raise

    def _requests(self, tmpl: Renderer, data: Data, alias: str) -> list[_Request]:
        cfg = self.config
        details = dict(data.common_labels)
        for key, source in cfg.details.items():
            details[key] = tmpl(source)
        if data.status == RESOLVED:
            url = self._alias_url(alias, "close")
            return [_Request("POST", url, encode_line(_Close(source=tmpl(cfg.source))))]
        message, _ = truncate_runes(tmpl(cfg.message), MAX_MESSAGE_RUNES)
        create = _Create(
            alias=alias,
            message=message,
            description=tmpl(cfg.description),
            details=details,
            source=tmpl(cfg.source),
            responders=self._responders(tmpl),
            tags=safe_split(tmpl(cfg.tags)),
            note=tmpl(cfg.note),
            priority=tmpl(cfg.priority),
            entity=tmpl(cfg.entity),
            actions=safe_split(tmpl(cfg.actions)),
        )
        requests = [_Request("POST", go_url(cfg.api_url, "v2/alerts"), encode_line(create))]
        if cfg.update_alerts:
            update = encode_line(_UpdateMessage(message=create.message))
            requests.append(_Request("PUT", self._alias_url(alias, "message"), update))
            update = encode_line(_UpdateDescription(description=create.description))
            requests.append(_Request("PUT", self._alias_url(alias, "description"), update))
        return requests

    def _alias_url(self, alias: str, action: str) -> str:
        """``<api_url>v2/alerts/<alias>/<action>`` with ``identifierType=alias`` set
        among the API URL's own query parameters (``url.Values``: re-encoded, sorted)."""
        base_query = urllib.parse.urlsplit(self.config.api_url).query
        query = urllib.parse.parse_qsl(base_query, keep_blank_values=True)
        query = [(k, v) for k, v in query if k != "identifierType"]
        query.append(("identifierType", "alias"))
        return go_url(self.config.api_url, f"v2/alerts/{alias}/{action}", query)

    def _responders(self, tmpl: Renderer) -> list[_Responder]:
        out: list[_Responder] = []
        for r in self.config.responders:
            responder = _Responder(
                id=tmpl(r.id), name=tmpl(r.name), username=tmpl(r.username), type=tmpl(r.type)
            )
            if not (responder.id or responder.name or responder.username or responder.type):
                continue  # lets responders be filled from labels, or left out
            if responder.type == "teams":
                out += [
                    _Responder(name=tmpl(team), type=tmpl("team"))
                    for team in safe_split(responder.name)
                ]
                continue
            out.append(responder)
        return out

    async def _api_key(self, tmpl: Renderer) -> str:
        if self.config.api_key:
            return tmpl(self.config.api_key)
        path, wrap = self.config.api_key_file, "read key_file error"
        content = await read_secret(self._base, path, wrap, trim=False)
        return tmpl(content)  # 0.25 neither trims the file nor checks the result

    async def _send(self, request: _Request, api_key: str) -> None:
        authorization = f"GenieKey {api_key}"
        if not _valid_header_value(authorization):
            # Go's transport refuses the request before dialling (a retryable error).
            op = request.method[:1] + request.method[1:].lower()
            message = (
                f'{op} "{request.url}": net/http: invalid header field value for "Authorization"'
            )
            raise NotifyError(message, retryable=True)
        headers = {"Content-Type": "application/json", "Authorization": authorization}
        self._stats["requests"] += 1
        response = await self._client.request(
            request.method, wire_url(request.url), body=request.body, headers=headers
        )
        self._stats["last_status"] = response.status
        check_status(response, retry_codes=RETRY_CODES)

    async def close(self) -> None:
        """Release the HTTP client (its connections close with the last user)."""
        await self._client.close()

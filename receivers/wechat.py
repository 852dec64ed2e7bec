"""The ``wechat`` integration (WeChat Work / WeCom application messages).

Follows Alertmanager 0.25's ``notify/wechat`` (config.md §5.6):

* an access token is fetched with ``GET <api_url>gettoken?corpid=..&corpsecret=..``
  (both templates) when the notifier has none or its token is over two hours
  old; a body without ``access_token`` is final (``invalid APISecret for
  CorpID: <corp_id>``);
* the message is ``POST <api_url>message/send?access_token=<token>`` with
  ``{text|markdown: {content}, touser, toparty, totag, agentid, safe: "0",
  msgtype}`` (Go encodes both ``text`` and ``markdown``, one of them empty);
* any status but 200 is a retryable ``unexpected status code <N>``, an answer
  that is not JSON a retryable decoding error; then 0.25 reads the answer's
  ``code``/``error`` fields, not WeChat's ``errcode``/``errmsg`` (a bug of
  0.25 kept for fidelity, see ``RESPONSE_CODE``): no ``code`` or 0 is
  success, 42001 drops the token and retries, anything else is final;
* transport errors are retryable and hide the URL (it carries secrets).
"""

from __future__ import annotations

import json
import os
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

import msgspec

from gossamer.alert import Alert
from gossamer.api.gojson import encode_line
from gossamer.config.model import WechatConfig
from gossamer.errors import NotifyError
from receivers.base import NotificationContext
from receivers.fields import Renderer, go_url, redact_url_error, wire_url
from receivers.http import DEFAULT_POOL, HTTPClient, HTTPClientPool, HTTPResponse
from receivers.payload import Data, build_data

__all__ = ["TOKEN_LIFETIME", "WechatNotifier"]

INTEGRATION = "wechat"
#: Alertmanager refreshes the cached access token after two hours.
TOKEN_LIFETIME = 2 * 3600.0
TOKEN_EXPIRED = 42001
#: The answer's fields as 0.25 reads them. WeChat answers ``errcode``/``errmsg``,
#: but 0.25 decodes ``code``/``error`` (fixed in later releases), so a WeChat
#: refusal reads as success and only a ``code`` field can fail a notification.
RESPONSE_CODE, RESPONSE_ERROR = "code", "error"


class _Content(msgspec.Struct):
    content: str


class _Message(msgspec.Struct, omit_defaults=True, kw_only=True):
    """``weChatMessage``: string fields omitempty, the two content structs always present."""

    text: _Content
    touser: str = ""
    toparty: str = ""
    totag: str = ""
    agentid: str = ""
    safe: str = ""
    msgtype: str = ""
    markdown: _Content


def go_json_decode(body: bytes, *, whole: bool) -> tuple[Any, str | None]:
    """``(value, None)`` or ``(None, Go's error text)`` for ``body``, decoded as
    ``json.Unmarshal`` (``whole``: nothing may follow the value) or as
    ``json.NewDecoder(r).Decode`` (the first value only). Error texts are
    Go's for the common cases (empty, not JSON, cut short)."""
    text = body.decode("utf-8", "replace").lstrip(" \t\r\n")
    if not text:
        return None, "unexpected end of JSON input" if whole else "EOF"
    try:
        value, end = json.JSONDecoder().raw_decode(text)
    except ValueError:
        first = text[0]
        if first not in '{["-0123456789tfn':
            return None, f"invalid character {first!r} looking for beginning of value"
        return None, "unexpected end of JSON input" if whole else "unexpected EOF"
    rest = text[end:].lstrip(" \t\r\n")
    if whole and rest:
        return None, f"invalid character {rest[0]!r} after top-level value"
    return value, None


def _go_type(value: Any) -> str:
    """The JSON type name ``encoding/json`` puts in an ``UnmarshalTypeError``."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return f"number {value}"
    names: dict[type, str] = {str: "string", list: "array", dict: "object"}
    return names.get(type(value), "value")


def _struct_fields(value: Any, go_type: str, names: set[str]) -> dict[str, Any] | str:
    """The values ``encoding/json`` would put in a struct with JSON fields ``names``
    (keys matched case-insensitively, the last match winning), or the error for a
    JSON value that is not an object (``null`` decodes to nothing)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        return (
            f"json: cannot unmarshal {_go_type(value).split()[0]} into Go value of type {go_type}"
        )
    out: dict[str, Any] = {}
    for key, item in value.items():
        name = key if key in names else key.lower()
        if name in names:
            out[name] = item
    return out


def _type_error(value: Any, field: str, go_type: str) -> str:
    return (
        f"json: cannot unmarshal {_go_type(value)} into Go struct field {field} of type {go_type}"
    )


class WechatNotifier:
    """``wechat_configs[index]`` of one receiver; implements ``receivers.base.Notifier``.

    ``notify`` runs on the node's asyncio loop. The access token lives as long
    as the notifier (a config reload builds a new one, as in Alertmanager);
    ``clock`` (monotonic seconds) is injectable for the two-hour refresh.
    """

    integration = INTEGRATION

    def __init__(
        self,
        config: WechatConfig,
        index: int,
        *,
        base_dir: str | os.PathLike[str] = ".",
        pool: HTTPClientPool | None = None,
        templates: Any = None,
        client: HTTPClient | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.index = index
        self.send_resolved = config.send_resolved
        self._templates = templates
        self._clock = clock
        self._token = ""
        self._token_at = 0.0
        pool = pool if pool is not None else DEFAULT_POOL
        self._client = client if client is not None else pool.acquire(config.http_config, base_dir)
        self._stats = {"notifications": 0, "failures": 0, "token_fetches": 0, "last_status": 0}

    def __repr__(self) -> str:
        s = self._stats
        return (
            f"<WechatNotifier wechat[{self.index}] token={'cached' if self._token else 'none'}"
            f" token_fetches={s['token_fetches']} sent={s['notifications']}"
            f" failed={s['failures']} last_status={s['last_status']}>"
        )

    def statistics(self) -> dict[str, int]:
        """Notifications attempted, failures, token fetches and the last HTTP status."""
        return dict(self._stats)

    async def notify(self, ctx: NotificationContext, alerts: list[Alert]) -> None:
        """Send one message for ``alerts``; raises ``NotifyError`` on failure."""
        self._stats["notifications"] += 1
        try:
            data = build_data(ctx, alerts)
            tmpl = Renderer(self._templates, data)
            if not self._token or self._clock() - self._token_at > TOKEN_LIFETIME:
                await self._fetch_token(tmpl)
            body = self._message(tmpl, data)
            url = go_url(self.config.api_url, "message/send", self._send_query())
            response = await self._request("POST", url, body)
            self._check(response)
        except NotifyError:
            self._stats["failures"] += 1
            raise

    async def _fetch_token(self, tmpl: Renderer) -> None:
        query = [
            ("corpsecret", tmpl(self.config.api_secret)),
            ("corpid", tmpl(self.config.corp_id)),
        ]
        tmpl.check("templating error")
        self._stats["token_fetches"] += 1
        response = await self._request("GET", go_url(self.config.api_url, "gettoken", query))
        answer, problem = go_json_decode(response.body, whole=False)
        fields = _struct_fields(answer, "wechat.token", {"access_token"})
        if problem is None and isinstance(fields, str):
            problem = fields
        token = fields.get("access_token") if isinstance(fields, dict) else None
        if problem is None and not isinstance(token, str | None):
            problem = _type_error(token, "token.access_token", "string")
        if problem is not None:
            raise NotifyError(problem, retryable=False)
        if not token:
            message = f"invalid APISecret for CorpID: {self.config.corp_id}"
            raise NotifyError(message, retryable=False)
        self._token, self._token_at = token, self._clock()

    def _message(self, tmpl: Renderer, data: Data) -> bytes:
        cfg = self.config
        message = _Message(
            text=_Content(""),
            markdown=_Content(""),
            touser=tmpl(cfg.to_user),
            toparty=tmpl(cfg.to_party),
            totag=tmpl(cfg.to_tag),
            agentid=tmpl(cfg.agent_id),
            msgtype=cfg.message_type,
            safe="0",
        )
        if cfg.message_type == "markdown":
            message.markdown = _Content(tmpl(cfg.message))
        else:
            message.text = _Content(tmpl(cfg.message))
        tmpl.check("templating error")
        return encode_line(message)

    def _send_query(self) -> list[tuple[str, str]]:
        """The API URL's own query with ``access_token`` set (``url.Values``)."""
        base_query = urllib.parse.urlsplit(self.config.api_url).query
        query = urllib.parse.parse_qsl(base_query, keep_blank_values=True)
        return [(k, v) for k, v in query if k != "access_token"] + [("access_token", self._token)]

    async def _request(self, method: str, url: str, body: bytes | None = None) -> HTTPResponse:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        try:
            response = await self._client.request(method, wire_url(url), body=body, headers=headers)
        except NotifyError as exc:  # notify.RedactURL: secrets ride in the query
            raise redact_url_error(exc, method, url) from exc
        self._stats["last_status"] = response.status
        return response

    def _check(self, response: HTTPResponse) -> None:
        if response.status != 200:
            raise NotifyError(f"unexpected status code {response.status}", retryable=True)
        answer, problem = go_json_decode(response.body, whole=True)
        fields = _struct_fields(answer, "wechat.weChatResponse", {RESPONSE_CODE, RESPONSE_ERROR})
        if problem is None and isinstance(fields, str):
            problem = fields
        values = fields if isinstance(fields, dict) else {}
        code, text = values.get(RESPONSE_CODE) or 0, values.get(RESPONSE_ERROR) or ""
        if problem is None and (not isinstance(code, int) or isinstance(code, bool)):
            problem = _type_error(code, f"weChatResponse.{RESPONSE_CODE}", "int")
        if problem is None and not isinstance(text, str):
            problem = _type_error(text, f"weChatResponse.{RESPONSE_ERROR}", "string")
        if problem is not None:
            raise NotifyError(problem, retryable=True)
        if code == 0:
            return
        if code == TOKEN_EXPIRED:
            self._token = ""
            raise NotifyError(str(text), retryable=True)
        raise NotifyError(str(text), retryable=False)

    async def close(self) -> None:
        """Release the HTTP client (its connections close with the last user)."""
        await self._client.close()

"""The ``telegram`` integration: ``sendMessage`` of the Bot API (config.md §5.10).

Alertmanager 0.25 sends through ``gopkg.in/telebot.v3``, and this module
reproduces what that library puts on the wire and how it reads the answer:

* ``POST <api_url>/bot<token>/sendMessage`` with a JSON object of strings
  (keys sorted, Go's HTML escaping): ``chat_id``, ``text``,
  ``disable_web_page_preview: "true"``, ``disable_notification: "true"`` when
  configured, and ``parse_mode`` unless it is empty;
* the message renders with Go ``html/template`` when ``parse_mode`` is
  ``HTML`` (the default), else ``text/template``, and is cut to 4096 runes.
  0.25 does not check the template error here: the output written before the
  failing action is sent (the failure is logged);
* the HTTP status is not looked at, only the JSON body: ``"ok": false`` fails
  with ``telegram: <description> (<error_code>)``; a body that is not a JSON
  document with a ``result`` message fails with a ``telebot:`` error. Every
  failure is retryable, 4xx answers included, as ``Notify`` returns
  ``(true, err)`` for any error of ``Send``.

Transport errors read ``telebot: Post "<redacted>": <cause>``: unlike 0.25,
the URL (which holds the bot token) is kept out of logs.
"""

from __future__ import annotations

import json
from typing import Any

from loguru import logger

from gossamer.alert import Alert
from gossamer.api.gojson import encode_line
from gossamer.config.model import TelegramConfig
from gossamer.errors import NotifyError
from receivers.base import NotificationContext
from receivers.common import JSONNotifier
from receivers.fields import truncate_runes

__all__ = ["TelegramNotifier"]

INTEGRATION = "telegram"
#: Telegram's limit on a message text.
MAX_MESSAGE_RUNES = 4096
_INVALID = object()
#: Descriptions telebot turns into its own errors: (code, message) it prints.
_KNOWN_ERRORS: dict[str, tuple[int, str]] = {
    "Unauthorized": (401, ""),
    "Forbidden: bot can't initiate conversation with a user": (403, ""),
    "Not Found": (404, ""),
    "Forbidden: user is deactivated": (401, ""),
    "Bad Request: message to forward not found": (400, ""),
    "Bad Request: reply message not found": (400, ""),
    "Bad Request: message is too long": (400, ""),
    "Forbidden: bot was blocked by the user": (401, ""),
    "Bad Request: message to delete not found": (400, ""),
    "Bad Request: message must be non-empty": (400, ""),
    "Bad Request: text is empty": (400, ""),
    "Bad Request: chat_id is empty": (400, ""),
    "Bad Request: chat not found": (400, ""),
    "Bad Request: message is not modified": (400, ""),
    "Bad Request: message can't be edited": (400, ""),
    "Bad Request: BUTTON_DATA_INVALID": (400, ""),
    "Bad Request: have no rights to send a message": (400, ""),
    "Forbidden: bot was kicked from the supergroup chat": (403, ""),
    "Bad Request: wrong type of the web page content": (400, ""),
    "Bad Request: failed to get HTTP URL content": (400, ""),
    "Request Entity Too Large": (400, ""),
}


class TelegramNotifier(JSONNotifier):
    """``telegram_configs[index]`` of one receiver; implements ``receivers.base.Notifier``."""

    integration = INTEGRATION
    config: TelegramConfig

    def url(self) -> str:
        """telebot's ``Raw``: ``URL + "/bot" + Token + "/" + method``."""
        return f"{self.config.api_url}/bot{self.config.bot_token}/sendMessage"

    def build(self, ctx: NotificationContext, alerts: list[Alert]) -> bytes:
        """The ``sendMessage`` body (never raises for template failures, as 0.25)."""
        render = self.renderer(ctx, alerts)
        c = self.config
        if c.parse_mode == "HTML":
            message = render.html(c.message, "message")
        else:
            message = render.text(c.message, "message")
        text, truncated = truncate_runes(message, MAX_MESSAGE_RUNES)
        if truncated:
            logger.bind(component="notifier").warning(
                "Truncated message", alert=ctx.group_key, max_runes=MAX_MESSAGE_RUNES
            )
        params = {"chat_id": str(c.chat_id), "text": text, "disable_web_page_preview": "true"}
        if c.parse_mode:
            params["parse_mode"] = c.parse_mode
        if c.disable_notifications:
            params["disable_notification"] = "true"
        return encode_line(params)

    async def notify(self, ctx: NotificationContext, alerts: list[Alert]) -> None:
        """Send one message; every failure raises a retryable ``NotifyError``."""
        failed = True
        try:
            try:
                response = await self.post_json(self.url(), self.build(ctx, alerts))
            except NotifyError as exc:
                raise NotifyError(f"telebot: {exc}", retryable=True) from exc
            check_reply(response.body)
            failed = False
        finally:
            self.count(failed)


def check_reply(body: bytes) -> None:
    """telebot's ``extractOk`` then ``extractMessage`` on a response body.

    Raises a retryable ``NotifyError`` for an API error or a body without a
    message result; returns for anything Go would accept.
    """
    envelope = _first_value(body)
    if envelope is None or isinstance(envelope, dict):
        _check_ok(envelope or {})
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise NotifyError(f"telebot: {_go_syntax_error(body, exc)}", retryable=True) from exc
    result = _field(document, "result") if isinstance(document, dict) else None
    if document is not None and not isinstance(document, dict):
        kind = _go_kind(document)
        raise NotifyError(
            f"telebot: json: cannot unmarshal {kind} into Go value of type struct {{ Result bool }}",
            retryable=True,
        )
    if result is None or isinstance(result, dict):
        return
    if result is True:
        raise NotifyError("telebot: result is True", retryable=True)
    raise NotifyError(
        f"telebot: json: cannot unmarshal {_go_kind(result)} into Go struct field"
        " .Result of type telebot.Message",
        retryable=True,
    )


def _check_ok(envelope: dict[str, Any]) -> None:
    """``extractOk``: a typed decode that fails on a wrong type means "no error"."""
    ok = _field(envelope, "ok")
    code = _field(envelope, "error_code")
    description = _field(envelope, "description")
    parameters = _field(envelope, "parameters")
    if not (
        isinstance(ok, bool | None)
        and (code is None or (isinstance(code, int) and not isinstance(code, bool)))
        and isinstance(description, str | None)
        and isinstance(parameters, dict | None)
    ):
        return  # Go: Decode failed -> nil (a "FIXME" in telebot)
    if ok:
        return
    known = _KNOWN_ERRORS.get(description or "")
    if known is None:
        raise NotifyError(f"telegram: {description or ''} ({code or 0})", retryable=True)
    known_code, message = known
    if not message:  # telebot's Error(): the part after "Bad Request: ", if one
        parts = (description or "").split(": ")
        message = parts[1] if len(parts) == 2 else description or ""
    raise NotifyError(f"telegram: {message} ({known_code})", retryable=True)


def _first_value(body: bytes) -> Any:
    """The first JSON value of ``body`` (``json.Decoder.Decode``), or ``_INVALID``."""
    text = body.decode("utf-8", "replace").lstrip(" \t\r\n")
    try:
        value, _ = json.JSONDecoder().raw_decode(text)
    except ValueError:
        return _INVALID
    return value


def _field(document: dict[str, Any], name: str) -> Any:
    """Go's struct-field matching: the exact key, else a case-insensitive one."""
    if name in document:
        return document[name]
    found = None
    for key, value in document.items():
        if key.lower() == name:
            found = value
    return found


def _go_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _go_syntax_error(body: bytes, exc: ValueError) -> str:
    """Roughly ``encoding/json``'s syntax error text."""
    text = body.decode("utf-8", "replace")
    position = getattr(exc, "pos", 0)
    if position >= len(text.rstrip(" \t\r\n")):
        return "unexpected end of JSON input"
    char = text[position]
    return f"invalid character {char!r} looking for beginning of value"

"""Rendering ``receivers[]`` for ``Config.to_yaml`` (Go field order and ``omitempty`` per struct).

Each field is ``(yaml key, attribute, rule)``; rules: ``A`` always, ``O``
omitempty, ``S`` secret (omitempty), ``H`` http_config, ``T`` tls_config,
``M`` map, ``D`` Go duration (omitempty), or a function of the value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from gossamer.config import model as m
from gossamer.config.render import (
    DEFAULT_EMAIL_SUBJECT,
    Doc,
    http_doc,
    put,
    secret,
    sorted_map,
    tls_doc,
)
from gossamer.config.scalars import format_go_duration
from gossamer.config.structure import ReceiverConfig


class Always:
    """A rule rendering ``fn(value)`` even when empty (a non-``omitempty`` struct field)."""

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        self.fn = fn


Rule = str | Always | Callable[[Any], Any]
Spec = list[tuple[str, str, Rule]]


def _fields(obj: Any, spec: Spec) -> Doc:
    doc: Doc = {}
    for key, attr, rule in spec:
        value = getattr(obj, attr)
        if rule == "A":
            doc[key] = value
        elif rule == "H":
            doc[key] = http_doc(value)
        elif rule == "S":
            put(doc, key, secret(value))
        elif rule == "T":
            put(doc, key, tls_doc(value))
        elif rule == "M":
            put(doc, key, sorted_map(value))
        elif rule == "D":
            put(doc, key, format_go_duration(round(value * 1e9)) if value else None)
        elif rule == "O":
            put(doc, key, list(value) if isinstance(value, tuple) else value)
        elif isinstance(rule, Always):
            doc[key] = rule.fn(value)
        else:
            assert callable(rule)
            put(doc, key, rule(value))
    return doc


def _each(spec: Spec) -> Callable[[Any], list[Doc]]:
    return lambda items: [_fields(item, spec) for item in items]


def _omit(*names: str) -> Spec:
    return [(name, name, "O") for name in names]


def _url_secret(value: str) -> str | None:
    return secret(value)


_HEAD: Spec = [("send_resolved", "send_resolved", "A"), ("http_config", "http_config", "H")]
_CONFIRM: Spec = _omit("text", "title", "ok_text", "dismiss_text")
_SIGV4: Spec = (
    _omit("region", "access_key")
    + [("secret_key", "secret_key", "S")]
    + _omit("profile", "role_arn")
)
SPECS: dict[str, Spec] = {
    "discord": _HEAD + [("webhook_url", "webhook_url", _url_secret)] + _omit("title", "message"),
    "email": [
        ("send_resolved", "send_resolved", "A"),
        *_omit("to"),
        ("from", "from_", "O"),
        *_omit("hello", "smarthost", "auth_username"),
        ("auth_password", "auth_password", "S"),
        *_omit("auth_password_file"),
        ("auth_secret", "auth_secret", "S"),
        *_omit("auth_identity"),
        ("headers", "headers", "M"),
        *_omit("html", "text"),
        ("require_tls", "require_tls", "A"),
        ("tls_config", "tls_config", "T"),
    ],
    "pagerduty": _HEAD
    + [
        ("service_key", "service_key", "S"),
        *_omit("service_key_file"),
        ("routing_key", "routing_key", "S"),
        *_omit("routing_key_file", "url", "client", "client_url", "description"),
        ("details", "details", "M"),
        ("images", "images", _each(_omit("src", "alt", "href"))),
        ("links", "links", _each(_omit("href", "text"))),
        *_omit("source", "severity"),
        ("class", "class_", "O"),
        *_omit("component", "group"),
    ],
    "slack": _HEAD
    + [
        ("api_url", "api_url", _url_secret),
        *_omit(
            "api_url_file", "channel", "username", "color", "title", "title_link", "pretext", "text"
        ),
        ("fields", "fields", _each(_omit("title", "value") + [("short", "short", "O")])),
        ("short_fields", "short_fields", "A"),
        *_omit(
            "footer", "fallback", "callback_id", "icon_emoji", "icon_url", "image_url", "thumb_url"
        ),
        ("link_names", "link_names", "A"),
        *_omit("mrkdwn_in"),
        (
            "actions",
            "actions",
            _each(
                _omit("type", "text", "url", "style", "name", "value")
                + [("confirm", "confirm", lambda c: None if c is None else _fields(c, _CONFIRM))]
            ),
        ),
    ],
    "webhook": _HEAD
    + [("url", "url", "A"), ("url_file", "url_file", "O"), ("max_alerts", "max_alerts", "A")],
    "opsgenie": _HEAD
    + [
        ("api_key", "api_key", "S"),
        *_omit("api_key_file", "api_url", "message", "description", "source"),
        ("details", "details", "M"),
        *_omit("entity"),
        ("responders", "responders", _each(_omit("id", "name", "username", "type"))),
        *_omit("actions", "tags", "note", "priority", "update_alerts"),
    ],
    "wechat": _HEAD
    + [
        ("api_secret", "api_secret", "S"),
        *_omit(
            "corp_id",
            "message",
            "api_url",
            "to_user",
            "to_party",
            "to_tag",
            "agent_id",
            "message_type",
        ),
    ],
    "pushover": _HEAD
    + [
        ("user_key", "user_key", "S"),
        ("token", "token", "S"),
        *_omit("title", "message", "url", "url_title", "sound", "priority"),
        ("retry", "retry", "D"),
        ("expire", "expire", "D"),
        ("html", "html", "A"),
    ],
    "victorops": _HEAD
    + [
        ("api_key", "api_key", "S"),
        *_omit("api_key_file"),
        *[
            (k, k, "A")
            for k in (
                "api_url",
                "routing_key",
                "message_type",
                "state_message",
                "entity_display_name",
                "monitoring_tool",
            )
        ],
        ("custom_fields", "custom_fields", "M"),
    ],
    "sns": _HEAD
    + [
        *_omit("api_url"),
        ("sigv4", "sigv4", Always(lambda s: _fields(s, _SIGV4))),
        *_omit("topic_arn", "phone_number", "target_arn", "subject", "message"),
        ("attributes", "attributes", "M"),
    ],
    "telegram": _HEAD
    + [
        ("api_url", "api_url", "A"),
        ("bot_token", "bot_token", "S"),
        *_omit("chat_id", "message", "disable_notifications", "parse_mode"),
    ],
    "webex": _HEAD + _omit("api_url", "message") + [("room_id", "room_id", "A")],
    "msteams": _HEAD
    + [("webhook_url", "webhook_url", _url_secret)]
    + _omit("webhook_url_file", "title", "summary", "text"),
}
_RENDER_ORDER = (
    "discord",
    "email",
    "pagerduty",
    "slack",
    "webhook",
    "opsgenie",
    "wechat",
    "pushover",
    "victorops",
    "sns",
    "telegram",
    "webex",
    "msteams",
)


def _email_headers(c: m.EmailConfig) -> m.EmailConfig:
    """The headers Alertmanager's email notifier adds to the config when it is built."""
    headers = dict(c.headers)
    headers.setdefault("Subject", DEFAULT_EMAIL_SUBJECT)
    headers.setdefault("To", c.to)
    headers.setdefault("From", c.from_)
    return msgspec.structs.replace(c, headers=headers)


def render_receiver(receiver: ReceiverConfig, active: bool) -> Doc:
    """One receiver; ``active`` = used by a route (its notifiers were built)."""
    doc: Doc = {"name": receiver.name}
    for kind in _RENDER_ORDER:
        configs = getattr(receiver, f"{kind}_configs")
        if kind == "email" and active:
            configs = [_email_headers(c) for c in configs]
        put(doc, f"{kind}_configs", [_fields(c, SPECS[kind]) for c in configs])
    return doc

"""Decoding each integration's config (config.md §5), with its own ``UnmarshalYAML`` checks.

Each ``decode_<kind>`` returns a dict of the struct's fields as written (plus
per-kind defaults and checks); values that come from ``global`` are filled in
later by :mod:`gossamer.config.receivers`, which runs after the whole
document is decoded, as Alertmanager's ``Config.UnmarshalYAML`` does.
"""

from __future__ import annotations

import re
from typing import Any

from gossamer.config import yamlnode as y
from gossamer.config.httpconfig import http_config, tls_config
from gossamer.config.model import (
    OpsGenieResponder,
    PagerdutyImage,
    PagerdutyLink,
    SigV4Config,
    SlackAction,
    SlackConfirmationField,
    SlackField,
)
from gossamer.config.scalars import parse_go_duration, parse_host_port, parse_url
from gossamer.errors import ConfigError

Raw = dict[str, Any]
PLAIN = "config.plain"

DEFAULT_PAGERDUTY_DETAILS = {
    "firing": '{{ template "pagerduty.default.instances" .Alerts.Firing }}',
    "resolved": '{{ template "pagerduty.default.instances" .Alerts.Resolved }}',
    "num_firing": "{{ .Alerts.Firing | len }}",
    "num_resolved": "{{ .Alerts.Resolved | len }}",
}
_VICTOROPS_RESERVED = (
    "routing_key",
    "message_type",
    "state_message",
    "entity_display_name",
    "monitoring_tool",
    "entity_id",
    "entity_state",
)
_OPSGENIE_TYPES = re.compile(r"(team|teams|user|escalation|schedule)\Z")


# --- field converters --------------------------------------------------------


def url(d: y.Decoder, node: y.Node) -> str | None:
    """``*URL``: null leaves it unset."""
    return None if y.is_null(node) else parse_url(y.string(d, node))


def secret_url(d: y.Decoder, node: y.Node) -> str | None:
    """``*SecretURL``: like :func:`url`, and the literal ``<secret>`` is accepted."""
    return None if y.is_null(node) else parse_url(y.string(d, node), secret=True)


def host_port(d: y.Decoder, node: y.Node) -> str:
    """``HostPort``: ``host:port`` with a mandatory port (empty allowed)."""
    return parse_host_port(y.string(d, node))


def optional_bool(d: y.Decoder, node: y.Node) -> bool | None:
    """A Go ``*bool``: null leaves it unset."""
    return None if y.is_null(node) else y.boolean(d, node)


def go_duration(d: y.Decoder, node: y.Node) -> float:
    """A ``time.Duration`` read through ``UnmarshalText`` (any scalar text) -> seconds."""
    if y.is_null(node):
        return 0.0
    return parse_go_duration(y.string(d, node)) / 1e9


def _struct_list(
    type_name: str, spec: dict[str, y.Converter], build: Any, pointers: str = ""
) -> y.Converter:
    """A converter for a list of small structs; ``build(raw)`` validates and constructs.

    A null element is the zero struct for Go value slices; for pointer slices
    (``pointers`` names the field) 0.25 keeps a nil that its notifier later
    dereferences, so gossamer refuses it.
    """

    def element(d: y.Decoder, node: y.Node) -> Any:
        if y.is_null(node):
            if pointers:
                raise ConfigError(f"line {y.line_of(node)}: empty entry in {pointers}")
            return build({})
        raw = d.plain(node, type_name, spec)
        return None if raw is None else build(raw)

    def convert(d: y.Decoder, node: y.Node) -> tuple[Any, ...]:
        items = y.seq_of(d, node, f"[]{type_name}", element)
        return tuple(item for item in items or () if item is not None)

    return convert


def _common(**fields: y.Converter) -> dict[str, y.Converter]:
    return {"send_resolved": y.boolean, "http_config": http_config, **fields}


def _strings(*names: str) -> dict[str, y.Converter]:
    return dict.fromkeys(names, y.string)


# --- small nested structs ----------------------------------------------------


def _slack_field(raw: Raw) -> SlackField:
    if not raw.get("title"):
        raise ConfigError("missing title in Slack field configuration")
    if not raw.get("value"):
        raise ConfigError("missing value in Slack field configuration")
    return SlackField(**raw)


def _slack_confirm(d: y.Decoder, node: y.Node) -> SlackConfirmationField | None:
    if y.is_null(node):
        return None
    raw = d.plain(node, PLAIN, _strings("text", "title", "ok_text", "dismiss_text"))
    if raw is None:
        return None
    if not raw.get("text"):
        raise ConfigError("missing text in Slack confirmation configuration")
    return SlackConfirmationField(**raw)


def _slack_action(raw: Raw) -> SlackAction:
    if not raw.get("type"):
        raise ConfigError("missing type in Slack action configuration")
    if not raw.get("text"):
        raise ConfigError("missing text in Slack action configuration")
    if raw.get("url"):
        raw.update(name="", value="", confirm=None)
    elif not raw.get("name"):
        raise ConfigError("missing name or url in Slack action configuration")
    return SlackAction(**raw)


def _sigv4(d: y.Decoder, node: y.Node) -> SigV4Config:
    if y.is_null(node):
        return SigV4Config()
    raw = d.plain(
        node, "sigv4.plain", _strings("region", "access_key", "secret_key", "profile", "role_arn")
    )
    if raw is None:
        return SigV4Config()
    if bool(raw.get("access_key")) != bool(raw.get("secret_key")):
        raise ConfigError(
            "must provide a AWS SigV4 Access key and Secret Key if credentials "
            "are specified in the SigV4 config"
        )
    return SigV4Config(**raw)


def _check_responder(r: OpsGenieResponder) -> None:
    shown = "{" + " ".join((r.id, r.name, r.username, r.type)) + "}"  # Go's %v of the struct
    if not (r.id or r.name or r.username):
        raise ConfigError(
            f"opsGenieConfig responder {shown} has to have at least one of id, username or name specified"
        )
    if "{{" in r.type:
        if r.type.count("{{") != r.type.count("}}"):
            raise ConfigError(
                f"opsGenieConfig responder {shown} type is not a valid template: unclosed action"
            )
    elif not _OPSGENIE_TYPES.match(r.type.lower()):
        raise ConfigError(
            f"opsGenieConfig responder {shown} type does not match valid options "
            "^(team|teams|user|escalation|schedule)$"
        )


# --- per-kind specs and checks ----------------------------------------------

SPECS: dict[str, dict[str, y.Converter]] = {
    "webhook": _common(url=url, url_file=y.string, max_alerts=y.uint64),
    "email": {
        "send_resolved": y.boolean,
        **_strings(
            "to",
            "from",
            "hello",
            "auth_username",
            "auth_password",
            "auth_password_file",
            "auth_secret",
            "auth_identity",
            "html",
            "text",
        ),
        "smarthost": host_port,
        "headers": y.string_map,
        "require_tls": optional_bool,
        "tls_config": tls_config,
    },
    "pagerduty": _common(
        **_strings(
            "service_key",
            "service_key_file",
            "routing_key",
            "routing_key_file",
            "client",
            "client_url",
            "description",
            "source",
            "severity",
            "class",
            "component",
            "group",
        ),
        url=url,
        details=y.string_map,
        images=_struct_list(
            "config.PagerdutyImage",
            _strings("src", "alt", "href"),
            lambda raw: PagerdutyImage(**raw),
        ),
        links=_struct_list(
            "config.PagerdutyLink", _strings("href", "text"), lambda raw: PagerdutyLink(**raw)
        ),
    ),
    "slack": _common(
        **_strings(
            "api_url_file",
            "channel",
            "username",
            "color",
            "title",
            "title_link",
            "pretext",
            "text",
            "footer",
            "fallback",
            "callback_id",
            "icon_emoji",
            "icon_url",
            "image_url",
            "thumb_url",
        ),
        api_url=secret_url,
        short_fields=y.boolean,
        link_names=y.boolean,
        mrkdwn_in=y.string_list,
        fields=_struct_list(
            PLAIN,
            {"title": y.string, "value": y.string, "short": optional_bool},
            _slack_field,
            pointers="slack_configs fields",
        ),
        actions=_struct_list(
            PLAIN,
            {
                **_strings("type", "text", "url", "style", "name", "value"),
                "confirm": _slack_confirm,
            },
            _slack_action,
            pointers="slack_configs actions",
        ),
    ),
    "opsgenie": _common(
        **_strings(
            "api_key",
            "api_key_file",
            "message",
            "description",
            "source",
            "entity",
            "actions",
            "tags",
            "note",
            "priority",
        ),
        api_url=url,
        details=y.string_map,
        update_alerts=y.boolean,
        responders=_struct_list(
            "config.OpsGenieConfigResponder",
            _strings("id", "name", "username", "type"),
            lambda raw: OpsGenieResponder(**raw),
        ),
    ),
    "wechat": _common(
        **_strings(
            "api_secret",
            "corp_id",
            "message",
            "to_user",
            "to_party",
            "to_tag",
            "agent_id",
            "message_type",
        ),
        api_url=url,
    ),
    "pushover": _common(
        **_strings(
            "user_key", "token", "title", "message", "url", "url_title", "sound", "priority"
        ),
        retry=go_duration,
        expire=go_duration,
        html=y.boolean,
    ),
    "victorops": _common(
        **_strings(
            "api_key",
            "api_key_file",
            "routing_key",
            "message_type",
            "state_message",
            "entity_display_name",
            "monitoring_tool",
        ),
        api_url=url,
        custom_fields=y.string_map,
    ),
    "sns": _common(
        **_strings("api_url", "topic_arn", "phone_number", "target_arn", "subject", "message"),
        sigv4=_sigv4,
        attributes=y.string_map,
    ),
    "telegram": _common(
        **_strings("bot_token", "message", "parse_mode"),
        api_url=url,
        chat_id=y.int64,
        disable_notifications=y.boolean,
    ),
    "discord": _common(**_strings("title", "message"), webhook_url=secret_url),
    "webex": _common(**_strings("message", "room_id"), api_url=url),
    "msteams": _common(
        **_strings("webhook_url_file", "title", "summary", "text"), webhook_url=secret_url
    ),
}


def _check_webhook(c: Raw) -> None:
    if c.get("url") is None and not c.get("url_file"):
        raise ConfigError("missing URL in webhook config")
    if c.get("url") is not None and c.get("url_file"):  # url_file: Alertmanager 0.26+
        raise ConfigError("at most one of url & url_file must be configured")


def _check_email(c: Raw) -> None:
    if not c.get("to"):
        raise ConfigError("missing to address in email config")
    headers: dict[str, str] = {}
    for name, value in (c.get("headers") or {}).items():
        canonical = canonical_header(name)
        if canonical in headers:
            raise ConfigError(f'duplicate header "{canonical}" in email config')
        headers[canonical] = value
    c["headers"] = headers


def canonical_header(name: str) -> str:
    """Go ``textproto.CanonicalMIMEHeaderKey``: ``x-foo-bar`` -> ``X-Foo-Bar``."""
    if not re.fullmatch(r"[A-Za-z0-9!#$%&'*+\-.^_`|~]+", name):
        return name
    return "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))


def _check_pagerduty(c: Raw) -> None:
    if not (
        c.get("routing_key")
        or c.get("service_key")
        or c.get("routing_key_file")
        or c.get("service_key_file")
    ):
        raise ConfigError("missing service or routing key in PagerDuty config")
    if c.get("routing_key") and c.get("routing_key_file"):
        raise ConfigError("at most one of routing_key & routing_key_file must be configured")
    if c.get("service_key") and c.get("service_key_file"):
        raise ConfigError("at most one of service_key & service_key_file must be configured")
    details = dict(c.get("details") or {})
    for key, value in DEFAULT_PAGERDUTY_DETAILS.items():
        details.setdefault(key, value)
    c["details"] = details
    if not c.get("source"):
        c["source"] = c.get("client", '{{ template "pagerduty.default.client" . }}')


def _check_slack(c: Raw) -> None:
    if c.get("api_url") is not None and c.get("api_url_file"):
        raise ConfigError("at most one of api_url & api_url_file must be configured")


def _check_opsgenie(c: Raw) -> None:
    if c.get("api_key") and c.get("api_key_file"):
        raise ConfigError("at most one of api_key & api_key_file must be configured")
    for responder in c.get("responders", ()):
        _check_responder(responder)


def _check_wechat(c: Raw) -> None:
    c["message_type"] = c.get("message_type") or "text"
    if c["message_type"] not in ("text", "markdown"):
        raise ConfigError(
            f'weChat message type "{c["message_type"]}" does not match valid options ^(text|markdown)$'
        )


def _check_pushover(c: Raw) -> None:
    if not c.get("user_key"):
        raise ConfigError("missing user key in Pushover config")
    if not c.get("token"):
        raise ConfigError("missing token in Pushover config")


def _check_victorops(c: Raw) -> None:
    if not c.get("routing_key"):
        raise ConfigError("missing Routing key in VictorOps config")
    if c.get("api_key") and c.get("api_key_file"):
        raise ConfigError("at most one of api_key & api_key_file must be configured")
    for name in _VICTOROPS_RESERVED:
        if name in (c.get("custom_fields") or {}):
            raise ConfigError(
                f"victorOps config contains custom field {name} which cannot be used "
                "as it conflicts with the fixed/static fields"
            )


def _check_sns(c: Raw) -> None:
    targets = [bool(c.get(k)) for k in ("target_arn", "topic_arn", "phone_number")]
    # 0.25 tests (a=="") != (b=="") != (c==""), which also lets all three through;
    # gossamer deliberately insists on exactly one.
    if sum(targets) != 1:
        raise ConfigError(
            "must provide either a Target ARN, Topic ARN, or Phone Number for SNS config"
        )


def _check_telegram(c: Raw) -> None:
    if not c.get("bot_token"):
        raise ConfigError("missing bot_token on telegram_config")
    if not c.get("chat_id"):
        raise ConfigError("missing chat_id on telegram_config")
    if c.get("parse_mode", "HTML") not in ("", "Markdown", "MarkdownV2", "HTML"):
        raise ConfigError(
            "unknown parse_mode on telegram_config, must be Markdown, MarkdownV2, HTML or empty string"
        )


def _check_webex(c: Raw) -> None:
    if not c.get("room_id"):
        raise ConfigError("missing room_id on webex_config")
    http = c.get("http_config")
    if http is None or http.authorization is None:
        raise ConfigError("missing webex_configs.http_config.authorization")


def _check_msteams(c: Raw) -> None:
    if c.get("webhook_url") is None and not c.get("webhook_url_file"):
        raise ConfigError("one of webhook_url or webhook_url_file must be configured")
    if c.get("webhook_url") is not None and c.get("webhook_url_file"):
        raise ConfigError("at most one of webhook_url & webhook_url_file must be configured")


CHECKS = {
    "webhook": _check_webhook,
    "email": _check_email,
    "pagerduty": _check_pagerduty,
    "slack": _check_slack,
    "opsgenie": _check_opsgenie,
    "wechat": _check_wechat,
    "pushover": _check_pushover,
    "victorops": _check_victorops,
    "sns": _check_sns,
    "telegram": _check_telegram,
    "webex": _check_webex,
    "msteams": _check_msteams,
}


def decode_integration(kind: str, d: y.Decoder, node: y.Node) -> Raw | None:
    """One ``<kind>_configs`` element: fields as written, checked; ``None`` after type errors."""
    if y.is_null(node):
        # Alertmanager 0.25 dereferences the nil entry and panics; refuse it cleanly.
        raise ConfigError(f"line {y.line_of(node)}: empty entry in {kind}_configs")
    raw = d.plain(node, PLAIN, SPECS[kind])
    if raw is None:
        return None
    check = CHECKS.get(kind)
    if check is not None:
        check(raw)
    return raw

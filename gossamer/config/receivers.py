"""``receivers[]``: decoding, then filling integration defaults from ``global`` (config.md §5).

:func:`decode_receiver` runs while the document is decoded (Go's
``Receiver.UnmarshalYAML``); :func:`finish_receivers` runs afterwards with the
final :class:`GlobalConfig` (the receiver loop of ``Config.UnmarshalYAML``),
raising the ``no global ... set`` errors and building the frozen structs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gossamer.config import model as m
from gossamer.config import yamlnode as y
from gossamer.config.httpconfig import with_directory
from gossamer.config.notifiers import Raw, decode_integration
from gossamer.config.scalars import with_trailing_slash
from gossamer.config.structure import GlobalConfig, ReceiverConfig
from gossamer.errors import ConfigError

# Go's field order of ``config.Receiver`` is the render order; this is the
# order in which ``Config.UnmarshalYAML`` visits the kinds.
_FINISH_ORDER = (
    "webhook",
    "email",
    "slack",
    "pushover",
    "pagerduty",
    "opsgenie",
    "wechat",
    "victorops",
    "sns",
    "telegram",
    "discord",
    "webex",
    "msteams",
)
_STRUCTS: dict[str, type[Any]] = {
    "webhook": m.WebhookConfig,
    "email": m.EmailConfig,
    "pagerduty": m.PagerdutyConfig,
    "slack": m.SlackConfig,
    "opsgenie": m.OpsGenieConfig,
    "wechat": m.WechatConfig,
    "pushover": m.PushoverConfig,
    "victorops": m.VictorOpsConfig,
    "sns": m.SNSConfig,
    "telegram": m.TelegramConfig,
    "discord": m.DiscordConfig,
    "webex": m.WebexConfig,
    "msteams": m.MSTeamsConfig,
}
_RENAMED = {"from": "from_", "class": "class_"}


def _integration_list(kind: str) -> y.Converter:
    def convert(d: y.Decoder, node: y.Node) -> list[Raw] | None:
        items = y.seq_of(
            d, node, f"[]*config.{kind}", lambda dd, n: decode_integration(kind, dd, n)
        )
        return None if items is None else [item for item in items if item is not None]

    return convert


_RECEIVER_FIELDS: dict[str, y.Converter] = {
    "name": y.string,
    **{f"{kind}_configs": _integration_list(kind) for kind in _STRUCTS},
}


def decode_receiver(d: y.Decoder, node: y.Node) -> Raw | None:
    """One ``receivers[]`` entry as written; ``None`` after type errors."""
    if y.is_null(node):
        # 0.25 keeps a nameless receiver and then crashes on it; refuse it cleanly.
        raise ConfigError(f"line {y.line_of(node)}: empty entry in receivers")
    raw = d.plain(node, "config.plain", _RECEIVER_FIELDS)
    if raw is None:
        return None
    if not raw.get("name"):
        raise ConfigError("missing name in receiver")
    return raw


def finish_receivers(raws: list[Raw], g: GlobalConfig, base_dir: str) -> list[ReceiverConfig]:
    """Check name uniqueness, fill defaults from ``global`` and build the structs."""
    names: set[str] = set()
    out = []
    for raw in raws:
        name = raw["name"]
        if name in names:
            raise ConfigError(f'notification config name "{name}" is not unique')
        built: dict[str, list[Any]] = {}
        for kind in _FINISH_ORDER:
            built[f"{kind}_configs"] = [
                _finish(kind, dict(c), g, base_dir) for c in raw.get(f"{kind}_configs") or ()
            ]
        names.add(name)
        out.append(ReceiverConfig(name=name, **built))
    return out


def _finish(kind: str, c: Raw, g: GlobalConfig, base_dir: str) -> Any:
    if kind != "email":
        http = c.get("http_config") or g.http_config
        c["http_config"] = with_directory(http, base_dir)
    _FINISHERS.get(kind, lambda c, g: None)(c, g)
    fields = {_RENAMED.get(k, k): v for k, v in c.items() if v is not None}
    if "mrkdwn_in" in fields:
        fields["mrkdwn_in"] = tuple(fields["mrkdwn_in"])
    return _STRUCTS[kind](**fields)


def _email(c: Raw, g: GlobalConfig) -> None:
    smarthost = c.get("smarthost") or ""
    if not smarthost:
        if not g.smtp_smarthost:
            raise ConfigError("no global SMTP smarthost set")
        smarthost = g.smtp_smarthost
    c["smarthost"] = smarthost
    if not c.get("from"):
        if not g.smtp_from:
            raise ConfigError("no global SMTP from set")
        c["from"] = g.smtp_from
    c["hello"] = c.get("hello") or g.smtp_hello
    c["auth_username"] = c.get("auth_username") or g.smtp_auth_username
    if not c.get("auth_password") and not c.get("auth_password_file"):
        c["auth_password"], c["auth_password_file"] = (
            g.smtp_auth_password,
            g.smtp_auth_password_file,
        )
    c["auth_secret"] = c.get("auth_secret") or g.smtp_auth_secret
    c["auth_identity"] = c.get("auth_identity") or g.smtp_auth_identity
    if c.get("require_tls") is None:
        c["require_tls"] = g.smtp_require_tls


def _slack(c: Raw, g: GlobalConfig) -> None:
    if c.get("api_url") is None and not c.get("api_url_file"):
        if not g.slack_api_url and not g.slack_api_url_file:
            raise ConfigError("no global Slack API URL set either inline or in a file")
        c["api_url"], c["api_url_file"] = g.slack_api_url, g.slack_api_url_file


def _pagerduty(c: Raw, g: GlobalConfig) -> None:
    c["url"] = c.get("url") or g.pagerduty_url


def _opsgenie(c: Raw, g: GlobalConfig) -> None:
    c["api_url"] = with_trailing_slash(c.get("api_url") or g.opsgenie_api_url)
    if not c.get("api_key") and not c.get("api_key_file"):
        if not g.opsgenie_api_key and not g.opsgenie_api_key_file:
            raise ConfigError("no global OpsGenie API Key set either inline or in a file")
        c["api_key"], c["api_key_file"] = g.opsgenie_api_key, g.opsgenie_api_key_file


def _wechat(c: Raw, g: GlobalConfig) -> None:
    c["api_url"] = c.get("api_url") or g.wechat_api_url
    if not c.get("api_secret"):
        if not g.wechat_api_secret:
            raise ConfigError("no global Wechat ApiSecret set")
        c["api_secret"] = g.wechat_api_secret
    if not c.get("corp_id"):
        if not g.wechat_api_corp_id:
            raise ConfigError("no global Wechat CorpID set")
        c["corp_id"] = g.wechat_api_corp_id
    c["api_url"] = with_trailing_slash(c["api_url"])


def _victorops(c: Raw, g: GlobalConfig) -> None:
    c["api_url"] = with_trailing_slash(c.get("api_url") or g.victorops_api_url)
    if not c.get("api_key") and not c.get("api_key_file"):
        if not g.victorops_api_key and not g.victorops_api_key_file:
            raise ConfigError("no global VictorOps API Key set")
        c["api_key"], c["api_key_file"] = g.victorops_api_key, g.victorops_api_key_file


def _telegram(c: Raw, g: GlobalConfig) -> None:
    c["api_url"] = c.get("api_url") or g.telegram_api_url


def _discord(c: Raw, g: GlobalConfig) -> None:
    if c.get("webhook_url") is None:
        raise ConfigError("no discord webhook URL provided")


def _webex(c: Raw, g: GlobalConfig) -> None:
    c["api_url"] = c.get("api_url") or g.webex_api_url


_FINISHERS: dict[str, Callable[[Raw, GlobalConfig], None]] = {
    "email": _email,
    "slack": _slack,
    "pagerduty": _pagerduty,
    "opsgenie": _opsgenie,
    "wechat": _wechat,
    "victorops": _victorops,
    "telegram": _telegram,
    "discord": _discord,
    "webex": _webex,
}

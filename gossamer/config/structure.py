"""The top of the config tree: ``global``, ``route``, ``inhibit_rules``, ``receivers``, :class:`Config`.

Route nodes keep their raw per-node values (``None`` = inherit); the
dispatcher does the inheritance (pipeline.md §3.1). Fields named ``*_raw`` or
``source_*`` keep what the file said so :meth:`Config.to_yaml` can re-render
it the way Alertmanager does.
"""

from __future__ import annotations

import msgspec

from gossamer.config.model import (
    DiscordConfig,
    EmailConfig,
    HTTPClientConfig,
    MSTeamsConfig,
    OpsGenieConfig,
    PagerdutyConfig,
    PushoverConfig,
    SlackConfig,
    SNSConfig,
    TelegramConfig,
    VictorOpsConfig,
    WebexConfig,
    WebhookConfig,
    WechatConfig,
)
from gossamer.matchers import Matcher
from gossamer.timeinterval import TimeInterval


class GlobalConfig(msgspec.Struct, frozen=True):
    """``global`` (config.md §2) with Alertmanager's defaults."""

    resolve_timeout: float = 300.0
    http_config: HTTPClientConfig = msgspec.field(default_factory=HTTPClientConfig)
    smtp_from: str = ""
    smtp_hello: str = "localhost"
    smtp_smarthost: str = ""
    smtp_auth_username: str = ""
    smtp_auth_password: str = ""
    smtp_auth_password_file: str = ""
    smtp_auth_secret: str = ""
    smtp_auth_identity: str = ""
    smtp_require_tls: bool = True
    slack_api_url: str = ""
    slack_api_url_file: str = ""
    pagerduty_url: str = "https://events.pagerduty.com/v2/enqueue"
    opsgenie_api_url: str = "https://api.opsgenie.com/"
    opsgenie_api_key: str = ""
    opsgenie_api_key_file: str = ""
    wechat_api_url: str = "https://qyapi.weixin.qq.com/cgi-bin/"
    wechat_api_secret: str = ""
    wechat_api_corp_id: str = ""
    victorops_api_url: str = "https://alert.victorops.com/integrations/generic/20131114/alert/"
    victorops_api_key: str = ""
    victorops_api_key_file: str = ""
    telegram_api_url: str = "https://api.telegram.org"
    webex_api_url: str = "https://webexapis.com/v1/messages"


class RouteConfig(msgspec.Struct, frozen=True):
    """One routing-tree node as written; ``None`` timers and ``group_by`` mean "inherit".

    ``matchers`` merges ``match`` (``=``), ``match_re`` (``=~`` with the value
    ``^(?:re)$``, as Alertmanager's ``Regexp.String()`` yields) and
    ``matchers``, sorted. As in Alertmanager, ``group_by: []`` does not reset
    the parent's list (it leaves ``group_by`` as ``None``).
    """

    receiver: str | None = None
    group_by: list[str] | None = None
    group_by_all: bool = False
    group_wait: float | None = None
    group_interval: float | None = None
    repeat_interval: float | None = None
    continue_: bool = False
    matchers: list[Matcher] = msgspec.field(default_factory=list)
    mute_time_intervals: list[str] = msgspec.field(default_factory=list)
    active_time_intervals: list[str] = msgspec.field(default_factory=list)
    routes: list[RouteConfig] = msgspec.field(default_factory=list)
    group_by_raw: list[str] | None = None
    match_raw: dict[str, str] | None = None
    match_re_raw: dict[str, str] | None = None
    matchers_raw: list[Matcher] | None = None


class InhibitRule(msgspec.Struct, frozen=True):
    """``inhibit_rules[]`` (config.md §4): old ``*_match``/``*_match_re`` forms merged in."""

    source_matchers: list[Matcher] = msgspec.field(default_factory=list)
    target_matchers: list[Matcher] = msgspec.field(default_factory=list)
    equal: list[str] = msgspec.field(default_factory=list)
    source_match_raw: dict[str, str] | None = None
    source_match_re_raw: dict[str, str] | None = None
    source_matchers_raw: list[Matcher] | None = None
    target_match_raw: dict[str, str] | None = None
    target_match_re_raw: dict[str, str] | None = None
    target_matchers_raw: list[Matcher] | None = None


INTEGRATION_KINDS = (
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


class ReceiverConfig(msgspec.Struct, frozen=True):
    """``receivers[]`` (config.md §5); a receiver without integrations is a blackhole."""

    name: str
    discord_configs: list[DiscordConfig] = msgspec.field(default_factory=list)
    email_configs: list[EmailConfig] = msgspec.field(default_factory=list)
    pagerduty_configs: list[PagerdutyConfig] = msgspec.field(default_factory=list)
    slack_configs: list[SlackConfig] = msgspec.field(default_factory=list)
    webhook_configs: list[WebhookConfig] = msgspec.field(default_factory=list)
    opsgenie_configs: list[OpsGenieConfig] = msgspec.field(default_factory=list)
    wechat_configs: list[WechatConfig] = msgspec.field(default_factory=list)
    pushover_configs: list[PushoverConfig] = msgspec.field(default_factory=list)
    victorops_configs: list[VictorOpsConfig] = msgspec.field(default_factory=list)
    sns_configs: list[SNSConfig] = msgspec.field(default_factory=list)
    telegram_configs: list[TelegramConfig] = msgspec.field(default_factory=list)
    webex_configs: list[WebexConfig] = msgspec.field(default_factory=list)
    msteams_configs: list[MSTeamsConfig] = msgspec.field(default_factory=list)

    def integration_kinds(self) -> list[str]:
        """The integration kinds this receiver configures (``webhook``, ``email`` ...)."""
        return [kind for kind in INTEGRATION_KINDS if getattr(self, f"{kind}_configs")]


class Config(msgspec.Struct, frozen=True):
    """A whole ``alertmanager.yml``, validated and with every default filled in."""

    global_: GlobalConfig
    route: RouteConfig
    inhibit_rules: list[InhibitRule] = msgspec.field(default_factory=list)
    receivers: list[ReceiverConfig] = msgspec.field(default_factory=list)
    time_intervals: dict[str, TimeInterval] = msgspec.field(default_factory=dict)
    templates: list[str] = msgspec.field(default_factory=list)
    original_text: str = ""

    def receiver(self, name: str) -> ReceiverConfig | None:
        """The receiver called ``name``, if any."""
        return next((r for r in self.receivers if r.name == name), None)

    def to_yaml(self) -> str:
        """The config as Alertmanager re-serialises it for ``/api/v2/status`` (secrets masked)."""
        from gossamer.config.render import render_config

        return render_config(self)

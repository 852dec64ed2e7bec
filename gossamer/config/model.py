"""The parsed ``alertmanager.yml``: one immutable struct per schema object.

Durations are float seconds. Secrets are plain strings here; they are masked
only when the config is rendered back (``config.original`` in the status API).
URLs are strings (already validated). Every notifier struct is complete after
loading: defaults from ``global`` (URLs, keys, ``http_config``) are filled in,
exactly as Alertmanager's ``Config.UnmarshalYAML`` fills them.
"""

from __future__ import annotations

import msgspec


class BasicAuth(msgspec.Struct, frozen=True):
    username: str = ""
    password: str = ""
    password_file: str = ""


class Authorization(msgspec.Struct, frozen=True):
    type: str = "Bearer"
    credentials: str = ""
    credentials_file: str = ""


class TLSConfig(msgspec.Struct, frozen=True):
    ca_file: str = ""
    cert_file: str = ""
    key_file: str = ""
    server_name: str = ""
    insecure_skip_verify: bool = False
    min_version: str = ""
    max_version: str = ""


class OAuth2(msgspec.Struct, frozen=True):
    client_id: str = ""
    client_secret: str = ""
    client_secret_file: str = ""
    scopes: tuple[str, ...] = ()
    token_url: str = ""
    endpoint_params: dict[str, str] = msgspec.field(default_factory=dict)
    tls_config: TLSConfig = msgspec.field(default_factory=TLSConfig)
    proxy_url: str = ""


class HTTPClientConfig(msgspec.Struct, frozen=True):
    """prometheus/common ``HTTPClientConfig`` (config.md §5.14)."""

    basic_auth: BasicAuth | None = None
    authorization: Authorization | None = None
    bearer_token: str = ""
    bearer_token_file: str = ""
    oauth2: OAuth2 | None = None
    tls_config: TLSConfig = msgspec.field(default_factory=TLSConfig)
    proxy_url: str = ""
    follow_redirects: bool = True
    enable_http2: bool = True
    proxy_connect_header: dict[str, tuple[str, ...]] = msgspec.field(default_factory=dict)


class WebhookConfig(msgspec.Struct, frozen=True):
    """``webhook_configs[]`` (config.md §5.1); ``url_file`` is from later Alertmanager versions."""

    url: str = ""
    url_file: str = ""
    send_resolved: bool = True
    max_alerts: int = 0
    http_config: HTTPClientConfig = msgspec.field(default_factory=HTTPClientConfig)


class EmailConfig(msgspec.Struct, frozen=True):
    """``email_configs[]`` (config.md §5.2); ``smarthost`` is ``host:port``."""

    to: str = ""
    from_: str = ""
    hello: str = ""
    smarthost: str = ""
    auth_username: str = ""
    auth_password: str = ""
    auth_password_file: str = ""
    auth_secret: str = ""
    auth_identity: str = ""
    headers: dict[str, str] = msgspec.field(default_factory=dict)
    html: str = '{{ template "email.default.html" . }}'
    text: str = ""
    require_tls: bool = True
    tls_config: TLSConfig = msgspec.field(default_factory=TLSConfig)
    send_resolved: bool = False


class PagerdutyImage(msgspec.Struct, frozen=True):
    src: str = ""
    alt: str = ""
    href: str = ""


class PagerdutyLink(msgspec.Struct, frozen=True):
    href: str = ""
    text: str = ""


class PagerdutyConfig(msgspec.Struct, frozen=True):
    """``pagerduty_configs[]`` (config.md §5.3)."""

    service_key: str = ""
    service_key_file: str = ""
    routing_key: str = ""
    routing_key_file: str = ""
    url: str = ""
    client: str = '{{ template "pagerduty.default.client" . }}'
    client_url: str = '{{ template "pagerduty.default.clientURL" . }}'
    description: str = '{{ template "pagerduty.default.description" .}}'
    details: dict[str, str] = msgspec.field(default_factory=dict)
    images: tuple[PagerdutyImage, ...] = ()
    links: tuple[PagerdutyLink, ...] = ()
    source: str = ""
    severity: str = ""
    class_: str = ""
    component: str = ""
    group: str = ""
    send_resolved: bool = True
    http_config: HTTPClientConfig = msgspec.field(default_factory=HTTPClientConfig)


class SlackField(msgspec.Struct, frozen=True):
    title: str = ""
    value: str = ""
    short: bool | None = None


class SlackConfirmationField(msgspec.Struct, frozen=True):
    text: str = ""
    title: str = ""
    ok_text: str = ""
    dismiss_text: str = ""


class SlackAction(msgspec.Struct, frozen=True):
    type: str = ""
    text: str = ""
    url: str = ""
    style: str = ""
    name: str = ""
    value: str = ""
    confirm: SlackConfirmationField | None = None


class SlackConfig(msgspec.Struct, frozen=True):
    """``slack_configs[]`` (config.md §5.4)."""

    api_url: str = ""
    api_url_file: str = ""
    channel: str = ""
    username: str = '{{ template "slack.default.username" . }}'
    color: str = '{{ if eq .Status "firing" }}danger{{ else }}good{{ end }}'
    title: str = '{{ template "slack.default.title" . }}'
    title_link: str = '{{ template "slack.default.titlelink" . }}'
    pretext: str = '{{ template "slack.default.pretext" . }}'
    text: str = '{{ template "slack.default.text" . }}'
    fields: tuple[SlackField, ...] = ()
    short_fields: bool = False
    footer: str = '{{ template "slack.default.footer" . }}'
    fallback: str = '{{ template "slack.default.fallback" . }}'
    callback_id: str = '{{ template "slack.default.callbackid" . }}'
    icon_emoji: str = '{{ template "slack.default.iconemoji" . }}'
    icon_url: str = '{{ template "slack.default.iconurl" . }}'
    image_url: str = ""
    thumb_url: str = ""
    link_names: bool = False
    mrkdwn_in: tuple[str, ...] = ()
    actions: tuple[SlackAction, ...] = ()
    send_resolved: bool = False
    http_config: HTTPClientConfig = msgspec.field(default_factory=HTTPClientConfig)


class OpsGenieResponder(msgspec.Struct, frozen=True):
    id: str = ""
    name: str = ""
    username: str = ""
    type: str = ""


class OpsGenieConfig(msgspec.Struct, frozen=True):
    """``opsgenie_configs[]`` (config.md §5.5); ``api_url`` ends with ``/``."""

    api_key: str = ""
    api_key_file: str = ""
    api_url: str = ""
    message: str = '{{ template "opsgenie.default.message" . }}'
    description: str = '{{ template "opsgenie.default.description" . }}'
    source: str = '{{ template "opsgenie.default.source" . }}'
    details: dict[str, str] = msgspec.field(default_factory=dict)
    entity: str = ""
    responders: tuple[OpsGenieResponder, ...] = ()
    actions: str = ""
    tags: str = ""
    note: str = ""
    priority: str = ""
    update_alerts: bool = False
    send_resolved: bool = True
    http_config: HTTPClientConfig = msgspec.field(default_factory=HTTPClientConfig)


class WechatConfig(msgspec.Struct, frozen=True):
    """``wechat_configs[]`` (config.md §5.6); ``api_url`` ends with ``/``."""

    api_secret: str = ""
    corp_id: str = ""
    message: str = '{{ template "wechat.default.message" . }}'
    api_url: str = ""
    to_user: str = '{{ template "wechat.default.to_user" . }}'
    to_party: str = '{{ template "wechat.default.to_party" . }}'
    to_tag: str = '{{ template "wechat.default.to_tag" . }}'
    agent_id: str = '{{ template "wechat.default.agent_id" . }}'
    message_type: str = "text"
    send_resolved: bool = False
    http_config: HTTPClientConfig = msgspec.field(default_factory=HTTPClientConfig)


class PushoverConfig(msgspec.Struct, frozen=True):
    """``pushover_configs[]`` (config.md §5.7); ``retry``/``expire`` in seconds."""

    user_key: str = ""
    token: str = ""
    title: str = '{{ template "pushover.default.title" . }}'
    message: str = '{{ template "pushover.default.message" . }}'
    url: str = '{{ template "pushover.default.url" . }}'
    url_title: str = ""
    sound: str = ""
    priority: str = '{{ if eq .Status "firing" }}2{{ else }}0{{ end }}'
    retry: float = 60.0
    expire: float = 3600.0
    html: bool = False
    send_resolved: bool = True
    http_config: HTTPClientConfig = msgspec.field(default_factory=HTTPClientConfig)


class VictorOpsConfig(msgspec.Struct, frozen=True):
    """``victorops_configs[]`` (config.md §5.8); ``api_url`` ends with ``/``."""

    api_key: str = ""
    api_key_file: str = ""
    api_url: str = ""
    routing_key: str = ""
    message_type: str = "CRITICAL"
    state_message: str = '{{ template "victorops.default.state_message" . }}'
    entity_display_name: str = '{{ template "victorops.default.entity_display_name" . }}'
    monitoring_tool: str = '{{ template "victorops.default.monitoring_tool" . }}'
    custom_fields: dict[str, str] = msgspec.field(default_factory=dict)
    send_resolved: bool = True
    http_config: HTTPClientConfig = msgspec.field(default_factory=HTTPClientConfig)


class SigV4Config(msgspec.Struct, frozen=True):
    region: str = ""
    access_key: str = ""
    secret_key: str = ""
    profile: str = ""
    role_arn: str = ""


class SNSConfig(msgspec.Struct, frozen=True):
    """``sns_configs[]`` (config.md §5.9); ``api_url`` is not validated (as in 0.25)."""

    api_url: str = ""
    sigv4: SigV4Config = msgspec.field(default_factory=SigV4Config)
    topic_arn: str = ""
    phone_number: str = ""
    target_arn: str = ""
    subject: str = '{{ template "sns.default.subject" . }}'
    message: str = '{{ template "sns.default.message" . }}'
    attributes: dict[str, str] = msgspec.field(default_factory=dict)
    send_resolved: bool = True
    http_config: HTTPClientConfig = msgspec.field(default_factory=HTTPClientConfig)


class TelegramConfig(msgspec.Struct, frozen=True):
    """``telegram_configs[]`` (config.md §5.10)."""

    api_url: str = ""
    bot_token: str = ""
    chat_id: int = 0
    message: str = '{{ template "telegram.default.message" . }}'
    disable_notifications: bool = False
    parse_mode: str = "HTML"
    send_resolved: bool = True
    http_config: HTTPClientConfig = msgspec.field(default_factory=HTTPClientConfig)


class DiscordConfig(msgspec.Struct, frozen=True):
    """``discord_configs[]`` (config.md §5.11)."""

    webhook_url: str = ""
    title: str = '{{ template "discord.default.title" . }}'
    message: str = '{{ template "discord.default.message" . }}'
    send_resolved: bool = True
    http_config: HTTPClientConfig = msgspec.field(default_factory=HTTPClientConfig)


class WebexConfig(msgspec.Struct, frozen=True):
    """``webex_configs[]`` (config.md §5.12); ``http_config.authorization`` is required."""

    api_url: str = ""
    message: str = '{{ template "webex.default.message" . }}'
    room_id: str = ""
    send_resolved: bool = True
    http_config: HTTPClientConfig = msgspec.field(default_factory=HTTPClientConfig)


class MSTeamsConfig(msgspec.Struct, frozen=True):
    """``msteams_configs[]`` (config.md §5.13): from Alertmanager 0.26, not in 0.25."""

    webhook_url: str = ""
    webhook_url_file: str = ""
    title: str = '{{ template "msteams.default.title" . }}'
    summary: str = '{{ template "msteams.default.summary" . }}'
    text: str = '{{ template "msteams.default.text" . }}'
    send_resolved: bool = True
    http_config: HTTPClientConfig = msgspec.field(default_factory=HTTPClientConfig)

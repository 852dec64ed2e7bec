"""The parsed ``alertmanager.yml``: one immutable struct per schema object.

Durations are float seconds. Secrets are plain strings here; they are masked
only when the config is rendered back (``config.original`` in the status API).
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


class WebhookConfig(msgspec.Struct, frozen=True):
    """``webhook_configs[]`` (config.md §5.1); ``url_file`` is from later Alertmanager versions."""

    url: str = ""
    url_file: str = ""
    send_resolved: bool = True
    max_alerts: int = 0
    http_config: HTTPClientConfig = msgspec.field(default_factory=HTTPClientConfig)

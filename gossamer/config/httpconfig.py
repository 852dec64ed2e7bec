"""Decoding ``http_config`` (prometheus/common ``HTTPClientConfig``, config.md §5.14).

Follows common v0.39 as vendored by Alertmanager 0.25: defaults
``follow_redirects``/``enable_http2`` to true, then ``Validate()`` (mutual
exclusions; ``bearer_token*`` moved into ``authorization``).
"""

from __future__ import annotations

import os.path
import re
from typing import Any

import msgspec

from gossamer.config import yamlnode as y
from gossamer.config.model import Authorization, BasicAuth, HTTPClientConfig, OAuth2, TLSConfig
from gossamer.errors import ConfigError

TLS_VERSIONS = {"TLS10": 769, "TLS11": 770, "TLS12": 771, "TLS13": 772}
_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:")


def proxy_url(d: y.Decoder, node: y.Node) -> str:
    """common ``URL``: Go ``url.Parse`` only (any scheme, may be empty)."""
    text = y.string(d, node)
    if text.startswith(":") or (":" in text.split("/", 1)[0] and not _SCHEME.match(text)):
        raise ConfigError(f'parse "{text}": missing protocol scheme')
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise ConfigError(f'parse "{text}": net/url: invalid control character in URL')
    return text


def _tls_version(d: y.Decoder, node: y.Node) -> str:
    text = y.string(d, node)
    if y.is_null(node):
        return ""
    if text not in TLS_VERSIONS:
        raise ConfigError(f"unknown TLS version: {text}")
    return text


_TLS_FIELDS: dict[str, y.Converter] = {
    "ca_file": y.string,
    "cert_file": y.string,
    "key_file": y.string,
    "server_name": y.string,
    "insecure_skip_verify": y.boolean,
    "min_version": _tls_version,
    "max_version": _tls_version,
}


def tls_config(d: y.Decoder, node: y.Node) -> TLSConfig:
    if y.is_null(node):
        return TLSConfig()
    raw = d.plain(node, "config.plain", _TLS_FIELDS)
    return TLSConfig(**raw) if raw is not None else TLSConfig()


def _basic_auth(d: y.Decoder, node: y.Node) -> BasicAuth | None:
    if y.is_null(node):
        return None
    raw = d.fields(
        node,
        "config.plain",
        {"username": y.string, "password": y.string, "password_file": y.string},
    )
    return BasicAuth(**raw)


def _authorization(d: y.Decoder, node: y.Node) -> Authorization | None:
    if y.is_null(node):
        return None
    raw = d.fields(
        node,
        "config.Authorization",
        {"type": y.string, "credentials": y.string, "credentials_file": y.string},
    )
    return Authorization(**{"type": "", **raw})


def _oauth2(d: y.Decoder, node: y.Node) -> OAuth2 | None:
    if y.is_null(node):
        return None
    raw = d.fields(
        node,
        "config.OAuth2",
        {
            "client_id": y.string,
            "client_secret": y.string,
            "client_secret_file": y.string,
            "scopes": y.string_list,
            "token_url": y.string,
            "endpoint_params": y.string_map,
            "tls_config": tls_config,
            "proxy_url": proxy_url,
        },
    )
    raw["scopes"] = tuple(raw.get("scopes") or ())
    raw["endpoint_params"] = raw.get("endpoint_params") or {}
    return OAuth2(**raw)


def _header(d: y.Decoder, node: y.Node) -> dict[str, tuple[str, ...]]:
    if y.is_null(node):
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for key, _, value in d.pairs(node, "config.Header"):
        out[key] = tuple(y.string_list(d, value) or ())
    return out


_HTTP_FIELDS: dict[str, y.Converter] = {
    "basic_auth": _basic_auth,
    "authorization": _authorization,
    "oauth2": _oauth2,
    "bearer_token": y.string,
    "bearer_token_file": y.string,
    "proxy_url": proxy_url,
    "proxy_connect_header": _header,
    "tls_config": tls_config,
    "follow_redirects": y.boolean,
    "enable_http2": y.boolean,
}


def http_config(d: y.Decoder, node: y.Node) -> HTTPClientConfig | None:
    """``http_config``; ``None`` when absent or null (the caller falls back to global)."""
    if y.is_null(node):
        return None
    raw = d.plain(node, "config.plain", _HTTP_FIELDS)
    if raw is None:
        return HTTPClientConfig()
    return HTTPClientConfig(**_validate(raw))


def _validate(c: dict[str, Any]) -> dict[str, Any]:
    """common ``HTTPClientConfig.Validate()``."""
    token, token_file = c.pop("bearer_token", ""), c.pop("bearer_token_file", "")
    basic, oauth, auth = c.get("basic_auth"), c.get("oauth2"), c.get("authorization")
    if token and token_file:
        raise ConfigError("at most one of bearer_token & bearer_token_file must be configured")
    if (basic or oauth) and (token or token_file):
        raise ConfigError(
            "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured"
        )
    if basic and basic.password and basic.password_file:
        raise ConfigError("at most one of basic_auth password & password_file must be configured")
    if auth is not None:
        c["authorization"] = _check_authorization(auth, token or token_file, basic or oauth)
    elif token or token_file:
        c["authorization"] = Authorization("Bearer", token, token_file)
    if oauth is not None:
        _check_oauth2(oauth, basic)
    if c.get("proxy_connect_header") and not c.get("proxy_url"):
        raise ConfigError("if proxy_connect_header is configured proxy_url must also be configured")
    return c


def _check_authorization(auth: Authorization, token: str, other: object) -> Authorization:
    if token:
        raise ConfigError("authorization is not compatible with bearer_token & bearer_token_file")
    if auth.credentials and auth.credentials_file:
        raise ConfigError(
            "at most one of authorization credentials & credentials_file must be configured"
        )
    kind = auth.type.strip() or "Bearer"
    if kind.lower() == "basic":
        raise ConfigError('authorization type cannot be set to "basic", use "basic_auth" instead')
    if other:
        raise ConfigError("at most one of basic_auth, oauth2 & authorization must be configured")
    return Authorization(kind, auth.credentials, auth.credentials_file)


def _check_oauth2(oauth: OAuth2, basic: BasicAuth | None) -> None:
    if basic is not None:
        raise ConfigError("at most one of basic_auth, oauth2 & authorization must be configured")
    if not oauth.client_id:
        raise ConfigError("oauth2 client_id must be configured")
    if not oauth.client_secret and not oauth.client_secret_file:
        raise ConfigError("either oauth2 client_secret or client_secret_file must be configured")
    if not oauth.token_url:
        raise ConfigError("oauth2 token_url must be configured")
    if oauth.client_secret and oauth.client_secret_file:
        raise ConfigError(
            "at most one of oauth2 client_secret & client_secret_file must be configured"
        )


def join_dir(base_dir: str, path: str) -> str:
    """common ``JoinDir``: relative paths are joined to the config's directory."""
    if not path or os.path.isabs(path):
        return path
    return os.path.normpath(os.path.join(base_dir, path))


def with_directory(c: HTTPClientConfig, base_dir: str) -> HTTPClientConfig:
    """``HTTPClientConfig.SetDirectory``: resolve every file path against ``base_dir``."""

    def tls(t: TLSConfig) -> TLSConfig:
        return msgspec.structs.replace(
            t,
            ca_file=join_dir(base_dir, t.ca_file),
            cert_file=join_dir(base_dir, t.cert_file),
            key_file=join_dir(base_dir, t.key_file),
        )

    changes: dict[str, Any] = {
        "tls_config": tls(c.tls_config),
        "bearer_token_file": join_dir(base_dir, c.bearer_token_file),
    }
    if c.basic_auth is not None:
        changes["basic_auth"] = msgspec.structs.replace(
            c.basic_auth, password_file=join_dir(base_dir, c.basic_auth.password_file)
        )
    if c.authorization is not None:
        changes["authorization"] = msgspec.structs.replace(
            c.authorization, credentials_file=join_dir(base_dir, c.authorization.credentials_file)
        )
    if c.oauth2 is not None:
        changes["oauth2"] = msgspec.structs.replace(
            c.oauth2,
            client_secret_file=join_dir(base_dir, c.oauth2.client_secret_file),
            tls_config=tls(c.oauth2.tls_config),
        )
    return msgspec.structs.replace(c, **changes)

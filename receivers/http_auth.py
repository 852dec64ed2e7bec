"""The ``Authorization`` header of one request hop, with prometheus/common's precedence.

Go's client chains round trippers; the outermost that applies wins: an
``oauth2`` token (``receivers.oauth2``, asked first by the client), else the
URL's user info (``net/http``'s ``Client.send``), else ``basic_auth``,
``bearer_token(_file)``, ``authorization``. Credentials are applied on every
request and every redirect hop, from the request's file snapshot
(``receivers.http_files``). Pure functions, run on the client's asyncio loop.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

import yarl

from gossamer.config.model import HTTPClientConfig
from receivers.http_files import Snapshot, file_secret

__all__ = ["basic_authorization", "credentials", "secret_paths"]


def basic_authorization(username: str, password: str) -> str:
    """``Basic base64(user:password)``."""
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def secret_paths(config: HTTPClientConfig, resolve: Callable[[str], str]) -> list[str]:
    """The secret files ``config`` reads on every request (resolved paths)."""
    paths = [
        resolve(config.basic_auth.password_file) if config.basic_auth else "",
        resolve(config.bearer_token_file),
        resolve(config.authorization.credentials_file) if config.authorization else "",
        resolve(config.oauth2.client_secret_file) if config.oauth2 else "",
    ]
    return [p for p in paths if p]


def credentials(
    config: HTTPClientConfig, target: yarl.URL, files: Snapshot, resolve: Callable[[str], str]
) -> str | None:
    """The ``Authorization`` value for one hop when there is no ``oauth2`` block
    (the client asks ``OAuth2Source`` first), or None. Needs no I/O: the files
    come from the hop's snapshot. ``ValueError`` when a secret file cannot be read."""
    if target.user is not None:  # net/http Client.send: URL user info first
        return basic_authorization(target.user, target.password or "")
    if config.basic_auth is not None:
        if config.basic_auth.password_file:
            path = resolve(config.basic_auth.password_file)
            password = file_secret(files, path, "basic auth password file")
        else:
            password = config.basic_auth.password.strip()
        return basic_authorization(config.basic_auth.username, password)
    if config.bearer_token:
        return f"Bearer {config.bearer_token}"
    if config.bearer_token_file:
        path = resolve(config.bearer_token_file)
        return "Bearer " + file_secret(files, path, "authorization credentials file")
    auth = config.authorization
    if auth is not None and auth.credentials:
        return f"{auth.type or 'Bearer'} {auth.credentials}"
    if auth is not None and auth.credentials_file:
        path = resolve(auth.credentials_file)
        secret = file_secret(files, path, "authorization credentials file")
        return f"{auth.type or 'Bearer'} {secret}"
    return None

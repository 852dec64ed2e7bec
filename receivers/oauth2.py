"""``http_config.oauth2``: client-credentials tokens as prometheus/common fetches them.

``golang.org/x/oauth2/clientcredentials``: a token is cached until 10 s before
it expires and dropped when the client secret changes; the token endpoint's
auth style is probed (Basic header first, then form parameters) and
remembered. Token requests go through their own HTTP client (the oauth2
block's ``tls_config`` and ``proxy_url``; gzip accepted, as Go's default
client does). Runs on the owning client's asyncio loop; one fetch at a time.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.parse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gossamer.config.model import OAuth2
from gossamer.errors import NotifyError
from receivers.http_auth import basic_authorization
from receivers.http_files import Snapshot, file_secret
from receivers.http_response import HTTPResponse

if TYPE_CHECKING:
    from receivers.http import HTTPClient

__all__ = ["OAuth2Source", "parse_token"]


class OAuth2Source:
    """The ``Authorization`` values of one client's ``oauth2`` block.

    ``token_client`` sends the token requests; ``close()`` closes it.
    """

    def __init__(
        self, config: OAuth2, token_client: HTTPClient, resolve: Callable[[str], str]
    ) -> None:
        self.config = config
        self._client = token_client
        self._resolve = resolve
        self._locks: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}
        self._secret: str | None = None
        self._token: tuple[str, float] | None = None
        self._style: str | None = None

    def __repr__(self) -> str:
        return (
            f"<OAuth2Source token_url={self.config.token_url} style={self._style}"
            f" cached={self._token is not None}>"
        )

    def _current_secret(self, files: Snapshot) -> str:
        if self.config.client_secret_file:
            path = self._resolve(self.config.client_secret_file)
            return file_secret(files, path, "oauth2 client secret file")
        return self.config.client_secret

    async def authorization(self, files: Snapshot) -> str:
        """The ``Authorization`` value, fetching a token first when needed."""
        secret = self._current_secret(files)
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:  # an asyncio.Lock belongs to one loop
            self._locks = {loop: (lock := asyncio.Lock())}
        async with lock:
            if secret != self._secret:
                self._secret, self._token = secret, None
            if self._token is None or time.monotonic() >= self._token[1]:
                self._token = await self._fetch(secret)
            return self._token[0]

    def _form(self) -> dict[str, str]:
        form = {"grant_type": "client_credentials"}
        if self.config.scopes:
            form["scope"] = " ".join(self.config.scopes)
        for name, value in self.config.endpoint_params.items():
            if name in form and name != "grant_type":
                raise ValueError(f'oauth2: cannot overwrite parameter "{name}"')
            form[name] = value
        return form

    async def _fetch(self, secret: str) -> tuple[str, float]:
        """x/oauth2 probes the auth style: Basic header first, then form parameters."""
        styles = [self._style] if self._style else ["header", "params"]
        error = ValueError("oauth2: no auth style")
        for style in styles:
            try:
                token = await self._round_trip(style, self._form(), secret)
            except ValueError as exc:
                error = exc
                continue
            self._style = style
            return token
        raise error

    async def _round_trip(self, style: str, form: dict[str, str], secret: str) -> tuple[str, float]:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        client_id = self.config.client_id
        if style == "header":
            headers["Authorization"] = basic_authorization(
                urllib.parse.quote_plus(client_id), urllib.parse.quote_plus(secret)
            )
        else:
            form = dict(form, client_id=client_id, **({"client_secret": secret} if secret else {}))
        body = urllib.parse.urlencode(sorted(form.items())).encode()
        try:
            resp = await self._client.request(
                "POST", self.config.token_url, body=body, headers=headers
            )
        except NotifyError as exc:
            raise ValueError(str(exc)) from exc
        if resp.status // 100 != 2:
            raise ValueError(
                f"oauth2: cannot fetch token: {resp.status} {resp.reason}\nResponse: {resp.text()}"
            )
        return parse_token(resp)

    async def close(self) -> None:
        await self._client.close()


def parse_token(resp: HTTPResponse) -> tuple[str, float]:
    """``(authorization header, monotonic expiry)`` from a token response (JSON or form)."""
    content_type = resp.headers.get("content-type", "").split(";")[0].strip()
    if content_type in ("application/x-www-form-urlencoded", "text/plain"):
        values = urllib.parse.parse_qs(resp.text())
        fields: dict[str, Any] = {k: v[0] for k, v in values.items()}
    else:
        try:
            fields = json.loads(resp.body)
        except ValueError as exc:
            raise ValueError(f"oauth2: cannot parse json: {exc}") from exc
        if not isinstance(fields, dict):
            raise ValueError("oauth2: cannot parse json: not an object")
    access = str(fields.get("access_token") or "")
    if not access:
        raise ValueError("oauth2: server response missing access_token")
    try:
        expires_in = int(fields.get("expires_in") or 0)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"oauth2: cannot parse json: {exc}") from exc
    expiry = time.monotonic() + expires_in - 10 if expires_in else float("inf")
    return f"{_token_type(str(fields.get('token_type') or ''))} {access}", expiry


def _token_type(raw: str) -> str:
    """x/oauth2 ``Token.Type``: canonical case for the well-known types, default Bearer."""
    canonical = {"bearer": "Bearer", "mac": "MAC", "basic": "Basic"}
    return canonical.get(raw.lower(), raw) or "Bearer"

"""The HTTP client every HTTP integration shares: prometheus/common's ``http_config``.

One ``HTTPClient`` per distinct ``(http_config, base_dir)`` owns one aiohttp
connection pool (``HTTPClientPool`` hands out shared, reference-counted
clients). It reproduces what Alertmanager 0.25's ``commoncfg.NewClientFromConfig``
does (prometheus/common v0.38, HTTP/2 disabled as for webhooks):

* credentials are applied on every request *and every redirect hop*, as Go's
  round trippers do: URL user info, else ``basic_auth``, ``bearer_token(_file)``,
  ``authorization``; an ``oauth2`` token always wins;
* secret files (``password_file``, ``credentials_file``, ``bearer_token_file``,
  ``client_secret_file``) and TLS files are read at request time, so rotated
  secrets are picked up without a reload; a changed CA or client certificate
  gives a fresh ``SSLContext`` (new connections use it, idle old ones expire);
* redirects follow Go's ``http.Client``: at most 10 requests, 301/302/303 turn a
  POST into a body-less GET, 307/308 resend the body, ``Referer`` is set and
  ``follow_redirects: false`` hands the 3xx back to the caller;
* no ``Accept``/``Accept-Encoding`` headers and no decompression (Go's
  ``DisableCompression``), 30 s connect timeout and no overall timeout (the
  sender's flush deadline cancels the task instead);
* HTTP/1.1 only: ``enable_http2`` is accepted and ignored (Alertmanager turns
  HTTP/2 off for webhooks; other integrations would negotiate h2 over TLS).

Transport failures raise ``NotifyError(retryable=True)`` worded like Go's
``*url.Error`` (``Post "<url>": <cause>``, password masked as ``***``);
``check_status`` is ``notify.Retrier.Check``. All coroutines run on the node's
asyncio loop; file reads and ``SSLContext`` construction go to worker threads.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib
import json
import os
import ssl
import threading
import time
import traceback
import urllib.parse
import zlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import aiohttp
import msgspec
import yarl

from gossamer import __version__
from gossamer.config.model import HTTPClientConfig, TLSConfig
from gossamer.errors import NotifyError

__all__ = [
    "DEFAULT_POOL",
    "MAX_REDIRECTS",
    "USER_AGENT",
    "HTTPClient",
    "HTTPClientPool",
    "HTTPResponse",
    "check_status",
    "go_error_op",
    "strip_password",
]

USER_AGENT = f"gossamer/{__version__}"
MAX_REDIRECTS = 10
_BODYLESS_REDIRECTS = frozenset({301, 302, 303})
_BODY_REDIRECTS = frozenset({307, 308})
_TLS_VERSIONS = {
    "TLS10": ssl.TLSVersion.TLSv1,
    "TLS11": ssl.TLSVersion.TLSv1_1,
    "TLS12": ssl.TLSVersion.TLSv1_2,
    "TLS13": ssl.TLSVersion.TLSv1_3,
}
_KEY_ENCODER = msgspec.json.Encoder(order="deterministic")
# OpenSSL verify codes Go reports as "certificate signed by unknown authority":
# unable to get issuer (2, 20), self-signed leaf (18) or in chain (19).
_UNKNOWN_AUTHORITY = frozenset({2, 18, 19, 20})
_Snapshot = dict[str, "bytes | OSError"]


class HTTPResponse(msgspec.Struct, frozen=True):
    """A fully read response. ``headers`` has lower-case names (last value wins)."""

    status: int
    reason: str
    headers: dict[str, str]
    body: bytes
    url: str

    def text(self) -> str:
        """The body as text, invalid UTF-8 replaced (Go would print the raw bytes)."""
        return self.body.decode("utf-8", "replace")


def check_status(
    response: HTTPResponse, details: str | None = None, *, retry_codes: Iterable[int] = ()
) -> None:
    """Alertmanager's ``notify.Retrier.Check``: 2xx passes; otherwise raise
    ``unexpected status code <N>[: <details>]``, retryable for 5xx and ``retry_codes``.

    ``details`` defaults to the response body, as for integrations without a
    custom details function.
    """
    if response.status // 100 == 2:
        return
    text = response.text() if details is None else details
    message = f"unexpected status code {response.status}"
    if text:
        message = f"{message}: {text}"
    retryable = response.status // 100 == 5 or response.status in set(retry_codes)
    raise NotifyError(message, retryable=retryable)


def strip_password(url: str) -> str:
    """Go's ``stripPassword``: ``user:secret@`` becomes ``user:***@`` in error text."""
    try:
        parsed = yarl.URL(url)
    except ValueError:
        return url
    if parsed.raw_password is None:
        return url
    return url.replace(f":{parsed.raw_password}@", ":***@", 1)


def go_error_op(method: str) -> str:
    """The ``Op`` of Go's ``*url.Error``: ``POST`` reads ``Post``."""
    return method[:1].upper() + method[1:].lower()


def _go_os_error(path: str, exc: OSError) -> str:
    """``os.ReadFile`` wording: ``open /x: no such file or directory``."""
    op = "read" if isinstance(exc, IsADirectoryError) else "open"
    return f"{op} {path}: {(exc.strerror or str(exc)).lower()}"


def _read_files(paths: Iterable[str]) -> _Snapshot:
    """Read every secret file of one request. Runs in a worker thread."""
    out: _Snapshot = {}
    for path in paths:
        try:
            out[path] = Path(path).read_bytes()
        except OSError as exc:
            out[path] = exc
    return out


def _basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def _build_ssl_context(tls: TLSConfig, ca: bytes | None, cert: str, key: str) -> ssl.SSLContext:
    """A client ``SSLContext`` for ``tls_config``. Runs in a worker thread (it reads
    files and, without ``ca_file``, the system trust store)."""
    if ca is not None:
        try:
            ctx = ssl.create_default_context(cadata=ca.decode("utf-8", "replace"))
        except (ssl.SSLError, ValueError) as exc:
            raise ValueError(f"unable to use specified CA cert {tls.ca_file}") from exc
    else:
        ctx = ssl.create_default_context()
    if cert and key:
        try:
            ctx.load_cert_chain(cert, key)
        except (OSError, ssl.SSLError) as exc:
            raise ValueError(
                f"unable to use specified client cert ({cert}) & key ({key}): {exc}"
            ) from exc
    if tls.insecure_skip_verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    for version in filter(None, (tls.min_version, tls.max_version)):
        if version not in _TLS_VERSIONS:
            raise ValueError(f"unknown TLS version: {version}")
    if tls.min_version:
        ctx.minimum_version = _TLS_VERSIONS[tls.min_version]
    if tls.max_version:
        ctx.maximum_version = _TLS_VERSIONS[tls.max_version]
    return ctx


class _TLSFiles:
    """Cached ``SSLContext`` rebuilt when the bytes of the CA, cert or key change
    (prometheus/common re-reads them per request and per handshake)."""

    def __init__(self, tls: TLSConfig, resolve: Callable[[str], str]) -> None:
        self.tls = tls
        self.ca = resolve(tls.ca_file)
        self.cert = resolve(tls.cert_file)
        self.key = resolve(tls.key_file)
        self._digest: bytes | None = None
        self._context: ssl.SSLContext | None = None

    @property
    def paths(self) -> list[str]:
        return [p for p in (self.ca, self.cert, self.key) if p]

    async def context(self, files: _Snapshot) -> ssl.SSLContext:
        """The context for the file contents in ``files``; builds off-loop when new."""
        contents: list[bytes] = []
        for path in self.paths:
            content = files[path]
            if isinstance(content, OSError):
                what = "CA cert" if path == self.ca else "client cert or key"
                raise ValueError(
                    f"unable to load specified {what} {path}: {_go_os_error(path, content)}"
                )
            contents.append(content)
        digest = hashlib.sha256(b"\0".join(contents)).digest()
        context = self._context
        if context is None or digest != self._digest:
            ca = contents[0] if self.ca else None
            context = await asyncio.to_thread(_build_ssl_context, self.tls, ca, self.cert, self.key)
            self._context, self._digest = context, digest
        return context


class HTTPClient:
    """A configured HTTP client over one aiohttp session (created lazily on the
    loop that first uses it). Coroutines run on the node's asyncio loop.

    Get shared instances from ``HTTPClientPool.acquire``; ``close()`` releases
    one reference and closes the connections when the last one goes.
    """

    def __init__(
        self,
        config: HTTPClientConfig,
        base_dir: str | os.PathLike[str] = ".",
        *,
        user_agent: str = USER_AGENT,
        gzip: bool = False,
    ) -> None:
        self.config = config
        self.user_agent = user_agent
        # prometheus/common transports set DisableCompression; x/oauth2's token
        # client uses Go's default, which asks for gzip and decodes it.
        self._gzip = gzip
        self._base = Path(base_dir)
        self._tls = _TLSFiles(config.tls_config, self._resolve)
        self._proxy, self._proxy_headers = self._parse_proxy(config.proxy_url)
        self._oauth2 = _OAuth2Source(self) if config.oauth2 is not None else None
        self._session: aiohttp.ClientSession | None = None
        self._session_loop: asyncio.AbstractEventLoop | None = None
        self._refs = 1
        self._refs_lock = threading.Lock()
        self._release_hook: Callable[[HTTPClient], None] | None = None
        self.closed = False
        self._stats = {"requests": 0, "transport_errors": 0, "in_flight": 0, "last_status": 0}

    def __repr__(self) -> str:
        s = self._stats
        return (
            f"<HTTPClient refs={self._refs} requests={s['requests']} in_flight={s['in_flight']}"
            f" transport_errors={s['transport_errors']} closed={self.closed}>"
        )

    def statistics(self) -> dict[str, int]:
        """Counters: requests sent, transport errors, requests in flight, last status."""
        return dict(self._stats, refs=self._refs)

    def _resolve(self, path: str) -> str:
        """Config paths are relative to the config file's directory."""
        return str(self._base / path) if path else ""

    @staticmethod
    def _parse_proxy(proxy_url: str) -> tuple[yarl.URL | None, dict[str, str] | None]:
        """The proxy URL without user info, and the Proxy-Authorization it implies."""
        if not proxy_url:
            return None, None
        proxy = yarl.URL(proxy_url)
        if proxy.user is None:
            return proxy, None
        return proxy.with_user(None), {
            "Proxy-Authorization": _basic(proxy.user, proxy.password or "")
        }

    def _secret_paths(self) -> list[str]:
        cfg = self.config
        paths = [
            self._resolve(cfg.basic_auth.password_file) if cfg.basic_auth else "",
            self._resolve(cfg.bearer_token_file),
            self._resolve(cfg.authorization.credentials_file) if cfg.authorization else "",
            self._resolve(cfg.oauth2.client_secret_file) if cfg.oauth2 else "",
        ]
        return [p for p in paths if p]

    async def _read_secrets(self, https: bool) -> _Snapshot:
        paths = self._secret_paths() + (self._tls.paths if https else [])
        return await asyncio.to_thread(_read_files, paths) if paths else {}

    def _file_secret(self, files: _Snapshot, path: str, what: str) -> str:
        content = files[path]
        if isinstance(content, OSError):
            raise ValueError(f"unable to read {what} {path}: {_go_os_error(path, content)}")
        return content.decode("utf-8", "replace").strip()

    async def _authorization(self, target: yarl.URL, files: _Snapshot) -> str | None:
        """The ``Authorization`` value for one hop, with Go's precedence."""
        if self._oauth2 is not None:
            return await self._oauth2.authorization(files)
        if target.user is not None:  # net/http Client.send: URL user info first
            return _basic(target.user, target.password or "")
        cfg = self.config
        if cfg.basic_auth is not None:
            if cfg.basic_auth.password_file:
                path = self._resolve(cfg.basic_auth.password_file)
                password = self._file_secret(files, path, "basic auth password file")
            else:
                password = cfg.basic_auth.password.strip()
            return _basic(cfg.basic_auth.username, password)
        if cfg.bearer_token:
            return f"Bearer {cfg.bearer_token}"
        if cfg.bearer_token_file:
            path = self._resolve(cfg.bearer_token_file)
            return "Bearer " + self._file_secret(files, path, "authorization credentials file")
        auth = cfg.authorization
        if auth is not None and auth.credentials:
            return f"{auth.type or 'Bearer'} {auth.credentials}"
        if auth is not None and auth.credentials_file:
            path = self._resolve(auth.credentials_file)
            secret = self._file_secret(files, path, "authorization credentials file")
            return f"{auth.type or 'Bearer'} {secret}"
        return None

    def _get_session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._session_loop is not loop:
            connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=300)
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=30),
                skip_auto_headers=("Accept", "Accept-Encoding"),
                auto_decompress=False,
                trust_env=False,
            )
            self._session_loop = loop
        return self._session

    async def post(
        self,
        url: str,
        body: bytes,
        *,
        content_type: str,
        headers: Mapping[str, str] | None = None,
    ) -> HTTPResponse:
        """``notify.PostJSON`` and friends: POST ``body`` with ``content_type``."""
        merged = {"Content-Type": content_type, **(headers or {})}
        return await self.request("POST", url, body=body, headers=merged)

    async def request(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> HTTPResponse:
        """Send one request, following redirects as Go's ``http.Client`` does.

        Returns any response that is not a followed redirect; raises
        ``NotifyError(retryable=True)`` on transport failure.
        """
        op = go_error_op(method)
        try:
            target = yarl.URL(url)
        except ValueError as exc:
            raise NotifyError(f'{op} "{strip_password(url)}": {exc}', retryable=True) from exc
        base = {"User-Agent": self.user_agent, **(headers or {})}
        self._stats["in_flight"] += 1
        try:
            return await self._follow(op, method, target, url, body, base)
        finally:
            self._stats["in_flight"] -= 1

    async def _follow(
        self,
        op: str,
        method: str,
        target: yarl.URL,
        shown: str,
        body: bytes | None,
        base: dict[str, str],
    ) -> HTTPResponse:
        previous: yarl.URL | None = None
        for sent in range(1, MAX_REDIRECTS + 1):
            headers = dict(base)
            referer = _referer(previous, target)
            if referer:
                headers["Referer"] = referer
            response = await self._send(op, method, target, shown, body, headers)
            location = response.headers.get("location", "")
            if not self.config.follow_redirects or not location or not _is_redirect(response):
                return response
            if sent == MAX_REDIRECTS:
                raise NotifyError(
                    f'{op} "{strip_password(location)}": stopped after 10 redirects', retryable=True
                )
            try:
                previous, target = target, target.join(yarl.URL(location))
            except ValueError as exc:
                msg = f'failed to parse Location header "{location}": {exc}'
                raise NotifyError(f'{op} "{strip_password(shown)}": {msg}', retryable=True) from exc
            shown = str(target)
            if response.status in _BODYLESS_REDIRECTS:
                body = None
                method = method if method in ("GET", "HEAD") else "GET"
        raise AssertionError("unreachable")

    async def _send(
        self,
        op: str,
        method: str,
        target: yarl.URL,
        shown: str,
        body: bytes | None,
        headers: dict[str, str],
    ) -> HTTPResponse:
        """One hop: fresh credentials, then the request itself."""
        https = target.scheme == "https" or (
            self._proxy is not None and self._proxy.scheme == "https"
        )
        self._stats["requests"] += 1
        try:
            files = await self._read_secrets(https)
            authorization = await self._authorization(target, files)
            if authorization is not None:
                headers["Authorization"] = authorization
            ssl_context: ssl.SSLContext | bool = await self._tls.context(files) if https else True
            return await self._exchange(method, target, body, headers, ssl_context)
        except (TimeoutError, aiohttp.ClientError, ValueError, OSError) as exc:
            self._stats["transport_errors"] += 1
            cause = _describe(exc, target, self._proxy)
            raise NotifyError(f'{op} "{strip_password(shown)}": {cause}', retryable=True) from exc

    async def _exchange(
        self,
        method: str,
        target: yarl.URL,
        body: bytes | None,
        headers: dict[str, str],
        ssl_context: ssl.SSLContext | bool,
    ) -> HTTPResponse:
        session = self._get_session()
        server_name = self.config.tls_config.server_name or None
        if self._gzip:
            headers = {"Accept-Encoding": "gzip", **headers}
        if self._proxy_headers and target.scheme != "https":
            # aiohttp sends proxy_headers only on CONNECT; a plain-HTTP proxy
            # reads them from the request itself, as Go writes them.
            headers = {**headers, **self._proxy_headers}
        async with session.request(
            method,
            target.with_user(None),
            data=body,
            headers=headers,
            allow_redirects=False,
            proxy=self._proxy,
            proxy_headers=self._proxy_headers,
            ssl=ssl_context,
            server_hostname=server_name if target.scheme == "https" else None,
        ) as resp:
            self._stats["last_status"] = resp.status
            try:
                payload = await resp.read()
            except aiohttp.ClientError:
                if resp.status // 100 != 2:  # Go drains a success body, ignoring errors
                    raise
                payload = b""
            response_headers = {k.lower(): v for k, v in resp.headers.items()}
            if self._gzip and response_headers.get("content-encoding") == "gzip":
                try:
                    payload = gzip.decompress(payload)
                except (OSError, EOFError, zlib.error) as exc:
                    raise ValueError(f"gzip: {exc}") from exc
            return HTTPResponse(
                status=resp.status,
                reason=resp.reason or "",
                headers=response_headers,
                body=payload,
                url=str(resp.url),
            )

    def _retain(self) -> bool:
        """Take one more reference unless already closed. Any thread."""
        with self._refs_lock:
            if not self.closed:
                self._refs += 1
            return not self.closed

    def _release(self, *, all_refs: bool = False) -> bool:
        """Drop one (or every) reference; True when this closed the client. Any thread."""
        with self._refs_lock:
            if self.closed:
                return False
            self._refs = 0 if all_refs else self._refs - 1
            self.closed = self._refs <= 0
        if self.closed and self._release_hook is not None:
            self._release_hook(self)
        return self.closed

    async def close(self) -> None:
        """Release one reference; the last one closes the connection pool."""
        if self._release():
            await self._shutdown()

    async def _shutdown(self) -> None:
        if self._oauth2 is not None:
            await self._oauth2.close()
        if self._session is not None and not self._session.closed:
            if self._session_loop is asyncio.get_running_loop():
                await self._session.close()


def _is_redirect(response: HTTPResponse) -> bool:
    return response.status in _BODYLESS_REDIRECTS or response.status in _BODY_REDIRECTS


def _referer(previous: yarl.URL | None, current: yarl.URL) -> str:
    """Go's ``refererForURL``: the last URL without user info, never https to http."""
    if previous is None or (previous.scheme == "https" and current.scheme == "http"):
        return ""
    return str(previous.with_user(None))


def _describe(exc: BaseException, target: yarl.URL, proxy: yarl.URL | None = None) -> str:
    """The cause part of Go's ``*url.Error`` text, as close as Python allows.

    With ``proxy_url``, Go's ``persistConn`` wraps a failure to reach the proxy as
    ``proxyconnect tcp: <dial error>`` and words a non-200 answer to ``CONNECT``
    as the status text alone (``Forbidden``, or ``unknown status code`` when
    the line has none); a proxy hanging up before answering ``CONNECT`` is
    ``unexpected EOF``."""
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        cert_error = exc.certificate_error
        code = getattr(cert_error, "verify_code", None)
        if code in _UNKNOWN_AUTHORITY:
            return "x509: certificate signed by unknown authority"
        reason = getattr(cert_error, "verify_message", None) or str(cert_error)
        return f"x509: {reason}"
    if isinstance(exc, aiohttp.ClientHttpProxyError):
        return exc.message or "unknown status code"
    if isinstance(exc, aiohttp.ClientConnectorError):
        # With a proxy every dial goes to the proxy (exc.host/port are its own).
        dial = _dial_error(exc)
        via_proxy = isinstance(exc, aiohttp.ClientProxyConnectionError) or (
            proxy is not None and isinstance(exc, aiohttp.ClientConnectorDNSError)
        )
        return f"proxyconnect tcp: {dial}" if via_proxy else dial
    if isinstance(exc, asyncio.TimeoutError):
        return f"dial tcp {target.host}:{target.port}: i/o timeout"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "unexpected EOF" if _in_proxy_connect(exc) else "EOF"
    return str(exc) or type(exc).__name__


def _dial_error(exc: aiohttp.ClientConnectorError) -> str:
    """Go's ``net.Dial`` error text for a failed connect to ``exc.host:exc.port``."""
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return f"dial tcp: lookup {exc.host}: no such host"
    address = f"{exc.host}:{exc.port}"
    if isinstance(exc.os_error, ConnectionRefusedError):
        return f"dial tcp {address}: connect: connection refused"
    return f"dial tcp {address}: {exc.os_error.strerror or exc.os_error}"


def _in_proxy_connect(exc: BaseException) -> bool:
    """Whether ``exc`` was raised while aiohttp read the proxy's ``CONNECT`` answer
    (aiohttp raises the same ``ServerDisconnectedError`` for a tunnel and a request)."""
    frames = traceback.walk_tb(exc.__traceback__)
    return any(frame.f_code.co_name == "_create_proxy_connection" for frame, _ in frames)


class HTTPClientPool:
    """Hands out one shared ``HTTPClient`` per ``(http_config, base_dir)``.

    ``acquire`` may be called from any thread (config loading); the clients
    themselves are used on the node's asyncio loop.
    """

    def __init__(self) -> None:
        self._clients: dict[bytes, HTTPClient] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<HTTPClientPool clients={len(self._clients)}>"

    def __len__(self) -> int:
        return len(self._clients)

    def acquire(
        self, config: HTTPClientConfig, base_dir: str | os.PathLike[str] = "."
    ) -> HTTPClient:
        """A client for ``config``; the caller must ``await client.close()`` once."""
        key = _KEY_ENCODER.encode([config, os.fspath(base_dir)])
        with self._lock:
            client = self._clients.get(key)
            if client is not None and client._retain():
                return client
            client = HTTPClient(config, base_dir)
            client._release_hook = lambda c: self._forget(key, c)
            self._clients[key] = client
            return client

    def _forget(self, key: bytes, client: HTTPClient) -> None:
        with self._lock:
            if self._clients.get(key) is client:
                del self._clients[key]

    async def close(self) -> None:
        """Close every client regardless of references (node shutdown)."""
        with self._lock:
            clients = list(self._clients.values())
        for client in clients:
            if client._release(all_refs=True):
                await client._shutdown()


#: The process-wide pool integrations use unless given another.
DEFAULT_POOL = HTTPClientPool()


class _OAuth2Source:
    """Client-credentials tokens (``golang.org/x/oauth2/clientcredentials`` as
    prometheus/common uses it): cached until 10 s before expiry, dropped when the
    client secret changes. Runs on the owning client's loop; one fetch at a time."""

    def __init__(self, owner: HTTPClient) -> None:
        assert owner.config.oauth2 is not None
        self.config = owner.config.oauth2
        self._owner = owner
        token_http = HTTPClientConfig(
            tls_config=self.config.tls_config, proxy_url=self.config.proxy_url
        )
        self._client = HTTPClient(token_http, owner._base, user_agent=owner.user_agent, gzip=True)
        self._locks: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}
        self._secret: str | None = None
        self._token: tuple[str, float] | None = None
        self._style: str | None = None

    def _current_secret(self, files: _Snapshot) -> str:
        if self.config.client_secret_file:
            path = self._owner._resolve(self.config.client_secret_file)
            return self._owner._file_secret(files, path, "oauth2 client secret file")
        return self.config.client_secret

    async def authorization(self, files: _Snapshot) -> str:
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
            headers["Authorization"] = _basic(
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
        return _parse_token(resp)

    async def close(self) -> None:
        await self._client.close()


def _parse_token(resp: HTTPResponse) -> tuple[str, float]:
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

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
  ``DisableCompression``), no cookie jar (a cookie a server sets is never sent
  back), 30 s connect timeout and no overall timeout (the sender's flush
  deadline cancels the task instead);
* HTTP/1.1 only: ``enable_http2`` is accepted and ignored (Alertmanager turns
  HTTP/2 off for webhooks; other integrations would negotiate h2 over TLS).

Transport failures raise ``NotifyError(retryable=True)`` worded like Go's
``*url.Error`` (``Post "<url>": <cause>``, password masked as ``***``);
``check_status`` is ``notify.Retrier.Check``. All coroutines run on the node's
asyncio loop; file reads and ``SSLContext`` construction go to worker threads.

This module is the client, its redirects and the pool; the parts it is built
from live beside it, one concept each: ``http_response`` (``HTTPResponse``,
``check_status``), ``http_errors`` (Go's error wording), ``http_files`` (the
per-request snapshot of secret and TLS files), ``http_tls`` (the
``SSLContext``), ``http_auth`` (the ``Authorization`` header), ``oauth2``
(client-credentials tokens) and ``http_connector`` (how new connections are
dialled). Their public names used by integrations stay
importable from here.
"""

from __future__ import annotations

import asyncio
import gzip
import os
import ssl
import threading
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path

import aiohttp
import msgspec
import yarl

from gossamer import __version__
from gossamer.config.model import HTTPClientConfig
from gossamer.errors import NotifyError
from receivers.http_auth import basic_authorization, credentials, secret_paths
from receivers.http_connector import Connector
from receivers.http_errors import describe_transport_error, go_error_op, strip_password
from receivers.http_files import SharedReads, Snapshot
from receivers.http_response import HTTPResponse, check_status
from receivers.http_tls import TLSFiles
from receivers.http_tls import build_ssl_context as _build_ssl_context  # noqa: F401 (email)
from receivers.oauth2 import OAuth2Source

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
_KEY_ENCODER = msgspec.json.Encoder(order="deterministic")


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
        self._tls = TLSFiles(config.tls_config, self._resolve)
        self._proxy, self._proxy_headers = self._parse_proxy(config.proxy_url)
        self._oauth2 = self._oauth2_source(config) if config.oauth2 is not None else None
        # Fixed per client (the config is frozen): which files a request reads,
        # whether it needs TLS settings even for an http:// target.
        self._secret_files = SharedReads(secret_paths(config, self._resolve))
        self._https_files = SharedReads(self._secret_files.paths + self._tls.paths)
        self._https_proxy = self._proxy is not None and self._proxy.scheme == "https"
        self._server_name = config.tls_config.server_name or None
        self._session: aiohttp.ClientSession | None = None
        self._connector: Connector | None = None
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
        """Counters: requests sent, transport errors, requests in flight, last status,
        connections dialled (``dials_direct``, ``dials_happy_eyeballs``: see ``Connector``)."""
        dials = self._connector.statistics() if self._connector is not None else {}
        return dict(
            self._stats,
            refs=self._refs,
            dials_direct=dials.get("direct", 0),
            dials_happy_eyeballs=dials.get("happy_eyeballs", 0),
        )

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
            "Proxy-Authorization": basic_authorization(proxy.user, proxy.password or "")
        }

    def _oauth2_source(self, config: HTTPClientConfig) -> OAuth2Source:
        """Token requests get their own client: the oauth2 block's TLS and proxy;
        gzip accepted (x/oauth2's token client is Go's default client)."""
        assert config.oauth2 is not None
        token_http = HTTPClientConfig(
            tls_config=config.oauth2.tls_config, proxy_url=config.oauth2.proxy_url
        )
        token_client = HTTPClient(token_http, self._base, user_agent=self.user_agent, gzip=True)
        return OAuth2Source(config.oauth2, token_client, self._resolve)

    def _get_session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._session_loop is not loop:
            # limit=0: Go's transport has no connection limit, so a slow host never
            # holds up requests to others; idle connections live 5 minutes, as
            # prometheus/common's IdleConnTimeout.
            self._connector = Connector(limit=0, keepalive_timeout=300)
            self._session = aiohttp.ClientSession(
                connector=self._connector,
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=30),
                skip_auto_headers=("Accept", "Accept-Encoding"),
                auto_decompress=False,
                trust_env=False,
                # Go's http.Client without a Jar (prometheus/common sets none)
                # never sends a cookie a response set.
                cookie_jar=aiohttp.DummyCookieJar(),
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
        base = {"User-Agent": self.user_agent, "Content-Type": content_type}
        if headers:
            base.update(headers)
        return await self._start("POST", url, body, base)

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
        base = {"User-Agent": self.user_agent}
        if headers:
            base.update(headers)
        return await self._start(method, url, body, base)

    async def _start(
        self, method: str, url: str, body: bytes | None, base: dict[str, str]
    ) -> HTTPResponse:
        """Parse ``url`` (``yarl.URL`` values pass unchanged: ``fields.wire_url``) and go."""
        op = go_error_op(method)
        try:
            target = yarl.URL(url)
        except ValueError as exc:
            raise NotifyError(f'{op} "{strip_password(url)}": {exc}', retryable=True) from exc
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
        """Hops until a response that is not a followed redirect. ``base`` is never
        modified: each hop adds its own ``Referer`` and ``Authorization``."""
        previous: yarl.URL | None = None
        for sent in range(1, MAX_REDIRECTS + 1):
            referer = _referer(previous, target) if previous is not None else ""
            headers = {**base, "Referer": referer} if referer else base
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
        """One hop: fresh credentials, then the request itself. Files are read
        (off-loop) only when the config names some."""
        https = self._https_proxy or target.scheme == "https"
        self._stats["requests"] += 1
        try:
            reads = self._https_files if https else self._secret_files
            files: Snapshot = await reads.snapshot() if reads.paths else {}
            if self._oauth2 is not None:
                auth: str | None = await self._oauth2.authorization(files)
            else:
                auth = credentials(self.config, target, files, self._resolve)
            if auth is not None:
                headers = {**headers, "Authorization": auth}
            ssl_context: ssl.SSLContext | bool = await self._tls.context(files) if https else True
            return await self._exchange(method, target, body, headers, ssl_context)
        except (TimeoutError, aiohttp.ClientError, ValueError, OSError) as exc:
            self._stats["transport_errors"] += 1
            cause = describe_transport_error(exc, target, self._proxy)
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
        if self._gzip:
            headers = {"Accept-Encoding": "gzip", **headers}
        if self._proxy_headers and target.scheme != "https":
            # aiohttp sends proxy_headers only on CONNECT; a plain-HTTP proxy
            # reads them from the request itself, as Go writes them.
            headers = {**headers, **self._proxy_headers}
        if target.raw_user is not None or target.raw_password is not None:
            target = target.with_user(None)
        async with session.request(
            method,
            target,
            data=body,
            headers=headers,
            allow_redirects=False,
            proxy=self._proxy,
            proxy_headers=self._proxy_headers,
            ssl=ssl_context,
            server_hostname=self._server_name if target.scheme == "https" else None,
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

"""Real loopback parts for HTTP tests: a recording server, a forward proxy, certificates.

Each server runs its own asyncio loop in a daemon thread and binds port 0, so
tests may use it from synchronous code, from ``asyncio.run`` or from another
process (the reference Alertmanager). Waiting is done on conditions, never
on sleeps. The few tests at the bottom check the tools themselves.
"""

from __future__ import annotations

import asyncio
import datetime
import functools
import ipaddress
import socket
import ssl
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

Handler = Callable[["Recorded"], "Reply"]


def async_test(fn: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an ``async def`` test on a fresh event loop (bounded to 60 s)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(asyncio.wait_for(fn(*args, **kwargs), timeout=60))

    return wrapper


@dataclass(frozen=True)
class Reply:
    """What the recorder answers: status, body and extra headers."""

    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Recorded:
    """One request as the server saw it (header names as sent, in order)."""

    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes
    version: str

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def header_dict(self, *, ignore: tuple[str, ...] = ()) -> dict[str, str]:
        """Headers keyed by lower-case name, minus ``ignore``."""
        skip = {n.lower() for n in ignore}
        return {k.lower(): v for k, v in self.headers if k.lower() not in skip}


class _LoopThread:
    """An asyncio loop in a daemon thread, for servers that outlive one test loop."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def call(self, coro: Awaitable[Any]) -> Any:
        async def runner() -> Any:
            return await coro

        return asyncio.run_coroutine_threadsafe(runner(), self.loop).result(timeout=30)

    def stop(self) -> None:
        """Let peers' closes land (a refused TLS handshake closes a beat later),
        cancel what is left, then stop the loop and its thread."""
        self.call(self._drain())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()

    @staticmethod
    async def _drain() -> None:
        await asyncio.sleep(0.05)  # teardown grace only; tests never wait on time
        me = asyncio.current_task()
        tasks = [t for t in asyncio.all_tasks() if t is not me]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        # Server-side TLS transports may still wait for a close_notify that will
        # never come; abort them so no socket outlives the loop.
        transports = getattr(asyncio.get_running_loop(), "_transports", {})
        for transport in list(transports.values()):
            if transport is not None and not transport.is_closing():
                transport.abort()
        await asyncio.sleep(0)


class Recorder:
    """A loopback HTTP(S) server that records every request and answers from
    ``routes`` (exact path to ``Reply`` or handler), else ``200 ok``."""

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self.requests: list[Recorded] = []
        self.routes: dict[str, Reply | Handler] = {}
        self._ssl = ssl_context
        self._cond = threading.Condition()
        self._thread = _LoopThread()
        self._runner: web.AppRunner | None = None
        self.port = 0

    def __enter__(self) -> Recorder:
        self._thread.call(self._start())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._runner is not None:
            self._thread.call(self._runner.cleanup())
        self._thread.stop()

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self._ssl)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _handle(self, request: web.Request) -> web.Response:
        seen = Recorded(
            method=request.method,
            path=request.path,
            query=request.query_string,
            headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.raw_headers],
            body=await request.read(),
            version=f"{request.version.major}.{request.version.minor}",
        )
        route = self.routes.get(request.path, Reply())
        reply = route(seen) if callable(route) else route
        with self._cond:
            self.requests.append(seen)
            self._cond.notify_all()
        return web.Response(status=reply.status, body=reply.body, headers=reply.headers)

    def url(self, path: str = "/", *, scheme: str | None = None, host: str = "127.0.0.1") -> str:
        """An absolute URL on this server."""
        scheme = scheme or ("https" if self._ssl else "http")
        return f"{scheme}://{host}:{self.port}{path}"

    def wait_for(self, count: int, path: str | None = None, timeout: float = 20) -> list[Recorded]:
        """Block until ``count`` requests (to ``path``, if given) have arrived."""

        def matching() -> list[Recorded]:
            return [r for r in self.requests if path is None or r.path == path]

        with self._cond:
            if not self._cond.wait_for(lambda: len(matching()) >= count, timeout=timeout):
                raise TimeoutError(f"{len(matching())} of {count} requests to {path} arrived")
            return matching()

    async def await_for(self, count: int, path: str | None = None) -> list[Recorded]:
        """``wait_for`` from async code without blocking the caller's loop."""
        return await asyncio.to_thread(self.wait_for, count, path)


class ForwardProxy:
    """A minimal HTTP forward proxy: absolute-URI requests and ``CONNECT`` tunnels.

    ``seen`` holds each request head (request line plus headers) it received.
    Upstream requests are sent with ``Connection: close`` so each client
    connection carries one proxied exchange. ``connect_reply``, when given, is
    written verbatim in answer to every ``CONNECT`` instead of opening the
    tunnel (``b""``: hang up without answering).
    """

    def __init__(self, connect_reply: bytes | None = None) -> None:
        self.connect_reply = connect_reply
        self.seen: list[tuple[str, dict[str, str]]] = []
        self._writers: set[asyncio.StreamWriter] = set()
        self._thread = _LoopThread()
        self._server: asyncio.AbstractServer | None = None
        self.port = 0

    def __enter__(self) -> ForwardProxy:
        self._server = self._thread.call(asyncio.start_server(self._client, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:  # on its loop: asyncio.Server is not thread-safe
            self._thread.loop.call_soon_threadsafe(self._server.close)
        for writer in list(self._writers):
            self._thread.loop.call_soon_threadsafe(writer.close)
        self._thread.stop()

    def url(self, userinfo: str = "") -> str:
        return f"http://{userinfo + '@' if userinfo else ''}127.0.0.1:{self.port}"

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            await self._relay(reader, writer)
        finally:
            writer.close()
            self._writers.discard(writer)

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        line, *header_lines = head.split("\r\n")[:-2]
        headers = dict(h.split(": ", 1) for h in header_lines)
        self.seen.append((line, headers))
        method, target, _ = line.split(" ")
        if method == "CONNECT" and self.connect_reply is not None:
            writer.write(self.connect_reply)
            await writer.drain()
            return
        if method == "CONNECT":
            host, port = target.rsplit(":", 1)
            up_reader, up_writer = await asyncio.open_connection(host, int(port))
            self._writers.add(up_writer)
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        else:
            url = urllib.parse.urlsplit(target)
            up_reader, up_writer = await asyncio.open_connection(url.hostname, url.port or 80)
            self._writers.add(up_writer)
            kept = {k: v for k, v in headers.items() if not k.lower().startswith("proxy-")}
            kept["Connection"] = "close"
            path = url.path + (f"?{url.query}" if url.query else "")
            lines = [f"{method} {path} HTTP/1.1"] + [f"{k}: {v}" for k, v in kept.items()]
            up_writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        try:
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            up_writer.close()
            self._writers.discard(up_writer)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


@dataclass(frozen=True)
class CertFiles:
    """PEM files in one directory: a CA, a server cert for ``hosts``, a client cert."""

    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path

    def server_context(self, *, require_client_cert: bool = False) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.server_cert, self.server_key)
        if require_client_cert:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(self.ca)
        return ctx


def make_certs(directory: Path, hosts: tuple[str, ...] = ("127.0.0.1", "localhost")) -> CertFiles:
    """A fresh CA plus server and client certificates (``cryptography``), in ``directory``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def write(
        stem: str, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate
    ) -> tuple[Path, Path]:
        cert_path, key_path = directory / f"{stem}.crt", directory / f"{stem}.key"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return cert_path, key_path

    def builder(
        subject: str, issuer: str, key: ec.EllipticCurvePrivateKey
    ) -> x509.CertificateBuilder:
        return (
            x509.CertificateBuilder()
            .subject_name(name(subject))
            .issuer_name(name(issuer))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
        )

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        builder("gossamer test CA", "gossamer test CA", ca_key)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, _ = write("ca", ca_key, ca_cert)
    aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key())

    def leaf(
        stem: str, usage: x509.ObjectIdentifier, sans: list[x509.GeneralName]
    ) -> tuple[Path, Path]:
        key = ec.generate_private_key(ec.SECP256R1())
        b = (
            builder(stem, "gossamer test CA", key)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(aki, critical=False)
        )
        if sans:
            b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        return write(stem, key, b.sign(ca_key, hashes.SHA256()))

    sans: list[x509.GeneralName] = []
    for host in hosts:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            sans.append(x509.DNSName(host))
    server_cert, server_key = leaf("server", ExtendedKeyUsageOID.SERVER_AUTH, sans)
    client_cert, client_key = leaf("client", ExtendedKeyUsageOID.CLIENT_AUTH, [])
    return CertFiles(ca_path, server_cert, server_key, client_cert, client_key)


def refused_port() -> tuple[socket.socket, int]:
    """A loopback port that refuses connections: bound, never listening. Keep the
    socket open for as long as the port must stay refused."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock, sock.getsockname()[1]


# --- the tools themselves -------------------------------------------------------


def test_recorder_records_method_path_headers_and_body() -> None:
    """The recorder keeps what a plain urllib client sent and replies as routed."""
    with Recorder() as rec:
        rec.routes["/teapot"] = Reply(418, b"short and stout")
        req = urllib.request.Request(rec.url("/teapot?x=1"), data=b"hi", method="PUT")
        req.add_header("X-Test", "yes")
        try:
            urllib.request.urlopen(req, timeout=10)
        except urllib.error.HTTPError as exc:
            assert exc.code == 418
        (seen,) = rec.wait_for(1)
    assert (seen.method, seen.path, seen.query, seen.body) == ("PUT", "/teapot", "x=1", b"hi")
    assert seen.header("x-test") == "yes"


def test_forward_proxy_relays_absolute_uri_requests() -> None:
    """A request sent through the proxy reaches the recorder with an origin-form path."""
    with Recorder() as rec, ForwardProxy() as proxy:
        handler = urllib.request.ProxyHandler({"http": proxy.url()})
        opener = urllib.request.build_opener(handler)
        assert opener.open(rec.url("/via"), timeout=10).read() == b"ok"
        (seen,) = rec.wait_for(1)
    assert seen.path == "/via"
    assert proxy.seen[0][0] == f"GET {rec.url('/via')} HTTP/1.1"


def test_certificates_make_a_working_tls_pair(tmp_path: Path) -> None:
    """The generated server certificate verifies against the generated CA."""
    certs = make_certs(tmp_path)
    with Recorder(certs.server_context()) as rec:
        client = ssl.create_default_context(cafile=str(certs.ca))
        body = urllib.request.urlopen(rec.url("/tls"), context=client, timeout=10).read()
    assert body == b"ok"

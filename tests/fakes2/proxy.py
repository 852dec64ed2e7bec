"""A forward proxy that sends every ``CONNECT`` tunnel to one local TLS server.

Integrations with a hard-coded HTTPS endpoint (Pushover, PagerDuty v1) are
captured by pointing ``http_config.proxy_url`` here and trusting the test CA
(``tls_config.ca_file``): the client asks for ``CONNECT api.pushover.net:443``,
the tunnel ends at a ``ServiceServer`` whose certificate names that host, and
the TLS session runs end to end between client and fake. ``targets`` keeps
each ``CONNECT`` target asked for.
"""

from __future__ import annotations

import asyncio

from tests.test_http_client_support import _LoopThread, _pipe


class InterceptingProxy:
    """``CONNECT host:port`` → a tunnel to ``127.0.0.1:<upstream_port>``."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.targets: list[str] = []
        self.heads: list[str] = []
        self._writers: set[asyncio.StreamWriter] = set()
        self._thread = _LoopThread()
        self._server: asyncio.AbstractServer | None = None
        self.port = 0

    def __enter__(self) -> InterceptingProxy:
        self._server = self._thread.call(asyncio.start_server(self._client, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc: object) -> None:
        self._thread.call(self._close())  # asyncio servers are not thread-safe
        self._thread.stop()

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()

    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            self.heads.append(head)
            method, target, _ = head.split("\r\n", 1)[0].split(" ")
            if method != "CONNECT":
                writer.write(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
                return
            self.targets.append(target)
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
            self._writers.add(up_writer)
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            self._writers.discard(writer)

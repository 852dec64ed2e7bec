"""A loopback HTTP(S) server that hands every request to one handler and records it.

Like ``tests.test_http_client_support.Recorder`` (whose ``Recorded``/``Reply``
it reuses) but routed by a single callable, so a fake service sees every path
(OpsGenie aliases, VictorOps keys). It runs its own loop in a daemon thread,
so the reference Alertmanager and gossamer can both talk to it; waiting is on
a condition, never on sleeps.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Callable

from aiohttp import web

from tests.test_http_client_support import Recorded, Reply, _LoopThread

Handler = Callable[[Recorded], Reply]


class ServiceServer:
    """Serve ``handler`` on 127.0.0.1 (port chosen by the kernel); keep ``requests``."""

    def __init__(self, handler: Handler, ssl_context: ssl.SSLContext | None = None) -> None:
        self.handler = handler
        self.requests: list[Recorded] = []
        self._ssl = ssl_context
        self._cond = threading.Condition()
        self._thread = _LoopThread()
        self._runner: web.AppRunner | None = None
        self.port = 0

    def __enter__(self) -> ServiceServer:
        self._thread.call(self._start())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._runner is not None:
            self._thread.call(self._runner.cleanup())
        self._thread.stop()

    async def _start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
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
            path=request.raw_path.partition("?")[0],
            query=request.raw_path.partition("?")[2],
            headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.raw_headers],
            body=await request.read(),
            version=f"{request.version.major}.{request.version.minor}",
        )
        reply = self.handler(seen)
        with self._cond:
            self.requests.append(seen)
            self._cond.notify_all()
        return web.Response(status=reply.status, body=reply.body, headers=reply.headers)

    def url(self, path: str = "/", *, host: str = "127.0.0.1") -> str:
        scheme = "https" if self._ssl else "http"
        return f"{scheme}://{host}:{self.port}{path}"

    def wait_for(
        self, count: int, where: Callable[[Recorded], bool] | None = None, timeout: float = 20
    ) -> list[Recorded]:
        """Block until ``count`` requests (matching ``where``) have arrived."""

        def matching() -> list[Recorded]:
            return [r for r in self.requests if where is None or where(r)]

        with self._cond:
            if not self._cond.wait_for(lambda: len(matching()) >= count, timeout=timeout):
                raise TimeoutError(f"{len(matching())} of {count} requests arrived")
            return matching()

    async def await_for(
        self, count: int, where: Callable[[Recorded], bool] | None = None
    ) -> list[Recorded]:
        """``wait_for`` from async code without blocking the caller's loop."""
        return await asyncio.to_thread(self.wait_for, count, where)

"""Alertmanager's ``limitHandler``: ``--web.get-concurrency`` and ``--web.timeout``.

* At most N GET requests are handled at once (N from the flag; zero or less
  means the number of CPUs or 8, whichever is larger, as GOMAXPROCS gives it).
  One more is refused at once: 503 ``Limit of concurrent GET requests reached
  (N), try again later.`` (``http.Error``, so two newlines end it).
* With a positive ``--web.timeout`` every request answers 503 ``Exceeded
  configured timeout of <d>.`` when its handler is not done in time; as with
  ``http.TimeoutHandler``, the handler keeps running and its answer is dropped.

ServeMux's redirects come before this layer, as in Alertmanager. Runs on the
HTTP event loop, so the in-flight count needs no lock.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable

from gossamer.api import http
from gossamer.api.http import Request, Response
from gossamer.config.scalars import format_go_duration

__all__ = ["Limiter"]


class Limiter:
    """The GET concurrency limit and the request timeout of one API."""

    def __init__(self, get_concurrency: int, timeout_s: float) -> None:
        self.max_gets = get_concurrency if get_concurrency > 0 else max(os.cpu_count() or 1, 8)
        self.timeout_s = timeout_s
        self.in_flight = 0
        self.refused = 0
        self._running: set[asyncio.Task[Response]] = set()

    def __repr__(self) -> str:
        return f"<Limiter gets={self.in_flight}/{self.max_gets} refused={self.refused} timeout={self.timeout_s}s>"

    async def run(self, request: Request, handler: Callable[[], Awaitable[Response]]) -> Response:
        """Answer ``request`` with ``handler`` within the limits."""
        if self.timeout_s <= 0:
            return await self._limited(request, handler)
        started = time.monotonic()
        task = asyncio.ensure_future(self._limited(request, handler))
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        try:
            response = await asyncio.wait_for(asyncio.shield(task), self.timeout_s)
        except TimeoutError:
            return self._timed_out()
        # A handler done only after the deadline loses the race in Go too.
        return self._timed_out() if time.monotonic() - started > self.timeout_s else response

    def _timed_out(self) -> Response:
        duration = format_go_duration(round(self.timeout_s * 1e9))
        return Response(503, f"Exceeded configured timeout of {duration}.\n".encode(), http.TEXT)

    async def _limited(
        self, request: Request, handler: Callable[[], Awaitable[Response]]
    ) -> Response:
        if request.method != "GET":
            return await handler()
        if self.in_flight >= self.max_gets:
            self.refused += 1
            message = (
                f"Limit of concurrent GET requests reached ({self.max_gets}), try again later.\n"
            )
            return http.http_error(503, message)
        self.in_flight += 1
        try:
            return await handler()
        finally:
            self.in_flight -= 1

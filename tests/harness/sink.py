"""A loopback webhook receiver that records notifications for tests to await.

Runs a ThreadingHTTPServer on 127.0.0.1, port 0. Request handlers run on
the server's threads; tests block on a Condition until the notifications
they expect have arrived, so no sleep ever stands in for synchronisation.

The sink's URL carries a random path token and only requests under it are
recorded: on a shared machine, a node left over from some other run may
still be retrying a webhook whose ephemeral port this sink now holds.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Predicate = Callable[["Notification"], bool]


@dataclass(frozen=True)
class Notification:
    """One request received by the sink."""

    index: int  # 1-based arrival order
    arrived: float  # time.monotonic() when the body had been read
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes
    answered: int  # the status the sink replied with

    @property
    def json(self) -> Any:
        """The body parsed as JSON (None when it is not JSON)."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def __repr__(self) -> str:
        doc = self.json if isinstance(self.json, dict) else {}
        summary = f"{doc.get('receiver')} {doc.get('status')} {len(doc.get('alerts', []))} alerts"
        return (
            f"<Notification #{self.index} {self.method} {self.path} {summary} -> {self.answered}>"
        )


class WebhookSink:
    """Records every request; answers scripted statuses first, then 200.

    `wait_for*` methods block the calling (test) thread; the HTTP handler
    threads append under the same lock and notify the Condition.
    """

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._cond = threading.Condition()
        self._received: list[Notification] = []
        self._script: deque[int] = deque()
        self._strays = 0
        self.token = secrets.token_hex(6)
        self._server = ThreadingHTTPServer((host, 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="webhook-sink", daemon=True
        )

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> WebhookSink:
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving and release the port."""
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> WebhookSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def url(self) -> str:
        """Base URL to put into a webhook receiver's `url`."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/{self.token}"

    # ------------------------------------------------------------------ scripting
    def script(self, *statuses: int) -> None:
        """Answer the next requests with these statuses, in order, then 200 again."""
        with self._cond:
            self._script.extend(statuses)

    def _record(self, method: str, path: str, headers: dict[str, str], body: bytes) -> int:
        """Called on a handler thread: store the request, pick the status, wake waiters.

        `path` is recorded without the sink's token; a request outside the
        token is counted as a stray and answered 404.
        """
        prefix = f"/{self.token}"
        if path != prefix and not path.startswith(prefix + "/"):
            with self._cond:
                self._strays += 1
            return 404
        path = path[len(prefix) :] or "/"
        with self._cond:
            status = self._script.popleft() if self._script else 200
            note = Notification(
                len(self._received) + 1, time.monotonic(), method, path, headers, body, status
            )
            self._received.append(note)
            self._cond.notify_all()
        return status

    # ------------------------------------------------------------------ waiting
    @property
    def notifications(self) -> list[Notification]:
        """Snapshot of everything received so far, in arrival order."""
        with self._cond:
            return list(self._received)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Notification]:
        """Block until at least `count` requests arrived; return all received."""
        return self.wait_for_matching(lambda _: True, count, timeout)

    def nth(self, n: int, timeout: float = 10.0) -> Notification:
        """Block until the `n`-th (1-based) request arrived and return it."""
        return self.wait_for(n, timeout)[n - 1]

    def wait_for_matching(
        self, predicate: Predicate, count: int = 1, timeout: float = 10.0
    ) -> list[Notification]:
        """Block until `count` received requests satisfy `predicate`; return those."""
        with self._cond:
            ok = self._cond.wait_for(
                lambda: len(self._matching(predicate)) >= count, timeout=timeout
            )
            matching = self._matching(predicate)
            if not ok:
                raise AssertionError(
                    f"{self!r}: wanted {count} matching notification(s) within {timeout}s, "
                    f"got {len(matching)}; all received: {self._received}"
                )
            return matching

    def _matching(self, predicate: Predicate) -> list[Notification]:
        return [n for n in self._received if predicate(n)]

    def statistics(self) -> dict[str, int]:
        """Counts of received requests and of statuses still scripted."""
        with self._cond:
            return {
                "received": len(self._received),
                "scripted": len(self._script),
                "strays": self._strays,
            }

    def __repr__(self) -> str:
        stats = self.statistics()
        counts = " ".join(f"{k}={v}" for k, v in stats.items())
        return f"<WebhookSink {self.url} {counts}>"

    # ------------------------------------------------------------------ HTTP
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            """Reads the whole body, records it, answers the scripted status."""

            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (http.server naming)
                body = self._read_body()
                headers = {k.lower(): v for k, v in self.headers.items()}
                status = sink._record(self.command, self.path, headers, body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_PUT = do_POST  # noqa: N815

            def _read_body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
                    return self.rfile.read(int(self.headers.get("Content-Length") or 0))
                chunks = []
                while size := int(self.rfile.readline().split(b";")[0], 16):
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                self.rfile.readline()  # the empty line after the last chunk
                return b"".join(chunks)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                """Silence the default stderr access log."""

        return Handler

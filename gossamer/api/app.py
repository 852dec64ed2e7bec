"""The ASGI application: Alertmanager's routing layers and every endpoint's handler.

A request meets the layers Alertmanager 0.25 puts in front of its handlers
(:mod:`mux`: ServeMux redirects, then the httprouter of the management
endpoints; :mod:`openapi`: CORS and go-openapi for ``/api/v2/``).

Runs on the node's event loop. Writes are ``tell``s to actors; reads await a
reply the owning actor delivers back to the loop, never a blocking ``ask``.
"""

from __future__ import annotations

import asyncio
import gzip
from typing import Protocol

from loguru import logger
from prometheus_client import CollectorRegistry, generate_latest

from actors.messages import GroupView
from gossamer.alert import Alert
from gossamer.api import http
from gossamer.api.http import Request, Response, Scope, Send
from gossamer.api.limits import Limiter
from gossamer.api.models import AlertmanagerStatus, ReceiverName
from gossamer.api.mux import Handler, Router, serve_mux
from gossamer.api.openapi import OpenAPI
from gossamer.api.postalerts import FrameworkReject, NilAlert, decode_body, validate_batch
from gossamer.api.silences import SilenceApi, SilenceBackend
from gossamer.api.urls import unescape_path
from gossamer.api.views import (
    AlertFilter,
    AlertLister,
    Mutes,
    is_listed,
    parse_filter,
    render_groups,
)
from gossamer.errors import MatcherError
from gossamer.flags import Flags
from gossamer.metrics import NodeMetrics
from gossamer.routing import Route

#: promhttp's text format and content type (client_golang 1.14, no OpenMetrics).
METRICS_CONTENT_TYPE = b"text/plain; version=0.0.4; charset=utf-8"


class NodeFacade(SilenceBackend, Protocol):
    """What the API needs of a node (implemented by ``gossamer.node.Node``)."""

    metrics: NodeMetrics
    registry: CollectorRegistry
    max_body_bytes: int
    flags: Flags

    def now_ns(self) -> int: ...
    def resolve_timeout_s(self) -> float: ...
    def route_tree(self) -> Route: ...
    def receiver_names(self) -> list[str]: ...
    def ingest(self, alerts: list[Alert]) -> None: ...
    async def list_alerts(self) -> list[Alert]: ...
    async def list_groups(self) -> list[GroupView]: ...
    async def inhibited_by(self, alerts: list[Alert]) -> dict[int, int]: ...
    async def silenced_by(self, alerts: list[Alert]) -> dict[int, list[str]]: ...
    def status(self) -> AlertmanagerStatus: ...
    async def reload(self) -> str | None: ...
    async def refresh_gauges(self) -> None: ...
    def healthy(self) -> bool: ...
    def ready(self) -> bool: ...


class Api:
    """The ASGI callable. ``route_prefix`` is ``/`` or a path like ``/alertmanager``."""

    def __init__(self, node: NodeFacade, route_prefix: str = "/") -> None:
        self.node = node
        self.prefix = "/" + route_prefix.strip("/") if route_prefix.strip("/") else ""
        self.api_root = self.prefix + "/api/v2"
        self.lister = AlertLister()
        silences = SilenceApi(node)
        self.openapi = OpenAPI(
            {
                "/api/v2/alerts": {"GET": self.get_alerts, "POST": self.post_alerts},
                "/api/v2/alerts/groups": {"GET": self.get_groups},
                "/api/v2/receivers": {"GET": self.get_receivers},
                "/api/v2/silences": {"GET": silences.list, "POST": silences.post},
                "/api/v2/silence/{silenceID}": {"GET": silences.get_one, "DELETE": silences.delete},
                "/api/v2/status": {"GET": self.get_status},
            },
            lambda: self.node.max_body_bytes,
        )
        routes: dict[str, dict[str, Handler]] = {
            "/metrics": {"GET": self.metrics},
            "/-/reload": {"POST": self.reload},
            "/-/healthy": {"GET": self.healthy, "HEAD": self.healthy},
            "/-/ready": {"GET": self.ready, "HEAD": self.ready},
        }
        routes = {self.prefix + path: methods for path, methods in routes.items()}
        if self.prefix:
            routes["/"] = {"GET": self.to_prefix}
        self.router = Router(routes)
        self.limiter = Limiter(node.flags.web_get_concurrency, node.flags.web_timeout)

    def __repr__(self) -> str:
        return f"<Api prefix={self.prefix or '/'!r} {self.lister!r} {self.limiter!r}>"

    async def __call__(self, scope: Scope, receive: http.Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        response = await self.dispatch(scope, receive)
        await http.send_response(send, response, head_only=scope["method"] == "HEAD")

    async def dispatch(self, scope: Scope, receive: http.Receive) -> Response:
        raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        path = unescape_path(raw_path)
        if path is None:  # Go's server refuses a malformed request target
            return Response(
                400, b"400 Bad Request", http.TEXT, [(b"connection", b"close")], sized=False
            )
        request = Request(scope, path, raw_path, receive)
        redirect = serve_mux(request, self.api_root)
        if redirect is not None:
            return redirect
        return await self.limiter.run(request, lambda: self._route(request))

    async def _route(self, request: Request) -> Response:
        if request.path.startswith(self.api_root + "/"):
            return await self.openapi.serve(request, self.prefix)
        return await self.router.serve(request)

    # Alerts ---------------------------------------------------------------
    async def post_alerts(self, request: Request) -> Response:
        limit = self.node.max_body_bytes
        body = await request.body(limit)
        if body is None:
            message = f"request body is larger than the limit of {limit} bytes (--web.max-request-body-bytes)"
            return http.error_string(413, message)
        if not body:
            return http.framework_error(422, 602, "alerts in body is required")
        try:
            posted = decode_body(body)
        except FrameworkReject as exc:
            return http.framework_error(exc.status, exc.code, exc.message)
        except NilAlert:
            # Alertmanager 0.25 dereferences the nil alert and its server drops
            # the connection; an ASGI app cannot, so the nearest answer is a 500.
            logger.warning("POST /api/v2/alerts: a null alert in the batch; nothing stored")
            return http.http_error(500, "Internal Server Error")
        batch = validate_batch(posted, self.node.now_ns(), self.node.resolve_timeout_s())
        metrics = self.node.metrics
        metrics.received_firing.inc(batch.firing)
        metrics.received_resolved.inc(batch.resolved)
        if batch.valid:
            self.node.ingest(batch.valid)
        if batch.errors:
            metrics.invalid_v2.inc(len(batch.errors))
            return http.error_string(400, "; ".join(batch.errors))
        return Response(200)

    def _filter(self, request: Request) -> AlertFilter | Response:
        try:
            return parse_filter(request)
        except MatcherError as exc:
            return http.error_string(400, str(exc))

    async def get_alerts(self, request: Request) -> Response:
        f = self._filter(request)
        if isinstance(f, Response):
            return f
        now = self.node.now_ns()
        alerts = await self.node.list_alerts()
        mutes = await self._mutes([a for a in alerts if is_listed(a, now)])
        body = self.lister.render(alerts, self.node.route_tree(), f, now, mutes)
        return http.json_response(200, body)

    async def get_groups(self, request: Request) -> Response:
        f = self._filter(request)
        if isinstance(f, Response):
            return f
        now = self.node.now_ns()
        groups = await self.node.list_groups()
        listed = {a.fingerprint: a for g in groups for a in g.alerts if is_listed(a, now)}
        mutes = await self._mutes(list(listed.values()))
        body = render_groups(groups, f, now, mutes, self.lister.renderer)
        return http.json_response(200, body)

    async def _mutes(self, alerts: list[Alert]) -> Mutes:
        """Run the inhibitor and the silencer over the alerts about to be listed, as
        Alertmanager's listings do (they update the marker as a side effect)."""
        if not alerts:
            return Mutes()
        inhibited = await self.node.inhibited_by(alerts)
        return Mutes(inhibited, await self.node.silenced_by(alerts))

    async def get_receivers(self, request: Request) -> Response:
        return http.produce(200, [ReceiverName(n) for n in self.node.receiver_names()])

    async def get_status(self, request: Request) -> Response:
        return http.produce(200, self.node.status())

    # Management -------------------------------------------------------------
    async def to_prefix(self, request: Request) -> Response:
        """``GET /`` under a route prefix: 302 to the prefix (cmd/alertmanager)."""
        return http.redirect(request, self.prefix, 302)

    async def healthy(self, request: Request) -> Response:
        if not self.node.healthy():
            return http.text(503, "Service Unavailable: an actor stopped; see the log")
        return Response(200) if request.method == "HEAD" else http.text(200, "OK")

    async def ready(self, request: Request) -> Response:
        if not self.node.ready():
            return http.text(503, "Service Unavailable")
        return Response(200) if request.method == "HEAD" else http.text(200, "OK")

    async def reload(self, request: Request) -> Response:
        error = await self.node.reload()
        if error is not None:
            return http.http_error(500, f"failed to reload config: {error}")
        return Response(200)

    async def metrics(self, request: Request) -> Response:
        """promhttp: the text format, gzipped when the client accepts gzip, streamed."""
        await self.node.refresh_gauges()
        body = await asyncio.to_thread(generate_latest, self.node.registry)
        headers: list[tuple[bytes, bytes]] = []
        if _accepts_gzip(request.header_values(b"accept-encoding")):
            body = await asyncio.to_thread(gzip.compress, body)
            headers.append((b"content-encoding", b"gzip"))
        return Response(200, body, METRICS_CONTENT_TYPE, headers, sized=False)


def _accepts_gzip(values: list[str]) -> bool:
    """promhttp's ``gzipAccepted``: a ``gzip`` entry in any Accept-Encoding header."""
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if part == "gzip" or part.startswith("gzip;"):
                return True
    return False


async def _lifespan(receive: http.Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return

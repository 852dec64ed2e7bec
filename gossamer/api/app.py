"""The ASGI application: routing under the route prefix, and every endpoint's handler.

Runs on the node's event loop. Writes are ``tell``s to actors; reads await a
reply the owning actor delivers back to the loop, never a blocking ``ask``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Protocol

import msgspec
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from actors.messages import GroupView
from gossamer.alert import Alert
from gossamer.api import http
from gossamer.api.http import Request, Response, Scope, Send
from gossamer.api.models import AlertmanagerStatus, ReceiverName
from gossamer.api.postalerts import FrameworkReject, decode_body, validate_batch
from gossamer.api.views import (
    AlertFilter,
    AlertLister,
    parse_filters,
    parse_receiver,
    render_groups,
)
from gossamer.errors import MatcherError
from gossamer.metrics import NodeMetrics
from gossamer.routing import Route

Handler = Callable[[Request], Awaitable[Response]]
_ENCODER = msgspec.json.Encoder()


class NodeFacade(Protocol):
    """What the API needs of a node (implemented by ``gossamer.node.Node``)."""

    metrics: NodeMetrics
    registry: CollectorRegistry
    max_body_bytes: int

    def now_ns(self) -> int: ...
    def resolve_timeout_s(self) -> float: ...
    def route_tree(self) -> Route: ...
    def receiver_names(self) -> list[str]: ...
    def ingest(self, alerts: list[Alert]) -> None: ...
    async def list_alerts(self) -> list[Alert]: ...
    async def list_groups(self) -> list[GroupView]: ...
    def status(self) -> AlertmanagerStatus: ...
    async def reload(self) -> str | None: ...
    def healthy(self) -> bool: ...
    def ready(self) -> bool: ...


class Api:
    """The ASGI callable. ``route_prefix`` is ``/`` or a path like ``/alertmanager``."""

    def __init__(self, node: NodeFacade, route_prefix: str = "/") -> None:
        self.node = node
        self.prefix = "/" + route_prefix.strip("/") if route_prefix.strip("/") else ""
        self.lister = AlertLister()
        self.routes: dict[str, dict[str, Handler]] = {
            "/api/v2/alerts": {"GET": self.get_alerts, "POST": self.post_alerts},
            "/api/v2/alerts/groups": {"GET": self.get_groups},
            "/api/v2/receivers": {"GET": self.get_receivers},
            "/api/v2/status": {"GET": self.get_status},
            "/-/healthy": {"GET": self.healthy, "HEAD": self.healthy},
            "/-/ready": {"GET": self.ready, "HEAD": self.ready},
            "/-/reload": {"POST": self.reload},
            "/metrics": {"GET": self.metrics},
        }

    async def __call__(self, scope: Scope, receive: http.Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        response = await self.dispatch(scope, receive)
        await http.send_response(send, response, head_only=scope["method"] == "HEAD")

    async def dispatch(self, scope: Scope, receive: http.Receive) -> Response:
        path: str = scope["path"]
        if self.prefix:
            if path in ("/", ""):
                return Response(302, b"", None, [(b"location", self.prefix.encode() + b"/")])
            if not path.startswith(self.prefix):
                return http.text(404, "404 page not found\n")
            path = path[len(self.prefix) :] or "/"
        request = Request(scope, path, receive)
        methods = self.routes.get(path)
        if methods is None:
            return self._not_found(request)
        handler = methods.get(request.method)
        if handler is None:
            return self._not_allowed(request, methods)
        response = await handler(request)
        if path.startswith("/api/"):
            response.headers = [*response.headers, (b"vary", b"Origin")]
        return response

    def _not_found(self, request: Request) -> Response:
        if request.path.startswith("/api/v2/"):
            return http.framework_error(404, 404, f"path {request.path} was not found")
        return http.text(404, "404 page not found\n")

    def _not_allowed(self, request: Request, methods: dict[str, Handler]) -> Response:
        if request.path.startswith("/api/v2/"):
            allowed = ",".join(sorted(methods))
            return http.framework_error(
                405, 405, f"method {request.method} is not allowed, but [{allowed}] are"
            )
        return http.text(405, "Method Not Allowed\n")

    # Alerts ---------------------------------------------------------------
    async def post_alerts(self, request: Request) -> Response:
        media = http.media_type(request.header(b"content-type"))
        if media != "application/json":
            return http.framework_error(
                415, 415, f'unsupported media type "{media}", only [application/json] are allowed'
            )
        limit = self.node.max_body_bytes
        body = await request.body(limit)
        if body is None:
            return http.error_string(413, f"request body is larger than the limit of {limit} bytes (--web.max-request-body-bytes)")
        try:
            posted = decode_body(body)
        except FrameworkReject as exc:
            return http.framework_error(exc.status, exc.code, exc.message)
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
            matchers = parse_filters(request.query.get("filter", []))
        except MatcherError as exc:
            return http.error_string(400, str(exc))
        try:
            receiver = parse_receiver(request.param("receiver"))
        except MatcherError as exc:
            return http.error_string(400, f"failed to parse receiver param: {exc}")
        return AlertFilter(
            matchers,
            receiver,
            http.parse_bool(request.param("active"), True),
            http.parse_bool(request.param("silenced"), True),
            http.parse_bool(request.param("inhibited"), True),
        )

    async def get_alerts(self, request: Request) -> Response:
        f = self._filter(request)
        if isinstance(f, Response):
            return f
        alerts = await self.node.list_alerts()
        body = self.lister.render(alerts, self.node.route_tree(), f, self.node.now_ns())
        return http.json_response(200, body)

    async def get_groups(self, request: Request) -> Response:
        f = self._filter(request)
        if isinstance(f, Response):
            return f
        groups = await self.node.list_groups()
        return http.json_response(200, render_groups(groups, f, self.node.now_ns()))

    async def get_receivers(self, request: Request) -> Response:
        names = [ReceiverName(n) for n in self.node.receiver_names()]
        return http.json_response(200, _ENCODER.encode(names))

    async def get_status(self, request: Request) -> Response:
        return http.json_response(200, _ENCODER.encode(self.node.status()))

    # Management -------------------------------------------------------------
    async def healthy(self, request: Request) -> Response:
        if self.node.healthy():
            return http.text(200, "OK")
        return http.text(503, "Service Unavailable: an actor stopped; see the log")

    async def ready(self, request: Request) -> Response:
        if self.node.ready():
            return http.text(200, "OK")
        return http.text(503, "Service Unavailable")

    async def reload(self, request: Request) -> Response:
        error = await self.node.reload()
        if error is not None:
            return http.text(500, f"failed to reload config: {error}")
        return Response(200)

    async def metrics(self, request: Request) -> Response:
        body = await asyncio.to_thread(generate_latest, self.node.registry)
        return Response(200, body, CONTENT_TYPE_LATEST.encode())


async def _lifespan(receive: http.Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return

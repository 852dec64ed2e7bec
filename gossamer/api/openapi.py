"""The v2 API's framework layer: rs/cors and go-openapi's router and request checks.

Alertmanager 0.25 serves ``/api/v2/`` through ``cors.Default()`` (rs/cors 1.8)
wrapped around go-openapi's runtime. This module reproduces what a client sees
of those two before an operation's handler runs:

* CORS: every answer varies on ``Origin``; a request with an ``Origin`` and a
  GET/POST/HEAD method gets ``Access-Control-Allow-Origin: *``; an ``OPTIONS``
  with ``Access-Control-Request-Method`` is a preflight, answered 200 at once.
* Routing: a trailing slash is ignored; an unknown path is 404 and a known
  path with another method 405 with ``Allow`` (go-openapi JSON bodies).
* Request checks: a body's Content-Type must parse (else 400) and be
  ``application/json`` (else 415); the ``Accept`` header must admit JSON
  (else 406). A HEAD request gets the error's headers without its body.

Runs on the HTTP event loop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from gossamer.api import http
from gossamer.api.http import Request, Response
from gossamer.api.mime import MimeError, negotiates_json, parse_media_type
from gossamer.api.urls import escaped_path, path_clean, unescape_path
from gossamer.gostrconv import go_quote

Operation = Callable[[Request], Awaitable[Response]]

__all__ = ["OpenAPI", "Operation"]

_CORS_METHODS = frozenset({"GET", "POST", "HEAD", "OPTIONS"})
_CORS_HEADERS = frozenset({"Origin", "Accept", "Content-Type", "X-Requested-With"})
_CONSUMES = "application/json"


class OpenAPI:
    """The v2 operations: ``{path: {method: handler}}``, paths starting ``/api/v2/``;
    a ``{name}`` segment matches any one non-empty segment (``/silence/{silenceID}``).

    ``max_body`` bounds the body read when a GET carries one (it is only checked
    for its Content-Type, as go-openapi does).
    """

    def __init__(
        self, operations: dict[str, dict[str, Operation]], max_body: Callable[[], int]
    ) -> None:
        self.operations = operations
        self.max_body = max_body
        self._templates = [(p.split("/"), m) for p, m in operations.items() if "{" in p]

    def __repr__(self) -> str:
        return f"<OpenAPI operations={sorted(self.operations)}>"

    async def serve(self, request: Request, prefix: str) -> Response:
        """Answer one request whose path is ``<prefix>/api/v2/...``."""
        if request.method == "OPTIONS" and request.header(b"access-control-request-method"):
            return _preflight(request)
        response = await self._route(request, prefix)
        response.headers = [*response.headers, *_cors_headers(request)]
        if request.method == "HEAD" and response.status >= 400:
            response.body = b""  # go-openapi's ServeError writes no body for HEAD
        return response

    async def _route(self, request: Request, prefix: str) -> Response:
        path = escaped_path(request.raw_path, request.path)[len(prefix) :]
        methods = self._lookup(path_clean(path), request)  # also drops a trailing slash
        operation = methods.get(request.method) if methods else None
        if operation is None:
            if methods:
                allowed = ",".join(methods)
                message = f"method {request.method} is not allowed, but [{allowed}] are"
                response = http.framework_error(405, 405, message)
                response.headers = [(b"allow", allowed.encode())]
                return response
            return http.framework_error(404, 404, f"path {path} was not found")
        rejected = await self._check(request)
        return rejected if rejected is not None else await operation(request)

    def _lookup(self, path: str, request: Request) -> dict[str, Operation] | None:
        """The operations of ``path`` (escaped); template parameters go to ``request.params``."""
        methods = self.operations.get(path)
        if methods is not None:
            return methods
        segments = path.split("/")
        for template, candidate in self._templates:
            if len(template) != len(segments):
                continue
            params = _match_template(template, segments)
            if params is not None:
                request.params = params
                return candidate
        return None

    async def _check(self, request: Request) -> Response | None:
        """go-openapi's ``BindValidRequest`` checks before binding: Content-Type, then Accept."""
        has_body = await _has_body(request, self.max_body())
        if has_body:
            raw = request.header(b"content-type")
            try:
                media = parse_media_type(raw or "application/octet-stream")
            except MimeError as exc:
                message = (
                    f"parsing Content-Type header from {go_quote(raw or '')} failed, because {exc}"
                )
                return http.framework_error(400, 400, message)
            if media != _CONSUMES:
                message = (
                    f"unsupported media type {go_quote(media)}, only [{_CONSUMES}] are allowed"
                )
                return http.framework_error(415, 415, message)
        default = _CONSUMES if has_body else ""
        if not negotiates_json(request.header_values(b"accept"), default):
            message = "unsupported media type requested, only [application/json] are available"
            return http.framework_error(406, 406, message)
        return None


def _match_template(template: list[str], segments: list[str]) -> dict[str, str] | None:
    params: dict[str, str] = {}
    for t, s in zip(template, segments, strict=True):
        if t.startswith("{") and s:
            params[t[1:-1]] = unescape_path(s) or s
        elif t != s:
            return None
    return params


async def _has_body(request: Request, limit: int) -> bool:
    """go-openapi's ``runtime.HasBody``: a positive Content-Length, or bytes to read."""
    declared = request.header(b"content-length")
    if declared is not None:
        return declared.strip().isdigit() and int(declared) > 0
    body = await request.body(limit)
    return body is None or len(body) > 0


def _cors_headers(request: Request) -> list[tuple[bytes, bytes]]:
    """rs/cors ``handleActualRequest``."""
    headers = [(b"vary", b"Origin")]
    if request.header(b"origin") and request.method.upper() in _CORS_METHODS:
        headers.append((b"access-control-allow-origin", b"*"))
    return headers


def _preflight(request: Request) -> Response:
    """rs/cors ``handlePreflight``: always 200; allow headers only for an acceptable request."""
    headers = [
        (b"vary", b"Origin"),
        (b"vary", b"Access-Control-Request-Method"),
        (b"vary", b"Access-Control-Request-Headers"),
    ]
    method = (request.header(b"access-control-request-method") or "").upper()
    wanted = _header_list(request.header(b"access-control-request-headers") or "")
    if request.header(b"origin") and method in _CORS_METHODS and set(wanted) <= _CORS_HEADERS:
        headers.append((b"access-control-allow-origin", b"*"))
        headers.append((b"access-control-allow-methods", method.encode("latin-1")))
        if wanted:
            headers.append((b"access-control-allow-headers", ", ".join(wanted).encode("latin-1")))
    return Response(200, headers=headers)


def _header_list(text: str) -> list[str]:
    """rs/cors ``parseHeaderList``: split on spaces and commas, canonicalise letter case."""
    headers: list[str] = []
    current: list[str] = []
    upper = True
    for i, ch in enumerate(text):
        if ch.isascii() and ch.isalpha():
            current.append(ch.upper() if upper else ch.lower())
        elif ch in "-_." or ch.isascii() and ch.isdigit():
            current.append(ch)
        if ch in " ," or i == len(text) - 1:
            if current:
                headers.append("".join(current))
                current = []
                upper = True
        else:
            upper = ch == "-"
    return headers

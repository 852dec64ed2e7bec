"""Request routing outside the v2 API, as Alertmanager's Go servers route.

Two layers, in the order a request meets them:

1. ``net/http.ServeMux`` (:func:`serve_mux`): a path that is not clean
   (``//``, ``/./``, ``/../``) is redirected (301) to its clean form, and the
   bare ``/api/v2`` to ``/api/v2/``. Paths under ``/api/v2/`` go to the API;
   everything else to the router.
2. ``julienschmidt/httprouter`` (:class:`Router`) for ``/metrics`` and the
   ``/-/`` endpoints: a wrong trailing slash or letter case is redirected
   (301 for GET, 307 otherwise), ``OPTIONS`` answers 200 with ``Allow``, a
   wrong method 405 ``Method Not Allowed`` with ``Allow``, anything else
   ``404 page not found``.

Runs on the HTTP event loop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from gossamer.api import http
from gossamer.api.http import Request, Response
from gossamer.api.urls import clean_path

Handler = Callable[[Request], Awaitable[Response]]

__all__ = ["Handler", "Router", "serve_mux"]


def serve_mux(request: Request, api_root: str) -> Response | None:
    """ServeMux's redirects; None when the request goes on to a handler.

    ``api_root`` is ``<prefix>/api/v2``, mounted as the subtree ``<prefix>/api/v2/``.
    """
    cleaned = clean_path(request.path)
    if cleaned == api_root:
        target = http.redirect_url(cleaned + "/", request.raw_query)
        return http.redirect(request, target, 301)
    if cleaned != request.path:
        return http.redirect(request, http.redirect_url(cleaned, request.raw_query), 301)
    return None


class Router:
    """httprouter over static paths: ``{path: {method: handler}}``."""

    def __init__(self, routes: dict[str, dict[str, Handler]]) -> None:
        self.routes = routes
        self._by_method: dict[str, set[str]] = {}
        for path, methods in routes.items():
            for method in methods:
                self._by_method.setdefault(method, set()).add(path)

    def __repr__(self) -> str:
        return f"<Router paths={sorted(self.routes)}>"

    async def serve(self, request: Request) -> Response:
        path, method = request.path, request.method
        handler = self.routes.get(path, {}).get(method)
        if handler is not None:
            return await handler(request)
        fixed = self._fixed_path(path, method)
        if fixed is not None:
            code = 301 if method == "GET" else 307
            return http.redirect(request, http.redirect_url(fixed, request.raw_query), code)
        allow = self.allowed(path, method)
        if method == "OPTIONS":
            if allow:
                return Response(200, headers=[(b"allow", allow.encode())])
        elif allow:
            return http.http_error(405, "Method Not Allowed", [(b"allow", allow.encode())])
        return http.not_found()

    def _fixed_path(self, path: str, method: str) -> str | None:
        """The path to redirect to: the trailing slash fixed, else a case-insensitive match."""
        tree = self._by_method.get(method)
        if not tree or method == "CONNECT" or path == "/":
            return None
        if path.endswith("/") and path[:-1] in tree:
            return path[:-1]
        if path + "/" in tree:
            return path + "/"
        wanted = clean_path(path).lower()
        for candidate in sorted(tree):
            lowered = candidate.lower()
            if wanted in (lowered, lowered + "/") or wanted + "/" == lowered:
                return candidate
        return None

    def allowed(self, path: str, method: str) -> str:
        """httprouter's ``Allow`` value: the other methods of ``path``, plus OPTIONS, sorted."""
        methods = [m for m in self.routes.get(path, {}) if m not in (method, "OPTIONS")]
        if not methods:
            return ""
        return ", ".join(sorted([*methods, "OPTIONS"]))

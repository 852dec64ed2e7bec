"""Minimal ASGI plumbing: requests, responses and the bodies Go's servers write.

Alertmanager answers from three Go layers, each with its own error shapes:
``net/http`` (``http.Error``, ``http.Redirect``), go-openapi (``{"code","message"}``
objects) and its handlers (a JSON string). The helpers here build each shape
byte for byte. Everything runs on the HTTP event loop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote_to_bytes

import msgspec

from gossamer.api.gojson import encode_response, marshal
from gossamer.api.models import FrameworkError
from gossamer.api.urls import clean_path, escape_path

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

JSON = b"application/json"
TEXT = b"text/plain; charset=utf-8"
HTML = b"text/html; charset=utf-8"
#: net/http's ``bufferBeforeChunkingSize``: a longer body is sent chunked.
GO_BUFFER = 2048
_TRUE_WORDS = frozenset(
    {"true", "1", "yes", "ok", "y", "on", "selected", "checked", "t", "enabled"}
)
_STATUS_TEXT = {
    301: "Moved Permanently",
    302: "Found",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
}


class Request:
    """One HTTP request: method, paths, Go-parsed query and headers.

    ``path`` is the decoded path (bytes that are not UTF-8 kept as
    ``surrogateescape``), ``raw_path`` the path as sent, ``query`` the query
    parsed as Go's ``url.ParseQuery`` does (pairs with ``;`` or a bad escape
    are dropped, ``+`` is a space).
    """

    def __init__(self, scope: Scope, path: str, raw_path: str, receive: Receive) -> None:
        self.method: str = scope["method"]
        self.path = path
        self.raw_path = raw_path
        self.raw_query: str = scope.get("query_string", b"").decode("latin-1")
        self.query = parse_query(self.raw_query)
        self.header_list: list[tuple[bytes, bytes]] = [
            (k.lower(), v) for k, v in scope.get("headers", [])
        ]
        self.headers: dict[bytes, bytes] = {}
        for key, value in self.header_list:
            self.headers.setdefault(key, value)
        #: Path parameters a route template matched (decoded), e.g. ``silenceID``.
        self.params: dict[str, str] = {}
        self._receive = receive
        self._body: bytes | None = None

    def header(self, name: bytes) -> str | None:
        """The first value of a header, or None when absent."""
        value = self.headers.get(name)
        return value.decode("latin-1") if value is not None else None

    def header_values(self, name: bytes) -> list[str]:
        """Every value of a header, one per header line."""
        return [v.decode("latin-1") for k, v in self.header_list if k == name]

    def last(self, name: str) -> str | None:
        """go-swagger's single-valued parameter: the last value given, None when absent."""
        values = self.query.get(name)
        return values[-1] if values else None

    async def body(self, limit: int) -> bytes | None:
        """The whole body (read once), or None when it is larger than ``limit`` bytes."""
        if self._body is not None:
            return self._body
        declared = self.header(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await self._receive()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                self._body = b"".join(chunks)
                return self._body

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.raw_path}{'?' + self.raw_query if self.raw_query else ''}>"


def parse_query(raw: str) -> dict[str, list[str]]:
    """Go's ``url.ParseQuery`` (Go 1.17+), keeping every valid pair in order."""
    values: dict[str, list[str]] = {}
    for pair in raw.split("&"):
        if ";" in pair or pair == "":
            continue
        key, _, value = pair.partition("=")
        k, v = _query_unescape(key), _query_unescape(value)
        if k is not None and v is not None:
            values.setdefault(k, []).append(v)
    return values


def _query_unescape(text: str) -> str | None:
    """``url.QueryUnescape``: ``+`` is a space; None for a malformed ``%`` escape."""
    i = text.find("%")
    while i >= 0:
        if len(text) < i + 3 or not _is_hex(text[i + 1 : i + 3]):
            return None
        i = text.find("%", i + 3)
    data = unquote_to_bytes(text.replace("+", " ").encode("latin-1", "replace"))
    return data.decode("utf-8", "surrogateescape")


def _is_hex(text: str) -> bool:
    return len(text) == 2 and all(c in "0123456789abcdefABCDEF" for c in text)


class Response(msgspec.Struct):
    """A response. ``sized`` False leaves out Content-Length (Go streams the body)."""

    status: int
    body: bytes = b""
    content_type: bytes | None = None
    headers: list[tuple[bytes, bytes]] = []
    sized: bool = True


def json_response(status: int, body: bytes) -> Response:
    return Response(status, body, JSON)


def produce(status: int, payload: Any) -> Response:
    """A go-openapi handler response: the payload as its JSON producer writes it."""
    return Response(status, encode_response(payload), JSON)


def error_string(status: int, message: str) -> Response:
    """A handler error: the message as a JSON string plus a newline (api.md §0)."""
    return produce(status, message)


def framework_error(status: int, code: int, message: str) -> Response:
    """A go-openapi error: ``{"code":…,"message":…}``, HTML-escaped as ``json.Marshal`` does."""
    return Response(status, marshal(FrameworkError(code, message)), JSON)


def text(status: int, body: str) -> Response:
    """A handler's plain-text body (Go sniffs it as ``text/plain; charset=utf-8``)."""
    return Response(status, body.encode(), TEXT)


def http_error(
    status: int, message: str, headers: list[tuple[bytes, bytes]] | None = None
) -> Response:
    """Go's ``http.Error``: the message and a newline, with ``X-Content-Type-Options: nosniff``."""
    extra = [(b"x-content-type-options", b"nosniff"), *(headers or [])]
    return Response(status, message.encode() + b"\n", TEXT, extra)


def not_found() -> Response:
    """Go's ``http.NotFound``."""
    return http_error(404, "404 page not found")


def redirect(request: Request, location: str, status: int) -> Response:
    """Go's ``http.Redirect`` to a local path: the cleaned path, a tiny HTML body for GET."""
    path, question, query = location.partition("?")
    cleaned = clean_path(path) if path.startswith("/") else path
    if path.endswith("/") and not cleaned.endswith("/"):
        cleaned += "/"
    url = _hex_escape_non_ascii(cleaned + question + query)
    headers = [(b"location", url.encode("latin-1"))]
    if request.method not in ("GET", "HEAD"):
        return Response(status, b"", None, headers)
    body = b""
    if request.method == "GET":
        body = f'<a href="{_html_escape(url)}">{_STATUS_TEXT[status]}</a>.\n\n'.encode()
    return Response(status, body, HTML, headers)


def redirect_url(path: str, raw_query: str) -> str:
    """``url.URL{Path: path, RawQuery: q}.String()`` for a server-side path."""
    return escape_path(path) + ("?" + raw_query if raw_query else "")


def _hex_escape_non_ascii(url: str) -> str:
    """net/http's ``hexEscapeNonASCII``: bytes from 0x80 up as lower-case ``%xx``."""
    data = url.encode("utf-8", "surrogateescape")
    return "".join(chr(b) if b < 0x80 else f"%{b:02x}" for b in data)


def _html_escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("'", "&#39;").replace("<", "&lt;")
        .replace(">", "&gt;").replace('"', "&#34;")
    )  # fmt: skip


async def send_response(send: Send, response: Response, head_only: bool = False) -> None:
    """Write the response with Go's framing: a Content-Length when the whole body fit
    in net/http's 2 KiB buffer (else chunked), and for HEAD only if a body was written."""
    headers = list(response.headers)
    if response.content_type is not None:
        headers.append((b"content-type", response.content_type))
    sized = response.sized and len(response.body) <= GO_BUFFER
    if sized and (response.body or not head_only):
        headers.append((b"content-length", str(len(response.body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head_only else response.body})


def parse_bool(value: str | None, default: bool) -> bool:
    """go-swagger's boolean query parameter: absent or empty is the default; ``swag.ConvertBool``
    reads the listed words (any case, no trimming) as true and anything else as false."""
    if not value:
        return default
    return value.lower() in _TRUE_WORDS

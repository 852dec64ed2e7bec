"""Minimal ASGI plumbing: requests, responses and Alertmanager's error bodies."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

import msgspec

from gossamer.api.models import FrameworkError

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

JSON = b"application/json"
TEXT = b"text/plain; charset=utf-8"


class Request:
    """One HTTP request: method, path below the route prefix, query and headers."""

    def __init__(self, scope: Scope, path: str, receive: Receive) -> None:
        self.method: str = scope["method"]
        self.path = path
        self.query: dict[str, list[str]] = parse_qs(
            scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True
        )
        self.headers: dict[bytes, bytes] = {k.lower(): v for k, v in scope.get("headers", [])}
        self._receive = receive

    def header(self, name: bytes) -> str | None:
        value = self.headers.get(name)
        return value.decode("latin-1") if value is not None else None

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    async def body(self, limit: int) -> bytes | None:
        """The whole body, or None when it is larger than ``limit`` bytes."""
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
                return b"".join(chunks)


class Response(msgspec.Struct):
    status: int
    body: bytes = b""
    content_type: bytes | None = None
    headers: list[tuple[bytes, bytes]] = []


def json_response(status: int, body: bytes) -> Response:
    return Response(status, body, JSON)


def error_string(status: int, message: str) -> Response:
    """A handler error: the message as a JSON string plus a newline (api.md §0)."""
    return json_response(status, json.dumps(message).encode() + b"\n")


def framework_error(status: int, code: int, message: str) -> Response:
    """A go-swagger error: ``{"code":…,"message":…}``."""
    return json_response(status, msgspec.json.encode(FrameworkError(code, message)))


def text(status: int, body: str) -> Response:
    return Response(status, body.encode(), TEXT)


async def send_response(send: Send, response: Response, head_only: bool = False) -> None:
    headers = list(response.headers)
    if response.content_type is not None:
        headers.append((b"content-type", response.content_type))
    headers.append((b"content-length", str(len(response.body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head_only else response.body})


def media_type(content_type: str | None) -> str:
    """The bare media type of a Content-Type header; Go's default when it is absent."""
    if not content_type:
        return "application/octet-stream"
    return content_type.split(";", 1)[0].strip().lower()


def parse_bool(value: str | None, default: bool) -> bool:
    """go-openapi's boolean query parsing (unknown words read as false)."""
    if value is None:
        return default
    return value.strip().lower() in {"true", "1", "yes", "ok", "y", "on", "selected", "checked", "t", "enabled"}

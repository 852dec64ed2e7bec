"""A tiny blocking HTTP client for talking to nodes.

Built on http.client rather than a higher-level library so that tests can
send exactly what they mean: no Content-Type at all, a wrong one, HEAD
requests, raw garbage bodies.
"""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode


@dataclass(frozen=True)
class Reply:
    """One HTTP answer: status, headers (names lower-cased) and raw body."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The body decoded as UTF-8."""
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)

    @property
    def content_type(self) -> str:
        """The Content-Type header, or "" when absent."""
        return self.headers.get("content-type", "")


def query_string(params: dict[str, str | list[str]] | None) -> str:
    """`?a=1&filter=x&filter=y` for a mapping whose values may be lists."""
    if not params:
        return ""
    return "?" + urlencode(params, doseq=True)


def request(
    host: str,
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> Reply:
    """Send one request on a fresh connection and read the whole answer."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return Reply(resp.status, data, {k.lower(): v for k, v in resp.getheaders()})
    finally:
        conn.close()

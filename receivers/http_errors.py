"""Transport failures worded as Go's ``*url.Error`` (``Post "<url>": <cause>``).

``describe_transport_error`` translates aiohttp's and the standard library's
exceptions into the cause Go's ``net/http`` would print: dial errors, x509
verification, proxy failures, hang-ups. Pure functions, safe on any thread.
"""

from __future__ import annotations

import asyncio
import functools
import traceback

import aiohttp
import yarl

__all__ = ["describe_transport_error", "go_error_op", "strip_password"]

# OpenSSL verify codes Go reports as "certificate signed by unknown authority":
# unable to get issuer (2, 20), self-signed leaf (18) or in chain (19).
_UNKNOWN_AUTHORITY = frozenset({2, 18, 19, 20})


def strip_password(url: str) -> str:
    """Go's ``stripPassword``: ``user:secret@`` becomes ``user:***@`` in error text."""
    try:
        parsed = yarl.URL(url)
    except ValueError:
        return url
    if parsed.raw_password is None:
        return url
    return url.replace(f":{parsed.raw_password}@", ":***@", 1)


@functools.lru_cache(maxsize=16)
def go_error_op(method: str) -> str:
    """The ``Op`` of Go's ``*url.Error``: ``POST`` reads ``Post``."""
    return method[:1].upper() + method[1:].lower()


def describe_transport_error(
    exc: BaseException, target: yarl.URL, proxy: yarl.URL | None = None
) -> str:
    """The cause part of Go's ``*url.Error`` text, as close as Python allows.

    With ``proxy_url``, Go's ``persistConn`` wraps a failure to reach the proxy as
    ``proxyconnect tcp: <dial error>`` and words a non-200 answer to ``CONNECT``
    as the status text alone (``Forbidden``, or ``unknown status code`` when
    the line has none); a proxy hanging up before answering ``CONNECT`` is
    ``unexpected EOF``."""
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        cert_error = exc.certificate_error
        code = getattr(cert_error, "verify_code", None)
        if code in _UNKNOWN_AUTHORITY:
            return "x509: certificate signed by unknown authority"
        reason = getattr(cert_error, "verify_message", None) or str(cert_error)
        return f"x509: {reason}"
    if isinstance(exc, aiohttp.ClientHttpProxyError):
        return exc.message or "unknown status code"
    if isinstance(exc, aiohttp.ClientConnectorError):
        # With a proxy every dial goes to the proxy (exc.host/port are its own).
        dial = _dial_error(exc)
        via_proxy = isinstance(exc, aiohttp.ClientProxyConnectionError) or (
            proxy is not None and isinstance(exc, aiohttp.ClientConnectorDNSError)
        )
        return f"proxyconnect tcp: {dial}" if via_proxy else dial
    if isinstance(exc, asyncio.TimeoutError):
        return f"dial tcp {target.host}:{target.port}: i/o timeout"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "unexpected EOF" if _in_proxy_connect(exc) else "EOF"
    return str(exc) or type(exc).__name__


def _dial_error(exc: aiohttp.ClientConnectorError) -> str:
    """Go's ``net.Dial`` error text for a failed connect to ``exc.host:exc.port``."""
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return f"dial tcp: lookup {exc.host}: no such host"
    address = f"{exc.host}:{exc.port}"
    if isinstance(exc.os_error, ConnectionRefusedError):
        return f"dial tcp {address}: connect: connection refused"
    return f"dial tcp {address}: {exc.os_error.strerror or exc.os_error}"


def _in_proxy_connect(exc: BaseException) -> bool:
    """Whether ``exc`` was raised while aiohttp read the proxy's ``CONNECT`` answer
    (aiohttp raises the same ``ServerDisconnectedError`` for a tunnel and a request)."""
    frames = traceback.walk_tb(exc.__traceback__)
    return any(frame.f_code.co_name == "_create_proxy_connection" for frame, _ in frames)

"""A fully read HTTP response and Alertmanager's verdict on its status.

``HTTPResponse`` is what ``receivers.http.HTTPClient`` returns; ``check_status``
is ``notify.Retrier.Check``. Both are plain values and functions, safe on any
thread.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from gossamer.errors import NotifyError

__all__ = ["HTTPResponse", "check_status"]


class HTTPResponse(msgspec.Struct, frozen=True):
    """A fully read response. ``headers`` has lower-case names (last value wins)."""

    status: int
    reason: str
    headers: dict[str, str]
    body: bytes
    url: str

    def text(self) -> str:
        """The body as text, invalid UTF-8 replaced (Go would print the raw bytes)."""
        return self.body.decode("utf-8", "replace")


def check_status(
    response: HTTPResponse, details: str | None = None, *, retry_codes: Iterable[int] = ()
) -> None:
    """Alertmanager's ``notify.Retrier.Check``: 2xx passes; otherwise raise
    ``unexpected status code <N>[: <details>]``, retryable for 5xx and ``retry_codes``.

    ``details`` defaults to the response body, as for integrations without a
    custom details function.
    """
    if response.status // 100 == 2:
        return
    text = response.text() if details is None else details
    message = f"unexpected status code {response.status}"
    if text:
        message = f"{message}: {text}"
    retryable = response.status // 100 == 5 or response.status in set(retry_codes)
    raise NotifyError(message, retryable=retryable)

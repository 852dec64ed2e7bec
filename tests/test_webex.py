"""The Webex notifier against a fake Webex messages API on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest

from gossamer.config.model import WebexConfig
from gossamer.errors import NotifyError
from receivers.common import truncate_in_bytes
from receivers.http import HTTPClientPool
from receivers.webex import MAX_MESSAGE_BYTES, WebexNotifier
from tests.fakes.alerts import alert, context
from tests.fakes.chat import WebexMessages
from tests.fakes.templates import StubTemplates
from tests.test_http_client_support import Recorder, Reply, async_test, refused_port

AUTH = {"authorization": {"type": "Bearer", "credentials": "webex-token"}}


@pytest.fixture
def webex() -> Iterator[tuple[Recorder, WebexMessages]]:
    fake = WebexMessages()
    with Recorder() as rec:
        rec.routes["/v1/messages"] = fake
        yield rec, fake


def notifier(url: str, **fields: Any) -> WebexNotifier:
    fields = {"api_url": url, "room_id": "r1", "http_config": AUTH, **fields}
    config = msgspec.convert(fields, WebexConfig)
    return WebexNotifier(config, 0, pool=HTTPClientPool(), templates=StubTemplates())


async def send(n: WebexNotifier, alerts: list[Any] | None = None) -> None:
    try:
        await n.notify(context(), alerts or [alert(alertname="Disk")])
    finally:
        await n.close()


@async_test
async def test_markdown_goes_to_the_room_with_the_configured_credentials(webex: Any) -> None:
    """``{"markdown":...,"roomId":...}`` with ``Authorization: Bearer <credentials>``."""
    rec, fake = webex
    await send(notifier(rec.url("/v1/messages")))
    (req,) = rec.requests
    assert req.body == b'{"markdown":"\\u003cwebex.default.message\\u003e","roomId":"r1"}\n'
    assert req.header("Authorization") == "Bearer webex-token"
    assert req.header("Content-Type") == "application/json"
    assert fake.accepted == [{"markdown": "<webex.default.message>", "roomId": "r1"}]


@async_test
async def test_messages_are_cut_to_7439_bytes_without_splitting_a_character(webex: Any) -> None:
    """Multi-byte text stops at a character boundary, ``…`` included in the budget."""
    rec, fake = webex
    await send(notifier(rec.url("/v1/messages"), message="€" * 3000))
    markdown = fake.accepted[0]["markdown"]
    assert len(markdown.encode()) <= MAX_MESSAGE_BYTES
    assert markdown == "€" * 2478 + "…"


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("abc", 3, ("abc", False)),
        ("abcd", 3, ("…", True)),
        ("abcd", 2, ("..", True)),
        ("abcdef", 5, ("ab…", True)),
        ("aé€x", 6, ("aé…", True)),
        ("€€€", 8, ("€…", True)),
    ],
)
def test_truncate_in_bytes_matches_go(text: str, limit: int, expected: tuple[str, bool]) -> None:
    """``notify.TruncateInBytes``: runes kept whole, the 3-byte marker counted."""
    assert truncate_in_bytes(text, limit) == expected


@pytest.mark.parametrize(("status", "retryable"), [(500, True), (401, False), (400, False)])
@async_test
async def test_status_errors_carry_the_body(webex: Any, status: int, retryable: bool) -> None:
    """``unexpected status code N: <body>``; only 5xx is retried."""
    rec, fake = webex
    fake.script.append(Reply(status, b'{"message":"no"}'))
    with pytest.raises(NotifyError) as info:
        await send(notifier(rec.url("/v1/messages")))
    assert (str(info.value), info.value.retryable) == (
        f'unexpected status code {status}: {{"message":"no"}}',
        retryable,
    )


@async_test
async def test_a_wrong_token_is_refused_by_the_fake_and_final(webex: Any) -> None:
    """The fake answers 401 as Webex does; not retried."""
    rec, _ = webex
    auth = {"authorization": {"credentials": "stale"}}
    with pytest.raises(NotifyError) as info:
        await send(notifier(rec.url("/v1/messages"), http_config=auth))
    assert str(info.value).startswith("unexpected status code 401: ")
    assert json.loads(str(info.value).split(": ", 1)[1])["trackingId"]
    assert not info.value.retryable


@async_test
async def test_transport_errors_are_retryable_and_redacted() -> None:
    """``Post "<redacted>": ...`` as ``notify.RedactURL`` writes it."""
    sock, port = refused_port()
    with sock, pytest.raises(NotifyError) as info:
        await send(notifier(f"http://127.0.0.1:{port}/v1/messages"))
    assert str(info.value).startswith('Post "<redacted>": dial tcp 127.0.0.1:')
    assert info.value.retryable


@async_test
async def test_a_failing_template_is_final(webex: Any) -> None:
    """Nothing is sent; not retried."""
    rec, _ = webex
    with pytest.raises(NotifyError) as info:
        await send(notifier(rec.url("/v1/messages"), message="x {{ fail }}"))
    assert not info.value.retryable
    assert rec.requests == []

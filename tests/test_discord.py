"""The Discord notifier against a fake Discord webhook on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from gossamer.config.model import DiscordConfig
from gossamer.errors import NotifyError
from receivers.discord import COLOR_GREEN, COLOR_GREY, COLOR_RED, DiscordNotifier
from receivers.http import HTTPClientPool
from tests.fakes.alerts import alert, context
from tests.fakes.chat import DiscordWebhook
from tests.fakes.templates import StubTemplates
from tests.test_http_client_support import Recorder, Reply, async_test, refused_port

PATH = "/api/webhooks/42/t0ken"


@pytest.fixture
def discord() -> Iterator[tuple[Recorder, DiscordWebhook]]:
    fake = DiscordWebhook()
    with Recorder() as rec:
        rec.routes[PATH] = fake
        yield rec, fake


def notifier(url: str, **fields: Any) -> DiscordNotifier:
    config = DiscordConfig(webhook_url=url, **fields)
    return DiscordNotifier(config, 0, pool=HTTPClientPool(), templates=StubTemplates())


async def send(n: DiscordNotifier, alerts: list[Any]) -> None:
    try:
        await n.notify(context(), alerts)
    finally:
        await n.close()


@async_test
async def test_body_is_one_embed_with_empty_content(discord: Any) -> None:
    """``{"content":"","embeds":[{title, description, color}]}`` and a newline, as Go encodes it."""
    rec, fake = discord
    await send(notifier(rec.url(PATH)), [alert(alertname="Disk")])
    (req,) = rec.requests
    assert req.body == (
        b'{"content":"","embeds":[{"title":"\\u003cdiscord.default.title\\u003e",'
        b'"description":"\\u003cdiscord.default.message\\u003e","color":10038562}]}\n'
    )
    assert req.header("Content-Type") == "application/json"
    assert len(fake.accepted) == 1


@pytest.mark.parametrize(
    ("resolved", "color"),
    [((False, True), COLOR_RED), ((True, True), COLOR_GREEN), ((), COLOR_GREY)],
)
@async_test
async def test_color_is_red_while_anything_fires(
    discord: Any, resolved: tuple[bool, ...], color: int
) -> None:
    """Red if any alert fires, green when all are resolved, grey for no alerts."""
    rec, fake = discord
    alerts = [alert(resolved=r, alertname="Disk", n=str(i)) for i, r in enumerate(resolved)]
    await send(notifier(rec.url(PATH)), alerts)
    assert fake.accepted[0]["embeds"][0]["color"] == color


@async_test
async def test_long_texts_are_sent_whole_as_in_0_25(discord: Any) -> None:
    """0.25 does not cut the title or message to Discord's limits."""
    rec, _ = discord
    await send(notifier(rec.url(PATH), title="t" * 300, message="m" * 5000), [alert(a="1")])
    (embed,) = json.loads(rec.requests[0].body)["embeds"]
    assert (embed["title"], embed["description"]) == ("t" * 300, "m" * 5000)


@pytest.mark.parametrize(("status", "retryable"), [(500, True), (429, False), (400, False)])
@async_test
async def test_status_errors_carry_the_body(discord: Any, status: int, retryable: bool) -> None:
    """``unexpected status code N: <body>``; only 5xx is retried."""
    rec, fake = discord
    fake.script.append(Reply(status, b'{"message": "nope"}'))
    with pytest.raises(NotifyError) as info:
        await send(notifier(rec.url(PATH)), [alert(a="1")])
    assert (str(info.value), info.value.retryable) == (
        f'unexpected status code {status}: {{"message": "nope"}}',
        retryable,
    )


@async_test
async def test_transport_errors_are_retryable_and_hide_the_webhook_url() -> None:
    """The webhook URL holds the token: it never shows in errors."""
    sock, port = refused_port()
    with sock, pytest.raises(NotifyError) as info:
        await send(notifier(f"http://127.0.0.1:{port}{PATH}"), [alert(a="1")])
    assert str(info.value).startswith('Post "<redacted>": ')
    assert "t0ken" not in str(info.value)
    assert info.value.retryable


@async_test
async def test_a_failing_template_is_final_and_sends_nothing(discord: Any) -> None:
    """Template errors are not retried."""
    rec, _ = discord
    with pytest.raises(NotifyError) as info:
        await send(notifier(rec.url(PATH), title="{{ fail }}"), [alert(a="1")])
    assert not info.value.retryable
    assert rec.requests == []


def test_discord_sends_resolved_by_default() -> None:
    """``send_resolved`` defaults to true for Discord."""
    n = notifier("http://x.invalid/")
    assert n.send_resolved
    assert repr(n) == "<DiscordNotifier discord[0] sent=0 failed=0 last_status=0>"

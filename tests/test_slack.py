"""The Slack notifier against a fake incoming webhook on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from gossamer.config.model import SlackConfig
from gossamer.errors import NotifyError
from receivers.http import HTTPClientPool
from receivers.slack import SlackNotifier
from tests.fakes.alerts import alert, context
from tests.fakes.chat import SlackWebhook
from tests.fakes.templates import StubTemplates
from tests.test_http_client_support import Recorder, Reply, async_test, refused_port


@pytest.fixture
def slack() -> Iterator[tuple[Recorder, SlackWebhook]]:
    fake = SlackWebhook()
    with Recorder() as rec:
        rec.routes["/services/T0/B0/x"] = fake
        yield rec, fake


def notifier(rec: Recorder, **fields: Any) -> SlackNotifier:
    fields.setdefault("api_url", rec.url("/services/T0/B0/x"))
    config = msgspec.convert(fields, SlackConfig)
    return SlackNotifier(config, 0, pool=HTTPClientPool(), templates=StubTemplates())


async def send(n: SlackNotifier, *alerts: Any) -> None:
    try:
        await n.notify(context(), list(alerts) or [alert(alertname="Disk")])
    finally:
        await n.close()


@async_test
async def test_default_config_sends_one_attachment_with_slack_defaults(slack: Any) -> None:
    """Default templates fill every field; mrkdwn_in defaults; empty optional keys are left out."""
    rec, fake = slack
    await send(notifier(rec))
    (req,) = rec.requests
    assert req.header("Content-Type") == "application/json"
    assert req.body.endswith(b"}\n")
    assert fake.accepted == [
        {
            "username": "<slack.default.username>",
            "attachments": [
                {
                    "title": "<slack.default.title>",
                    "title_link": "<slack.default.titlelink>",
                    "pretext": "<slack.default.pretext>",
                    "text": "<slack.default.text>",
                    "fallback": "<slack.default.fallback>",
                    "callback_id": "<slack.default.callbackid>",
                    "footer": "<slack.default.footer>",
                    "color": "danger",
                    "mrkdwn_in": ["fallback", "pretext", "text"],
                }
            ],
            "icon_emoji": "<slack.default.iconemoji>",
            "icon_url": "<slack.default.iconurl>",
        }
    ]


@async_test
async def test_empty_fields_keep_text_fallback_callback_and_footer(slack: Any) -> None:
    """``text``, ``fallback``, ``callback_id`` and ``footer`` are sent even when empty."""
    rec, _ = slack
    empty = dict.fromkeys(
        ["username", "title", "title_link", "pretext", "text", "footer", "fallback",
         "callback_id", "icon_emoji", "icon_url", "color"], "",
    )  # fmt: skip
    await send(notifier(rec, **empty))
    assert rec.requests[0].body == (
        b'{"attachments":[{"text":"","fallback":"","callback_id":"","footer":"",'
        b'"mrkdwn_in":["fallback","pretext","text"]}]}\n'
    )


@async_test
async def test_field_short_falls_back_to_short_fields(slack: Any) -> None:
    """A field without ``short`` takes ``short_fields``; an explicit one wins."""
    rec, fake = slack
    fields = [{"title": "a", "value": "1"}, {"title": "b", "value": "2", "short": False}]
    await send(notifier(rec, fields=fields, short_fields=True))
    sent = fake.accepted[0]["attachments"][0]["fields"]
    assert sent == [
        {"title": "a", "value": "1", "short": True},
        {"title": "b", "value": "2", "short": False},
    ]


@async_test
async def test_resolved_notification_is_green_and_html_is_escaped_as_go(slack: Any) -> None:
    """Color follows the status; ``<``, ``>`` and ``&`` go out as Go's ``\\u003c`` escapes."""
    rec, _ = slack
    await send(notifier(rec, title="a<b>&c"), alert(resolved=True, alertname="Disk"))
    body = rec.requests[0].body
    assert b'"title":"a\\u003cb\\u003e\\u0026c"' in body
    assert b'"color":"good"' in body


@async_test
async def test_long_title_is_cut_to_1024_runes_with_an_ellipsis(slack: Any) -> None:
    """Slack's legacy title limit: 1023 runes and ``…``."""
    rec, fake = slack
    await send(notifier(rec, title="é" * 2000))
    assert fake.accepted[0]["attachments"][0]["title"] == "é" * 1023 + "…"


@async_test
async def test_api_url_file_is_read_at_send_time_and_trimmed(slack: Any, tmp_path: Path) -> None:
    """A rotated webhook URL is picked up without a reload."""
    rec, fake = slack
    url_file = tmp_path / "url"
    url_file.write_text(f"  {rec.url('/services/T0/B0/x')}\n")
    await send(notifier(rec, api_url="", api_url_file=str(url_file)))
    assert len(fake.accepted) == 1


@async_test
async def test_missing_api_url_file_is_a_final_error(slack: Any, tmp_path: Path) -> None:
    """``open <path>: no such file or directory``, not retried."""
    rec, _ = slack
    path = tmp_path / "missing"
    with pytest.raises(NotifyError) as info:
        await send(notifier(rec, api_url="", api_url_file=str(path)))
    assert (str(info.value), info.value.retryable) == (
        f"open {path}: no such file or directory",
        False,
    )


@pytest.mark.parametrize(
    ("status", "retryable"), [(500, True), (503, True), (400, False), (404, False)]
)
@async_test
async def test_status_errors_name_the_channel_and_retry_only_5xx(
    slack: Any, status: int, retryable: bool
) -> None:
    """``channel "<c>": unexpected status code N: <body>``; 5xx retried, 4xx final."""
    rec, fake = slack
    fake.script.append(Reply(status, b"no_service", {"Content-Type": "text/plain"}))
    with pytest.raises(NotifyError) as info:
        await send(notifier(rec, channel='#a "b"'))
    assert str(info.value) == f'channel "#a \\"b\\"": unexpected status code {status}: no_service'
    assert info.value.retryable is retryable


@async_test
async def test_transport_errors_are_retryable_and_hide_the_url() -> None:
    """The webhook URL is a secret: ``Post "<redacted>": ...``."""
    sock, port = refused_port()
    with sock:
        config = SlackConfig(api_url=f"http://127.0.0.1:{port}/services/secret")
        n = SlackNotifier(config, 0, pool=HTTPClientPool(), templates=StubTemplates())
        with pytest.raises(NotifyError) as info:
            await send(n)
    assert str(info.value).startswith('Post "<redacted>": dial tcp')
    assert "secret" not in str(info.value)
    assert info.value.retryable


@async_test
async def test_failing_template_sends_nothing_and_is_final(slack: Any) -> None:
    """A template error fails the notification, not retried, with the engine's message."""
    rec, _ = slack
    n = notifier(rec, footer="{{ fail }}")
    with pytest.raises(NotifyError) as info:
        await send(n)
    assert not info.value.retryable
    assert "boom" in str(info.value)
    assert rec.requests == []
    assert n.statistics() == {"notifications": 1, "failures": 1, "last_status": 0}


@async_test
async def test_statistics_and_repr_show_the_last_status(slack: Any) -> None:
    """The notifier reports attempts, failures and the last HTTP status."""
    rec, _ = slack
    n = notifier(rec)
    await send(n)
    assert n.statistics() == {"notifications": 1, "failures": 0, "last_status": 200}
    assert repr(n) == "<SlackNotifier slack[0] sent=1 failed=0 last_status=200>"
    assert not n.send_resolved
    assert json.loads(rec.requests[0].body)["attachments"][0]["color"] == "danger"

"""The Telegram notifier against a fake Bot API on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from gossamer.config.model import TelegramConfig
from gossamer.errors import NotifyError
from receivers.http import HTTPClientPool
from receivers.telegram import TelegramNotifier, check_reply
from tests.fakes.alerts import alert, context
from tests.fakes.chat import TelegramBot
from tests.fakes.templates import StubTemplates
from tests.test_http_client_support import Recorder, Reply, async_test, refused_port

TOKEN = "123:SeCrEt"
PATH = f"/bot{TOKEN}/sendMessage"


@pytest.fixture
def bot() -> Iterator[tuple[Recorder, TelegramBot]]:
    fake = TelegramBot(token=TOKEN, chats=(-100,))
    with Recorder() as rec:
        rec.routes[PATH] = fake
        yield rec, fake


def notifier(api_url: str, **fields: Any) -> TelegramNotifier:
    config = TelegramConfig(api_url=api_url, bot_token=TOKEN, chat_id=-100, **fields)
    return TelegramNotifier(config, 0, pool=HTTPClientPool(), templates=StubTemplates())


async def send(n: TelegramNotifier) -> None:
    try:
        await n.notify(context(), [alert(alertname="Disk")])
    finally:
        await n.close()


@async_test
async def test_send_message_body_is_telebots_sorted_string_map(bot: Any) -> None:
    """``POST /bot<token>/sendMessage`` with string values, keys sorted, HTML mode by default."""
    rec, fake = bot
    await send(notifier(rec.url("")))
    (req,) = rec.requests
    assert (req.method, req.path) == ("POST", PATH)
    assert req.header("Content-Type") == "application/json"
    assert req.body == (
        b'{"chat_id":"-100","disable_web_page_preview":"true","parse_mode":"HTML",'
        b'"text":"\\u0026lt;telegram.default.message\\u0026gt;"}\n'
    )
    assert fake.accepted[0]["text"] == "&lt;telegram.default.message&gt;"


@async_test
async def test_other_parse_modes_render_text_and_empty_sends_none(bot: Any) -> None:
    """``MarkdownV2`` is passed on; an empty ``parse_mode`` is left out; both use text/template."""
    rec, fake = bot
    await send(notifier(rec.url(""), parse_mode="MarkdownV2", disable_notifications=True))
    await send(notifier(rec.url(""), parse_mode=""))
    first, second = fake.accepted
    assert first == {
        "chat_id": "-100",
        "disable_notification": "true",
        "disable_web_page_preview": "true",
        "parse_mode": "MarkdownV2",
        "text": "<telegram.default.message>",
    }
    assert "parse_mode" not in second


@async_test
async def test_messages_are_cut_to_4096_runes(bot: Any) -> None:
    """Telegram's limit: 4095 runes and ``…``."""
    rec, fake = bot
    await send(notifier(rec.url(""), message="ж" * 5000, parse_mode=""))
    assert fake.accepted[0]["text"] == "ж" * 4095 + "…"


@async_test
async def test_a_failed_template_sends_what_was_rendered_before_the_failure(bot: Any) -> None:
    """0.25 does not check the template error here: the partial text goes out."""
    rec, fake = bot
    await send(notifier(rec.url(""), message="so far {{ fail }}", parse_mode=""))
    assert fake.accepted[0]["text"] == "so far "


@pytest.mark.parametrize(
    ("chat", "message"),
    [(-100, "telegram: chat not found (400)"), (7, "telegram: chat not found (400)")],
)
@async_test
async def test_api_errors_are_always_retryable(bot: Any, chat: int, message: str) -> None:
    """0.25 returns ``(true, err)`` for any error of telebot's ``Send``."""
    rec, fake = bot
    if chat == -100:
        fake.script.append(
            Reply(400, b'{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}')
        )
    config = TelegramConfig(api_url=rec.url(""), bot_token=TOKEN, chat_id=chat)
    n = TelegramNotifier(config, 0, pool=HTTPClientPool(), templates=StubTemplates())
    with pytest.raises(NotifyError) as info:
        await send(n)
    assert (str(info.value), info.value.retryable) == (message, True)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b'{"ok":true,"result":{"message_id":1,"chat":{"id":1}}}', None),
        (b'{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 5"}',
         "telegram: Too Many Requests: retry after 5 (429)"),
        (b'{"ok":false,"error_code":401,"description":"Unauthorized"}', "telegram: Unauthorized (401)"),
        (b'{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}',
         "telegram: bot was blocked by the user (401)"),
        (b"{}", "telegram:  (0)"),
        (b"null", "telegram:  (0)"),
        (b"<html>502</html>", "telebot: invalid character '<' looking for beginning of value"),
        (b"", "telebot: unexpected end of JSON input"),
        (b'{"ok":true,"result":true}', "telebot: result is True"),
        (b'{"ok":"yes"}', None),
        (b'{"OK":true,"Result":{"message_id":2}}', None),
    ],
)  # fmt: skip
def test_replies_are_judged_as_telebot_judges_them(body: bytes, error: str | None) -> None:
    """``extractOk`` then ``extractMessage``: the status code never matters."""
    if error is None:
        check_reply(body)
        return
    with pytest.raises(NotifyError) as info:
        check_reply(body)
    assert (str(info.value), info.value.retryable) == (error, True)


@async_test
async def test_transport_errors_keep_the_bot_token_out_of_the_message() -> None:
    """``telebot: Post "<redacted>": ...``: retryable, token hidden."""
    sock, port = refused_port()
    with sock, pytest.raises(NotifyError) as info:
        await send(notifier(f"http://127.0.0.1:{port}"))
    assert str(info.value).startswith('telebot: Post "<redacted>": dial tcp 127.0.0.1:')
    assert TOKEN not in str(info.value)
    assert info.value.retryable


@async_test
async def test_a_wrong_token_gets_telegrams_404(bot: Any) -> None:
    """The fake answers an unknown token with ``Not Found``."""
    rec, fake = bot
    rec.routes["/bot0:bad/sendMessage"] = fake
    config = TelegramConfig(api_url=rec.url(""), bot_token="0:bad", chat_id=-100)
    n = TelegramNotifier(config, 0, pool=HTTPClientPool(), templates=StubTemplates())
    with pytest.raises(NotifyError) as info:
        await send(n)
    assert str(info.value) == "telegram: Not Found (404)"
    assert json.loads(rec.requests[0].body)["chat_id"] == "-100"

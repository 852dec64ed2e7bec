"""The WeChat notifier against a fake WeChat Work API (token endpoint and message/send)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gossamer.errors import NotifyError
from receivers.http import HTTPClientPool
from receivers.wechat import TOKEN_LIFETIME, WechatNotifier, go_json_decode
from tests.fakes2.common import context, load, make_alert
from tests.fakes2.server import ServiceServer
from tests.fakes2.services import WeChat
from tests.fakes2.templates import StubTemplates
from tests.test_http_client_support import Reply, async_test, refused_port


class Clock:
    """Monotonic seconds that move only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def notifier(server: ServiceServer, clock: Clock | None = None, **fields: Any) -> WechatNotifier:
    base = {"api_secret": "s3cret", "corp_id": "corp", "api_url": server.url("/cgi-bin/")}
    return WechatNotifier(
        load("wechat", base | fields),
        0,
        pool=HTTPClientPool(),
        templates=StubTemplates(),
        clock=clock or Clock(),
    )


async def notify_once(fake: WeChat, **fields: Any) -> list[Any]:
    with ServiceServer(fake) as server:
        n = notifier(server, **fields)
        try:
            await n.notify(context(), [make_alert(1)])
        finally:
            await n.close()
        return list(server.requests)


@async_test
async def test_fetches_a_token_then_sends_the_text_message() -> None:
    """GET gettoken (sorted query), then POST message/send?access_token=; WeChat accepts it."""
    fake = WeChat()
    token_req, send_req = await notify_once(fake)
    assert (token_req.method, token_req.path, token_req.query) == (
        "GET",
        "/cgi-bin/gettoken",
        "corpid=corp&corpsecret=s3cret",
    )
    assert token_req.header("Content-Type") is None
    assert (send_req.method, send_req.path, send_req.query) == (
        "POST",
        "/cgi-bin/message/send",
        "access_token=tok1",
    )
    assert send_req.header("Content-Type") == "application/json"
    assert send_req.body == (
        b'{"text":{"content":"\\u003cwechat.default.message\\u003e"},'
        b'"touser":"\\u003cwechat.default.to_user\\u003e",'
        b'"toparty":"\\u003cwechat.default.to_party\\u003e",'
        b'"totag":"\\u003cwechat.default.to_tag\\u003e",'
        b'"agentid":"\\u003cwechat.default.agent_id\\u003e","safe":"0","msgtype":"text",'
        b'"markdown":{"content":""}}\n'
    )
    assert len(fake.accepted) == 1


@async_test
async def test_markdown_messages_fill_markdown_and_leave_text_empty() -> None:
    """Both content objects are always there; empty recipients are left out."""
    fake = WeChat()
    _, send_req = await notify_once(
        fake, message_type="markdown", message="**{{ .Status }}**", to_user="", to_party="",
        to_tag="", agent_id="1000002",
    )  # fmt: skip
    assert json.loads(send_req.body) == {
        "text": {"content": ""},
        "agentid": "1000002",
        "safe": "0",
        "msgtype": "markdown",
        "markdown": {"content": "**firing**"},
    }


@async_test
async def test_the_token_is_reused_for_two_hours_then_refreshed() -> None:
    """One gettoken for many messages, a new one once the token is older than 2 h."""
    fake = WeChat()
    clock = Clock()
    with ServiceServer(fake) as server:
        n = notifier(server, clock)
        await n.notify(context(), [make_alert(1)])
        clock.now += TOKEN_LIFETIME
        await n.notify(context(), [make_alert(2)])
        clock.now += 1
        await n.notify(context(), [make_alert(3)])
        await n.close()
        paths = [r.path.rsplit("/", 1)[1] for r in server.requests]
    assert paths == ["gettoken", "send", "send", "gettoken", "send"]
    assert n.statistics()["token_fetches"] == 2
    assert len(fake.accepted) == 3


@async_test
async def test_wechats_own_errcode_goes_unnoticed_as_in_0_25() -> None:
    """0.25 reads ``code``/``error``, not WeChat's ``errcode``: an expired token's
    refusal counts as delivered and the token stays cached."""
    fake = WeChat()
    with ServiceServer(fake) as server:
        n = notifier(server)
        await n.notify(context(), [make_alert(1)])
        fake.expire_tokens()
        await n.notify(context(), [make_alert(1)])
        await n.close()
    assert (n.statistics()["token_fetches"], len(fake.accepted)) == (1, 1)


@async_test
async def test_code_42001_drops_the_token_and_retries() -> None:
    """An answer with ``code`` 42001: retryable with ``error``; the next attempt
    fetches a new token."""
    fake = WeChat()
    with ServiceServer(fake) as server:
        n = notifier(server)
        await n.notify(context(), [make_alert(1)])
        fake.script.append(Reply(200, b'{"code":42001,"error":"token expired"}'))
        with pytest.raises(NotifyError) as caught:
            await n.notify(context(), [make_alert(1)])
        assert (str(caught.value), caught.value.retryable) == ("token expired", True)
        await n.notify(context(), [make_alert(1)])
        await n.close()
    assert n.statistics()["token_fetches"] == 2
    assert len(fake.accepted) == 2


@async_test
async def test_a_wrong_corp_id_is_final_and_names_it() -> None:
    """No access_token in the answer: invalid APISecret for CorpID: <corp_id>."""
    with pytest.raises(NotifyError) as caught:
        await notify_once(WeChat(), corp_id="other")
    assert (str(caught.value), caught.value.retryable) == (
        "invalid APISecret for CorpID: other",
        False,
    )


@pytest.mark.parametrize(
    ("reply", "message", "retryable"),
    [
        (Reply(200, b'{"errcode":40014,"errmsg":"invalid access_token"}'), None, False),
        (Reply(200, b'{"Code":60020,"error":"not allowed"}'), "not allowed", False),
        (Reply(200, b"[1]"), "json: cannot unmarshal array into Go value of type wechat.weChatResponse", True),
        (Reply(404, b"{}"), "unexpected status code 404", True),
        (Reply(500, b"{}"), "unexpected status code 500", True),
        (Reply(200, b"<html>"), "invalid character '<' looking for beginning of value", True),
        (Reply(200, b'{"code":"0"}'), "json: cannot unmarshal string into Go struct field weChatResponse.code of type int", True),
        (Reply(200, b'{"code":null}'), None, False),
    ],
)  # fmt: skip
@async_test
async def test_the_send_answer_decides_success_and_retry(
    reply: Reply, message: str | None, retryable: bool
) -> None:
    """Non-200 always retries; then ``code`` (not ``errcode``): 0 success, others final."""
    fake = WeChat()
    with ServiceServer(fake) as server:
        n = notifier(server)
        await n.notify(context(), [make_alert(1)])  # token in hand
        fake.script.append(reply)
        try:
            if message is None:
                await n.notify(context(), [make_alert(1)])
            else:
                with pytest.raises(NotifyError) as caught:
                    await n.notify(context(), [make_alert(1)])
                assert (str(caught.value), caught.value.retryable) == (message, retryable)
        finally:
            await n.close()


@async_test
async def test_an_unreadable_token_answer_is_final() -> None:
    """json.Decoder errors on the token body are not retried."""
    with pytest.raises(NotifyError) as caught:
        await notify_once(WeChat(script=[Reply(502, b"")]))
    assert (str(caught.value), caught.value.retryable) == ("EOF", False)


@async_test
async def test_transport_errors_hide_the_url_with_the_secret() -> None:
    """Get "<redacted>": ..., retryable."""
    sock, port = refused_port()
    with sock:
        cfg = load(
            "wechat",
            {"api_secret": "s3cret", "corp_id": "c", "api_url": f"http://127.0.0.1:{port}/"},
        )
        n = WechatNotifier(cfg, 0, pool=HTTPClientPool(), templates=StubTemplates())
        with pytest.raises(NotifyError) as caught:
            await n.notify(context(), [make_alert(1)])
        await n.close()
    assert str(caught.value) == (
        f'Get "<redacted>": dial tcp 127.0.0.1:{port}: connect: connection refused'
    )
    assert caught.value.retryable


@pytest.mark.parametrize("field", ["api_secret", "message"])
@async_test
async def test_template_errors_are_final(field: str) -> None:
    """templating error: <err>, before the request that needs the field."""
    with pytest.raises(NotifyError) as caught:
        await notify_once(WeChat(), **{field: "{{ fail }}"})
    assert str(caught.value).startswith("templating error: template: ")
    assert not caught.value.retryable


def test_go_json_decode_reports_like_encoding_json() -> None:
    """Decoder (first value) and Unmarshal (whole body) disagree on trailing data."""
    assert go_json_decode(b'{"a":1} x', whole=False) == ({"a": 1}, None)
    assert go_json_decode(b'{"a":1} x', whole=True) == (
        None,
        "invalid character 'x' after top-level value",
    )
    assert go_json_decode(b"  ", whole=False) == (None, "EOF")
    assert go_json_decode(b"", whole=True) == (None, "unexpected end of JSON input")
    assert go_json_decode(b'{"a":', whole=False) == (None, "unexpected EOF")


def test_wire_url_keeps_gos_escapes() -> None:
    """The HTTP client sends the URL as built; yarl would turn %3A into ':'."""
    from receivers.fields import wire_url

    url = "https://h/a%21b?x=a%3Ab%2Fc+d"
    assert str(wire_url(url)) == url
    assert wire_url("https://u:p@h/x?y=%3A") == "https://u:p@h/x?y=%3A"

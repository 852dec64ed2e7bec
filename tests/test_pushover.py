"""The Pushover notifier against a fake api.pushover.net reached through a TLS-intercepting proxy."""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from gossamer.errors import NotifyError
from receivers.pushover import PushoverNotifier
from tests.fakes2.common import context, load, make_alert, send
from tests.fakes2.proxy import InterceptingProxy
from tests.fakes2.server import ServiceServer
from tests.fakes2.services import Pushover
from tests.fakes2.templates import StubTemplates
from tests.test_http_client_support import Recorded, Reply, async_test, make_certs, refused_port

TOKEN, USER = "app-token", "user-key"


async def deliver(fake: Pushover, tmp_path: Path, alerts: Any = None, **fields: Any) -> Recorded:
    """One message through the proxy to a fake with a certificate for api.pushover.net."""
    certs = make_certs(tmp_path, hosts=("api.pushover.net",))
    with (
        ServiceServer(fake, certs.server_context()) as server,
        InterceptingProxy(server.port) as proxy,
    ):
        http_config = {"proxy_url": proxy.url(), "tls_config": {"ca_file": str(certs.ca)}}
        cfg = load(
            "pushover", {"token": TOKEN, "user_key": USER, "http_config": http_config} | fields
        )
        await send(PushoverNotifier, cfg, alerts or [make_alert(1)])
        (seen,) = server.requests
    assert proxy.targets == ["api.pushover.net:443"]
    return seen


def params(seen: Recorded) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(seen.query, keep_blank_values=True))


@async_test
async def test_parameters_travel_in_the_query_of_an_empty_text_post(tmp_path: Path) -> None:
    """POST /1/messages.json?<sorted params>, text/plain, no body; Pushover accepts it."""
    fake = Pushover()
    seen = await deliver(fake, tmp_path)
    assert (seen.method, seen.path, seen.body) == ("POST", "/1/messages.json", b"")
    assert seen.header("Content-Type") == "text/plain"
    assert seen.query == (
        "expire=3600&message=%3Cpushover.default.message%3E&priority=2&retry=60&sound="
        f"&title=%3Cpushover.default.title%3E&token={TOKEN}&url=%3Cpushover.default.url%3E"
        f"&url_title=&user={USER}"
    )
    assert len(fake.accepted) == 1


@async_test
async def test_resolved_group_gets_priority_zero_and_durations_are_whole_seconds(
    tmp_path: Path,
) -> None:
    """The default priority is 2 while firing, else 0; retry/expire in seconds."""
    resolved = [make_alert(1, resolved=True)]
    seen = await deliver(Pushover(), tmp_path, resolved, retry="45s", expire="1m30s")
    assert (params(seen)["priority"], params(seen)["retry"], params(seen)["expire"]) == (
        "0",
        "45",
        "90",
    )


@async_test
async def test_title_message_and_url_are_cut_to_pushovers_limits(tmp_path: Path) -> None:
    """250, 1024 and 512 runes, each ending in an ellipsis."""
    seen = await deliver(Pushover(), tmp_path, title="t" * 300, message="m" * 2000, url="u" * 600)
    got = params(seen)
    assert got["title"] == "t" * 249 + "…"
    assert got["message"] == "m" * 1023 + "…"
    assert got["url"] == "u" * 511 + "…"


@async_test
async def test_blank_message_becomes_no_details(tmp_path: Path) -> None:
    """Pushover refuses empty messages; the message is trimmed first."""
    seen = await deliver(Pushover(), tmp_path, message=" \n{{ .CommonLabels.missing }}\t")
    assert params(seen)["message"] == "(no details)"


@async_test
async def test_html_flag_renders_the_message_as_html(tmp_path: Path) -> None:
    """html=1 and the html/template flavour of the engine."""
    seen = await deliver(Pushover(), tmp_path, html=True, message="a<b> {{ .Status }}")
    assert (params(seen)["html"], params(seen)["message"]) == ("1", "a&lt;b&gt; firing")


@async_test
async def test_an_invalid_user_key_is_refused_for_good(tmp_path: Path) -> None:
    """400 is final; Pushover's answer is the error's detail."""
    with pytest.raises(NotifyError) as caught:
        await deliver(Pushover(user="someone-else"), tmp_path)
    assert str(caught.value).startswith('unexpected status code 400: {"user": "invalid", ')
    assert not caught.value.retryable


@pytest.mark.parametrize(("status", "retryable"), [(500, True), (429, False)])
@async_test
async def test_only_server_errors_retry(tmp_path: Path, status: int, retryable: bool) -> None:
    """5xx retries; Pushover's 429 (over quota) does not."""
    with pytest.raises(NotifyError) as caught:
        await deliver(Pushover(script=[Reply(status, b"{}")]), tmp_path)
    assert (str(caught.value), caught.value.retryable) == (
        f"unexpected status code {status}: {{}}",
        retryable,
    )


@async_test
async def test_transport_errors_hide_the_url_with_the_token() -> None:
    """notify.RedactURL: Post "<redacted>": <cause>, retryable."""
    sock, port = refused_port()
    with sock:
        cfg = load(
            "pushover",
            {
                "token": TOKEN,
                "user_key": USER,
                "http_config": {"proxy_url": f"http://127.0.0.1:{port}"},
            },
        )
        with pytest.raises(NotifyError) as caught:
            await send(PushoverNotifier, cfg, [make_alert(1)])
    assert str(caught.value).startswith('Post "<redacted>": ')
    assert TOKEN not in str(caught.value)
    assert caught.value.retryable


def test_template_errors_are_final() -> None:
    """The engine's error text, unwrapped, not retryable."""
    cfg = load("pushover", {"token": TOKEN, "user_key": USER, "sound": "{{ fail }}"})
    notifier = PushoverNotifier(cfg, 0, templates=StubTemplates())
    with pytest.raises(NotifyError) as caught:
        notifier.parameters(context(), [make_alert(1)])
    assert str(caught.value).startswith("template: ")
    assert not caught.value.retryable

"""Differential tests: gossamer's Telegram requests against the real Alertmanager 0.25.

Each case sends one notification from the reference and one from gossamer,
built from the same YAML and the same flush (see ``tests.fakes.reference``),
to a fake Bot API; the requests must be equal but for ``User-Agent`` (0.25
sends Go's default, telebot sets none).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from tests.fakes.chat import TelegramBot
from tests.fakes.reference import BINARY, Case, Reference, by_gossamer, posted, ts
from tests.test_http_client_support import Recorded, Recorder, Reply, async_test, refused_port

pytestmark = pytest.mark.reference
#: Bound, never listening: connections to it are refused (open for the module's life).
REFUSED_SOCKET, REFUSED_PORT = refused_port()
templating = pytest.importorskip("receivers.templating")

AGO, ENDED = timedelta(minutes=-10), timedelta(minutes=-5)
TOKEN = "123:ABC"
CHAT = -1001


def _path(name: str) -> str:
    return f"/tg/{name}/bot{TOKEN}/sendMessage"


def _case(rec: Recorder, name: str, alerts: list[dict[str, Any]], **fields: Any) -> Case:
    config = {"api_url": rec.url(f"/tg/{name}"), "bot_token": TOKEN, "chat_id": CHAT}
    return Case(name, {**config, **fields}, alerts, send_resolved=fields.get("send_resolved", True))


def _cases(rec: Recorder) -> list[Case]:
    html = {"summary": "<b>disk</b> & 'full' \"now\"", "link": "http://x/?a=1&b=<2>"}
    return [
        _case(rec, "defaults", [
            posted("defaults", {"alertname": "Disk", "i": i, "path": "/a<b>"}, annotations=html,
                   startsAt=ts(AGO), **({"endsAt": ts(ENDED)} if i == "2" else {}))
            for i in "123"
        ]),
        _case(rec, "plain", [posted("plain", {"alertname": "P", "x": "<&>"}, startsAt=ts(AGO))],
              parse_mode="", disable_notifications=True),
        _case(rec, "markdown", [posted("markdown", {"alertname": "M"}, startsAt=ts(AGO))],
              parse_mode="MarkdownV2", message="*{{ .Status }}* {{ .CommonLabels.alertname }}"),
        _case(rec, "safe", [posted("safe", {"alertname": "S"}, startsAt=ts(AGO))],
              message='<b>{{ .CommonLabels.alertname }}</b> <a href="{{ .ExternalURL }}?q=<1>">x</a>'),
        _case(rec, "long", [posted("long", {"alertname": "L"}, startsAt=ts(AGO),
                                   annotations={"a": "☃" * 5000})],
              parse_mode="", message="{{ .CommonAnnotations.a }}"),
        _case(rec, "badtemplate", [posted("badtemplate", {"alertname": "B"}, startsAt=ts(AGO))],
              message="partial {{ .Nope }}"),
        _case(rec, "nochat", [posted("nochat", {"alertname": "N"}, startsAt=ts(AGO))],
              chat_id=42),
        _case(rec, "gateway", [posted("gateway", {"alertname": "G"}, startsAt=ts(AGO))]),
        _case(rec, "refused", [posted("refused", {"alertname": "R"}, startsAt=ts(AGO))],
              api_url=f"http://127.0.0.1:{REFUSED_PORT}"),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reference]:
    if BINARY is None:
        pytest.skip("prometheus-alertmanager is not installed")
    with Recorder() as rec:
        cases = {c.name: c for c in _cases(rec)}
        for name in cases:
            rec.routes[_path(name)] = TelegramBot(token=TOKEN, chats=(CHAT,))
        rec.routes[_path("gateway")] = Reply(502, b"<html>Bad Gateway</html>")
        ref = Reference("telegram", cases, rec, tmp_path_factory.mktemp("telegram")).start()
        try:
            yield ref
        finally:
            ref.stop()


@pytest.fixture(scope="module")
def templates() -> object:
    return templating.Templates.load([])


def _requests(rec: Recorder, path: str) -> tuple[Recorded, Recorded]:
    seen = rec.wait_for(2, path)
    return next(r for r in seen if not by_gossamer(r)), next(r for r in seen if by_gossamer(r))


@pytest.mark.parametrize("name", ["defaults", "plain", "markdown", "safe", "long"])
@async_test
async def test_telegram_request_matches_alertmanager(
    reference: Reference, templates: object, name: str
) -> None:
    """Method, path (token included), headers but User-Agent, and body bytes."""
    assert await reference.send(name, templates) is None
    theirs, ours = _requests(reference.hooks, _path(name))
    assert ours.body.decode() == theirs.body.decode()
    assert (ours.method, ours.path, ours.query, ours.version) == (
        theirs.method,
        theirs.path,
        theirs.query,
        theirs.version,
    )
    assert ours.header_dict(ignore=("user-agent",)) == theirs.header_dict(ignore=("user-agent",))
    assert theirs.header("User-Agent") == "Go-http-client/1.1"


@pytest.mark.parametrize("name", ["nochat", "gateway"])
@async_test
async def test_telegram_errors_read_like_alertmanager_and_are_retried(
    reference: Reference, templates: object, name: str
) -> None:
    """Any failure of telebot's Send is retried by 0.25, 4xx answers included."""
    theirs = reference.error_for(name)
    error = await reference.send(name, templates)
    assert error is not None
    assert (str(error), error.retryable) == (theirs, True)


@async_test
async def test_failed_template_sends_the_partial_output(
    reference: Reference, templates: object
) -> None:
    """0.25 does not check the template error: the text rendered so far goes out
    (the template engine hands it back with the error)."""
    theirs = reference.hooks.wait_for(1, _path("badtemplate"))[0]
    assert b'"text":"partial "' in theirs.body
    await reference.send("badtemplate", templates)
    ours = next(r for r in reference.hooks.wait_for(2, _path("badtemplate")) if by_gossamer(r))
    assert ours.body == theirs.body


@async_test
async def test_transport_errors_hide_the_bot_token_unlike_0_25(
    reference: Reference, templates: object
) -> None:
    """A deliberate difference: 0.25 logs telebot's error with the URL, bot token
    included; gossamer writes ``<redacted>`` in its place (otherwise the same text)."""
    theirs = reference.error_for("refused")
    error = await reference.send("refused", templates)
    assert error is not None and error.retryable
    url = f"http://127.0.0.1:{REFUSED_PORT}/bot{TOKEN}/sendMessage"
    assert TOKEN in theirs
    assert str(error) == theirs.replace(url, "<redacted>")

"""Differential tests: gossamer's WeChat requests against the real Alertmanager 0.25's.

Each case has its own fake WeChat Work API (its own tokens) under its own
path. Both sides fetch a token, then send; a case with two flushes shows the
token cached between them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.fakes2.diff import Case, Rig, posted, same_requests
from tests.fakes2.reference import BINARY
from tests.fakes2.server import ServiceServer
from tests.fakes2.services import WeChat
from tests.test_http_client_support import Recorded, Reply, async_test, refused_port

pytestmark = pytest.mark.reference

CORP, SECRET = "corp", "s3cret"
#: Cases whose message/send answer is scripted: name -> reply.
SEND_REPLIES = {
    "code": Reply(200, b'{"code":60020,"error":"not allow to access from your ip"}'),
    "expired": Reply(200, b'{"code":42001,"error":"access_token expired"}'),
    "e503": Reply(503, b"busy"),
    "garbage": Reply(200, b"<html>"),
    "array": Reply(200, b"[1]"),
}
#: WeChat's own refusals, which 0.25 does not read (it looks for ``code``/``error``).
IGNORED = {"errcode": Reply(200, b'{"errcode":60020,"errmsg":"not allow to access from your ip"}')}


def _cases(refused: str) -> list[Case]:
    def cfg(**fields: Any) -> dict[str, Any]:
        return {"api_secret": SECRET, "corp_id": CORP} | fields

    basic = cfg(
        to_user="@all", to_party="{{ .CommonLabels.party }}", to_tag="t", agent_id="1000002"
    )
    cases = [
        Case("basic", basic,
             [posted("basic", {"alertname": "W", "party": "2", "i": str(n)},
                     annotations={"summary": "s <&>"}) for n in range(2)]),
        Case("markdown", cfg(message_type="markdown", message="**{{ .Status }}** `x`"),
             [posted("markdown", {"alertname": "M"})]),
        Case("twice", cfg(send_resolved=True), [posted("twice", {"alertname": "T"})], resolve=True),
        Case("badcorp", cfg(corp_id="nope"), [posted("badcorp", {"alertname": "B"})]),
        Case("refused", cfg(api_url=refused), [posted("refused", {"alertname": "F"})]),
        Case("tmplerr", cfg(message="{{ .Foo }}"), [posted("tmplerr", {"alertname": "T"})]),
    ]  # fmt: skip
    scripted = [*SEND_REPLIES, *IGNORED]
    return cases + [Case(n, cfg(), [posted(n, {"alertname": "F"})]) for n in scripted]


def owner(req: Recorded) -> str:
    return req.path.split("/")[1]


def where(name: str) -> Callable[[Recorded], bool]:
    return lambda r: owner(r) == name


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    if BINARY is None:
        pytest.skip("prometheus-alertmanager is not installed")
    tmp = tmp_path_factory.mktemp("wc")
    fakes: dict[str, WeChat] = {}

    def answer(req: Recorded) -> Reply:
        name = owner(req)
        scripted = SEND_REPLIES | IGNORED
        if name in scripted and req.path.endswith("/message/send"):
            return scripted[name]
        return fakes.setdefault(name, WeChat(corp_id=CORP, secret=SECRET))(req)

    sock, port = refused_port()
    with sock, ServiceServer(answer) as server:
        cases = _cases(f"http://127.0.0.1:{port}/refused/cgi-bin/")
        for case in cases:
            case.config.setdefault("api_url", server.url(f"/{case.name}/cgi-bin/"))
        with Rig("wechat", {c.name: c for c in cases}, server, tmp) as running:
            yield running


@pytest.mark.parametrize("name", ["basic", "markdown", *IGNORED])
@async_test
async def test_token_fetch_and_message_are_identical(rig: Rig, name: str) -> None:
    """GET gettoken, then POST message/send: same URLs, headers and bodies (and a
    WeChat ``errcode`` refusal counts as delivered on both sides)."""
    theirs = rig.requests(where(name), ours=False, count=2)
    assert await rig.send(name) is None
    same_requests(theirs, rig.requests(where(name), ours=True))


@async_test
async def test_the_token_is_fetched_once_for_two_flushes(rig: Rig) -> None:
    """One notifier, two flushes: one gettoken, two sends, as the reference did."""
    theirs = rig.requests(where("twice"), ours=False, count=3)
    assert [r.path.rsplit("/", 1)[1] for r in theirs] == ["gettoken", "send", "send"]
    assert await rig.send_flushes("twice", [0, 1]) == [None, None]
    same_requests(theirs, rig.requests(where("twice"), ours=True))


@pytest.mark.parametrize(
    "name",
    [
        *SEND_REPLIES,
        "badcorp",
        "refused",
        "tmplerr",
    ],
)
@async_test
async def test_failures_read_and_retry_like_alertmanagers(rig: Rig, name: str) -> None:
    """errcode, token and status failures: same text and retry decision."""
    expected = rig.failure(name)
    error = await rig.send(name)
    assert error is not None
    assert (str(error), error.retryable) == expected

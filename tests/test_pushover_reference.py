"""Differential tests: gossamer's Pushover requests against the real Alertmanager 0.25's.

Pushover's endpoint is fixed, so both sides reach a TLS fake posing as
api.pushover.net through the intercepting proxy; each case's app token names it.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.fakes2.diff import Case, Rig, posted, same_requests
from tests.fakes2.proxy import InterceptingProxy
from tests.fakes2.reference import BINARY
from tests.fakes2.server import ServiceServer
from tests.fakes2.services import Pushover
from tests.test_http_client_support import Recorded, Reply, async_test, make_certs, refused_port

pytestmark = pytest.mark.reference

USER = "user-key"
FAILING = {"e500": Reply(500, b'{"status":0}'), "e429": Reply(429, b'{"status":0}')}


def _cases(via: dict[str, Any], refused: dict[str, Any]) -> list[Case]:
    def cfg(name: str, **fields: Any) -> dict[str, Any]:
        return {"token": name, "user_key": USER, "http_config": via} | fields

    custom = cfg(
        "custom",
        title="{{ .CommonAnnotations.t }}",
        message="  {{ .CommonAnnotations.m }}  ",
        url="{{ .CommonAnnotations.u }}",
        url_title="link & more",
        sound="siren",
        priority='{{ if eq .Status "firing" }}1{{ end }}',
        retry="45s",
        expire="2h",
    )
    long = {"t": "T" * 300, "m": "ö" * 1100, "u": "http://x/" + "u" * 600}
    cases = [
        Case("basic", cfg("basic"),
             [posted("basic", {"alertname": "Up", "i": str(n)}, annotations={"summary": "s & <t>"})
              for n in range(3)]),
        Case("custom", custom, [posted("custom", {"alertname": "C"}, annotations=long)]),
        Case("html", cfg("html", html=True, message="<b>{{ .CommonLabels.x }}</b>"),
             [posted("html", {"alertname": "H", "x": "a & <b>"})]),
        Case("blank", cfg("blank", message=" {{ .CommonLabels.nothing }} "),
             [posted("blank", {"alertname": "B"})]),
        Case("resolve", cfg("resolve"), [posted("resolve", {"alertname": "R"})], resolve=True),
        Case("baduser", cfg("baduser", user_key="someone"), [posted("baduser", {"alertname": "U"})]),
        Case("refused", {"token": "refused", "user_key": USER, "http_config": refused},
             [posted("refused", {"alertname": "F"})]),
        Case("tmplerr", cfg("tmplerr", sound="{{ .Foo }}"), [posted("tmplerr", {"alertname": "T"})]),
    ]  # fmt: skip
    return cases + [Case(n, cfg(n), [posted(n, {"alertname": "F"})]) for n in FAILING]


def owner(req: Recorded) -> str:
    return dict(urllib.parse.parse_qsl(req.query)).get("token", "")


def where(name: str) -> Callable[[Recorded], bool]:
    return lambda r: owner(r) == name


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    if BINARY is None:
        pytest.skip("prometheus-alertmanager is not installed")
    tmp = tmp_path_factory.mktemp("po")
    certs = make_certs(tmp, hosts=("api.pushover.net",))

    def answer(req: Recorded) -> Reply:
        token = owner(req)
        return FAILING.get(token) or Pushover(token=token, user=USER)(req)

    sock, port = refused_port()
    with (
        sock,
        ServiceServer(answer, certs.server_context()) as server,
        InterceptingProxy(server.port) as proxy,
    ):
        via = {"proxy_url": proxy.url(), "tls_config": {"ca_file": str(certs.ca)}}
        refused = {"proxy_url": f"http://127.0.0.1:{port}"}
        cases = _cases(via, refused)
        with Rig("pushover", {c.name: c for c in cases}, server, tmp) as running:
            yield running


@pytest.mark.parametrize("name", ["basic", "custom", "html", "blank"])
@async_test
async def test_messages_are_identical_to_alertmanagers(rig: Rig, name: str) -> None:
    """Same query (limits, trimming, html escaping), headers and empty body."""
    theirs = rig.requests(where(name), ours=False, count=1)
    assert await rig.send(name) is None
    same_requests(theirs, rig.requests(where(name), ours=True))


@async_test
async def test_resolved_message_is_identical(rig: Rig) -> None:
    """The resolved flush: priority 0 and the resolved title."""
    theirs = rig.requests(where("resolve"), ours=False, count=2)
    for index in (0, 1):
        assert await rig.send("resolve", index) is None
    same_requests(theirs, rig.requests(where("resolve"), ours=True))


@pytest.mark.parametrize(
    "name",
    [
        *FAILING,
        "baduser",
        "refused",
        "tmplerr",
    ],
)
@async_test
async def test_failures_read_and_retry_like_alertmanagers(rig: Rig, name: str) -> None:
    """Same error text and retry decision (5xx and transport errors only, URL redacted)."""
    expected = rig.failure(name)
    error = await rig.send(name)
    assert error is not None
    assert (str(error), error.retryable) == expected

"""Differential tests: gossamer's OpsGenie requests against the real Alertmanager 0.25's.

Each case has its own ``api_url`` path on one loopback fake of the Alert API;
both sides send the same flushes and must send identical requests (but for
the User-Agent), or fail with the same text and retry decision.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.fakes2.diff import Case, Rig, posted, same_requests
from tests.fakes2.reference import BINARY
from tests.fakes2.server import ServiceServer
from tests.fakes2.services import OpsGenie
from tests.test_http_client_support import Recorded, Reply, async_test, refused_port

pytestmark = pytest.mark.reference

KEY = "genie-key"
FAILING = {
    "e429": Reply(429, b'{"message":"rate limited"}'),
    "e500": Reply(500, b"oops"),
    "e400": Reply(400, b'{"message":"bad"}'),
}


def _cases(tmp: Any, refused: str) -> list[Case]:
    responders = [
        {"name": "ops,{{ .CommonLabels.team }}, ", "type": "teams"},
        {"id": "{{ .CommonLabels.nothing }}", "type": "{{ .CommonLabels.nothing }}"},
        {"username": "u@example.com", "type": "user"},
        {"name": "sched-{{ .CommonLabels.team }}", "type": "schedule"},
    ]
    basic = {
        "api_key": KEY,
        "message": "{{ .CommonLabels.alertname }} <&>",
        "details": {"alertname": "overridden", "status": "{{ .Status }}"},
        "responders": responders,
        "tags": " t1, t2 ,,{{ .Status }}",
        "actions": "restart,page",
        "note": "n",
        "priority": "P{{ len .Alerts }}",
        "entity": "e",
        "update_alerts": True,
    }
    alerts = [
        posted("basic", {"alertname": "Db", "team": "dba", "i": "1"}, annotations={"summary": "s"}),
        posted("basic", {"alertname": "Db", "team": "dba", "i": "2"}),
    ]
    (tmp / "genie").write_text(KEY)
    (tmp / "genie_nl").write_text(KEY + "\n")
    cases = [
        Case("basic", basic, alerts),
        Case("defaults", {"api_key": KEY},
             [posted("defaults", {"alertname": "D", "x": "<y>"}, annotations={"description": "d"})]),
        Case("long", {"api_key": KEY, "message": "{{ .CommonAnnotations.m }}"},
             [posted("long", {"alertname": "L"}, annotations={"m": "ß" * 200})]),
        Case("resolve", {"api_key": KEY, "source": "src {{ .Status }}"},
             [posted("resolve", {"alertname": "R"})], resolve=True),
        Case("query", {"api_key": KEY}, [posted("query", {"alertname": "Q"})], resolve=True),
        Case("keyfile", {"api_key_file": str(tmp / "genie")}, [posted("keyfile", {"alertname": "K"})]),
        Case("keyfile_nl", {"api_key_file": str(tmp / "genie_nl")},
             [posted("keyfile_nl", {"alertname": "K"})]),
        Case("wrongkey", {"api_key": "nope"}, [posted("wrongkey", {"alertname": "W"})]),
        Case("nomessage", {"api_key": KEY, "message": "{{ .CommonLabels.nothing }}"},
             [posted("nomessage", {"alertname": "N"})]),
        Case("refused", {"api_key": KEY, "api_url": refused}, [posted("refused", {"alertname": "F"})]),
        Case("tmplerr", {"api_key": KEY, "note": "{{ .Foo }}"}, [posted("tmplerr", {"alertname": "T"})]),
    ]  # fmt: skip
    return cases + [Case(n, {"api_key": KEY}, [posted(n, {"alertname": "F"})]) for n in FAILING]


def owner(req: Recorded) -> str:
    return req.path.split("/")[1]


def where(name: str) -> Callable[[Recorded], bool]:
    return lambda r: owner(r) == name


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    if BINARY is None:
        pytest.skip("prometheus-alertmanager is not installed")
    tmp = tmp_path_factory.mktemp("og")
    fake = OpsGenie(api_key=KEY)

    def answer(req: Recorded) -> Reply:
        return FAILING.get(owner(req)) or fake(req)

    sock, port = refused_port()
    with sock, ServiceServer(answer) as server:
        cases = _cases(tmp, f"http://127.0.0.1:{port}/refused/")
        for case in cases:
            if "api_url" not in case.config:
                suffix = "?z=1&a=b%20c" if case.name == "query" else ""
                case.config["api_url"] = server.url(f"/{case.name}/{suffix}")
        with Rig("opsgenie", {c.name: c for c in cases}, server, tmp) as running:
            yield running


@pytest.mark.parametrize("name", ["basic", "defaults", "long", "keyfile"])
@async_test
async def test_create_requests_are_identical_to_alertmanagers(rig: Rig, name: str) -> None:
    """Create (and, with update_alerts, the two PUTs): same URLs, headers, bodies."""
    count = 3 if rig.cases[name].config.get("update_alerts") else 1
    theirs = rig.requests(where(name), ours=False, count=count)
    assert await rig.send(name) is None
    same_requests(theirs, rig.requests(where(name), ours=True))


@pytest.mark.parametrize("name", ["resolve", "query"])
@async_test
async def test_close_requests_are_identical(rig: Rig, name: str) -> None:
    """Create, then close by alias (the API URL's own query kept and sorted)."""
    theirs = rig.requests(where(name), ours=False, count=2)
    assert theirs[1].path.endswith("/close")
    for index in (0, 1):
        assert await rig.send(name, index) is None
    same_requests(theirs, rig.requests(where(name), ours=True))


@pytest.mark.parametrize(
    "name",
    [
        *FAILING,
        "wrongkey",
        "nomessage",
        "refused",
        "keyfile_nl",
        "tmplerr",
    ],
)
@async_test
async def test_failures_read_and_retry_like_alertmanagers(rig: Rig, name: str) -> None:
    """Same error text and retry decision (429 and 5xx retry, transport errors too)."""
    expected = rig.failure(name)
    error = await rig.send(name)
    assert error is not None
    assert (str(error), error.retryable) == expected

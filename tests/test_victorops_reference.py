"""Differential tests: gossamer's VictorOps events against the real Alertmanager 0.25's."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.fakes2.diff import Case, Rig, posted, same_requests
from tests.fakes2.reference import BINARY
from tests.fakes2.server import ServiceServer
from tests.fakes2.services import VictorOps
from tests.test_http_client_support import Recorded, Reply, async_test, refused_port

pytestmark = pytest.mark.reference

KEY = "vo-key"
FAILING = {"e500": Reply(500, b'{"result":"failure"}'), "e429": Reply(429, b"slow")}


def _cases(tmp: Any, refused: str) -> list[Case]:
    (tmp / "vo_key").write_text(f" {KEY}\n")
    custom = {"team": "{{ .CommonLabels.team }}", "zz": "<last>", "aa": "first & {{ .Status }}"}
    cases = [
        Case("basic", {"api_key": KEY, "routing_key": "ops-{{ .CommonLabels.team }}",
                       "custom_fields": custom, "entity_display_name": "{{ .CommonLabels.alertname }}"},
             [posted("basic", {"alertname": "Cpu", "team": "infra", "i": str(n)},
                     annotations={"summary": f"s{n}"}) for n in range(3)]),
        Case("defaults", {"api_key": KEY, "routing_key": "r"},
             [posted("defaults", {"alertname": "D<x>"}, annotations={"description": "d\\n"})]),
        Case("msgtype", {"api_key": KEY, "routing_key": "r", "message_type": "{{ .CommonLabels.level }}"},
             [posted("msgtype", {"alertname": "M", "level": "WARNING"})]),
        Case("badtype", {"api_key": KEY, "routing_key": "r", "message_type": "bogus"},
             [posted("badtype", {"alertname": "B"})]),
        Case("long", {"api_key": KEY, "routing_key": "r", "state_message": "{{ .CommonAnnotations.m }}"},
             [posted("long", {"alertname": "L"}, annotations={"m": "ü" * 21000})]),
        Case("resolve", {"api_key": KEY, "routing_key": "r", "message_type": "INFO"},
             [posted("resolve", {"alertname": "R"})], resolve=True),
        Case("keyfile", {"api_key_file": str(tmp / "vo_key"), "routing_key": "r k"},
             [posted("keyfile", {"alertname": "K"})]),
        Case("wrongkey", {"api_key": "other", "routing_key": "r"}, [posted("wrongkey", {"alertname": "W"})]),
        Case("refused", {"api_key": KEY, "routing_key": "r", "api_url": refused},
             [posted("refused", {"alertname": "F"})]),
        Case("tmplerr", {"api_key": KEY, "routing_key": "{{ .Foo }}"}, [posted("tmplerr", {"alertname": "T"})]),
        Case("payloaderr", {"api_key": KEY, "routing_key": "r", "monitoring_tool": "{{ .Foo }}"},
             [posted("payloaderr", {"alertname": "T"})]),
    ]  # fmt: skip
    return cases + [
        Case(n, {"api_key": KEY, "routing_key": "r"}, [posted(n, {"alertname": "F"})])
        for n in FAILING
    ]


def owner(req: Recorded) -> str:
    return req.path.split("/")[1]


def where(name: str) -> Callable[[Recorded], bool]:
    return lambda r: owner(r) == name


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    if BINARY is None:
        pytest.skip("prometheus-alertmanager is not installed")
    tmp = tmp_path_factory.mktemp("vo")
    fake = VictorOps(api_key=KEY)

    def answer(req: Recorded) -> Reply:
        return FAILING.get(owner(req)) or fake(req)

    sock, port = refused_port()
    with sock, ServiceServer(answer) as server:
        cases = _cases(tmp, f"http://127.0.0.1:{port}/refused/")
        for case in cases:
            case.config.setdefault("api_url", server.url(f"/{case.name}/alert/"))
        with Rig("victorops", {c.name: c for c in cases}, server, tmp) as running:
            yield running


@pytest.mark.parametrize("name", ["basic", "defaults", "msgtype", "badtype", "long", "keyfile"])
@async_test
async def test_events_are_identical_to_alertmanagers(rig: Rig, name: str) -> None:
    """Same path (key and routing key escaped), headers and body bytes."""
    theirs = rig.requests(where(name), ours=False, count=1)
    assert await rig.send(name) is None
    same_requests(theirs, rig.requests(where(name), ours=True))


@async_test
async def test_recovery_event_is_identical(rig: Rig) -> None:
    """The resolved flush sends RECOVERY whatever message_type says."""
    theirs = rig.requests(where("resolve"), ours=False, count=2)
    for index in (0, 1):
        assert await rig.send("resolve", index) is None
    same_requests(theirs, rig.requests(where("resolve"), ours=True))
    assert b'"message_type":"RECOVERY"' in theirs[1].body


@pytest.mark.parametrize(
    "name",
    [
        *FAILING,
        "wrongkey",
        "refused",
        "tmplerr",
    ],
)
@async_test
async def test_failures_read_and_retry_like_alertmanagers(rig: Rig, name: str) -> None:
    """Same error text and retry decision (5xx and transport errors only)."""
    expected = rig.failure(name)
    error = await rig.send(name)
    assert error is not None
    assert (str(error), error.retryable) == expected


@async_test
async def test_payload_template_errors_are_final_where_alertmanager_retries(rig: Rig) -> None:
    """Deliberate difference: the same text, but 0.25 retries a payload template error
    until the flush deadline; gossamer gives up at once (a template error cannot heal)."""
    text, retryable = rig.failure("payloaderr")
    error = await rig.send("payloaderr")
    assert error is not None
    assert (str(error), error.retryable, retryable) == (text, False, True)

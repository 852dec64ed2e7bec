"""Differential tests: gossamer's PagerDuty events against the real Alertmanager 0.25's.

Events API v2 cases post to a loopback fake; v1 cases go through the
intercepting proxy to a TLS fake posing as events.pagerduty.com. For every
case both sides send the same flush and the requests must be identical but
for the User-Agent; failing cases must fail with the same text and the same
retry decision.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.fakes2.diff import Case, Rig, posted, same_requests
from tests.fakes2.proxy import InterceptingProxy
from tests.fakes2.reference import BINARY
from tests.fakes2.server import ServiceServer
from tests.fakes2.services import PagerDutyV1, PagerDutyV2
from tests.test_http_client_support import Recorded, Reply, async_test, make_certs, refused_port

pytestmark = pytest.mark.reference


def key(name: str) -> str:
    """A 32-character integration key naming the case (PagerDuty checks the length)."""
    return name.ljust(32, "0")[:32]


FAILING = {
    "bad400": Reply(
        400, b'{"status":"invalid event","message":"Event object is invalid","errors":["a","b"]}'
    ),
    "busy429": Reply(429, b'{"status":"throttled","message":"slow down"}'),
    "e403": Reply(403, b"forbidden"),
    "e500": Reply(500, b"oops"),
}
V1_FAILING = {"v1e403": Reply(403, b"rate limited"), "v1e429": Reply(429, b"")}


def _cases(refused: str, tmp: Any) -> list[Case]:
    odd = {"alertname": 'Disk <full> & "hot"', "instance": "näive\u2028host"}
    mixed = [
        posted("basic", odd, annotations={"summary": "a < b", "description": "line1\nline2"},
               generatorURL="http://prom/graph?g0.expr=up&x=1"),
        posted("basic", {"alertname": "Disk", "instance": "i2"}, annotations={"summary": "two"}),
        posted("basic", {"alertname": "Disk", "instance": "i3"}, endsAt="2020-01-01T00:00:00Z",
               startsAt="2019-12-31T00:00:00Z"),
    ]  # fmt: skip
    basic = {
        "routing_key": key("basic"),
        "details": {"extra": "{{ .CommonLabels.alertname }}", "firing": "custom {{ .Status }}"},
        "images": [
            {"src": "http://img/{{ .Status }}.png", "alt": "{{ .Receiver }}", "href": "http://h"},
            {"src": "{{ .CommonLabels.nothing }}", "alt": "dropped"},
        ],
        "links": [{"href": "http://l/{{ .GroupLabels.scenario }}", "text": "t"}, {"text": "gone"}],
        "severity": '{{ if eq .Status "firing" }}critical{{ end }}',
        "class": "c<1>",
        "component": "comp",
        "group": "grp",
        "source": "src-{{ .Receiver }}",
        "client": "gossamer-test",
        "client_url": "{{ .ExternalURL }}/x",
    }
    (tmp / "routing_key").write_text(f"  {key('keyfile')}\n")
    cases = [
        Case("basic", basic, mixed, receiver="team.pager (prod)"),
        Case("resolve", {"routing_key": key("resolve")},
             [posted("resolve", {"alertname": "R", "n": str(n)}) for n in range(2)], resolve=True),
        Case("long", {"routing_key": key("long"), "description": "{{ .CommonAnnotations.long }}"},
             [posted("long", {"alertname": "L"}, annotations={"long": "é" * 1500})]),
        Case("huge", {"routing_key": key("huge")},
             [posted("huge", {"alertname": "H"}, annotations={"big": "x" * 520_000})]),
        Case("keyfile", {"routing_key_file": str(tmp / "routing_key")},
             [posted("keyfile", {"alertname": "K"})]),
        Case("emptykey", {"routing_key": "{{ .CommonLabels.nothing }}"},
             [posted("emptykey", {"alertname": "E"})]),
        Case("refused", {"routing_key": key("refused"), "url": refused},
             [posted("refused", {"alertname": "F"})]),
        Case("tmplerr", {"routing_key": key("tmplerr"), "component": "{{ .Foo }}"},
             [posted("tmplerr", {"alertname": "T"})]),
        Case("detailerr", {"routing_key": key("detailerr"), "details": {"bad": "{{ .Foo }}"}},
             [posted("detailerr", {"alertname": "T"})]),
    ]  # fmt: skip
    cases += [
        Case(name, {"routing_key": key(name)}, [posted(name, {"alertname": "F"})])
        for name in FAILING
    ]
    return cases


def _v1_cases(via: dict[str, Any]) -> list[Case]:
    return [
        Case("v1", {"service_key": key("v1"), "http_config": via, "details": {"k": "{{ .Status }}"}},
             [posted("v1", {"alertname": "V"}), posted("v1", {"alertname": "V", "i": "2"})]),
        Case("v1resolve", {"service_key": key("v1resolve"), "http_config": via, "client": "c"},
             [posted("v1resolve", {"alertname": "V"})], resolve=True),
    ] + [
        Case(name, {"service_key": key(name), "http_config": via}, [posted(name, {"alertname": "F"})])
        for name in V1_FAILING
    ]  # fmt: skip


def owner_v2(req: Recorded) -> str:
    return req.path.split("/")[1]


def owner_v1(req: Recorded) -> str:
    """The case whose service key the request carries."""
    try:
        service_key = str(json.loads(req.body)["service_key"])
    except (ValueError, KeyError):
        return ""
    return next((name for name in ("v1", "v1resolve", *V1_FAILING) if key(name) == service_key), "")


@dataclass
class Setup:
    rig: Rig
    tls: ServiceServer

    def where(self, name: str) -> Callable[[Recorded], bool]:
        if name.startswith("v1"):
            return lambda r: owner_v1(r) == name
        return lambda r: owner_v2(r) == name


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    if BINARY is None:
        pytest.skip("prometheus-alertmanager is not installed")
    tmp = tmp_path_factory.mktemp("pd")
    certs = make_certs(tmp, hosts=("events.pagerduty.com",))
    v2, v1 = PagerDutyV2(), PagerDutyV1()

    def answer_v2(req: Recorded) -> Reply:
        return FAILING.get(owner_v2(req)) or v2(req)

    def answer_v1(req: Recorded) -> Reply:
        return V1_FAILING.get(owner_v1(req)) or v1(req)

    sock, port = refused_port()
    with (
        sock,
        ServiceServer(answer_v2) as server,
        ServiceServer(answer_v1, certs.server_context()) as tls,
        InterceptingProxy(tls.port) as proxy,
    ):
        via = {"proxy_url": proxy.url(), "tls_config": {"ca_file": str(certs.ca)}}
        cases = _cases(f"http://127.0.0.1:{port}/refused", tmp) + _v1_cases(via)
        rig = Rig("pagerduty", {c.name: c for c in cases}, server, tmp)
        for case in cases:  # v2 cases post to /<case>/enqueue
            if not case.name.startswith("v1") and "url" not in case.config:
                case.config["url"] = server.url(f"/{case.name}/enqueue")
        with rig:
            yield Setup(rig, tls)


MATCHING = ["basic", "long", "huge", "keyfile"]


@pytest.mark.parametrize("name", MATCHING)
@async_test
async def test_v2_event_is_identical_to_alertmanagers(setup: Setup, name: str) -> None:
    """Same URL, headers and body bytes (summary cut, details, images, links, key file)."""
    rig = setup.rig
    theirs = rig.requests(setup.where(name), ours=False, count=1)
    assert await rig.send(name) is None
    ours = rig.requests(setup.where(name), ours=True)
    same_requests(theirs, ours)


def test_sanity_the_huge_event_lost_its_details(setup: Setup) -> None:
    """The reference replaced custom_details with the size notice."""
    (theirs,) = setup.rig.requests(setup.where("huge"), ours=False, count=1)
    details = json.loads(theirs.body)["payload"]["custom_details"]
    assert list(details) == ["error"]


@async_test
async def test_v2_resolve_event_is_identical(setup: Setup) -> None:
    """The second flush: event_action resolve with the same dedup key."""
    rig = setup.rig
    theirs = rig.requests(setup.where("resolve"), ours=False, count=2)
    assert [json.loads(r.body)["event_action"] for r in theirs] == ["trigger", "resolve"]
    for index in (0, 1):
        assert await rig.send("resolve", index) is None
    same_requests(theirs, rig.requests(setup.where("resolve"), ours=True))


@pytest.mark.parametrize("name", ["v1", "v1resolve"])
@async_test
async def test_v1_events_are_identical(setup: Setup, name: str) -> None:
    """v1 through the proxy: incident_key, event_type, null payload; resolve drops client."""
    rig = setup.rig
    flushes = 2 if rig.cases[name].resolve else 1
    theirs = rig.requests(setup.where(name), ours=False, count=flushes, server=setup.tls)
    for index in range(flushes):
        assert await rig.send(name, index) is None
    same_requests(theirs, rig.requests(setup.where(name), ours=True, server=setup.tls))


@pytest.mark.parametrize(
    "name",
    [
        *FAILING,
        *V1_FAILING,
        "emptykey",
        "refused",
        "tmplerr",
        "detailerr",
    ],
)
@async_test
async def test_failures_read_and_retry_like_alertmanagers(setup: Setup, name: str) -> None:
    """Same error text and the same retry decision (v2 retries 429, v1 403)."""
    rig = setup.rig
    expected = rig.failure(name)
    error = await rig.send(name)
    assert error is not None
    assert (str(error), error.retryable) == expected

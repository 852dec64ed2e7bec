"""Differential tests: gossamer's Webex requests against the real Alertmanager 0.25.

Each case sends one notification from the reference and one from gossamer,
built from the same YAML and the same flush (see ``tests.fakes.reference``),
to a fake Webex messages API; the requests must be equal but for ``User-Agent``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from tests.fakes.chat import WebexMessages
from tests.fakes.reference import BINARY, Case, Reference, by_gossamer, posted, ts
from tests.test_http_client_support import Recorded, Recorder, Reply, async_test, refused_port

pytestmark = pytest.mark.reference
#: Bound, never listening: connections to it are refused (open for the module's life).
REFUSED_SOCKET, REFUSED_PORT = refused_port()
templating = pytest.importorskip("receivers.templating")

AGO, ENDED = timedelta(minutes=-10), timedelta(minutes=-5)
AUTH = {"authorization": {"credentials": "webex-token"}}


def _case(rec: Recorder, name: str, alerts: list[dict[str, Any]], **fields: Any) -> Case:
    config = {
        "api_url": rec.url(f"/v1/messages/{name}"),
        "room_id": "room<1>&",
        "http_config": AUTH,
    }
    return Case(name, {**config, **fields}, alerts, send_resolved=fields.get("send_resolved", True))


def _cases(rec: Recorder) -> list[Case]:
    common = {"summary": "disk <full> & \u2028", "description": "more"}
    return [
        _case(rec, "defaults", [
            posted("defaults", {"alertname": "Disk", "i": i}, annotations=common, startsAt=ts(AGO),
                   **({"endsAt": ts(ENDED)} if i == "2" else {}))
            for i in "123"
        ]),
        _case(rec, "long", [posted("long", {"alertname": "L"}, startsAt=ts(AGO),
                                   annotations={"a": "ü" * 4000})]),
        _case(rec, "exact", [posted("exact", {"alertname": "E"}, startsAt=ts(AGO),
                                    annotations={"a": "x" * 7438 + "é"})],
              message="{{ .CommonAnnotations.a }}"),
        _case(rec, "custom", [posted("custom", {"alertname": "C"}, startsAt=ts(AGO))],
              message="**{{ .Status | toUpper }}** {{ .CommonLabels.alertname }}"),
        _case(rec, "badtemplate", [posted("badtemplate", {"alertname": "B"}, startsAt=ts(AGO))],
              message="{{ .Nope }}"),
        _case(rec, "badtoken", [posted("badtoken", {"alertname": "T"}, startsAt=ts(AGO))],
              http_config={"authorization": {"credentials": "wrong"}}),
        _case(rec, "busy", [posted("busy", {"alertname": "S"}, startsAt=ts(AGO))]),
        _case(rec, "refused", [posted("refused", {"alertname": "R"}, startsAt=ts(AGO))],
              api_url=f"http://127.0.0.1:{REFUSED_PORT}/v1/messages"),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reference]:
    if BINARY is None:
        pytest.skip("prometheus-alertmanager is not installed")
    with Recorder() as rec:
        cases = {c.name: c for c in _cases(rec)}
        for name in cases:
            rec.routes[f"/v1/messages/{name}"] = WebexMessages()
        rec.routes["/v1/messages/busy"] = Reply(500, b'{"message":"Internal Server Error"}')
        ref = Reference("webex", cases, rec, tmp_path_factory.mktemp("webex")).start()
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


@pytest.mark.parametrize("name", ["defaults", "long", "exact", "custom"])
@async_test
async def test_webex_request_matches_alertmanager(
    reference: Reference, templates: object, name: str
) -> None:
    """Method, path, headers (Authorization included) but User-Agent, and body bytes."""
    assert await reference.send(name, templates) is None
    theirs, ours = _requests(reference.hooks, f"/v1/messages/{name}")
    assert ours.body.decode() == theirs.body.decode()
    assert (ours.method, ours.path, ours.query, ours.version) == (
        theirs.method,
        theirs.path,
        theirs.query,
        theirs.version,
    )
    assert ours.header_dict(ignore=("user-agent",)) == theirs.header_dict(ignore=("user-agent",))


@pytest.mark.parametrize(
    ("name", "retryable"),
    [("badtemplate", False), ("badtoken", False), ("busy", True), ("refused", True)],
)
@async_test
async def test_webex_errors_read_like_alertmanager(
    reference: Reference, templates: object, name: str, retryable: bool
) -> None:
    """Status errors carry the body and retry only 5xx."""
    theirs = reference.error_for(name)
    error = await reference.send(name, templates)
    assert error is not None
    assert (str(error), error.retryable) == (theirs, retryable)

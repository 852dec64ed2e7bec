"""Differential tests: gossamer's Discord requests against the real Alertmanager 0.25.

Each case sends one notification from the reference and one from gossamer,
built from the same YAML and the same flush (see ``tests.fakes.reference``),
to a fake Discord webhook; the requests must be equal but for ``User-Agent``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from tests.fakes.chat import DiscordWebhook
from tests.fakes.reference import BINARY, Case, Reference, by_gossamer, posted, ts
from tests.test_http_client_support import Recorded, Recorder, Reply, async_test, refused_port

pytestmark = pytest.mark.reference
#: Bound, never listening: connections to it are refused (open for the module's life).
REFUSED_SOCKET, REFUSED_PORT = refused_port()
templating = pytest.importorskip("receivers.templating")

AGO, ENDED = timedelta(minutes=-10), timedelta(minutes=-5)


def _cases(rec: Recorder) -> list[Case]:
    def url(name: str) -> str:
        return rec.url(f"/api/webhooks/1/{name}")

    mixed = [
        posted(
            "mixed",
            {"alertname": "Disk", "instance": "a<1>"},
            startsAt=ts(AGO),
            annotations={"summary": "disk & full", "runbook": "http://rb?x=1&y=2"},
        ),
        posted(
            "mixed",
            {"alertname": "Disk", "instance": "b"},
            startsAt=ts(AGO),
            endsAt=ts(ENDED),
            annotations={"summary": "disk & full"},
        ),
    ]
    long = {"title": "{{ .CommonAnnotations.t }}", "message": "{{ .CommonAnnotations.m }}"}
    return [
        Case(
            "defaults",
            {"webhook_url": url("defaults")},
            [posted("defaults", {"alertname": "Up", "job": j}, startsAt=ts(AGO)) for j in "ba"],
            send_resolved=True,
        ),
        Case("mixed", {"webhook_url": url("mixed")}, mixed, send_resolved=True),
        Case(
            "noresolved",
            {"webhook_url": url("noresolved"), "send_resolved": False},
            [
                posted(
                    "noresolved",
                    {"alertname": "N", "n": n},
                    startsAt=ts(AGO),
                    **({"endsAt": ts(ENDED)} if n == "2" else {}),
                )
                for n in "12"
            ],
            send_resolved=False,
        ),
        Case(
            "long",
            {"webhook_url": url("long"), **long},
            [
                posted(
                    "long",
                    {"alertname": "L"},
                    startsAt=ts(AGO),
                    annotations={"t": "☃" * 300, "m": "x\u2028" * 2100},
                )
            ],
            send_resolved=True,
        ),
        Case(
            "custom",
            {
                "webhook_url": url("custom"),
                "title": "{{ .Status | toUpper }}",
                "message": "{{ range .Alerts }}{{ .Labels.alertname }} {{ end }}",
            },
            [posted("custom", {"alertname": "C"}, startsAt=ts(AGO))],
            send_resolved=True,
        ),
        Case(
            # A surrogate rune prints as U+FFFD (UTF-8, not escaped) and the embed keeps
            # its field order although msgspec cannot encode the text.
            "surrogate",
            {"webhook_url": url("surrogate"), "title": '{{ printf "%c" 0xD800 }}<'},
            [posted("surrogate", {"alertname": "S"}, startsAt=ts(AGO))],
            send_resolved=True,
        ),
        Case(
            "badtemplate",
            {"webhook_url": url("badtemplate"), "message": "{{ .Nope }}"},
            [posted("badtemplate", {"alertname": "B"}, startsAt=ts(AGO))],
            send_resolved=True,
        ),
        Case(
            "unknown",
            {"webhook_url": url("unknown")},
            [posted("unknown", {"alertname": "U"}, startsAt=ts(AGO))],
            send_resolved=True,
        ),
        Case(
            "ratelimited",
            {"webhook_url": url("ratelimited")},
            [posted("ratelimited", {"alertname": "R"}, startsAt=ts(AGO))],
            send_resolved=True,
        ),
        Case(
            "refused",
            {"webhook_url": f"http://127.0.0.1:{REFUSED_PORT}/api/webhooks/1/secret"},
            [posted("refused", {"alertname": "R"}, startsAt=ts(AGO))],
            send_resolved=True,
        ),
        Case(
            "busy",
            {"webhook_url": url("busy")},
            [posted("busy", {"alertname": "S"}, startsAt=ts(AGO))],
            send_resolved=True,
        ),
    ]


JSON = {"Content-Type": "application/json"}
REPLIES = {
    "unknown": Reply(404, b'{"message": "Unknown Webhook", "code": 10015}', JSON),
    "ratelimited": Reply(
        429,
        b'{"message": "You are being rate limited.", "retry_after": 0.5, "global": false}',
        JSON,
    ),
    "busy": Reply(502, b"<html>bad gateway</html>", {"Content-Type": "text/html"}),
}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reference]:
    if BINARY is None:
        pytest.skip("prometheus-alertmanager is not installed")
    with Recorder() as rec:
        cases = {c.name: c for c in _cases(rec)}
        for name in cases:
            rec.routes[f"/api/webhooks/1/{name}"] = REPLIES.get(name) or DiscordWebhook()
        ref = Reference("discord", cases, rec, tmp_path_factory.mktemp("discord")).start()
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


@pytest.mark.parametrize("name", ["defaults", "mixed", "noresolved", "long", "custom", "surrogate"])
@async_test
async def test_discord_request_matches_alertmanager(
    reference: Reference, templates: object, name: str
) -> None:
    """Method, path, headers but User-Agent, and body bytes equal the reference's."""
    assert await reference.send(name, templates) is None
    theirs, ours = _requests(reference.hooks, f"/api/webhooks/1/{name}")
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
    [
        ("badtemplate", False),
        ("unknown", False),
        ("ratelimited", False),
        ("busy", True),
        ("refused", True),
    ],
)
@async_test
async def test_discord_errors_read_like_alertmanager(
    reference: Reference, templates: object, name: str, retryable: bool
) -> None:
    """Status errors carry the body and retry only 5xx (429 included: 0.25 does not retry it)."""
    theirs = reference.error_for(name)
    error = await reference.send(name, templates)
    assert error is not None
    assert (str(error), error.retryable) == (theirs, retryable)

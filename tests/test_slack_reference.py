"""Differential tests: gossamer's Slack requests against the real Alertmanager 0.25.

Each case sends one notification from the reference and one from gossamer,
built from the same YAML and the same flush (see ``tests.fakes.reference``),
to a fake Slack webhook; the requests must be equal but for ``User-Agent``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.fakes.chat import SlackWebhook
from tests.fakes.reference import BINARY, Case, Reference, by_gossamer, posted, ts
from tests.test_http_client_support import Recorder, Reply, async_test, refused_port

pytestmark = pytest.mark.reference
#: Bound, never listening: connections to it are refused (open for the module's life).
REFUSED_SOCKET, REFUSED_PORT = refused_port()
templating = pytest.importorskip("receivers.templating")

AGO, LATER, ENDED = timedelta(minutes=-10), timedelta(hours=1), timedelta(minutes=-5)
LONG = "é" * 1100 + "<&>"
FULL = {
    "channel": "#alerts-{{ .CommonLabels.team }}",
    "username": "AM <bot>",
    "color": '{{ if eq .Status "firing" }}#ff0000{{ else }}#00ff00{{ end }}',
    "title": "{{ .CommonLabels.alertname }} & <{{ len .Alerts }}>",
    "title_link": "http://example.com/?a=1&b=2",
    "pretext": "pre {{ .Receiver }}",
    "text": "{{ range .Alerts }}* {{ .Labels.instance }} {{ .Annotations.summary }}\n{{ end }}",
    "fields": [
        {"title": "Team", "value": "{{ .CommonLabels.team }}", "short": True},
        {"title": "Count", "value": "{{ len .Alerts }}"},
        {"title": "Nothing", "value": "{{ .CommonLabels.nope }}", "short": False},
    ],
    "short_fields": True,
    "footer": "footer \u2028 text",
    "fallback": "fb",
    "callback_id": "cb-{{ .Status }}",
    "icon_emoji": ":fire:",
    "icon_url": "http://icons.example/x.png",
    "image_url": "http://img.example/{{ .Status }}.png",
    "thumb_url": "http://img.example/t.png",
    "link_names": True,
    "mrkdwn_in": ["text", "title"],
    "actions": [
        {
            "type": "button",
            "text": "Runbook",
            "url": "http://rb/{{ .CommonLabels.alertname }}",
            "style": "primary",
        },
        {
            "type": "button",
            "text": "Ack",
            "name": "ack",
            "value": "{{ .Status }}",
            "confirm": {
                "text": "Sure?",
                "title": "Ack {{ .CommonLabels.alertname }}",
                "ok_text": "Yes",
                "dismiss_text": "No",
            },
        },
        {
            "type": "button",
            "text": "Empty",
            "name": "e",
            "confirm": {"text": "{{ .CommonLabels.nope }}"},
        },
    ],
    "send_resolved": True,
}


def _cases(rec: Recorder, workdir: str) -> list[Case]:
    def url(name: str) -> str:
        return rec.url(f"/slack/{name}")

    team = [
        posted("defaults", {"alertname": "Disk", "instance": "a", "team": "db"}, startsAt=ts(AGO)),
        posted(
            "defaults",
            {"alertname": "Disk", "instance": "b", "team": "db"},
            startsAt=ts(AGO),
            annotations={"summary": "full <disk> & more"},
        ),
        posted(
            "defaults",
            {"alertname": "Disk", "instance": "c", "team": "db"},
            startsAt=ts(AGO),
            endsAt=ts(ENDED),
        ),
    ]
    full = [
        posted(
            "full",
            {"alertname": "CPU", "instance": f"i{n}", "team": "web"},
            startsAt=ts(AGO),
            annotations={"summary": f"load {n} > 9 & rising"},
        )
        for n in (2, 1)
    ]
    url_file = Path(workdir) / "slack_url"
    url_file.write_text(url("file") + "\n")
    return [
        Case("defaults", {"api_url": url("defaults")}, team, send_resolved=False),
        Case(
            "full",
            {"api_url": url("full"), **FULL},
            full,
            send_resolved=True,
            receiver="team.web (full)",
        ),
        Case(
            "resolved",
            {"api_url": url("resolved"), "send_resolved": True},
            [
                posted(
                    "resolved", {"alertname": "Gone", "n": "1"}, startsAt=ts(AGO), endsAt=ts(ENDED)
                ),
                posted("resolved", {"alertname": "Gone", "n": "2"}, startsAt=ts(AGO)),
            ],
            send_resolved=True,
        ),
        Case(
            "long",
            {"api_url": url("long"), "title": "{{ .CommonAnnotations.long }}"},
            [posted("long", {"alertname": "L"}, annotations={"long": LONG}, startsAt=ts(AGO))],
            send_resolved=False,
        ),
        Case(
            "file",
            {"api_url_file": str(url_file), "channel": "#f"},
            [posted("file", {"alertname": "F"}, startsAt=ts(AGO))],
            send_resolved=False,
        ),
        Case(
            "badtemplate",
            {"api_url": url("badtemplate"), "text": "{{ .Nope }}"},
            [posted("badtemplate", {"alertname": "B"}, startsAt=ts(AGO))],
            send_resolved=False,
        ),
        Case(
            "notfound",
            {"api_url": url("notfound"), "channel": '#gone "x"'},
            [posted("notfound", {"alertname": "N"}, startsAt=ts(AGO))],
            send_resolved=False,
        ),
        Case(
            "refused",
            {"api_url": f"http://127.0.0.1:{REFUSED_PORT}/hooks/secret"},
            [posted("refused", {"alertname": "R"}, startsAt=ts(AGO))],
            send_resolved=False,
        ),
        Case(
            "busy",
            {"api_url": url("busy")},
            [posted("busy", {"alertname": "S"}, startsAt=ts(AGO))],
            send_resolved=False,
        ),
    ]


REPLIES = {
    "notfound": Reply(404, b"channel_not_found", {"Content-Type": "text/plain"}),
    "busy": Reply(503, b"upstream busy", {"Content-Type": "text/plain"}),
}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reference]:
    if BINARY is None:
        pytest.skip("prometheus-alertmanager is not installed")
    workdir = tmp_path_factory.mktemp("slack")
    with Recorder() as rec:
        cases = {c.name: c for c in _cases(rec, str(workdir))}
        for name in cases:
            rec.routes[f"/slack/{name}"] = REPLIES.get(name) or SlackWebhook()
        ref = Reference("slack", cases, rec, workdir).start()
        try:
            yield ref
        finally:
            ref.stop()


@pytest.fixture(scope="module")
def templates() -> object:
    return templating.Templates.load([])


def _requests(rec: Recorder, path: str) -> tuple[object, object]:
    seen = rec.wait_for(2, path)
    theirs = next(r for r in seen if not by_gossamer(r))
    ours = next(r for r in seen if by_gossamer(r))
    return theirs, ours


@pytest.mark.parametrize("name", ["defaults", "full", "resolved", "long"])
@async_test
async def test_slack_request_matches_alertmanager(
    reference: Reference, templates: object, name: str
) -> None:
    """Method, path, headers but User-Agent, and body bytes equal the reference's."""
    assert await reference.send(name, templates) is None
    theirs, ours = _requests(reference.hooks, f"/slack/{name}")
    assert ours.body.decode() == theirs.body.decode()
    assert (ours.method, ours.path, ours.query, ours.version) == (
        theirs.method,
        theirs.path,
        theirs.query,
        theirs.version,
    )
    assert ours.header_dict(ignore=("user-agent",)) == theirs.header_dict(ignore=("user-agent",))


@async_test
async def test_slack_api_url_file_is_trimmed_and_read_at_send_time(
    reference: Reference, templates: object
) -> None:
    """The URL in ``api_url_file`` (with a trailing newline) is used as Alertmanager uses it."""
    assert await reference.send("file", templates) is None
    theirs, ours = _requests(reference.hooks, "/slack/file")
    assert ours.body == theirs.body


@pytest.mark.parametrize(
    ("name", "retryable"),
    [("badtemplate", False), ("notfound", False), ("busy", True), ("refused", True)],
)
@async_test
async def test_slack_errors_read_like_alertmanager(
    reference: Reference, templates: object, name: str, retryable: bool
) -> None:
    """Template failures and status errors have Alertmanager's text and retry class."""
    theirs = reference.error_for(name)
    error = await reference.send(name, templates)
    assert error is not None
    assert (str(error), error.retryable) == (theirs, retryable)

"""The MS Teams notifier (Alertmanager 0.26's MessageCard) against a loopback webhook.

There is no 0.25 binary to compare with (0.25 has no msteams_configs); the
card follows 0.26's ``notify/msteams``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gossamer.errors import NotifyError
from receivers.msteams import MSTeamsNotifier
from receivers.templating import Templates
from tests.fakes2.common import load, make_alert, send
from tests.fakes2.server import ServiceServer
from tests.test_http_client_support import Recorded, Reply, async_test, refused_port


def ok(req: Recorded) -> Reply:
    """Teams' incoming webhook answers ``1`` with 200."""
    return Reply(200, b"1")


async def deliver(alerts: Any = None, templates: Any = None, **fields: Any) -> Recorded:
    with ServiceServer(ok) as server:
        cfg = load("msteams", {"webhook_url": server.url("/webhookb2/x")} | fields)
        await send(MSTeamsNotifier, cfg, alerts or [make_alert(1)], templates=templates)
        (seen,) = server.requests
    return seen


@async_test
async def test_defaults_send_the_026_card_from_the_built_in_templates() -> None:
    """With only webhook_url, title, summary and text come from the built-in
    ``msteams.default.*`` (0.26+): the subject twice, then markdown alert lists."""
    alerts = [make_alert(1), make_alert(2, resolved=True)]
    seen = await deliver(alerts, templates=Templates.load([]))
    card = json.loads(seen.body)
    assert list(card) == ["@context", "type", "title", "summary", "text", "themeColor"]
    assert (card["title"], card["summary"], card["themeColor"]) == (
        "[FIRING:1] Disk ",
        "[FIRING:1] Disk ",
        "8C1A1A",
    )
    alert = (
        "\nLabels:\n  - alertname = Disk\n  - instance = i{n}\n"
        "\nAnnotations:\n  - summary = disk {n}\n\nSource: \n\n"
    )
    assert card["text"] == (
        f"\n\n# Alerts Firing:\n{alert.format(n=1)}\n\n"
        f"\n# Alerts Resolved:\n{alert.format(n=2)}\n\n"
    )


@async_test
async def test_user_template_file_replaces_a_built_in_msteams_default(tmp_path: Path) -> None:
    """A user file's ``msteams.default.title`` wins over the built-in one."""
    (tmp_path / "t.tmpl").write_text('{{ define "msteams.default.title" }}mine{{ end }}')
    templates = Templates.load(["*.tmpl"], base_dir=str(tmp_path))
    seen = await deliver(templates=templates)
    card = json.loads(seen.body)
    assert (card["title"], card["summary"]) == ("mine", "[FIRING:1] Disk (i1)")


@async_test
async def test_firing_card_is_red_with_title_summary_and_text() -> None:
    """The MessageCard fields in 0.26's order, Go-escaped, trailing newline."""
    seen = await deliver(title="T {{ .Status }}", summary="S", text="a<b>")
    assert (seen.method, seen.path, seen.header("Content-Type")) == (
        "POST",
        "/webhookb2/x",
        "application/json",
    )
    assert seen.body == (
        b'{"@context":"http://schema.org/extensions","type":"MessageCard","title":"T firing",'
        b'"summary":"S","text":"a\\u003cb\\u003e","themeColor":"8C1A1A"}\n'
    )


@async_test
async def test_resolved_card_is_green() -> None:
    seen = await deliver([make_alert(1, resolved=True)], title="t", summary="s", text="x")
    assert json.loads(seen.body)["themeColor"] == "2DC72D"


@async_test
async def test_webhook_url_file_is_read_and_trimmed_at_send_time(tmp_path: Path) -> None:
    with ServiceServer(ok) as server:
        (tmp_path / "url").write_text(server.url("/from-file") + "\n")
        cfg = load("msteams", {"webhook_url_file": "url", "title": "t", "text": "x"})
        await send(MSTeamsNotifier, cfg, [make_alert(1)], base_dir=tmp_path)
        (seen,) = server.requests
    assert seen.path == "/from-file"


@async_test
async def test_missing_url_file_is_final(tmp_path: Path) -> None:
    cfg = load("msteams", {"webhook_url_file": "nope", "title": "t", "summary": "s", "text": "x"})
    with pytest.raises(NotifyError) as caught:
        await send(MSTeamsNotifier, cfg, [make_alert(1)], base_dir=tmp_path)
    assert (
        str(caught.value)
        == f"read webhook_url_file: open {tmp_path}/nope: no such file or directory"
    )
    assert not caught.value.retryable


@pytest.mark.parametrize(("status", "retryable"), [(500, True), (429, False), (400, False)])
@async_test
async def test_only_server_errors_retry(status: int, retryable: bool) -> None:
    with ServiceServer(lambda _: Reply(status, b"Webhook message delivery failed")) as server:
        cfg = load(
            "msteams", {"webhook_url": server.url("/w"), "title": "t", "summary": "s", "text": "x"}
        )
        with pytest.raises(NotifyError) as caught:
            await send(MSTeamsNotifier, cfg, [make_alert(1)])
    assert (str(caught.value), caught.value.retryable) == (
        f"unexpected status code {status}: Webhook message delivery failed",
        retryable,
    )


@async_test
async def test_transport_errors_hide_the_webhook_url() -> None:
    sock, port = refused_port()
    with sock:
        cfg = load(
            "msteams",
            {
                "webhook_url": f"http://127.0.0.1:{port}/secret",
                "title": "t",
                "summary": "s",
                "text": "x",
            },
        )
        with pytest.raises(NotifyError) as caught:
            await send(MSTeamsNotifier, cfg, [make_alert(1)])
    assert str(caught.value).startswith('Post "<redacted>": ')
    assert caught.value.retryable


@async_test
async def test_template_errors_are_final_and_unwrapped() -> None:
    with ServiceServer(ok) as server:
        cfg = load("msteams", {"webhook_url": server.url("/w"), "title": "{{ fail }}"})
        with pytest.raises(NotifyError) as caught:
            await send(MSTeamsNotifier, cfg, [make_alert(1)])
        assert server.requests == []
    assert str(caught.value).startswith("template: ")
    assert not caught.value.retryable

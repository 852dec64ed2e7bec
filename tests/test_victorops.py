"""The VictorOps notifier against a fake REST endpoint on loopback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gossamer.errors import NotifyError
from receivers.victorops import VictorOpsNotifier
from tests.fakes2.common import GROUP_HASH, load, make_alert, send
from tests.fakes2.server import ServiceServer
from tests.fakes2.services import VictorOps
from tests.test_http_client_support import Recorded, Reply, async_test, refused_port

KEY = "vo-key"


def config(server: ServiceServer, **fields: Any) -> Any:
    base = {"api_key": KEY, "routing_key": "team-ops", "api_url": server.url("/alert/")}
    return load("victorops", base | fields)


async def deliver(fake: VictorOps, alerts: Any = None, **fields: Any) -> Recorded:
    with ServiceServer(fake) as server:
        await send(VictorOpsNotifier, config(server, **fields), alerts or [make_alert(1)])
        (seen,) = server.requests
    return seen


@async_test
async def test_firing_group_posts_a_critical_event_to_key_and_routing_key() -> None:
    """POST <api_url><key>/<routing key>; keys sorted; accepted by the service."""
    fake = VictorOps()
    seen = await deliver(fake)
    assert (seen.method, seen.path) == ("POST", f"/alert/{KEY}/team-ops")
    assert seen.header("Content-Type") == "application/json"
    assert (
        seen.body
        == (
            '{"entity_display_name":"\\u003cvictorops.default.entity_display_name\\u003e",'
            f'"entity_id":"{GROUP_HASH}","message_type":"CRITICAL",'
            '"monitoring_tool":"\\u003cvictorops.default.monitoring_tool\\u003e",'
            '"state_message":"\\u003cvictorops.default.state_message\\u003e"}\n'
        ).encode()
    )
    assert fake.accepted[0][0] == "team-ops"


@pytest.mark.parametrize(
    ("message_type", "sent"),
    [
        ("WARNING", "WARNING"),
        ("INFO", "INFO"),
        ("bogus", "CRITICAL"),
        ("{{ .Status }}", "CRITICAL"),
    ],
)
@async_test
async def test_firing_message_type_must_be_one_victorops_knows(
    message_type: str, sent: str
) -> None:
    """INFO/WARNING/CRITICAL pass, anything else becomes CRITICAL."""
    seen = await deliver(VictorOps(), message_type=message_type)
    assert json.loads(seen.body)["message_type"] == sent


@async_test
async def test_resolved_group_sends_recovery() -> None:
    """RECOVERY whatever message_type says."""
    seen = await deliver(VictorOps(), [make_alert(1, resolved=True)], message_type="INFO")
    assert json.loads(seen.body)["message_type"] == "RECOVERY"


@async_test
async def test_state_message_is_cut_to_20480_runes_and_custom_fields_join() -> None:
    """Truncation with an ellipsis; custom fields rendered among the fixed ones."""
    seen = await deliver(
        VictorOps(), state_message="ß" * 30000, custom_fields={"team": "{{ .Status }}", "a": "1"}
    )
    body = json.loads(seen.body)
    assert body["state_message"] == "ß" * 20479 + "…"
    assert (body["team"], body["a"]) == ("firing", "1")
    assert list(body) == sorted(body)


@async_test
async def test_key_and_routing_key_are_escaped_as_a_go_path(tmp_path: Path) -> None:
    """The key file is trimmed; spaces in the rendered routing key are percent-encoded."""
    (tmp_path / "key").write_text(f"{KEY}\n")
    fake = VictorOps()
    with ServiceServer(fake) as server:
        cfg = load(
            "victorops",
            {
                "api_key_file": "key",
                "routing_key": "a b-{{ .Status }}",
                "api_url": server.url("/x/"),
            },
        )
        await send(VictorOpsNotifier, cfg, [make_alert(1)], base_dir=tmp_path)
        (seen,) = server.requests
    assert seen.path == f"/x/{KEY}/a%20b-firing"


@async_test
async def test_a_missing_key_file_is_final(tmp_path: Path) -> None:
    """failed to read API key from file: open <path>: ..."""
    cfg = load("victorops", {"api_key_file": "nope", "routing_key": "r", "api_url": "http://h/"})
    with pytest.raises(NotifyError) as caught:
        await send(VictorOpsNotifier, cfg, [make_alert(1)], base_dir=tmp_path)
    assert str(caught.value) == (
        f"failed to read API key from file: open {tmp_path}/nope: no such file or directory"
    )
    assert not caught.value.retryable


@pytest.mark.parametrize(("status", "retryable"), [(500, True), (429, False), (400, False)])
@async_test
async def test_only_server_errors_retry(status: int, retryable: bool) -> None:
    """No documented rate-limit code: 5xx only; the body is the detail."""
    with pytest.raises(NotifyError) as caught:
        await deliver(VictorOps(script=[Reply(status, b'{"result":"failure"}')]))
    assert (str(caught.value), caught.value.retryable) == (
        f'unexpected status code {status}: {{"result":"failure"}}',
        retryable,
    )


@async_test
async def test_an_unknown_key_is_refused_for_good() -> None:
    """The service answers 404 for a wrong key."""
    with pytest.raises(NotifyError, match="^unexpected status code 404: ") as caught:
        await deliver(VictorOps(api_key="other"))
    assert not caught.value.retryable


@pytest.mark.parametrize("field", ["routing_key", "state_message", "custom_fields"])
@async_test
async def test_template_errors_are_final_and_nothing_is_sent(field: str) -> None:
    """templating error: <err> (0.25 would retry the payload ones)."""
    value: Any = {"c": "{{ fail }}"} if field == "custom_fields" else "{{ fail }}"
    with ServiceServer(VictorOps()) as server:
        with pytest.raises(NotifyError) as caught:
            await send(VictorOpsNotifier, config(server, **{field: value}), [make_alert(1)])
        assert server.requests == []
    assert str(caught.value).startswith("templating error: template: ")
    assert not caught.value.retryable


@async_test
async def test_transport_errors_hide_the_url_with_the_api_key() -> None:
    """notify.RedactURL: Post "<redacted>": <cause>, retryable."""
    sock, port = refused_port()
    with sock:
        cfg = load(
            "victorops",
            {"api_key": KEY, "routing_key": "r", "api_url": f"http://127.0.0.1:{port}/"},
        )
        with pytest.raises(NotifyError) as caught:
            await send(VictorOpsNotifier, cfg, [make_alert(1)])
    assert str(caught.value) == (
        f'Post "<redacted>": dial tcp 127.0.0.1:{port}: connect: connection refused'
    )
    assert caught.value.retryable

"""The PagerDuty notifier against a fake Events API (v2 on loopback, v1 through a TLS proxy)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gossamer.errors import NotifyError
from receivers.http import HTTPResponse
from receivers.pagerduty import V1_URL, PagerDutyNotifier, error_details
from tests.fakes2.common import GROUP_HASH, load, make_alert, send
from tests.fakes2.proxy import InterceptingProxy
from tests.fakes2.server import ServiceServer
from tests.fakes2.services import PagerDutyV1, PagerDutyV2
from tests.fakes2.templates import StubTemplates
from tests.test_http_client_support import Reply, async_test, make_certs, refused_port

KEY = "0123456789abcdef0123456789abcdef"


def v2_config(server: ServiceServer, **fields: Any) -> Any:
    return load("pagerduty", {"routing_key": KEY, "url": server.url("/v2/enqueue"), **fields})


async def deliver(fake: PagerDutyV2, alerts: Any = None, **fields: Any) -> dict[str, Any]:
    """Send one v2 event to a fresh fake; the body it accepted."""
    with ServiceServer(fake) as server:
        await send(PagerDutyNotifier, v2_config(server, **fields), alerts or [make_alert(1)])
        (seen,) = await server.await_for(1)
    assert seen.header("Content-Type") == "application/json"
    assert seen.body.endswith(b"}\n")
    return dict(json.loads(seen.body))


@async_test
async def test_v2_trigger_carries_dedup_key_summary_and_default_details() -> None:
    """The event PagerDuty accepts: dedup key = sha256(group key), severity error, source = client."""
    fake = PagerDutyV2()
    event = await deliver(fake)
    assert fake.accepted == [event]
    assert event == {
        "routing_key": KEY,
        "dedup_key": GROUP_HASH,
        "event_action": "trigger",
        "payload": {
            "summary": "<pagerduty.default.description>",
            "source": "<pagerduty.default.client>",
            "severity": "error",
            "custom_details": {
                "firing": "<pagerduty.default.instances>",
                "num_firing": "{{ .Alerts.Firing | len }}",
                "num_resolved": "{{ .Alerts.Resolved | len }}",
                "resolved": "<pagerduty.default.instances>",
            },
        },
        "client": "<pagerduty.default.client>",
        "client_url": "<pagerduty.default.clientURL>",
    }


@async_test
async def test_v2_fields_appear_in_alertmanagers_order() -> None:
    """Struct order of pagerDutyMessage, omitempty fields left out, HTML-escaped."""
    with ServiceServer(PagerDutyV2()) as server:
        config = v2_config(server, details={"a": "<b>"}, client="c", client_url="u")
        await send(PagerDutyNotifier, config, [make_alert(1)])
        (seen,) = await server.await_for(1)
    assert seen.body.decode().startswith(
        f'{{"routing_key":"{KEY}","dedup_key":"{GROUP_HASH}","event_action":"trigger",'
        '"payload":{"summary":"\\u003cpagerduty.default.description\\u003e","source":"c",'
        '"severity":"error","custom_details":{"a":"\\u003cb\\u003e",'
    )
    assert seen.body.endswith(b'},"client":"c","client_url":"u"}\n')


@async_test
async def test_v2_resolves_when_every_alert_is_resolved() -> None:
    """event_action resolve with the same dedup key."""
    event = await deliver(
        PagerDutyV2(), [make_alert(1, resolved=True), make_alert(2, resolved=True)]
    )
    assert (event["event_action"], event["dedup_key"]) == ("resolve", GROUP_HASH)


@async_test
async def test_v2_triggers_while_one_alert_still_fires() -> None:
    """Any firing alert keeps the incident triggered."""
    event = await deliver(PagerDutyV2(), [make_alert(1, resolved=True), make_alert(2)])
    assert event["event_action"] == "trigger"


@async_test
async def test_summary_is_cut_to_1024_runes_with_an_ellipsis() -> None:
    """1023 runes of the description, then U+2026."""
    event = await deliver(PagerDutyV2(), description="é" * 2000)
    assert event["payload"]["summary"] == "é" * 1023 + "…"


@async_test
async def test_optional_payload_fields_images_and_links_are_templated() -> None:
    """class/component/group/severity rendered; images without src and links without href dropped."""
    event = await deliver(
        PagerDutyV2(),
        **{"class": "cls"},
        component="comp",
        group="grp",
        images=[{"src": "http://i/{{ .Status }}", "alt": "a"}, {"alt": "no src"}],
        links=[{"href": "http://l", "text": "t"}, {"text": "no href"}],
    )
    payload = event["payload"]
    assert (payload["class"], payload["component"], payload["group"]) == ("cls", "comp", "grp")
    assert event["images"] == [{"src": "http://i/firing", "alt": "a", "href": ""}]
    assert event["links"] == [{"href": "http://l", "text": "t"}]


@async_test
async def test_unknown_severity_is_sent_and_pagerduty_refuses_it() -> None:
    """A 400 is final; its message and errors become the error text."""
    with ServiceServer(PagerDutyV2()) as server:
        with pytest.raises(NotifyError) as caught:
            await send(
                PagerDutyNotifier, v2_config(server, severity="{{ .Status }}"), [make_alert(1)]
            )
    assert str(caught.value) == (
        "unexpected status code 400: Event object is invalid: 'payload.severity' is invalid"
    )
    assert not caught.value.retryable


@pytest.mark.parametrize(
    ("status", "retryable"), [(429, True), (500, True), (503, True), (403, False), (404, False)]
)
@async_test
async def test_v2_retries_rate_limits_and_server_errors_only(status: int, retryable: bool) -> None:
    """Events API v2: 429 and 5xx retry; other codes are final, without details unless 400."""
    fake = PagerDutyV2(script=[Reply(status, b'{"status":"throttle","message":"slow down"}')])
    with ServiceServer(fake) as server:
        with pytest.raises(NotifyError) as caught:
            await send(PagerDutyNotifier, v2_config(server), [make_alert(1)])
    assert (str(caught.value), caught.value.retryable) == (
        f"unexpected status code {status}",
        retryable,
    )


def test_error_details_read_only_a_400s_message_and_errors() -> None:
    """errDetails: Go's lenient decoding (case-insensitive keys), nothing on a bad body."""

    def details(status: int, body: bytes) -> str:
        return error_details(HTTPResponse(status, "", {}, body, "http://x"))

    assert details(400, b' {"Message":"m","errors":["a","b"]} trailing') == "m: a,b"
    assert details(400, b'{"message":"m"}') == "m: "
    assert details(400, b'{"message":1}') == ""
    assert details(400, b"not json") == ""
    assert details(500, b'{"message":"m"}') == ""


@async_test
async def test_transport_errors_are_retryable_and_name_pagerduty() -> None:
    """Connection refused: ``failed to post message to PagerDuty: Post "<url>": ...``."""
    sock, port = refused_port()
    with sock:
        config = load("pagerduty", {"routing_key": KEY, "url": f"http://127.0.0.1:{port}/x"})
        with pytest.raises(NotifyError) as caught:
            await send(PagerDutyNotifier, config, [make_alert(1)])
    assert str(caught.value) == (
        f'failed to post message to PagerDuty: Post "http://127.0.0.1:{port}/x": '
        f"dial tcp 127.0.0.1:{port}: connect: connection refused"
    )
    assert caught.value.retryable


@async_test
async def test_routing_key_file_is_read_and_trimmed_at_send_time(tmp_path: Path) -> None:
    """The key comes from the file each time, surrounding whitespace dropped."""
    (tmp_path / "key").write_text(f"  {KEY}\n")
    fake = PagerDutyV2()
    with ServiceServer(fake) as server:
        config = load("pagerduty", {"routing_key_file": "key", "url": server.url("/v2/enqueue")})
        await send(PagerDutyNotifier, config, [make_alert(1)], base_dir=tmp_path)
    assert fake.accepted[0]["routing_key"] == KEY


@async_test
async def test_missing_routing_key_file_is_a_final_error(tmp_path: Path) -> None:
    """Go's wording: failed to read routing key from file: open <path>: ..."""
    config = load("pagerduty", {"routing_key_file": "nope", "url": "http://127.0.0.1:9/x"})
    with pytest.raises(NotifyError) as caught:
        await send(PagerDutyNotifier, config, [make_alert(1)], base_dir=tmp_path)
    assert str(caught.value) == (
        f"failed to read routing key from file: open {tmp_path}/nope: no such file or directory"
    )
    assert not caught.value.retryable


@async_test
async def test_template_errors_are_final_and_nothing_is_sent() -> None:
    """A failing field: ``failed to template PagerDuty v2 message: <err>``."""
    with ServiceServer(PagerDutyV2()) as server:
        with pytest.raises(NotifyError) as caught:
            await send(
                PagerDutyNotifier, v2_config(server, component="{{ fail }}"), [make_alert(1)]
            )
        assert server.requests == []
    assert str(caught.value).startswith("failed to template PagerDuty v2 message: template: ")
    assert not caught.value.retryable


@async_test
async def test_a_failing_detail_names_its_key_and_template() -> None:
    """Details fail first, with Go's %q quoting of key and template."""
    config = load("pagerduty", {"routing_key": KEY, "details": {"k\n": "{{ fail }}"}})
    with pytest.raises(NotifyError) as caught:
        await send(PagerDutyNotifier, config, [make_alert(1)])
    assert str(caught.value).startswith('"k\\n": failed to template "{{ fail }}": template: ')


@async_test
async def test_a_routing_key_that_renders_empty_is_refused() -> None:
    """routing key cannot be empty (after templating)."""
    config = load("pagerduty", {"routing_key": "{{ .CommonLabels.nothing }}"})
    with pytest.raises(NotifyError, match="^routing key cannot be empty$"):
        await send(PagerDutyNotifier, config, [make_alert(1)])


@async_test
async def test_an_oversized_event_loses_its_details() -> None:
    """Over 512000 bytes: custom_details become the one error entry, the rest stays."""
    fake = PagerDutyV2()
    event = await deliver(fake, details={"big": "x" * 600_000})
    assert event["payload"]["custom_details"] == {
        "error": "Custom details have been removed because the original event exceeds"
        " the maximum size of 512KB"
    }
    assert event["payload"]["summary"] == "<pagerduty.default.description>"


# --- Events API v1 ------------------------------------------------------------------


async def deliver_v1(fake: PagerDutyV1, alerts: Any, tmp_path: Path, **fields: Any) -> Any:
    """Send through a proxy to a TLS fake posing as events.pagerduty.com."""
    certs = make_certs(tmp_path, hosts=("events.pagerduty.com",))
    with (
        ServiceServer(fake, certs.server_context()) as server,
        InterceptingProxy(server.port) as proxy,
    ):
        http_config = {"proxy_url": proxy.url(), "tls_config": {"ca_file": str(certs.ca)}}
        config = load("pagerduty", {"service_key": KEY, "http_config": http_config, **fields})
        try:
            await send(PagerDutyNotifier, config, alerts, templates=StubTemplates())
        finally:
            seen = list(server.requests)
    assert proxy.targets == ["events.pagerduty.com:443"] * len(seen)
    return seen


@async_test
async def test_v1_trigger_goes_to_the_fixed_endpoint_with_incident_key(tmp_path: Path) -> None:
    """service_key, incident_key, event_type, description; event_action "" and payload null."""
    fake = PagerDutyV1()
    (seen,) = await deliver_v1(fake, [make_alert(1)], tmp_path, client="c", client_url="u")
    assert f"https://events.pagerduty.com{seen.path}" == V1_URL
    assert seen.body.decode().startswith(
        f'{{"service_key":"{KEY}","incident_key":"{GROUP_HASH}","event_type":"trigger",'
        '"description":"\\u003cpagerduty.default.description\\u003e","event_action":"",'
        '"payload":null,"client":"c","client_url":"u","details":{'
    )
    assert fake.accepted[0]["details"]["firing"] == "<pagerduty.default.instances>"


@async_test
async def test_v1_resolve_leaves_client_fields_out(tmp_path: Path) -> None:
    """event_type resolve, no client / client_url."""
    fake = PagerDutyV1()
    await deliver_v1(fake, [make_alert(1, resolved=True)], tmp_path, client="c")
    assert fake.accepted[0]["event_type"] == "resolve"
    assert "client" not in fake.accepted[0]


@pytest.mark.parametrize(("status", "retryable"), [(403, True), (429, False), (502, True)])
@async_test
async def test_v1_retries_403_and_server_errors(
    tmp_path: Path, status: int, retryable: bool
) -> None:
    """Events API v1 rate-limits with 403, which is worth retrying; 429 is not (per 0.25)."""
    fake = PagerDutyV1(script=[Reply(status, b"rate limited")])
    with pytest.raises(NotifyError) as caught:
        await deliver_v1(fake, [make_alert(1)], tmp_path)
    assert (str(caught.value), caught.value.retryable) == (
        f"unexpected status code {status}",
        retryable,
    )

"""The OpsGenie notifier against a fake Alert API v2 on loopback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gossamer.errors import NotifyError
from receivers.opsgenie import OpsGenieNotifier, safe_split
from tests.fakes2.common import GROUP_HASH, load, make_alert, send
from tests.fakes2.server import ServiceServer
from tests.fakes2.services import OpsGenie
from tests.test_http_client_support import Recorded, Reply, async_test

KEY = "genie-key"


def config(server: ServiceServer, **fields: Any) -> Any:
    return load("opsgenie", {"api_key": KEY, "api_url": server.url("/"), **fields})


async def deliver(fake: OpsGenie, alerts: Any = None, **fields: Any) -> list[Recorded]:
    """Notify once through a fresh fake; every request it received."""
    with ServiceServer(fake) as server:
        await send(OpsGenieNotifier, config(server, **fields), alerts or [make_alert(1)])
        return list(server.requests)


@async_test
async def test_firing_group_creates_an_alert_keyed_by_the_group_hash() -> None:
    """POST v2/alerts with GenieKey auth; details = common labels; accepted by OpsGenie."""
    fake = OpsGenie()
    (seen,) = await deliver(fake, [make_alert(1), make_alert(2)])
    assert (seen.method, seen.path, seen.query) == ("POST", "/v2/alerts", "")
    assert seen.header("Authorization") == f"GenieKey {KEY}"
    assert seen.header("Content-Type") == "application/json"
    assert (
        seen.body
        == (
            f'{{"alias":"{GROUP_HASH}","message":"\\u003copsgenie.default.message\\u003e",'
            '"description":"\\u003copsgenie.default.description\\u003e",'
            '"details":{"alertname":"Disk"},"source":"\\u003copsgenie.default.source\\u003e"}\n'
        ).encode()
    )
    assert len(fake.accepted) == 1


@async_test
async def test_optional_fields_responders_tags_and_actions() -> None:
    """teams expand per name, empty responders vanish, lists split on commas and keep spaces."""
    fake = OpsGenie()
    await deliver(
        fake,
        details={"alertname": "over", "k": "{{ .Status }}"},
        responders=[
            {"name": "a,{{ .CommonLabels.alertname }}, ,", "type": "teams"},
            {"id": "{{ .CommonLabels.missing }}", "type": "{{ .CommonLabels.missing }}"},
            {"username": "u@x", "type": "user"},
        ],
        tags=" t1,, t2 ",
        actions="a1,a2",
        note="n",
        priority="P2",
        entity="e",
    )
    (_, _, body) = fake.accepted[0]
    assert body["details"] == {"alertname": "over", "instance": "i1", "k": "firing"}
    assert body["responders"] == [
        {"name": "a", "type": "team"},
        {"name": "Disk", "type": "team"},
        {"name": " ", "type": "team"},
        {"username": "u@x", "type": "user"},
    ]
    assert (body["tags"], body["actions"]) == (["t1", " t2"], ["a1", "a2"])
    assert (body["note"], body["priority"], body["entity"]) == ("n", "P2", "e")


def test_safe_split_drops_empty_items_only() -> None:
    """strings.Split of the trimmed text, empty items filtered."""
    assert safe_split("") == []
    assert safe_split(" a, ,b,,") == ["a", " ", "b"]


@async_test
async def test_message_is_cut_to_130_runes() -> None:
    """129 runes and an ellipsis."""
    fake = OpsGenie()
    await deliver(fake, message="ü" * 200)
    assert fake.accepted[0][2]["message"] == "ü" * 129 + "…"


@async_test
async def test_update_alerts_also_puts_message_and_description() -> None:
    """Create, then PUT message and description by alias, in that order."""
    fake = OpsGenie()
    seen = await deliver(fake, update_alerts=True, message="m", description="d")
    assert [(r.method, r.path, r.query) for r in seen] == [
        ("POST", "/v2/alerts", ""),
        ("PUT", f"/v2/alerts/{GROUP_HASH}/message", "identifierType=alias"),
        ("PUT", f"/v2/alerts/{GROUP_HASH}/description", "identifierType=alias"),
    ]
    assert [r.body for r in seen[1:]] == [b'{"message":"m"}\n', b'{"description":"d"}\n']
    assert len(fake.accepted) == 3


@async_test
async def test_resolved_group_closes_the_alert_by_alias() -> None:
    """POST v2/alerts/<alias>/close?identifierType=alias with the source."""
    fake = OpsGenie()
    (seen,) = await deliver(fake, [make_alert(1, resolved=True)], source="prom")
    assert (seen.method, seen.path, seen.query) == (
        "POST",
        f"/v2/alerts/{GROUP_HASH}/close",
        "identifierType=alias",
    )
    assert seen.body == b'{"source":"prom"}\n'


@async_test
async def test_api_url_query_is_kept_and_sorted_on_alias_requests() -> None:
    """url.Values re-encodes the API URL's query with identifierType set."""
    fake = OpsGenie()
    with ServiceServer(fake) as server:
        cfg = load("opsgenie", {"api_key": KEY, "api_url": server.url("/og/?z=1&a=b c")})
        await send(OpsGenieNotifier, cfg, [make_alert(1, resolved=True)])
        (seen,) = server.requests
    assert (seen.path, seen.query) == (
        f"/og/v2/alerts/{GROUP_HASH}/close",
        "a=b+c&identifierType=alias&z=1",
    )


@async_test
async def test_api_key_file_is_read_as_is(tmp_path: Path) -> None:
    """The file's content is the key; 0.25 does not trim it."""
    (tmp_path / "key").write_text(KEY)
    fake = OpsGenie()
    with ServiceServer(fake) as server:
        cfg = load("opsgenie", {"api_key_file": "key", "api_url": server.url("/")})
        await send(OpsGenieNotifier, cfg, [make_alert(1)], base_dir=tmp_path)
    assert len(fake.accepted) == 1


@async_test
async def test_a_key_file_ending_in_a_newline_makes_an_invalid_header(tmp_path: Path) -> None:
    """Go's transport refuses the header before sending; the error is retryable."""
    (tmp_path / "key").write_text(KEY + "\n")
    with ServiceServer(OpsGenie()) as server:
        cfg = load("opsgenie", {"api_key_file": "key", "api_url": server.url("/")})
        with pytest.raises(NotifyError) as caught:
            await send(OpsGenieNotifier, cfg, [make_alert(1)], base_dir=tmp_path)
        assert server.requests == []
    assert str(caught.value) == (
        f'Post "{server.url("/v2/alerts")}": net/http: invalid header field value for "Authorization"'
    )
    assert caught.value.retryable


@async_test
async def test_a_missing_key_file_is_final(tmp_path: Path) -> None:
    """read key_file error: open <path>: no such file or directory."""
    cfg = load("opsgenie", {"api_key_file": "nope", "api_url": "http://127.0.0.1:9/"})
    with pytest.raises(NotifyError) as caught:
        await send(OpsGenieNotifier, cfg, [make_alert(1)], base_dir=tmp_path)
    assert str(caught.value) == (
        f"read key_file error: open {tmp_path}/nope: no such file or directory"
    )
    assert not caught.value.retryable


@async_test
async def test_a_wrong_key_is_refused_for_good_with_opsgenies_answer() -> None:
    """401 is final; the details are the response body."""
    with pytest.raises(NotifyError) as caught:
        await deliver(OpsGenie(api_key="other"))
    assert str(caught.value).startswith(
        'unexpected status code 401: {"message": "Could not authenticate"'
    )
    assert not caught.value.retryable


@async_test
async def test_an_empty_message_is_unprocessable() -> None:
    """OpsGenie answers 422 for a blank message; final."""
    with pytest.raises(NotifyError) as caught:
        await deliver(OpsGenie(), message="{{ .CommonLabels.missing }}")
    assert str(caught.value).startswith("unexpected status code 422: ")
    assert not caught.value.retryable


@pytest.mark.parametrize(("status", "retryable"), [(429, True), (500, True), (400, False)])
@async_test
async def test_rate_limits_and_server_errors_retry(status: int, retryable: bool) -> None:
    """429 and 5xx retry; the first failure stops the remaining requests."""
    fake = OpsGenie(script=[Reply(status, b"nope")])
    with ServiceServer(fake) as server:
        with pytest.raises(NotifyError) as caught:
            await send(OpsGenieNotifier, config(server, update_alerts=True), [make_alert(1)])
        assert len(server.requests) == 1
    assert (str(caught.value), caught.value.retryable) == (
        f"unexpected status code {status}: nope",
        retryable,
    )


@async_test
async def test_template_errors_are_final_and_nothing_is_sent() -> None:
    """templating error: <err>, checked after every field (and the key) is rendered."""
    with ServiceServer(OpsGenie()) as server:
        with pytest.raises(NotifyError) as caught:
            await send(OpsGenieNotifier, config(server, note="{{ fail }}"), [make_alert(1)])
        assert server.requests == []
    assert str(caught.value).startswith("templating error: template: ")
    assert not caught.value.retryable


@async_test
async def test_details_are_html_escaped_like_go() -> None:
    """json.Encoder escapes <, > and & in values."""
    fake = OpsGenie()
    (seen,) = await deliver(fake, details={"x": "a<b>&c"})
    assert b'"x":"a\\u003cb\\u003e\\u0026c"' in seen.body
    assert json.loads(seen.body)["details"]["x"] == "a<b>&c"

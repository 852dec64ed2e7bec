"""The webhook notifier against a real loopback receiver."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from gossamer.alert import Alert
from gossamer.config.model import BasicAuth, HTTPClientConfig, WebhookConfig
from gossamer.errors import NotifyError
from gossamer.labels import fingerprint
from gossamer.timefmt import NS, ZERO
from receivers.base import NotificationContext, Notifier
from receivers.http import HTTPClientPool
from receivers.payload import build_data, webhook_body
from receivers.webhook import WebhookNotifier
from tests.test_http_client_support import Recorder, Reply, async_test, refused_port

T0 = 1_764_000_000 * NS


def make_alert(n: int, *, ends_at: int = ZERO) -> Alert:
    labels = {"alertname": "A", "n": f"{n:03d}"}
    return Alert(labels, {"i": str(n)}, T0, ends_at, "", T0, False, fingerprint(labels))


def context(now: int = T0 + 60 * NS) -> NotificationContext:
    return NotificationContext(
        group_key='{}:{alertname="A"}',
        group_labels={"alertname": "A"},
        receiver_name="team.a",
        external_url="http://am:9093",
        now_ns=now,
    )


async def send(config: WebhookConfig, alerts: list[Alert], base_dir: Path | str = ".") -> None:
    notifier = WebhookNotifier(config, 0, base_dir=base_dir, pool=HTTPClientPool())
    try:
        await notifier.notify(context(), alerts)
    finally:
        await notifier.close()


def test_webhook_notifier_satisfies_the_notifier_protocol() -> None:
    """integration/index/send_resolved are what the sender and nflog key on."""
    notifier: Notifier = WebhookNotifier(
        WebhookConfig(url="http://h/x", send_resolved=False), 3, pool=HTTPClientPool()
    )
    assert (notifier.integration, notifier.index, notifier.send_resolved) == ("webhook", 3, False)


@async_test
async def test_notify_posts_the_v4_body_as_json() -> None:
    """One POST with the body webhook_body builds, Content-Type application/json."""
    alerts = [make_alert(1), make_alert(2, ends_at=T0 + NS)]
    with Recorder() as rec:
        await send(WebhookConfig(url=rec.url("/hook")), alerts)
        (seen,) = await rec.await_for(1)
    assert seen.header("Content-Type") == "application/json"
    assert seen.body == webhook_body(build_data(context(), alerts), context().group_key, 0)
    assert [a["status"] for a in json.loads(seen.body)["alerts"]] == ["firing", "resolved"]


@async_test
async def test_notifier_sends_the_resolved_alerts_it_is_given() -> None:
    """send_resolved filtering belongs to the sender stage, not to the notifier."""
    with Recorder() as rec:
        config = WebhookConfig(url=rec.url("/hook"), send_resolved=False)
        await send(config, [make_alert(1, ends_at=T0 + NS)])
        (seen,) = await rec.await_for(1)
    assert json.loads(seen.body)["status"] == "resolved"


@async_test
async def test_max_alerts_keeps_the_first_alerts_and_reports_the_rest() -> None:
    """Data (status, common labels) is computed on the kept alerts only."""
    alerts = [make_alert(1), make_alert(2, ends_at=T0 + NS), make_alert(3)]
    with Recorder() as rec:
        await send(WebhookConfig(url=rec.url("/hook"), max_alerts=1), alerts)
        (seen,) = await rec.await_for(1)
    body = json.loads(seen.body)
    assert body["truncatedAlerts"] == 2
    assert [a["labels"]["n"] for a in body["alerts"]] == ["001"]
    assert body["commonLabels"] == {"alertname": "A", "n": "001"}
    assert seen.body == webhook_body(build_data(context(), alerts[:1]), context().group_key, 2)


@async_test
async def test_any_2xx_is_success() -> None:
    """201, 204 and friends count as delivered."""
    with Recorder() as rec:
        rec.routes["/created"] = Reply(201, b"")
        rec.routes["/empty"] = Reply(204, b"")
        await send(WebhookConfig(url=rec.url("/created")), [make_alert(1)])
        await send(WebhookConfig(url=rec.url("/empty")), [make_alert(1)])


@async_test
async def test_5xx_is_retryable_with_url_and_body_in_the_error() -> None:
    """Alertmanager 0.25 wording: ``unexpected status code 503: <url>: <body>``."""
    with Recorder() as rec:
        rec.routes["/busy"] = Reply(503, b"try later")
        with pytest.raises(NotifyError) as info:
            await send(WebhookConfig(url=rec.url("/busy?token=t")), [make_alert(1)])
    assert info.value.retryable
    assert str(info.value) == f"unexpected status code 503: {rec.url('/busy?token=t')}: try later"


@pytest.mark.parametrize("status", [400, 401, 404, 429, 302])
@async_test
async def test_other_statuses_fail_without_retry(status: int) -> None:
    """4xx (429 included) and unfollowed 3xx are final errors for webhooks."""
    with Recorder() as rec:
        rec.routes["/no"] = Reply(status, b"")
        config = WebhookConfig(
            url=rec.url("/no"), http_config=HTTPClientConfig(follow_redirects=False)
        )
        with pytest.raises(NotifyError) as info:
            await send(config, [make_alert(1)])
    assert not info.value.retryable
    assert str(info.value) == f"unexpected status code {status}: {rec.url('/no')}: "


@async_test
async def test_transport_errors_are_retryable() -> None:
    """Connection refused is retried, and the error names the URL, password masked."""
    sock, port = refused_port()
    with sock, pytest.raises(NotifyError) as info:
        await send(WebhookConfig(url=f"http://u:pw@127.0.0.1:{port}/x"), [make_alert(1)])
    assert info.value.retryable
    assert str(info.value).startswith(f'Post "http://u:***@127.0.0.1:{port}/x": dial tcp')


@async_test
async def test_url_file_is_read_at_send_time(tmp_path: Path) -> None:
    """url_file is re-read for every notification (trimmed), relative to the config dir."""
    with Recorder() as rec:
        (tmp_path / "url").write_text(rec.url("/first") + "\n")
        notifier = WebhookNotifier(
            WebhookConfig(url_file="url"), 0, base_dir=tmp_path, pool=HTTPClientPool()
        )
        await notifier.notify(context(), [make_alert(1)])
        (tmp_path / "url").write_text(rec.url("/second"))
        await notifier.notify(context(), [make_alert(1)])
        await notifier.close()
        first, second = await rec.await_for(2)
    assert (first.path, second.path) == ("/first", "/second")


@async_test
async def test_missing_url_file_fails_without_retry(tmp_path: Path) -> None:
    """Later Alertmanagers return ``read url_file: ...`` as a final error."""
    with pytest.raises(NotifyError) as info:
        await send(WebhookConfig(url_file="nope"), [make_alert(1)], tmp_path)
    assert not info.value.retryable
    assert str(info.value) == (f"read url_file: open {tmp_path}/nope: no such file or directory")


@async_test
async def test_url_from_url_file_never_appears_in_errors(tmp_path: Path) -> None:
    """The URL is a secret: status errors carry the body only, transport errors <redacted>."""
    sock, port = refused_port()
    with Recorder() as rec, sock:
        rec.routes["/bad"] = Reply(400, b"nope")
        (tmp_path / "url").write_text(rec.url("/bad?token=secret"))
        with pytest.raises(NotifyError) as status_error:
            await send(WebhookConfig(url_file="url"), [make_alert(1)], tmp_path)
        (tmp_path / "url").write_text(f"http://127.0.0.1:{port}/x?token=secret")
        with pytest.raises(NotifyError) as transport_error:
            await send(WebhookConfig(url_file="url"), [make_alert(1)], tmp_path)
    assert str(status_error.value) == "unexpected status code 400: nope"
    assert str(transport_error.value) == (
        f'Post "<redacted>": dial tcp 127.0.0.1:{port}: connect: connection refused'
    )
    assert transport_error.value.retryable


@async_test
async def test_http_config_credentials_are_sent() -> None:
    """The webhook's http_config drives the shared client (basic auth here)."""
    http_config = HTTPClientConfig(basic_auth=BasicAuth(username="u", password="p"))
    with Recorder() as rec:
        await send(WebhookConfig(url=rec.url("/a"), http_config=http_config), [make_alert(1)])
        (seen,) = await rec.await_for(1)
    assert seen.header("Authorization") == "Basic dTpw"


@async_test
async def test_big_payloads_are_encoded_off_the_loop_and_arrive_whole() -> None:
    """A 2000-alert group is encoded in a worker thread; the loop keeps ticking."""
    alerts = [make_alert(i) for i in range(2000)]
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    with Recorder() as rec:
        task = asyncio.create_task(ticker())
        await send(WebhookConfig(url=rec.url("/big"), max_alerts=1500), alerts)
        task.cancel()
        (seen,) = await rec.await_for(1)
    body = json.loads(seen.body)
    assert (len(body["alerts"]), body["truncatedAlerts"]) == (1500, 500)
    assert ticks > 1


@async_test
async def test_notifiers_with_equal_http_configs_share_one_client() -> None:
    """Connection pools are shared per http_config; repr and statistics show state."""
    pool = HTTPClientPool()
    with Recorder() as rec:
        a = WebhookNotifier(WebhookConfig(url=rec.url("/a?token=s")), 0, pool=pool)
        b = WebhookNotifier(WebhookConfig(url=rec.url("/b")), 1, pool=pool)
        assert len(pool) == 1
        await a.notify(context(), [make_alert(1)])
        assert a.statistics() == {"notifications": 1, "failures": 0, "last_status": 200}
        assert repr(a) == (
            f"<WebhookNotifier webhook[0] to={rec.url('')} max_alerts=0 sent=1 failed=0"
            " last_status=200>"
        )
        await a.close()
        await b.close()
    assert len(pool) == 0


@async_test
async def test_times_go_cannot_encode_fail_without_retry() -> None:
    """Go's encoder refuses years past 9999; the notification fails for good."""
    labels = {"alertname": "A"}
    far = Alert(labels, {}, 253402300800 * NS, ZERO, "", T0, False, fingerprint(labels))
    with pytest.raises(NotifyError) as info:
        await send(WebhookConfig(url="http://127.0.0.1:9/never"), [far])
    assert not info.value.retryable
    assert str(info.value) == (
        "json: error calling MarshalJSON for type time.Time:"
        " Time.MarshalJSON: year outside of range [0,9999]"
    )

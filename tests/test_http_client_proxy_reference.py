"""Differential: transport errors through ``proxy_url`` read as Alertmanager 0.25 logs them.

One reference Alertmanager per module posts a webhook through each broken
proxy (a refused port; proxies answering ``CONNECT`` with 403, with a status
line lacking its text, or hanging up); gossamer's webhook notifier sends the
same request through the same proxy and must fail with the same text. All
sockets are loopback, on ports the kernel picks.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from gossamer.config.model import HTTPClientConfig, WebhookConfig
from gossamer.errors import NotifyError
from gossamer.timefmt import wall_ns
from receivers.base import NotificationContext
from receivers.http import HTTPClientPool
from receivers.webhook import WebhookNotifier
from tests.fakes2.reference import ReferenceAlertmanager
from tests.test_http_client_support import ForwardProxy, async_test, refused_port
from tests.test_webhook_reference import (
    BINARY,
    EXTERNAL_URL,
    logfmt,
    posted,
    to_alert,
    ts,
)

pytestmark = pytest.mark.reference

# name -> (webhook URL, CONNECT reply of the proxy; None: the proxy port refuses)
CASES: dict[str, tuple[str, bytes | None]] = {
    "refused": ("http://127.0.0.1:9/x", None),
    "refused_tls": ("https://127.0.0.1:9/x", None),
    "forbidden": ("https://127.0.0.1:9/x", b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"),
    "no_reason": ("https://127.0.0.1:9/x", b"HTTP/1.1 407\r\nContent-Length: 0\r\n\r\n"),
    "hang_up": ("https://127.0.0.1:9/x", b""),
}


class Reference:
    """The running reference and the proxy URL each case uses."""

    def __init__(self, am: ReferenceAlertmanager, proxies: dict[str, str]) -> None:
        self.am = am
        self.proxies = proxies

    def error_for(self, name: str) -> str:
        """The Notify error the reference logged for ``name``'s first attempt."""

        def matches(line: str) -> bool:
            fields = logfmt(line)
            return fields.get("receiver") == name or fields.get("err", "").startswith(
                f"{name}/webhook[0]: "
            )

        err = logfmt(self.am.wait_line(matches))["err"]
        return re.sub(r"^.*?/webhook\[0\]: notify retry canceled .*? after \d+ attempts: ", "", err)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reference]:
    if BINARY is None:
        pytest.skip("prometheus-alertmanager is not installed")
    sock, port = refused_port()
    with sock, contextlib.ExitStack() as stack:
        proxies = {
            name: stack.enter_context(ForwardProxy(reply)).url()
            if reply is not None
            else f"http://127.0.0.1:{port}"
            for name, (_, reply) in CASES.items()
        }
        receivers: list[dict[str, object]] = [{"name": "blackhole"}]
        for name, (url, _) in CASES.items():
            hook = {"url": url, "http_config": {"proxy_url": proxies[name]}}
            receivers.append({"name": name, "webhook_configs": [hook]})
        route = {
            "receiver": "blackhole",
            "group_by": ["scenario"],
            "group_wait": "1s",
            "routes": [{"matchers": [f'scenario="{n}"'], "receiver": n} for n in CASES],
        }
        workdir: Path = tmp_path_factory.mktemp("am")
        am = ReferenceAlertmanager(
            {"route": route, "receivers": receivers}, workdir, log_level="info"
        )
        try:
            am.post_alerts([posted(name, {"alertname": "P"}) for name in CASES])
            yield Reference(am, proxies)
        finally:
            am.stop()


@pytest.mark.parametrize("name", sorted(CASES))
@async_test
async def test_proxy_errors_read_like_alertmanager(reference: Reference, name: str) -> None:
    """``proxyconnect tcp: ...`` for a refused proxy, the bare status text for a
    refused CONNECT, ``unexpected EOF`` for a proxy hanging up: as Go logs them."""
    theirs = reference.error_for(name)
    url = CASES[name][0]
    config = WebhookConfig(url=url, http_config=HTTPClientConfig(proxy_url=reference.proxies[name]))
    notifier = WebhookNotifier(config, 0, pool=HTTPClientPool())
    ctx = NotificationContext("{}", {}, name, EXTERNAL_URL, wall_ns())
    alert = to_alert(posted(name, {"alertname": "P"}, startsAt=ts(timedelta())))
    with pytest.raises(NotifyError) as info:
        await notifier.notify(ctx, [alert])
    await notifier.close()
    assert (str(info.value), info.value.retryable) == (theirs, True)

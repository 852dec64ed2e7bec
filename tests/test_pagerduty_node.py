"""Whole processes: a gossamer node and the reference Alertmanager page the same fake PagerDuty.

Both nodes run the same config (PagerDuty v2 and OpsGenie pointed at loopback
fakes, the same external URL) and get the same alerts, firing then resolved.
Each service must receive the same events from both, byte for byte: this checks
the wiring (config loading, templates, dispatcher, sender) end to end, not just
the notifier.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest

from tests.fakes2.diff import by_gossamer, same_requests
from tests.fakes2.reference import ts
from tests.fakes2.server import ServiceServer
from tests.fakes2.services import OpsGenie, PagerDutyV2
from tests.harness.node import GOSSAMER, REFERENCE, NodeProcess
from tests.test_http_client_support import Recorded, Reply

pytestmark = [pytest.mark.reference, pytest.mark.gossamer_node]

EXTERNAL_URL = "http://am.example:9093"
KEY = "0123456789abcdef0123456789abcdef"

CONFIG = """
route:
  receiver: pager
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 4h
receivers:
- name: pager
  pagerduty_configs:
  - routing_key: {key}
    url: {base}/pd/enqueue
    details: {{team: '{{{{ .CommonLabels.team }}}}'}}
  opsgenie_configs:
  - api_key: genie-key
    api_url: {base}/og/
    tags: 'a,{{{{ .CommonLabels.team }}}}'
"""


def alerts(ended: bool) -> list[dict[str, object]]:
    extra = {"endsAt": ts(timedelta(seconds=-1))} if ended else {}
    return [
        {"labels": {"alertname": "DiskFull", "team": "db", "instance": f"db{n}"},
         "annotations": {"summary": f"disk {n} <90%>"},
         "startsAt": "2025-01-01T00:00:00Z", **extra}
        for n in range(2)
    ]  # fmt: skip


def count(server: ServiceServer, prefix: str, n: int) -> None:
    """Wait until each node (reference and gossamer alike) has sent ``n`` requests under
    ``prefix``: a total over both could be met by one side alone."""
    for ours in (False, True):
        server.wait_for(
            n, lambda r, ours=ours: r.path.startswith(prefix) and by_gossamer(r) == ours, timeout=30
        )


def test_both_nodes_send_identical_pagerduty_and_opsgenie_requests(
    node_factory: Callable[..., NodeProcess],
) -> None:
    """Trigger then resolve (PagerDuty), create then close (OpsGenie): same bytes from both."""
    pd, og = PagerDutyV2(), OpsGenie()

    def answer(req: Recorded) -> Reply:
        return pd(req) if req.path.startswith("/pd/") else og(req)

    with ServiceServer(answer) as server:
        config = CONFIG.format(key=KEY, base=server.url("").rstrip("/"))
        flags = [f"--web.external-url={EXTERNAL_URL}"]
        nodes = [node_factory(kind, config, extra_flags=flags) for kind in (REFERENCE, GOSSAMER)]
        for node in nodes:
            assert node.post_alerts(alerts(ended=False))[0] == 200
        count(server, "/pd/", 1)
        for node in nodes:
            assert node.post_alerts(alerts(ended=True))[0] == 200
        count(server, "/pd/", 2)
        count(server, "/og/", 2)
        requests = list(server.requests)

    for prefix in ("/pd/", "/og/"):
        mine = [r for r in requests if r.path.startswith(prefix)]
        theirs = [r for r in mine if not by_gossamer(r)]
        ours = [r for r in mine if by_gossamer(r)]
        same_requests(theirs, ours)
    actions = [json.loads(r.body)["event_action"] for r in requests if r.path.startswith("/pd/")]
    assert sorted(actions) == ["resolve", "resolve", "trigger", "trigger"]
    assert len(pd.accepted) == 4 and len(og.accepted) == 4

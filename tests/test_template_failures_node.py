"""A template that fails at send time fails its notification and is counted (real node)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest

from tests.harness.node import GOSSAMER, NodeProcess
from tests.harness.sink import WebhookSink

pytestmark = pytest.mark.gossamer_node

CONFIG = """
route:
  receiver: chat
  group_wait: 0s
receivers:
- name: chat
  slack_configs:
  - api_url: {url}/good
    channel: '#ok'
  - api_url: {url}/bad
    channel: '#broken'
    title: '{{{{ index .Alerts 5 }}}}'
"""


def metric(node: NodeProcess, name: str) -> float | None:
    found = re.search(rf"^{re.escape(name)} (\S+)$", node.get("/metrics").text, re.MULTILINE)
    return float(found.group(1)) if found else None


def test_a_field_failing_at_send_time_is_counted_and_the_other_config_still_sends(
    node_factory: Callable[..., NodeProcess],
) -> None:
    """`index .Alerts 5` on one alert fails at send time: that Slack config sends nothing,
    gossamer_template_failures_total and the failed-notification counter go up; the
    other Slack config of the same receiver delivers."""
    with WebhookSink() as sink:
        node = node_factory(GOSSAMER, CONFIG.format(url=sink.url))
        assert node.post_alerts([{"labels": {"alertname": "Broken"}}])[0] == 200
        sink.wait_for_matching(lambda n: n.path == "/good", timeout=15)
        deadline = time.monotonic() + 15
        while metric(node, "gossamer_template_failures_total") != 1.0:
            assert time.monotonic() < deadline, node.log_tail()
            time.sleep(0.05)
        failed = 'alertmanager_notifications_failed_total{integration="slack"}'
        assert metric(node, failed) == 1.0
        assert all(n.path == "/good" for n in sink.notifications)
        assert "Template rendering failed" in node.log_tail(200)

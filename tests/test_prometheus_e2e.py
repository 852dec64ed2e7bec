"""The real Prometheus, with all three gossamer nodes in its `alerting:` block, yields
exactly one notification for a rule that fires at once."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness.ports import PortAllocator
from tests.harness.sink import WebhookSink
from tests.test_cluster_nodes import RECEIVER, config, names, start_cluster, wait_until

pytestmark = [
    pytest.mark.gossamer_node,
    pytest.mark.skipif(shutil.which("prometheus") is None, reason="prometheus is not installed"),
]


def prometheus_config(alertmanagers: list[str]) -> str:
    targets = ", ".join(f'"{a}"' for a in alertmanagers)
    return f"""
global:
  evaluation_interval: 1s
rule_files: [rules.yml]
alerting:
  alertmanagers:
    - api_version: v2
      static_configs:
        - targets: [{targets}]
"""


RULES = """
groups:
  - name: gossamer
    rules:
      - alert: AlwaysFiring
        expr: vector(1)
        labels: {severity: page}
        annotations: {summary: "fires at once"}
"""


@pytest.fixture
def prometheus(tmp_path: Path, port_allocator: PortAllocator) -> Iterator[callable]:
    procs: list[subprocess.Popen[bytes]] = []

    def start(alertmanagers: list[str]) -> None:
        (tmp_path / "prometheus.yml").write_text(prometheus_config(alertmanagers))
        (tmp_path / "rules.yml").write_text(RULES)
        log = (tmp_path / "prometheus.log").open("wb")
        procs.append(subprocess.Popen(
            ["prometheus", f"--config.file={tmp_path / 'prometheus.yml'}",
             f"--storage.tsdb.path={tmp_path / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{port_allocator.allocate()}",
             "--rules.alert.resend-delay=1s"],
            stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path,
        ))  # fmt: skip

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(10)


def test_prometheus_alert_reaches_the_cluster_and_notifies_once(
    node_factory, webhook_sink: WebhookSink, prometheus
) -> None:
    """Prometheus sends to all three nodes every second; the webhook sees one notification."""
    nodes = start_cluster(node_factory, config(webhook_sink))
    prometheus([n.url.removeprefix("http://") for n in nodes])
    wait_until(
        lambda: all(n.get_json("/api/v2/alerts") for n in nodes), "the alert on every node", 60
    )
    webhook_sink.wait_for(1, timeout=30)
    time.sleep(5)  # Prometheus keeps re-sending each second; a duplicate would show up now
    notified = names(webhook_sink)
    assert notified == ["AlwaysFiring"], notified
    note = [n for n in webhook_sink.notifications if n.json.get("receiver") == RECEIVER][0].json
    assert note["alerts"][0]["labels"]["severity"] == "page"
    assert note["alerts"][0]["generatorURL"].startswith("http")

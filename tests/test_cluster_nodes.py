"""Three real gossamer processes over real sockets: one notification per group, failover,
silences everywhere, restarts."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from tests.harness.alerts import alert, at
from tests.harness.node import NodeProcess
from tests.harness.sink import WebhookSink

pytestmark = pytest.mark.gossamer_node

RECEIVER = f"hook_{uuid.uuid4().hex[:8]}"


def config(sink: WebhookSink, group_wait: str = "1s") -> str:
    return f"""
route:
  receiver: {RECEIVER}
  group_by: [alertname]
  group_wait: {group_wait}
  group_interval: 2s
  repeat_interval: 1h
receivers:
  - name: {RECEIVER}
    webhook_configs:
      - url: {sink.url}
"""


def start_cluster(node_factory, text: str, peer_timeout: str = "1s") -> list[NodeProcess]:
    flags = [
        f"--cluster.peer-timeout={peer_timeout}",
        "--cluster.probe-interval=200ms",
        "--cluster.probe-timeout=100ms",
    ]
    first = node_factory("gossamer", text, clustered=True, extra_flags=flags)
    rest = [
        node_factory(
            "gossamer",
            text,
            clustered=True,
            extra_flags=[*flags, f"--cluster.peer={first.cluster_address}"],
        )
        for _ in range(2)
    ]
    nodes = [first, *rest]
    wait_until(
        lambda: all(len(n.get_json("/api/v2/status")["cluster"]["peers"]) == 3 for n in nodes),
        "3 members",
    )
    wait_until(
        lambda: all(n.get_json("/api/v2/status")["cluster"]["status"] == "ready" for n in nodes),
        "settled",
    )
    return nodes


def wait_until(predicate, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def names(sink: WebhookSink) -> list[str]:
    return [
        n.json["groupLabels"].get("alertname", "")
        for n in sink.notifications
        if n.json.get("receiver") == RECEIVER
    ]


def by_position(nodes: list[NodeProcess]) -> list[NodeProcess]:
    """The nodes ordered by their names (Alertmanager's position order)."""
    return sorted(nodes, key=lambda n: n.get_json("/api/v2/status")["cluster"]["name"])


def test_three_nodes_send_exactly_one_notification_per_group(node_factory, webhook_sink) -> None:
    """Every node gets every alert; the nflog gossip makes exactly one of them notify."""
    nodes = start_cluster(node_factory, config(webhook_sink))
    groups = [f"G{i}" for i in range(5)]
    for node in nodes:
        node.post_alerts([alert({"alertname": g}, ends_at=at(3600)) for g in groups])
    webhook_sink.wait_for(5, timeout=20)
    time.sleep(4)  # two more group_interval ticks and a peer wait: a duplicate would arrive now
    assert sorted(names(webhook_sink)) == groups


def test_sigkill_of_position_zero_before_the_flush_still_notifies_once(
    node_factory, webhook_sink
) -> None:
    """The next node in line sends after its wait, and only it."""
    nodes = by_position(start_cluster(node_factory, config(webhook_sink, group_wait="3s")))
    for node in nodes:
        node.post_alerts([alert({"alertname": "Failover"}, ends_at=at(3600))])
    nodes[0].kill()
    webhook_sink.wait_for(1, timeout=20)
    time.sleep(4)
    assert names(webhook_sink) == ["Failover"]


def test_a_silence_created_on_one_node_reaches_the_others_within_a_second(
    node_factory, webhook_sink
) -> None:
    """Silences are gossiped at once, not on the next push-pull."""
    nodes = start_cluster(node_factory, config(webhook_sink))
    body = {
        "matchers": [{"name": "alertname", "value": "Quiet", "isRegex": False}],
        "startsAt": at(0),
        "endsAt": at(3600),
        "createdBy": "test",
        "comment": "gossip",
    }
    created = time.monotonic()
    reply = nodes[0].post("/api/v2/silences", json.dumps(body).encode())
    assert reply.status == 200, reply.text
    sid = reply.json()["silenceID"]
    for node in nodes[1:]:
        wait_until(
            lambda n=node: sid in {s["id"] for s in n.get_json("/api/v2/silences")},
            "the silence",
            1.0,
        )
    assert time.monotonic() - created < 1.0


def test_a_node_restarted_with_sigterm_rejoins_and_keeps_its_state(
    node_factory, webhook_sink
) -> None:
    """After SIGTERM and a restart, the node is a member again and still dedups."""
    nodes = start_cluster(node_factory, config(webhook_sink))
    for node in nodes:
        node.post_alerts([alert({"alertname": "Kept"}, ends_at=at(3600))])
    webhook_sink.wait_for(1, timeout=20)
    restarted = nodes[2]
    assert restarted.stop() == 0
    restarted.start()
    wait_until(
        lambda: all(len(n.get_json("/api/v2/status")["cluster"]["peers"]) == 3 for n in nodes),
        "rejoin",
    )
    restarted.post_alerts([alert({"alertname": "Kept"}, ends_at=at(3600))])
    time.sleep(4)
    assert names(webhook_sink) == ["Kept"]

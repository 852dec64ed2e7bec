"""The harness itself, exercised against the reference Alertmanager."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.harness import (
    REFERENCE,
    NodeStartError,
    PortAllocator,
    WebhookSink,
    alert,
    worker_index,
)
from tests.harness.http import request
from tests.harness.node import REPO_ROOT
from tests.harness.ports import RANGE_SIZE, is_free

FAST_ROUTE = """
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 1s
  group_interval: 3s
receivers:
- name: hook
  webhook_configs:
  - url: {url}/hook
"""


def post_to_sink(sink: WebhookSink, body: bytes = b"{}", path: str = "/hook") -> int:
    """POST to the sink's URL + path the way a node would; returns the status it answered."""
    address, _, token = sink.url.removeprefix("http://").partition("/")
    host, port = address.split(":")
    headers = {"Content-Type": "application/json"}
    return request(host, int(port), "POST", f"/{token}{path}", body, headers).status


def test_worker_index_comes_from_the_xdist_worker_name() -> None:
    """gw3 is worker 3; outside xdist the index is 0."""
    assert worker_index("gw3") == 3
    assert worker_index("master") == 0
    assert worker_index("") == 0


def test_worker_port_ranges_do_not_overlap() -> None:
    """Each xdist worker draws from its own block of ports."""
    ranges = [set(range(20000 + i * RANGE_SIZE, 20000 + (i + 1) * RANGE_SIZE)) for i in range(8)]
    for i, left in enumerate(ranges):
        for right in ranges[i + 1 :]:
            assert not left & right


def test_allocator_hands_out_distinct_free_ports() -> None:
    """Sequential allocations differ and are free for TCP and UDP."""
    ports = PortAllocator.for_this_worker()
    first, second = ports.allocate(), ports.allocate()
    assert first != second
    assert is_free(first) and is_free(second)


def test_allocator_skips_a_port_whose_udp_side_is_taken() -> None:
    """A port busy for UDP only is not handed out (memberlist needs both)."""
    probe = PortAllocator.for_this_worker()
    port = probe.allocate()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.bind(("127.0.0.1", port))
        assert PortAllocator(port, size=2).allocate() == port + 1


def test_sink_records_method_path_headers_and_body() -> None:
    """Everything a node sent is available to the test, parsed and raw."""
    with WebhookSink() as sink:
        assert post_to_sink(sink, b'{"receiver": "r"}') == 200
        note = sink.nth(1, timeout=5)
    assert (note.method, note.path, note.answered) == ("POST", "/hook", 200)
    assert note.headers["content-type"] == "application/json"
    assert note.json == {"receiver": "r"}


def test_sink_ignores_requests_outside_its_url() -> None:
    """A stray POST (e.g. from a leftover node of another run) is answered 404, not recorded."""
    with WebhookSink() as sink:
        address = sink.url.removeprefix("http://").split("/")[0]
        host, port = address.split(":")
        assert request(host, int(port), "POST", "/hook", b"{}").status == 404
        post_to_sink(sink)
        assert [n.path for n in sink.wait_for(1)] == ["/hook"]
        assert sink.statistics()["strays"] == 1


def test_sink_answers_scripted_statuses_in_order_then_200() -> None:
    """A script of 500, 503 is answered first, then the sink goes back to 200."""
    with WebhookSink() as sink:
        sink.script(500, 503)
        answers = [post_to_sink(sink) for _ in range(3)]
    assert answers == [500, 503, 200]


def test_sink_wait_fails_with_what_it_received_when_the_deadline_passes() -> None:
    """Waiting for more notifications than arrive raises, naming the count."""
    with WebhookSink() as sink:
        post_to_sink(sink)
        with pytest.raises(AssertionError, match="wanted 2 matching notification"):
            sink.wait_for(2, timeout=0.2)


@pytest.mark.reference
def test_reference_node_starts_and_answers_ready(node_factory) -> None:
    """A reference node with clustering disabled becomes ready and healthy."""
    node = node_factory(REFERENCE, FAST_ROUTE.format(url="http://127.0.0.1:1"))
    assert node.get("/-/ready").status == 200
    assert node.get("/-/healthy").text == "OK"
    assert node.get_json("/api/v2/status")["cluster"]["status"] == "disabled"


@pytest.mark.reference
def test_sink_records_a_notification_from_the_reference(node_factory, webhook_sink) -> None:
    """An alert posted to the reference reaches the sink as a webhook payload."""
    node = node_factory(REFERENCE, FAST_ROUTE.format(url=webhook_sink.url))
    assert node.post_alerts([alert({"alertname": "HarnessCheck"})]) == (200, "")
    note = webhook_sink.nth(1, timeout=10)
    assert note.headers["user-agent"] == "Alertmanager/0.25.0"
    assert note.json["receiver"] == "hook"
    assert [a["labels"] for a in note.json["alerts"]] == [{"alertname": "HarnessCheck"}]


@pytest.mark.reference
def test_sink_scripted_failure_makes_the_reference_retry(node_factory, webhook_sink) -> None:
    """A 500 from the sink is retried by the reference and the retry is recorded."""
    webhook_sink.script(500)
    node = node_factory(REFERENCE, FAST_ROUTE.format(url=webhook_sink.url))
    node.post_alerts([alert({"alertname": "Retried"})])
    first, second = webhook_sink.wait_for(2, timeout=10)[:2]
    assert (first.answered, second.answered) == (500, 200)
    assert json.loads(first.body) == json.loads(second.body)


@pytest.mark.reference
def test_node_start_failure_reports_the_log_tail(node_factory) -> None:
    """A node that exits at start-up raises with its own error message."""
    with pytest.raises(NodeStartError, match="exited with code") as failure:
        node_factory(REFERENCE, "route: [not, a, mapping]\n")
    assert "alertmanager.yml" in str(failure.value)


@pytest.mark.reference
def test_a_node_dies_with_the_process_that_started_it(tmp_path) -> None:
    """A killed test process (e.g. an xdist worker) takes its nodes with it."""
    script = f"""
import sys, time
from pathlib import Path
from tests.harness import REFERENCE, PortAllocator, launch
node = launch(REFERENCE, {FAST_ROUTE.format(url="http://127.0.0.1:1")!r}, Path({str(tmp_path)!r}),
              PortAllocator.for_this_worker())
print(node.proc.pid, flush=True)
time.sleep(60)
"""
    starter = subprocess.Popen(
        [sys.executable, "-c", script], cwd=REPO_ROOT, stdout=subprocess.PIPE
    )
    assert starter.stdout is not None
    node_pid = int(starter.stdout.readline())
    starter.kill()
    starter.wait()
    assert process_ends(node_pid, timeout=5), f"node {node_pid} outlived its starter"


def process_ends(pid: int, timeout: float) -> bool:
    """Wait until `pid` is gone or a zombie."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in "ZX":
            return True
        time.sleep(0.05)
    return False


@pytest.mark.reference
def test_stop_ends_the_reference_node(node_factory) -> None:
    """stop() terminates the process and frees its web port."""
    node = node_factory(REFERENCE, FAST_ROUTE.format(url="http://127.0.0.1:1"))
    node.stop()
    assert not node.is_running()
    with pytest.raises(OSError):
        node.get("/-/ready")


@pytest.mark.reference
@pytest.mark.parametrize("instance", range(8))
def test_clustered_reference_nodes_on_parallel_workers_get_their_own_ports(
    node_factory, port_allocator, instance: int
) -> None:
    """Under `pytest -n 4` these run concurrently; each binds ports of its worker's range."""
    node = node_factory(REFERENCE, FAST_ROUTE.format(url="http://127.0.0.1:1"), clustered=True)
    worker_ports = range(port_allocator.first, port_allocator.first + port_allocator.size)
    assert node.web_port in worker_ports and node.cluster_port in worker_ports
    peers = node.get_json("/api/v2/status")["cluster"]["peers"]
    assert [p["address"] for p in peers] == [node.cluster_address]

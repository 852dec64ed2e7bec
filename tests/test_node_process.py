"""A real gossamer process: restarts, reloads, refusals and limits, over real sockets."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.harness.alerts import alert, at
from tests.harness.sink import WebhookSink

pytestmark = pytest.mark.gossamer_node

REPO = Path(__file__).resolve().parent.parent
#: Unique per worker process: a sink port reused from another process's node must not confuse us.
RECEIVER = f"hook_{uuid.uuid4().hex[:8]}"


def config(sink: WebhookSink, path: str = "/hook", group_wait: str = "0s") -> str:
    return f"""
route:
  receiver: {RECEIVER}
  group_by: [alertname]
  group_wait: {group_wait}
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: {RECEIVER}
    webhook_configs:
      - url: {sink.url}{path}
"""


def names(notes: list) -> list[str]:
    """Alert names of notifications sent for this test's receiver (the sink's port may be
    reused from a process that has not stopped yet, so foreign requests are ignored)."""
    return [
        n.json["alerts"][0]["labels"]["alertname"]
        for n in notes
        if n.json.get("receiver") == RECEIVER
    ]


def wait_until(predicate, what: str, timeout: float = 10.0) -> None:
    """Poll an observable condition with a bounded deadline."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def journalled(node) -> bool:
    """Whether the nflog journal holds at least one record beyond its header."""
    journal = node.storage_path / "nflog.gossamer-journal"
    return journal.exists() and journal.stat().st_size > 32


def run_gossamer(*args: str, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gossamer", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )


def test_sigkill_within_repeat_interval_does_not_notify_again(node_factory, webhook_sink) -> None:
    """The nflog is journalled before a flush completes, so even SIGKILL loses nothing."""
    node = node_factory("gossamer", config(webhook_sink))
    firing = alert({"alertname": "Restarted"}, starts_at=at(-60), ends_at=at(3600))
    node.post_alerts([firing])
    webhook_sink.wait_for(1)
    wait_until(lambda: journalled(node), "the nflog entry to be journalled")
    node.kill()
    node.start()
    node.post_alerts([firing, alert({"alertname": "Control"}, starts_at=at(-60), ends_at=at(3600))])
    webhook_sink.wait_for(2)
    time.sleep(2.0)  # a bounded window in which a duplicate would have arrived (group_interval 1s)
    assert names(webhook_sink.notifications) == ["Restarted", "Control"]


def test_sigterm_snapshots_and_a_restart_reads_it_back(node_factory, webhook_sink) -> None:
    """A graceful stop compacts the journal into the snapshot; the restart dedups from it."""
    node = node_factory("gossamer", config(webhook_sink))
    firing = alert({"alertname": "Graceful"}, starts_at=at(-60), ends_at=at(3600))
    node.post_alerts([firing])
    webhook_sink.wait_for(1)
    assert node.stop() == 0
    assert (node.storage_path / "nflog.gossamer-snapshot").stat().st_size > 0
    node.start()
    node.post_alerts([firing, alert({"alertname": "Control"}, starts_at=at(-60), ends_at=at(3600))])
    webhook_sink.wait_for(2)
    time.sleep(2.0)
    assert names(webhook_sink.notifications) == ["Graceful", "Control"]


def test_a_bad_reload_is_refused_and_the_old_config_keeps_running(
    node_factory, webhook_sink
) -> None:
    """POST /-/reload with a broken file answers 500 naming the error; routing is unchanged."""
    node = node_factory("gossamer", config(webhook_sink))
    node.config_path.write_text(
        config(webhook_sink).replace(
            f"receiver: {RECEIVER}\n  group_by", "receiver: nope\n  group_by"
        )
    )
    reply = node.request("POST", "/-/reload")
    assert reply.status == 500
    assert reply.text.startswith("failed to reload config: ") and '"nope"' in reply.text
    metrics = node.get("/metrics").text
    assert "alertmanager_config_last_reload_successful 0.0" in metrics
    node.post_alerts([alert({"alertname": "StillRouted"})])
    assert webhook_sink.nth(1).path == "/hook"


def test_sighup_reloads_the_config(node_factory, webhook_sink) -> None:
    """SIGHUP applies a new config: notifications go to the new webhook path."""
    node = node_factory("gossamer", config(webhook_sink))
    node.config_path.write_text(config(webhook_sink, path="/new"))
    assert node.proc is not None
    os.kill(node.proc.pid, signal.SIGHUP)
    deadline = time.monotonic() + 10
    while (
        "alertmanager_config_last_reload_success" not in node.get("/metrics").text
        or node.get_json("/api/v2/status")["config"]["original"].count("/new") == 0
    ):
        assert time.monotonic() < deadline, "the reload did not happen"
        time.sleep(0.05)
    node.post_alerts([alert({"alertname": "AfterReload"})])
    assert webhook_sink.nth(1).path == "/new"


def test_an_oversized_body_gets_413_and_smaller_ones_still_work(node_factory, webhook_sink) -> None:
    """--web.max-request-body-bytes bounds request bodies with a clear message."""
    node = node_factory(
        "gossamer", config(webhook_sink), extra_flags=["--web.max-request-body-bytes=2KiB"]
    )
    big = [alert({"alertname": f"Big{i}"}, annotations={"x": "y" * 100}) for i in range(40)]
    status, body = node.post_alerts(big)
    assert status == 413 and "max-request-body-bytes" in body
    assert node.post_alerts([alert({"alertname": "Small"})])[0] == 200
    assert names([webhook_sink.nth(1)]) == ["Small"]


def test_metrics_carry_alertmanagers_names(node_factory, webhook_sink) -> None:
    """Dashboards keep working: the alertmanager_* families are exposed."""
    node = node_factory("gossamer", config(webhook_sink))
    node.post_alerts([alert({"alertname": "Metered"})])
    webhook_sink.wait_for(1)
    counted = 'alertmanager_notification_requests_total{integration="webhook"} 1.0'
    wait_until(lambda: counted in node.get("/metrics").text, "the request to be counted")
    text = node.get("/metrics").text
    assert "_created" not in text
    for name in (
        'alertmanager_alerts_received_total{status="firing",version="v2"} 1.0',
        'alertmanager_notifications_total{integration="webhook"} 1.0',
        'alertmanager_notification_requests_total{integration="webhook"} 1.0',
        "alertmanager_config_hash",
        "alertmanager_dispatcher_aggregation_groups",
        'alertmanager_build_info{branch="',
        "alertmanager_nflog_queries_total",
    ):
        assert name in text, name


def test_alertmanagers_own_snapshot_makes_gossamer_refuse_to_start(tmp_path: Path) -> None:
    """Files in --storage.path that gossamer cannot read are never overwritten."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "nflog").write_bytes(b"\x12\x34protobuf")
    (tmp_path / "am.yml").write_text("route: {receiver: a}\nreceivers: [{name: a}]\n")
    result = run_gossamer(
        f"--config.file={tmp_path / 'am.yml'}",
        f"--storage.path={tmp_path / 'data'}",
        "--web.listen-address=127.0.0.1:0",
        "--cluster.listen-address=",
    )
    assert result.returncode == 1
    assert "Alertmanager snapshot" in result.stderr
    assert (tmp_path / "data" / "nflog").read_bytes() == b"\x12\x34protobuf"


@pytest.mark.parametrize("flag", ["--web.config.file=web.yml", "--cluster.tls-config=tls.yml"])
def test_protective_flags_refuse_to_start_unprotected(tmp_path: Path, flag: str) -> None:
    """Asking for TLS or auth that gossamer lacks is an error, never silently ignored."""
    result = run_gossamer(flag, f"--config.file={tmp_path}/none.yml")
    assert result.returncode == 1
    assert flag.split("=")[0] in result.stderr


def test_an_unsupported_integration_is_refused_at_load(tmp_path: Path, monkeypatch) -> None:
    """A receiver gossamer cannot send to is an error naming it, not a silent drop."""
    import gossamer.node
    from gossamer.errors import ConfigError

    monkeypatch.setattr(gossamer.node, "SUPPORTED_INTEGRATIONS", {"webhook"})
    cfg = tmp_path / "am.yml"
    cfg.write_text(
        "global: {smtp_smarthost: 'localhost:25', smtp_from: a@b}\n"
        "route: {receiver: mail}\nreceivers: [{name: mail, email_configs: [{to: x@y}]}]\n"
    )
    with pytest.raises(ConfigError, match='receiver "mail" uses email_configs'):
        gossamer.node.load_config(str(cfg))


def test_bad_flag_exits_non_zero_naming_it() -> None:
    """An unknown flag or bad value is refused with its name."""
    result = run_gossamer("--cluster.peer-timeout=5x")
    assert result.returncode == 1 and "--cluster.peer-timeout" in result.stderr
    result = run_gossamer("--no-such-flag")
    assert result.returncode == 1 and "no-such-flag" in result.stderr


def test_alert_and_silence_gauges_follow_the_state(node_factory, webhook_sink) -> None:
    """alertmanager_alerts{state} counts suppressed alerts; alertmanager_silences counts by state."""
    node = node_factory("gossamer", config(webhook_sink, group_wait="1h"))
    node.post_alerts(
        [
            alert({"alertname": "Muted"}, ends_at=at(3600)),
            alert({"alertname": "Open"}, ends_at=at(3600)),
        ]
    )
    body = {
        "matchers": [{"name": "alertname", "value": "Muted", "isRegex": False}],
        "startsAt": at(0),
        "endsAt": at(3600),
        "createdBy": "t",
        "comment": "c",
    }
    assert node.post("/api/v2/silences", json.dumps(body).encode()).status == 200
    text = node.get("/metrics").text
    assert 'alertmanager_alerts{state="suppressed"} 1.0' in text
    assert 'alertmanager_alerts{state="active"} 1.0' in text
    assert 'alertmanager_silences{state="active"} 1.0' in text

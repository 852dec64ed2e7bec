"""The real amtool, unchanged, against a gossamer node: silences, alerts, config, cluster."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.harness.alerts import alert, at

pytestmark = [
    pytest.mark.gossamer_node,
    pytest.mark.skipif(shutil.which("amtool") is None, reason="amtool is not installed"),
]

CONFIG = """
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 1h
  routes:
    - matchers: ['team="db"']
      receiver: db
receivers:
  - name: hook
  - name: db
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [team]
"""


def amtool(node, *args: str) -> str:
    """Run amtool against the node; fail the test with its stderr when it fails."""
    result = subprocess.run(
        ["amtool", f"--alertmanager.url={node.url}", *args],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert result.returncode == 0, f"amtool {' '.join(args)} failed: {result.stderr}"
    return result.stdout


@pytest.fixture
def node(node_factory):
    return node_factory("gossamer", CONFIG)


def test_silence_add_query_update_expire(node) -> None:
    """The whole silence workflow: add, query, update, expire."""
    sid = amtool(
        node,
        "silence",
        "add",
        "alertname=Disk",
        "team=~db|web",
        "--comment=maintenance",
        "--author=ops",
    ).strip()
    assert len(sid) == 36
    listed = json.loads(amtool(node, "silence", "query", "-o", "json"))
    assert [(s["id"], s["createdBy"], s["comment"]) for s in listed] == [
        (sid, "ops", "maintenance")
    ]
    assert {(m["name"], m["value"], m["isRegex"]) for m in listed[0]["matchers"]} == {
        ("alertname", "Disk", False),
        ("team", "db|web", True),
    }
    assert amtool(node, "silence", "query", "-q").split() == [sid]
    amtool(node, "silence", "update", sid, "--comment=longer maintenance", "--duration=3h")
    current = json.loads(amtool(node, "silence", "query", "-o", "json"))
    assert [s["comment"] for s in current] == ["longer maintenance"]
    updated = current[0]["id"]
    amtool(node, "silence", "expire", updated)
    assert amtool(node, "silence", "query", "-q").split() == []
    expired = json.loads(amtool(node, "silence", "query", "--expired", "-o", "json"))
    assert updated in {s["id"] for s in expired}


def test_silence_import_recreates_silences(node, tmp_path: Path) -> None:
    """`amtool silence import` posts each silence; unknown ids become new silences."""
    amtool(node, "silence", "add", "alertname=A", "--comment=one")
    amtool(node, "silence", "add", "alertname=B", "--comment=two")
    exported = amtool(node, "silence", "query", "-o", "json")
    for s in json.loads(exported):
        amtool(node, "silence", "expire", s["id"])
    dump = tmp_path / "silences.json"
    dump.write_text(exported)
    amtool(node, "silence", "import", str(dump))
    active = json.loads(amtool(node, "silence", "query", "-o", "json"))
    assert sorted(s["comment"] for s in active) == ["one", "two"]


def test_alert_query_filters_silenced_and_inhibited_alerts(node) -> None:
    """amtool alert query shows only active alerts unless asked for silenced/inhibited ones."""
    node.post_alerts([
        alert({"alertname": "Quiet", "team": "web"}, ends_at=at(3600)),
        alert({"alertname": "Src", "team": "db", "severity": "critical"}, ends_at=at(3600)),
        alert({"alertname": "Tgt", "team": "db", "severity": "warning"}, ends_at=at(3600)),
        alert({"alertname": "Loud", "team": "web"}, ends_at=at(3600)),
    ])  # fmt: skip
    amtool(node, "silence", "add", "alertname=Quiet", "--comment=shh")

    def names(*flags: str) -> list[str]:
        rows = json.loads(amtool(node, "alert", "query", "-o", "json", *flags))
        return sorted(a["labels"]["alertname"] for a in rows)

    assert names() == ["Loud", "Src"]
    assert names("--silenced") == ["Quiet"]  # a state flag alone asks for that state only
    assert names("--inhibited") == ["Tgt"]
    assert names("--active", "--silenced", "--inhibited") == ["Loud", "Quiet", "Src", "Tgt"]
    assert names("team=db", "--active", "--inhibited") == ["Src", "Tgt"]


def test_config_show_and_routes(node) -> None:
    """amtool config show prints config.original; config routes shows the tree."""
    shown = amtool(node, "config", "show")
    assert "receiver: hook" in shown and "inhibit_rules:" in shown
    routes = amtool(node, "config", "routes")
    assert "hook" in routes and "db" in routes


def test_cluster_show_reports_the_node(node) -> None:
    """amtool cluster show reads the cluster section of /api/v2/status."""
    out = amtool(node, "cluster", "show", "-o", "json")
    status = json.loads(out)
    assert status["status"] in ("disabled", "ready", "settling")

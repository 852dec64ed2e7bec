"""The notification-throughput benchmark still runs end to end (tiny, gossamer only)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "bench_notify.py"


def test_bench_notify_delivers_every_notification_of_a_small_storm() -> None:
    """5 groups x webhook, Slack and email: all 15 arrive at the script's sinks, none twice."""
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--only", "gossamer", "--groups", "5", "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "all 15 delivered after due" in done.stdout
    assert "surplus deliveries {'webhook': 0, 'slack': 0, 'email': 0}" in done.stdout
    assert "cores busy during the burst" in done.stdout
    assert "rendering cost per notification" in done.stdout

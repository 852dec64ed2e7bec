"""The silencer actor: silences mute flushes, are durable once acknowledged, and expire."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any

from actors.silencer import ExpireSilence, SetSilence, SilencedBy, ViewSilences
from cluster.silences import EQUAL, Silence, SilenceMatcher
from gossamer.errors import GossamerError
from tests.pipeline_rig import Rig, S

CONFIG = """
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1m
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:1/
"""


def ask(rig: Rig, make: Any) -> Any:
    """Send a reply-to message to the silencer and wait for its answer."""
    box: list[Any] = []
    done = threading.Event()

    def reply(value: Any) -> None:
        box.append(value)
        done.set()

    rig.actors.silencer.tell(make(reply))
    assert done.wait(5)
    return box[0]


def silence(rig: Rig, alertname: str, hours: float = 1) -> str:
    now = rig.clock.now_ns()
    sil = Silence(
        "",
        (SilenceMatcher(EQUAL, "alertname", alertname),),
        now,
        now + int(hours * 3600 * S),
        created_by="me",
        comment="quiet",
    )
    result = ask(rig, lambda reply: SetSilence(sil, reply))
    assert isinstance(result, str), result
    return result


def test_silenced_alert_is_not_notified_while_a_control_alert_is(tmp_path: Path) -> None:
    """An active silence drops its alert from the flush; other groups still notify."""
    rig = Rig(CONFIG, tmp_path)
    try:
        sid = silence(rig, "Quiet")
        rig.post(
            rig.alert({"alertname": "Quiet"}, end_s=10_000),
            rig.alert({"alertname": "Loud"}, end_s=10_000),
        )
        rig.advance(120)
        rig.notifier.wait_for(1)
        assert [a[0].labels["alertname"] for _, a in rig.notifier.sent] == ["Loud"]
        muted = ask(rig, lambda reply: SilencedBy([rig.alert({"alertname": "Quiet"})], reply))
        assert list(muted.values()) == [[sid]]
    finally:
        rig.close()


def test_expiring_a_silence_lets_the_alert_notify_at_the_next_tick(tmp_path: Path) -> None:
    """After DELETE, the next group_interval tick sends the alert."""
    rig = Rig(CONFIG, tmp_path)
    try:
        sid = silence(rig, "Quiet")
        rig.post(rig.alert({"alertname": "Quiet"}, end_s=10_000))
        rig.advance(5)
        assert rig.notifier.sent == []
        assert ask(rig, lambda reply: ExpireSilence(sid, reply)) is None
        rig.advance(60)
        rig.notifier.wait_for(1)
    finally:
        rig.close()


def test_acknowledged_silences_survive_a_crash(tmp_path: Path) -> None:
    """Silences are journalled before the reply: a node built on the same storage has them."""
    first = Rig(CONFIG, tmp_path / "a")
    sid = silence(first, "Quiet")
    crashed = tmp_path / "b"  # the disk as a SIGKILL right after the reply would leave it
    crashed.mkdir()
    shutil.copy(tmp_path / "a" / "silences.gossamer-journal", crashed)
    first.close()
    second = Rig(CONFIG, crashed)
    try:
        view = ask(second, ViewSilences)
        assert [s.id for s in view.list(second.clock.now_ns())] == [sid]
    finally:
        second.close()


def test_errors_come_back_to_the_caller(tmp_path: Path) -> None:
    """An unknown id is reported as an error value, and the actor keeps running."""
    rig = Rig(CONFIG, tmp_path)
    try:
        result = ask(
            rig, lambda reply: ExpireSilence("00000000-0000-4000-8000-000000000000", reply)
        )
        assert isinstance(result, GossamerError) and str(result) == "silence not found"
        assert rig.actors.alive()
    finally:
        rig.close()


def test_a_burst_of_writes_is_acknowledged_after_one_journal_commit(tmp_path: Path) -> None:
    """Group commit: queued writes share an fsync, and every one is answered and durable."""
    rig = Rig(CONFIG, tmp_path)
    try:
        now = rig.clock.now_ns()
        answers: list[Any] = []
        done = threading.Event()

        def reply(value: Any) -> None:
            answers.append(value)
            if len(answers) == 50:
                done.set()

        for i in range(50):
            sil = Silence(
                "",
                (SilenceMatcher(EQUAL, "alertname", f"A{i}"),),
                now,
                now + 3600 * S,
                created_by="me",
                comment="burst",
            )
            rig.actors.silencer.tell(SetSilence(sil, reply))
        assert done.wait(5)
        assert all(isinstance(a, str) for a in answers)
        journal = tmp_path / "silences.gossamer-journal"
        crashed = tmp_path / "crashed"
        crashed.mkdir()
        shutil.copy(journal, crashed)
        reread = Rig(CONFIG, crashed)
        try:
            assert len(ask(reread, ViewSilences).list(now)) == 50
        finally:
            reread.close()
    finally:
        rig.close()

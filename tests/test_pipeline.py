"""The dispatcher and notification pipeline on a manual clock: timers, dedup, retries, restarts."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from gossamer.errors import NotifyError
from tests.pipeline_rig import Rig

CONFIG = """
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:1/
"""


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    r = Rig(CONFIG, tmp_path)
    yield r
    r.close()


def test_first_notification_waits_for_group_wait(rig: Rig) -> None:
    """A new group notifies group_wait after its first alert, not before."""
    rig.post(rig.alert({"alertname": "A"}))
    rig.advance(29)
    assert rig.notifier.sent == []
    rig.advance(1)
    rig.notifier.wait_for(1)
    ctx, alerts = rig.notifier.sent[0]
    assert ctx.group_key == '{}:{alertname="A"}'
    assert [a.labels for a in alerts] == [{"alertname": "A"}]


def test_an_old_alert_flushes_a_new_group_at_once(rig: Rig) -> None:
    """An alert that started more than group_wait ago skips the wait."""
    rig.post(rig.alert({"alertname": "A"}, start_s=-60))
    rig.notifier.wait_for(1)


def test_new_alert_in_a_flushed_group_waits_for_the_next_group_interval(rig: Rig) -> None:
    """After the first flush, changes go out on group_interval ticks."""
    rig.post(rig.alert({"alertname": "A", "i": "1"}))
    rig.advance(30)
    rig.notifier.wait_for(1)
    rig.post(rig.alert({"alertname": "A", "i": "2"}))
    rig.advance(299)
    assert len(rig.notifier.sent) == 1
    rig.advance(1)
    rig.notifier.wait_for(2)
    assert len(rig.notifier.sent[1][1]) == 2


def test_unchanged_group_is_not_renotified_before_repeat_interval(rig: Rig) -> None:
    """Dedup suppresses identical flushes until repeat_interval has passed."""
    rig.post(rig.alert({"alertname": "A"}, end_s=10_000))
    rig.advance(30)
    rig.notifier.wait_for(1)
    rig.advance(3600)  # 12 ticks, all deduplicated: the one at exactly 1h is not yet due
    assert len(rig.notifier.sent) == 1
    rig.advance(300)  # the first tick after repeat_interval
    rig.notifier.wait_for(2)


def test_resolved_alert_is_notified_then_dropped_from_the_group(rig: Rig) -> None:
    """send_resolved: the resolution goes out once, then the group is empty."""
    rig.post(rig.alert({"alertname": "A"}, end_s=60))
    rig.advance(30)
    rig.notifier.wait_for(1)
    rig.advance(300)
    rig.notifier.wait_for(2)
    _, alerts = rig.notifier.sent[1]
    assert alerts[0].ends_at != 0
    rig.advance(600)
    assert len(rig.notifier.sent) == 2


def test_firing_alerts_hide_their_future_end_time(rig: Rig) -> None:
    """Flushes send endsAt as Go's zero time for alerts still firing."""
    rig.post(rig.alert({"alertname": "A"}, end_s=1000))
    rig.advance(30)
    rig.notifier.wait_for(1)
    assert rig.notifier.sent[0][1][0].ends_at == 0


def test_retryable_failure_is_retried_with_backoff(rig: Rig) -> None:
    """A 5xx-like failure is retried; the notification then goes out once."""
    rig.notifier.failures = [NotifyError("unexpected status code 500", retryable=True)] * 2
    rig.post(rig.alert({"alertname": "A"}))
    rig.advance(30)
    assert rig.notifier.sent == []
    rig.advance(5)
    rig.notifier.wait_for(1)
    assert rig.metrics.notification_requests_failed.labels("webhook")._value.get() == 2


def test_unrecoverable_failure_is_not_retried_and_keeps_the_group(rig: Rig) -> None:
    """A 4xx-like failure gives up at once; the next tick tries again."""
    rig.notifier.failures = [NotifyError("unexpected status code 400", retryable=False)]
    rig.post(rig.alert({"alertname": "A"}, end_s=10_000))
    rig.advance(31)
    assert rig.notifier.sent == []
    assert rig.metrics.notifications_failed.labels("webhook")._value.get() == 1
    rig.advance(300)
    rig.notifier.wait_for(1)


def test_a_slow_flush_delays_the_next_tick_instead_of_overlapping(rig: Rig) -> None:
    """Two flushes of one group never overlap; a tick during a flush runs after it."""
    stall = asyncio.Event()
    rig.notifier.stall = stall
    rig.post(rig.alert({"alertname": "A", "i": "1"}))
    rig.advance(30)
    rig.post(rig.alert({"alertname": "A", "i": "2"}))
    rig.advance(300)  # the next tick fires while the first flush is stuck
    assert rig.notifier.sent == []
    assert rig.actors.dispatcher.proxy().statistics().get()["flushes_in_flight"] == 1
    rig.notifier.stall = None
    rig.loop.call_soon_threadsafe(stall.set)
    rig.notifier.wait_for(2)
    assert [len(a) for _, a in rig.notifier.sent] == [1, 2]


def test_restart_reads_the_notification_log_back_and_does_not_renotify(tmp_path: Path) -> None:
    """The nflog is durable: a new node on the same storage dedups a re-sent alert."""
    first = Rig(CONFIG, tmp_path)
    alert = first.alert({"alertname": "A"}, start_s=-60, end_s=10_000)
    first.post(alert)
    first.notifier.wait_for(1)
    first.close()
    second = Rig(CONFIG, tmp_path)
    try:
        second.clock.advance((first.clock.now_ns() - second.clock.now_ns()) / 1e9 + 10)
        second.post(alert)
        second.advance(5)
        assert second.notifier.sent == []
    finally:
        second.close()


MUTED_CONFIG = """
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 1s
  routes:
    - matchers: ['alertname="Muted"']
      receiver: hook
      mute_time_intervals: [always]
    - matchers: ['alertname="Inactive"']
      receiver: hook
      active_time_intervals: [never]
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:1/
time_intervals:
  - name: always
    time_intervals:
      - times: [{start_time: "00:00", end_time: "24:00"}]
  - name: never
    time_intervals:
      - years: ["1999"]
"""


def test_time_intervals_mute_routes_while_a_control_route_notifies(tmp_path: Path) -> None:
    """mute_time_intervals and active_time_intervals drop flushes; other routes still send."""
    rig = Rig(MUTED_CONFIG, tmp_path)
    try:
        rig.post(
            *(
                rig.alert({"alertname": name}, end_s=10_000)
                for name in ("Muted", "Inactive", "Control")
            )
        )
        rig.advance(5)
        rig.notifier.wait_for(1)
        rig.advance(600)
        assert [a[0].labels["alertname"] for _, a in rig.notifier.sent] == ["Control"]
    finally:
        rig.close()


class ExplodingIntervals(dict):  # type: ignore[type-arg]
    """Time intervals whose first lookup raises: a stand-in for a bug in a stage."""

    def __init__(self, real: dict) -> None:  # type: ignore[type-arg]
        super().__init__(real)
        self.calls = 0

    def get(self, key, default=None):  # type: ignore[no-untyped-def, override]
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("bug in a stage")
        return super().get(key, default)


def test_an_exception_in_an_actor_fails_the_flush_and_the_next_tick_recovers(
    tmp_path: Path,
) -> None:
    """A handler exception is logged and counted, the actor lives on, and the group retries."""
    from actors.inhibitor import InhibitorConfig
    from actors.messages import Reconfigure

    rig = Rig(MUTED_CONFIG.replace("[always]", "[never]"), tmp_path)
    try:
        intervals = ExplodingIntervals(dict(rig.config.time_intervals))
        rig.actors.inhibitor.tell(Reconfigure(InhibitorConfig([], intervals)))
        rig.post(rig.alert({"alertname": "Muted"}, end_s=10_000))
        rig.advance(1)
        assert rig.notifier.sent == []
        assert rig.metrics.actor_failures.labels("inhibitor")._value.get() == 1
        assert rig.actors.alive()
        rig.advance(300)
        rig.notifier.wait_for(1)
    finally:
        rig.close()

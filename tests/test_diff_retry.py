"""Failed webhook deliveries are retried, or not, as the reference does (pipeline.md §4.7)."""

from __future__ import annotations

import pytest

from tests.harness import DiffPair, alert

pytestmark = [pytest.mark.reference, pytest.mark.gossamer_node]

CONFIG = """
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 1s
  group_interval: 3s
  repeat_interval: 1h
  routes:
  - receiver: control
    matchers: [alertname="Control"]
    group_wait: 3s
receivers:
- name: hook
  webhook_configs: [{url: WEBHOOK_URL/hook}]
- name: control
  webhook_configs: [{url: WEBHOOK_URL/control}]
"""

#: First retry: backoff 0.5s ±50% jitter after the failed attempt, plus scheduling slack.
RETRY_DELAY = (0.2, 1.0)


def start(diff_pair, *statuses: int) -> DiffPair:
    """A pair whose sinks answer `statuses` to the first requests, then 200."""
    pair = diff_pair(CONFIG)
    for side in pair.sides:
        side.sink.script(*statuses)
    return pair


def test_a_notification_answered_500_is_retried_with_the_same_payload(diff_pair) -> None:
    """A 5xx is retried after the first backoff step, with an identical body."""
    pair = start(diff_pair, 500)
    pair.send([alert({"alertname": "Retry"})])
    pair.assert_same_timing(1, "/hook")
    for side in pair.sides:
        failed, retried = side.notifications(2, "/hook")
        assert (failed.answered, retried.answered) == (500, 200), side.label
        assert failed.body == retried.body, side.label
        delay = retried.arrived - failed.arrived
        assert RETRY_DELAY[0] <= delay <= RETRY_DELAY[1], f"{side.label} retried after {delay:.2f}s"
    pair.assert_same(
        lambda side: side.describe(side.notifications(2, "/hook")[1]), "retried notifications"
    )


def test_a_notification_answered_400_is_not_retried(diff_pair) -> None:
    """A 4xx fails the flush without retry; nothing more is sent before the control arrives."""
    pair = start(diff_pair, 400)
    pair.send([alert({"alertname": "Rejected"}), alert({"alertname": "Control"})])
    pair.assert_same_timing(1, "/hook")
    pair.assert_same_timing(1, "/control")  # at 3s: well past any retry backoff
    assert pair.count_to("/hook") == (1, 1)


def test_a_notification_failed_with_400_is_sent_again_at_the_next_tick(diff_pair) -> None:
    """The failed flush wrote no notification log, so the next group_interval tick sends again."""
    pair = start(diff_pair, 400)
    pair.send([alert({"alertname": "Again"})])
    offsets = pair.assert_same_timing(2, "/hook")
    assert offsets == pytest.approx([1.0, 4.0], abs=0.5)

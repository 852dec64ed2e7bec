"""Notifications leave gossamer at the same moments as the reference's (within 0.5 s).

Schedule under test (pipeline.md §3.4): group_wait 1s after a group is
created, then a flush every group_interval (3s) measured from the previous
tick; repeat_interval and send_resolved are checked at those ticks.
"""

from __future__ import annotations

import pytest

from tests.harness import alert, at, resolved

pytestmark = [pytest.mark.reference, pytest.mark.gossamer_node]

GROUP_WAIT = 1.0
GROUP_INTERVAL = 3.0
#: How far the reference's own schedule may drift from the documented one.
SCHEDULE_SLACK = 0.5


def config(repeat_interval: str = "1h", send_resolved: bool = True) -> str:
    """Root receiver `hook` on the fast timers, plus a `control` route that waits 5s."""
    return f"""
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 1s
  group_interval: 3s
  repeat_interval: {repeat_interval}
  routes:
  - receiver: control
    matchers: [alertname="Control"]
    group_wait: 5s
receivers:
- name: hook
  webhook_configs:
  - url: WEBHOOK_URL/hook
    send_resolved: {str(send_resolved).lower()}
- name: control
  webhook_configs:
  - url: WEBHOOK_URL/control
"""


CONTROL = alert({"alertname": "Control"})


def assert_schedule(offsets: list[float], expected: list[float]) -> None:
    """The reference itself kept the documented schedule (guards the test's premise)."""
    assert offsets == pytest.approx(expected, abs=SCHEDULE_SLACK)


def test_first_and_follow_up_notifications_arrive_at_the_same_times(diff_pair) -> None:
    """First notification after group_wait; an added alert goes out at the next group_interval tick."""
    pair = diff_pair(config())
    pair.send([alert({"alertname": "Grow", "instance": "a"})])
    pair.assert_same_timing(1, "/hook")
    pair.send([alert({"alertname": "Grow", "instance": "b"})])
    offsets = pair.assert_same_timing(2, "/hook")
    assert_schedule(offsets, [GROUP_WAIT, GROUP_WAIT + GROUP_INTERVAL])


def test_resolve_notifications_arrive_at_the_same_times(diff_pair) -> None:
    """A posted resolve and an expired endsAt are both reported at the next tick."""
    pair = diff_pair(config())
    posted, expiring = (
        alert({"alertname": "Res", "instance": "a"}),
        alert({"alertname": "Res", "instance": "b"}, ends_at=at(5.0)),
    )
    pair.send([posted, expiring])
    pair.assert_same_timing(1, "/hook")
    pair.send([resolved(posted)])
    offsets = pair.assert_same_timing(3, "/hook")
    assert_schedule(offsets, [GROUP_WAIT + n * GROUP_INTERVAL for n in range(3)])
    last = pair.each(lambda side: side.notifications(3, "/hook")[-1])
    assert [note.json["status"] for note in last] == ["resolved", "resolved"]


def test_an_alert_older_than_group_wait_is_notified_at_once(diff_pair) -> None:
    """startsAt older than group_wait skips the wait on both."""
    pair = diff_pair(config())
    pair.send([alert({"alertname": "Old"}, starts_at=at(-60.0))])
    offsets = pair.assert_same_timing(1, "/hook")
    assert_schedule(offsets, [0.0])


def test_no_repeat_before_repeat_interval_then_a_repeat_at_the_next_tick(diff_pair) -> None:
    """Unchanged groups stay quiet until repeat_interval, then repeat at the first tick past it."""
    pair = diff_pair(config(repeat_interval="5s"))
    pair.send([alert({"alertname": "Steady"}), CONTROL])
    pair.assert_same_timing(1, "/hook")
    pair.assert_same_timing(1, "/control")  # arrives at 5s, after the quiet tick at 4s
    assert pair.count_to("/hook") == (1, 1)
    offsets = pair.assert_same_timing(2, "/hook")
    assert_schedule(offsets, [GROUP_WAIT, GROUP_WAIT + 2 * GROUP_INTERVAL])


def test_no_resolved_notification_when_send_resolved_is_false(diff_pair) -> None:
    """With send_resolved false, a group whose alerts all resolve sends nothing more."""
    pair = diff_pair(config(send_resolved=False))
    gone = alert({"alertname": "Gone"})
    pair.send([gone, CONTROL])
    pair.assert_same_timing(1, "/hook")
    pair.send([resolved(gone)])
    pair.assert_same_timing(1, "/control")  # arrives at 5s, after the resolving tick at 4s
    assert pair.count_to("/hook") == (1, 1)

"""The active and mute time-interval stages the gate runs (pipeline.md §4.3).

Both read the flush instant (converted to each interval's location) and drop
the whole flush or let it through; neither touches alert status.
"""

from __future__ import annotations

from collections.abc import Mapping

from actors.messages import Flush
from gossamer.alert import Alert
from gossamer.timefmt import to_datetime
from gossamer.timeinterval import TimeInterval


def _active(intervals: Mapping[str, TimeInterval], names: tuple[str, ...], flush: Flush) -> bool:
    when = to_datetime(flush.ctx.now_ns)
    for name in names:
        interval = intervals.get(name)
        if interval is None:
            raise KeyError(f"time interval {name!r} does not exist")
        if interval.contains(when):
            return True
    return False


class ActiveTimeStage:
    """``active_time_intervals``: notify only while the flush falls in one of them."""

    name = "active_time_intervals"

    def __init__(self, intervals: Mapping[str, TimeInterval]) -> None:
        self.intervals = intervals

    def apply(self, flush: Flush, alerts: list[Alert]) -> list[Alert]:
        if not flush.active_time_intervals:
            return alerts
        return alerts if _active(self.intervals, flush.active_time_intervals, flush) else []


class MuteTimeStage:
    """``mute_time_intervals``: drop the flush while it falls in any of them."""

    name = "mute_time_intervals"

    def __init__(self, intervals: Mapping[str, TimeInterval]) -> None:
        self.intervals = intervals

    def apply(self, flush: Flush, alerts: list[Alert]) -> list[Alert]:
        if not flush.mute_time_intervals:
            return alerts
        return [] if _active(self.intervals, flush.mute_time_intervals, flush) else alerts

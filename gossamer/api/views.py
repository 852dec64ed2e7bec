"""Read endpoints: ``GET /api/v2/alerts`` and ``/api/v2/alerts/groups``.

Runs on the HTTP event loop over a list the owning actor handed back. The
JSON of each alert is cached by its version, so a listing of 10k unchanged
alerts is mostly a join of cached bytes.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import msgspec

from actors.messages import GroupView
from gossamer.alert import Alert, sort_for_notification
from gossamer.api.models import AlertStatus, GettableAlert, ReceiverName
from gossamer.labels import compare_label_sets, fingerprint_hex
from gossamer.matchers import Matcher, MatchType, new_matcher, parse_matcher
from gossamer.routing import Route
from gossamer.timefmt import format_api

_ENCODER = msgspec.json.Encoder()
_STATE_ACTIVE = AlertStatus([], [], "active")


class AlertFilter(msgspec.Struct):
    """The query parameters shared by both listings."""

    matchers: list[Matcher]
    receiver: Matcher | None
    active: bool
    silenced: bool
    inhibited: bool


def parse_filters(filters: Sequence[str]) -> list[Matcher]:
    """One matcher per ``filter`` parameter; ``MatcherError`` names the bad one."""
    return [parse_matcher(f) for f in filters]


def parse_receiver(pattern: str | None) -> Matcher | None:
    if pattern is None:
        return None
    return new_matcher("receiver", MatchType.REGEX, pattern)


def matches_filter_labels(matchers: Sequence[Matcher], labels: dict[str, str]) -> bool:
    """Alertmanager's ``matchFilterLabels``: empty-valued matchers test presence."""
    for m in matchers:
        present = m.name in labels
        value = labels.get(m.name, "")
        if m.type in (MatchType.NOT_EQUAL, MatchType.NOT_REGEX):
            if m.value == "" and present:
                continue
        elif m.value == "" and not present:
            continue
        if not m.matches(value):
            return False
    return True


def _status_passes(status: AlertStatus, f: AlertFilter) -> bool:
    if not f.active and status.state == "active":
        return False
    if not f.silenced and status.silencedBy:
        return False
    return f.inhibited or not status.inhibitedBy


class AlertRenderer:
    """Renders alerts to JSON bytes, memoising each alert's encoding."""

    def __init__(self) -> None:
        self._cache: dict[tuple[int, int, int, tuple[str, ...], str], bytes] = {}

    def encode(self, alert: Alert, receivers: tuple[str, ...], status: AlertStatus) -> bytes:
        key = (alert.fingerprint, alert.updated_at, alert.ends_at, receivers, status.state)
        cached = self._cache.get(key)
        if cached is None:
            cached = _ENCODER.encode(gettable(alert, receivers, status))
            if status is _STATE_ACTIVE:
                self._cache[key] = cached
        return cached

    def trim(self, live: int) -> None:
        if len(self._cache) > 2 * live + 1024:
            self._cache.clear()


def gettable(alert: Alert, receivers: Sequence[str], status: AlertStatus) -> GettableAlert:
    return GettableAlert(
        annotations=alert.annotations,
        endsAt=format_api(alert.ends_at, alert.ends_tz),
        fingerprint=fingerprint_hex(alert.fingerprint),
        receivers=[ReceiverName(r) for r in receivers],
        startsAt=format_api(alert.starts_at, alert.starts_tz),
        status=status,
        updatedAt=format_api(alert.updated_at),
        generatorURL=alert.generator_url or msgspec.UNSET,
        labels=alert.labels,
    )


class AlertLister:
    """``GET /api/v2/alerts`` over a snapshot of the store."""

    def __init__(self) -> None:
        self.renderer = AlertRenderer()
        self._routes: dict[int, tuple[str, ...]] = {}
        self._tree: Route | None = None

    def receivers_of(self, tree: Route, alert: Alert) -> tuple[str, ...]:
        if tree is not self._tree:
            self._tree, self._routes = tree, {}
        receivers = self._routes.get(alert.fingerprint)
        if receivers is None:
            receivers = tuple(r.receiver for r in tree.match(alert.labels))
            self._routes[alert.fingerprint] = receivers
        return receivers

    def render(self, alerts: list[Alert], tree: Route, f: AlertFilter, now_ns: int) -> bytes:
        parts = []
        for alert in sorted(alerts, key=lambda a: a.fingerprint):
            if alert.resolved_at(now_ns):
                continue
            receivers = self.receivers_of(tree, alert)
            if f.receiver is not None and not any(f.receiver.matches(r) for r in receivers):
                continue
            status = _STATE_ACTIVE
            if not _status_passes(status, f):
                continue
            if f.matchers and not matches_filter_labels(f.matchers, alert.labels):
                continue
            parts.append(self.renderer.encode(alert, receivers, status))
        self.renderer.trim(len(alerts))
        if len(self._routes) > 2 * len(alerts) + 1024:
            self._routes = {}
        return b"[" + b",".join(parts) + b"]"


def render_groups(groups: list[GroupView], f: AlertFilter, now_ns: int) -> bytes:
    """``GET /api/v2/alerts/groups``: groups sorted by labels then receiver (api.md §2.4)."""
    receivers_by_fp: dict[int, set[str]] = {}
    for g in groups:
        for a in g.alerts:
            receivers_by_fp.setdefault(a.fingerprint, set()).add(g.receiver)
    out = []
    for g in sorted(groups, key=functools.cmp_to_key(_compare_groups)):
        if f.receiver is not None and not f.receiver.matches(g.receiver):
            continue
        alerts = [
            gettable(a, sorted(receivers_by_fp[a.fingerprint]), _STATE_ACTIVE)
            for a in sort_for_notification(g.alerts)
            if not a.resolved_at(now_ns)
            and _status_passes(_STATE_ACTIVE, f)
            and matches_filter_labels(f.matchers, a.labels)
        ]
        if alerts:
            out.append({"alerts": alerts, "labels": g.labels, "receiver": ReceiverName(g.receiver)})
    return _ENCODER.encode(out)


def _compare_groups(a: GroupView, b: GroupView) -> int:
    if a.labels == b.labels:
        return (a.receiver > b.receiver) - (a.receiver < b.receiver)
    return compare_label_sets(a.labels, b.labels)

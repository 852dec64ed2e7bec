"""Read endpoints: ``GET /api/v2/alerts`` and ``/api/v2/alerts/groups``.

Runs on the HTTP event loop over lists the owning actors handed back. The
JSON of each alert is cached by its version, so a listing of 10k unchanged
alerts is mostly a join of cached bytes. Bytes are what Alertmanager writes:
map keys sorted, fields in its order, a newline at the end; an alert goes
through its generated ``MarshalJSON`` (``json.Marshal``: ``<>&`` escaped) while
a group's own labels and receiver do not.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence

import msgspec

from actors.messages import GroupView
from gossamer.alert import Alert, sort_for_notification
from gossamer.api.gojson import encode_compact, marshal
from gossamer.api.gotime import format_millis
from gossamer.api.http import Request, parse_bool
from gossamer.api.models import AlertStatus, GettableAlert, ReceiverName
from gossamer.errors import MatcherError
from gossamer.labels import compare_label_sets, fingerprint_hex
from gossamer.matchers import Matcher, MatchType, new_matcher, parse_matcher
from gossamer.routing import Route
from gossamer.timefmt import ZERO

__all__ = ["AlertFilter", "AlertLister", "Mutes", "parse_filter", "render_groups"]

_STATE_ACTIVE = AlertStatus([], [], "active")
_UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes kept by ``surrogateescape``


class Mutes(msgspec.Struct):
    """What mutes each listed alert now, by fingerprint: the inhibiting alert's
    fingerprint, and the IDs of the active silences (sorted)."""

    inhibited_by: Mapping[int, int] = {}
    silenced_by: Mapping[int, list[str]] = {}


class AlertFilter(msgspec.Struct):
    """The query parameters shared by both listings."""

    matchers: list[Matcher]
    receiver: Matcher | None
    active: bool
    silenced: bool
    inhibited: bool


def parse_filter(request: Request) -> AlertFilter:
    """The listing parameters as go-swagger binds them and Alertmanager parses them.

    Every ``filter`` value is a matcher (``MatcherError`` for the first bad one,
    before the receiver regex is looked at). The other parameters take their
    last value; an empty one counts as absent.
    """
    matchers = [parse_matcher(f) for f in request.query.get("filter", [])]
    pattern = request.last("receiver")
    receiver = _receiver_matcher(pattern) if pattern else None
    return AlertFilter(
        matchers,
        receiver,
        parse_bool(request.last("active"), True),
        parse_bool(request.last("silenced"), True),
        parse_bool(request.last("inhibited"), True),
    )


def _receiver_matcher(pattern: str) -> Matcher:
    """``regexp.Compile("^(?:" + receiver + ")$")``, errors worded as Alertmanager words them."""
    try:
        bad = _UNDECODABLE.search(pattern)
        if bad is not None:  # Go's regexp/syntax rejects invalid UTF-8 from the first bad byte
            raise MatcherError(f"error parsing regexp: invalid UTF-8: `{pattern[bad.start() :]})$`")
        return new_matcher("receiver", MatchType.REGEX, pattern)
    except MatcherError as exc:
        raise MatcherError(f"failed to parse receiver param: {exc}") from None


def matches_filter_labels(matchers: Sequence[Matcher], labels: Mapping[str, str]) -> bool:
    """Alertmanager's ``matchFilterLabels``: empty-valued matchers test presence."""
    for m in matchers:
        present = m.name in labels
        if m.type in (MatchType.NOT_EQUAL, MatchType.NOT_REGEX):
            if m.value == "" and present:
                continue
        elif m.value == "" and not present:
            continue
        if not m.matches(labels.get(m.name, "")):
            return False
    return True


def is_listed(alert: Alert, now_ns: int) -> bool:
    """Listings skip alerts whose end is before now (``EndsAt.Before(now)``)."""
    return alert.ends_at == ZERO or alert.ends_at >= now_ns


def status_of(alert: Alert, mutes: Mutes) -> AlertStatus:
    """The marker status once the inhibitor and the silencer have looked at the alert."""
    source = mutes.inhibited_by.get(alert.fingerprint)
    silences = mutes.silenced_by.get(alert.fingerprint)
    if source is None and not silences:
        return _STATE_ACTIVE
    inhibited = [fingerprint_hex(source)] if source is not None else []
    return AlertStatus(inhibited, list(silences or []), "suppressed")


def _status_passes(status: AlertStatus, f: AlertFilter) -> bool:
    if not f.active and status.state == "active":
        return False
    if not f.silenced and status.silencedBy:
        return False
    return f.inhibited or not status.inhibitedBy


def passes(alert: Alert, status: AlertStatus, f: AlertFilter) -> bool:
    """Alertmanager's ``alertFilter`` once the alert is known to be listed."""
    return _status_passes(status, f) and (
        not f.matchers or matches_filter_labels(f.matchers, alert.labels)
    )


class AlertRenderer:
    """Renders alerts to JSON bytes, memoising each active alert's encoding."""

    def __init__(self) -> None:
        self._cache: dict[tuple[int, int, int, tuple[str, ...]], bytes] = {}

    def __repr__(self) -> str:
        return f"<AlertRenderer cached={len(self._cache)}>"

    def encode(self, alert: Alert, receivers: tuple[str, ...], status: AlertStatus) -> bytes:
        if status is not _STATE_ACTIVE:
            return marshal(gettable(alert, receivers, status))
        key = (alert.fingerprint, alert.updated_at, alert.ends_at, receivers)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._cache[key] = marshal(gettable(alert, receivers, status))
        return cached

    def trim(self, live: int) -> None:
        if len(self._cache) > 2 * live + 1024:
            self._cache.clear()


def gettable(alert: Alert, receivers: Sequence[str], status: AlertStatus) -> GettableAlert:
    return GettableAlert(
        annotations=alert.annotations,
        endsAt=format_millis(alert.ends_at, alert.ends_tz),
        fingerprint=fingerprint_hex(alert.fingerprint),
        receivers=[ReceiverName(r) for r in receivers],
        startsAt=format_millis(alert.starts_at, alert.starts_tz),
        status=status,
        updatedAt=format_millis(alert.updated_at),
        generatorURL=alert.generator_url or msgspec.UNSET,
        labels=alert.labels,
    )


class AlertLister:
    """``GET /api/v2/alerts`` over a snapshot of the store."""

    def __init__(self) -> None:
        self.renderer = AlertRenderer()
        self._routes: dict[int, tuple[str, ...]] = {}
        self._tree: Route | None = None

    def __repr__(self) -> str:
        return f"<AlertLister routes_cached={len(self._routes)} {self.renderer!r}>"

    def receivers_of(self, tree: Route, alert: Alert) -> tuple[str, ...]:
        if tree is not self._tree:
            self._tree, self._routes = tree, {}
        receivers = self._routes.get(alert.fingerprint)
        if receivers is None:
            receivers = tuple(r.receiver for r in tree.match(alert.labels))
            self._routes[alert.fingerprint] = receivers
        return receivers

    def render(
        self, alerts: list[Alert], tree: Route, f: AlertFilter, now_ns: int, mutes: Mutes
    ) -> bytes:
        """The response body: listed alerts that pass the filter, by fingerprint."""
        parts = []
        for alert in sorted(alerts, key=lambda a: a.fingerprint):
            if not is_listed(alert, now_ns):
                continue
            receivers = self.receivers_of(tree, alert)
            if f.receiver is not None and not any(f.receiver.matches(r) for r in receivers):
                continue
            status = status_of(alert, mutes)
            if passes(alert, status, f):
                parts.append(self.renderer.encode(alert, receivers, status))
        self.renderer.trim(len(alerts))
        if len(self._routes) > 2 * len(alerts) + 1024:
            self._routes = {}
        return b"[" + b",".join(parts) + b"]\n"


def render_groups(
    groups: list[GroupView], f: AlertFilter, now_ns: int, mutes: Mutes, renderer: AlertRenderer
) -> bytes:
    """``GET /api/v2/alerts/groups`` (``Dispatcher.Groups``): groups sorted by labels then
    receiver; an alert's receivers are those of the listed groups holding it, sorted."""
    kept: list[tuple[GroupView, list[Alert]]] = []
    receivers_by_fp: dict[int, list[str]] = {}
    for g in groups:
        if f.receiver is not None and not f.receiver.matches(g.receiver):
            continue
        alerts = [a for a in g.alerts if is_listed(a, now_ns) and passes(a, status_of(a, mutes), f)]
        for a in alerts:
            receivers_by_fp.setdefault(a.fingerprint, []).append(g.receiver)
        if alerts:
            kept.append((g, alerts))
    kept.sort(key=functools.cmp_to_key(_compare_groups))
    out = []
    for g, alerts in kept:
        rendered = [
            renderer.encode(a, tuple(sorted(receivers_by_fp[a.fingerprint])), status_of(a, mutes))
            for a in sort_for_notification(alerts)
        ]
        head = encode_compact({"labels": g.labels, "receiver": ReceiverName(g.receiver)})
        out.append(b'{"alerts":[' + b",".join(rendered) + b"]," + head[1:])
    return b"[" + b",".join(out) + b"]\n"


def _compare_groups(a: tuple[GroupView, list[Alert]], b: tuple[GroupView, list[Alert]]) -> int:
    left, right = a[0], b[0]
    if left.labels == right.labels:
        return (left.receiver > right.receiver) - (left.receiver < right.receiver)
    return compare_label_sets(left.labels, right.labels)

"""The notification data every integration renders, and the webhook v4 body.

``Data`` mirrors Alertmanager's ``template.Data`` (built by
``Template.Data(receiver, groupLabels, alerts...)``): templates read it, and
the webhook serialises it. Times stay integer nanoseconds here; only the wire
form turns them into Go's RFC 3339 text.

Everything in this module is pure and runs on the caller's thread (the
webhook notifier moves big payloads off the event loop before calling it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import msgspec

from gossamer.alert import Alert
from gossamer.api.gojson import encode_line
from gossamer.timefmt import NS, ZERO, format_go
from receivers.base import NotificationContext

__all__ = [
    "FIRING",
    "RESOLVED",
    "AlertData",
    "Data",
    "build_data",
    "common_pairs",
    "quote_meta",
    "truncate_alerts",
    "webhook_body",
]

FIRING = "firing"
RESOLVED = "resolved"
WEBHOOK_VERSION = "4"

# Go's time.Time.MarshalJSON refuses years past 9999 (and before year 0).
_MAX_JSON_NS = 253402300800 * NS
_MIN_JSON_NS = -62167219200 * NS
_QUOTE_META = str.maketrans({c: "\\" + c for c in "\\.+*?()|[]{}^$"})


class AlertData(msgspec.Struct, frozen=True):
    """One alert as templates see it (Go ``template.Alert``).

    ``ends_at`` is ``ZERO`` for a firing alert: Alertmanager hides a future end.
    """

    status: str
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: int
    ends_at: int
    generator_url: str
    fingerprint: str
    #: UTC offsets the times were given in (Go prints a time in its own zone).
    starts_tz: int = 0
    ends_tz: int = 0


class Data(msgspec.Struct, frozen=True):
    """One notification's data (Go ``template.Data``); ``receiver`` is already
    ``regexp.QuoteMeta``-escaped, as Alertmanager passes it to templates."""

    receiver: str
    status: str
    alerts: tuple[AlertData, ...]
    group_labels: dict[str, str]
    common_labels: dict[str, str]
    common_annotations: dict[str, str]
    external_url: str

    def firing(self) -> tuple[AlertData, ...]:
        """``.Alerts.Firing``."""
        return tuple(a for a in self.alerts if a.status == FIRING)

    def resolved(self) -> tuple[AlertData, ...]:
        """``.Alerts.Resolved``."""
        return tuple(a for a in self.alerts if a.status == RESOLVED)


class _WireAlert(msgspec.Struct, rename="camel"):
    status: str
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: str
    ends_at: str
    generator_url: str = msgspec.field(name="generatorURL")
    fingerprint: str = ""


class _WebhookMessage(msgspec.Struct, rename="camel"):
    """webhook.Message: the embedded ``*template.Data`` fields, then its own three."""

    receiver: str
    status: str
    alerts: list[_WireAlert]
    group_labels: dict[str, str]
    common_labels: dict[str, str]
    common_annotations: dict[str, str]
    external_url: str = msgspec.field(name="externalURL")
    version: str = WEBHOOK_VERSION
    group_key: str = ""
    truncated_alerts: int = 0


def quote_meta(text: str) -> str:
    """Go's ``regexp.QuoteMeta``: backslash before each of ``\\.+*?()|[]{}^$``."""
    return text.translate(_QUOTE_META)


def common_pairs(maps: Sequence[Mapping[str, str]]) -> dict[str, str]:
    """Pairs of the first map that every other map shares, as ``Template.Data`` does.

    Go compares ``m[k] != v`` where a missing key reads as ``""``, so an
    empty-valued pair survives against maps that lack the key.
    """
    if not maps:
        return {}
    first, rest = maps[0], maps[1:]
    return {k: v for k, v in first.items() if all(m.get(k, "") == v for m in rest)}


def truncate_alerts(alerts: Sequence[Alert], max_alerts: int) -> tuple[list[Alert], int]:
    """Keep the first ``max_alerts`` (0 = all); return the kept list and how many were cut."""
    if max_alerts > 0 and len(alerts) > max_alerts:
        return list(alerts[:max_alerts]), len(alerts) - max_alerts
    return list(alerts), 0


def _alert_data(alert: Alert, now_ns: int) -> AlertData:
    resolved = alert.resolved_at(now_ns)
    return AlertData(
        status=RESOLVED if resolved else FIRING,
        labels=dict(alert.labels),
        annotations=dict(alert.annotations),
        starts_at=alert.starts_at,
        ends_at=alert.ends_at if resolved else ZERO,
        generator_url=alert.generator_url,
        fingerprint=alert.fingerprint_hex,
        starts_tz=alert.starts_tz,
        ends_tz=alert.ends_tz if resolved else 0,
    )


def build_data(ctx: NotificationContext, alerts: Sequence[Alert]) -> Data:
    """Alertmanager's ``Template.Data`` for ``alerts`` (already sorted and truncated).

    Status is judged at ``ctx.now_ns``: an alert is resolved once its end has passed.
    """
    items = tuple(_alert_data(a, ctx.now_ns) for a in alerts)
    return Data(
        receiver=quote_meta(ctx.receiver_name),
        status=FIRING if any(a.status == FIRING for a in items) else RESOLVED,
        alerts=items,
        group_labels=dict(ctx.group_labels),
        common_labels=common_pairs([a.labels for a in alerts]),
        common_annotations=common_pairs([a.annotations for a in alerts]),
        external_url=ctx.external_url,
    )


def _json_time(ns: int, tz: int = 0) -> str:
    if ns != ZERO and not _MIN_JSON_NS <= ns < _MAX_JSON_NS:
        # json: error calling MarshalJSON for type time.Time: ...
        raise ValueError("Time.MarshalJSON: year outside of range [0,9999]")
    return format_go(ns, tz)


def _wire_alert(alert: AlertData) -> _WireAlert:
    return _WireAlert(
        status=alert.status,
        labels=alert.labels,
        annotations=alert.annotations,
        starts_at=_json_time(alert.starts_at, alert.starts_tz),
        ends_at=_json_time(alert.ends_at, alert.ends_tz),
        generator_url=alert.generator_url,
        fingerprint=alert.fingerprint,
    )


def webhook_body(data: Data, group_key: str, truncated: int) -> bytes:
    """The webhook v4 body, byte for byte as Alertmanager 0.25 sends it
    (``json.NewEncoder(&buf).Encode(msg)``: trailing newline included).

    Raises ``ValueError`` when a time cannot be encoded (year beyond 9999).
    """
    message = _WebhookMessage(
        receiver=data.receiver,
        status=data.status,
        alerts=[_wire_alert(a) for a in data.alerts],
        group_labels=data.group_labels,
        common_labels=data.common_labels,
        common_annotations=data.common_annotations,
        external_url=data.external_url,
        group_key=group_key,
        truncated_alerts=truncated,
    )
    return encode_line(message)

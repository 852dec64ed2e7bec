"""The alert as gossamer stores it, and Alertmanager's merge and ordering rules."""

from __future__ import annotations

import functools

import msgspec

from gossamer.labels import compare_label_sets, fingerprint_hex
from gossamer.timefmt import ZERO


class Alert(msgspec.Struct, frozen=True):
    """One alert after API defaulting (pipeline.md §2.1). Times are ns since the epoch.

    ``timeout`` is Alertmanager's flag that ``ends_at`` was synthesised from
    ``resolve_timeout`` rather than sent by the client.
    """

    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: int
    ends_at: int
    generator_url: str
    updated_at: int
    timeout: bool
    fingerprint: int
    #: UTC offsets (seconds) ``startsAt``/``endsAt`` were given in; Go prints them back.
    starts_tz: int = 0
    ends_tz: int = 0

    def resolved_at(self, now_ns: int) -> bool:
        """Whether the alert is resolved at ``now_ns`` (``EndsAt`` set and not after now)."""
        return self.ends_at != ZERO and self.ends_at <= now_ns

    @property
    def fingerprint_hex(self) -> str:
        return fingerprint_hex(self.fingerprint)

    def __repr__(self) -> str:
        return f"<Alert {self.fingerprint_hex} {dict(self.labels)!r} ends_at={self.ends_at}>"


def merge(old: Alert, new: Alert, now_ns: int) -> Alert:
    """Alertmanager's ``Alert.Merge`` (pipeline.md §2.4): the younger alert wins,
    the earliest start is kept, and a real later end beats a synthesised one."""
    older, younger = (new, old) if new.updated_at < old.updated_at else (old, new)
    earliest = older if older.starts_at < younger.starts_at else younger
    end = younger
    if younger.resolved_at(now_ns):
        if older.resolved_at(now_ns) and older.ends_at > younger.ends_at:
            end = older
    elif older.ends_at > younger.ends_at and not older.timeout:
        end = older
    return msgspec.structs.replace(
        younger, starts_at=earliest.starts_at, starts_tz=earliest.starts_tz,
        ends_at=end.ends_at, ends_tz=end.ends_tz,
    )  # fmt: skip


def overlaps(old: Alert, new: Alert) -> bool:
    """Whether ``new`` falls inside ``old``'s interval, so the two are merged, not replaced."""
    return (old.starts_at < new.ends_at < old.ends_at) or (
        old.starts_at < new.starts_at < old.ends_at
    )


def _compare_for_notification(a: Alert, b: Alert) -> int:
    for name in ("job", "instance"):
        in_a, in_b = name in a.labels, name in b.labels
        if in_a != in_b:
            return -1 if in_a else 1
        if in_a and a.labels[name] != b.labels[name]:
            return -1 if a.labels[name] < b.labels[name] else 1
    return compare_label_sets(a.labels, b.labels)


def sort_for_notification(alerts: list[Alert]) -> list[Alert]:
    """Order alerts as Alertmanager's flush does: by ``job``, ``instance``, then label set."""
    return sorted(alerts, key=functools.cmp_to_key(_compare_for_notification))

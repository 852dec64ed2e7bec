"""Timestamps as integer nanoseconds since the Unix epoch, with Go's text forms.

Go keeps nanoseconds and Alertmanager echoes them in webhook bodies, so gossamer
stores every instant as an ``int`` of nanoseconds. ``ZERO`` (0) stands for Go's
zero ``time.Time`` ("unset"); no real alert is stamped exactly at the epoch.
"""

from __future__ import annotations

import calendar
import re
import time
from datetime import UTC, datetime

ZERO = 0
NS = 1_000_000_000
GO_ZERO_TEXT = "0001-01-01T00:00:00Z"

_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))\Z"
)
_PARSE_CACHE: dict[str, tuple[int, int]] = {}
_PARSE_CACHE_LIMIT = 65536


def wall_ns() -> int:
    """The wall clock now, in nanoseconds."""
    return time.time_ns()


def parse_rfc3339(text: str) -> int:
    """Parse an RFC 3339 timestamp (any precision, any offset) into nanoseconds."""
    return parse_rfc3339_tz(text)[0]


def parse_rfc3339_tz(text: str) -> tuple[int, int]:
    """Parse an RFC 3339 timestamp into (nanoseconds, UTC offset in seconds).

    Go keeps the offset a time was given in and prints it back (API and webhook
    bodies), so gossamer keeps it too. Raises ``ValueError`` when the text is
    not a timestamp. Memoised: Prometheus re-sends the same ``startsAt``.
    """
    cached = _PARSE_CACHE.get(text)
    if cached is not None:
        return cached
    m = _RFC3339.match(text)
    if m is None:
        raise ValueError(f'parsing time "{text}" as "2006-01-02T15:04:05Z07:00": cannot parse')
    year, month, day, hour, minute, second = (int(g) for g in m.group(1, 2, 3, 4, 5, 6))
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and second < 60):
        raise ValueError(f'parsing time "{text}": value out of range')
    seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    offset = 0
    if m.group(9):
        offset = int(m.group(10)) * 3600 + int(m.group(11)) * 60
        offset = offset if m.group(9) == "+" else -offset
        seconds -= offset
    frac = m.group(7) or ""
    value = (seconds * NS + (int(frac.ljust(9, "0")) if frac else 0), offset)
    if len(_PARSE_CACHE) >= _PARSE_CACHE_LIMIT:
        _PARSE_CACHE.clear()
    _PARSE_CACHE[text] = value
    return value


def _split(ns: int, tz: int) -> tuple[str, int]:
    seconds, frac = divmod(ns, NS)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds + tz)), frac


def _zone(tz: int) -> str:
    """Go's ``Z07:00``: ``Z`` for a zero offset, else ``+HH:MM``."""
    if tz == 0:
        return "Z"
    sign = "+" if tz > 0 else "-"
    hours, minutes = divmod(abs(tz) // 60, 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def format_go(ns: int, tz: int = 0) -> str:
    """Go's ``time.RFC3339Nano`` (trailing zeros trimmed), as webhook bodies carry it.

    ``tz`` is the UTC offset in seconds the time was given in.
    """
    if ns == ZERO:
        return GO_ZERO_TEXT
    base, frac = _split(ns, tz)
    if frac == 0:
        return base + _zone(tz)
    return f"{base}.{frac:09d}".rstrip("0") + _zone(tz)


def format_api(ns: int, tz: int = 0) -> str:
    """API v2 form: three fractional digits, e.g. ``...T19:20:36.903Z`` (strfmt.DateTime)."""
    if ns == ZERO:
        return GO_ZERO_TEXT
    base, frac = _split(ns, tz)
    return f"{base}.{frac // 1_000_000:03d}{_zone(tz)}"


def to_datetime(ns: int) -> datetime:
    """A timezone-aware UTC ``datetime`` (microsecond precision)."""
    return datetime.fromtimestamp(ns / NS, tz=UTC)

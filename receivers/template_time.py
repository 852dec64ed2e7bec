"""Go's ``time.Time`` and ``time.Duration`` as templates see them.

``.StartsAt`` and ``.EndsAt`` of each alert are :class:`GoTime`; ``.EndsAt.Sub
.StartsAt`` is a :class:`GoDuration`. They print as Go prints them
(``2026-11-24 19:19:36.903431713 +0000 UTC``, ``1h2m3.5s``) and have the value
methods a template can call (``.Format``, ``.Unix``, ``.Sub``, ``.Round``...),
with Go's integer arithmetic and zones.

Values are built per notification on the caller's thread and never change
afterwards; the zone cache only gains immutable entries.
"""

from __future__ import annotations

import dataclasses

from gotime import UTC, Location, Month, Time, Weekday
from gotpl import GoFormatSpec, TemplateExecutionError

from gossamer.timefmt import NS, ZERO
from receivers.template_values import (
    GoStruct,
    GoValue,
    format_string,
    member,
    string_arg,
    type_name,
)

__all__ = ["GoDuration", "GoTime"]

_GO_ZERO = Time.zero()


class GoDuration(int):
    """``time.Duration`` (``.EndsAt.Sub .StartsAt``): nanoseconds that print as
    ``Duration.String()`` (``1h2m3.5s``) and compare as integers."""

    __slots__ = ()
    _GO_TYPE = "time.Duration"
    _FIELDS: frozenset[str] = frozenset()
    _METHODS = frozenset({"String", "Hours", "Minutes", "Seconds", "Milliseconds"})
    _METHODS |= {"Microseconds", "Nanoseconds", "Abs"}
    _ARG_METHODS = frozenset({"Round", "Truncate"})
    __gotemplate_lookup__ = member

    def __str__(self) -> str:
        return _duration_string(int(self))

    def __go_format__(self, spec: GoFormatSpec) -> str:
        if spec.verb == "T":
            return format_string(self._GO_TYPE, dataclasses.replace(spec, verb="s"))
        if spec.verb in "sqxX" or (spec.verb == "v" and "#" not in spec.flags):
            return format_string(str(self), spec)  # a fmt.Stringer
        if spec.verb in "dv":
            flags = "".join(f for f in spec.flags if f in "-+ 0")
            width = spec.width or ""
            return f"%{flags}{width}d" % int(self)
        return f"%!{spec.verb}(time.Duration={self})"

    def String(self) -> str:  # noqa: N802
        return str(self)

    def Hours(self) -> float:  # noqa: N802
        return int(self) / (3600 * NS)

    def Minutes(self) -> float:  # noqa: N802
        return int(self) / (60 * NS)

    def Seconds(self) -> float:  # noqa: N802
        return int(self) / NS

    def Milliseconds(self) -> int:  # noqa: N802
        return _go_div(int(self), 1_000_000)

    def Microseconds(self) -> int:  # noqa: N802
        return _go_div(int(self), 1_000)

    def Nanoseconds(self) -> int:  # noqa: N802
        return int(self)

    def Abs(self) -> GoDuration:  # noqa: N802
        return GoDuration(abs(int(self)))

    def Truncate(self, m: int) -> GoDuration:  # noqa: N802
        return self if m <= 0 else GoDuration(int(self) - _go_rem(int(self), m))

    def Round(self, m: int) -> GoDuration:  # noqa: N802
        d = int(self)
        if m <= 0:
            return self
        r = abs(_go_rem(d, m))
        if d < 0:
            return GoDuration(d + r if r + r < m else d - m + r)
        return GoDuration(d - r if r + r < m else d + m - r)


def _go_div(a: int, b: int) -> int:
    """Go's integer division: truncates toward zero."""
    q = abs(a) // abs(b)
    return -q if (a < 0) != (b < 0) else q


def _go_rem(a: int, b: int) -> int:
    """Go's ``%``: the result takes the dividend's sign."""
    r = abs(a) % abs(b)
    return -r if a < 0 else r


def _duration_string(d: int) -> str:
    """Go's ``time.Duration.String``."""
    if d == 0:
        return "0s"
    sign, u = ("-" if d < 0 else ""), abs(d)
    if u < NS:
        unit, scale = ("ns", 1) if u < 1_000 else ("µs", 1_000) if u < 1_000_000 else ("ms", 10**6)
        return sign + _decimal(u, scale) + unit
    seconds, text = u // NS, _decimal(u % (60 * NS), NS) + "s"
    minutes, hours = (seconds // 60) % 60, seconds // 3600
    if hours:
        return f"{sign}{hours}h{minutes}m{text}"
    return f"{sign}{minutes}m{text}" if minutes else sign + text


def _decimal(value: int, scale: int) -> str:
    whole, frac = divmod(value, scale)
    if not frac:
        return str(whole)
    digits = len(str(scale)) - 1
    return f"{whole}.{frac:0{digits}d}".rstrip("0")


class GoTime(GoValue):
    """``time.Time``: prints as ``2026-11-24 19:19:36.903431713 +0000 UTC`` and
    has the value methods a template can call (``.Format``, ``.Unix``, ``.Sub``...)."""

    __slots__ = ("_t",)
    _GO_TYPE = "time.Time"
    _METHODS = frozenset({"String", "GoString", "Unix", "UnixNano", "UnixMilli", "UnixMicro"})
    _METHODS |= {"UTC", "Local", "IsZero", "Year", "Month", "Day", "Hour", "Minute", "Second"}
    _METHODS |= {"Nanosecond", "Weekday", "YearDay"}
    _ARG_METHODS = frozenset({"Format", "Before", "After", "Equal", "Sub", "Add", "AddDate"})
    _ARG_METHODS |= {"Round", "Truncate"}

    def __init__(self, t: Time) -> None:
        self._t = t

    @classmethod
    def from_ns(cls, ns: int, tz: int) -> GoTime:
        """``ZERO`` is Go's zero time; a non-zero ``tz`` is a fixed zone as Go
        makes when it parses an offset (printed ``+0200 +0200``)."""
        if ns == ZERO:
            return cls(_GO_ZERO)
        seconds, nanos = divmod(ns, NS)
        return cls(Time(seconds, nanos, _location(tz)))

    def __str__(self) -> str:
        return str(self._t)

    def __repr__(self) -> str:
        return f"GoTime({self._t})"

    __iter__ = GoStruct.__iter__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GoTime) and self._t == other._t

    def __hash__(self) -> int:
        return hash(self._t)

    def __go_format__(self, spec: GoFormatSpec) -> str:
        if spec.verb == "T":
            return format_string("time.Time", dataclasses.replace(spec, verb="s"))
        if spec.verb == "v" and "#" in spec.flags:
            return self._t.go_string()
        if spec.verb in "vsqxX":  # a fmt.Stringer
            return format_string(str(self), spec)
        return f"%!{spec.verb}(time.Time={self})"

    def String(self) -> str:  # noqa: N802
        return str(self)

    def GoString(self) -> str:  # noqa: N802
        return self._t.go_string()

    def Format(self, layout: object) -> str:  # noqa: N802
        return self._t.format(string_arg(layout))

    def Unix(self) -> int:  # noqa: N802
        return self._t.unix()

    def UnixNano(self) -> int:  # noqa: N802
        return self._t.unix_nanoseconds()

    def UnixMilli(self) -> int:  # noqa: N802
        return self._t.unix_milliseconds()

    def UnixMicro(self) -> int:  # noqa: N802
        return self._t.unix_microseconds()

    def UTC(self) -> GoTime:  # noqa: N802
        return GoTime(self._t.utc())

    def Local(self) -> GoTime:  # noqa: N802
        """Alertmanager's ``Local``; gossamer assumes it runs with ``TZ`` = UTC."""
        return GoTime(self._t.utc())

    def IsZero(self) -> bool:  # noqa: N802
        return self._t.is_zero()

    def Year(self) -> int:  # noqa: N802
        return self._t.year

    def Month(self) -> Month:  # noqa: N802
        return self._t.month

    def Day(self) -> int:  # noqa: N802
        return self._t.day

    def Hour(self) -> int:  # noqa: N802
        return self._t.hour

    def Minute(self) -> int:  # noqa: N802
        return self._t.minute

    def Second(self) -> int:  # noqa: N802
        return self._t.second

    def Nanosecond(self) -> int:  # noqa: N802
        return self._t.nanosecond

    def Weekday(self) -> Weekday:  # noqa: N802
        return self._t.weekday

    def YearDay(self) -> int:  # noqa: N802
        return self._t.year_day

    def Before(self, other: object) -> bool:  # noqa: N802
        return _ns(self) < _ns(_time_arg(other))

    def After(self, other: object) -> bool:  # noqa: N802
        return _ns(self) > _ns(_time_arg(other))

    def Equal(self, other: object) -> bool:  # noqa: N802
        return _ns(self) == _ns(_time_arg(other))

    def Sub(self, other: object) -> GoDuration:  # noqa: N802
        d = _ns(self) - _ns(_time_arg(other))
        return GoDuration(max(-(2**63), min(2**63 - 1, d)))  # Go saturates

    def Add(self, d: int) -> GoTime:  # noqa: N802
        seconds, nanos = divmod(_ns(self) + int(d), NS)
        return GoTime(Time(seconds, nanos, self._t.location))

    def AddDate(self, years: int, months: int, days: int) -> GoTime:  # noqa: N802
        return GoTime(self._t.add_date(years, months, days))

    def Round(self, d: int) -> GoTime:  # noqa: N802
        """To the nearest multiple of ``d`` since Go's zero time (halves round up)."""
        r = self._since_zero(d)
        return self if r is None else self.Add(-r if r + r < d else d - r)

    def Truncate(self, d: int) -> GoTime:  # noqa: N802
        """Down to a multiple of ``d`` since Go's zero time."""
        r = self._since_zero(d)
        return self if r is None else self.Add(-r)

    def _since_zero(self, d: int) -> int | None:
        return None if d <= 0 else (_ns(self) - _ns(_ZERO_VIEW)) % d


def _ns(t: GoTime) -> int:
    return t._t.unix() * NS + t._t.nanosecond


def _time_arg(value: object) -> GoTime:
    if isinstance(value, GoTime):
        return value
    raise TemplateExecutionError(
        f"wrong type for value; expected time.Time; got {type_name(value)}"
    )


_ZERO_VIEW = GoTime(_GO_ZERO)
_LOCATIONS: dict[int, Location] = {0: UTC}


def _location(tz: int) -> Location:
    loc = _LOCATIONS.get(tz)
    if loc is None:
        # Go names a parsed offset zone "" and prints such a zone as "+0200";
        # gotime prints the name verbatim, so name the zone by its offset.
        minutes = abs(tz) // 60
        name = f"{'-' if tz < 0 else '+'}{minutes // 60:02d}{minutes % 60:02d}"
        loc = _LOCATIONS.setdefault(tz, Location.fixed(name, tz))
    return loc

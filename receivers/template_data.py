"""What templates see: Go-typed views of ``receivers.payload.Data``.

Alertmanager's notifiers execute templates on ``*template.Data`` with Go's
reflection rules; these classes reproduce what a template can observe of them:

* field and method names (``.Alerts.Firing``, ``.Labels.SortedPairs``) and the
  error for anything else (``can't evaluate field Foo in type *template.Data``);
* Go's method-before-map-key order on ``KV`` (``.Labels.Names`` is the method
  even when a label is called ``Names``) and ``""`` for a missing key
  (``missingkey=zero`` on a ``map[string]string``);
* how ``fmt`` prints them (``{{ . }}``, ``printf "%v"``, ``%+v``, ``%q``,
  ``%T``): the data as ``&{...}``, structs as ``{a b}``, maps as
  ``map[k:v]``, times as ``time.Time.String()``.

Views are built per notification by :func:`view` on the caller's thread and
never change afterwards.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Iterator

from gotime import UTC, Location, Month, Time, Weekday
from gotpl import GoFormatSpec, TemplateExecutionError

from gossamer.timefmt import NS, ZERO
from receivers.payload import FIRING, RESOLVED, AlertData, Data
from receivers.template_values import (
    ArgumentTypeError,
    StringSlice,
    V,
    format_string,
    go_format,
    no_field,
    string_arg,
    string_list,
    type_name,
)

__all__ = [
    "AlertList",
    "AlertView",
    "AlertsView",
    "DataValue",
    "DataView",
    "GoDuration",
    "GoMethod",
    "GoTime",
    "KV",
    "Pair",
    "Pairs",
    "StringSlice",
    "member",
    "view",
]

_GO_ZERO = Time.zero()


# -- the views ------------------------------------------------------------------------------


class GoMethod:
    """A Go method value that takes arguments (``.Labels.Remove``, ``.StartsAt.Format``).

    It carries its signature, so the engine checks arity without inspecting a
    fresh bound method per notification, and is unhashable, so the engine does
    not cache it (which would keep old views alive)."""

    __hash__ = None  # type: ignore[assignment]

    def __init__(self, owner: object, name: str) -> None:
        self.__self__ = owner
        self.__name__ = name
        self._call = getattr(owner, name)
        self.__signature__ = _signature(type(owner), name)

    def __call__(self, *args: object) -> object:
        try:
            return self._call(*args)
        except ArgumentTypeError as exc:
            exc.function = exc.function or self.__name__
            raise


_SIGNATURES: dict[tuple[type, str], inspect.Signature] = {}


def _signature(cls: type, name: str) -> inspect.Signature:
    """The method's signature without ``self``, computed once per class."""
    sig = _SIGNATURES.get((cls, name))
    if sig is None:
        full = inspect.signature(getattr(cls, name))
        sig = full.replace(parameters=list(full.parameters.values())[1:])
        _SIGNATURES[(cls, name)] = sig
    return sig


def member(value: object, name: str) -> object:
    """Go's field or method ``name`` of a view: a method without arguments is
    called now (Go calls it during the lookup), one with arguments becomes a
    :class:`GoMethod`; any other name is Go's ``can't evaluate field`` error."""
    cls = type(value)
    if name in cls._METHODS:  # type: ignore[attr-defined]
        return getattr(value, name)()
    if name in cls._ARG_METHODS:  # type: ignore[attr-defined]
        return GoMethod(value, name)
    if name in cls._FIELDS:  # type: ignore[attr-defined]
        return getattr(value, name)
    raise no_field(name, value)


class _GoValue:
    """What every view shares: Go's ``%v`` for ``{{ . }}`` and ``printf``, and
    a lookup that knows only the Go type's fields and methods."""

    __slots__ = ()
    _GO_TYPE = ""
    _FIELDS: tuple[str, ...] | frozenset[str] = ()
    _METHODS: frozenset[str] = frozenset()
    _ARG_METHODS: frozenset[str] = frozenset()

    def __go_format__(self, spec: GoFormatSpec) -> str:
        return go_format(self, spec)

    def __str__(self) -> str:
        return go_format(self, V)

    __gotemplate_lookup__ = member


class _GoStruct(_GoValue):
    """A Go struct: ``go_format`` prints its ``_STRUCT_FIELDS`` in order."""

    __slots__ = ()
    _STRUCT_FIELDS: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[object]:
        # The engine ranges over anything iterable; Go refuses a struct.
        raise TemplateExecutionError(f"range can't iterate over {self}")


class Pair(_GoStruct):
    """``template.Pair``."""

    __slots__ = ("Name", "Value")
    _GO_TYPE = "template.Pair"
    _FIELDS = _STRUCT_FIELDS = ("Name", "Value")

    def __init__(self, name: str, value: str) -> None:
        self.Name = name
        self.Value = value


class Pairs(_GoValue, list):  # type: ignore[misc]
    """``template.Pairs``."""

    __slots__ = ()
    _GO_TYPE = "template.Pairs"
    _METHODS = frozenset({"Names", "Values"})
    __str__ = _GoValue.__str__

    def Names(self) -> StringSlice:  # noqa: N802 - Go method names throughout
        return StringSlice(p.Name for p in self)

    def Values(self) -> StringSlice:  # noqa: N802
        return StringSlice(p.Value for p in self)


class KV(_GoValue, dict):  # type: ignore[misc]
    """``template.KV`` (``map[string]string``): methods first, then keys; a
    missing key is ``""``."""

    __slots__ = ()
    _GO_TYPE = "template.KV"
    _METHODS = frozenset({"SortedPairs", "Names", "Values"})
    _ARG_METHODS = frozenset({"Remove"})
    __str__ = _GoValue.__str__

    def __gotemplate_lookup__(self, name: str) -> object:
        if name in self._METHODS or name in self._ARG_METHODS:
            return member(self, name)
        return self.get(name, "")

    def SortedPairs(self) -> Pairs:  # noqa: N802
        """By name, except that ``alertname`` comes first."""
        names = sorted(self)
        if "alertname" in self:
            names.remove("alertname")
            names.insert(0, "alertname")
        return Pairs(Pair(n, self[n]) for n in names)

    def Names(self) -> StringSlice:  # noqa: N802
        return self.SortedPairs().Names()

    def Values(self) -> StringSlice:  # noqa: N802
        return self.SortedPairs().Values()

    def Remove(self, keys: object) -> KV:  # noqa: N802
        drop = set(string_list(keys))
        return KV((k, v) for k, v in self.items() if k not in drop)


class AlertView(_GoStruct):
    """``template.Alert``."""

    __slots__ = (
        "Status",
        "Labels",
        "Annotations",
        "StartsAt",
        "EndsAt",
        "GeneratorURL",
        "Fingerprint",
    )
    _GO_TYPE = "template.Alert"
    _FIELDS = _STRUCT_FIELDS = __slots__

    def __init__(self, alert: AlertData) -> None:
        self.Status = alert.status
        self.Labels = KV(alert.labels)
        self.Annotations = KV(alert.annotations)
        self.StartsAt = GoTime.from_ns(alert.starts_at, alert.starts_tz)
        self.EndsAt = GoTime.from_ns(alert.ends_at, alert.ends_tz)
        self.GeneratorURL = alert.generator_url
        self.Fingerprint = alert.fingerprint


class AlertList(_GoValue, list):  # type: ignore[misc]
    """``[]template.Alert``: what ``.Alerts.Firing`` returns; it has no methods."""

    __slots__ = ()
    _GO_TYPE = "[]template.Alert"
    __str__ = _GoValue.__str__


class AlertsView(AlertList):
    """``template.Alerts``."""

    __slots__ = ()
    _GO_TYPE = "template.Alerts"
    _METHODS = frozenset({"Firing", "Resolved"})

    def Firing(self) -> AlertList:  # noqa: N802
        return AlertList(a for a in self if a.Status == FIRING)

    def Resolved(self) -> AlertList:  # noqa: N802
        return AlertList(a for a in self if a.Status == RESOLVED)


class DataView(_GoStruct):
    """``*template.Data``: the dot of every notification template.

    Alertmanager's notifiers execute templates on a pointer, which shows in
    ``%T``, in errors (``in type *template.Data``) and in printing
    (``&{...}``); ``amtool template render`` uses a value (:class:`DataValue`).
    """

    _POINTER = True

    __slots__ = (
        "Receiver",
        "Status",
        "Alerts",
        "GroupLabels",
        "CommonLabels",
        "CommonAnnotations",
        "ExternalURL",
    )
    _GO_TYPE = "*template.Data"
    _FIELDS = _STRUCT_FIELDS = __slots__

    def __init__(self, data: Data) -> None:
        self.Receiver = data.receiver
        self.Status = data.status
        self.Alerts = AlertsView(AlertView(a) for a in data.alerts)
        self.GroupLabels = KV(data.group_labels)
        self.CommonLabels = KV(data.common_labels)
        self.CommonAnnotations = KV(data.common_annotations)
        self.ExternalURL = data.external_url


class DataValue(DataView):
    """``template.Data`` by value, as ``amtool template render`` executes it."""

    __slots__ = ()
    _POINTER = False
    _GO_TYPE = "template.Data"


def view(data: Data, *, pointer: bool = True) -> DataView:
    """The Go-typed view of one notification's data (``*template.Data`` unless
    ``pointer`` is false)."""
    return DataView(data) if pointer else DataValue(data)


# -- time.Time and time.Duration ------------------------------------------------------------


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


class GoTime(_GoValue):
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

    __iter__ = _GoStruct.__iter__

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

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

The lookup and printing they share are in ``receivers.template_values``; the
times and durations in ``receivers.template_time``.

Views are built per notification by :func:`view` on the caller's thread and
never change afterwards.
"""

from __future__ import annotations

from receivers.payload import FIRING, RESOLVED, AlertData, Data
from receivers.template_time import GoTime
from receivers.template_values import GoStruct, GoValue, StringSlice, member, string_list

__all__ = [
    "AlertList",
    "AlertView",
    "AlertsView",
    "DataValue",
    "DataView",
    "KV",
    "Pair",
    "Pairs",
    "view",
]


class Pair(GoStruct):
    """``template.Pair``."""

    __slots__ = ("Name", "Value")
    _GO_TYPE = "template.Pair"
    _FIELDS = _STRUCT_FIELDS = ("Name", "Value")

    def __init__(self, name: str, value: str) -> None:
        self.Name = name
        self.Value = value


class Pairs(GoValue, list):  # type: ignore[misc]
    """``template.Pairs``."""

    __slots__ = ()
    _GO_TYPE = "template.Pairs"
    _METHODS = frozenset({"Names", "Values"})
    __str__ = GoValue.__str__

    def Names(self) -> StringSlice:  # noqa: N802 - Go method names throughout
        return StringSlice(p.Name for p in self)

    def Values(self) -> StringSlice:  # noqa: N802
        return StringSlice(p.Value for p in self)


class KV(GoValue, dict):  # type: ignore[misc]
    """``template.KV`` (``map[string]string``): methods first, then keys; a
    missing key is ``""``."""

    __slots__ = ()
    _GO_TYPE = "template.KV"
    _METHODS = frozenset({"SortedPairs", "Names", "Values"})
    _ARG_METHODS = frozenset({"Remove"})
    __str__ = GoValue.__str__

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


class AlertView(GoStruct):
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


class AlertList(GoValue, list):  # type: ignore[misc]
    """``[]template.Alert``: what ``.Alerts.Firing`` returns; it has no methods."""

    __slots__ = ()
    _GO_TYPE = "[]template.Alert"
    __str__ = GoValue.__str__


class AlertsView(AlertList):
    """``template.Alerts``."""

    __slots__ = ()
    _GO_TYPE = "template.Alerts"
    _METHODS = frozenset({"Firing", "Resolved"})

    def Firing(self) -> AlertList:  # noqa: N802
        return AlertList(a for a in self if a.Status == FIRING)

    def Resolved(self) -> AlertList:  # noqa: N802
        return AlertList(a for a in self if a.Status == RESOLVED)


class DataView(GoStruct):
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

"""The slow path of ``POST /api/v2/alerts``: decode the body exactly as Alertmanager does.

go-swagger decodes ``models.PostableAlerts`` with ``json.Decoder``; each element
runs ``PostableAlert.UnmarshalJSON``, which unmarshals the same object twice:
first into an anonymous struct of ``annotations``, ``endsAt``, ``startsAt``,
then into ``models.Alert`` (``labels``, ``generatorURL``). What follows from
Go's rules, and is reproduced here:

* keys match fields case-insensitively (``ſ`` and the Kelvin sign fold to
  ``s``/``k``); a repeated map field merges into the map decoded so far;
* a wrong type for a map (``labels``, ``annotations``) or a map value is
  remembered and reported once the object is done (the first one wins), while
  a bad time or a wrong type for ``startsAt``/``endsAt``/``generatorURL`` (each
  decoded by its own ``UnmarshalJSON``) stops decoding at once;
* ``null`` leaves a time unchanged, empties ``generatorURL``, and makes a map
  nil; a ``null`` label value is the empty string;
* the first element with an error aborts the whole body.

Runs on the HTTP event loop, only for bodies the typed fast path could not
take; errors are raised as :class:`gossamer.api.errors.FrameworkReject`.
"""

from __future__ import annotations

from typing import Any

from gossamer.api.errors import parse_failed, read_document
from gossamer.api.gojson import JSONNumber, JSONObject, go_kind
from gossamer.api.gotime import DateTimeError, parse_datetime, unless_zero
from gossamer.api.models import Decoded

__all__ = ["decode_slow", "field_named"]

_AO0_TYPE = (
    'struct { Annotations models.LabelSet "json:\\"annotations,omitempty\\""; '
    'EndsAt strfmt.DateTime "json:\\"endsAt,omitempty\\""; '
    'StartsAt strfmt.DateTime "json:\\"startsAt,omitempty\\"" }'
)


def decode_slow(body: bytes) -> list[Decoded | None]:
    """Decode a body Go's way; None stands for a ``null`` element (Alertmanager panics on it)."""
    doc = read_document(body, "alerts")
    if doc is None:
        return []
    if not isinstance(doc, list) or isinstance(doc, JSONObject):
        raise parse_failed(
            f"json: cannot unmarshal {go_kind(doc)} into Go value of type models.PostableAlerts"
        )
    out: list[Decoded | None] = []
    for item in doc:
        if item is None:
            out.append(None)
        elif isinstance(item, JSONObject):
            out.append(_decode_alert(item))
        else:
            raise parse_failed(
                f"json: cannot unmarshal {go_kind(item)} into Go value of type {_AO0_TYPE}"
            )
    return out


def field_named(key: str, names: tuple[str, ...]) -> str | None:
    """The struct field ``key`` sets: an exact match, else Go's case-folding match."""
    if key in names:
        return key
    folded = key.replace("\u017f", "s").replace("\u212a", "k")
    if not folded.isascii():
        return None
    lowered = folded.lower()
    for name in names:
        if name.lower() == lowered:
            return name
    return None


def _type_error(kind: str, struct: str, field: str, go_type: str) -> str:
    return f"json: cannot unmarshal {kind} into Go struct field {struct}.{field} of type {go_type}"


def _label_set(
    value: Any, current: dict[str, str] | None, struct: str, field: str
) -> tuple[dict[str, str] | None, str | None]:
    """Decode a ``models.LabelSet`` into ``current``: (the map, the first type error)."""
    if value is None:
        return None, None
    if not isinstance(value, JSONObject):
        return current, _type_error(go_kind(value), struct, field, "models.LabelSet")
    result = {} if current is None else current
    error = None
    for name, item in value:
        if item is None or (isinstance(item, str) and not isinstance(item, JSONNumber)):
            result[name] = item or ""
        else:
            result[name] = ""
            error = error or _type_error(go_kind(item), struct, field, "string")
    return result, error


def _string(value: Any, struct: str, field: str) -> str:
    """A string decoded by a field's own ``UnmarshalJSON``; any other kind stops decoding."""
    if isinstance(value, str) and not isinstance(value, JSONNumber):
        return value
    raise parse_failed(_type_error(go_kind(value), struct, field, "string"))


def _decode_alert(pairs: JSONObject) -> Decoded:
    annotations, starts, ends = _decode_times_and_annotations(pairs)
    labels: dict[str, str] | None = None
    generator_url = ""
    error = None
    for key, value in pairs:
        field = field_named(key, ("generatorURL", "labels"))
        if field == "labels":
            labels, problem = _label_set(value, labels, "Alert", "labels")
            error = error or problem
        elif field == "generatorURL":
            generator_url = "" if value is None else _string(value, "Alert", "generatorURL")
    if error:
        raise parse_failed(error)
    return Decoded(labels, annotations or {}, starts, ends, generator_url)


def _decode_times_and_annotations(
    pairs: JSONObject,
) -> tuple[dict[str, str] | None, tuple[int, int] | None, tuple[int, int] | None]:
    """The anonymous first half of ``PostableAlert``: annotations, startsAt, endsAt."""
    annotations: dict[str, str] | None = None
    times: dict[str, tuple[int, int]] = {}
    error = None
    for key, value in pairs:
        field = field_named(key, ("annotations", "endsAt", "startsAt"))
        if field == "annotations":
            annotations, problem = _label_set(value, annotations, "", "annotations")
            error = error or problem
        elif field is not None and value is not None:
            try:
                times[field] = parse_datetime(_string(value, "", field))
            except DateTimeError as exc:
                raise parse_failed(str(exc)) from None
    if error:
        raise parse_failed(error)
    starts, ends = times.get("startsAt"), times.get("endsAt")
    return annotations, starts and unless_zero(starts), ends and unless_zero(ends)

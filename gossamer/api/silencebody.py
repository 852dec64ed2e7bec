"""The body of ``POST /api/v2/silences``, decoded and schema-checked as go-swagger does.

``PostableSilence.UnmarshalJSON`` reads the object twice: once into an
anonymous ``struct { ID string }``, then into ``models.Silence`` (``comment``,
``createdBy``, ``endsAt``, ``matchers``, ``startsAt``, all pointers). Go's rules
as in :mod:`godecode`: case-folded keys, the first type error remembered, a bad
time stopping at once, ``null`` resetting a pointer; a repeated ``matchers``
array decodes over the previous one element by element. Schema validation then
reports the first missing field in go-swagger's order.

Pure functions on the HTTP event loop; every silence body takes this path
(silences are few, so exactness beats speed here).
"""

from __future__ import annotations

from typing import Any

import msgspec

from gossamer.api.errors import FrameworkReject, parse_failed, read_document
from gossamer.api.godecode import field_named
from gossamer.api.gojson import JSONNumber, JSONObject, go_kind
from gossamer.api.gotime import DateTimeError, format_millis, is_openapi_datetime, parse_datetime
from gossamer.gostrconv import go_quote

__all__ = ["PostedMatcher", "PostedSilence", "decode_silence"]

_AO0_TYPE = 'struct { ID string "json:\\"id,omitempty\\"" }'
_SILENCE_FIELDS = ("comment", "createdBy", "endsAt", "matchers", "startsAt")
_MATCHER_FIELDS = ("isEqual", "isRegex", "name", "value")


class PostedMatcher(msgspec.Struct):
    """One ``models.Matcher``; None for a field never given (or given as null)."""

    isEqual: bool | None = None
    isRegex: bool | None = None
    name: str | None = None
    value: str | None = None


class PostedSilence(msgspec.Struct):
    """A ``PostableSilence`` after decoding; times are (ns, UTC offset s)."""

    id: str = ""
    comment: str | None = None
    createdBy: str | None = None
    endsAt: tuple[int, int] | None = None
    matchers: list[PostedMatcher | None] | None = None
    startsAt: tuple[int, int] | None = None


def _failed(reason: str) -> FrameworkReject:
    return parse_failed(reason, "silence")


def _type_error(kind: str, struct: str, path: str, go_type: str) -> str:
    return f"json: cannot unmarshal {kind} into Go struct field {struct}.{path} of type {go_type}"


def _is_string(value: Any) -> bool:
    return isinstance(value, str) and not isinstance(value, JSONNumber)


def decode_silence(body: bytes) -> PostedSilence:
    """Decode and schema-check; FrameworkReject as go-openapi answers."""
    doc = read_document(body, "silence")
    posted = PostedSilence()
    if doc is None:
        pass
    elif not isinstance(doc, JSONObject):
        raise _failed(f"json: cannot unmarshal {go_kind(doc)} into Go value of type {_AO0_TYPE}")
    else:
        _decode_id(doc, posted)
        _decode_silence(doc, posted)
    _check_schema(posted)
    return posted


def _decode_id(doc: JSONObject, posted: PostedSilence) -> None:
    error = None
    for key, value in doc:
        if field_named(key, ("id",)) is None or value is None:
            continue
        if _is_string(value):
            posted.id = value
        else:
            error = error or _type_error(go_kind(value), "", "id", "string")
    if error:
        raise _failed(error)


def _decode_silence(doc: JSONObject, posted: PostedSilence) -> None:
    errors: list[str] = []
    for key, value in doc:
        name = field_named(key, _SILENCE_FIELDS)
        if name in ("comment", "createdBy"):
            if value is None or _is_string(value):
                setattr(posted, name, value)
            else:
                errors.append(_type_error(go_kind(value), "Silence", name, "string"))
        elif name in ("endsAt", "startsAt"):
            setattr(posted, name, None if value is None else _time(value, name))
        elif name == "matchers":
            posted.matchers = _matchers(value, posted.matchers, errors)
    if errors:
        raise _failed(errors[0])


def _time(value: Any, name: str) -> tuple[int, int]:
    """A ``*strfmt.DateTime`` field: its own ``UnmarshalJSON``, so errors stop decoding."""
    if not _is_string(value):
        raise _failed(_type_error(go_kind(value), "Silence", name, "string"))
    try:
        return parse_datetime(value)
    except DateTimeError as exc:
        raise _failed(str(exc)) from None


def _matchers(
    value: Any, current: list[PostedMatcher | None] | None, errors: list[str]
) -> list[PostedMatcher | None] | None:
    """``models.Matchers`` decoded over ``current`` (Go reuses the slice and its elements)."""
    if value is None:
        return None
    if isinstance(value, JSONObject) or not isinstance(value, list):
        errors.append(_type_error(go_kind(value), "Silence", "matchers", "models.Matchers"))
        return current
    old = current or []
    out: list[PostedMatcher | None] = []
    for i, item in enumerate(value):
        previous = old[i] if i < len(old) else None
        if item is None:
            out.append(None)
        elif isinstance(item, JSONObject):
            out.append(_matcher(item, previous or PostedMatcher(), errors))
        else:
            errors.append(_type_error(go_kind(item), "Silence", "matchers", "models.Matcher"))
            out.append(previous)
    return out


def _matcher(pairs: JSONObject, matcher: PostedMatcher, errors: list[str]) -> PostedMatcher:
    for key, value in pairs:
        name = field_named(key, _MATCHER_FIELDS)
        if name is None:
            continue
        is_bool = name in ("isEqual", "isRegex")
        if value is None or (isinstance(value, bool) if is_bool else _is_string(value)):
            setattr(matcher, name, value)
        else:
            go_type = "bool" if is_bool else "string"
            errors.append(_type_error(go_kind(value), "Matcher", f"matchers.{name}", go_type))
    return matcher


def _required(name: str) -> FrameworkReject:
    return FrameworkReject(422, 602, f"{name} in body is required")


def _check_time(name: str, value: tuple[int, int] | None) -> None:
    if value is None:
        raise _required(name)
    if not is_openapi_datetime(*value):
        text = go_quote(format_millis(*value))
        raise FrameworkReject(422, 601, f"{name} in body must be of type date-time: {text}")


def _check_schema(posted: PostedSilence) -> None:
    """go-swagger's ``Silence.Validate``: fields in alphabetical order, the first failure."""
    if posted.comment is None:
        raise _required("comment")
    if posted.createdBy is None:
        raise _required("createdBy")
    _check_time("endsAt", posted.endsAt)
    if posted.matchers is None:
        raise _required("matchers")
    if not posted.matchers:
        raise FrameworkReject(422, 612, "matchers in body should have at least 1 items")
    for i, matcher in enumerate(posted.matchers):
        if matcher is None:
            continue
        for name in ("isRegex", "name", "value"):
            if getattr(matcher, name) is None:
                raise _required(f"matchers.{i}.{name}")
    _check_time("startsAt", posted.startsAt)

"""``POST /api/v2/alerts``: decode, check, default, clean up and validate a batch.

Decoding has two paths with one result. The fast path reads the body with a
typed msgspec decoder; it is taken only when it cannot differ from Go: the body
decodes, every field name is spelled exactly and given at most once, and every
time parses. Anything else (errors included) goes to :mod:`godecode`, which
follows Go's decoder rule by rule. Schema validation (go-swagger's 422s) and
Alertmanager's own checks (the 400 string) then run on the decoded alerts.

Runs on the HTTP event loop; pure functions, so the hot path costs no actor
hop until the whole valid batch is told to the ingest actor at once.
"""

from __future__ import annotations

import re

import msgspec

from gossamer.alert import Alert
from gossamer.api.errors import FrameworkReject
from gossamer.api.godecode import decode_slow
from gossamer.api.gotime import (
    DateTimeError,
    format_millis,
    is_openapi_datetime,
    parse_datetime,
    unless_zero,
)
from gossamer.api.models import Decoded, PostableAlert
from gossamer.api.urls import is_request_uri
from gossamer.gostrconv import go_quote
from gossamer.labels import all_valid_names, canonical, is_valid_label_name
from gossamer.timefmt import ZERO

__all__ = ["Batch", "FrameworkReject", "NilAlert", "decode_body", "validate_batch"]

_DECODER = msgspec.json.Decoder(list[PostableAlert])
_UNSET = msgspec.UNSET
_OPTIONAL = (b'"annotations"', b'"startsat"', b'"endsat"', b'"generatorurl"')  # lower-cased
# A key spelled with a \u escape, or with the letters Go folds to s and k.
_ESCAPED_KEY = re.compile(rb'\\u[0-9a-fA-F]{4}[^"\\]*"\s*:')
_FOLDING = (b"\xc5\xbf", b"\xe2\x84\xaa")


class NilAlert(Exception):
    """A ``null`` element in the batch: Alertmanager 0.25 dereferences it and panics."""


class Batch(msgspec.Struct):
    """A decoded batch: alerts to store, error messages, and received counts."""

    valid: list[Alert]
    errors: list[str]
    firing: int
    resolved: int


def decode_body(body: bytes) -> list[Decoded]:
    """Decode and schema-check the body; FrameworkReject as go-openapi answers, or NilAlert."""
    decoded: list[Decoded | None] | None = None
    try:
        decoded = _decode_fast(_DECODER.decode(body), body)
    except (msgspec.DecodeError, UnicodeDecodeError):
        pass
    if decoded is None:
        decoded = decode_slow(body)
    _check_schema(decoded)
    alerts = [d for d in decoded if d is not None]
    if len(alerts) != len(decoded):
        raise NilAlert()
    return alerts


def _decode_fast(posted: list[PostableAlert], body: bytes) -> list[Decoded | None] | None:
    """The typed decode's result in Go's terms; None when Go could read the body differently."""
    present = [0, 0, 0, 0]
    out: list[Decoded | None] = []
    try:
        for p in posted:
            out.append(_fast_alert(p, present))
    except DateTimeError:
        return None  # which error Go reports first depends on key order: ask the slow path
    if not _keys_are_plain(body, len(posted), present):
        return None
    return out


def _fast_alert(p: PostableAlert, present: list[int]) -> Decoded:
    annotations, starts, ends, url = p.annotations, p.startsAt, p.endsAt, p.generatorURL
    if annotations is not _UNSET:
        present[0] += 1
    if starts is not _UNSET:
        present[1] += 1
    if ends is not _UNSET:
        present[2] += 1
    if url is not _UNSET:
        present[3] += 1
    return Decoded(
        p.labels,
        annotations or {},
        unless_zero(parse_datetime(starts)) if isinstance(starts, str) else None,
        unless_zero(parse_datetime(ends)) if isinstance(ends, str) else None,
        url if isinstance(url, str) else "",
    )


def _keys_are_plain(body: bytes, count: int, present: list[int]) -> bool:
    """Whether each field name, in any letter case, occurs exactly as often as the
    typed decode saw it spelled exactly.

    Go matches names case-insensitively and merges repeated maps; a body where
    either could matter (or where a name hides behind an escape) is left to
    the slow path. A label or annotation that merely looks like a field name
    sends a body there too, harmlessly.
    """
    if any(folding in body for folding in _FOLDING):
        return False
    lowered = body.lower()
    if lowered.count(b'"labels"') != count:
        return False
    for name, seen in zip(_OPTIONAL, present, strict=True):
        if lowered.count(name) != seen:
            return False
    return b"\\" not in body or _ESCAPED_KEY.search(body) is None


def _check_schema(decoded: list[Decoded | None]) -> None:
    """go-swagger's ``PostableAlerts.Validate``: the first failing alert, its first failure."""
    for i, alert in enumerate(decoded):
        if alert is None:
            continue
        if alert.ends is not None or alert.starts is not None:
            _check_times(i, alert)
        url = alert.generator_url
        if url and not is_request_uri(url):
            raise FrameworkReject(
                422, 601, f"{i}.generatorURL in body must be of type uri: {go_quote(url)}"
            )
        if alert.labels is None:
            raise FrameworkReject(422, 602, f"{i}.labels in body is required")


def _check_times(i: int, alert: Decoded) -> None:
    for name, value in (("endsAt", alert.ends), ("startsAt", alert.starts)):
        if value is not None and not is_openapi_datetime(*value):
            text = go_quote(format_millis(*value))
            raise FrameworkReject(422, 601, f"{i}.{name} in body must be of type date-time: {text}")


def validate_batch(alerts: list[Decoded], now_ns: int, resolve_timeout_s: float) -> Batch:
    """Default, clean up and validate every alert (pipeline.md §2.1–2.2).

    Valid alerts are kept even when others fail; each failure adds one message.
    """
    valid: list[Alert] = []
    errors: list[str] = []
    firing = resolved = 0
    timeout_ns = int(resolve_timeout_s * 1e9)
    for posted in alerts:
        alert, error = _to_alert(posted, now_ns, timeout_ns)
        if alert.ends_at > now_ns:
            firing += 1
        else:
            resolved += 1
        if error:
            errors.append(error)
        else:
            valid.append(alert)
    return Batch(valid, errors, firing, resolved)


def _to_alert(posted: Decoded, now: int, timeout_ns: int) -> tuple[Alert, str]:
    starts, starts_tz = posted.starts or (ZERO, 0)
    ends, ends_tz = posted.ends or (ZERO, 0)
    if starts == ZERO:
        starts, starts_tz = (ends, ends_tz) if ends != ZERO else (now, 0)
    timeout = ends == ZERO
    if timeout:
        ends = now + timeout_ns
    labels = posted.labels or {}
    if "" in labels.values():
        labels = {k: v for k, v in labels.items() if v != ""}
    # One interned label dict per label set, shared by every re-send of the alert.
    fp, labels = canonical(labels) if labels else (0, labels)
    alert = Alert(labels, posted.annotations, starts, ends, posted.generator_url, now, timeout,
                  fp, starts_tz, ends_tz)  # fmt: skip
    return alert, _validate(alert)


def _validate(alert: Alert) -> str:
    """Alertmanager's ``model.Alert.Validate``; the empty string when valid."""
    if alert.ends_at != ZERO and alert.ends_at < alert.starts_at:
        return "start time must be before end time"
    if not all_valid_names(alert.labels):
        bad = next(n for n in alert.labels if not is_valid_label_name(n))
        return f"invalid label set: invalid name {go_quote(bad)}"
    if not alert.labels:
        return "at least one label pair required"
    if not all_valid_names(alert.annotations):
        bad = next(n for n in alert.annotations if not is_valid_label_name(n))
        return f"invalid annotations: invalid name {go_quote(bad)}"
    return ""

"""``POST /api/v2/alerts``: decode, default, clean up and validate a batch.

Runs on the HTTP event loop; pure functions, so the hot path costs no actor
hop until the whole valid batch is told to the ingest actor at once.
"""

from __future__ import annotations

import json

import msgspec

from gossamer.alert import Alert
from gossamer.api.models import PostableAlert
from gossamer.api.urls import go_url_parse_error
from gossamer.labels import all_valid_names, canonical, is_valid_label_name
from gossamer.timefmt import ZERO, parse_rfc3339, parse_rfc3339_tz

_DECODER = msgspec.json.Decoder(list[PostableAlert])


class FrameworkReject(Exception):
    """A go-swagger binding/validation error: status and ``{"code","message"}`` body."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class Batch(msgspec.Struct):
    """A decoded batch: alerts to store, error messages, and received counts."""

    valid: list[Alert]
    errors: list[str]
    firing: int
    resolved: int


def decode_body(body: bytes) -> list[PostableAlert]:
    """Decode the JSON array; Alertmanager's framework errors on failure."""
    try:
        alerts = _DECODER.decode(body)
    except msgspec.ValidationError:
        raise _diagnose(body) from None
    except msgspec.DecodeError:
        raise _diagnose(body) from None
    for i, alert in enumerate(alerts):
        for text in (alert.startsAt, alert.endsAt):
            if text:
                try:
                    parse_rfc3339(text)
                except ValueError as exc:
                    raise _parse_failed(str(exc)) from None
    for i, alert in enumerate(alerts):  # schema validation runs after decoding, as go-swagger's
        if alert.generatorURL and go_url_parse_error(alert.generatorURL):
            raise FrameworkReject(
                422, 601, f"{i}.generatorURL in body must be of type uri: {json.dumps(alert.generatorURL)}"
            )
    return alerts


def _parse_failed(reason: str) -> FrameworkReject:
    return FrameworkReject(400, 400, f'parsing alerts body from "" failed, because {reason}')


def _diagnose(body: bytes) -> FrameworkReject:
    """Slow path for a body that failed to decode: word the error as Go would."""
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        return _parse_failed(_json_syntax_reason(body, exc))
    if not isinstance(doc, list):
        return _parse_failed(f"json: cannot unmarshal {_go_kind(doc)} into Go value of type models.PostableAlerts")
    for i, item in enumerate(doc):
        reason = _item_problem(item)
        if reason is not None:
            return _parse_failed(reason)
        if "labels" not in item or item["labels"] is None:
            return FrameworkReject(422, 602, f"{i}.labels in body is required")
        for field in ("startsAt", "endsAt"):
            value = item.get(field)
            if isinstance(value, str):
                try:
                    parse_rfc3339(value)
                except ValueError as exc:
                    return _parse_failed(str(exc))
    return _parse_failed("json: cannot unmarshal body")


def _item_problem(item: object) -> str | None:
    if not isinstance(item, dict):
        return f"json: cannot unmarshal {_go_kind(item)} into Go value of type models.PostableAlert"
    for field in ("labels", "annotations"):
        mapping = item.get(field)
        if mapping is None:
            continue
        if not isinstance(mapping, dict):
            return f"json: cannot unmarshal {_go_kind(mapping)} into Go struct field PostableAlert.{field} of type models.LabelSet"
        for value in mapping.values():
            if not isinstance(value, str):
                return f"json: cannot unmarshal {_go_kind(value)} into Go struct field Alert.{field} of type string"
    for field in ("startsAt", "endsAt", "generatorURL"):
        value = item.get(field)
        if value is not None and not isinstance(value, str):
            return f"json: cannot unmarshal {_go_kind(value)} into Go struct field PostableAlert.{field} of type string"
    return None


def _go_kind(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def _json_syntax_reason(body: bytes, exc: Exception) -> str:
    text = body.decode("utf-8", "replace").lstrip()
    if not text:
        return "EOF"
    pos = getattr(exc, "pos", 0) or 0
    char = body.decode("utf-8", "replace")[pos : pos + 1] if pos < len(body) else ""
    if char == "":
        return "unexpected end of JSON input"
    return f"invalid character {_go_char(char)} looking for beginning of value"


def _go_char(char: str) -> str:
    return "'\\''" if char == "'" else f"'{char}'"


def validate_batch(alerts: list[PostableAlert], now_ns: int, resolve_timeout_s: float) -> Batch:
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


def _to_alert(posted: PostableAlert, now: int, timeout_ns: int) -> tuple[Alert, str]:
    starts, starts_tz = parse_rfc3339_tz(posted.startsAt) if posted.startsAt else (ZERO, 0)
    ends, ends_tz = parse_rfc3339_tz(posted.endsAt) if posted.endsAt else (ZERO, 0)
    if starts == ZERO:
        starts, starts_tz = (ends, ends_tz) if ends != ZERO else (now, 0)
    timeout = ends == ZERO
    if timeout:
        ends = now + timeout_ns
    labels = posted.labels
    if "" in labels.values():
        labels = {k: v for k, v in labels.items() if v != ""}
    fp, labels = canonical(labels) if labels else (0, labels)
    annotations = posted.annotations or {}
    alert = Alert(labels, annotations, starts, ends, posted.generatorURL or "", now, timeout,
                  fp, starts_tz, ends_tz)
    return alert, _validate(alert)


def _validate(alert: Alert) -> str:
    """Alertmanager's ``model.Alert.Validate``; the empty string when valid."""
    if alert.ends_at != ZERO and alert.ends_at < alert.starts_at:
        return "start time must be before end time"
    if not all_valid_names(alert.labels):
        bad = next(n for n in alert.labels if not is_valid_label_name(n))
        return f'invalid label set: invalid name "{bad}"'
    if not alert.labels:
        return "at least one label pair required"
    if not all_valid_names(alert.annotations):
        bad = next(n for n in alert.annotations if not is_valid_label_name(n))
        return f'invalid annotations: invalid name "{bad}"'
    return ""

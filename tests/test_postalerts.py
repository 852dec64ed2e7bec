"""POST /api/v2/alerts decoding, defaulting and validation, with Alertmanager's messages."""

from __future__ import annotations

import pytest

from gossamer.api.postalerts import FrameworkReject, NilAlert, decode_body, validate_batch
from gossamer.api.urls import is_request_uri
from gossamer.timefmt import parse_rfc3339

S = 1_000_000_000
NOW = parse_rfc3339("2026-11-24T19:00:00Z")


def batch(body: bytes, resolve_timeout_s: float = 300):
    return validate_batch(decode_body(body), NOW, resolve_timeout_s)


def test_missing_times_default_to_now_and_now_plus_resolve_timeout() -> None:
    """startsAt defaults to now; endsAt to now + resolve_timeout, flagged as synthesised."""
    (alert,) = batch(b'[{"labels":{"a":"b"}}]').valid
    assert alert.starts_at == NOW
    assert alert.ends_at == NOW + 300 * S
    assert alert.timeout and alert.updated_at == NOW


def test_missing_start_takes_a_given_end() -> None:
    """An alert with only endsAt starts when it ends (an immediate resolve)."""
    (alert,) = batch(b'[{"labels":{"a":"b"},"endsAt":"2026-11-24T18:00:00Z"}]').valid
    assert alert.starts_at == alert.ends_at == parse_rfc3339("2026-11-24T18:00:00Z")
    assert not alert.timeout


def test_empty_label_values_are_dropped_before_validation() -> None:
    """Labels with empty values are deleted; none left is an error."""
    result = batch(b'[{"labels":{"a":"b","c":""}},{"labels":{"a":""}}]')
    assert [a.labels for a in result.valid] == [{"a": "b"}]
    assert result.errors == ["at least one label pair required"]


def test_invalid_alerts_are_reported_and_valid_ones_kept() -> None:
    """Best effort: every invalid alert adds its message; valid ones are stored."""
    body = (
        b'[{"labels":{"0bad":"x"}},{"labels":{"ok":"x"}},'
        b'{"labels":{"a":"b"},"startsAt":"2026-11-24T19:00:00Z","endsAt":"2026-11-24T18:00:00Z"},'
        b'{"labels":{"a":"b"},"annotations":{"1x":"y"}}]'
    )
    result = batch(body)
    assert [a.labels for a in result.valid] == [{"ok": "x"}]
    assert result.errors == [
        'invalid label set: invalid name "0bad"',
        "start time must be before end time",
        'invalid annotations: invalid name "1x"',
    ]


def test_received_counts_split_firing_and_resolved_by_end_time() -> None:
    """alertmanager_alerts_received_total counts before validation, by endsAt vs now."""
    result = batch(
        b'[{"labels":{"a":"b"}},{"labels":{"a":"c"},"endsAt":"2026-11-24T18:00:00Z"},{"labels":{}}]'
    )
    assert (result.firing, result.resolved) == (2, 1)


@pytest.mark.parametrize(
    ("body", "status", "code", "message"),
    [
        (
            b"garbage",
            400,
            400,
            "parsing alerts body from \"\" failed, because invalid character 'g' looking for beginning of value",
        ),
        (
            b'{"labels":{}}',
            400,
            400,
            'parsing alerts body from "" failed, because json: cannot unmarshal object into Go value of type models.PostableAlerts',
        ),
        (
            b'[{"labels":{"a":1}}]',
            400,
            400,
            'parsing alerts body from "" failed, because json: cannot unmarshal number into Go struct field Alert.labels of type string',
        ),
        (b'[{"annotations":{"a":"b"}}]', 422, 602, "0.labels in body is required"),
        (
            b'[{"labels":{"a":"b"},"generatorURL":"::not a url"}]',
            422,
            601,
            '0.generatorURL in body must be of type uri: "::not a url"',
        ),
    ],
)
def test_framework_errors_match_alertmanager(
    body: bytes, status: int, code: int, message: str
) -> None:
    """Bodies that fail binding or schema validation get go-swagger's status and message."""
    with pytest.raises(FrameworkReject) as info:
        decode_body(body)
    assert (info.value.status, info.value.code, info.value.message) == (status, code, message)


def test_a_bad_timestamp_is_a_parse_error_worded_for_the_last_layout() -> None:
    """An unparsable startsAt is a 400 with Go's error for strfmt's last layout."""
    with pytest.raises(FrameworkReject) as info:
        decode_body(b'[{"labels":{"a":"b"},"startsAt":"notatime"}]')
    assert info.value.message == (
        'parsing alerts body from "" failed, because parsing time "notatime" as '
        '"2006-01-02 15:04:05": cannot parse "notatime" as "2006"'
    )


@pytest.mark.parametrize(
    ("url", "ok"),
    [("http://prom:9090/graph?g0.expr=up", True), ("relative/path", False), ("/abs/path", True),
     ("::not a url", False), ("http://x/%zz", False), ("a b:c/d", False), ("mailto:x@y", True),
     ("//host", True), ("x:y", True), ("#frag", False), ("http://x y", False), ("http://x:port", False)],
)  # fmt: skip
def test_generator_url_must_pass_gos_parse_request_uri(url: str, ok: bool) -> None:
    """generatorURL is go-openapi's ``uri`` format: Go's url.ParseRequestURI must accept it."""
    assert is_request_uri(url) is ok


def test_a_null_alert_in_the_batch_is_refused_after_schema_checks() -> None:
    """Alertmanager panics on a null element; schema errors elsewhere are still reported first."""
    with pytest.raises(NilAlert):
        decode_body(b'[{"labels":{"a":"b"}},null]')
    with pytest.raises(FrameworkReject) as info:
        decode_body(b'[null,{"generatorURL":"::x","labels":{}}]')
    assert info.value.message == '1.generatorURL in body must be of type uri: "::x"'

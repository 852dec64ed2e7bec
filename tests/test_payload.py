"""Go-compatible JSON, the notification data model and the webhook v4 body."""

from __future__ import annotations

import json

import msgspec
import pytest

from gossamer.alert import Alert
from gossamer.api.gojson import encode_line, marshal
from gossamer.labels import fingerprint
from gossamer.timefmt import NS, ZERO
from receivers.base import NotificationContext
from receivers.payload import (
    build_data,
    common_pairs,
    quote_meta,
    truncate_alerts,
    webhook_body,
)

T0 = 1_764_000_000 * NS + 123_456_789  # 2025-11-24T16:00:00.123456789Z


def make_alert(
    labels: dict[str, str],
    annotations: dict[str, str] | None = None,
    *,
    starts_at: int = T0,
    ends_at: int = ZERO,
    generator_url: str = "",
) -> Alert:
    return Alert(
        labels=labels,
        annotations=annotations or {},
        starts_at=starts_at,
        ends_at=ends_at,
        generator_url=generator_url,
        updated_at=starts_at,
        timeout=False,
        fingerprint=fingerprint(labels),
    )


def context(receiver: str = "hook", now: int = T0 + 60 * NS) -> NotificationContext:
    return NotificationContext(
        group_key='{}:{alertname="A"}',
        group_labels={"alertname": "A"},
        receiver_name=receiver,
        external_url="http://am.example:9093",
        now_ns=now,
    )


def test_gojson_escapes_html_characters_and_line_separators() -> None:
    """``< > &`` and U+2028/U+2029 are escaped the way Go's HTML-safe encoder does."""
    assert marshal("a<b>&c\u2028d\u2029") == b'"a\\u003cb\\u003e\\u0026c\\u2028d\\u2029"'


def test_gojson_writes_backspace_and_form_feed_as_go_1_19_does() -> None:
    """Go before 1.22 has no short escapes for \\b and \\f: ``\\u0008``, ``\\u000c``."""
    assert marshal("\b\f\x01\t\n\r") == b'"\\u0008\\u000c\\u0001\\t\\n\\r"'


def test_gojson_leaves_an_escaped_backslash_before_b_alone() -> None:
    """The text ``\\b`` (backslash, letter b) is not a backspace."""
    assert marshal("\\b\\f\\\b") == b'"\\\\b\\\\f\\\\\\u0008"'


def test_gojson_keeps_slash_del_and_non_ascii_raw() -> None:
    """Go leaves ``/``, DEL and non-ASCII text unescaped (UTF-8 bytes)."""
    assert marshal("/\x7fé☃") == '"/\x7fé☃"'.encode()


def test_gojson_sorts_map_keys_but_keeps_struct_field_order() -> None:
    """Map keys are sorted by bytes; struct fields stay in declaration order."""

    class Pair(msgspec.Struct):
        zeta: int
        alpha: dict[str, int]

    assert marshal(Pair(1, {"b": 1, "a": 2, "é": 3, "Z": 4})) == (
        b'{"zeta":1,"alpha":{"Z":4,"a":2,"b":1,"\xc3\xa9":3}}'
    )
    assert encode_line({}) == b"{}\n"


def test_gojson_writes_an_undecodable_byte_as_the_escape_go_writes() -> None:
    """A byte kept by ``surrogateescape`` is invalid UTF-8 in Go: ``\\ufffd`` (escaped)."""
    assert marshal({"k": "a\udcffb\udc80"}) == b'{"k":"a\\ufffdb\\ufffd"}'
    assert encode_line("<\udcc3>") == b'"\\u003c\\ufffd\\u003e"\n'


def test_gojson_writes_a_surrogate_code_point_as_the_replacement_character() -> None:
    """Other lone surrogates stand for a rune Go already made U+FFFD (``%c``, the decoder)."""
    assert marshal({"k": "a\ud800b\udc00"}) == '{"k":"a\ufffdb\ufffd"}'.encode()


def test_gojson_keeps_struct_field_order_when_a_string_holds_a_surrogate() -> None:
    """The slow path for lone surrogates sorts map keys but not struct fields."""

    class Pair(msgspec.Struct):
        zeta: str
        alpha: dict[str, str]

    assert marshal(Pair("\ud800", {"b": "\udcff", "a": ""})) == (
        b'{"zeta":"\xef\xbf\xbd","alpha":{"a":"","b":"\\ufffd"}}'
    )


def test_gojson_writes_map_keys_with_undecodable_bytes_in_go_order() -> None:
    """Keys are escaped like values and sorted by the bytes they stand for."""
    value = {"\udcff": 1, "\uffff": 2, "a\ud800": 3, "a": 4}
    assert marshal(value) == ('{"a":4,"a\ufffd":3,"\uffff":2,"\\ufffd":1}').encode()


def test_quote_meta_escapes_regexp_metacharacters() -> None:
    """``regexp.QuoteMeta``: ``my.receiver`` becomes ``my\\.receiver``; ``-_ `` stay."""
    assert quote_meta("my.receiver") == "my\\.receiver"
    assert (
        quote_meta("a+b*c?(d)|[e]{f}^$\\ -_") == "a\\+b\\*c\\?\\(d\\)\\|\\[e\\]\\{f\\}\\^\\$\\\\ -_"
    )


def test_common_pairs_treats_a_missing_key_as_empty_like_go() -> None:
    """An empty-valued pair survives against a map without the key (Go map zero value)."""
    assert common_pairs([{"a": "1", "e": ""}, {"a": "1"}]) == {"a": "1", "e": ""}
    assert common_pairs([{"a": "1"}, {"a": "2"}]) == {}
    assert common_pairs([]) == {}


def test_truncate_keeps_the_first_alerts_and_counts_the_rest() -> None:
    """max_alerts 0 keeps everything; otherwise the head of the list is kept."""
    alerts = [make_alert({"alertname": "A", "i": str(i)}) for i in range(5)]
    assert truncate_alerts(alerts, 0) == (alerts, 0)
    assert truncate_alerts(alerts, 5) == (alerts, 0)
    assert truncate_alerts(alerts, 2) == (alerts[:2], 3)


def test_data_hides_the_future_end_of_firing_alerts() -> None:
    """A firing alert's ``ends_at`` is zero; a resolved one keeps its end."""
    firing = make_alert({"alertname": "A", "n": "1"}, ends_at=T0 + 3600 * NS)
    resolved = make_alert({"alertname": "A", "n": "2"}, ends_at=T0 + 30 * NS)
    data = build_data(context(), [firing, resolved])
    assert [(a.status, a.ends_at) for a in data.alerts] == [
        ("firing", ZERO),
        ("resolved", T0 + 30 * NS),
    ]
    assert data.status == "firing"
    assert data.firing() == data.alerts[:1] and data.resolved() == data.alerts[1:]


def test_data_status_is_resolved_when_nothing_fires() -> None:
    """``status`` is ``resolved`` when every alert has ended (and for no alerts)."""
    resolved = make_alert({"alertname": "A"}, ends_at=T0 + NS)
    assert build_data(context(), [resolved]).status == "resolved"
    assert build_data(context(), []).status == "resolved"


def test_data_quotes_the_receiver_and_computes_common_pairs() -> None:
    """receiver is QuoteMeta'd; common labels/annotations span all given alerts."""
    a = make_alert({"alertname": "A", "x": "1"}, {"s": "same", "d": "1"})
    b = make_alert({"alertname": "A", "x": "2"}, {"s": "same", "d": "2"})
    data = build_data(context("my.receiver"), [a, b])
    assert data.receiver == "my\\.receiver"
    assert (data.common_labels, data.common_annotations) == ({"alertname": "A"}, {"s": "same"})
    assert data.group_labels == {"alertname": "A"}
    assert data.alerts[0].fingerprint == f"{fingerprint(a.labels):016x}"


def test_webhook_body_has_go_field_order_and_a_trailing_newline() -> None:
    """Exactly the field order and form Alertmanager 0.25 emits."""
    alert = make_alert(
        {"alertname": "A", "job": "j"},
        {"summary": "x<y>"},
        generator_url="http://prom/graph?a=1&b=2",
    )
    body = webhook_body(build_data(context(), [alert]), '{}:{alertname="A"}', 2)
    fp = f"{fingerprint(alert.labels):016x}"
    assert body == (
        b'{"receiver":"hook","status":"firing","alerts":[{"status":"firing",'
        b'"labels":{"alertname":"A","job":"j"},"annotations":{"summary":"x\\u003cy\\u003e"},'
        b'"startsAt":"2025-11-24T16:00:00.123456789Z","endsAt":"0001-01-01T00:00:00Z",'
        b'"generatorURL":"http://prom/graph?a=1\\u0026b=2","fingerprint":"' + fp.encode() + b'"}],'
        b'"groupLabels":{"alertname":"A"},"commonLabels":{"alertname":"A","job":"j"},'
        b'"commonAnnotations":{"summary":"x\\u003cy\\u003e"},'
        b'"externalURL":"http://am.example:9093","version":"4",'
        b'"groupKey":"{}:{alertname=\\"A\\"}","truncatedAlerts":2}\n'
    )
    assert json.loads(body)["truncatedAlerts"] == 2


def test_webhook_body_writes_replacement_characters_as_alertmanager_does() -> None:
    """A label value posted with a lone surrogate escape was decoded to U+FFFD, which the
    body carries as UTF-8 (checked against 0.25); an undecodable byte is ``\\ufffd``."""
    alert = make_alert({"alertname": "A", "v": "a\ufffdb"}, {"s": "x\udcffy"})
    body = webhook_body(build_data(context(), [alert]), "{}", 0)
    assert b'"labels":{"alertname":"A","v":"a\xef\xbf\xbdb"}' in body
    assert b'"annotations":{"s":"x\\ufffdy"}' in body
    assert body.startswith(b'{"receiver":"hook","status":"firing","alerts":[{"status":"firing",')


def test_webhook_body_refuses_years_go_cannot_marshal() -> None:
    """Go's Time.MarshalJSON fails past year 9999; so does the body."""
    alert = make_alert({"alertname": "A"}, starts_at=253402300800 * NS)
    with pytest.raises(ValueError, match="year outside of range"):
        webhook_body(build_data(context(), [alert]), "{}", 0)

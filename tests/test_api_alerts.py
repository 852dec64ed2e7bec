"""Alert endpoints end to end through the ASGI app: posting, listing, groups, parameters."""

from __future__ import annotations

import json

import pytest

from gossamer.api.app import Api
from gossamer.api.postalerts import decode_body
from tests.api_rig import NOW, FakeNode, S, call, filter_query, make_alert

JSON = {"Content-Type": "application/json"}


def post(api: Api, body: bytes) -> tuple[int, str]:
    reply = call(api, "POST", "/api/v2/alerts", body, JSON)
    return reply.status, reply.body.decode()


def message(api: Api, body: bytes) -> str:
    return str(json.loads(post(api, body)[1])["message"])


@pytest.fixture
def node() -> FakeNode:
    node = FakeNode()
    a = make_alert({"alertname": "A", "team": "a", "severity": "page"})
    b = make_alert({"alertname": "B", "team": "a", "instance": "<i>"}, annotations={"s": "x & y"})
    c = make_alert({"alertname": "C", "team": "b"})
    gone = make_alert({"alertname": "Gone"}, ends_at=NOW - S)
    node.alerts = [a, b, c, gone]
    node.inhibitions = {b.fingerprint: a.fingerprint}
    node.silences = {c.fingerprint: ["s2", "s1"]}
    node.group({"alertname": "A"}, "team.a", a)
    node.group({"alertname": "A"}, "pager", a)
    node.group({"alertname": "B"}, "team.a", b)
    node.group({"alertname": "C"}, "default", c, gone)
    return node


def listed(api: Api, query: str = "") -> list[str]:
    reply = call(api, "GET", "/api/v2/alerts" + (f"?{query}" if query else ""))
    assert reply.status == 200, reply.body
    return [a["labels"]["alertname"] for a in json.loads(reply.body)]


def test_a_valid_batch_is_ingested_with_an_empty_200(node: FakeNode) -> None:
    api = Api(node)
    assert post(api, b'[{"labels":{"a":"b"},"startsAt":"2026-11-24T18:00:00+02:00"}]') == (200, "")
    (alert,) = node.ingested
    assert (alert.starts_at, alert.starts_tz) == (NOW - 3 * 3600 * S, 7200)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'[{"labels":{"a":"b"},"annotations":{"x":2}}]',
         "json: cannot unmarshal number into Go struct field .annotations of type string"),
        (b'[{"labels":{"a":1},"generatorURL":5}]',
         "json: cannot unmarshal number into Go struct field Alert.generatorURL of type string"),
        (b'[{"annotations":{"x":2},"startsAt":"bad"}]',
         'parsing time "bad" as "2006-01-02 15:04:05": cannot parse "bad" as "2006"'),
        (b'[{"endsAt":5,"startsAt":"bad"}]', "json: cannot unmarshal number into Go struct field .endsAt of type string"),
        (b'[{"Labels":{"a":"b"},"StartsAt":"bad"}]',
         'parsing time "bad" as "2006-01-02 15:04:05": cannot parse "bad" as "2006"'),
        (b'[{"\xc5\xbftartsAt":"bad","labels":{"a":"b"}}]',
         'parsing time "bad" as "2006-01-02 15:04:05": cannot parse "bad" as "2006"'),
        (b"[1]", 'json: cannot unmarshal number into Go value of type struct { Annotations models.LabelSet '
                 '"json:\\"annotations,omitempty\\""; EndsAt strfmt.DateTime "json:\\"endsAt,omitempty\\""; '
                 'StartsAt strfmt.DateTime "json:\\"startsAt,omitempty\\"" }'),
        (b'[{"labels":{"a":"b"}}', "unexpected EOF"),
    ],
)  # fmt: skip
def test_decode_errors_follow_gos_struct_decoding(
    node: FakeNode, body: bytes, expected: str
) -> None:
    """Which error Go reports: hard errors (times, generatorURL) beat remembered type errors."""
    assert message(Api(node), body) == f'parsing alerts body from "" failed, because {expected}'


def test_go_case_folds_keys_and_merges_repeated_maps() -> None:
    """``LABELS`` sets labels; a second ``labels`` object adds to the first; null resets a URL."""
    (alert,) = decode_body(
        b'[{"LABELS":{"a":"1"},"labels":{"b":"2"},"generatorURL":"::x","generatorURL":null}]'
    )
    assert alert.labels == {"a": "1", "b": "2"} and alert.generator_url == ""


def test_schema_errors_come_in_go_swaggers_order(node: FakeNode) -> None:
    """endsAt before startsAt before generatorURL before labels; the first bad alert wins."""
    api = Api(node)
    bad_end = b'[{"labels":{"a":"b"}},{"endsAt":"2026-01-01T00:00:00+99:99","generatorURL":"a"}]'
    assert (
        message(api, bad_end)
        == '1.endsAt in body must be of type date-time: "2026-01-01T00:00:00.000+100:39"'
    )
    assert (
        message(api, b'[{"generatorURL":"relative/path"}]')
        == '0.generatorURL in body must be of type uri: "relative/path"'
    )
    assert message(api, b'[{"labels":null}]') == "0.labels in body is required"


def test_validation_messages_quote_names_like_go(node: FakeNode) -> None:
    """``%q`` quoting of bad names, the messages joined with "; ", valid alerts still stored."""
    body = b'[{"labels":{"a\\"b":"x"}},{"labels":{"ok":"1"}},{"labels":{"a":"b"},"annotations":{"\\n":"x"}}]'
    status, text = post(Api(node), body)
    assert status == 400
    assert (
        json.loads(text)
        == 'invalid label set: invalid name "a\\"b"; invalid annotations: invalid name "\\n"'
    )
    assert [a.labels for a in node.ingested] == [{"ok": "1"}]


def test_a_null_label_value_is_empty_and_so_dropped(node: FakeNode) -> None:
    assert post(Api(node), b'[{"labels":{"a":null}}]') == (
        400,
        '"at least one label pair required"\n',
    )


def test_invalid_utf8_is_stored_as_replacement_characters(node: FakeNode) -> None:
    assert post(Api(node), b'[{"labels":{"a":"\xff"}}]') == (200, "")
    assert node.ingested[0].labels == {"a": "\ufffd"}


def test_a_null_alert_is_refused_and_nothing_is_stored(node: FakeNode) -> None:
    """Alertmanager panics on it (the connection drops); gossamer answers 500."""
    assert post(Api(node), b'[{"labels":{"a":"b"}},null]')[0] == 500
    assert node.ingested == []


def test_a_null_body_is_an_empty_batch(node: FakeNode) -> None:
    assert post(Api(node), b"null") == (200, "")


def test_listing_shows_mutes_and_skips_resolved_alerts(node: FakeNode) -> None:
    """Inhibited and silenced alerts are ``suppressed``; ended alerts are never listed."""
    reply = call(Api(node), "GET", "/api/v2/alerts")
    alerts = {a["labels"]["alertname"]: a for a in json.loads(reply.body)}
    assert sorted(alerts) == ["A", "B", "C"]
    assert alerts["B"]["status"] == {
        "inhibitedBy": [alerts["A"]["fingerprint"]],
        "silencedBy": [],
        "state": "suppressed",
    }
    assert alerts["C"]["status"] == {
        "inhibitedBy": [],
        "silencedBy": ["s2", "s1"],
        "state": "suppressed",
    }
    assert alerts["A"]["receivers"] == [{"name": "team.a"}, {"name": "pager"}]


def test_alerts_are_written_as_their_marshal_json_writes_them(node: FakeNode) -> None:
    """json.Marshal inside the generated MarshalJSON escapes <, > and &."""
    body = call(Api(node), "GET", "/api/v2/alerts?filter=alertname%3DB").body
    assert b'"instance":"\\u003ci\\u003e"' in body and b'"s":"x \\u0026 y"' in body


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("active=false&active=true", ["A", "B", "C"]),
        ("active=true&active=false", ["B", "C"]),
        ("active=", ["A", "B", "C"]),
        ("active=%20true", ["B", "C"]),
        ("active=TRUE", ["A", "B", "C"]),
        ("inhibited=false", ["A", "C"]),
        ("silenced=false", ["A", "B"]),
        ("receiver=", ["A", "B", "C"]),
        ("receiver=pager&receiver=", ["A", "B", "C"]),
        ("receiver=default", ["C"]),
        ("receiver=team%5C.a%7Cpager", ["A", "B"]),
        (filter_query('team!="a"'), ["C"]),
        (filter_query('instance=""'), ["A", "C"]),
        (filter_query("alertname=A") + ";x", ["A", "B", "C"]),
        (filter_query("alertname=A") + "&filter%zz=1", ["A"]),
    ],
)
def test_query_parameters_bind_as_go_swagger_binds_them(
    node: FakeNode, query: str, names: list[str]
) -> None:
    """Last value wins, empty is absent, booleans by swag.ConvertBool, pairs with ';' dropped."""
    assert listed(Api(node), query) == names


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("filter=", "bad matcher format: "),
        ("filter=alertname%3DA&filter=foo", "bad matcher format: foo"),
        ("filter=a%3D%FF", "matcher value not valid UTF-8: \ufffd"),
        (
            "receiver=(",
            "failed to parse receiver param: error parsing regexp: missing closing ): `^(?:()$`",
        ),
        (
            "receiver=a%FFb",
            "failed to parse receiver param: error parsing regexp: invalid UTF-8: `\ufffdb)$`",
        ),
        ("filter=foo&receiver=(", "bad matcher format: foo"),
    ],
)
def test_bad_parameters_are_400_strings(node: FakeNode, query: str, expected: str) -> None:
    """Filters are parsed before the receiver regex; undecodable bytes show as \\ufffd."""
    for path in ("/api/v2/alerts", "/api/v2/alerts/groups"):
        reply = call(Api(node), "GET", f"{path}?{query}")
        assert (reply.status, json.loads(reply.body)) == (400, expected)


def test_groups_sort_by_labels_then_receiver(node: FakeNode) -> None:
    body = json.loads(call(Api(node), "GET", "/api/v2/alerts/groups").body)
    assert [(g["labels"]["alertname"], g["receiver"]["name"]) for g in body] == [
        ("A", "pager"), ("A", "team.a"), ("B", "team.a"), ("C", "default"),
    ]  # fmt: skip
    assert [a["labels"]["alertname"] for a in body[3]["alerts"]] == ["C"]


def test_group_alert_receivers_come_from_the_listed_groups_only(node: FakeNode) -> None:
    """With a receiver filter an alert names only the groups that passed it (Dispatcher.Groups)."""
    body = json.loads(call(Api(node), "GET", "/api/v2/alerts/groups?receiver=pager").body)
    assert [[r["name"] for r in a["receivers"]] for g in body for a in g["alerts"]] == [["pager"]]
    every = json.loads(call(Api(node), "GET", "/api/v2/alerts/groups?filter=alertname%3DA").body)
    assert every[0]["alerts"][0]["receivers"] == [{"name": "pager"}, {"name": "team.a"}]


def test_group_labels_are_not_html_escaped_but_their_alerts_are() -> None:
    """AlertGroup has no MarshalJSON of its own; gettableAlert has."""
    node = FakeNode()
    alert = make_alert({"alertname": "<x>"})
    node.group({"alertname": "<x>"}, "default", alert)
    body = call(Api(node), "GET", "/api/v2/alerts/groups").body
    assert body.endswith(b'"labels":{"alertname":"<x>"},"receiver":{"name":"default"}}]\n')
    assert b'"labels":{"alertname":"\\u003cx\\u003e"}' in body


def test_a_go_zero_start_counts_as_absent(node: FakeNode) -> None:
    """startsAt 0001-01-01T00:00:00Z is IsZero() in Go, so the alert starts at its end."""
    body = (
        b'[{"labels":{"a":"b"},"startsAt":"0001-01-01T00:00:00Z","endsAt":"2099-01-01T00:00:00Z"}]'
    )
    assert post(Api(node), body) == (200, "")
    (alert,) = node.ingested
    assert alert.starts_at == alert.ends_at

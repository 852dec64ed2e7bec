"""Bad input gets the same status codes and error bodies from gossamer as from the reference.

Not covered on purpose: the request body-size limit, where gossamer differs
from the reference by design.
"""

from __future__ import annotations

import re

import pytest

from tests.harness import DiffPair, Reply, Side, VolatileTimes, alert, normalise_alerts

pytestmark = [pytest.mark.reference, pytest.mark.gossamer_node]

CONFIG = """
route:
  receiver: hook
  group_by: [alertname]
receivers:
- name: hook
"""

JSON = "application/json"
GOOD = '{"labels":{"alertname":"Ok"}}'
TIMES = '"startsAt":"2026-01-01T00:00:00Z","endsAt":"2025-01-01T00:00:00Z"'

POSTS = [
    pytest.param(JSON, '[{"labels":{"0bad":"x"}}]', id="label-name-starts-with-digit"),
    pytest.param(JSON, '[{"labels":{"a.b":"x","a":"b"}}]', id="label-name-with-dot"),
    pytest.param(JSON, '[{"labels":{}}]', id="empty-labels"),
    pytest.param(JSON, '[{"labels":{"a":""}}]', id="only-empty-label-values"),
    pytest.param(JSON, '[{"labels":{"a":"b"},' + TIMES + "}]", id="ends-before-starts"),
    pytest.param(
        JSON,
        '[{"labels":{"a":"b"},"startsAt":"2026-01-01T00:00:00Z","endsAt":"2026-01-01T00:00:00Z"}]',
        id="ends-equal-starts-is-accepted",
    ),
    pytest.param(
        JSON,
        '[{"labels":{}},{"labels":{"a":"b"},' + TIMES + "}," + GOOD + "]",
        id="two-bad-one-good",
    ),
    pytest.param(JSON, '[{"annotations":{"a":"b"}}]', id="labels-missing"),
    pytest.param(JSON, '[{"labels":null}]', id="labels-null"),
    pytest.param(JSON, GOOD, id="object-not-array"),
    pytest.param(JSON, "garbage", id="garbage"),
    pytest.param(JSON, "", id="empty-body"),
    pytest.param(JSON, "null", id="null-body-is-accepted"),
    pytest.param(JSON, "[]", id="empty-array-is-accepted"),
    pytest.param(JSON, '[{"labels":{"a":"b"},"startsAt":"notatime"}]', id="bad-time"),
    pytest.param(JSON, '[{"labels":{"a":"b"},"startsAt":"2026-01-01"}]', id="date-without-time"),
    pytest.param(
        JSON,
        '[{"labels":{"a":"b"},"startsAt":"2026-01-01T00:00:00+02:00","endsAt":"2025-12-31T23:00:00Z"}]',
        id="time-offsets-are-accepted",
    ),
    pytest.param(
        JSON, '[{"labels":{"a":"b"},"generatorURL":"::not a url"}]', id="bad-generator-url"
    ),
    pytest.param(
        JSON, '[{"labels":{"a":"b"},"generatorURL":"relative/path"}]', id="relative-generator-url"
    ),
    pytest.param(
        JSON, "[" + GOOD + ',{"labels":{"c":"d"},"generatorURL":"::x"}]', id="second-alert-bad-url"
    ),
    pytest.param(JSON, '[{"labels":{"a":1}}]', id="number-label-value"),
    pytest.param(
        JSON, '[{"labels":{"a":"b"},"annotations":{"x":2}}]', id="number-annotation-value"
    ),
    pytest.param(JSON, '[{"labels":{"a":"b"},"annotations":{"1x":"y"}}]', id="bad-annotation-name"),
    pytest.param(JSON, '[{"labels":{"a":"b"},"extra":1}]', id="unknown-field-is-ignored"),
    pytest.param("text/plain", GOOD, id="text-plain"),
    pytest.param(None, "[" + GOOD + "]", id="content-type-missing"),
    pytest.param("application/json; charset=utf-8", "[" + GOOD + "]", id="json-with-charset"),
]


@pytest.fixture(scope="module")
def pair(module_diff_pair) -> DiffPair:
    """One pair for the module; the error cases do not depend on each other."""
    return module_diff_pair(CONFIG)


def answer(reply: Reply) -> tuple[int, str, str, str]:
    """What a client sees of an error: status, content type, Allow header, raw body."""
    return reply.status, reply.content_type, reply.headers.get("allow", ""), reply.text


@pytest.mark.parametrize(("content_type", "body"), POSTS)
def test_posting_alerts_answers_the_same(
    pair: DiffPair, content_type: str | None, body: str
) -> None:
    """POST /api/v2/alerts answers bad (and borderline) input with the same status and body."""
    pair.assert_same(
        lambda side: answer(side.node.post("/api/v2/alerts", body.encode(), content_type)),
        f"answers to {body!r} ({content_type})",
    )


def test_posting_a_non_object_alert_answers_the_same_status_and_message_start(
    pair: DiffPair,
) -> None:
    """`[1]` is a 400 decode error; the reference's text then dumps a Go struct type, left aside."""

    def start(side: Side) -> tuple[int, int, str]:
        reply = side.node.post("/api/v2/alerts", b"[1]")
        doc = reply.json()
        return reply.status, doc["code"], doc["message"].split(" into ")[0]

    pair.assert_same(start, "answers to [1]")


def test_invalid_utf8_in_a_label_value_is_replaced_not_rejected(diff_pair) -> None:
    """Invalid UTF-8 bytes decode to U+FFFD, as Go's JSON decoder does, and the alert is stored."""
    pair = diff_pair(CONFIG)
    pair.assert_same(
        lambda side: answer(side.node.post("/api/v2/alerts", b'[{"labels":{"a":"\xff"}}]')),
        "answers to invalid UTF-8",
    )
    labels = pair.assert_same(
        lambda side: [a["labels"] for a in side.node.get_json("/api/v2/alerts")], "stored labels"
    )
    assert labels == [{"a": "\ufffd"}]


def test_valid_alerts_of_a_partly_bad_batch_are_stored(diff_pair) -> None:
    """Best effort: the 400 names the bad alerts, the good ones are listed afterwards."""
    pair = diff_pair(CONFIG)
    posted = [alert({"alertname": "Good"}), alert({}), alert({"alertname": "AlsoGood", "x": "1"})]
    pair.assert_same(lambda side: side.post_alerts(posted), "answers to a partly bad batch")
    volatile = VolatileTimes(posted)
    pair.assert_same(
        lambda side: normalise_alerts(side.node.get_json("/api/v2/alerts"), volatile),
        "stored alerts",
    )


GETS = [
    pytest.param("filter=foo", id="filter-without-operator"),
    pytest.param("filter=a%3D%22b", id="filter-unterminated-quote"),
    pytest.param("filter=0a%3Db", id="filter-bad-label-name"),
    pytest.param("filter=a%3D~%22(%22", id="filter-bad-regex"),
    pytest.param("filter=a%3D%22b%22&filter=bad", id="second-filter-bad"),
    pytest.param("receiver=(", id="receiver-bad-regex"),
]


@pytest.mark.parametrize("path", ["/api/v2/alerts", "/api/v2/alerts/groups"])
@pytest.mark.parametrize("query", GETS)
def test_listing_with_bad_parameters_answers_the_same(
    pair: DiffPair, path: str, query: str
) -> None:
    """Bad filter matchers and receiver regexes give the same 400 and message."""
    pair.assert_same(
        lambda side: answer(side.node.request("GET", f"{path}?{query}")), f"GET {path}?{query}"
    )


def sorted_methods(text: str) -> str:
    """`[POST,GET]` and `POST,GET` with the methods sorted."""
    return re.sub(r"[A-Z]+(?:,[A-Z]+)+", lambda m: ",".join(sorted(m.group().split(","))), text)


def method_answer(reply: Reply) -> tuple[int, str, str, str]:
    """answer() with allowed methods sorted: the reference lists them in Go map order (random)."""
    status, content_type, allow, body = answer(reply)
    return status, content_type, sorted_methods(allow), sorted_methods(body)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("PUT", "/api/v2/alerts", id="wrong-method"),
        pytest.param("DELETE", "/api/v2/receivers", id="wrong-method-receivers"),
        pytest.param("GET", "/api/v2/nope", id="unknown-path"),
    ],
)
def test_wrong_methods_and_paths_answer_the_same(pair: DiffPair, method: str, path: str) -> None:
    """Framework errors (405 with Allow, 404) have the same JSON bodies."""
    pair.assert_same(
        lambda side: method_answer(side.node.request(method, path)), f"{method} {path}"
    )

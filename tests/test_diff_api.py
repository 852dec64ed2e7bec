"""API v2 answers from gossamer equal the reference's, volatile fields aside."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.harness import (
    DiffPair,
    Side,
    VolatileTimes,
    alert,
    at,
    normalise_alerts,
    normalise_groups,
    normalise_status,
)

pytestmark = [pytest.mark.reference, pytest.mark.gossamer_node]

#: No notification matters here: receivers have no integrations.
ROUTING = """
route:
  receiver: default
  group_by: [alertname]
  group_wait: 1s
  routes:
  - receiver: 'team.a'
    matchers: [team="a"]
    continue: true
  - receiver: pager
    matchers: [severity="page"]
  - receiver: 'ops+(eu)'
    matchers: ['team=~"b|c"']
    group_by: ['...']
receivers:
- name: default
- name: 'team.a'
- name: pager
- name: 'ops+(eu)'
- name: unused
"""

#: The same, plus a rule by which A (severity=page) inhibits B (severity=info).
INHIBITING = (
    ROUTING
    + """
inhibit_rules:
- source_matchers: [severity="page"]
  target_matchers: [severity="info"]
  equal: [team]
"""
)


def stored_alerts() -> list[dict[str, Any]]:
    """Alerts covering explicit and synthesised times, routing fan-out and inhibition."""
    return [
        alert(
            {"alertname": "A", "team": "a", "severity": "page", "job": "api"},
            {"summary": "page a"},
            starts_at="2026-11-24T10:00:00.123456789Z",
            ends_at=at(3600),
            generator_url="http://prometheus:9090/graph?g0.expr=up",
        ),
        alert({"alertname": "B", "team": "a", "severity": "info", "instance": "i1"}),
        alert({"alertname": "C", "team": "b", "instance": 'x "1"', "empty": ""}, starts_at=at(-30)),
        alert({"alertname": "C", "team": "c", "instance": "y"}, {"note": "two"}),
        alert({"alertname": "D", "team": "b"}, ends_at=at(-30)),  # already resolved: never listed
        alert({"alertname": "E"}, starts_at="2026-11-24T10:00:00+02:00"),
    ]


def load(pair: DiffPair) -> tuple[DiffPair, VolatileTimes]:
    """Post `stored_alerts()` to both sides."""
    posted = stored_alerts()
    pair.send(posted)
    return pair, VolatileTimes(posted)


@pytest.fixture(scope="module")
def loaded(module_diff_pair) -> tuple[DiffPair, VolatileTimes]:
    """One pair for the whole module, holding `stored_alerts()`; tests only read from it."""
    return load(module_diff_pair(ROUTING))


@pytest.fixture(scope="module")
def loaded_with_inhibition(module_diff_pair) -> tuple[DiffPair, VolatileTimes]:
    """Like `loaded`, with B inhibited by A once the inhibitor has seen A."""
    pair, volatile = load(module_diff_pair(INHIBITING))
    assert inhibition_settles(pair.reference), "the reference never inhibited B"
    inhibition_settles(pair.candidate)  # a candidate that never inhibits fails the tests instead
    return pair, volatile


def inhibition_settles(side: Side, timeout: float = 5.0) -> bool:
    """Wait until B shows as inhibited by A.

    The inhibitor learns source alerts from the store subscription,
    asynchronously to the POST: a list read right after it may not show the
    inhibition yet (seen on the reference).
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        listed = side.node.get_json("/api/v2/alerts", {"filter": 'alertname="B"'})
        if listed and listed[0]["status"]["inhibitedBy"]:
            return True
        time.sleep(0.05)
    return False


#: Parameters about alert state; compared on the pair with an inhibited alert.
STATE_QUERIES = [
    pytest.param({}, id="no-params"),
    pytest.param({"active": "true"}, id="active-true"),
    pytest.param({"active": "false"}, id="active-false"),
    pytest.param({"active": "yes"}, id="active-yes"),
    pytest.param({"active": "maybe"}, id="active-maybe"),
    pytest.param({"inhibited": "false"}, id="inhibited-false"),
    pytest.param({"silenced": "false", "unprocessed": "false"}, id="silenced-unprocessed-false"),
]

#: Parameters selecting by labels and receivers.
ALERT_QUERIES = [
    pytest.param({}, id="no-params"),
    pytest.param({"filter": 'team="a"'}, id="filter-equal"),
    pytest.param({"filter": ['team="a"', 'severity=~"pa.*"']}, id="filter-two-matchers"),
    pytest.param({"filter": 'team!="a"'}, id="filter-not-equal"),
    pytest.param({"filter": 'team!~"a|b"'}, id="filter-not-regex"),
    pytest.param({"filter": 'instance=""'}, id="filter-empty-matches-missing"),
    pytest.param({"filter": 'instance!=""'}, id="filter-not-empty"),
    pytest.param({"filter": "alertname = C"}, id="filter-unquoted-with-spaces"),
    pytest.param({"filter": 'instance="x \\"1\\""'}, id="filter-escaped-quotes"),
    pytest.param({"filter": "{alertname=~'A|B'}"}, id="filter-braces-and-single-quotes-rejected"),
    pytest.param({"receiver": "team.a"}, id="receiver-literal"),
    pytest.param({"receiver": "team\\.a|pager"}, id="receiver-alternation"),
    pytest.param({"receiver": "def"}, id="receiver-anchored"),
    pytest.param({"receiver": "ops\\+\\(eu\\)"}, id="receiver-escaped-metacharacters"),
    pytest.param({"receiver": "pager", "filter": 'team="a"', "active": "true"}, id="combined"),
]


def alerts_answer(side: Side, params: dict[str, Any], volatile: VolatileTimes) -> Any:
    """`GET /api/v2/alerts` of one side, status and normalised body."""
    reply = side.node.get("/api/v2/alerts", params)
    body = normalise_alerts(reply.json(), volatile) if reply.status == 200 else reply.text
    return reply.status, body


def groups_answer(side: Side, params: dict[str, Any], volatile: VolatileTimes) -> Any:
    """`GET /api/v2/alerts/groups` of one side, status and normalised body."""
    reply = side.node.get("/api/v2/alerts/groups", params)
    body = normalise_groups(reply.json(), volatile) if reply.status == 200 else reply.text
    return reply.status, body


@pytest.mark.parametrize("params", ALERT_QUERIES)
def test_alert_lists_match(loaded, params: dict[str, Any]) -> None:
    """GET /api/v2/alerts answers the same for each combination of query parameters."""
    pair, volatile = loaded
    pair.assert_same(lambda side: alerts_answer(side, params, volatile), "alert lists")


@pytest.mark.parametrize("params", ALERT_QUERIES)
def test_alert_groups_match(loaded, params: dict[str, Any]) -> None:
    """GET /api/v2/alerts/groups answers the same for each combination of query parameters."""
    pair, volatile = loaded
    pair.assert_same(lambda side: groups_answer(side, params, volatile), "alert groups")


@pytest.mark.parametrize("params", STATE_QUERIES)
@pytest.mark.parametrize("answer", [alerts_answer, groups_answer], ids=["alerts", "groups"])
def test_alert_states_match_with_an_inhibited_alert(
    loaded_with_inhibition, answer: Any, params: dict[str, Any]
) -> None:
    """inhibitedBy, state and the active/inhibited/silenced parameters agree."""
    pair, volatile = loaded_with_inhibition
    pair.assert_same(lambda side: answer(side, params, volatile), "alert states")


def test_receiver_lists_match(loaded) -> None:
    """GET /api/v2/receivers lists every receiver, used or not, in config order."""
    pair, _ = loaded
    pair.assert_same(lambda side: side.node.get_json("/api/v2/receivers"), "receiver lists")


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("path", ["/-/healthy", "/-/ready"])
def test_health_endpoints_match(loaded, method: str, path: str) -> None:
    """Liveness and readiness answer 200 OK the same way, with and without a body."""
    pair, _ = loaded

    def answer(side: Side) -> tuple[int, str, bytes]:
        reply = side.node.request(method, path)
        return reply.status, reply.content_type, reply.body

    pair.assert_same(answer, f"{method} {path}")


STATUS_CONFIG = """
global:
  resolve_timeout: 2m
route:
  receiver: hook
  group_by: [alertname, cluster]
  routes:
  - receiver: hook
    matchers: [severity="page"]
    continue: true
receivers:
- name: hook
  webhook_configs:
  - url: http://127.0.0.1:1/hook
    max_alerts: 5
    http_config:
      basic_auth: {username: u, password: secret-password}
- name: idle
"""


def status_answer(side: Side) -> Any:
    """`GET /api/v2/status` of one side, normalised, with config.original set aside."""
    status = normalise_status(side.node.get_json("/api/v2/status"), side.node.cluster_address)
    status["config"] = sorted(status.get("config", {}))
    return status


def test_status_shape_matches_for_a_lone_node_with_clustering_disabled(diff_pair) -> None:
    """With --cluster.listen-address= the cluster is disabled; fields and version keys agree."""
    pair = diff_pair(STATUS_CONFIG)
    status = pair.assert_same(status_answer, "status")
    assert status["cluster"] == {"peers": [], "status": "disabled"}


def test_status_config_original_is_re_serialised_alike(diff_pair) -> None:
    """config.original is the loaded config with defaults filled in and secrets hidden."""
    pair = diff_pair(STATUS_CONFIG)
    original = pair.assert_same(
        lambda side: side.node.get_json("/api/v2/status")["config"]["original"].splitlines(),
        "config.original lines",
    )
    assert "<secret>" in "\n".join(original)


def settle_offsets(pair: DiffPair, timeout: float = 30.0) -> tuple[float, float]:
    """Seconds from each node answering /-/ready until its cluster status turns `ready`.

    Both sides are polled in the same loop, so each transition is seen when it happens.
    """
    settled: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    while len(settled) < 2 and time.monotonic() < deadline:
        for side in pair.sides:
            if side.label not in settled and cluster_status(side) == "ready":
                assert side.node.ready_at is not None
                settled[side.label] = time.monotonic() - side.node.ready_at
        time.sleep(0.1)
    missing = [side.label for side in pair.sides if side.label not in settled]
    assert not missing, f"cluster not ready within {timeout}s on {missing}"
    return settled[pair.reference.label], settled[pair.candidate.label]


def cluster_status(side: Side) -> str:
    """The `cluster.status` field of a side's status."""
    return side.node.get_json("/api/v2/status")["cluster"]["status"]


def test_status_cluster_section_matches_when_clustering_is_on_without_peers(diff_pair) -> None:
    """A lone clustered node lists itself as its only peer and settles at the same pace."""
    pair = diff_pair(STATUS_CONFIG, clustered=True)
    settling = pair.assert_same(status_answer, "status while settling")
    assert settling["cluster"]["status"] == "settling"
    reference, candidate = settle_offsets(pair)
    assert abs(reference - candidate) <= 2.5, f"settled after {reference:.1f}s vs {candidate:.1f}s"
    ready = pair.assert_same(status_answer, "status once settled")
    assert ready["cluster"] == {
        "name": "<self>",
        "peers": [{"address": "<self-address>", "name": "<self>"}],
        "status": "ready",
    }

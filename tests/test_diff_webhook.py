"""Webhook payloads from gossamer equal the reference's, timestamps aside."""

from __future__ import annotations

import pytest

from tests.harness import Side, alert, resolved

pytestmark = [pytest.mark.reference, pytest.mark.gossamer_node]

TIMERS = """
  group_wait: 1s
  group_interval: 3s
  repeat_interval: 1h
"""


def single_receiver(group_by: str, webhook_extra: str = "") -> str:
    """A config with one webhook receiver `hook` on the root route."""
    return f"""
route:
  receiver: hook
  group_by: {group_by}
{TIMERS}
receivers:
- name: hook
  webhook_configs:
  - url: WEBHOOK_URL/hook
{webhook_extra}
"""


def test_webhook_bodies_match_for_a_firing_group(diff_pair) -> None:
    """Two firing alerts of one group give the same single payload."""
    pair = diff_pair(single_receiver("[alertname]"))
    pair.send(
        [
            alert(
                {"alertname": "DiskFull", "instance": "b:9100", "job": "node"},
                {"summary": "disk b", "runbook": "http://rb/disk"},
                generator_url="http://prometheus/graph?g0.expr=disk",
            ),
            alert(
                {"alertname": "DiskFull", "instance": "a:9100", "job": "node"},
                {"summary": "disk a"},
            ),
        ]
    )
    pair.assert_same_notifications(1)


def product(user_agent: str | None) -> str | None:
    """The product token of a User-Agent, with the version a deliberate difference aside:
    gossamer names itself (``gossamer/<version>``) where Alertmanager sends ``Alertmanager/0.25.0``."""
    if user_agent is None:
        return None
    name = user_agent.split("/", 1)[0]
    return "<agent>" if name in ("Alertmanager", "gossamer") else user_agent


def test_webhook_requests_carry_the_same_method_and_headers(diff_pair) -> None:
    """Method and Content-Type of a notification request are the reference's; the
    User-Agent names the implementation and its version."""
    pair = diff_pair(single_receiver("[alertname]"))
    pair.send([alert({"alertname": "Headers"})])

    def request_line(side: Side) -> dict[str, str | None]:
        note = side.sink.nth(1)
        return {
            "method": note.method,
            "content-type": note.headers.get("content-type"),
            "user-agent": product(note.headers.get("user-agent")),
        }

    pair.assert_same(request_line, "requests")


def test_webhook_bodies_match_when_grouping_by_all_labels(diff_pair) -> None:
    """group_by ['...'] makes one group, hence one payload, per label set."""
    pair = diff_pair(single_receiver("['...']"))
    pair.send(
        [
            alert({"alertname": "Down", "instance": "a", "job": "api"}),
            alert({"alertname": "Down", "instance": "b", "job": "api"}),
            alert({"alertname": "Slow", "instance": "a", "job": "api", "empty": ""}),
        ]
    )
    pair.assert_same_notifications(3)


CONTINUE_ROUTES = f"""
route:
  receiver: default
  group_by: [alertname]
{TIMERS}
  routes:
  - receiver: team-a
    matchers: [team="a"]
    continue: true
  - receiver: team-a-pager
    match: {{severity: page}}
    continue: true
  - receiver: catchall
    match_re: {{team: ".+"}}
  - receiver: never
    matchers: [team="a"]
receivers:
- name: default
  webhook_configs: [{{url: WEBHOOK_URL/default}}]
- name: team-a
  webhook_configs: [{{url: WEBHOOK_URL/team-a}}]
- name: team-a-pager
  webhook_configs: [{{url: WEBHOOK_URL/team-a-pager}}]
- name: catchall
  webhook_configs: [{{url: WEBHOOK_URL/catchall}}]
- name: never
  webhook_configs: [{{url: WEBHOOK_URL/never}}]
"""


def test_webhook_bodies_match_across_routes_with_continue(diff_pair) -> None:
    """An alert matching continue routes notifies each of them, then stops at the first final match."""
    pair = diff_pair(CONTINUE_ROUTES)
    pair.send(
        [
            alert({"alertname": "A", "team": "a", "severity": "page"}),
            alert({"alertname": "B", "team": "b"}),
            alert({"alertname": "C"}),
        ]
    )
    described = pair.assert_same_notifications(5)
    assert "/never" not in {d["path"] for d in described}


NESTED_ROUTES = f"""
route:
  receiver: default
  group_by: [alertname]
{TIMERS}
  routes:
  - receiver: team-x
    matchers: [team="x"]
    group_by: [alertname, service]
    routes:
    - receiver: team-x-db
      matchers: ['service=~"db|cache"', 'env!="dev"']
      group_by: [cluster]
    - receiver: team-x-rest
      matchers: ['service!~"db.*"']
  - receiver: team-yz
    matchers: ['team=~"y|z"', 'quote!="say \\"hi\\" \\\\ there"']
    group_by: ['...']
receivers:
- name: default
  webhook_configs: [{{url: WEBHOOK_URL/default}}]
- name: team-x
  webhook_configs: [{{url: WEBHOOK_URL/team-x}}]
- name: team-x-db
  webhook_configs: [{{url: WEBHOOK_URL/team-x-db}}]
- name: team-x-rest
  webhook_configs: [{{url: WEBHOOK_URL/team-x-rest}}]
- name: team-yz
  webhook_configs: [{{url: WEBHOOK_URL/team-yz}}]
"""


def test_webhook_bodies_and_group_keys_match_for_nested_routes(diff_pair) -> None:
    """Nested routes give the same groups, group keys (escaping included) and payloads."""
    pair = diff_pair(NESTED_ROUTES)
    pair.send(
        [
            alert(
                {"alertname": "Slow", "team": "x", "service": "db", "env": "prod", "cluster": "c1"}
            ),
            alert(
                {
                    "alertname": "Slow",
                    "team": "x",
                    "service": "cache",
                    "env": "prod",
                    "cluster": "c1",
                }
            ),
            alert({"alertname": "Slow", "team": "x", "service": "web"}),
            alert({"alertname": "Down", "team": "x", "service": "db", "env": "dev"}),
            alert({"alertname": "Down", "team": "z", "instance": 'db "1" — ü\tx\\y'}),
            alert({"alertname": "Other", "team": "q"}),
        ]
    )
    pair.assert_same_notifications(5)


@pytest.mark.parametrize("send_resolved", [True, False])
def test_webhook_bodies_match_when_alerts_resolve(diff_pair, send_resolved: bool) -> None:
    """A resolve beside a new alert is reported, or left out, according to send_resolved."""
    config = single_receiver("[alertname]", f"    send_resolved: {str(send_resolved).lower()}")
    pair = diff_pair(config)
    a, b, c = (alert({"alertname": "Flap", "instance": i}) for i in "abc")
    pair.send([a, b])
    pair.assert_same_notifications(1)
    pair.send([resolved(b), c])
    pair.assert_same_notifications(2)
    if send_resolved:
        pair.send([resolved(a), resolved(c)])
        pair.assert_same_notifications(3)


def test_webhook_bodies_match_when_max_alerts_truncates(diff_pair) -> None:
    """max_alerts keeps the first alerts of the sorted list and counts the rest."""
    pair = diff_pair(single_receiver("[alertname]", "    max_alerts: 2"))
    pair.send(
        [
            alert({"alertname": "Many", "job": "b", "instance": "1", "shard": "x"}),
            alert({"alertname": "Many", "job": "a", "instance": "2", "shard": "y"}),
            alert({"alertname": "Many", "job": "a", "instance": "1", "shard": "y"}),
            alert({"alertname": "Many", "instance": "0", "shard": "y"}),
        ]
    )
    pair.assert_same_notifications(1)


def test_webhook_bodies_carry_the_same_bytes_for_lone_surrogate_escapes(diff_pair) -> None:
    """Lone surrogate escapes in a posted alert reach the webhook as the same bytes: Go
    decodes each to U+FFFD and writes it as UTF-8, not as the escape ``\\ufffd``."""
    pair = diff_pair(single_receiver("[alertname]"))
    # json.dumps writes each lone surrogate as an escape: "a\\ud800b\\udc00c"
    pair.send([alert({"alertname": "Bad", "v": "a\ud800b\udc00c\U00010000"}, {"k": "x\udfffy"})])

    def labels_and_annotations(side: Side) -> list[bytes]:
        body = side.sink.nth(1).body
        return [body[body.index(b'"labels":') : body.index(b',"startsAt":')]]

    (expected,) = pair.assert_same(labels_and_annotations, "label and annotation bytes")
    assert expected == (
        b'"labels":{"alertname":"Bad","v":"a\xef\xbf\xbdb\xef\xbf\xbdc\xf0\x90\x80\x80"},'
        b'"annotations":{"k":"x\xef\xbf\xbdy"}'
    )


METACHARACTER_RECEIVERS = f"""
route:
  receiver: 'ops.team+(eu)'
  group_by: [alertname]
{TIMERS}
  routes:
  - receiver: 'on-call [primary] ^$|?*{{1}}\\ x'
    matchers: [team="oncall"]
receivers:
- name: 'ops.team+(eu)'
  webhook_configs: [{{url: WEBHOOK_URL/ops}}]
- name: 'on-call [primary] ^$|?*{{1}}\\ x'
  webhook_configs: [{{url: WEBHOOK_URL/oncall}}]
"""


def test_webhook_bodies_match_for_receiver_names_with_regex_metacharacters(diff_pair) -> None:
    """Receiver names are regex-quoted in payloads the same way."""
    pair = diff_pair(METACHARACTER_RECEIVERS)
    pair.send([alert({"alertname": "Meta"}), alert({"alertname": "Meta", "team": "oncall"})])
    pair.assert_same_notifications(2)

"""Inhibition rules: who mutes whom (Alertmanager's inhibit package semantics)."""

from __future__ import annotations

from pathlib import Path

from gossamer.alert import Alert
from gossamer.config import parse_config
from gossamer.inhibit import Inhibitor
from gossamer.labels import fingerprint
from tests.pipeline_rig import Rig

S = 1_000_000_000
NOW = 1_000 * S
RULES = """
route: {receiver: hook}
receivers: [{name: hook, webhook_configs: [{url: "http://127.0.0.1:1/"}]}]
inhibit_rules:
  - source_matchers: [severity="critical"]
    target_matchers: [severity="warning"]
    equal: [cluster]
  - source_match: {kind: both}
    target_match_re: {kind: "both|other"}
"""


def alert(labels: dict[str, str], ends: int = NOW + 100 * S) -> Alert:
    return Alert(labels, {}, NOW - S, ends, "", NOW, False, fingerprint(labels))


def inhibitor(*sources: Alert) -> Inhibitor:
    inh = Inhibitor(parse_config(RULES).inhibit_rules)
    inh.observe(sources)
    return inh


def test_a_firing_source_inhibits_a_target_with_equal_labels() -> None:
    """The source's fingerprint is reported as the inhibitor."""
    source = alert({"severity": "critical", "cluster": "a"})
    assert (
        inhibitor(source).inhibited_by({"severity": "warning", "cluster": "a"}, NOW)
        == source.fingerprint
    )


def test_equal_labels_must_match_and_missing_equals_empty() -> None:
    """A different `equal` value does not inhibit; both lacking the label does."""
    inh = inhibitor(
        alert({"severity": "critical", "cluster": "a"}), alert({"severity": "critical"})
    )
    assert inh.inhibited_by({"severity": "warning", "cluster": "b"}, NOW) is None
    assert inh.inhibited_by({"severity": "warning"}, NOW) is not None


def test_a_resolved_source_stops_inhibiting() -> None:
    """Sources whose endsAt passed are skipped."""
    inh = inhibitor(alert({"severity": "critical", "cluster": "a"}, ends=NOW - S))
    assert inh.inhibited_by({"severity": "warning", "cluster": "a"}, NOW) is None


def test_an_alert_matching_both_sides_does_not_inhibit_itself_or_its_like() -> None:
    """Two-sided matches are excluded, so `kind=both` alerts never mute each other."""
    both = alert({"kind": "both", "n": "1"})
    inh = inhibitor(both, alert({"kind": "both", "n": "2"}))
    assert inh.inhibited_by(both.labels, NOW) is None
    assert inh.inhibited_by({"kind": "other"}, NOW) is not None


def test_inhibited_alerts_are_not_notified_while_a_control_alert_is(tmp_path: Path) -> None:
    """In the pipeline, a target alert is dropped and the source itself still notifies."""
    rig = Rig(RULES + "\n", tmp_path)
    try:
        rig.post(
            rig.alert(
                {"alertname": "Src", "severity": "critical", "cluster": "a"},
                start_s=-60,
                end_s=10_000,
            ),
            rig.alert(
                {"alertname": "Tgt", "severity": "warning", "cluster": "a"},
                start_s=-60,
                end_s=10_000,
            ),
        )
        rig.notifier.wait_for(1)
        rig.advance(30)
        ((_, alerts),) = rig.notifier.sent
        assert [a.labels["alertname"] for a in alerts] == ["Src"]
    finally:
        rig.close()


ORDERED = """
route: {receiver: hook}
receivers: [{name: hook}]
inhibit_rules:
  - source_matchers: [alertname="Second"]
    target_matchers: [alertname="T"]
  - source_matchers: [alertname="First"]
    target_matchers: [severity=~"warn.*"]
  - source_matchers: [severity!="none"]
    target_matchers: [alertname="Other"]
"""


def test_indexed_rules_keep_config_order_and_rules_without_equality_matchers() -> None:
    """The rule index only skips rules that cannot match; the first rule in config order wins."""
    second, first = alert({"alertname": "Second"}), alert({"alertname": "First"})
    inh = Inhibitor(parse_config(ORDERED).inhibit_rules)
    inh.observe([first, second, alert({"alertname": "Any", "severity": "x"})])
    assert inh.inhibited_by({"alertname": "T", "severity": "warning"}, NOW) == second.fingerprint
    assert inh.inhibited_by({"alertname": "U", "severity": "warning"}, NOW) == first.fingerprint
    assert inh.inhibited_by({"alertname": "Other"}, NOW) is not None
    assert inh.inhibited_by({"alertname": "U"}, NOW) is None

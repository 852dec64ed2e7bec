"""Inhibition: source alerts mute target alerts (Alertmanager's ``inhibit`` package).

Owned by the inhibitor actor; not thread-safe. Each rule keeps the alerts that
ever matched its source side (its "source cache"), indexed by the values of the
rule's ``equal`` labels, so a lookup touches only candidates that could match.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from gossamer.alert import Alert
from gossamer.config import InhibitRule
from gossamer.matchers import Matcher, MatchType, matches_all

EqualKey = tuple[str, ...]


class CompiledRule:
    """One ``inhibit_rules`` entry with its source cache."""

    def __init__(self, rule: InhibitRule) -> None:
        self.source: Sequence[Matcher] = tuple(rule.source_matchers)
        self.target: Sequence[Matcher] = tuple(rule.target_matchers)
        self.equal: tuple[str, ...] = tuple(sorted(set(rule.equal)))
        self.sources: dict[EqualKey, dict[int, Alert]] = {}

    def key(self, labels: Mapping[str, str]) -> EqualKey:
        """Missing labels count as empty, as Alertmanager compares them."""
        return tuple(labels.get(name, "") for name in self.equal)

    def observe(self, alert: Alert) -> None:
        if matches_all(self.source, alert.labels):
            self.sources.setdefault(self.key(alert.labels), {})[alert.fingerprint] = alert

    def inhibitor_of(self, labels: Mapping[str, str], now_ns: int) -> int | None:
        """The fingerprint of a source alert muting ``labels``, if this rule mutes it."""
        if not matches_all(self.target, labels):
            return None
        two_sided = matches_all(self.source, labels)
        for source in self.sources.get(self.key(labels), {}).values():
            if source.resolved_at(now_ns):
                continue
            if two_sided and matches_all(self.target, source.labels):
                continue  # an alert matching both sides never inhibits one that does too
            return source.fingerprint
        return None

    def gc(self, now_ns: int) -> None:
        for key, alerts in list(self.sources.items()):
            for fp in [fp for fp, a in alerts.items() if a.resolved_at(now_ns)]:
                del alerts[fp]
            if not alerts:
                del self.sources[key]

    def __len__(self) -> int:
        return sum(len(a) for a in self.sources.values())


class RuleIndex:
    """Rules filed under one equality matcher of one side, so a label set is only
    checked against rules that could match it (most rules name an ``alertname``)."""

    def __init__(self, rules: Sequence[CompiledRule], side: str) -> None:
        self.by_pair: dict[tuple[str, str], list[tuple[int, CompiledRule]]] = {}
        self.always: list[tuple[int, CompiledRule]] = []
        for order, rule in enumerate(rules):
            key = _equality_key(getattr(rule, side))
            if key is None:
                self.always.append((order, rule))
            else:
                self.by_pair.setdefault(key, []).append((order, rule))

    def candidates(self, labels: Mapping[str, str]) -> list[CompiledRule]:
        """Rules whose filed matcher the labels satisfy, in config order."""
        found = list(self.always)
        if self.by_pair:
            for pair in labels.items():
                found += self.by_pair.get(pair, ())
        found.sort(key=lambda entry: entry[0])
        return [rule for _, rule in found]


def _equality_key(matchers: Sequence[Matcher]) -> tuple[str, str] | None:
    """A non-empty ``=`` matcher to file a rule under (``alertname`` preferred)."""
    equal = [m for m in matchers if m.type is MatchType.EQUAL and m.value != ""]
    if not equal:
        return None
    best = next((m for m in equal if m.name == "alertname"), equal[0])
    return best.name, best.value


class Inhibitor:
    """Every rule of a config; ``inhibited_by`` answers for one label set."""

    def __init__(self, rules: Iterable[InhibitRule]) -> None:
        self.rules = [CompiledRule(r) for r in rules]
        self._sources = RuleIndex(self.rules, "source")
        self._targets = RuleIndex(self.rules, "target")

    def observe(self, alerts: Iterable[Alert]) -> None:
        """Feed stored alerts (the store subscription) into the source caches of the
        rules whose source side they could match."""
        if not self.rules:
            return
        for alert in alerts:
            for rule in self._sources.candidates(alert.labels):
                rule.observe(alert)

    def inhibited_by(self, labels: Mapping[str, str], now_ns: int) -> int | None:
        """The first rule's (config order) inhibiting alert, or None."""
        if not self.rules:
            return None
        for rule in self._targets.candidates(labels):
            fp = rule.inhibitor_of(labels, now_ns)
            if fp is not None:
                return fp
        return None

    def gc(self, now_ns: int) -> None:
        for rule in self.rules:
            rule.gc(now_ns)

    def __repr__(self) -> str:
        return f"<Inhibitor rules={len(self.rules)} sources={sum(len(r) for r in self.rules)}>"

"""Fingerprints, label-set text, alert merge and notification order, as Alertmanager has them."""

from __future__ import annotations

from gossamer.alert import Alert, merge, overlaps, sort_for_notification
from gossamer.gostrconv import go_quote
from gossamer.labels import (
    alert_hash,
    fingerprint,
    fingerprint_hex,
    label_set_before,
    label_set_string,
)

S = 1_000_000_000


def make(
    labels: dict[str, str], start: int = 0, end: int = 0, updated: int = 0, timeout: bool = False
) -> Alert:
    return Alert(labels, {}, start, end, "", updated, timeout, fingerprint(labels))


def test_fingerprint_matches_the_upstream_test_vector() -> None:
    """prometheus/common's vector: {name: "garland, briggs", fear: "love is not enough"}."""
    fp = fingerprint({"name": "garland, briggs", "fear": "love is not enough"})
    assert fp == 5799056148416392346
    assert fingerprint_hex(fp) == "507a62d79ee76c9a"


def test_fingerprint_matches_a_value_seen_on_the_real_binary() -> None:
    """8625c69a0d4bf04e was read from Alertmanager 0.25's API for these labels."""
    assert (
        fingerprint_hex(fingerprint({"alertname": "Test", "instance": "i1", "team": "x"}))
        == "8625c69a0d4bf04e"
    )


def test_fingerprint_of_the_empty_set_is_the_fnv_offset() -> None:
    """An empty label set hashes to FNV-1a's offset basis."""
    assert fingerprint({}) == 14695981039346656037


def test_fingerprint_memo_gives_the_same_answer_for_equal_sets_in_any_order() -> None:
    """The memo keys on sorted JSON, so insertion order does not matter."""
    assert fingerprint({"a": "1", "b": "2"}) == fingerprint({"b": "2", "a": "1"})
    assert fingerprint({"a": "1", "b": "2"}) != fingerprint({"a": "1", "b": "3"})


def test_alert_hash_is_xxhash_of_the_signature_bytes() -> None:
    """The nflog hash is xxhash64 over name 0xff value 0xff, sorted by name."""
    import xxhash

    assert alert_hash({"b": "2", "a": "1"}) == xxhash.xxh64_intdigest(b"a\xff1\xffb\xff2\xff")


def test_label_set_string_sorts_whole_pairs_and_quotes_like_go() -> None:
    """Go's LabelSet.String sorts `name="value"` strings and uses %q quoting."""
    assert label_set_string({"b": "x", "a": 'q"\n'}) == '{a="q\\"\\n", b="x"}'
    assert label_set_string({}) == "{}"
    assert go_quote("é\x01") == '"é\\x01"'


def test_label_set_before_puts_the_set_missing_a_name_first() -> None:
    """Go's LabelSet.Before: fewer labels first; then the first missing name wins."""
    assert label_set_before({"a": "1"}, {"a": "1", "b": "1"})
    assert label_set_before({"b": "1", "c": "1"}, {"a": "1", "c": "1"})
    assert not label_set_before({"a": "1", "c": "1"}, {"b": "1", "c": "1"})
    assert label_set_before({"a": "1"}, {"a": "2"})


def test_notification_order_is_job_then_instance_then_label_set() -> None:
    """Alerts with a job sort before alerts without; then by instance; then label sets."""
    a = make({"alertname": "x", "job": "b"})
    b = make({"alertname": "x", "job": "a", "instance": "2"})
    c = make({"alertname": "x", "job": "a", "instance": "1"})
    d = make({"alertname": "x"})
    assert sort_for_notification([d, a, b, c]) == [c, b, a, d]


def test_merge_keeps_the_earliest_start_and_a_real_later_end() -> None:
    """A re-sent alert keeps its age; a client-given later end beats a synthesised one."""
    old = make({"a": "1"}, start=10 * S, end=100 * S, updated=10 * S)
    new = make({"a": "1"}, start=20 * S, end=50 * S, updated=20 * S, timeout=True)
    merged = merge(old, new, now_ns=30 * S)
    assert merged.starts_at == 10 * S
    assert merged.ends_at == 100 * S
    assert merged.updated_at == 20 * S


def test_merge_lets_a_synthesised_end_lose_to_the_younger_alert() -> None:
    """An older alert whose end was synthesised does not extend the younger one."""
    old = make({"a": "1"}, start=10 * S, end=100 * S, updated=10 * S, timeout=True)
    new = make({"a": "1"}, start=20 * S, end=50 * S, updated=20 * S)
    assert merge(old, new, now_ns=30 * S).ends_at == 50 * S


def test_merge_of_two_resolutions_keeps_the_latest_end() -> None:
    """When both are resolved, the later explicit resolve wins."""
    old = make({"a": "1"}, start=10 * S, end=25 * S, updated=10 * S)
    new = make({"a": "1"}, start=10 * S, end=20 * S, updated=20 * S)
    assert merge(old, new, now_ns=30 * S).ends_at == 25 * S


def test_non_overlapping_alert_is_a_new_incarnation() -> None:
    """An alert outside the stored interval replaces it instead of merging."""
    old = make({"a": "1"}, start=10 * S, end=20 * S)
    assert not overlaps(old, make({"a": "1"}, start=30 * S, end=40 * S))
    assert overlaps(old, make({"a": "1"}, start=15 * S, end=40 * S))

"""Silences: Alertmanager 0.25's set, expire, validation, state, listing, muting, merge,
GC and durability rules (state.md §2), on an injected clock."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

import msgspec
import pytest

from cluster import silence_index
from cluster.persistence import DurableFile
from cluster.silence_index import GROUP_AFTER
from cluster.silences import (
    EQUAL,
    NOT_EQUAL,
    NOT_REGEXP,
    REGEXP,
    Silence,
    SilenceError,
    SilenceMatcher,
    SilenceNotFound,
    Silences,
    check_postable,
    decode_silences,
    encode_silences,
    validate,
)
from gossamer.errors import ValidationError
from gossamer.matchers import MatchType, new_matcher, parse_matcher

S = 1_000_000_000
T0 = 1_700_000_000 * S  # "now" at the start of every test
RETENTION_S = 120 * 3600


def eq(name: str, value: str) -> SilenceMatcher:
    return SilenceMatcher(EQUAL, name, value)


def re_(name: str, value: str) -> SilenceMatcher:
    return SilenceMatcher(REGEXP, name, value)


def ne(name: str, value: str) -> SilenceMatcher:
    return SilenceMatcher(NOT_EQUAL, name, value)


def nre(name: str, value: str) -> SilenceMatcher:
    return SilenceMatcher(NOT_REGEXP, name, value)


def sil(
    *matchers: SilenceMatcher,
    start: int = T0,
    end: int = T0 + 3600 * S,
    id: str = "",
    by: str = "me",
    comment: str = "c",
) -> Silence:
    return Silence(
        id, matchers or (eq("alertname", "A"),), start, end, created_by=by, comment=comment
    )


def store() -> Silences:
    """A store whose new ids are id-1, id-2, ... in creation order."""
    counter = itertools.count(1)
    return Silences(RETENTION_S, new_id=lambda: f"id-{next(counter)}")


# -- create -------------------------------------------------------------------


def test_new_silence_gets_a_fresh_id_and_its_past_start_is_clamped_to_now() -> None:
    """Create: a new uuid-style id, startsAt in the past becomes now, updatedAt now."""
    s = store()
    sid = s.set(sil(start=T0 - 600 * S), now_ns=T0)
    got = s.get(sid)
    assert sid == "id-1" and got is not None
    assert (got.starts_at, got.updated_at) == (T0, T0)
    assert got.expires_at == got.ends_at + RETENTION_S * S


def test_new_silence_keeps_a_future_start() -> None:
    """A start in the future is kept: the silence is pending."""
    s = store()
    sid = s.set(sil(start=T0 + 60 * S), now_ns=T0)
    got = s.get(sid)
    assert got is not None and got.starts_at == T0 + 60 * S
    assert s.state(got, T0) == "pending"


def test_default_ids_are_lowercase_uuid4() -> None:
    """Without an injected generator ids are UUID v4 strings, 8-4-4-4-12 lower-case hex."""
    sid = Silences(RETENTION_S).set(sil(), now_ns=T0)
    assert [len(p) for p in sid.split("-")] == [8, 4, 4, 4, 12]
    assert sid == sid.lower() and sid[14] == "4"


def test_set_with_an_unknown_id_is_not_found() -> None:
    """An id that names no silence: SilenceNotFound, 'silence not found' (API 404)."""
    with pytest.raises(SilenceNotFound, match="^silence not found$"):
        store().set(sil(id="nope"), now_ns=T0)


# -- update -------------------------------------------------------------------


def test_active_silence_is_extended_in_place_when_its_start_second_is_repeated() -> None:
    """Active: same matchers, same start second, end not past -> same id, stored as posted."""
    s = store()
    sid = s.set(sil(start=T0 - 5 * S), now_ns=T0 + 250_000_000)  # clamped to T0.25
    now = T0 + 10 * S
    posted = sil(start=T0 + 900_000_000, end=T0 + 7200 * S, id=sid, comment="longer")
    assert s.set(posted, now_ns=now) == sid
    got = s.get(sid)
    assert got is not None
    assert (got.starts_at, got.ends_at, got.comment, got.updated_at) == (
        T0 + 900_000_000,
        T0 + 7200 * S,
        "longer",
        now,
    )
    assert len(s) == 1


def test_active_silence_with_another_start_is_expired_and_replaced() -> None:
    """Repeating the originally requested (clamped) start makes a new id; the old ends now."""
    s = store()
    old = s.set(sil(start=T0 - 600 * S), now_ns=T0)
    now = T0 + 10 * S
    new = s.set(sil(start=T0 - 600 * S, end=T0 + 7200 * S, id=old), now_ns=now)
    assert new != old
    old_sil, new_sil = s.get(old), s.get(new)
    assert old_sil is not None and new_sil is not None
    assert (old_sil.ends_at, old_sil.updated_at, s.state(old_sil, now)) == (now, now, "expired")
    assert old_sil.expires_at == now + RETENTION_S * S
    assert (new_sil.starts_at, new_sil.ends_at) == (now, T0 + 7200 * S)


def test_changed_matchers_always_make_a_new_silence_and_expire_the_old() -> None:
    """Matchers are compared in order, with type, name and pattern: any change is a new id."""
    s = store()
    old = s.set(sil(eq("a", "1"), eq("b", "2")), now_ns=T0)
    for changed in [(eq("b", "2"), eq("a", "1")), (eq("a", "1"), ne("b", "2")), (eq("a", "1"),)]:
        prev = old
        old = s.set(sil(*changed, id=prev), now_ns=T0 + S)
        assert old != prev
        prev_sil = s.get(prev)
        assert prev_sil is not None and prev_sil.ends_at <= T0 + S


def test_matchers_given_as_a_list_compare_equal_to_stored_ones() -> None:
    """An API layer may build matchers as a list; an unchanged list still updates in place."""
    s = store()
    sid = s.set(sil(eq("a", "1")), now_ns=T0)
    posted = Silence(sid, [eq("a", "1")], T0, T0 + 7200 * S)  # type: ignore[arg-type]
    assert s.set(posted, now_ns=T0 + S) == sid


def test_comment_and_author_change_in_place() -> None:
    """createdBy and comment may change without a new id."""
    s = store()
    sid = s.set(sil(), now_ns=T0)
    assert s.set(sil(id=sid, by="you", comment="new"), now_ns=T0 + S) == sid
    got = s.get(sid)
    assert got is not None and (got.created_by, got.comment) == ("you", "new")


def test_active_update_with_an_end_in_the_past_expires_the_old_and_fails() -> None:
    """can_update refuses an end before now; the replacement's clamped start is after its end."""
    s = store()
    sid = s.set(sil(), now_ns=T0)
    with pytest.raises(
        SilenceError, match="^silence invalid: end time must not be before start time$"
    ):
        s.set(sil(id=sid, end=T0 + S), now_ns=T0 + 2 * S)
    old = s.get(sid)
    assert old is not None and old.ends_at == T0 + 2 * S and len(s) == 1


def test_pending_silence_is_updated_in_place_without_clamping() -> None:
    """Pending: any start not in the past keeps the id and is stored as given."""
    s = store()
    sid = s.set(sil(start=T0 + 100 * S, end=T0 + 200 * S), now_ns=T0)
    assert s.set(sil(start=T0 + 150 * S, end=T0 + 250 * S, id=sid), now_ns=T0 + S) == sid
    got = s.get(sid)
    assert got is not None and (got.starts_at, got.ends_at) == (T0 + 150 * S, T0 + 250 * S)
    assert s.set(sil(start=T0 + 2 * S, end=T0 + 250 * S, id=sid), now_ns=T0 + 2 * S) == sid


def test_pending_silence_moved_into_the_past_is_expired_and_replaced() -> None:
    """A pending silence given a past start: the old one gets start=end=now, a new active one."""
    s = store()
    old = s.set(sil(start=T0 + 100 * S, end=T0 + 200 * S), now_ns=T0)
    now = T0 + 10 * S
    new = s.set(sil(start=T0 - 5 * S, end=T0 + 250 * S, id=old), now_ns=now)
    assert new != old
    old_sil, new_sil = s.get(old), s.get(new)
    assert old_sil is not None and new_sil is not None
    assert (old_sil.starts_at, old_sil.ends_at, old_sil.updated_at) == (now, now, now)
    assert s.state(old_sil, now) == "expired"
    assert (new_sil.starts_at, s.state(new_sil, now)) == (now, "active")


def test_updating_an_expired_silence_creates_a_new_one_and_leaves_the_old_untouched() -> None:
    """Expired silences are never updated or re-expired."""
    s = store()
    old = s.set(sil(), now_ns=T0)
    s.expire(old, now_ns=T0 + S)
    before = s.get(old)
    new = s.set(sil(id=old), now_ns=T0 + 2 * S)
    assert new != old and s.get(old) == before


def test_an_invalid_replacement_still_expires_the_old_silence() -> None:
    """As Alertmanager: the old silence is expired before the replacement is validated."""
    s = store()
    sid = s.set(sil(eq("a", "2")), now_ns=T0)
    with pytest.raises(SilenceError, match="invalid regular expression"):
        s.set(sil(re_("a", "("), id=sid), now_ns=T0 + S)
    old = s.get(sid)
    assert old is not None and s.state(old, T0 + S) == "expired" and len(s) == 1


def test_a_failed_create_changes_nothing() -> None:
    """Validation failures of a new silence leave no trace: no silence, no delta, no version."""
    s = store()
    with pytest.raises(SilenceError):
        s.set(sil(eq("a", "")), now_ns=T0)
    assert (len(s), s.version, s.take_deltas()) == (0, 0, [])


def test_two_writes_in_the_same_nanosecond_are_both_kept() -> None:
    """updated_at moves forward by at least 1ns so a write is never lost to the merge rule."""
    s = store()
    sid = s.set(sil(), now_ns=T0)
    s.set(sil(id=sid, comment="second"), now_ns=T0)
    got = s.get(sid)
    assert got is not None and (got.comment, got.updated_at) == ("second", T0 + 1)


# -- expire -------------------------------------------------------------------


def test_expiring_an_active_silence_ends_it_now() -> None:
    """Active: endsAt=now, updatedAt=now, expiresAt=now+retention; the id is kept."""
    s = store()
    sid = s.set(sil(), now_ns=T0)
    s.expire(sid, now_ns=T0 + 5 * S)
    got = s.get(sid)
    assert got is not None
    assert (got.starts_at, got.ends_at, got.updated_at) == (T0, T0 + 5 * S, T0 + 5 * S)
    assert got.expires_at == T0 + 5 * S + RETENTION_S * S
    assert s.state(got, T0 + 5 * S) == "expired"


def test_expiring_a_pending_silence_sets_start_and_end_to_now() -> None:
    """Pending: startsAt=endsAt=now, so it is expired at once."""
    s = store()
    sid = s.set(sil(start=T0 + 100 * S), now_ns=T0)
    s.expire(sid, now_ns=T0 + S)
    got = s.get(sid)
    assert got is not None and (got.starts_at, got.ends_at) == (T0 + S, T0 + S)


def test_expiring_an_expired_silence_is_a_no_op() -> None:
    """DELETE is idempotent: no change, no version bump, no delta."""
    s = store()
    sid = s.set(sil(), now_ns=T0)
    s.expire(sid, now_ns=T0 + S)
    s.take_deltas()
    before, version = s.get(sid), s.version
    s.expire(sid, now_ns=T0 + 2 * S)
    assert (s.get(sid), s.version, s.take_deltas()) == (before, version, [])


def test_expiring_an_unknown_silence_is_not_found() -> None:
    """Unknown id: 'silence not found' (the API answers 500 with it)."""
    with pytest.raises(SilenceNotFound, match="^silence not found$"):
        store().expire("nope", now_ns=T0)


# -- validation ---------------------------------------------------------------

INVALID = [
    ((eq("0a", "x"),), 'invalid label matcher 0: invalid label name "0a"'),
    ((eq("", "x"),), 'invalid label matcher 0: invalid label name ""'),
    ((eq("a:b", "x"),), 'invalid label matcher 0: invalid label name "a:b"'),
    ((eq('a"b\n', "x"),), 'invalid label matcher 0: invalid label name "a\\"b\\n"'),
    ((eq("a", "\udcff"),), 'invalid label matcher 0: invalid label value "\\udcff"'),
    (
        (re_("a", "("),),
        'invalid label matcher 0: invalid regular expression "(": '
        "error parsing regexp: missing closing ): `(`",
    ),
    (
        (eq("a", "x"), nre("b", "a)(b")),
        'invalid label matcher 1: invalid regular expression "a)(b": '
        "error parsing regexp: unexpected ): `a)(b`",
    ),
    (
        (re_("a", "\\"),),
        'invalid label matcher 0: invalid regular expression "\\\\": '
        "error parsing regexp: trailing backslash at end of expression: ``",
    ),
    (
        (re_("a", "x{2,1}"),),
        'invalid label matcher 0: invalid regular expression "x{2,1}": '
        "error parsing regexp: invalid repeat count: `{2,1}`",
    ),
    ((SilenceMatcher(7, "a", "x"),), 'invalid label matcher 0: unknown matcher type "7"'),
    ((eq("a", ""),), "at least one matcher must not match the empty string"),
    ((re_("a", ".*"),), "at least one matcher must not match the empty string"),
    ((re_("a", "x|"), re_("b", "a*")), "at least one matcher must not match the empty string"),
    ((eq("a", ""), re_("b", "")), "at least one matcher must not match the empty string"),
]


@pytest.mark.parametrize(("matchers", "message"), INVALID)
def test_invalid_matchers_are_refused_with_alertmanagers_message(
    matchers: tuple[SilenceMatcher, ...], message: str
) -> None:
    """Each matcher problem is reported as 'silence invalid: <Alertmanager's text>'."""
    with pytest.raises(SilenceError) as info:
        store().set(sil(*matchers), now_ns=T0)
    assert str(info.value) == f"silence invalid: {message}"
    assert isinstance(info.value, ValidationError)


@pytest.mark.parametrize(
    "matchers",
    [
        (ne("a", ""),),  # negative matchers never count as matching ""
        (nre("a", "x"),),
        (nre("a", ".*"),),
        (eq("a", ""), eq("b", "x")),
        (re_("a", ".*"), re_("b", ".+")),
        (re_("a", "(?P<n>a)(?P<n>b)"),),  # Go 1.19 accepts duplicate group names
    ],
)
def test_a_silence_needs_only_one_matcher_that_does_not_match_empty(
    matchers: tuple[SilenceMatcher, ...],
) -> None:
    """Accepted: some matcher does not match the empty string (negations always qualify)."""
    s = store()
    assert s.get(s.set(sil(*matchers), now_ns=T0)) is not None


@pytest.mark.parametrize(
    ("silence", "message"),
    [
        (Silence("", (eq("a", "b"),), T0, T0 + S, T0), "ID missing"),
        (Silence("x", (), T0, T0 + S, T0), "at least one matcher required"),
        (Silence("x", (eq("a", "b"),), 0, T0 + S, T0), "invalid zero start timestamp"),
        (Silence("x", (eq("a", "b"),), T0, 0, T0), "invalid zero end timestamp"),
        (Silence("x", (eq("a", "b"),), T0, T0 - 1, T0), "end time must not be before start time"),
        (Silence("x", (eq("a", "b"),), T0, T0 + S, 0), "invalid zero update timestamp"),
        (
            Silence("x", (eq("a", ""),), 0, 0, 0),
            "at least one matcher must not match the empty string",
        ),
    ],
)
def test_validate_checks_fields_in_alertmanagers_order(silence: Silence, message: str) -> None:
    """validateSilence: id, matchers, empty-match, start, end, order, update time."""
    with pytest.raises(SilenceError, match=f"^silence invalid: {message}$"):
        validate(silence)


def test_validate_accepts_start_equal_to_end() -> None:
    """An instant silence (start == end, as after expiring a pending one) is valid."""
    validate(Silence("x", (eq("a", "b"),), T0, T0, T0))


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (T0 + S, T0 + S, "start time must be before end time"),
        (T0 + 2 * S, T0 + S, "start time must be before end time"),
        (T0 - 2 * S, T0 - 1, "end time can't be in the past"),
    ],
)
def test_check_postable_refuses_like_the_api(start: int, end: int, message: str) -> None:
    """The API's own checks before Set, with its 'Failed to create silence' texts."""
    with pytest.raises(SilenceError, match=f"^Failed to create silence: {message}$"):
        check_postable(start, end, now_ns=T0)


def test_check_postable_accepts_an_end_exactly_now() -> None:
    """'In the past' means strictly before now."""
    check_postable(T0 - S, T0, now_ns=T0)


# -- states -------------------------------------------------------------------


def test_states_at_the_boundaries_differ_between_api_and_muting() -> None:
    """The API's end is exclusive; muting's end is inclusive; the start is inclusive in both."""
    s = store()
    sid = s.set(sil(start=T0 + 10 * S, end=T0 + 20 * S), now_ns=T0)
    got = s.get(sid)
    assert got is not None
    labels = {"alertname": "A"}
    assert s.state(got, T0 + 10 * S - 1) == "pending"
    assert s.mutes(labels, T0 + 10 * S - 1) == ([], [sid])
    assert s.state(got, T0 + 10 * S) == "active"
    assert s.mutes(labels, T0 + 10 * S) == ([sid], [])
    assert s.state(got, T0 + 20 * S) == "expired"
    assert s.mutes(labels, T0 + 20 * S) == ([sid], [])  # still mutes at endsAt exactly
    assert s.mutes(labels, T0 + 20 * S + 1) == ([], [])


def test_expiring_at_the_end_instant_is_an_update_not_a_no_op() -> None:
    """At now == endsAt the silence is still active for Expire (end inclusive)."""
    s = store()
    sid = s.set(sil(end=T0 + 10 * S), now_ns=T0)
    s.expire(sid, now_ns=T0 + 10 * S)
    got = s.get(sid)
    assert got is not None and got.updated_at == T0 + 10 * S


# -- listing and filters ------------------------------------------------------


def test_listing_puts_active_then_pending_then_expired() -> None:
    """Active by soonest end, pending by soonest start, expired by most recent end."""
    s = store()
    a_late = s.set(sil(eq("n", "a_late"), end=T0 + 300 * S), now_ns=T0)
    a_soon = s.set(sil(eq("n", "a_soon"), end=T0 + 100 * S), now_ns=T0)
    p_late = s.set(sil(eq("n", "p_late"), start=T0 + 200 * S, end=T0 + 900 * S), now_ns=T0)
    p_soon = s.set(sil(eq("n", "p_soon"), start=T0 + 50 * S, end=T0 + 9000 * S), now_ns=T0)
    e_old = s.set(sil(eq("n", "e_old")), now_ns=T0)
    e_new = s.set(sil(eq("n", "e_new")), now_ns=T0)
    s.expire(e_old, now_ns=T0 + S)
    s.expire(e_new, now_ns=T0 + 2 * S)
    order = [x.id for x in s.list(now_ns=T0 + 3 * S)]
    assert order == [a_soon, a_late, p_soon, p_late, e_new, e_old]


def test_listing_keeps_expired_silences_until_gc() -> None:
    """Expired silences stay listed (and gettable) for the retention period."""
    s = store()
    sid = s.set(sil(), now_ns=T0)
    s.expire(sid, now_ns=T0 + S)
    assert [x.id for x in s.list(T0 + RETENTION_S * S)] == [sid]
    assert s.gc(T0 + S + RETENTION_S * S) == 1
    assert s.list(T0 + S + RETENTION_S * S) == [] and s.get(sid) is None


def test_filters_keep_silences_carrying_each_filter_matcher_exactly() -> None:
    """A filter matcher must equal one of the silence's matchers in name, type and value."""
    s = store()
    both = s.set(sil(eq("alertname", "A"), re_("job", "api.*")), now_ns=T0)
    only_a = s.set(sil(eq("alertname", "A")), now_ns=T0)

    def ids(*filters: str) -> set[str]:
        return {x.id for x in s.list(T0, [parse_matcher(f) for f in filters])}

    assert ids() == {both, only_a}
    assert ids('alertname="A"') == {both, only_a}
    assert ids('alertname="A"', 'job=~"api.*"') == {both}
    assert ids('job="api.*"') == set()  # same name and value, other type
    assert ids('job=~"api"') == set()  # label matching is not what filters do
    assert ids('alertname!="A"') == set()


def test_filters_see_every_matcher_of_a_silence_with_repeated_names() -> None:
    """Two matchers on one name: a filter equal to either keeps the silence (verified)."""
    s = store()
    sid = s.set(sil(re_("d", "x.*"), ne("d", "xy")), now_ns=T0)
    for f in ('d=~"x.*"', 'd!="xy"'):
        assert [x.id for x in s.list(T0, [parse_matcher(f)])] == [sid]


# -- muting -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("matcher", "muted", "not_muted"),
    [
        (eq("sev", "page"), [{"sev": "page"}], [{"sev": "pager"}, {}]),
        (ne("sev", "page"), [{"sev": "info"}, {}], [{"sev": "page"}]),
        (re_("sev", "pa.e"), [{"sev": "page"}], [{"sev": "xpage"}, {"sev": "pages"}, {}]),
        (nre("sev", "pa.e"), [{"sev": "pages"}, {}], [{"sev": "page"}]),
        (eq("sev", ""), [{}, {"sev": ""}], [{"sev": "x"}]),
        (re_("sev", "|x"), [{}, {"sev": "x"}], [{"sev": "y"}]),
    ],
)
def test_mutes_with_each_matcher_type_and_missing_labels_as_empty(
    matcher: SilenceMatcher,
    muted: list[dict[str, str]],
    not_muted: list[dict[str, str]],
) -> None:
    """All four types; anchored regexes; a missing label is the empty string."""
    s = store()
    sid = s.set(sil(eq("alertname", "A"), matcher), now_ns=T0)
    for labels in muted:
        assert s.mutes({"alertname": "A", **labels}, T0) == ([sid], []), labels
    for labels in not_muted:
        assert s.mutes({"alertname": "A", **labels}, T0) == ([], []), labels
    assert s.mutes({"alertname": "B", **muted[0]}, T0) == ([], [])


def test_mutes_finds_silences_without_equality_matchers() -> None:
    """Regex silences match through their label's RE2 set; negation-only ones by scanning."""
    s = store()
    rx = s.set(sil(re_("alertname", "Disk.*")), now_ns=T0)
    rx2 = s.set(sil(re_("alertname", "DiskFull|CPU"), nre("env", "dev")), now_ns=T0)
    neg = s.set(sil(ne("alertname", "Other")), now_ns=T0)
    assert s.mutes({"alertname": "DiskFull"}, T0) == (sorted([rx, rx2, neg]), [])
    assert s.mutes({"alertname": "DiskFull", "env": "dev"}, T0) == (sorted([rx, neg]), [])
    assert s.mutes({"alertname": "CPU"}, T0) == (sorted([rx2, neg]), [])
    assert s.mutes({"alertname": "Other"}, T0) == ([], [])
    assert (s.statistics()["grouped"], s.statistics()["scan"]) == (2, 1)


def test_a_regex_that_matches_empty_is_no_guard() -> None:
    """'a=~"x|"' also matches a missing label, so such a silence is scanned, not grouped."""
    s = store()
    sid = s.set(sil(re_("a", "x|"), ne("b", "y")), now_ns=T0)
    assert s.statistics()["scan"] == 1
    assert s.mutes({}, T0) == ([sid], [])
    assert s.mutes({"a": "x"}, T0) == ([sid], [])
    assert s.mutes({"a": "z"}, T0) == ([], [])


def test_a_crowded_equality_bucket_sends_regex_silences_to_their_group() -> None:
    """Thousands of 'env="prod", alertname=~"X_i"' silences do not pile into one bucket."""
    s = store()
    ids = [s.set(sil(eq("env", "prod"), re_("alertname", f"X_{i}")), now_ns=T0) for i in range(50)]
    stats = s.statistics()
    assert stats["grouped"] == 50 - GROUP_AFTER and stats["buckets"] == 1
    for i in (0, GROUP_AFTER, 49):
        assert s.mutes({"env": "prod", "alertname": f"X_{i}"}, T0) == ([ids[i]], [])
        assert s.mutes({"env": "dev", "alertname": f"X_{i}"}, T0) == ([], [])


def test_regex_groups_are_split_into_sets_of_bounded_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """Guards are chunked so a change recompiles one small set; removal keeps the rest."""
    monkeypatch.setattr(silence_index, "GROUP_CHUNK", 2)
    s = store()
    ids = [s.set(sil(re_("alertname", f"A{i}.*")), now_ns=T0) for i in range(5)]
    assert s.mutes({"alertname": "A3x"}, T0) == ([ids[3]], [])
    s.expire(ids[2], now_ns=T0)
    s.gc(T0 + 1)
    assert s.statistics()["grouped"] == 4
    for i in (0, 1, 3, 4):
        assert s.mutes({"alertname": f"A{i}x"}, T0 + 1) == ([ids[i]], [])
    assert s.mutes({"alertname": "A2x"}, T0 + 1) == ([], [])


def test_groups_fall_back_to_checking_each_silence_without_an_re2_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """If RE2 cannot build a set (memory limit), every silence of the group is checked."""
    monkeypatch.setattr(silence_index, "_build_set", lambda entries: None)
    s = store()
    a = s.set(sil(re_("alertname", "A.*")), now_ns=T0)
    s.set(sil(re_("alertname", "B.*")), now_ns=T0)
    assert s.mutes({"alertname": "Apple"}, T0) == ([a], [])


def test_a_group_set_is_rebuilt_after_a_change() -> None:
    """Adding, replacing and expiring regex silences re-files them in a fresh set."""
    s = store()
    a = s.set(sil(re_("alertname", "A.*")), now_ns=T0)
    assert s.mutes({"alertname": "Apple"}, T0) == ([a], [])  # builds the set
    b = s.set(sil(re_("alertname", "Ap.*")), now_ns=T0)
    assert s.mutes({"alertname": "Apple"}, T0) == (sorted([a, b]), [])
    c = s.set(sil(re_("alertname", "Apple"), id=a), now_ns=T0 + S)
    s.gc(T0 + 2 * S)
    assert s.mutes({"alertname": "Apple"}, T0 + 2 * S) == (sorted([b, c]), [])
    assert s.mutes({"alertname": "Apricot"}, T0 + 2 * S) == ([b], [])


def test_mutes_returns_sorted_active_and_pending_and_skips_expired() -> None:
    """(active ids sorted, pending ids sorted); expired silences never count."""
    s = Silences(RETENTION_S, new_id=iter(["c", "a", "b", "d"]).__next__)
    s.set(sil(), now_ns=T0)  # c: active
    s.set(sil(), now_ns=T0)  # a: active
    s.set(sil(start=T0 + 60 * S), now_ns=T0)  # b: pending
    s.set(sil(), now_ns=T0)  # d: expired below
    s.expire("d", now_ns=T0)
    assert s.mutes({"alertname": "A", "x": "y"}, T0 + 1) == (["a", "c"], ["b"])


def test_a_silence_with_several_equality_matchers_is_found_through_any_bucket() -> None:
    """Filed under one equality matcher, it must still require all of them."""
    s = store()
    for i in range(5):
        s.set(sil(eq("env", "prod"), eq("alertname", f"X{i}")), now_ns=T0)
    special = s.set(sil(eq("env", "prod"), eq("alertname", "Y"), re_("pod", "web-.*")), now_ns=T0)
    assert s.mutes({"env": "prod", "alertname": "Y", "pod": "web-1"}, T0) == ([special], [])
    assert s.mutes({"env": "prod", "alertname": "Y", "pod": "db-1"}, T0) == ([], [])
    assert s.mutes({"env": "dev", "alertname": "X1"}, T0) == ([], [])
    assert s.statistics()["buckets"] >= 5  # spread over alertname buckets, not one env bucket


def test_replacing_a_silence_refiles_it() -> None:
    """After an in-place update or a replacement, matching follows the stored matchers."""
    s = store()
    old = s.set(sil(eq("alertname", "A")), now_ns=T0)
    new = s.set(sil(eq("alertname", "B"), id=old), now_ns=T0 + S)
    assert s.mutes({"alertname": "A"}, T0 + 2 * S) == ([], [])
    assert s.mutes({"alertname": "B"}, T0 + 2 * S) == ([new], [])


def test_gc_retires_ended_silences_from_matching_but_keeps_listing_them() -> None:
    """Ended silences leave the match index at GC; they stay gettable until retention."""
    s = store()
    sid = s.set(sil(end=T0 + 10 * S), now_ns=T0)
    assert s.gc(T0 + 11 * S) == 0
    assert s.statistics()["retired"] == 1
    assert s.get(sid) is not None and s.mutes({"alertname": "A"}, T0 + 11 * S) == ([], [])
    s.set(sil(id=sid), now_ns=T0 + 12 * S)  # a replacement is filed again
    assert len(s.mutes({"alertname": "A"}, T0 + 12 * S)[0]) == 1


# -- version, deltas, snapshots -----------------------------------------------


def test_version_goes_up_on_set_expire_merge_load_and_gc() -> None:
    """Every change bumps the version the silencer caches on."""
    s = store()
    seen = [s.version]
    sid = s.set(sil(end=T0 + S), now_ns=T0)
    seen.append(s.version)
    s.expire(sid, now_ns=T0)
    seen.append(s.version)
    s.merge(encode_silences([stored("p", updated=T0)]), now_ns=T0)
    seen.append(s.version)
    s.load([stored("q", updated=T0)])
    seen.append(s.version)
    s.gc(T0 + 2 * S + RETENTION_S * S)
    seen.append(s.version)
    assert seen == sorted(set(seen)) and len(seen) == 6


def test_take_deltas_carries_the_expired_old_and_the_new_silence() -> None:
    """A replacement broadcasts both changes, once."""
    s = store()
    old = s.set(sil(eq("a", "1")), now_ns=T0)
    new = s.set(sil(eq("a", "2"), id=old), now_ns=T0 + S)
    (payload,) = s.take_deltas()
    assert [x.id for x in decode_silences(payload)] == [old, old, new]
    assert s.take_deltas() == []


def test_a_snapshot_never_changes_after_it_is_taken() -> None:
    """Views are copies: later sets, expiries and GC do not show through."""
    s = store()
    sid = s.set(sil(), now_ns=T0)
    view = s.snapshot()
    assert s.snapshot() is view  # one view per version
    s.set(sil(eq("alertname", "B")), now_ns=T0)
    s.expire(sid, now_ns=T0 + S)
    s.gc(T0 + 2 * S + RETENTION_S * S)
    assert view.version == 1 and len(view) == 1
    assert view.mutes({"alertname": "A"}, T0 + S) == ([sid], [])
    got = view.get(sid)
    assert got is not None and view.state(got, T0 + S) == "active"
    assert [x.id for x in view.list(T0)] == [sid]
    assert s.snapshot() is not view and s.snapshot().version == s.version


def test_readers_on_other_threads_never_see_a_torn_state() -> None:
    """While the owner replaces silences, every view's list, get and mutes agree."""
    s = store()
    first = s.set(sil(), now_ns=T0)
    views = [s.snapshot()]
    done = threading.Event()
    errors: list[str] = []

    def read() -> None:
        while not done.is_set() or views:
            view = views[-1]
            ids = [x.id for x in view.list(T0 + S)]
            active = [i for i in ids if (x := view.get(i)) and view.state(x, T0 + S) == "active"]
            if len(active) != 1 or view.mutes({"alertname": "A"}, T0 + S)[0] != active:
                errors.append(f"torn view {view!r}: {active}")
            if done.is_set():
                break

    reader = threading.Thread(target=read)
    reader.start()
    current = first
    for i in range(300):  # each step expires the active one and creates its successor
        current = s.set(
            sil(eq("alertname", "A"), comment=f"{i}", id=current, start=T0 - S), now_ns=T0
        )
        views.append(s.snapshot())
    done.set()
    reader.join(timeout=30)
    assert errors == []


def test_statistics_and_repr_show_live_state() -> None:
    """statistics() and repr name the counts the silencer reports."""
    s = store()
    s.set(sil(), now_ns=T0)
    s.set(sil(re_("alertname", "B.*")), now_ns=T0)
    assert s.statistics() == {
        "silences": 2,
        "buckets": 1,
        "grouped": 1,
        "scan": 0,
        "retired": 0,
        "version": 2,
        "pending_deltas": 2,
        "rejected": 0,
    }
    assert repr(s) == "<Silences silences=2 version=2 pending_deltas=2>"
    assert repr(s.snapshot()) == "<SilencesView version=2 silences=2>"


# -- merge, GC, wire ------------------------------------------------------------


def stored(sid: str, updated: int, end: int = T0 + 3600 * S, comment: str = "c") -> Silence:
    return Silence(
        sid,
        (eq("alertname", "A"),),
        min(T0, end),
        end,
        updated,
        "me",
        comment,
        end + RETENTION_S * S,
    )


def test_merge_accepts_newer_unexpired_silences_only() -> None:
    """Gossip merge: not past expires_at, and strictly newer updated_at than ours."""
    s = store()
    assert s.merge_silences([stored("x", updated=T0)], now_ns=T0) == [stored("x", updated=T0)]
    assert s.merge_silences([stored("x", updated=T0, comment="same time")], now_ns=T0) == []
    assert s.merge_silences([stored("x", updated=T0 - 1, comment="older")], now_ns=T0) == []
    newer = stored("x", updated=T0 + 1, comment="newer")
    assert s.merge_silences([newer], now_ns=T0) == [newer]
    assert s.get("x") == newer


def test_merge_rejects_silences_past_their_expiry() -> None:
    """expires_at < now is dropped; expires_at == now is still taken."""
    s = store()
    gone = stored("x", updated=T0, end=T0 - RETENTION_S * S - 1)
    edge = stored("y", updated=T0, end=T0 - RETENTION_S * S)
    assert s.merge_silences([gone, edge], now_ns=T0) == [edge]


def test_merge_returns_the_changed_records_and_refuses_invalid_silences() -> None:
    """The encoded changes come back for journal and re-broadcast; invalid ones are counted."""
    s = store()
    bad = msgspec.structs.replace(stored("bad", updated=T0), matchers=(re_("a", "("),))
    (changed,) = s.merge(encode_silences([stored("x", updated=T0), bad]), now_ns=T0)
    assert decode_silences(changed) == [stored("x", updated=T0)]
    assert s.get("bad") is None and s.statistics()["rejected"] == 1
    assert s.merge(encode_silences([stored("x", updated=T0)]), now_ns=T0) == []
    assert s.take_deltas() == []  # merged changes are not local deltas


def test_merge_of_garbage_is_a_value_error() -> None:
    """Undecodable bytes and other wire versions are refused."""
    s = store()
    with pytest.raises(ValueError, match="undecodable silence records"):
        s.merge(b"\x00garbage", now_ns=T0)
    with pytest.raises(ValueError, match="unsupported silence record version 9"):
        s.merge(msgspec.msgpack.encode(["sil", 9, []]), now_ns=T0)


def test_merged_silences_mute() -> None:
    """A silence learnt from a peer is indexed like a local one."""
    s = store()
    s.merge_silences([stored("x", updated=T0)], now_ns=T0)
    assert s.mutes({"alertname": "A"}, T0 + S) == (["x"], [])


def test_gc_removes_silences_at_their_expiry() -> None:
    """expires_at <= now goes; later ones stay; returns how many went."""
    s = store()
    s.load([stored("x", updated=T0, end=T0), stored("y", updated=T0, end=T0 + S)])
    assert s.gc(T0 + RETENTION_S * S - 1) == 0
    assert s.gc(T0 + RETENTION_S * S) == 1
    assert [x.id for x in s] == ["y"]


def test_full_state_round_trips() -> None:
    """encode_full decodes to the same silences, and merges into an empty peer whole."""
    s = store()
    s.set(sil(eq("a", "1"), re_("b", "x.*"), ne("c", ""), nre("d", "y")), now_ns=T0)
    s.set(sil(start=T0 + 60 * S), now_ns=T0)
    full = s.encode_full()
    assert sorted(decode_silences(full), key=lambda x: x.id) == sorted(s, key=lambda x: x.id)
    peer = store()
    peer.merge(full, now_ns=T0)
    assert [x.id for x in peer.list(T0)] == [x.id for x in s.list(T0)]


def test_silence_matcher_maps_to_and_from_the_api_and_matchers() -> None:
    """silencepb numbering: EQUAL=0, REGEXP=1, NOT_EQUAL=2, NOT_REGEXP=3."""
    cases = [  # (isEqual, isRegex) as the API spells them
        ((True, False), EQUAL, MatchType.EQUAL),
        ((False, False), NOT_EQUAL, MatchType.NOT_EQUAL),
        ((True, True), REGEXP, MatchType.REGEX),
        ((False, True), NOT_REGEXP, MatchType.NOT_REGEX),
    ]
    assert (EQUAL, REGEXP, NOT_EQUAL, NOT_REGEXP) == (0, 1, 2, 3)
    for (is_equal, is_regex), code, match_type in cases:
        m = SilenceMatcher.from_api("a", "b", is_regex=is_regex, is_equal=is_equal)
        assert (m.type, m.is_regex, m.is_equal) == (code, is_regex, is_equal)
        assert m.to_matcher() == new_matcher("a", match_type, "b")
        assert SilenceMatcher.from_matcher(m.to_matcher()) == m
    assert SilenceMatcher.from_api("a", "b", is_regex=False).type == EQUAL


# -- durability -----------------------------------------------------------------


def reload(tmp_path: Path) -> Silences:
    restored = store()
    for payload in DurableFile(tmp_path, "silences").load():
        restored.load(decode_silences(payload))
    return restored


def test_journalled_deltas_survive_a_restart_without_a_snapshot(tmp_path: Path) -> None:
    """Deltas appended (fsync'd) to the journal rebuild the same state on start."""
    s, disk = store(), DurableFile(tmp_path, "silences")
    disk.load()
    old = s.set(sil(eq("a", "1")), now_ns=T0)
    disk.append(s.take_deltas())
    s.set(sil(eq("a", "2"), id=old), now_ns=T0 + S)
    disk.append(s.take_deltas())
    disk.close()
    assert sorted(reload(tmp_path), key=lambda x: x.id) == sorted(s, key=lambda x: x.id)


def test_snapshot_plus_journal_round_trip(tmp_path: Path) -> None:
    """After compaction the snapshot holds the state; later deltas replay on top of it."""
    s, disk = store(), DurableFile(tmp_path, "silences")
    disk.load()
    sid = s.set(sil(), now_ns=T0)
    disk.append(s.take_deltas())
    disk.compact(s.encode_full())
    s.expire(sid, now_ns=T0 + S)
    s.set(sil(eq("alertname", "B")), now_ns=T0 + S)
    disk.append(s.take_deltas())
    disk.close()
    restored = reload(tmp_path)
    assert sorted(restored, key=lambda x: x.id) == sorted(s, key=lambda x: x.id)
    assert [x.id for x in restored.list(T0 + 2 * S)] == [x.id for x in s.list(T0 + 2 * S)]
    assert restored.mutes({"alertname": "B"}, T0 + 2 * S) == s.mutes({"alertname": "B"}, T0 + 2 * S)


def test_load_keeps_the_latest_record_and_does_not_expire_anything() -> None:
    """Replaying the journal: a later-or-equal updated_at wins; expiry waits for GC."""
    s = store()
    s.load([stored("x", updated=T0 + 5, comment="new"), stored("x", updated=T0, comment="old")])
    s.load([stored("y", updated=T0, end=T0 - RETENTION_S * S - S)])
    x = s.get("x")
    assert x is not None and x.comment == "new" and s.get("y") is not None

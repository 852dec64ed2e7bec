"""Finding the silences that match an alert without scanning all of them.

Each silence is filed in one place:

* an equality bucket ``(name, value)``: the bucket of its non-empty equality
  matcher that was smallest when it was filed ("most selective");
* else (or when that bucket already holds ``GROUP_AFTER`` silences) the regex
  group of a *guard*: a positive regex matcher that does not match "". The
  guards of one label name are matched together by RE2 sets of up to
  ``GROUP_CHUNK`` patterns, so regex silences cost one RE2 call per set,
  not one per silence;
* else the scan list (negation-only silences and the like), checked every time.

An alert's candidates are the buckets of its ``(name, value)`` pairs, the
groups' hits for its values, and the scan list; each candidate is then checked
against all its matchers. Matchers are compiled once per silence (regexes are
memoised by pattern in :func:`gossamer.matchers.compile_anchored`).

Buckets, groups and the scan list are replaced, never mutated, so
:meth:`SilenceIndex.copy` is a few shallow dict copies sharing nothing mutable
with the original: :class:`SilencesView` wraps such a copy and can be read
from any thread while the owner keeps changing its index.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import re2

from gossamer.matchers import Matcher, MatchType, new_regex_set

if TYPE_CHECKING:
    from cluster.silences import Silence

State = Literal["pending", "active", "expired"]
_TYPE_CODES = {
    MatchType.EQUAL: 0,
    MatchType.REGEX: 1,
    MatchType.NOT_EQUAL: 2,
    MatchType.NOT_REGEX: 3,
}
_STATE_RANK = {"active": 0, "pending": 1, "expired": 2}


def state_at(sil: Silence, now_ns: int) -> State:
    """The state used for muting, updating and expiring: the end is inclusive (``getState``)."""
    if now_ns < sil.starts_at:
        return "pending"
    if now_ns > sil.ends_at:
        return "expired"
    return "active"


def api_state(sil: Silence, now_ns: int) -> State:
    """The state the API reports: the end is exclusive (``types.CalcSilenceState``)."""
    if now_ns < sil.starts_at:
        return "pending"
    if now_ns < sil.ends_at:
        return "active"
    return "expired"


def listing_key(sil: Silence, now_ns: int) -> tuple[int, int, str]:
    """``GET /api/v2/silences`` order (state.md §2.8); ties, unordered in Go, go by id."""
    state = api_state(sil, now_ns)
    if state == "active":
        when = sil.ends_at
    elif state == "pending":
        when = sil.starts_at
    else:
        when = -sil.ends_at  # most recently ended first
    return (_STATE_RANK[state], when, sil.id)


def has_filter_matchers(sil: Silence, filters: Sequence[Matcher]) -> bool:
    """API filter: every filter equals one of the silence's matchers (name, type, value)."""
    own = {(m.name, m.type, m.pattern) for m in sil.matchers}
    return all((f.name, _TYPE_CODES[f.type], f.value) in own for f in filters)


# How a silence is filed for matching (Indexed.kind).
EQ, GROUP, SCAN, RETIRED = 0, 1, 2, 3
#: An equality bucket this full makes a silence with a regex guard go to its group instead.
GROUP_AFTER = 8
#: Guards per RE2 set: a change recompiles one set (~3 ms at 256), a match costs ~1 µs per set.
GROUP_CHUNK = 256


class Indexed:
    """A silence, its compiled matchers and where it is filed.

    ``kind`` EQ: ``key`` is the ``(name, value)`` bucket; GROUP: ``key`` is the
    ``(name, pattern)`` of its guard regex; SCAN: checked for every alert;
    RETIRED: ended, no longer matched (still listed).
    """

    __slots__ = ("silence", "matchers", "kind", "key")

    def __init__(
        self, silence: Silence, matchers: tuple[Matcher, ...], kind: int, key: tuple[str, str]
    ) -> None:
        self.silence = silence
        self.matchers = matchers
        self.kind = kind
        self.key = key


class RegexGroup:
    """Silences guarded by regexes on one label name, matched in one pass by an RE2 set.

    A guard is a positive regex matcher that does not match "", so a silence
    can only match an alert whose label value the guard accepts. The set is
    compiled on first use; two threads may both compile it, harmlessly.
    """

    __slots__ = ("entries", "_set")

    def __init__(self, entries: tuple[Indexed, ...]) -> None:
        self.entries = entries
        self._set: Any = _UNBUILT

    def hits(self, value: str) -> Sequence[Indexed]:
        """The entries whose guard matches ``value`` (all of them if no set could be built)."""
        regex_set = self._set
        if regex_set is _UNBUILT:
            regex_set = self._set = _build_set(self.entries)
        if regex_set is None:
            return self.entries
        found = regex_set.Match(value)
        if not found:
            return ()
        entries = self.entries
        return [entries[i] for i in found]


_UNBUILT = object()


def _build_set(entries: tuple[Indexed, ...]) -> Any:
    """One RE2 set of the anchored guards, or ``None`` if RE2 refuses (memory limit)."""
    regex_set = new_regex_set()
    try:
        for i, entry in enumerate(entries):
            if regex_set.Add("^(?:" + entry.key[1] + ")$") != i:
                return None
        regex_set.Compile()
    except re2.error:
        return None
    return regex_set


class SilenceIndex:
    """Silences by id, plus the equality buckets, regex groups and scan list used for matching.

    Mutated only by the owner of :class:`cluster.silences.Silences`; a
    :meth:`copy` is never mutated and may be shared with other threads.
    """

    __slots__ = ("_by_id", "_buckets", "_groups", "_scan")

    def __init__(self) -> None:
        self._by_id: dict[str, Indexed] = {}
        self._buckets: dict[tuple[str, str], tuple[Indexed, ...]] = {}
        self._groups: dict[str, tuple[RegexGroup, ...]] = {}
        self._scan: tuple[Indexed, ...] = ()

    def copy(self) -> SilenceIndex:
        clone = SilenceIndex()
        clone._by_id = dict(self._by_id)
        clone._buckets = dict(self._buckets)
        clone._groups = dict(self._groups)
        clone._scan = self._scan
        return clone

    # -- writing (owner only) ------------------------------------------------

    def put(self, sil: Silence) -> None:
        """File ``sil``, replacing any silence with its id; its matchers must be valid."""
        self.remove(sil.id)
        matchers = tuple(m.to_matcher() for m in sil.matchers)
        entry = Indexed(sil, matchers, *self._choose_slot(matchers))
        self._by_id[sil.id] = entry
        self._file(entry)

    def remove(self, sil_id: str) -> None:
        entry = self._by_id.pop(sil_id, None)
        if entry is not None:
            self._unfile(entry)

    def retire_ended(self, now_ns: int) -> int:
        """Stop matching silences that ended before ``now_ns`` (they stay listed until GC)."""
        ended = [
            e for e in self._by_id.values() if e.kind != RETIRED and e.silence.ends_at < now_ns
        ]
        for entry in ended:
            self._unfile(entry)
            self._by_id[entry.silence.id] = Indexed(
                entry.silence, entry.matchers, RETIRED, ("", "")
            )
        return len(ended)

    def _choose_slot(self, matchers: tuple[Matcher, ...]) -> tuple[int, tuple[str, str]]:
        """The smallest equality bucket; a regex guard if that is crowded or missing; else scan."""
        best: tuple[str, str] | None = None
        best_size = 0
        for m in matchers:
            if m.type is MatchType.EQUAL and m.value:  # name="" also matches a missing label
                size = len(self._buckets.get((m.name, m.value), ()))
                if best is None or size < best_size:
                    best, best_size = (m.name, m.value), size
        if best is not None and best_size < GROUP_AFTER:
            return EQ, best
        guard = next((m for m in matchers if m.type is MatchType.REGEX and not m.matches("")), None)
        if guard is not None:
            return GROUP, (guard.name, guard.value)
        if best is not None:
            return EQ, best
        return SCAN, ("", "")

    def _file(self, entry: Indexed) -> None:
        if entry.kind == EQ:
            self._buckets[entry.key] = (*self._buckets.get(entry.key, ()), entry)
        elif entry.kind == GROUP:
            chunks = self._groups.get(entry.key[0], ())
            if chunks and len(chunks[-1].entries) < GROUP_CHUNK:
                chunks = (*chunks[:-1], RegexGroup((*chunks[-1].entries, entry)))
            else:
                chunks = (*chunks, RegexGroup((entry,)))
            self._groups[entry.key[0]] = chunks
        elif entry.kind == SCAN:
            self._scan = (*self._scan, entry)

    def _unfile(self, entry: Indexed) -> None:
        if entry.kind == EQ:
            rest = _without(self._buckets.get(entry.key, ()), entry)
            if rest:
                self._buckets[entry.key] = rest
            else:
                self._buckets.pop(entry.key, None)
        elif entry.kind == GROUP:
            self._unfile_grouped(entry)
        elif entry.kind == SCAN:
            self._scan = _without(self._scan, entry)

    def _unfile_grouped(self, entry: Indexed) -> None:
        name = entry.key[0]
        chunks = list(self._groups.get(name, ()))
        for i, chunk in enumerate(chunks):
            if entry in chunk.entries:
                rest = _without(chunk.entries, entry)
                chunks[i : i + 1] = [RegexGroup(rest)] if rest else []
                break
        if chunks:
            self._groups[name] = tuple(chunks)
        else:
            self._groups.pop(name, None)

    # -- reading (owner, or anyone on a copy) --------------------------------

    def get(self, sil_id: str) -> Silence | None:
        entry = self._by_id.get(sil_id)
        return entry.silence if entry is not None else None

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[Silence]:
        return (e.silence for e in self._by_id.values())

    def mutes(
        self, labels: Mapping[str, str], now_ns: int
    ) -> tuple[builtins.list[str], builtins.list[str]]:
        """Ids of the active and of the pending silences whose matchers all match, sorted."""
        active: list[str] = []
        pending: list[str] = []
        for candidates in self._candidates(labels):
            for entry in candidates:
                sil = entry.silence
                if now_ns > sil.ends_at or not _matches(entry.matchers, labels):
                    continue
                (pending if now_ns < sil.starts_at else active).append(sil.id)
        active.sort()
        pending.sort()
        return active, pending

    def _candidates(self, labels: Mapping[str, str]) -> builtins.list[Sequence[Indexed]]:
        """Every silence that might match, each once: an alert has one value per label."""
        found: list[Sequence[Indexed]] = [self._scan]
        buckets, groups = self._buckets, self._groups
        for item in labels.items():
            bucket = buckets.get(item)
            if bucket:
                found.append(bucket)
            if item[1]:
                for chunk in groups.get(item[0], ()):
                    found.append(chunk.hits(item[1]))
        return found

    def list(self, now_ns: int, filters: Sequence[Matcher] = ()) -> builtins.list[Silence]:
        """Silences carrying every filter matcher, in the API's listing order."""
        kept = [e.silence for e in self._by_id.values() if has_filter_matchers(e.silence, filters)]
        kept.sort(key=lambda s: listing_key(s, now_ns))
        return kept

    def statistics(self) -> dict[str, int]:
        return {
            "silences": len(self._by_id),
            "buckets": len(self._buckets),
            "grouped": sum(len(c.entries) for cs in self._groups.values() for c in cs),
            "scan": len(self._scan),
            "retired": sum(1 for e in self._by_id.values() if e.kind == RETIRED),
        }


def _without(entries: tuple[Indexed, ...], entry: Indexed) -> tuple[Indexed, ...]:
    return tuple(e for e in entries if e is not entry)


def _matches(matchers: tuple[Matcher, ...], labels: Mapping[str, str]) -> bool:
    for m in matchers:
        if not m.matches(labels.get(m.name, "")):
            return False
    return True


class SilencesView:
    """An immutable read view of the silences at one version, safe to use from any thread.

    Made by :meth:`cluster.silences.Silences.snapshot` on the owner's thread;
    the API (``GET /api/v2/silences``) and the silencer read it.
    """

    __slots__ = ("version", "_index")

    def __init__(self, version: int, index: SilenceIndex) -> None:
        self.version = version
        self._index = index

    def get(self, sil_id: str) -> Silence | None:
        return self._index.get(sil_id)

    def list(self, now_ns: int, filters: Sequence[Matcher] = ()) -> builtins.list[Silence]:
        return self._index.list(now_ns, filters)

    def mutes(
        self, labels: Mapping[str, str], now_ns: int
    ) -> tuple[builtins.list[str], builtins.list[str]]:
        return self._index.mutes(labels, now_ns)

    @staticmethod
    def state(sil: Silence, now_ns: int) -> State:
        return api_state(sil, now_ns)

    def __len__(self) -> int:
        return len(self._index)

    def __iter__(self) -> Iterator[Silence]:
        return iter(self._index)

    def __repr__(self) -> str:
        return f"<SilencesView version={self.version} silences={len(self._index)}>"

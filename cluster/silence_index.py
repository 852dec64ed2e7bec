"""Finding the silences that match an alert without scanning all of them.

Each silence is filed under one of its non-empty equality matchers, the one
whose bucket was smallest when it was filed ("most selective"), so an alert's
candidates are the buckets of its own ``(name, value)`` pairs plus a short scan
list of silences that have no such matcher (regex- or negation-only ones).
Matchers are compiled once per silence (regexes are memoised by pattern in
:func:`gossamer.matchers.compile_anchored`).

Buckets and the scan list are tuples that are replaced, never mutated, so
:meth:`SilenceIndex.copy` is two shallow dict copies and the copy shares
nothing mutable with the original: :class:`SilencesView` wraps such a copy
and can be read from any thread while the owner keeps changing its index.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Literal

from gossamer.matchers import Matcher, MatchType

if TYPE_CHECKING:
    from cluster.silences import Silence

State = Literal["pending", "active", "expired"]
_SCAN: tuple[
    str, ...
] = ()  # bucket of silences without a usable equality matcher (no label item is ())
_EQUAL = 0  # silencepb.Matcher.EQUAL
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


class Indexed:
    """A silence, its compiled matchers and the bucket it is filed in (``None``: retired)."""

    __slots__ = ("silence", "matchers", "bucket")

    def __init__(
        self, silence: Silence, matchers: tuple[Matcher, ...], bucket: tuple[str, ...] | None
    ) -> None:
        self.silence = silence
        self.matchers = matchers
        self.bucket = bucket


class SilenceIndex:
    """Silences by id, plus the equality index used for matching.

    Mutated only by the owner of :class:`cluster.silences.Silences`; a
    :meth:`copy` is never mutated and may be shared with other threads.
    """

    __slots__ = ("_by_id", "_buckets")

    def __init__(self) -> None:
        self._by_id: dict[str, Indexed] = {}
        self._buckets: dict[tuple[str, ...], tuple[Indexed, ...]] = {}

    def copy(self) -> SilenceIndex:
        clone = SilenceIndex()
        clone._by_id = dict(self._by_id)
        clone._buckets = dict(self._buckets)
        return clone

    # -- writing (owner only) ------------------------------------------------

    def put(self, sil: Silence) -> None:
        """File ``sil``, replacing any silence with its id; its matchers must be valid."""
        self.remove(sil.id)
        matchers = tuple(m.to_matcher() for m in sil.matchers)
        entry = Indexed(sil, matchers, self._choose_bucket(sil))
        self._by_id[sil.id] = entry
        self._file(entry)

    def remove(self, sil_id: str) -> None:
        entry = self._by_id.pop(sil_id, None)
        if entry is not None:
            self._unfile(entry)

    def retire_ended(self, now_ns: int) -> int:
        """Stop matching silences that ended before ``now_ns`` (they stay listed until GC)."""
        ended = [
            e for e in self._by_id.values() if e.bucket is not None and e.silence.ends_at < now_ns
        ]
        for entry in ended:
            self._unfile(entry)
            self._by_id[entry.silence.id] = Indexed(entry.silence, entry.matchers, None)
        return len(ended)

    def _choose_bucket(self, sil: Silence) -> tuple[str, ...]:
        best, best_size = _SCAN, -1
        for m in sil.matchers:
            if m.type != _EQUAL or not m.pattern:  # name="" also matches a missing label
                continue
            size = len(self._buckets.get((m.name, m.pattern), ()))
            if best_size < 0 or size < best_size:
                best, best_size = (m.name, m.pattern), size
        return best

    def _file(self, entry: Indexed) -> None:
        if entry.bucket is not None:
            self._buckets[entry.bucket] = (*self._buckets.get(entry.bucket, ()), entry)

    def _unfile(self, entry: Indexed) -> None:
        if entry.bucket is None:
            return
        rest = tuple(e for e in self._buckets.get(entry.bucket, ()) if e is not entry)
        if rest:
            self._buckets[entry.bucket] = rest
        else:
            self._buckets.pop(entry.bucket, None)

    # -- reading (owner, or anyone on a copy) --------------------------------

    def get(self, sil_id: str) -> Silence | None:
        entry = self._by_id.get(sil_id)
        return entry.silence if entry is not None else None

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[Silence]:
        return (e.silence for e in self._by_id.values())

    def mutes(self, labels: Mapping[str, str], now_ns: int) -> tuple[list[str], list[str]]:
        """Ids of the active and of the pending silences whose matchers all match, sorted."""
        active: list[str] = []
        pending: list[str] = []
        buckets = self._buckets
        candidates = [buckets.get(_SCAN, ())]
        candidates.extend(buckets.get(item, ()) for item in labels.items())
        for bucket in candidates:
            for entry in bucket:
                sil = entry.silence
                if now_ns > sil.ends_at or not _matches(entry.matchers, labels):
                    continue
                (pending if now_ns < sil.starts_at else active).append(sil.id)
        active.sort()
        pending.sort()
        return active, pending

    def list(self, now_ns: int, filters: Sequence[Matcher] = ()) -> builtins.list[Silence]:
        """Silences carrying every filter matcher, in the API's listing order."""
        kept = [e.silence for e in self._by_id.values() if has_filter_matchers(e.silence, filters)]
        kept.sort(key=lambda s: listing_key(s, now_ns))
        return kept

    def statistics(self) -> dict[str, int]:
        scan = len(self._buckets.get(_SCAN, ()))
        filed = sum(len(b) for b in self._buckets.values())
        return {
            "silences": len(self._by_id),
            "buckets": len(self._buckets) - (1 if scan else 0),
            "scan": scan,
            "retired": len(self._by_id) - filed,
        }


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

"""Silences: Alertmanager 0.25's ``silence`` package (state.md §2).

:class:`Silences` is owned by the silencer actor: every method runs on that
actor's thread and none is thread-safe. Other threads (the API, the silence
stage) read a :class:`SilencesView` from :meth:`Silences.snapshot`, which never
changes once made. Times are integer nanoseconds; the clock is the caller's
``now_ns``.

Differences from Alertmanager, on purpose:

* a local write's ``updated_at`` is ``max(now, previous updated_at + 1ns)``.
  Alertmanager stores ``now`` through its gossip merge rule, which silently
  drops the write (yet answers 200) when the clock stepped back or two writes
  share a timestamp; this way a write is never lost and peers still converge;
* silences that fail validation are refused on merge and load (Alertmanager
  keeps them and then fails every query that meets them); they are counted
  in ``statistics()["rejected"]``.
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

import msgspec

from cluster.silence_index import SilenceIndex, SilencesView, State, api_state, state_at
from gossamer.errors import GossamerError, MatcherError, ValidationError
from gossamer.gostrconv import go_quote
from gossamer.labels import is_valid_label_name
from gossamer.matchers import Matcher, MatchType, compile_regex, new_matcher
from gossamer.timefmt import NS

__all__ = [
    "EQUAL",
    "NOT_EQUAL",
    "NOT_REGEXP",
    "REGEXP",
    "Silence",
    "SilenceError",
    "SilenceMatcher",
    "SilenceNotFound",
    "Silences",
    "SilencesView",
    "check_postable",
    "decode_silences",
    "encode_silences",
    "validate",
]

WIRE_VERSION = 1

# silencepb.Matcher.Type: note REGEXP=1 and NOT_EQUAL=2, unlike MatchType's order.
EQUAL, REGEXP, NOT_EQUAL, NOT_REGEXP = 0, 1, 2, 3
_TO_MATCH_TYPE = {
    EQUAL: MatchType.EQUAL,
    REGEXP: MatchType.REGEX,
    NOT_EQUAL: MatchType.NOT_EQUAL,
    NOT_REGEXP: MatchType.NOT_REGEX,
}
_FROM_MATCH_TYPE = {v: k for k, v in _TO_MATCH_TYPE.items()}


class SilenceError(ValidationError):
    """A silence was refused; the message is Alertmanager's, ready for an API 400 body."""


class SilenceNotFound(GossamerError):
    """No silence has the given id (``POST`` answers 404, ``DELETE`` 500, as Alertmanager)."""

    def __init__(self, message: str = "silence not found") -> None:
        super().__init__(message)


class SilenceMatcher(msgspec.Struct, frozen=True, array_like=True):
    """One matcher of a silence, as ``silencepb.Matcher`` (``type`` uses its numbering)."""

    type: int
    name: str
    pattern: str

    @classmethod
    def from_api(
        cls, name: str, value: str, is_regex: bool, is_equal: bool = True
    ) -> SilenceMatcher:
        """From an API matcher (``isEqual`` defaults to true when omitted)."""
        if is_regex:
            return cls(REGEXP if is_equal else NOT_REGEXP, name, value)
        return cls(EQUAL if is_equal else NOT_EQUAL, name, value)

    @classmethod
    def from_matcher(cls, m: Matcher) -> SilenceMatcher:
        return cls(_FROM_MATCH_TYPE[m.type], m.name, m.value)

    @property
    def is_equal(self) -> bool:
        return self.type in (EQUAL, REGEXP)

    @property
    def is_regex(self) -> bool:
        return self.type in (REGEXP, NOT_REGEXP)

    def to_matcher(self) -> Matcher:
        """The compiled label matcher (regexes anchored); ``MatcherError`` if invalid."""
        return new_matcher(self.name, _TO_MATCH_TYPE[self.type], self.pattern)


class Silence(msgspec.Struct, frozen=True, array_like=True):
    """One silence (``silencepb.MeshSilence`` flattened); times in ns, ``expires_at`` = end + retention."""

    id: str
    matchers: tuple[SilenceMatcher, ...]
    starts_at: int
    ends_at: int
    updated_at: int = 0
    created_by: str = ""
    comment: str = ""
    expires_at: int = 0


class SilenceRecords(msgspec.Struct, frozen=True, array_like=True, tag="sil"):
    """A versioned batch of silences: a delta, a full state or a journal record."""

    version: int
    silences: list[Silence]


_ENCODER = msgspec.msgpack.Encoder()
_DECODER = msgspec.msgpack.Decoder(SilenceRecords)


def encode_silences(silences: Iterable[Silence]) -> bytes:
    return _ENCODER.encode(SilenceRecords(WIRE_VERSION, list(silences)))


def decode_silences(data: bytes) -> list[Silence]:
    """Decode a batch of silences; ``ValueError`` when the bytes are not one."""
    try:
        records = _DECODER.decode(data)
    except msgspec.DecodeError as exc:
        raise ValueError(f"undecodable silence records: {exc}") from exc
    if records.version != WIRE_VERSION:
        raise ValueError(f"unsupported silence record version {records.version}")
    return records.silences


# -- validation (silence.go validateSilence / validateMatcher) ----------------


def _regex_problem(pattern: str) -> str | None:
    """Go's ``regexp.Compile(pattern)`` error. Alertmanager validates the pattern
    unanchored, so the error quotes ``(`` where a matcher's would quote ``^(?:()$``."""
    try:
        compile_regex(pattern)
    except MatcherError as exc:
        return str(exc)
    return None


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _matcher_problem(m: SilenceMatcher) -> str | None:
    if not is_valid_label_name(m.name):
        return f"invalid label name {go_quote(m.name)}"
    if m.type in (EQUAL, NOT_EQUAL):
        if not _is_utf8(m.pattern):
            return f"invalid label value {go_quote(m.pattern)}"
        return None
    if m.type in (REGEXP, NOT_REGEXP):
        error = _regex_problem(m.pattern)
        if error is None:
            error = _anchored_problem(m)
        return (
            None if error is None else f"invalid regular expression {go_quote(m.pattern)}: {error}"
        )
    return f'unknown matcher type "{m.type}"'


def _anchored_problem(m: SilenceMatcher) -> str | None:
    """The anchored form is what matches; refuse the rare pattern only it rejects."""
    try:
        m.to_matcher()
    except MatcherError as exc:
        return str(exc)
    return None


def _matches_empty(m: SilenceMatcher) -> bool:
    """``matchesEmpty``: only ``=""`` and regexes matching ""; negations never count."""
    if m.type == EQUAL:
        return m.pattern == ""
    if m.type == REGEXP:
        return m.to_matcher().matches("")
    return False


def _problem(sil: Silence) -> str | None:
    """The first thing wrong with ``sil`` in Alertmanager's check order, or ``None``."""
    if not sil.id:
        return "ID missing"
    if not sil.matchers:
        return "at least one matcher required"
    for i, m in enumerate(sil.matchers):
        error = _matcher_problem(m)
        if error is not None:
            return f"invalid label matcher {i}: {error}"
    if all(_matches_empty(m) for m in sil.matchers):
        return "at least one matcher must not match the empty string"
    if sil.starts_at == 0:
        return "invalid zero start timestamp"
    if sil.ends_at == 0:
        return "invalid zero end timestamp"
    if sil.ends_at < sil.starts_at:
        return "end time must not be before start time"
    if sil.updated_at == 0:
        return "invalid zero update timestamp"
    return None


def validate(sil: Silence) -> None:
    """Raise :class:`SilenceError` (``silence invalid: ...``) if ``sil`` may not be stored."""
    error = _problem(sil)
    if error is not None:
        raise SilenceError(f"silence invalid: {error}")


def check_postable(starts_at: int, ends_at: int, now_ns: int) -> None:
    """The API's checks before ``Set`` (``POST /api/v2/silences``; HTTP 400)."""
    if starts_at >= ends_at:
        raise SilenceError("Failed to create silence: start time must be before end time")
    if ends_at < now_ns:
        raise SilenceError("Failed to create silence: end time can't be in the past")


def _can_update(prev: Silence, sil: Silence, now_ns: int) -> bool:
    """``canUpdate``: may ``sil`` replace ``prev`` in place, keeping its id?"""
    if prev.matchers != sil.matchers:
        return False
    state = state_at(prev, now_ns)
    if state == "active":
        # Go compares Unix() seconds: the stored start, to the second, must be repeated.
        return sil.starts_at // NS == prev.starts_at // NS and sil.ends_at >= now_ns
    if state == "pending":
        return sil.starts_at >= now_ns
    return False


def _new_uuid() -> str:
    return str(uuid.uuid4())


class Silences:
    """The silences by id, with Alertmanager's set, expire, merge and retention rules.

    Implements :class:`cluster.state.ReplicatedState` (key ``sil``).
    ``version`` goes up with every change, so readers can cache on it.
    """

    key = "sil"

    def __init__(self, retention_s: float, new_id: Callable[[], str] = _new_uuid) -> None:
        self._retention_ns = int(retention_s * NS)
        self._new_id = new_id
        self._index = SilenceIndex()
        self._deltas: list[Silence] = []
        self._view: SilencesView | None = None
        self.version = 0
        self.rejected = 0

    # -- reading --------------------------------------------------------------

    def get(self, sil_id: str) -> Silence | None:
        return self._index.get(sil_id)

    def list(self, now_ns: int, filters: Sequence[Matcher] = ()) -> builtins.list[Silence]:
        """Silences for ``GET /api/v2/silences``: filtered by exact matchers, sorted (§2.8)."""
        return self._index.list(now_ns, filters)

    @staticmethod
    def state(sil: Silence, now_ns: int) -> State:
        """The API's ``status.state`` (end exclusive)."""
        return api_state(sil, now_ns)

    def mutes(
        self, labels: Mapping[str, str], now_ns: int
    ) -> tuple[builtins.list[str], builtins.list[str]]:
        """Sorted ids of the active and of the pending silences matching ``labels``."""
        return self._index.mutes(labels, now_ns)

    def snapshot(self) -> SilencesView:
        """An immutable view for other threads; made at most once per version."""
        if self._view is None:
            self._view = SilencesView(self.version, self._index.copy())
        return self._view

    def __len__(self) -> int:
        return len(self._index)

    def __iter__(self) -> Iterator[Silence]:
        return iter(self._index)

    # -- writing --------------------------------------------------------------

    def set(self, sil: Silence, now_ns: int) -> str:
        """Create or update a silence (``Silences.Set``, state.md §2.4); returns its id.

        Raises :class:`SilenceNotFound` for an unknown id and :class:`SilenceError`
        when the result is invalid. As in Alertmanager, a silence that cannot be
        updated in place is expired *before* its replacement is validated, so an
        invalid replacement still ends the old silence: call :meth:`take_deltas`
        after a failed ``set`` too. ``updated_at`` and ``expires_at`` are ignored.
        """
        sil = msgspec.structs.replace(sil, matchers=tuple(sil.matchers))
        prev = self._index.get(sil.id) if sil.id else None
        if sil.id and prev is None:
            raise SilenceNotFound()
        if prev is not None:
            if _can_update(prev, sil, now_ns):
                self._store(sil, now_ns)
                return sil.id
            if state_at(prev, now_ns) != "expired":
                self._expire(prev, now_ns)
        sil = msgspec.structs.replace(sil, id=self._new_id(), starts_at=max(sil.starts_at, now_ns))
        self._store(sil, now_ns)
        return sil.id

    def expire(self, sil_id: str, now_ns: int) -> None:
        """End a silence now (``DELETE``); a no-op if already expired, else ``SilenceNotFound``."""
        prev = self._index.get(sil_id)
        if prev is None:
            raise SilenceNotFound()
        if state_at(prev, now_ns) != "expired":
            self._expire(prev, now_ns)

    def _expire(self, prev: Silence, now_ns: int) -> None:
        if state_at(prev, now_ns) == "pending":
            self._store(msgspec.structs.replace(prev, starts_at=now_ns, ends_at=now_ns), now_ns)
        else:
            self._store(msgspec.structs.replace(prev, ends_at=now_ns), now_ns)

    def _store(self, sil: Silence, now_ns: int) -> None:
        prev = self._index.get(sil.id)
        updated_at = now_ns if prev is None else max(now_ns, prev.updated_at + 1)
        sil = msgspec.structs.replace(sil, updated_at=updated_at)
        validate(sil)
        sil = msgspec.structs.replace(sil, expires_at=sil.ends_at + self._retention_ns)
        self._index.put(sil)
        self._deltas.append(sil)
        self._changed()

    def _changed(self) -> None:
        self.version += 1
        self._view = None

    def gc(self, now_ns: int) -> int:
        """Drop silences whose ``expires_at`` has passed; returns how many.

        Also stops matching silences that have ended (they stay listed), so
        the match index does not fill with expired silences between GCs.
        """
        gone = [s.id for s in self._index if s.expires_at <= now_ns]
        for sil_id in gone:
            self._index.remove(sil_id)
        if gone:
            self._changed()
        if self._index.retire_ended(now_ns):
            self._view = None
        return len(gone)

    # -- replication and disk ---------------------------------------------------

    def merge_silences(self, silences: Iterable[Silence], now_ns: int) -> builtins.list[Silence]:
        """Accept unexpired silences newer than ours (``state.merge``); returns those taken."""
        changed = []
        for sil in silences:
            if sil.expires_at < now_ns:
                continue
            current = self._index.get(sil.id)
            if current is not None and current.updated_at >= sil.updated_at:
                continue
            if self._accept(sil):
                changed.append(sil)
        return changed

    def load(self, silences: Iterable[Silence]) -> None:
        """Take silences read back from disk: later ``updated_at`` wins, nothing expires here."""
        for sil in silences:
            current = self._index.get(sil.id)
            if current is None or current.updated_at <= sil.updated_at:
                self._accept(sil)
        self._changed()

    def _accept(self, sil: Silence) -> bool:
        if _problem(sil) is not None:
            self.rejected += 1
            return False
        self._index.put(sil)
        self._changed()
        return True

    def encode_full(self) -> bytes:
        return encode_silences(self._index)

    def merge(self, data: bytes, now_ns: int) -> builtins.list[bytes]:
        changed = self.merge_silences(decode_silences(data), now_ns)
        return [encode_silences(changed)] if changed else []

    def take_deltas(self) -> builtins.list[bytes]:
        """Local changes since the last call, as one record (to journal and broadcast)."""
        if not self._deltas:
            return []
        deltas, self._deltas = self._deltas, []
        return [encode_silences(deltas)]

    def statistics(self) -> dict[str, int]:
        return {
            **self._index.statistics(),
            "version": self.version,
            "pending_deltas": len(self._deltas),
            "rejected": self.rejected,
        }

    def __repr__(self) -> str:
        return (
            f"<Silences silences={len(self._index)} version={self.version} "
            f"pending_deltas={len(self._deltas)}>"
        )

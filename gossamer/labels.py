"""Label sets: fingerprints, nflog alert hashes, Go's text form and ordering.

A label set is a plain ``dict[str, str]`` that nobody mutates once built.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from sys import intern

import fnv_c
import msgspec
import xxhash

from gossamer.gostrconv import go_quote

LabelSet = Mapping[str, str]

_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")
_VALID_NAMES: set[str] = set()
_SORTED_JSON = msgspec.json.Encoder(order="sorted")
_MEMO_LIMIT = 1 << 18


def is_valid_label_name(name: str) -> bool:
    """Whether ``name`` matches ``^[a-zA-Z_][a-zA-Z0-9_]*$`` (memoised: names repeat)."""
    if name in _VALID_NAMES:
        return True
    if _LABEL_NAME.match(name) is None:
        return False
    if len(_VALID_NAMES) < 100_000:
        _VALID_NAMES.add(name)
    return True


def _signature_bytes(labels: LabelSet) -> bytes:
    """``name 0xff value 0xff`` for every label, names sorted bytewise (prometheus/common)."""
    parts = bytearray()
    for name in sorted(labels, key=str.encode):
        parts += name.encode()
        parts += b"\xff"
        parts += labels[name].encode()
        parts += b"\xff"
    return bytes(parts)


def fingerprint(labels: dict[str, str]) -> int:
    """Alertmanager's ``LabelSet.Fingerprint()``: 64-bit FNV-1a, memoised by ``canonical``."""
    return canonical(labels)[0]


_CANON: dict[int, tuple[int, dict[str, str]]] = {}


def canonical(labels: dict[str, str]) -> tuple[int, dict[str, str]]:
    """The fingerprint of ``labels`` and one shared, interned copy of them.

    Prometheus re-sends each alert every cycle; a re-sent label set gets the copy
    made the first time, so it costs one dict lookup and no new strings. Nobody
    mutates label dicts, so sharing them is safe. The memo is keyed on the sorted
    JSON hashed down to an int (a 64-bit collision among 100k entries is ~1e-9
    likely) and bounded: it is cleared when full.
    """
    key = hash(_SORTED_JSON.encode(labels))
    hit = _CANON.get(key)
    if hit is not None:
        return hit
    shared = {intern(k): intern(v) for k, v in labels.items()}
    entry = (fnv_c.fnv1a_64(_signature_bytes(shared)), shared)
    if len(_CANON) >= _MEMO_LIMIT:
        _CANON.clear()
    _CANON[key] = entry
    return entry


def all_valid_names(names: Iterable[str]) -> bool:
    """Whether every name is a valid label name (a C-level subset test when all were seen before)."""
    return _VALID_NAMES.issuperset(names) or all(is_valid_label_name(n) for n in names)


def fingerprint_hex(fp: int) -> str:
    """The 16-digit lower-case hex form used in the API and webhooks."""
    return f"{fp:016x}"


def alert_hash(labels: LabelSet) -> int:
    """The nflog hash of an alert: xxhash64 (seed 0) of the signature bytes (state.md §1.2)."""
    return xxhash.xxh64_intdigest(_signature_bytes(labels))


@functools.lru_cache(maxsize=65536)
def _label_set_string(items: tuple[tuple[str, str], ...]) -> str:
    pairs = sorted(f"{name}={go_quote(value)}" for name, value in items)
    return "{" + ", ".join(pairs) + "}"


def label_set_string(labels: LabelSet) -> str:
    """Go's ``model.LabelSet.String()``: ``{a="1", b="2"}`` with pairs sorted as strings."""
    return _label_set_string(tuple(labels.items()))


def label_set_before(a: LabelSet, b: LabelSet) -> bool:
    """Go's ``LabelSet.Before``: fewer labels first; for equal counts walk the sorted
    union of names: the set missing a name first sorts first, else the smaller value."""
    if len(a) != len(b):
        return len(a) < len(b)
    for name in sorted({*a, *b}):
        if name not in a:
            return True
        if name not in b:
            return False
        if a[name] != b[name]:
            return a[name] < b[name]
    return False


def compare_label_sets(a: LabelSet, b: LabelSet) -> int:
    """A ``cmp`` function for ``functools.cmp_to_key`` built on ``label_set_before``."""
    if label_set_before(a, b):
        return -1
    if label_set_before(b, a):
        return 1
    return 0

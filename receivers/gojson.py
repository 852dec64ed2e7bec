"""JSON bytes exactly as Go's ``encoding/json`` writes them.

Alertmanager encodes webhook bodies with ``json.NewEncoder(w).Encode(v)``
(Go 1.19 in the 0.25.0 release): compact output, map keys sorted, struct
fields in declared order, and ``SetEscapeHTML(true)``, so ``<``, ``>`` and
``&`` become ``\\u003c``, ``\\u003e``, ``\\u0026`` and U+2028/U+2029 become
``\\u2028``/``\\u2029``. Go before 1.22 writes backspace and form feed as
``\\u0008``/``\\u000c`` where msgspec writes ``\\b``/``\\f``. Everything else
(``/`` and DEL unescaped, other control bytes as lower-case ``\\u00XX``)
already matches msgspec.

These are pure functions: they run on whatever thread calls them and hold no
state besides a shared, thread-safe msgspec encoder.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

__all__ = ["encode", "encode_line"]

# "deterministic" sorts dict keys (code-point order, which is UTF-8 byte order
# and so Go's order) but keeps Struct fields in their declared order.
_ENCODER = msgspec.json.Encoder(order="deterministic")

_PLAIN_REPLACEMENTS = (
    (b"<", b"\\u003c"),
    (b">", b"\\u003e"),
    (b"&", b"\\u0026"),
    (b"\xe2\x80\xa8", b"\\u2028"),
    (b"\xe2\x80\xa9", b"\\u2029"),
)
# Scan escape pairs left to right so that an escaped backslash followed by a
# literal "b" (the bytes \\b) is never mistaken for the escape \b.
_SHORT_ESCAPE = re.compile(rb"\\[\\bf]")
_GO_SHORT_ESCAPES = {b"\\\\": b"\\\\", b"\\b": b"\\u0008", b"\\f": b"\\u000c"}
_SURROGATE = re.compile("[\ud800-\udfff]")


def _go_short_escape(match: re.Match[bytes]) -> bytes:
    return _GO_SHORT_ESCAPES[match.group()]


def _replace_surrogates(value: Any) -> Any:
    """Go strings are bytes; ill-formed text comes out as U+FFFD. Python can hold
    lone surrogates, which cannot be UTF-8 encoded at all, so replace them."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_replace_surrogates(k): _replace_surrogates(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_replace_surrogates(v) for v in value]
    return value


def _raw(obj: Any) -> bytes:
    try:
        return _ENCODER.encode(obj)
    except UnicodeEncodeError:
        return _ENCODER.encode(_replace_surrogates(msgspec.to_builtins(obj)))


def encode(obj: Any) -> bytes:
    """Compact JSON as Go's ``json.Marshal`` would produce it (HTML-escaped)."""
    out = _raw(obj)
    for plain, escaped in _PLAIN_REPLACEMENTS:
        if plain in out:
            out = out.replace(plain, escaped)
    if b"\\b" in out or b"\\f" in out:
        out = _SHORT_ESCAPE.sub(_go_short_escape, out)
    return out


def encode_line(obj: Any) -> bytes:
    """``json.NewEncoder(w).Encode(obj)``: ``encode(obj)`` plus a trailing newline."""
    return encode(obj) + b"\n"

"""The values of command-line flags, read as the Go functions behind kingpin read them.

Each parser takes the flag's text and returns its value, or raises ``ValueError``
with the wording of the Go function it copies (``time: invalid duration "1d"``,
``strconv.ParseFloat: parsing "x": invalid syntax``). ``PARSERS`` maps each flag
kind of ``gossamer.flags.FLAGS`` to its parser.

Pure; runs on the main thread when the flags are parsed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from gossamer.config.scalars import parse_prom_duration
from gossamer.errors import ConfigError
from gossamer.gostrconv import go_quote
from gossamer.logs import LOG_FORMATS, LOG_LEVELS

__all__ = ["PARSERS", "MiB", "parse_duration", "parse_go_duration"]

MiB = 1024 * 1024

_GO_UNITS_NS = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,  # MICRO SIGN
    "\u03bcs": 1_000,  # GREEK SMALL LETTER MU
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_GO_PART = re.compile(r"([0-9]*)(?:\.([0-9]*))?([^0-9.]*)")
_NS_LIMIT = 1 << 63


def parse_go_duration(text: str) -> float:
    """Go's ``time.ParseDuration`` ("1.5h", "1h30m", "-300ms", "0"), in seconds.

    This is what kingpin's ``Duration()`` flags accept. Raises ``ValueError``.
    """
    return _go_duration_ns(text) / 1e9


def _go_duration_ns(text: str) -> int:
    invalid = ValueError(f"time: invalid duration {go_quote(text)}")
    negative = text.startswith("-")
    rest = text[1:] if text[:1] in ("-", "+") else text
    if rest == "0":
        return 0
    if not rest:
        raise invalid
    total = 0
    while rest:
        match = _GO_PART.match(rest)
        assert match is not None  # every group may be empty
        whole, frac, unit = match.groups()
        if not whole and not frac:
            raise invalid
        if not unit:
            raise ValueError(f"time: missing unit in duration {go_quote(text)}")
        if unit not in _GO_UNITS_NS:
            raise ValueError(f"time: unknown unit {go_quote(unit)} in duration {go_quote(text)}")
        scale = _GO_UNITS_NS[unit]
        value = int(whole or "0")
        if value > _NS_LIMIT // scale:
            raise invalid
        value *= scale
        if frac:
            value += int(frac) * scale // 10 ** len(frac)
        total += value
        if total > _NS_LIMIT:
            raise invalid
        rest = rest[match.end() :]
    if not negative and total == _NS_LIMIT:
        raise invalid
    return -total if negative else total


def parse_duration(text: str) -> float:
    """Prometheus ``model.ParseDuration`` ("15s", "1h30m", "2d", "0"), in seconds: the
    config's parser (``gossamer.config.scalars``), raising ``ValueError`` for flags."""
    try:
        return parse_prom_duration(text)
    except ConfigError as exc:
        raise ValueError(str(exc)) from None


_DEC = r"[0-9](?:_?[0-9])*"
_HEX = r"[0-9a-fA-F](?:_?[0-9a-fA-F])*"
_GO_FLOAT = re.compile(
    rf"[+-]?(?:(?P<dec>(?:{_DEC}(?:\.(?:{_DEC})?)?|\.{_DEC})(?:[eE][+-]?{_DEC})?)"
    rf"|(?P<hex>0[xX](?:_?{_HEX}(?:\.(?:{_HEX})?)?|\.{_HEX})[pP][+-]?{_DEC})"
    r"|(?P<inf>(?i:inf|infinity)))\Z|(?i:nan)\Z"
)


def _go_float(text: str) -> float:
    """Go's ``strconv.ParseFloat(text, 64)``, with its syntax and error wording."""
    match = _GO_FLOAT.match(text)
    if match is None:
        raise ValueError(f"strconv.ParseFloat: parsing {go_quote(text)}: invalid syntax")
    digits = text.replace("_", "")
    try:
        value = float.fromhex(digits) if match["hex"] else float(digits)
    except OverflowError:
        value = math.inf
    if math.isinf(value) and not match["inf"]:
        raise ValueError(f"strconv.ParseFloat: parsing {go_quote(text)}: value out of range")
    return value


def _kingpin_int(text: str) -> int:
    """Kingpin's ``Int()``: parsed as a float, then Go's ``int(f)`` conversion."""
    value = _go_float(text)
    # On amd64, Go turns NaN, infinities and out-of-range floats into math.MinInt64.
    if math.isfinite(value) and -_NS_LIMIT <= value < _NS_LIMIT:
        return int(value)
    return -_NS_LIMIT


_BYTES = re.compile(r"([0-9]+)(B|KB|KiB|MB|MiB|GB|GiB)?\Z")
_BYTE_UNITS = {None: 1, "B": 1, "KB": 1024, "KiB": 1024, "MB": MiB, "MiB": MiB}
_BYTE_UNITS |= {"GB": 1024 * MiB, "GiB": 1024 * MiB}


def _byte_size(text: str) -> int:
    """A positive size in bytes: "16777216", "512KiB", "16MiB" (units are powers of 1024)."""
    match = _BYTES.match(text)
    size = int(match[1]) * _BYTE_UNITS[match[2]] if match else 0
    if size <= 0:
        raise ValueError("want a positive size in bytes, like 1048576 or 16MiB")
    return size


def _choice(what: str, allowed: tuple[str, ...]) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text not in allowed:
            raise ValueError(f"unrecognized {what} {go_quote(text)} (one of: {', '.join(allowed)})")
        return text

    return parse


PARSERS: dict[str, Callable[[str], Any]] = {
    "str": str,
    "strings": str,
    "bool": lambda text: text == "true",
    "duration": parse_go_duration,
    "int": _kingpin_int,
    "bytes": _byte_size,
    "level": _choice("log level", LOG_LEVELS),
    "format": _choice("log format", LOG_FORMATS),
}

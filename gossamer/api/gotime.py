"""``strfmt.DateTime`` as go-openapi parses and checks it (``startsAt``/``endsAt``).

``ParseDateTime`` tries ten layouts with Go's ``time.Parse`` and, when all fail,
reports the error of the last one (``"2006-01-02 15:04:05"``), worded as Go
1.19 words it: ``parsing time "x" as "2006-01-02 15:04:05": cannot parse "x" as
"2006"``. The empty string is the Unix epoch, not Go's zero time. Layouts
without a zone read as UTC; a numeric offset is kept, because Go prints it back.

Prometheus sends RFC 3339 with up to nine fractional digits; that form is read
by one regular expression and memoised, and only other text runs the port of
Go's layout parser. Pure functions, safe on any thread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gossamer.timefmt import NS, format_api

__all__ = [
    "GO_ZERO_NS",
    "DateTimeError",
    "format_millis",
    "is_openapi_datetime",
    "parse_datetime",
    "unless_zero",
]

EPOCH = (0, 0)
#: Go's zero ``time.Time`` (0001-01-01T00:00:00Z): ``IsZero()`` whatever its offset.
GO_ZERO_NS = -62135596800 * NS


class DateTimeError(ValueError):
    """A Go ``*time.ParseError``; ``str()`` is its message."""


# One layout chunk: the literal text before a field, and the field itself
# (``None`` for the end of the layout). Field names are Go's layout elements.
Chunk = tuple[str, str | None]


_DATE: tuple[Chunk, ...] = (("", "2006"), ("-", "01"), ("-", "02"))
_CLOCK: tuple[Chunk, ...] = (("T", "15"), (":", "04"), (":", "05"))
LAYOUTS: tuple[tuple[str, tuple[Chunk, ...]], ...] = (
    ("2006-01-02T15:04:05.000000Z07:00", (*_DATE, *_CLOCK, ("", ".000000"), ("", "Z07:00"), ("", None))),
    ("2006-01-02T15:04:05.000000Z0700", (*_DATE, *_CLOCK, ("", ".000000"), ("", "Z0700"), ("", None))),
    ("2006-01-02T15:04:05.000Z07:00", (*_DATE, *_CLOCK, ("", ".000"), ("", "Z07:00"), ("", None))),
    ("2006-01-02T15:04:05.000Z0700", (*_DATE, *_CLOCK, ("", ".000"), ("", "Z0700"), ("", None))),
    ("2006-01-02T15:04:05Z07:00", (*_DATE, *_CLOCK, ("", "Z07:00"), ("", None))),
    ("2006-01-02T15:04:05.999999999Z07:00", (*_DATE, *_CLOCK, ("", ".999999999"), ("", "Z07:00"), ("", None))),
    ("2006-01-02T15:04:05", (*_DATE, *_CLOCK, ("", None))),
    ("2006-01-02T15:04Z", (*_DATE, ("T", "15"), (":", "04"), ("Z", None))),
    ("2006-01-02T15:04", (*_DATE, ("T", "15"), (":", "04"), ("", None))),
    ("2006-01-02 15:04:05", (*_DATE, (" ", "15"), (":", "04"), (":", "05"), ("", None))),
)  # fmt: skip

_FAST = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?"
    r"(?:Z|([+-])([0-9]{2}):([0-9]{2}))\Z"
)
_CACHE: dict[str, tuple[int, int]] = {}
_CACHE_LIMIT = 65536
_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class _Bad(Exception):
    """Go's ``errBad``, or a range error when ``message`` is set."""

    def __init__(self, rest: str, message: str = "") -> None:
        self.rest, self.message = rest, message


def _quote(s: str) -> str:
    """Go 1.19 ``time.quote`` of byte text: every byte outside printable ASCII as ``\\xNN``."""
    out = ['"']
    for ch in s:
        if ch >= "\x80" or ch < " ":
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append("\\" + ch if ch in '"\\' else ch)
    out.append('"')
    return "".join(out)


def _days_in(month: int, year: int) -> int:
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _DAYS[month - 1]


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (any year, incl. 0)."""
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _to_ns(fields: list[int], offset: int) -> int:
    year, month, day, hour, minute, second, nsec = fields
    days = _days_from_civil(year, month, day)
    return ((days * 86400 + hour * 3600 + minute * 60 + second) - offset) * NS + nsec


def parse_datetime(text: str) -> tuple[int, int]:
    """``strfmt.ParseDateTime``: (nanoseconds since the epoch, UTC offset in seconds).

    Raises :class:`DateTimeError` with Go's message when no layout fits.
    """
    cached = _CACHE.get(text)
    if cached is not None:
        return cached
    value = _fast(text)
    if value is None:
        value = _slow(text)
    if len(_CACHE) >= _CACHE_LIMIT:
        _CACHE.clear()
    _CACHE[text] = value
    return value


def _fast(text: str) -> tuple[int, int] | None:
    """RFC 3339 as Prometheus writes it, when every field is in range (Go agrees then)."""
    m = _FAST.match(text)
    if m is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in m.group(1, 2, 3, 4, 5, 6))
    if not (1 <= month <= 12 and 1 <= day <= _days_in(month, year)):
        return None
    if hour >= 24 or minute >= 60 or second >= 60:
        return None
    frac = m.group(7) or ""
    nsec = int(frac.ljust(9, "0")) if frac else 0
    offset = 0
    if m.group(8):
        offset = int(m.group(9)) * 3600 + int(m.group(10)) * 60
        offset = -offset if m.group(8) == "-" else offset
    return _to_ns([year, month, day, hour, minute, second, nsec], offset), offset


def _slow(text: str) -> tuple[int, int]:
    if text == "":
        return EPOCH
    error: DateTimeError | None = None
    # Go parses bytes: work on the UTF-8 bytes, one character per byte.
    raw = text.encode("utf-8", "surrogatepass").decode("latin-1")
    for layout, chunks in LAYOUTS:
        try:
            return _GoParse(layout, raw).run(chunks)
        except DateTimeError as exc:
            error = exc
    assert error is not None
    raise error


def _is_digit(s: str, i: int) -> bool:
    return i < len(s) and "0" <= s[i] <= "9"


def _getnum(s: str, fixed: bool) -> tuple[int, str]:
    if not _is_digit(s, 0):
        raise _Bad(s)
    if not _is_digit(s, 1):
        if fixed:
            raise _Bad(s)
        return int(s[0]), s[1:]
    return int(s[:2]), s[2:]


def _atoi(s: str) -> int:
    """Go's ``time.atoi``: an optional sign, then digits only (none is 0)."""
    neg = s[:1] == "-"
    if s[:1] in ("-", "+"):
        s = s[1:]
    digits = len(s) - len(s.lstrip("0123456789"))
    if digits != len(s):
        raise ValueError(s)
    x = int(s) if s else 0
    return -x if neg else x


@dataclass
class _GoParse:
    """One run of Go's ``time.parse`` over one layout."""

    layout: str
    text: str

    def error(self, elem: str, rest: str, message: str = "") -> DateTimeError:
        if message:
            return DateTimeError(f"parsing time {_quote(self.text)}{message}")
        return DateTimeError(
            f"parsing time {_quote(self.text)} as {_quote(self.layout)}: "
            f"cannot parse {_quote(rest)} as {_quote(elem)}"
        )

    def run(self, chunks: tuple[Chunk, ...]) -> tuple[int, int]:
        value = self.text
        fields = [0, 0, 0, 0, 0, 0, 0]  # year month day hour minute second nsec
        offset: int | None = None
        for index, (prefix, elem) in enumerate(chunks):
            ok, value = _skip(value, prefix)
            if not ok:
                raise self.error(prefix, value)
            if elem is None:
                if value:
                    raise self.error("", value, f": extra text: {_quote(value)}")
                break
            try:
                value, zone = self.field(elem, value, fields, chunks[index + 1])
            except _Bad as bad:
                if bad.message:
                    raise self.error(elem, bad.rest, f": {bad.message} out of range") from None
                raise self.error(elem, bad.rest) from None
            offset = zone if zone is not None else offset
        if fields[2] < 1 or fields[2] > _days_in(fields[1], fields[0]):
            raise self.error("", value, ": day out of range")
        return _to_ns(fields, offset or 0), offset or 0

    def field(
        self, elem: str, value: str, fields: list[int], after: Chunk
    ) -> tuple[str, int | None]:
        """Parse one layout element into ``fields``; the rest of the text and any zone offset."""
        if elem == "2006":
            if len(value) < 4 or not _is_digit(value, 0):
                raise _Bad(value)
            try:
                fields[0] = _atoi(value[:4])
            except ValueError:
                raise _Bad(value[4:]) from None
            return value[4:], None
        if elem in ("01", "02", "04"):
            number, rest = _getnum(value, True)
            index = {"01": 1, "02": 2, "04": 4}[elem]
            fields[index] = number
            if elem == "01" and not 1 <= number <= 12:
                raise _Bad(rest, "month")
            if elem == "04" and number >= 60:
                raise _Bad(rest, "minute")
            return rest, None
        if elem == "15":
            fields[3], rest = _getnum(value, False)
            if fields[3] >= 24:
                raise _Bad(rest, "hour")
            return rest, None
        if elem == "05":
            return self.seconds(value, fields, after), None
        if elem.startswith("."):
            return self.fraction(elem, value, fields), None
        return _zone(elem, value)

    def seconds(self, value: str, fields: list[int], after: Chunk) -> str:
        fields[5], value = _getnum(value, True)
        if fields[5] >= 60:
            raise _Bad(value, "second")
        # Go reads a fraction after the seconds even when the layout has none.
        if len(value) >= 2 and value[0] in ".," and _is_digit(value, 1):
            if after[1] is not None and after[1].startswith("."):
                return value
            n = 2
            while _is_digit(value, n):
                n += 1
            fields[6] = _nanoseconds(value, n)
            value = value[n:]
        return value

    def fraction(self, elem: str, value: str, fields: list[int]) -> str:
        if elem[1] == "9":  # .999999999: optional, at most nine digits
            if len(value) < 2 or value[0] not in ".," or not _is_digit(value, 1):
                return value
            i = 0
            while i < 9 and _is_digit(value, i + 1):
                i += 1
            fields[6] = _nanoseconds(value, 1 + i)
            return value[1 + i :]
        ndigit = len(elem)
        if len(value) < ndigit:
            raise _Bad(value)
        rest = value[ndigit:]
        try:
            fields[6] = _nanoseconds(value, ndigit)
        except _Bad as bad:
            raise _Bad(rest, bad.message) from None
        return rest


def _skip(value: str, prefix: str) -> tuple[bool, str]:
    """Go's ``time.skip``: match the literal text; a space matches any run of spaces."""
    while prefix:
        if prefix[0] == " ":
            if value and value[0] != " ":
                return False, value
            prefix, value = prefix.lstrip(" "), value.lstrip(" ")
            continue
        if not value or value[0] != prefix[0]:
            return False, value
        prefix, value = prefix[1:], value[1:]
    return True, value


def _nanoseconds(value: str, nbytes: int) -> int:
    """Go's ``parseNanoseconds`` over ``value[:nbytes]`` (separator included)."""
    if value[0] not in ".,":
        raise _Bad(value)
    nbytes = min(nbytes, 10)
    try:
        ns = _atoi(value[1:nbytes])
    except ValueError:
        raise _Bad(value) from None
    if ns < 0:
        raise _Bad(value, "fractional second")
    return ns * 10 ** (10 - nbytes)


def _zone(elem: str, value: str) -> tuple[str, int]:
    """``Z07:00`` / ``Z0700``: ``Z`` or a numeric offset, in seconds east of UTC."""
    if value[:1] == "Z":
        return value[1:], 0
    if elem == "Z07:00":
        if len(value) < 6 or value[3] != ":":
            raise _Bad(value)
        sign, hours, minutes, rest = value[0], value[1:3], value[4:6], value[6:]
    else:
        if len(value) < 5:
            raise _Bad(value)
        sign, hours, minutes, rest = value[0], value[1:3], value[3:5], value[5:]
    try:
        offset = (_getnum(hours, True)[0] * 60 + _getnum(minutes, True)[0]) * 60
    except _Bad:
        raise _Bad(rest) from None
    if sign not in "+-":
        raise _Bad(rest)
    return rest, -offset if sign == "-" else offset


def unless_zero(value: tuple[int, int]) -> tuple[int, int] | None:
    """None for Go's zero time (``IsZero``), which Alertmanager treats as "not given"."""
    return None if value[0] == GO_ZERO_NS else value


def format_millis(ns: int, offset: int = 0) -> str:
    """``strfmt.DateTime`` as JSON writes it (RFC 3339, milliseconds), years padded to four
    digits as Go pads them (``timefmt.format_api`` otherwise)."""
    text = format_api(ns, offset)
    if text.index("-") >= 4:
        return text
    seconds, frac = divmod(ns, NS)
    days, clock = divmod(seconds + offset, 86400)
    year, month, day = _civil_from_days(days)
    hour, minute, second = clock // 3600, clock // 60 % 60, clock % 60
    date = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
    return f"{date}.{frac // 1_000_000:03d}{text[text.rindex('.') + 4 :]}"


def _civil_from_days(days: int) -> tuple[int, int, int]:
    """The proleptic Gregorian date ``days`` after 1970-01-01 (inverse of _days_from_civil)."""
    days += 719468
    era = days // 146097
    doe = days - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (month <= 2), month, day


_DATE_TIME_CLOCK = re.compile(
    r"([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))\Z"
)


def is_openapi_datetime(ns: int, offset: int) -> bool:
    """strfmt's ``date-time`` check of the time as go-swagger re-formats it for validation.

    Only offsets of 100 hours or more fail: they print with three hour digits.
    """
    if abs(offset) < 100 * 3600:
        return True
    clock = format_millis(ns, offset).lower().split("t", 1)[1]
    return _DATE_TIME_CLOCK.match(clock) is not None

"""Time intervals (config.md §6): parsing the range syntax and ``contains`` semantics.

Mirrors Alertmanager 0.25's ``timeinterval`` package: a :class:`TimeIntervalEntry`
matches an instant when every field it sets matches (ranges within a field are
OR-ed); a named :class:`TimeInterval` matches when any of its entries does.
One deliberate difference: months outside 1..12 are rejected (0.25 accepts
``13`` and silently never matches it).

Pure functions and frozen values; safe to share between threads.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
import zoneinfo
from collections.abc import Sequence

import msgspec

__all__ = [
    "InclusiveRange",
    "TimeInterval",
    "TimeIntervalEntry",
    "TimeRange",
    "load_location",
    "parse_day_of_month_range",
    "parse_month_range",
    "parse_time_range",
    "parse_weekday_range",
    "parse_year_range",
]

WEEKDAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
MONTHS = (
    "",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_DAY_INDEX = {name: i for i, name in enumerate(WEEKDAYS)}
_MONTH_INDEX = {name: i for i, name in enumerate(MONTHS) if name}
_ATOI = re.compile(r"[+-]?[0-9]+\Z")
_HHMM = re.compile(r"(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)\Z")


class TimeRange(msgspec.Struct, frozen=True):
    """Minutes since local midnight: start inclusive, end exclusive (``24:00`` = 1440)."""

    start_minute: int
    end_minute: int


class InclusiveRange(msgspec.Struct, frozen=True):
    """``begin:end``, both inclusive (weekday 0 = Sunday; negative days count from month end)."""

    begin: int
    end: int


class TimeIntervalEntry(msgspec.Struct, frozen=True):
    """One element of a named interval's ``time_intervals`` list (Go ``timeinterval.TimeInterval``).

    ``None`` means the field was absent (no constraint); an empty tuple cannot
    match, as in Go where a present-but-empty list is non-nil.
    """

    times: tuple[TimeRange, ...] | None = None
    weekdays: tuple[InclusiveRange, ...] | None = None
    days_of_month: tuple[InclusiveRange, ...] | None = None
    months: tuple[InclusiveRange, ...] | None = None
    years: tuple[InclusiveRange, ...] | None = None
    location: str | None = None

    def contains(self, when: dt.datetime) -> bool:
        """Whether ``when`` (naive = UTC) falls inside this entry, evaluated in ``location``."""
        t = _localise(when, self.location)
        if self.times is not None:
            minute = t.hour * 60 + t.minute
            if not any(r.start_minute <= minute < r.end_minute for r in self.times):
                return False
        if self.days_of_month is not None and not _day_matches(t, self.days_of_month):
            return False
        if self.months is not None and not _in_ranges(t.month, self.months):
            return False
        if self.weekdays is not None and not _in_ranges((t.weekday() + 1) % 7, self.weekdays):
            return False
        if self.years is not None and not _in_ranges(t.year, self.years):
            return False
        return True


class TimeInterval(msgspec.Struct, frozen=True):
    """A named interval from ``time_intervals`` or the deprecated ``mute_time_intervals``."""

    name: str
    entries: tuple[TimeIntervalEntry, ...] = ()
    deprecated_mute: bool = False

    def contains(self, when: dt.datetime) -> bool:
        """Whether any entry contains ``when``."""
        return any(entry.contains(when) for entry in self.entries)


def _in_ranges(value: int, ranges: Sequence[InclusiveRange]) -> bool:
    return any(r.begin <= value <= r.end for r in ranges)


def _day_matches(t: dt.datetime, ranges: Sequence[InclusiveRange]) -> bool:
    """Go's clamping rules for negative and out-of-month days."""
    days = calendar.monthrange(t.year, t.month)[1]
    for r in ranges:
        begin = days + r.begin + 1 if r.begin < 0 else r.begin
        end = days + r.end + 1 if r.end < 0 else r.end
        if begin > days:
            continue
        begin = max(-days, min(begin, days))
        end = max(-days, min(end, days))
        if begin <= t.day <= end:
            return True
    return False


def _localise(when: dt.datetime, location: str | None) -> dt.datetime:
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    if location is None:
        return when
    return when.astimezone(load_location(location))


@functools.lru_cache(maxsize=256)
def load_location(name: str) -> dt.tzinfo:
    """Go's ``time.LoadLocation``: ``""``/``UTC`` are UTC, ``Local`` the host zone, else IANA."""
    if name in ("", "UTC"):
        return dt.UTC
    if name == "Local":
        local = dt.datetime.now().astimezone().tzinfo
        return local if local is not None else dt.UTC
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {name}") from None


def _atoi(text: str) -> int:
    """Go ``strconv.Atoi``: optional sign and decimal digits only."""
    if not _ATOI.match(text):
        raise ValueError(f'strconv.Atoi: parsing "{text}": invalid syntax')
    return int(text)


def _split_range(text: str) -> list[str]:
    text = text.lower()
    if ":" not in text:
        return [text, text]
    parts = text.split(":")
    if len(parts) != 2:
        raise ValueError(f"couldn't parse range {text}, invalid format")
    return parts


def _weekday(name: str) -> int:
    if name not in _DAY_INDEX:
        raise ValueError(f"{name} is not a valid weekday")
    return _DAY_INDEX[name]


def parse_weekday_range(text: str) -> InclusiveRange:
    """``monday``, ``monday:friday`` (case-insensitive)."""
    begin, end = (_weekday(p) for p in _split_range(text))
    if begin > end:
        raise ValueError("start day cannot be before end day")  # sic, Alertmanager's wording
    return InclusiveRange(begin, end)


def parse_day_of_month_range(text: str) -> InclusiveRange:
    """``1``, ``1:5``, ``-3:-1`` (negative counts from the month's end)."""
    begin, end = (_atoi(p) for p in _split_range(text))
    for day in (begin, end):
        if day == 0 or not -31 <= day <= 31:
            raise ValueError(f"{day} is not a valid day of the month: out of range")
    if begin < 0 < end:
        raise ValueError("end day must be negative if start day is negative")
    check_begin = 28 + begin if begin < 0 else begin
    check_end = 28 + end if end < 0 else end
    if check_begin > check_end:
        raise ValueError(f"end day {end} is always before start day {begin}")
    return InclusiveRange(begin, end)


def _month(name: str) -> int:
    if name in _MONTH_INDEX:
        return _MONTH_INDEX[name]
    try:
        number = _atoi(name)
    except ValueError:
        raise ValueError(f"{name} is not a valid month") from None
    if not 1 <= number <= 12:  # deliberate: 0.25 accepts any integer here
        raise ValueError(f"{name} is not a valid month: out of range")
    return number


def parse_month_range(text: str) -> InclusiveRange:
    """``january``, ``1:3``, ``march:december``."""
    begin, end = (_month(p) for p in _split_range(text))
    if begin > end:
        raise ValueError(f"end month {MONTHS[end]} is before start month {MONTHS[begin]}")
    return InclusiveRange(begin, end)


def parse_year_range(text: str) -> InclusiveRange:
    """``2024`` or ``2024:2026``."""
    begin, end = (_atoi(p) for p in _split_range(text))
    if begin > end:
        raise ValueError(f"end year {end} is before start year {begin}")
    return InclusiveRange(begin, end)


def _parse_hhmm(text: str) -> int:
    if not _HHMM.match(text):
        raise ValueError(f"couldn't parse timestamp {text}, invalid format")
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def parse_time_range(start: str, end: str) -> TimeRange:
    """``start_time``/``end_time`` as ``HH:MM``; ``24:00`` allowed as an end."""
    if not start or not end:
        raise ValueError("both start and end times must be provided")
    begin_minute, end_minute = _parse_hhmm(start), _parse_hhmm(end)
    if begin_minute >= end_minute:
        raise ValueError("start time cannot be equal or greater than end time")
    return TimeRange(begin_minute, end_minute)


def format_time(minute: int) -> str:
    """Minutes since midnight back to ``HH:MM``."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def format_weekdays(r: InclusiveRange) -> str:
    """Go's ``WeekdayRange.MarshalText``: ``monday:friday`` or ``saturday``."""
    if r.begin == r.end:
        return WEEKDAYS[r.begin]
    return f"{WEEKDAYS[r.begin]}:{WEEKDAYS[r.end]}"


def format_range(r: InclusiveRange) -> str:
    """Go's ``InclusiveRange.MarshalText``: ``1:5`` or ``7``."""
    return str(r.begin) if r.begin == r.end else f"{r.begin}:{r.end}"

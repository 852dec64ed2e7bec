"""Time intervals: range parsing and Alertmanager's ``ContainsTime`` semantics (config.md §6)."""

from __future__ import annotations

import datetime as dt

import pytest

from gossamer.config import parse_config
from gossamer.errors import ConfigError
from gossamer.timeinterval import (
    InclusiveRange,
    TimeInterval,
    TimeIntervalEntry,
    TimeRange,
    parse_day_of_month_range,
    parse_month_range,
    parse_time_range,
    parse_weekday_range,
    parse_year_range,
)

UTC = dt.UTC


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_ranges_parse_names_numbers_and_single_values() -> None:
    """Weekday and month names are case-insensitive; a single value is a one-element range."""
    assert parse_weekday_range("Monday:FRIDAY") == InclusiveRange(1, 5)
    assert parse_weekday_range("sunday") == InclusiveRange(0, 0)
    assert parse_month_range("january:march") == InclusiveRange(1, 3)
    assert parse_month_range("12") == InclusiveRange(12, 12)
    assert parse_month_range("may:12") == InclusiveRange(5, 12)
    assert parse_day_of_month_range("-3:-1") == InclusiveRange(-3, -1)
    assert parse_day_of_month_range("5:-1") == InclusiveRange(5, -1)
    assert parse_year_range("2024:2026") == InclusiveRange(2024, 2026)
    assert parse_time_range("09:30", "24:00") == TimeRange(570, 1440)


@pytest.mark.parametrize(
    ("parse", "text", "message"),
    [
        (parse_weekday_range, "friday:monday", "start day cannot be before end day"),
        (parse_weekday_range, "funday", "funday is not a valid weekday"),
        (parse_weekday_range, "a:b:c", "couldn't parse range a:b:c, invalid format"),
        (parse_day_of_month_range, "0", "0 is not a valid day of the month: out of range"),
        (parse_day_of_month_range, "-32", "-32 is not a valid day of the month: out of range"),
        (parse_day_of_month_range, "-3:5", "end day must be negative if start day is negative"),
        (parse_day_of_month_range, "10:-20", "end day -20 is always before start day 10"),
        (parse_day_of_month_range, "1_0", 'strconv.Atoi: parsing "1_0": invalid syntax'),
        (parse_day_of_month_range, " 1", 'strconv.Atoi: parsing " 1": invalid syntax'),
        (parse_month_range, "december:january", "end month january is before start month december"),
        (parse_month_range, "smarch", "smarch is not a valid month"),
        (parse_month_range, "13", "13 is not a valid month: out of range"),
        (parse_year_range, "2030:2020", "end year 2020 is before start year 2030"),
    ],
)
def test_range_errors_use_alertmanagers_messages(parse, text: str, message: str) -> None:  # type: ignore[no-untyped-def]
    """Invalid ranges are rejected with Alertmanager's wording (month 13 deliberately)."""
    with pytest.raises(ValueError) as info:
        parse(text)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("17:00", "09:00", "start time cannot be equal or greater than end time"),
        ("09:00", "09:00", "start time cannot be equal or greater than end time"),
        ("00:00", "24:01", "couldn't parse timestamp 24:01, invalid format"),
        ("9:00", "10:00", "couldn't parse timestamp 9:00, invalid format"),
        ("", "10:00", "both start and end times must be provided"),
    ],
)
def test_time_range_errors(start: str, end: str, message: str) -> None:
    """HH:MM only, 24:00 only as an end, start strictly before end."""
    with pytest.raises(ValueError) as info:
        parse_time_range(start, end)
    assert str(info.value) == message


def test_times_are_start_inclusive_end_exclusive_and_24_00_ends_the_day() -> None:
    """17:00 is outside 09:00-17:00; 23:59 is inside 18:00-24:00."""
    entry = TimeIntervalEntry(times=(TimeRange(540, 1020), TimeRange(1080, 1440)))
    assert entry.contains(at("2024-05-06T09:00:00"))
    assert entry.contains(at("2024-05-06T16:59:59"))
    assert not entry.contains(at("2024-05-06T17:00:00"))
    assert entry.contains(at("2024-05-06T23:59:59"))
    assert not entry.contains(at("2024-05-06T00:00:00"))


def test_negative_days_count_from_the_end_of_the_month() -> None:
    """-1 is the last day: Feb 29 in a leap year, Feb 28 otherwise."""
    last = TimeIntervalEntry(days_of_month=(InclusiveRange(-1, -1),))
    assert last.contains(at("2024-02-29T12:00:00"))
    assert not last.contains(at("2024-02-28T12:00:00"))
    assert last.contains(at("2023-02-28T12:00:00"))
    last_week = TimeIntervalEntry(days_of_month=(InclusiveRange(-7, -1),))
    assert last_week.contains(at("2024-01-25T00:00:00"))
    assert not last_week.contains(at("2024-01-24T23:59:00"))


def test_days_beyond_the_month_never_match_and_ends_are_clamped() -> None:
    """30:31 never matches in February; 25:31 ends at the month's last day."""
    assert not TimeIntervalEntry(days_of_month=(InclusiveRange(30, 31),)).contains(
        at("2023-02-28T00:00:00")
    )
    assert TimeIntervalEntry(days_of_month=(InclusiveRange(25, 31),)).contains(
        at("2023-02-28T00:00:00")
    )
    assert TimeIntervalEntry(days_of_month=(InclusiveRange(1, -1),)).contains(
        at("2023-04-30T00:00:00")
    )


def test_weekdays_months_and_years() -> None:
    """Sunday is 0; every present field must match (AND), any range within it (OR)."""
    entry = TimeIntervalEntry(
        weekdays=(InclusiveRange(1, 5),),
        months=(InclusiveRange(5, 5),),
        years=(InclusiveRange(2024, 2024),),
    )
    assert entry.contains(at("2024-05-06T10:00:00"))  # a Monday
    assert not entry.contains(at("2024-05-05T10:00:00"))  # a Sunday
    assert not entry.contains(at("2024-06-03T10:00:00"))  # June
    assert not entry.contains(at("2025-05-05T10:00:00"))  # 2025
    assert TimeIntervalEntry(weekdays=(InclusiveRange(0, 0), InclusiveRange(6, 6))).contains(
        at("2024-05-05T10:00:00")
    )


def test_location_converts_before_checking() -> None:
    """08:30 UTC is 10:30 in Berlin (summer): inside 10:00-11:00 Berlin time only."""
    berlin = TimeIntervalEntry(times=(TimeRange(600, 660),), location="Europe/Berlin")
    assert berlin.contains(at("2024-07-01T08:30:00"))
    assert not TimeIntervalEntry(times=(TimeRange(600, 660),)).contains(at("2024-07-01T08:30:00"))
    # The weekday is also taken in the location: Sunday 23:30 UTC is Monday in Tokyo.
    tokyo = TimeIntervalEntry(weekdays=(InclusiveRange(1, 1),), location="Asia/Tokyo")
    assert tokyo.contains(at("2024-05-05T23:30:00"))


def test_naive_datetimes_are_utc() -> None:
    """A naive datetime is taken as UTC."""
    entry = TimeIntervalEntry(times=(TimeRange(0, 60),))
    assert entry.contains(dt.datetime(2024, 1, 1, 0, 30))


def test_empty_entry_matches_always_and_empty_list_never() -> None:
    """An absent field is no constraint; a present but empty list cannot match (as in Go)."""
    assert TimeIntervalEntry().contains(at("2024-01-01T00:00:00"))
    assert not TimeIntervalEntry(weekdays=()).contains(at("2024-01-01T00:00:00"))


def test_named_interval_matches_if_any_entry_matches() -> None:
    """A named interval is the OR of its entries; without entries it never matches."""
    interval = TimeInterval(
        "x",
        (
            TimeIntervalEntry(weekdays=(InclusiveRange(6, 6),)),
            TimeIntervalEntry(weekdays=(InclusiveRange(0, 0),)),
        ),
    )
    assert interval.contains(at("2024-05-04T12:00:00"))
    assert interval.contains(at("2024-05-05T12:00:00"))
    assert not interval.contains(at("2024-05-06T12:00:00"))
    assert not TimeInterval("never").contains(at("2024-05-06T12:00:00"))


def test_config_merges_both_lists_into_one_namespace() -> None:
    """time_intervals and mute_time_intervals share names; entries are parsed."""
    config = parse_config("""
route: {receiver: r, routes: [{mute_time_intervals: [a], active_time_intervals: [b]}]}
receivers: [{name: r}]
mute_time_intervals:
- name: a
  time_intervals: [{weekdays: ['saturday'], location: Europe/Paris}]
time_intervals:
- name: b
  time_intervals: [{times: [{start_time: '09:00', end_time: '17:00'}], days_of_month: ['-1']}]
""")
    assert list(config.time_intervals) == ["a", "b"]
    assert config.time_intervals["a"].deprecated_mute
    assert config.time_intervals["a"].entries[0] == TimeIntervalEntry(
        weekdays=(InclusiveRange(6, 6),), location="Europe/Paris"
    )
    assert config.time_intervals["b"].entries[0].times == (TimeRange(540, 1020),)


def test_unknown_location_is_a_config_error() -> None:
    """Locations must be IANA zone names."""
    with pytest.raises(ConfigError, match="unknown time zone Nowhere/Town"):
        parse_config(
            "route: {receiver: r}\nreceivers: [{name: r}]\n"
            "time_intervals: [{name: a, time_intervals: [{location: Nowhere/Town}]}]\n"
        )

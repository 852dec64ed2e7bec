"""Builders for postable alerts and the timestamps they carry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any


def rfc3339(moment: datetime) -> str:
    """RFC 3339 in UTC with microseconds, as a client would send it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now_utc() -> datetime:
    """The current wall-clock time, UTC."""
    return datetime.now(UTC)


def at(seconds_from_now: float) -> str:
    """RFC 3339 timestamp `seconds_from_now` away (negative: in the past)."""
    return rfc3339(now_utc() + timedelta(seconds=seconds_from_now))


def alert(
    labels: dict[str, str],
    annotations: dict[str, str] | None = None,
    starts_at: str | None = None,
    ends_at: str | None = None,
    generator_url: str | None = None,
) -> dict[str, Any]:
    """A postableAlert; fields left as None are omitted so the server synthesises them."""
    body: dict[str, Any] = {"labels": dict(labels)}
    optional = {
        "annotations": annotations,
        "startsAt": starts_at,
        "endsAt": ends_at,
        "generatorURL": generator_url,
    }
    body.update({k: v for k, v in optional.items() if v is not None})
    return body


def resolved(posted: dict[str, Any], seconds_ago: float = 0.5) -> dict[str, Any]:
    """The same alert again, with endsAt just in the past: a resolve."""
    return {**posted, "endsAt": at(-seconds_ago)}

"""The normalisation helpers hide volatile values and nothing else."""

from __future__ import annotations

import pytest

from tests.harness import (
    VolatileTimes,
    assert_same,
    normalise_alerts,
    normalise_status,
    normalise_webhook,
)


def webhook_alert(starts: str, ends: str) -> dict[str, str]:
    """A webhook alert carrying only the two timestamps."""
    return {"startsAt": starts, "endsAt": ends}


def test_webhook_times_are_masked_but_zero_time_is_kept() -> None:
    """A Go RFC 3339 nano time becomes <time>; 0001-01-01T00:00:00Z stays as is."""
    body = {"alerts": [webhook_alert("2026-11-24T19:19:36.903431713Z", "0001-01-01T00:00:00Z")]}
    out = normalise_webhook(body)
    assert out["alerts"] == [webhook_alert("<time>", "0001-01-01T00:00:00Z")]
    assert body["alerts"][0]["startsAt"].startswith("2026"), "input left untouched"


@pytest.mark.parametrize(
    "malformed",
    ["2026-11-24T19:19:36.903+00:00", "2026-11-24 19:19:36Z", "2026-11-24T19:19:36.9034317139Z"],
)
def test_webhook_times_of_the_wrong_shape_stay_visible(malformed: str) -> None:
    """A timestamp not in Go's format is not masked, so the difference shows."""
    out = normalise_webhook({"alerts": [webhook_alert(malformed, malformed)]})
    assert out["alerts"] == [webhook_alert(malformed, malformed)]


def test_external_url_is_masked_only_when_it_is_the_expected_one() -> None:
    """The node's own default external URL is masked; any other value is kept."""
    assert normalise_webhook({"externalURL": "http://vm:9093"}, "http://vm:9093") == {
        "externalURL": "<external-url>"
    }
    assert normalise_webhook({"externalURL": "http://vm:9093/"}, "http://vm:9093") == {
        "externalURL": "http://vm:9093/"
    }


def test_api_alerts_mask_updated_at_and_only_the_synthesised_times() -> None:
    """updatedAt is always masked; startsAt/endsAt only where the poster left them out."""
    volatile = VolatileTimes(
        [{"labels": {"a": "1", "gone": ""}, "startsAt": "2026-01-01T00:00:00Z"}]
    )
    listed = {
        "labels": {"a": "1"},
        "startsAt": "2026-01-01T00:00:00.000Z",
        "endsAt": "2026-01-01T00:05:00.000Z",
        "updatedAt": "2026-01-01T00:00:00.000Z",
    }
    (out,) = normalise_alerts([listed], volatile)
    assert out == {**listed, "endsAt": "<time>", "updatedAt": "<time>"}


def test_api_times_need_exactly_three_fractional_digits_to_be_masked() -> None:
    """A response time with nanoseconds is left visible."""
    listed = {"labels": {"a": "1"}, "updatedAt": "2026-01-01T00:00:00.000000001Z"}
    assert normalise_alerts([listed], VolatileTimes()) == [listed]


def test_status_masks_identity_uptime_and_version_values() -> None:
    """Own peer name and address, uptime and versionInfo values are set aside; config is kept."""
    status = {
        "cluster": {
            "name": "01M87FZDGPE5HBZA1ZEE8SEFVC",
            "peers": [
                {"name": "01M87FZDGPE5HBZA1ZEE8SEFVC", "address": "127.0.0.1:20001"},
                {"name": "01M87FZDGPE5HBZA1ZEE8SEFVD", "address": "127.0.0.1:20003"},
            ],
            "status": "ready",
        },
        "config": {"original": "route: {}\n"},
        "uptime": "2026-11-24T19:19:29.047Z",
        "versionInfo": {"version": "0.25.0", "goVersion": "go1.19.8"},
    }
    assert normalise_status(status, "127.0.0.1:20001") == {
        "cluster": {
            "name": "<self>",
            "peers": [
                {"name": "<self>", "address": "<self-address>"},
                {"name": "01M87FZDGPE5HBZA1ZEE8SEFVD", "address": "127.0.0.1:20003"},
            ],
            "status": "ready",
        },
        "config": {"original": "route: {}\n"},
        "uptime": "<time>",
        "versionInfo": {"version": "<str>", "goVersion": "<str>"},
    }


def test_assert_same_fails_with_a_unified_diff_naming_both_sides() -> None:
    """A mismatch is reported as a diff between the reference and the candidate."""
    with pytest.raises(AssertionError) as failure:
        assert_same({"a": 1}, {"a": 2}, "things", ("reference", "gossamer"))
    message = str(failure.value)
    assert "things differ" in message and "--- reference" in message and "+++ gossamer" in message
    assert '-  "a": 1' in message and '+  "a": 2' in message

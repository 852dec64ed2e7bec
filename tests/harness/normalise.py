"""Set volatile values aside so that two nodes' answers can be compared.

Every mask checks the *shape* of what it hides: a timestamp is replaced by
`<time>` only if it has the exact format Alertmanager uses there, so a node
that gets the format wrong still shows up as a difference.
"""

from __future__ import annotations

import copy
import difflib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

#: Go's "unset" time as it appears in webhook payloads.
ZERO_TIME = "0001-01-01T00:00:00Z"
#: Go RFC 3339 nano (trailing zeros trimmed), UTC: webhook payload times.
WEBHOOK_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z")
#: API v2 response times: RFC 3339, UTC, exactly three fractional digits.
API_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
#: Memberlist peer names are ULIDs (Crockford base32).
ULID = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")

TIME_MASK = "<time>"
EXTERNAL_URL_MASK = "<external-url>"


def mask_time(value: Any, shape: re.Pattern[str]) -> Any:
    """`<time>` for a timestamp of the expected shape; anything else unchanged."""
    if value == ZERO_TIME or not isinstance(value, str) or not shape.fullmatch(value):
        return value
    return TIME_MASK


def label_key(labels: Mapping[str, str]) -> frozenset[tuple[str, str]]:
    """Identity of an alert by its labels, with empty values dropped as the API does."""
    return frozenset((k, v) for k, v in labels.items() if v != "")


# ---------------------------------------------------------------------- webhook
def normalise_webhook(body: Mapping[str, Any], external_url: str | None = None) -> dict[str, Any]:
    """A webhook payload with alert startsAt/endsAt (except zero time) and externalURL masked.

    `externalURL` is masked only when it equals `external_url`, the value the
    sending node should have used.
    """
    out = copy.deepcopy(dict(body))
    for alert in out.get("alerts") or []:
        for key in ("startsAt", "endsAt"):
            if key in alert:
                alert[key] = mask_time(alert[key], WEBHOOK_TIME)
    if external_url is not None and out.get("externalURL") == external_url:
        out["externalURL"] = EXTERNAL_URL_MASK
    return out


# ---------------------------------------------------------------------- API alerts
class VolatileTimes:
    """Which alerts had startsAt/endsAt synthesised by the server (absent when posted)."""

    def __init__(self, posted: Iterable[Mapping[str, Any]] = ()) -> None:
        self._fields: dict[frozenset[tuple[str, str]], set[str]] = {}
        self.add(posted)

    def add(self, posted: Iterable[Mapping[str, Any]]) -> None:
        """Record a batch of posted alerts; a later post of the same labels replaces the entry."""
        for alert in posted:
            missing = {k for k in ("startsAt", "endsAt") if not alert.get(k)}
            self._fields[label_key(alert.get("labels", {}))] = missing

    def fields(self, labels: Mapping[str, str]) -> set[str]:
        """Time fields of the alert with these labels that the server made up."""
        return self._fields.get(label_key(labels), set())


def normalise_alert(alert: Mapping[str, Any], volatile: VolatileTimes) -> dict[str, Any]:
    """A gettableAlert with updatedAt and server-synthesised times masked."""
    out = copy.deepcopy(dict(alert))
    for key in {"updatedAt"} | volatile.fields(out.get("labels", {})):
        if key in out:
            out[key] = mask_time(out[key], API_TIME)
    return out


def normalise_alerts(alerts: Iterable[Mapping[str, Any]], volatile: VolatileTimes) -> list[Any]:
    """`GET /api/v2/alerts` answer, each alert normalised, order kept."""
    return [normalise_alert(a, volatile) for a in alerts]


def normalise_groups(groups: Iterable[Mapping[str, Any]], volatile: VolatileTimes) -> list[Any]:
    """`GET /api/v2/alerts/groups` answer, each group's alerts normalised, order kept."""
    out = []
    for group in groups:
        group = copy.deepcopy(dict(group))
        group["alerts"] = normalise_alerts(group.get("alerts") or [], volatile)
        out.append(group)
    return out


# ---------------------------------------------------------------------- status
def normalise_status(status: Mapping[str, Any], cluster_address: str = "") -> dict[str, Any]:
    """`GET /api/v2/status` with uptime, versionInfo values and this node's peer identity masked.

    versionInfo keeps its keys (the shape amtool reads) with string values
    replaced by `<str>`. The node's own name becomes `<self>` wherever it
    appears, and its own cluster address `<self-address>`.
    """
    out = copy.deepcopy(dict(status))
    out["uptime"] = mask_time(out.get("uptime"), API_TIME)
    info = out.get("versionInfo")
    if isinstance(info, dict):
        out["versionInfo"] = {k: "<str>" if isinstance(v, str) else v for k, v in info.items()}
    cluster = out.get("cluster") or {}
    own_name = cluster.get("name")
    if isinstance(own_name, str) and ULID.fullmatch(own_name):
        cluster["name"] = "<self>"
    for peer in cluster.get("peers") or []:
        if peer.get("name") == own_name and own_name is not None:
            peer["name"] = "<self>"
        if cluster_address and peer.get("address") == cluster_address:
            peer["address"] = "<self-address>"
    return out


# ---------------------------------------------------------------------- reporting
def json_diff(
    expected: Any, actual: Any, names: tuple[str, str] = ("reference", "gossamer")
) -> str:
    """Unified diff of two JSON values, pretty-printed with stable key order."""
    lines = [
        json.dumps(v, indent=2, sort_keys=True, default=str).splitlines()
        for v in (expected, actual)
    ]
    return "\n".join(difflib.unified_diff(*lines, *names, lineterm=""))


def assert_same(
    expected: Any, actual: Any, what: str, names: tuple[str, str] = ("reference", "gossamer")
) -> None:
    """Fail with a readable unified diff unless `expected == actual`."""
    if expected != actual:
        raise AssertionError(f"{what} differ:\n{json_diff(expected, actual, names)}")

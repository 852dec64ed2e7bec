"""Alerts, contexts and a send helper shared by the paging integrations' unit tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gossamer.alert import Alert
from gossamer.labels import fingerprint
from gossamer.timefmt import NS, ZERO
from receivers.base import NotificationContext
from receivers.http import HTTPClientPool
from tests.fakes2.templates import StubTemplates

T0 = 1_764_000_000 * NS
GROUP_KEY = '{}/{severity="page"}:{alertname="Disk"}'
#: sha256 of GROUP_KEY, what Alertmanager sends as dedup key / alias / entity id.
GROUP_HASH = "6e58fa53816487be4774557064d91009c9408b6805e758e073ddb010c0acd444"


def make_alert(n: int, *, resolved: bool = False, **labels: str) -> Alert:
    """Alert ``n`` of group ``Disk`` (resolved one second after T0 when asked)."""
    all_labels = {"alertname": "Disk", "instance": f"i{n}", **labels}
    ends = T0 + NS if resolved else ZERO
    return Alert(
        all_labels, {"summary": f"disk {n}"}, T0, ends, "", T0, False, fingerprint(all_labels)
    )


def context(now: int = T0 + 60 * NS, group_key: str = GROUP_KEY) -> NotificationContext:
    return NotificationContext(
        group_key=group_key,
        group_labels={"alertname": "Disk"},
        receiver_name="team.pager",
        external_url="http://am:9093",
        now_ns=now,
    )


async def send(
    cls: Any,
    config: Any,
    alerts: list[Alert],
    *,
    templates: Any = None,
    base_dir: Path | str = ".",
    ctx: NotificationContext | None = None,
) -> Any:
    """Build a notifier, notify once, close it; returns the notifier."""
    notifier = cls(
        config,
        0,
        base_dir=base_dir,
        pool=HTTPClientPool(),
        templates=templates if templates is not None else StubTemplates(),
    )
    try:
        await notifier.notify(ctx or context(), alerts)
    finally:
        await notifier.close()
    return notifier


def load(kind: str, fields: dict[str, Any], global_: dict[str, Any] | None = None) -> Any:
    """``<kind>_configs[0]`` as the config loader builds it (defaults and globals applied)."""
    import yaml

    from gossamer.config import parse_config

    document = {
        "global": global_ or {},
        "route": {"receiver": "r"},
        "receivers": [{"name": "r", f"{kind}_configs": [fields]}],
    }
    config = parse_config(yaml.safe_dump(document))
    return getattr(config.receivers[0], f"{kind}_configs")[0]

"""The differential rig for the chat and mail integrations.

One reference Alertmanager 0.25 per test module gets one receiver per case:
the integration under test, plus a webhook *twin* in the same receiver. Both
get the same flush, so the twin's body tells the exact alerts (times, order,
status) and group key the integration rendered; gossamer then builds the
same notification from the same YAML (``parse_config`` + ``build_notifiers``)
and the real template engine, and the test compares what each one sent.
HTTP requests are told apart by ``User-Agent`` (gossamer's starts with
``gossamer/``); SMTP sessions by order (the reference's comes first).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gossamer.alert import Alert
from gossamer.config import parse_config
from gossamer.errors import NotifyError
from gossamer.timefmt import wall_ns
from receivers.base import NotificationContext, Notifier
from receivers.build import build_notifiers
from receivers.http import HTTPClientPool
from tests.fakes2.reference import ReferenceAlertmanager
from tests.test_http_client_support import Recorded, Recorder
from tests.test_webhook_reference import (
    BINARY,
    EXTERNAL_URL,
    logfmt,
    posted,
    to_alert,
    ts,
)

__all__ = [
    "BINARY",
    "EXTERNAL_URL",
    "Case",
    "Reference",
    "by_gossamer",
    "posted",
    "ts",
]


@dataclass(frozen=True)
class Case:
    """One aggregation group: a receiver holding one ``kind`` config, and its alerts.

    ``send_resolved`` is the integration's effective value, given to the twin.
    """

    name: str
    config: dict[str, Any]
    alerts: list[dict[str, Any]]
    send_resolved: bool
    receiver: str = ""

    @property
    def receiver_name(self) -> str:
        return self.receiver or self.name


def by_gossamer(request: Recorded) -> bool:
    """Whether gossamer sent ``request`` (the reference never says ``gossamer/``)."""
    return (request.header("User-Agent") or "").startswith("gossamer/")


@dataclass
class Reference:
    """A running reference and the config both sides read."""

    kind: str
    cases: dict[str, Case]
    hooks: Recorder
    workdir: Path
    global_config: dict[str, Any] = field(default_factory=dict)
    templates_files: list[str] = field(default_factory=list)
    am: ReferenceAlertmanager | None = None

    def config(self) -> dict[str, Any]:
        receivers: list[dict[str, Any]] = [{"name": "blackhole"}]
        routes = []
        for case in self.cases.values():
            twin = {
                "url": self.hooks.url(f"/hook/{case.name}"),
                "send_resolved": case.send_resolved,
            }
            receivers.append(
                {
                    "name": case.receiver_name,
                    f"{self.kind}_configs": [case.config],
                    "webhook_configs": [twin],
                }
            )
            routes.append({"matchers": [f'scenario="{case.name}"'], "receiver": case.receiver_name})
        route = {
            "receiver": "blackhole",
            "group_by": ["scenario"],
            "group_wait": "1s",
            "group_interval": "1h",
            "repeat_interval": "4h",
            "routes": routes,
        }
        out: dict[str, Any] = {"route": route, "receivers": receivers}
        if self.global_config:
            out["global"] = self.global_config
        if self.templates_files:
            out["templates"] = self.templates_files
        return out

    def yaml_text(self) -> str:
        return yaml.safe_dump(self.config(), allow_unicode=True)

    def start(self) -> Reference:
        """Start the reference and post every case's alerts in one batch."""
        self.am = ReferenceAlertmanager(self.config(), self.workdir, log_level="info")
        self.am.post_alerts([a for case in self.cases.values() for a in case.alerts])
        return self

    def stop(self) -> None:
        if self.am is not None:
            self.am.stop()

    def twin(self, name: str) -> dict[str, Any]:
        """The webhook twin's body for case ``name`` (waits for it)."""
        request = self.hooks.wait_for(1, f"/hook/{name}")[0]
        body: dict[str, Any] = json.loads(request.body)
        return body

    def flush(self, name: str) -> tuple[NotificationContext, list[Alert]]:
        """What gossamer's dispatcher would hand the notifier for case ``name``."""
        body = self.twin(name)
        ctx = NotificationContext(
            group_key=body["groupKey"],
            group_labels=body["groupLabels"],
            receiver_name=self.cases[name].receiver_name,
            external_url=EXTERNAL_URL,
            now_ns=wall_ns(),
        )
        return ctx, [to_alert(entry) for entry in body["alerts"]]

    @contextlib.asynccontextmanager
    async def notifier(self, name: str, templates: Any) -> AsyncIterator[Any]:
        """gossamer's notifier for case ``name``, built from the reference's own
        YAML; its connections close on exit."""
        config = parse_config(self.yaml_text(), str(self.workdir))
        receiver = self.cases[name].receiver_name
        pool = HTTPClientPool()
        built = build_notifiers(config, [receiver], str(self.workdir), pool, templates)
        notifiers: list[Notifier] = built[receiver]
        try:
            yield next(n for n in notifiers if n.integration == self.kind)
        finally:
            for notifier in notifiers:
                await notifier.close()
            await pool.close()

    async def send(self, name: str, templates: Any) -> NotifyError | None:
        """Send case ``name``'s flush with gossamer; the error, if it failed."""
        ctx, alerts = self.flush(name)
        async with self.notifier(name, templates) as notifier:
            try:
                await notifier.notify(ctx, alerts)
            except NotifyError as exc:
                return exc
        return None

    def error_for(self, name: str, *, final: Callable[[str], bool] | None = None) -> str:
        """The error the reference logged for case ``name``'s first attempt."""
        assert self.am is not None
        receiver = self.cases[name].receiver_name
        prefix = f"{receiver}/{self.kind}[0]: "

        def matches(line: str) -> bool:
            fields = logfmt(line)
            if (
                fields.get("integration") == f"{self.kind}[0]"
                and fields.get("receiver") == receiver
            ):
                return True
            return fields.get("err", "").startswith(prefix)

        err = logfmt(self.am.wait_line(matches))["err"]
        return re.sub(
            rf"^{re.escape(prefix)}notify retry canceled .*? after \d+ attempts: ", "", err
        )

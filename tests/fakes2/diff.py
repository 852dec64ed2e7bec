"""The differential rig for the paging integrations.

One reference Alertmanager 0.25 per test module gets one receiver per case:
the integration under test plus a webhook *twin* in the same receiver. Both
get the same flushes, so the twin's bodies tell the exact alerts (times,
order, status) and group key each notification was rendered from. gossamer
then builds the notifier from the same YAML (``parse_config``) with the real
template engine, sends the same flush to the same fake service, and the test
compares what each side sent. Requests are told apart by ``User-Agent``
(gossamer's starts with ``gossamer/``).

A case with ``resolve`` gets a second flush: once its first notification is
out, its alerts are posted again as resolved (its route's group interval is
one second). Hard-coded endpoints are reached with ``proxy_url`` pointing at
an ``InterceptingProxy`` and ``tls_config.ca_file`` trusting the test CA.
"""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from gossamer.alert import Alert
from gossamer.config import parse_config
from gossamer.errors import NotifyError
from gossamer.labels import fingerprint
from gossamer.timefmt import ZERO, parse_rfc3339, wall_ns
from receivers.base import NotificationContext
from receivers.build import REGISTRY
from receivers.http import HTTPClientPool
from receivers.templating import Templates
from tests.fakes2.reference import EXTERNAL_URL, ReferenceAlertmanager, logfmt, ts
from tests.fakes2.server import ServiceServer
from tests.test_http_client_support import Recorded, Reply

__all__ = ["Case", "Rig", "by_gossamer", "posted", "same_requests"]


def posted(case: str, labels: dict[str, str], **fields: Any) -> dict[str, Any]:
    """An alert for the v2 API, routed to ``case``; firing since ten minutes ago by default."""
    out: dict[str, Any] = {"labels": {"scenario": case, **labels}}
    out.setdefault("startsAt", ts(timedelta(minutes=-10)))
    out.update(fields)
    return out


@dataclass(frozen=True)
class Case:
    """One aggregation group: a receiver holding one integration config, and its alerts."""

    name: str
    config: dict[str, Any]
    alerts: list[dict[str, Any]]
    resolve: bool = False
    receiver: str = ""

    @property
    def receiver_name(self) -> str:
        return self.receiver or self.name


def by_gossamer(request: Recorded) -> bool:
    """Whether gossamer sent ``request`` (the reference never says ``gossamer/``)."""
    return (request.header("User-Agent") or "").startswith("gossamer/")


def to_alert(entry: dict[str, Any]) -> Alert:
    """A gossamer alert from a twin's alert entry."""
    labels = entry["labels"]
    resolved = entry["status"] == "resolved"
    return Alert(
        labels=labels,
        annotations=entry.get("annotations", {}),
        starts_at=parse_rfc3339(entry["startsAt"]),
        ends_at=parse_rfc3339(entry["endsAt"]) if resolved else ZERO,
        generator_url=entry.get("generatorURL", ""),
        updated_at=ZERO,
        timeout=False,
        fingerprint=fingerprint(labels),
    )


def same_requests(
    theirs: list[Recorded], ours: list[Recorded], ignore: tuple[str, ...] = ("user-agent",)
) -> None:
    """Assert both sides sent the same requests: method, target, headers, body."""

    def shape(r: Recorded) -> tuple[Any, ...]:
        return (r.method, r.path, r.query, r.version, r.header_dict(ignore=ignore), r.body)

    mine, reference = [shape(r) for r in ours], [shape(r) for r in theirs]
    differing = [
        f"#{i}: ours {a!r}\n    theirs {b!r}"
        for i, (a, b) in enumerate(zip(mine, reference, strict=False))
        if a != b
    ]
    assert mine == reference, (
        f"{len(mine)} requests from gossamer, {len(reference)} from the reference; "
        + "\n".join(differing)
    )


@dataclass
class Rig:
    """A running reference with one receiver per case, and the service fake's server."""

    kind: str
    cases: dict[str, Case]
    service: ServiceServer
    workdir: Path
    global_config: dict[str, Any] = field(default_factory=dict)
    hooks: ServiceServer = field(init=False)
    am: ReferenceAlertmanager | None = None
    templates: Templates = field(default_factory=lambda: Templates.load([]))

    def __post_init__(self) -> None:
        self.hooks = ServiceServer(lambda _: Reply(200, b""))

    def config(self) -> dict[str, Any]:
        receivers: list[dict[str, Any]] = [{"name": "blackhole"}]
        routes = []
        for case in self.cases.values():
            twin = {"url": self.hooks.url(f"/hook/{case.name}"), "send_resolved": True}
            receivers.append(
                {
                    "name": case.receiver_name,
                    f"{self.kind}_configs": [case.config],
                    "webhook_configs": [twin],
                }
            )
            route: dict[str, Any] = {
                "matchers": [f'scenario="{case.name}"'],
                "receiver": case.receiver_name,
            }
            if case.resolve:
                route["group_interval"] = "1s"
            routes.append(route)
        root = {
            "receiver": "blackhole",
            "group_by": ["scenario"],
            "group_wait": "0s",
            "group_interval": "1h",
            "repeat_interval": "4h",
            "routes": routes,
        }
        out: dict[str, Any] = {"route": root, "receivers": receivers}
        if self.global_config:
            out["global"] = self.global_config
        return out

    def __enter__(self) -> Rig:
        self.hooks.__enter__()
        try:
            self.am = ReferenceAlertmanager(self.config(), self.workdir)
            self.am.post_alerts([a for case in self.cases.values() for a in case.alerts])
            self._resolve()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self.am is not None:
            self.am.stop()
        self.hooks.__exit__()

    def _resolve(self) -> None:
        """Post the alerts of ``resolve`` cases again, ended, after their first flush."""
        assert self.am is not None
        for case in self.cases.values():
            if case.resolve:
                self.twins(case.name, 1)
                ended = [dict(a, endsAt=ts(timedelta(seconds=-1))) for a in case.alerts]
                self.am.post_alerts(ended)

    def twins(self, name: str, count: int = 1) -> list[dict[str, Any]]:
        """The first ``count`` twin bodies of case ``name`` (waits for them)."""
        path = f"/hook/{name}"
        found = self.hooks.wait_for(count, lambda r: r.path == path)
        return [json.loads(r.body) for r in found[:count]]

    def flush(self, name: str, index: int = 0) -> tuple[NotificationContext, list[Alert]]:
        """What gossamer's dispatcher hands the notifier for flush ``index`` of case ``name``."""
        body = self.twins(name, index + 1)[index]
        ctx = NotificationContext(
            group_key=body["groupKey"],
            group_labels=body["groupLabels"],
            receiver_name=self.cases[name].receiver_name,
            external_url=EXTERNAL_URL,
            now_ns=wall_ns(),
        )
        return ctx, [to_alert(entry) for entry in body["alerts"]]

    def integration_config(self, name: str) -> Any:
        """Case ``name``'s integration config as gossamer's loader reads the same YAML."""
        config = parse_config(yaml.safe_dump(self.config(), allow_unicode=True), str(self.workdir))
        receiver = next(r for r in config.receivers if r.name == self.cases[name].receiver_name)
        return getattr(receiver, f"{self.kind}_configs")[0]

    async def send(self, name: str, index: int = 0, **kwargs: Any) -> NotifyError | None:
        """Send flush ``index`` of case ``name`` with gossamer; the error, if it failed.
        ``kwargs`` go to the notifier (clocks, sleeps)."""
        (error,) = await self.send_flushes(name, [index], **kwargs)
        return error

    async def send_flushes(
        self, name: str, indexes: list[int], **kwargs: Any
    ) -> list[NotifyError | None]:
        """Send several flushes of case ``name`` through one notifier (state such as a
        cached token carries over, as in one Alertmanager process)."""
        module, cls_name = REGISTRY[self.kind]
        cls = getattr(importlib.import_module(module), cls_name)
        pool = HTTPClientPool()
        notifier = cls(
            self.integration_config(name),
            0,
            base_dir=str(self.workdir),
            pool=pool,
            templates=self.templates,
            **kwargs,
        )
        errors: list[NotifyError | None] = []
        try:
            for index in indexes:
                ctx, alerts = self.flush(name, index)
                try:
                    await notifier.notify(ctx, alerts)
                    errors.append(None)
                except NotifyError as exc:
                    errors.append(exc)
        finally:
            await notifier.close()
            await pool.close()
        return errors

    def failure(self, name: str) -> tuple[str, bool]:
        """The reference's first failure for case ``name``: ``(error text, retryable)``."""
        assert self.am is not None
        receiver = self.cases[name].receiver_name
        prefix = f"{receiver}/{self.kind}[0]: "

        def matches(line: str) -> bool:
            fields = logfmt(line)
            if (
                fields.get("receiver") == receiver
                and fields.get("integration") == f"{self.kind}[0]"
            ):
                return "err" in fields
            return fields.get("err", "").startswith(prefix)

        err = logfmt(self.am.wait_line(matches))["err"]
        final = err.startswith(prefix)
        text = re.sub(
            rf"^{re.escape(prefix)}notify retry canceled .*? after \d+ attempts: ", "", err
        )
        return text, not final

    def requests(
        self,
        where: Any,
        *,
        ours: bool,
        count: int | None = None,
        server: ServiceServer | None = None,
    ) -> list[Recorded]:
        """Requests to ``server`` (default: ``service``) matching ``where`` from one
        side; with ``count``, waits for that many and returns the first ones."""
        server = server or self.service

        def pick(r: Recorded) -> bool:
            return bool(where(r)) and by_gossamer(r) == ours

        if count is not None:
            return server.wait_for(count, pick)[:count]
        return [r for r in server.requests if pick(r)]

"""An in-process rig for the API: a fake node behind the real ASGI app, and a client.

The fake node holds alerts and groups in plain lists and answers the facade's
questions at once, so API tests run without actors, sockets or a server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from actors.messages import GroupView
from cluster.silence_index import SilencesView
from cluster.silences import Silence, Silences
from gossamer.alert import Alert
from gossamer.api.app import Api
from gossamer.api.models import AlertmanagerStatus, ClusterStatus, ConfigOriginal, VersionInfo
from gossamer.config.loader import parse_config
from gossamer.errors import GossamerError
from gossamer.flags import Flags
from gossamer.labels import fingerprint
from gossamer.metrics import NodeMetrics
from gossamer.routing import Route, build_tree
from gossamer.timefmt import parse_rfc3339

NOW = parse_rfc3339("2026-11-24T19:00:00Z")
S = 1_000_000_000

CONFIG = """
route:
  receiver: default
  group_by: [alertname]
  routes:
  - receiver: team.a
    matchers: [team="a"]
    continue: true
  - receiver: pager
    matchers: [severity="page"]
receivers:
- name: default
- name: team.a
- name: pager
"""


def make_alert(labels: Mapping[str, str], **kw: Any) -> Alert:
    """A stored alert that started a minute ago and ends in five."""
    values: dict[str, Any] = dict(
        annotations={}, starts_at=NOW - 60 * S, ends_at=NOW + 300 * S, generator_url="",
        updated_at=NOW, timeout=True,
    )  # fmt: skip
    values.update(kw)
    return Alert(dict(labels), fingerprint=fingerprint(labels), **values)


class FakeNode:
    """The node facade over lists; records what was ingested."""

    def __init__(self, config: str = CONFIG) -> None:
        self.config = parse_config(config)
        self.tree: Route = build_tree(self.config.route)
        self.metrics = NodeMetrics()
        self.registry = self.metrics.registry
        self.max_body_bytes = 1 << 20
        self.flags = Flags()
        self.alerts: list[Alert] = []
        self.groups: list[GroupView] = []
        self.ingested: list[Alert] = []
        self.inhibitions: dict[int, int] = {}
        self.silences: dict[int, list[str]] = {}
        self.silence_store = Silences(retention_s=3600, new_id=self._new_id)
        self._ids = 0
        self.reload_error: str | None = None

    def _new_id(self) -> str:
        self._ids += 1
        return f"00000000-0000-4000-8000-{self._ids:012d}"

    def now_ns(self) -> int:
        return NOW

    def resolve_timeout_s(self) -> float:
        return 300.0

    def route_tree(self) -> Route:
        return self.tree

    def receiver_names(self) -> list[str]:
        return [r.name for r in self.config.receivers]

    def ingest(self, alerts: list[Alert]) -> None:
        self.ingested.extend(alerts)

    async def list_alerts(self) -> list[Alert]:
        return list(self.alerts)

    async def list_groups(self) -> list[GroupView]:
        return list(self.groups)

    async def inhibited_by(self, alerts: list[Alert]) -> dict[int, int]:
        return {
            a.fingerprint: self.inhibitions[a.fingerprint]
            for a in alerts
            if a.fingerprint in self.inhibitions
        }

    async def silenced_by(self, alerts: list[Alert]) -> dict[int, list[str]]:
        return {
            a.fingerprint: self.silences[a.fingerprint]
            for a in alerts
            if a.fingerprint in self.silences
        }

    async def set_silence(self, silence: Silence) -> str | GossamerError:
        try:
            return self.silence_store.set(silence, NOW)
        except GossamerError as exc:
            return exc

    async def expire_silence(self, silence_id: str) -> GossamerError | None:
        try:
            self.silence_store.expire(silence_id, NOW)
        except GossamerError as exc:
            return exc
        return None

    async def silences_view(self) -> SilencesView:
        return self.silence_store.snapshot()

    def status(self) -> AlertmanagerStatus:
        versions = VersionInfo("b", "d", "u", "go", "r", "0.25.0")
        return AlertmanagerStatus(
            ClusterStatus(), ConfigOriginal("route: <x>\n"), "2026-11-24T19:00:00.000Z", versions
        )

    async def reload(self) -> str | None:
        return self.reload_error

    async def refresh_gauges(self) -> None:
        return None

    def healthy(self) -> bool:
        return True

    def ready(self) -> bool:
        return True

    def group(self, labels: Mapping[str, str], receiver: str, *alerts: Alert) -> None:
        self.groups.append(GroupView(dict(labels), receiver, receiver, list(alerts)))


class Reply:
    """What a client received: status, headers (lower-case names, in order), body."""

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    def header(self, name: str) -> str | None:
        values = self.all(name)
        return values[0] if values else None

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k == name]

    def __repr__(self) -> str:
        return f"<Reply {self.status} {self.headers} {self.body[:80]!r}>"


def call(
    api: Api,
    method: str,
    target: str,
    body: bytes = b"",
    headers: Mapping[str, str] | None = None,
) -> Reply:
    """Run one request through the ASGI app; ``target`` is the raw path and query."""
    path, _, query = target.partition("?")
    raw_headers = [(k.lower().encode(), v.encode("latin-1")) for k, v in (headers or {}).items()]
    if body and not any(k == b"content-length" for k, _ in raw_headers):
        raw_headers.append((b"content-length", str(len(body)).encode()))
    scope = {
        "type": "http", "method": method, "path": path, "raw_path": path.encode("latin-1"),
        "query_string": query.encode("latin-1"), "headers": raw_headers,
    }  # fmt: skip
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(api(scope, receive, send))
    start, content = sent[0], sent[1]
    decoded = [(k.decode(), v.decode("latin-1")) for k, v in start["headers"]]
    return Reply(start["status"], decoded, content["body"])


def filter_query(*matchers: str, **params: str) -> str:
    """A query string with repeated ``filter`` parameters, percent-encoded."""
    parts = [f"filter={quote(m, safe='')}" for m in matchers]
    parts += [f"{k}={quote(v, safe='')}" for k, v in params.items()]
    return "&".join(parts)

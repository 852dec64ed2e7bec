"""One gossamer node: configuration, actors, storage and the API, wired together.

The node's own methods run on its asyncio loop (the HTTP thread) unless a
docstring says otherwise. Nothing here is process-global, so tests can run
several nodes in one process.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import platform
import socket
import time
from collections.abc import Callable
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from loguru import logger

import gossamer
from actors.dispatcher import DispatchConfig
from actors.gossiper import load_nflog
from actors.inhibitor import InhibitedBy, InhibitorConfig
from actors.messages import GroupView, IngestBatch, ListAlerts, ListGroups, Reconfigure, Replay
from actors.silencer import (
    ExpireSilence,
    SetSilence,
    SilencedBy,
    ViewSilences,
    load_silences,
)
from actors.supervisor import NodeActors
from cluster.persistence import DurableFile
from cluster.silence_index import SilencesView
from cluster.silences import Silence
from gossamer.alert import Alert
from gossamer.api.models import (
    AlertmanagerStatus,
    ClusterStatus,
    ConfigOriginal,
    PeerStatus,
    VersionInfo,
)
from gossamer.clock import Clock, RealClock
from gossamer.clustering import Clustering
from gossamer.config import Config, load_config_file, unsupported_receivers
from gossamer.errors import ConfigError, GossamerError, StorageError
from gossamer.flags import Flags
from gossamer.metrics import NodeMetrics
from gossamer.routing import Route, build_tree
from gossamer.settle import Settled
from gossamer.timefmt import format_api
from gossamer.ulid import new_ulid
from receivers.base import Notifier
from receivers.build import SUPPORTED_INTEGRATIONS, build_notifiers, template_sources
from receivers.http import HTTPClientPool

REPLY_TIMEOUT_S = 30.0


def config_hash(text: str) -> float:
    """``alertmanager_config_hash``: 6 bytes of the MD5, little-endian (metrics.md §3)."""
    return float(int.from_bytes(hashlib.md5(text.encode()).digest()[:6], "little"))


def external_url(flags: Flags) -> str:
    """``--web.external-url`` or ``http://<hostname>:<port>``, without a trailing slash."""
    if flags.web_external_url:
        return flags.web_external_url.rstrip("/")
    port = flags.web_listen_address[0].rsplit(":", 1)[-1] if flags.web_listen_address else "9093"
    return f"http://{socket.gethostname()}:{port}"


def route_prefix(flags: Flags) -> str:
    if flags.web_route_prefix:
        return flags.web_route_prefix
    return urlsplit(external_url(flags)).path or "/"


class LoadedConfig(NamedTuple):
    """A checked config and its parsed notification templates (None without a template engine)."""

    config: Config
    templates: Any


def load_templates(config: Config, path: str) -> Any:
    """Parse default and user templates now, so a broken one fails the load, not a send."""
    try:
        from receivers.templating import Templates
    except ImportError:
        return None
    templates = Templates.load(list(config.templates), os.path.dirname(os.path.abspath(path)))
    templates.prepare(*template_sources(config))
    return templates


def load_config(path: str) -> LoadedConfig:
    """Load and check a config file; ``ConfigError`` names what is wrong or unsupported."""
    config = load_config_file(path)
    problems = unsupported_receivers(config, SUPPORTED_INTEGRATIONS)
    if problems:
        raise ConfigError("; ".join(problems))
    return LoadedConfig(config, load_templates(config, path))


class Node:
    """A gossamer node. ``start`` builds the actors; ``stop`` ends them and snapshots state."""

    def __init__(self, flags: Flags, clock: Clock | None = None, name: str | None = None) -> None:
        self.flags = flags
        self.clock: Clock = clock or RealClock()
        self.name = name or new_ulid()
        self.metrics = NodeMetrics()
        self.registry = self.metrics.registry
        self.max_body_bytes = flags.web_max_body_bytes
        self.external_url = external_url(flags)
        self.started_ns = self.clock.now_ns()
        self.log = logger.bind(node=self.name)
        self.config, self.templates = load_config(flags.config_file)
        self._retired_template_failures = 0  # of Templates replaced by reloads
        self.metrics.count_template_failures(self.template_failures)
        self._tree = build_tree(self.config.route)
        self._notifiers: dict[str, list[Notifier]] = {}
        self.actors: NodeActors | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.cluster = Clustering(flags, self.clock, self.registry, self.name)
        self._settled = not self.cluster.enabled
        self.http_pool = HTTPClientPool()

    # Lifecycle ------------------------------------------------------------
    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Read state back from disk and start the actors (on the loop's thread)."""
        self.loop = loop
        storage = DurableFile(self.flags.storage_path, "nflog")
        silence_storage = DurableFile(self.flags.storage_path, "silences")
        try:
            nflog = load_nflog(storage, self.flags.data_retention)
            silences = load_silences(silence_storage, self.flags.data_retention)
        except ValueError as exc:
            raise StorageError(f"{self.flags.storage_path}: unreadable state: {exc}") from exc
        dispatch, inhibit = self._build(self.config)
        self.actors = NodeActors(
            self.clock, loop, self.metrics, dispatch, inhibit, self._notifiers, self.is_settled,
            nflog, storage, silences, silence_storage, self.wait_s, self.flags.alerts_gc_interval,
            self.flags.data_maintenance_interval, self.cluster.broadcast,
        )  # fmt: skip
        self.cluster.start(self.actors.gossiper, self.actors.silencer, self._on_settled)
        self._record_reload(self.config, ok=True)
        self.metrics.cluster_enabled.set(1 if self.cluster.enabled else 0)
        self.metrics.peer_position.set_function(self.cluster.position)
        self.log.bind(config=self.flags.config_file).info("gossamer started")

    def _on_settled(self) -> None:
        """Runs on the cluster thread (or at start alone): release the held flushes."""
        self._settled = True
        if self.actors is not None:
            self.actors.gate.tell(Settled())

    def is_settled(self) -> bool:
        return self._settled

    def stop(self) -> None:
        """Leave the cluster, then stop the actors (the gossiper and silencer snapshot last)."""
        self.cluster.stop()
        if self.actors is not None:
            self.actors.stop()
            self.actors = None
        for notifiers in self._notifiers.values():
            for notifier in notifiers:
                if self.loop is not None and self.loop.is_running():
                    asyncio.run_coroutine_threadsafe(notifier.close(), self.loop)
        if isinstance(self.clock, RealClock):
            self.clock.stop()

    def _build(self, config: Config) -> tuple[DispatchConfig, InhibitorConfig]:
        tree = build_tree(config.route)
        used = sorted({r.receiver for r in tree.walk()})
        base_dir = os.path.dirname(os.path.abspath(self.flags.config_file))
        notifiers = build_notifiers(config, used, base_dir, self.http_pool, self.templates)
        self._tree, self._notifiers = tree, notifiers
        counts = {name: len(n) for name, n in notifiers.items()}
        self.metrics.receivers.set(len(used))
        self.metrics.integrations.set(sum(counts.values()))
        inhibit = InhibitorConfig(config.inhibit_rules, config.time_intervals)
        return DispatchConfig(tree, counts, self.external_url), inhibit

    def _record_reload(self, config: Config, ok: bool) -> None:
        self.metrics.config_last_reload_successful.set(1 if ok else 0)
        if ok:
            self.metrics.config_hash.set(config_hash(config.original_text))
            self.metrics.config_last_reload_success_timestamp.set(time.time())

    async def reload(self) -> str | None:
        """Reload the config file; on error keep the running config and return the message."""
        try:
            config, templates = await asyncio.to_thread(load_config, self.flags.config_file)
        except ConfigError as exc:
            self._record_reload(self.config, ok=False)
            self.log.bind(file=self.flags.config_file).error(
                "Loading configuration file failed: {}", exc
            )
            return str(exc)
        old = self._notifiers
        self._retired_template_failures = self.template_failures()
        self.templates = templates
        dispatch, inhibit = self._build(config)
        self.config = config
        assert self.actors is not None
        self.actors.silencer.tell(Reconfigure(self._notifiers))
        self.actors.inhibitor.tell(Reconfigure(inhibit))
        self.actors.dispatcher.tell(Reconfigure(dispatch))
        self.actors.ingest.tell(Replay())
        self._record_reload(config, ok=True)
        self._close_later(old)
        self.log.bind(file=self.flags.config_file).info("Completed loading of configuration file")
        return None

    def _close_later(self, notifiers: dict[str, list[Notifier]]) -> None:
        """Close replaced notifiers once flushes that may still use them are over."""
        if self.loop is None:
            return
        grace = max(600.0, self.flags.cluster_peer_timeout * 10)

        def close() -> None:
            for ns in notifiers.values():
                for n in ns:
                    asyncio.ensure_future(n.close())

        self.loop.call_later(grace, close)

    # Facade for the API ---------------------------------------------------------
    def now_ns(self) -> int:
        return self.clock.now_ns()

    def resolve_timeout_s(self) -> float:
        return self.config.global_.resolve_timeout

    def route_tree(self) -> Route:
        return self._tree

    def receiver_names(self) -> list[str]:
        return [r.name for r in self.config.receivers]

    def wait_s(self) -> float:
        """Position × peer timeout; runs on actor threads."""
        return self.cluster.wait_s()

    def ingest(self, alerts: list[Alert]) -> None:
        assert self.actors is not None
        self.actors.ingest.tell(IngestBatch(alerts))

    async def _ask(self, make: Callable[[Callable[[Any], None]], Any], target: Any) -> Any:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()

        def reply(value: Any) -> None:
            loop.call_soon_threadsafe(_resolve, future, value)

        target.tell(make(reply))
        return await asyncio.wait_for(future, REPLY_TIMEOUT_S)

    async def list_alerts(self) -> list[Alert]:
        assert self.actors is not None
        result: list[Alert] = await self._ask(ListAlerts, self.actors.ingest)
        return result

    async def list_groups(self) -> list[GroupView]:
        assert self.actors is not None
        result: list[GroupView] = await self._ask(ListGroups, self.actors.dispatcher)
        return result

    async def inhibited_by(self, alerts: list[Alert]) -> dict[int, int]:
        """Which alert inhibits each of ``alerts`` now ({fingerprint: inhibiting fingerprint})."""
        assert self.actors is not None
        if not self.config.inhibit_rules:
            return {}
        result: dict[int, int] = await self._ask(
            lambda reply: InhibitedBy(alerts, reply), self.actors.inhibitor
        )
        return result

    async def silenced_by(self, alerts: list[Alert]) -> dict[int, list[str]]:
        """The active silences muting each of ``alerts`` ({fingerprint: sorted ids})."""
        assert self.actors is not None
        result: dict[int, list[str]] = await self._ask(
            lambda reply: SilencedBy(alerts, reply), self.actors.silencer
        )
        return result

    async def set_silence(self, silence: Silence) -> str | GossamerError:
        """Create or update a silence; answers once it is journalled (or the error)."""
        assert self.actors is not None
        result: str | GossamerError = await self._ask(
            lambda reply: SetSilence(silence, reply), self.actors.silencer
        )
        return result

    async def expire_silence(self, silence_id: str) -> GossamerError | None:
        assert self.actors is not None
        result: GossamerError | None = await self._ask(
            lambda reply: ExpireSilence(silence_id, reply), self.actors.silencer
        )
        return result

    async def silences_view(self) -> SilencesView:
        assert self.actors is not None
        result: SilencesView = await self._ask(ViewSilences, self.actors.silencer)
        return result

    def template_failures(self) -> int:
        """Fields that failed to render since start, across reloads (any thread)."""
        current = self.templates.statistics()["failures"] if self.templates is not None else 0
        return int(self._retired_template_failures + current)

    async def refresh_gauges(self) -> None:
        """Before a scrape: ``alertmanager_alerts``, ``_marked_alerts`` and ``_silences`` by state."""
        if self.actors is None:
            return
        alerts = await self.list_alerts()
        now = self.now_ns()
        muted = set(await self.inhibited_by(alerts)) | set(await self.silenced_by(alerts))
        for gauge, subset in (
            (self.metrics.marked_alerts, alerts),
            (self.metrics.alerts, [a for a in alerts if not a.resolved_at(now)]),
        ):
            suppressed = sum(1 for a in subset if a.fingerprint in muted)
            gauge.labels("suppressed").set(suppressed)
            gauge.labels("active").set(len(subset) - suppressed)
            gauge.labels("unprocessed").set(0)
        view = await self.silences_view()
        states = [view.state(s, now) for s in view.list(now)]
        for state in ("active", "pending", "expired"):
            self.metrics.silences.labels(state).set(states.count(state))

    def status(self) -> AlertmanagerStatus:
        return AlertmanagerStatus(
            cluster=self._cluster_status(),
            config=ConfigOriginal(self.config.to_yaml()),
            uptime=format_api(self.started_ns),
            versionInfo=VersionInfo(
                branch="gossamer",
                buildDate="",
                buildUser="gossamer",
                goVersion=f"python{platform.python_version()}",
                revision=f"gossamer-{gossamer.__version__}",
                version=gossamer.ALERTMANAGER_COMPAT_VERSION,
            ),
        )

    def _cluster_status(self) -> ClusterStatus:
        if not self.cluster.enabled:
            return ClusterStatus(peers=[], status="disabled")
        peers = [PeerStatus(address=address, name=name) for name, address in self.cluster.members()]
        return ClusterStatus(name=self.name, peers=peers, status=self.cluster.status())

    def healthy(self) -> bool:
        return self.actors is not None and self.actors.alive()

    def ready(self) -> bool:
        return self.actors is not None

    def __repr__(self) -> str:
        return f"<Node {self.name} receivers={len(self._notifiers)} actors={'up' if self.actors else 'down'}>"


def _resolve(future: asyncio.Future[Any], value: Any) -> None:
    if not future.done():
        future.set_result(value)

#!/usr/bin/env python3
"""Three-node cluster benchmark: gossamer against the reference Alertmanager 0.25, in one run.

Every cluster has three nodes on 127.0.0.1; nodes 2 and 3 name node 1 as their
`--cluster.peer`, and all run with `--cluster.peer-timeout=2s`. Each node's webhook receiver
points at a sink on this script's loop, at a path naming the cluster and the node, so every
notification is attributed to the node that sent it. Measured, for each kind:

1. ingest: `POST /api/v2/alerts` in batches of 64 Prometheus-shaped alerts, every batch sent
   to all three nodes (as a Prometheus with three Alertmanagers configured does). A batch
   counts once, when all three nodes accepted it: alerts per second per cluster, not
   requests x 3. Median of several runs, each on a fresh (joined, not yet settled) cluster;
2. silence convergence: POST a silence to node 1, poll `GET /api/v2/silences` on nodes 2 and
   3 every ~1 ms until both list it; median over the samples;
3. failover: post one alert (group_wait 3s) to all three nodes of a fresh settled cluster,
   SIGKILL the node at position 0 (members ordered by name, from /api/v2/status) 1.5 s
   before the flush, and time the notification against the flush instant (post time +
   group_wait) at which position 0 would have sent it; a few samples, fresh clusters;
4. idle CPU: all three processes together, over 30 s, from /proc, once the cluster has
   settled and with no traffic (both kinds' clusters idle side by side, same window);
5. duplicates: 1,000 alerts with distinct alertnames (one group each) posted to all three
   nodes (group_wait 1s, group_interval 10s), notifications counted per group at the sink.
   One Prometheus-style re-send of the same alerts (later endsAt) goes out half-way between
   group ticks: Alertmanager also duplicates when an update reaches the nodes between their
   ticks, and gossamer's fix for that comes later, so updates are kept clear of ticks.

Kinds alternate phase by phase so drift on the shared machine hits both alike; the script
samples other processes' CPU before and during the phases and flags load that makes figures
suspect. Loopback only, every loop bounded, every node killed at exit. From the repo root:

    python scripts/bench_cluster.py                  # full comparison, about 4 minutes
    python scripts/bench_cluster.py --quick --only gossamer --json /tmp/cluster.json

Exit status: 0, or 1 when a measurement failed or a server rejected requests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench_lib import (
    GOSSAMER,
    HOST,
    KINDS,
    REFERENCE,
    REPO_ROOT,
    CpuReading,
    HttpClient,
    HttpMessage,
    Node,
    NodeStartError,
    WebhookSink,
    alert_batches,
    build_request,
    cpu_seconds_between,
    fetch,
    machine_busy_seconds,
    make_alert,
    median,
    now,
    post_alerts_request,
    process_cpu_seconds,
    read_cpu,
    reference_binary,
    rfc3339,
    rss_bytes,
    wait_cpu_idle,
)
from bench_report import Metric, ratio_of, render_table

SIZE = 3  # nodes per cluster
BATCH = 64
MIB = 1024 * 1024
PEER_TIMEOUT = 2.0  # --cluster.peer-timeout on every node of every cluster, seconds
BLAST_LIMIT = 60.0  # seconds any one load run may take before it stops sending
JOIN_LIMIT = 30.0  # seconds for three nodes to see each other
SETTLE_LIMIT = 75.0  # seconds for three nodes to report "ready" (settle timeout is 60 s)
SETTLED_GRACE = 5.0  # seconds a settled cluster gets before its idle CPU is measured
CONVERGE_LIMIT = 5.0  # seconds one silence may take to show on nodes 2 and 3
POLL_INTERVAL = 0.001  # seconds between silence polls of one node
FAILOVER_GROUP_WAIT = 3.0
KILL_LEAD = 1.5  # SIGKILL position 0 this long before its flush
FAILOVER_LIMIT = 15.0  # seconds after the flush to wait for the failover notification
DUP_GROUP_WAIT = 1.0
DUP_GROUP_INTERVAL = 10.0
DUP_SLACK = 3.0  # seconds past the last position's Dedup to keep counting notifications
OTHER_LOAD_WARNING = 0.15  # share of a core other processes may use before figures are suspect

CONFIG = """\
global:
  resolve_timeout: 5m
route:
  receiver: sink
  group_by: [alertname, job]
  group_wait: {group_wait}
  group_interval: {group_interval}
  repeat_interval: 4h
receivers:
  - name: sink
    webhook_configs:
      - url: http://127.0.0.1:{sink_port}/hook/{tag}/{member}
        send_resolved: false
"""


# --------------------------------------------------------------------------- settings, rows


@dataclass(frozen=True)
class Settings:
    """What one run measures."""

    kinds: tuple[str, ...]
    alerts: int = 20_000
    workers: int = 8  # concurrent senders, each with one connection to every node
    repeat: int = 3  # ingest runs (fresh clusters), median
    silence_samples: int = 20
    warmup: int = 2
    failover_samples: int = 3
    idle_seconds: float = 30.0
    dup_groups: int = 1_000
    quick: bool = False

    @classmethod
    def quick_run(cls, kinds: tuple[str, ...]) -> Settings:
        """Scaled down: about a third of the time, rougher figures."""
        return cls(
            kinds,
            alerts=5_000,
            repeat=1,
            silence_samples=6,
            warmup=1,
            failover_samples=1,
            idle_seconds=10.0,
            dup_groups=200,
            quick=True,
        )


def metrics(s: Settings) -> list[Metric]:
    """The rows of the result table, labelled with this run's sizes."""
    return [
        Metric("ingest", f"ingest, {s.alerts:,} alerts to all 3 nodes", "alerts/s", 0, (">=", 2.0)),
        Metric("ingest_cpu", "cluster CPU per 1,000 alerts ingested", "ms", 1),
        Metric("silence_ms", "silence convergence to nodes 2+3, median", "ms", 1, ("<=", 0.25)),
        Metric("failover_s", "failover: notification delay past flush", "s", 2),
        Metric("idle_cpu", f"idle CPU, 3 nodes, {s.idle_seconds:g} s", "CPU-s", 3, ("<=", 1.0)),
        Metric("idle_rss", "RSS, 3 idle nodes together", "MiB", 1),
        Metric("duplicates", f"duplicates over {s.dup_groups:,} groups", "notif.", 0, ("==", 0)),
    ]


# --------------------------------------------------------------------------- ports and nodes

_taken_ports: set[int] = set()


def _port_is_free(port: int, kind: int) -> bool:
    with socket.socket(socket.AF_INET, kind) as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def allocate_port(udp_too: bool = False) -> int:
    """A port on 127.0.0.1 free a moment ago for TCP (and UDP), not handed out before."""
    for _ in range(200):
        with socket.socket() as sock:
            sock.bind((HOST, 0))
            port = sock.getsockname()[1]
        if port in _taken_ports or (udp_too and not _port_is_free(port, socket.SOCK_DGRAM)):
            continue
        _taken_ports.add(port)
        return port
    raise RuntimeError("no free port found")


@dataclass(eq=False)
class ClusterNode(Node):
    """A node with clustering on: listens on `cluster_port`, joins through `peers`."""

    cluster_port: int = 0
    peers: tuple[int, ...] = ()
    member: int = 1  # 1-based place in its cluster (node 1 is the seed)

    def command(self) -> list[str]:
        """Alertmanager's command line with the cluster flags instead of clustering off."""
        args = [a for a in super().command() if not a.startswith("--cluster.")]
        args.append(f"--cluster.listen-address={HOST}:{self.cluster_port}")
        args += [f"--cluster.peer={HOST}:{port}" for port in self.peers]
        args.append(f"--cluster.peer-timeout={PEER_TIMEOUT:g}s")
        return args

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL the node's process group at once (a crash, no graceful leave)."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self.stop(grace=0.5)  # forget it (and make sure)


@dataclass(eq=False)
class Cluster:
    """Three nodes of one kind; `tag` names it in webhook paths."""

    kind: str
    tag: str
    nodes: list[ClusterNode]

    def live(self) -> list[ClusterNode]:
        return [node for node in self.nodes if node.alive]

    def read_cpu(self) -> list[CpuReading]:
        return [read_cpu(node.pid) for node in self.nodes]

    def rss(self) -> int:
        return sum(rss_bytes(node.pid) for node in self.live())

    def stop(self) -> None:
        """SIGTERM all three at once (graceful leave), then reap each (SIGKILL if slow)."""
        for node in self.live():
            try:
                os.killpg(node.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for node in self.nodes:
            node.stop(grace=5.0)


def cluster_cpu_between(start: list[CpuReading], end: list[CpuReading]) -> float:
    """CPU seconds the cluster's processes used between two readings (summed)."""
    return sum(cpu_seconds_between(a, b) for a, b in zip(start, end, strict=True))


async def status(node: Node) -> dict[str, Any]:
    """`GET /api/v2/status` of one node."""
    reply = await fetch(node.port, build_request("GET", "/api/v2/status", node.port), 3.0)
    if reply.status != 200:
        raise RuntimeError(f"status: {reply.status}")
    return json.loads(reply.body)


async def wait_members(cluster: Cluster, settled: bool) -> list[tuple[str, str]]:
    """Wait until every node lists all three members (and says "ready" when `settled`).

    Returns the members as (name, address) ordered by name, i.e. by position.
    """
    limit = SETTLE_LIMIT if settled else JOIN_LIMIT
    deadline = now() + limit
    last: Any = None
    while now() < deadline:
        try:
            views = [(await status(node))["cluster"] for node in cluster.nodes]
        except (OSError, TimeoutError, RuntimeError, ValueError, KeyError) as exc:
            last = exc
        else:
            last = [(v.get("status"), len(v.get("peers") or [])) for v in views]
            member_lists = {
                tuple(sorted((p["name"], p["address"]) for p in v.get("peers") or []))
                for v in views
            }
            full = len(member_lists) == 1 and len(next(iter(member_lists))) == SIZE
            if full and (not settled or all(v.get("status") == "ready" for v in views)):
                return list(next(iter(member_lists)))
        await asyncio.sleep(0.1)
    what = "settle" if settled else "join"
    raise RuntimeError(f"{cluster.kind} cluster did not {what} in {limit:.0f}s: {last}")


# --------------------------------------------------------------------------- bench state


@dataclass(frozen=True)
class Notification:
    """One webhook request at the sink."""

    member: int
    alertnames: tuple[str, ...]
    received: float


@dataclass
class Bench:
    """State shared by the phases: settings, the sink, results and errors."""

    settings: Settings
    root: Path
    sink: WebhookSink | None = None
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    notifications: dict[str, list[Notification]] = field(default_factory=dict)
    clusters_started: int = 0

    def error(self, kind: str, text: str) -> None:
        self.errors.setdefault(kind, []).append(text)

    def on_webhook(self, message: HttpMessage) -> None:
        """Sink callback: file the notification under the cluster named by its path."""
        parts = message.start.split(" ")[1].strip("/").split("/")  # hook/<tag>/<member>
        if len(parts) != 3 or parts[0] != "hook":
            return
        try:
            doc = json.loads(message.body)
            member = int(parts[2])
        except ValueError:
            return
        names = tuple(
            sorted({a.get("labels", {}).get("alertname", "") for a in doc.get("alerts", [])})
        )
        self.notifications.setdefault(parts[1], []).append(
            Notification(member, names, message.received)
        )

    async def cluster(
        self, kind: str, group_wait: str = "10m", group_interval: str = "5m"
    ) -> Cluster:
        """Start a fresh three-node cluster of `kind`: node 1, then 2 and 3 peering to it."""
        assert self.sink is not None
        self.clusters_started += 1
        tag = f"c{self.clusters_started:02d}"
        nodes = []
        seed_port = allocate_port(udp_too=True)
        for member in range(1, SIZE + 1):
            config = CONFIG.format(
                group_wait=group_wait,
                group_interval=group_interval,
                sink_port=self.sink.port,
                tag=tag,
                member=member,
            )
            nodes.append(
                ClusterNode(
                    kind,
                    config,
                    self.root / f"{tag}-{kind}" / f"node{member}",
                    port=allocate_port(),
                    cluster_port=seed_port if member == 1 else allocate_port(udp_too=True),
                    peers=() if member == 1 else (seed_port,),
                    member=member,
                )
            )
        cluster = Cluster(kind, tag, nodes)
        try:
            await nodes[0].start()
            await asyncio.gather(*(node.start() for node in nodes[1:]))
        except BaseException:
            cluster.stop()
            raise
        return cluster


# --------------------------------------------------------------------------- load


@dataclass
class FanOut:
    """Outcome of one load run where every batch goes to every node."""

    seconds: float
    accepted_alerts: int  # alerts in batches all three nodes accepted
    statuses: Counter[int]
    client_cpu: float
    server_cpu: float
    other_cpu: float  # CPU seconds neither the cluster nor this script spent
    truncated: bool

    @property
    def rate(self) -> float:
        return self.accepted_alerts / self.seconds if self.seconds > 0 else 0.0


async def fan_out(cluster: Cluster, bodies: list[bytes], workers: int) -> FanOut:
    """POST every body to all three nodes, `workers` batches in flight.

    Like Prometheus's notifier, a sender posts its batch to every node concurrently and
    takes the next one when all three replied; each sender keeps one keep-alive connection
    per node. Stops sending after BLAST_LIMIT.
    """
    nodes = cluster.nodes
    requests = [[post_alerts_request(node.port, body) for node in nodes] for body in bodies]
    counts = [body.count(b'"labels"') for body in bodies]
    clients = [[await HttpClient.connect(node.port) for node in nodes] for _ in range(workers)]
    pending = iter(range(len(bodies)))
    statuses: Counter[int] = Counter()
    accepted = 0
    deadline = now() + BLAST_LIMIT
    truncated = False

    async def worker(conns: list[HttpClient]) -> None:
        nonlocal accepted, truncated
        for index in pending:
            replies = await asyncio.gather(
                *(conn.request(raw) for conn, raw in zip(conns, requests[index], strict=True))
            )
            codes = [reply.status for reply in replies]
            statuses.update(codes)
            accepted += counts[index] if all(code == 200 for code in codes) else 0
            if now() > deadline:
                truncated = True
                return

    machine0, server0, client0 = machine_busy_seconds(), cluster.read_cpu(), process_cpu_seconds()
    started = now()
    try:
        await asyncio.gather(*(worker(conns) for conns in clients))
    finally:
        for conns in clients:
            for conn in conns:
                conn.close()
    seconds = now() - started
    client_cpu = process_cpu_seconds() - client0
    server_cpu = cluster_cpu_between(server0, cluster.read_cpu())
    other_cpu = max(0.0, machine_busy_seconds() - machine0 - server_cpu - client_cpu)
    return FanOut(seconds, accepted, statuses, client_cpu, server_cpu, other_cpu, truncated)


def check_fan_out(bench: Bench, kind: str, what: str, result: FanOut) -> None:
    rejected = {code: n for code, n in result.statuses.items() if code != 200}
    if rejected:
        bench.error(kind, f"{what}: non-200 replies {rejected}")
    if result.truncated:
        bench.error(kind, f"{what}: stopped after {BLAST_LIMIT:.0f}s")


async def cluster_idle(cluster: Cluster, limit: float = 15.0) -> list[CpuReading]:
    """Wait until each node is idle; the readings from the start of each quiet window."""
    return [await wait_cpu_idle(node.pid, limit=limit) for node in cluster.nodes]


# --------------------------------------------------------------------------- phases


async def phase_ingest(bench: Bench, kind: str) -> dict[str, Any]:
    """Ingest rate and cluster CPU on a fresh joined cluster (group_wait 10m: no sends)."""
    s = bench.settings
    cluster = await bench.cluster(kind)
    try:
        await wait_members(cluster, settled=False)
        warm = await fan_out(cluster, alert_batches("Warm", 512), 4)
        check_fan_out(bench, kind, "warm-up", warm)
        await cluster_idle(cluster)
        bodies = alert_batches("Bench", s.alerts)
        cpu0 = cluster.read_cpu()
        run = await fan_out(cluster, bodies, s.workers)
        cpu1 = await cluster_idle(cluster)
    finally:
        cluster.stop()
    check_fan_out(bench, kind, "ingest", run)
    cpu = cluster_cpu_between(cpu0, cpu1)
    return {
        "ingest": run.rate,
        "ingest_cpu": cpu * 1e6 / max(1, run.accepted_alerts),
        "ingest_seconds": run.seconds,
        "ingest_cluster_cpu_share": run.server_cpu / run.seconds,
        "ingest_client_cpu_share": run.client_cpu / run.seconds,
        "ingest_other_cpu_share": run.other_cpu / run.seconds,
    }


async def measure_idle(bench: Bench, clusters: dict[str, Cluster]) -> None:
    """Idle CPU of every settled cluster, over one common window with no traffic."""
    s = bench.settings
    await asyncio.sleep(SETTLED_GRACE)
    machine0, client0 = machine_busy_seconds(), process_cpu_seconds()
    start = {kind: c.read_cpu() for kind, c in clusters.items()}
    started = now()
    await asyncio.sleep(s.idle_seconds)
    end = {kind: c.read_cpu() for kind, c in clusters.items()}
    seconds = now() - started
    client = process_cpu_seconds() - client0
    used = {kind: cluster_cpu_between(start[kind], end[kind]) for kind in clusters}
    other = max(0.0, machine_busy_seconds() - machine0 - client - sum(used.values()))
    for kind, cluster in clusters.items():
        per_node = [cpu_seconds_between(a, b) for a, b in zip(start[kind], end[kind], strict=True)]
        bench.results.setdefault(kind, {}).update(
            idle_cpu=used[kind] * s.idle_seconds / seconds,
            idle_cpu_per_node=per_node,
            idle_rss=cluster.rss() / MIB,
            idle_other_cpu_share=other / seconds,
        )


def silence_request(port: int, tag: str, index: int) -> bytes:
    starts = datetime.now(UTC)
    body = {
        "matchers": [
            {"name": "bench", "value": f"{tag}-{index}", "isRegex": False, "isEqual": True}
        ],
        "startsAt": rfc3339(starts),
        "endsAt": rfc3339(starts + timedelta(hours=1)),
        "createdBy": "bench_cluster",
        "comment": "convergence probe",
    }
    return build_request(
        "POST",
        "/api/v2/silences",
        port,
        json.dumps(body).encode(),
        {"Content-Type": "application/json"},
    )


async def phase_silences(bench: Bench, cluster: Cluster) -> dict[str, Any]:
    """POST silences to node 1; time until nodes 2 and 3 both list each one."""
    s = bench.settings
    first, *others = cluster.nodes
    poster = await HttpClient.connect(first.port)
    pollers = [(await HttpClient.connect(node.port), node.port) for node in others]
    gets = {
        port: build_request("GET", "/api/v2/silences", port, headers={"Accept": "application/json"})
        for _, port in pollers
    }
    timings: list[float] = []
    post_ms: list[float] = []
    polls = missed = 0

    async def seen_at(client: HttpClient, port: int, sid: bytes, deadline: float) -> float | None:
        nonlocal polls
        while now() < deadline:
            reply = await client.request(gets[port], timeout=CONVERGE_LIMIT)
            polls += 1
            if reply.status == 200 and sid in reply.body:
                return reply.received
            await asyncio.sleep(POLL_INTERVAL)
        return None

    try:
        for index in range(s.warmup + s.silence_samples):
            raw = silence_request(first.port, cluster.tag, index)
            started = now()
            reply = await poster.request(raw)
            if reply.status != 200:
                raise RuntimeError(f"POST silence: {reply.status} {reply.body[:200]!r}")
            sid = json.loads(reply.body)["silenceID"].encode()
            if index >= s.warmup:
                post_ms.append((reply.received - started) * 1000)
            deadline = started + CONVERGE_LIMIT
            seen = await asyncio.gather(*(seen_at(c, port, sid, deadline) for c, port in pollers))
            if any(t is None for t in seen):
                missed += 1
            elif index >= s.warmup:
                timings.append((max(t for t in seen if t is not None) - started) * 1000)
            await asyncio.sleep(0.1)
    finally:
        poster.close()
        for client, _ in pollers:
            client.close()
    if missed:
        bench.error(cluster.kind, f"silences: {missed} did not converge in {CONVERGE_LIMIT:g}s")
    result: dict[str, Any] = {
        "silence_ms_samples": timings,
        "silence_polls": polls,
        "silence_post_ms": median(post_ms) if post_ms else None,
    }
    if timings:
        result["silence_ms"] = median(timings)
    return result


def dup_batches(count: int, lifetime: timedelta, starts: datetime) -> list[bytes]:
    """`count` alerts with distinct alertnames (one group each), in batches of 64."""
    ends = starts + lifetime
    alerts = [make_alert("Dup", i, starts, ends, alertname=f"Dup{i:05d}") for i in range(count)]
    return [
        json.dumps(alerts[i : i + BATCH], separators=(",", ":")).encode()
        for i in range(0, count, BATCH)
    ]


async def phase_duplicates(bench: Bench, cluster: Cluster) -> dict[str, Any]:
    """One group per alert, posted to all three nodes: count notifications per group.

    Timeline (seconds after the first post): groups flush at +1 (group_wait) and tick again
    at +11 (group_interval); the Prometheus-style re-send goes out half-way, at about +6;
    counting stops at the second tick + 2 x peer_timeout (the last position's Dedup) + slack.
    """
    s = bench.settings
    kind = cluster.kind
    starts = datetime.now(UTC)
    first = dup_batches(s.dup_groups, timedelta(hours=1), starts)
    resend = dup_batches(s.dup_groups, timedelta(hours=2), starts)
    bench.notifications[cluster.tag] = []
    t0 = now()
    posted = await fan_out(cluster, first, 4)
    t1 = now()
    check_fan_out(bench, kind, "duplicates post", posted)
    # half-way between the first tick (+group_wait) and the next (+group_interval), for the
    # groups made by the first batch (t0) and by the last (t1)
    resend_at = (t0 + t1) / 2 + DUP_GROUP_WAIT + DUP_GROUP_INTERVAL / 2
    await asyncio.sleep(max(0.0, resend_at - now()))
    t_resend = now()
    resent = await fan_out(cluster, resend, 4)
    check_fan_out(bench, kind, "duplicates re-send", resent)
    end = t1 + DUP_GROUP_WAIT + DUP_GROUP_INTERVAL + (SIZE - 1) * PEER_TIMEOUT + DUP_SLACK
    await asyncio.sleep(max(0.0, end - now()))
    got = list(bench.notifications.get(cluster.tag, []))
    per_group: Counter[str] = Counter()
    for note in got:
        per_group.update(note.alertnames)
    expected = {f"Dup{i:05d}" for i in range(s.dup_groups)}
    notified = len(expected & set(per_group))
    total = sum(per_group[name] for name in expected)
    return {
        "duplicates": total - notified,
        "dup_notifications": total,
        "dup_groups_notified": notified,
        "dup_groups_repeated": sum(1 for name in expected if per_group[name] > 1),
        "dup_by_node": dict(sorted(Counter(f"node{n.member}" for n in got).items())),
        "dup_after_resend": sum(1 for n in got if n.received >= t_resend),
        "dup_post_seconds": t1 - t0,
        "dup_resend_offset_s": t_resend - t0,
    }


async def phase_steady(bench: Bench) -> None:
    """Settled clusters of every kind side by side: idle CPU together, then per kind
    silence convergence and duplicates (the other cluster idles meanwhile)."""
    clusters: dict[str, Cluster] = {}
    try:
        for kind in bench.settings.kinds:
            label = f"steady start {kind}"
            try:
                clusters[kind] = await bench.cluster(
                    kind, f"{DUP_GROUP_WAIT:g}s", f"{DUP_GROUP_INTERVAL:g}s"
                )
            except Exception as exc:  # noqa: BLE001 - one kind failing must not stop the other
                bench.error(kind, f"{label}: {exc}")
        started = time.monotonic()
        for kind, cluster in list(clusters.items()):
            try:
                await wait_members(cluster, settled=True)
            except RuntimeError as exc:
                bench.error(kind, str(exc))
                cluster.stop()
                del clusters[kind]
        if not clusters:
            return
        say(f"  settle        {'+'.join(clusters):<19} {time.monotonic() - started:5.1f}s")
        await timed(
            f"idle {bench.settings.idle_seconds:g}s",
            "+".join(clusters),
            measure_idle(bench, clusters),
        )
        for title, phase in (("silences", phase_silences), ("duplicates", phase_duplicates)):
            for kind, cluster in clusters.items():
                result = await timed(title, kind, phase(bench, cluster), bench, kind)
                if result is not None:
                    bench.results.setdefault(kind, {}).update(result)
    finally:
        for cluster in clusters.values():
            cluster.stop()


async def failover_sample(bench: Bench, cluster: Cluster, sample: int) -> dict[str, Any]:
    """Post one alert to all three nodes, SIGKILL position 0 before its flush, time the send."""
    members = await wait_members(cluster, settled=True)
    by_address = {f"{HOST}:{node.cluster_port}": node for node in cluster.nodes}
    positions = {by_address[address].member: pos for pos, (_, address) in enumerate(members)}
    victim = by_address[members[0][1]]
    name = f"Failover{sample:02d}"
    starts = datetime.now(UTC)
    alert = make_alert("Failover", sample, starts, starts + timedelta(hours=1), alertname=name)
    body = json.dumps([alert]).encode()
    bench.notifications[cluster.tag] = []
    started = now()
    replies = await asyncio.gather(
        *(fetch(node.port, post_alerts_request(node.port, body), 5.0) for node in cluster.nodes)
    )
    if any(reply.status != 200 for reply in replies):
        raise RuntimeError(f"failover post: {[reply.status for reply in replies]}")
    flush = started + FAILOVER_GROUP_WAIT
    await asyncio.sleep(max(0.0, flush - KILL_LEAD - now()))
    killed_at = now()
    victim.kill()
    notes: list[Notification] = []
    deadline = flush + FAILOVER_LIMIT
    while now() < deadline:
        notes = [n for n in bench.notifications.get(cluster.tag, []) if name in n.alertnames]
        if notes:
            # keep counting past the last position's Dedup, for duplicates
            deadline = min(deadline, flush + (SIZE - 1) * PEER_TIMEOUT + 1.5)
        await asyncio.sleep(0.02)
    notes = [n for n in bench.notifications.get(cluster.tag, []) if name in n.alertnames]
    if not notes:
        raise RuntimeError(f"no notification within {FAILOVER_LIMIT:g}s of the flush")
    first = min(notes, key=lambda n: n.received)
    return {
        "delay_s": first.received - flush,
        "kill_before_flush_s": flush - killed_at,
        "sender_position": positions[first.member],
        "notifications": len(notes),
    }


async def phase_failover(bench: Bench) -> None:
    """Fresh settled clusters (all kinds at once), one failover sample per kind on each."""
    s = bench.settings
    samples: dict[str, list[dict[str, Any]]] = {kind: [] for kind in s.kinds}
    for sample in range(s.failover_samples):
        clusters: dict[str, Cluster] = {}
        try:
            for kind in s.kinds:
                try:
                    clusters[kind] = await bench.cluster(kind, f"{FAILOVER_GROUP_WAIT:g}s", "5m")
                except Exception as exc:  # noqa: BLE001
                    bench.error(kind, f"failover {sample + 1} start: {exc}")
            for kind, cluster in clusters.items():
                label = f"failover {sample + 1}"
                result = await timed(
                    label, kind, failover_sample(bench, cluster, sample), bench, kind
                )
                if result is not None:
                    samples[kind].append(result)
        finally:
            for cluster in clusters.values():
                cluster.stop()
    for kind, runs in samples.items():
        if runs:
            bench.results.setdefault(kind, {}).update(
                failover_s=median(run["delay_s"] for run in runs), failover_runs=runs
            )


# --------------------------------------------------------------------------- driver


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


async def timed(
    label: str,
    kind: str,
    work: Awaitable[Any],
    bench: Bench | None = None,
    error_kind: str | None = None,
) -> Any:
    """Run one measurement with a progress line; with `bench`, a failure is recorded."""
    print(f"  {label:<13} {kind:<19}", end=" ", file=sys.stderr, flush=True)
    started = time.monotonic()
    try:
        result = await work
    except Exception as exc:
        print(f"FAILED ({type(exc).__name__})", file=sys.stderr)
        if bench is None:
            raise
        bench.error(error_kind or kind, f"{label}: {exc}")
        return None
    print(f"{time.monotonic() - started:5.1f}s", file=sys.stderr)
    return result


async def background_share(seconds: float = 2.0) -> float:
    """Share of a core other processes use while this script and no node runs."""
    machine0, client0 = machine_busy_seconds(), process_cpu_seconds()
    started = now()
    await asyncio.sleep(seconds)
    client = process_cpu_seconds() - client0
    return max(0.0, machine_busy_seconds() - machine0 - client) / (now() - started)


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


async def run(settings: Settings) -> Bench:
    """Every phase for every kind; ingest runs alternate kinds."""
    with tempfile.TemporaryDirectory(prefix="gossamer-bench-cluster-") as tmp:
        bench = Bench(settings, Path(tmp))
        bench.sink = await WebhookSink(bench.on_webhook).start()
        meta_load: dict[str, Any] = {"loadavg_start": loadavg()}
        meta_load["background_share_start"] = await background_share()
        try:
            dead: set[str] = set()
            runs: dict[str, list[dict[str, Any]]] = {}
            for attempt in range(settings.repeat):
                for kind in settings.kinds:
                    if kind in dead:
                        continue
                    try:
                        result = await timed(
                            f"ingest {attempt + 1}", kind, phase_ingest(bench, kind)
                        )
                    except NodeStartError as exc:
                        bench.error(kind, f"ingest {attempt + 1}: {exc}")
                        dead.add(kind)
                        continue
                    except Exception as exc:  # noqa: BLE001
                        bench.error(kind, f"ingest {attempt + 1}: {exc}")
                        continue
                    runs.setdefault(kind, []).append(result)
            for kind, results in runs.items():
                merged = {key: median(r[key] for r in results) for key in results[0]}
                bench.results.setdefault(kind, {}).update(merged, ingest_runs=results)
            await phase_steady(bench)
            await phase_failover(bench)
        finally:
            bench.sink.close()
        meta_load["loadavg_end"] = loadavg()
        meta_load["background_share_end"] = await background_share()
        bench.results["_load"] = meta_load
        return bench


# --------------------------------------------------------------------------- output


def kind_notes(s: Settings, r: dict[str, Any]) -> list[str]:
    notes = []
    runs = r.get("ingest_runs", [])
    if runs:
        rates = ", ".join(f"{run['ingest']:,.0f}" for run in runs)
        notes.append(
            f"ingest ({len(runs)} run(s), alerts/s: {rates}): the three nodes used"
            f" {r['ingest_cluster_cpu_share']:.0%} of a core, the load generator"
            f" {r['ingest_client_cpu_share']:.0%}, other processes {r['ingest_other_cpu_share']:.0%}"
        )
    timings = r.get("silence_ms_samples")
    if timings:
        ordered = sorted(timings)
        notes.append(
            f"silence convergence over {len(timings)} samples: min {ordered[0]:.1f} ms,"
            f" median {median(ordered):.1f}, max {ordered[-1]:.1f} (the POST reply alone took"
            f" {r.get('silence_post_ms') or 0:.1f} ms, median); {r.get('silence_polls', 0):,}"
            " GETs polled"
        )
    if "idle_cpu_per_node" in r:
        per_node = ", ".join(f"{x:.3f}" for x in r["idle_cpu_per_node"])
        notes.append(
            f"idle CPU-s per node: {per_node}; other processes used"
            f" {r['idle_other_cpu_share']:.0%} of a core in that window"
        )
    if "dup_notifications" in r:
        notes.append(
            f"duplicates: {r['dup_notifications']:,} notifications for"
            f" {r['dup_groups_notified']:,}/{s.dup_groups:,} groups"
            f" ({r['dup_groups_repeated']:,} groups notified more than once);"
            f" senders {r['dup_by_node']}; {r['dup_after_resend']} arrived after the re-send"
            f" (+{r['dup_resend_offset_s']:.1f} s; posting took {r['dup_post_seconds']:.2f} s)"
        )
    for i, run in enumerate(r.get("failover_runs", []), 1):
        notes.append(
            f"failover {i}: notified {run['delay_s']:+.3f} s after the flush by position"
            f" {run['sender_position']} ({run['notifications']} notification(s));"
            f" position 0 killed {run['kill_before_flush_s']:.2f} s before the flush"
        )
    return notes


def render_notes(bench: Bench) -> str:
    s = bench.settings
    load = bench.results.get("_load", {})
    lines = [
        f"clusters: 3 nodes, nodes 2 and 3 peer to node 1, --cluster.peer-timeout={PEER_TIMEOUT:g}s;"
        f" ingest: {s.workers} senders, each batch of {BATCH} to all three nodes, counted once",
        f"duplicates: group_wait {DUP_GROUP_WAIT:g}s, group_interval {DUP_GROUP_INTERVAL:g}s;"
        " one Prometheus-style re-send (same alerts, later endsAt) posted half-way between"
        " group ticks, because Alertmanager also duplicates when an update reaches the nodes"
        " between their ticks and gossamer's fix for that comes later",
        f"failover: group_wait {FAILOVER_GROUP_WAIT:g}s, position 0 SIGKILLed"
        f" {KILL_LEAD:g}s before the flush; delay = first notification - (post + group_wait)",
    ]
    for kind in KINDS:
        if kind in bench.results:
            lines += [f"{kind}: {line}" for line in kind_notes(s, bench.results[kind])]
    if load:
        lines.append(
            f"machine: {os.cpu_count()} CPUs; load average {load.get('loadavg_start')} at start,"
            f" {load.get('loadavg_end')} at end; other processes used"
            f" {load.get('background_share_start', 0):.0%} of a core before and"
            f" {load.get('background_share_end', 0):.0%} after the run"
        )
    warnings = []
    for kind in KINDS:
        r = bench.results.get(kind, {})
        for key, what in (
            ("ingest_other_cpu_share", "ingest"),
            ("idle_other_cpu_share", "the idle window"),
        ):
            if r.get(key, 0.0) > OTHER_LOAD_WARNING:
                warnings.append(
                    f"{kind}: other processes used {r[key]:.0%} of a core during {what};"
                    " those figures are suspect, rerun on a quiet machine"
                )
    for share in ("background_share_start", "background_share_end"):
        if load.get(share, 0.0) > OTHER_LOAD_WARNING:
            warnings.append(
                f"background load {load[share]:.0%} of a core ({share.split('_')[-1]} of run)"
            )
    lines += [f"WARNING {w}" for w in dict.fromkeys(warnings)]
    for kind, errors in bench.errors.items():
        for error in errors:
            first, _, rest = error.partition("\n")
            lines.append(f"ERROR {kind}: {first}")
            lines.extend(f"    {line}" for line in rest.splitlines()[-8:])
    return "\n".join(lines)


def meta(settings: Settings) -> dict[str, Any]:
    def output(*cmd: str) -> str:
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=10, cwd=REPO_ROOT)
            return (done.stdout or done.stderr).strip().splitlines()[0]
        except (OSError, subprocess.SubprocessError, IndexError):
            return "unknown"

    return {
        "when": rfc3339(datetime.now(UTC)),
        "settings": asdict(settings),
        "cpus": os.cpu_count(),
        "machine": platform.platform(),
        "python": platform.python_version(),
        "reference": output(reference_binary() or "prometheus-alertmanager", "--version"),
        "gossamer_commit": output("git", "rev-parse", "--short", "HEAD"),
        "peer_timeout_s": PEER_TIMEOUT,
    }


def write_json(path: Path, bench: Bench) -> None:
    rows = {}
    for m in metrics(bench.settings):
        ratio = ratio_of(bench.results, m.key)
        figures = {kind: bench.results.get(kind, {}).get(m.key) for kind in KINDS}
        rows[m.key] = {"label": m.label, "unit": m.unit, **figures, "ratio": ratio}
        rows[m.key].update(target=m.target, met=m.met(ratio, figures[GOSSAMER]))
    doc = {
        "meta": meta(bench.settings),
        "results": bench.results,
        "metrics": rows,
        "errors": bench.errors,
    }
    path.write_text(json.dumps(doc, indent=2) + "\n")


def parse_args(argv: list[str] | None) -> tuple[Settings, Path | None]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--only", choices=KINDS, help="measure one kind only")
    parser.add_argument("--quick", action="store_true", help="scaled down, about a minute or two")
    parser.add_argument("--json", type=Path, help="write all results to this file")
    args = parser.parse_args(argv)
    kinds = (args.only,) if args.only else KINDS
    settings = Settings.quick_run(kinds) if args.quick else Settings(kinds)
    return settings, args.json


def _terminate(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)  # unwinds through finally blocks; atexit stops the nodes


def main(argv: list[str] | None = None) -> int:
    settings, json_path = parse_args(argv)
    if REFERENCE in settings.kinds and reference_binary() is None:
        say("prometheus-alertmanager not found (set GOSSAMER_REFERENCE_BINARY)")
        return 2
    signal.signal(signal.SIGTERM, _terminate)
    try:
        import uvloop

        runner: Callable[..., Any] = uvloop.run
    except ImportError:
        runner = asyncio.run
    say(f"gossamer three-node cluster benchmark: {', '.join(settings.kinds)}")
    bench = runner(run(settings))
    print(render_table(metrics(bench.settings), bench.results))
    print("\n" + render_notes(bench))
    if json_path is not None:
        write_json(json_path, bench)
        print(f"\nresults written to {json_path}")
    return 1 if bench.errors else 0


if __name__ == "__main__":
    sys.exit(main())

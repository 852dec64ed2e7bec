#!/usr/bin/env python3
"""Single-node benchmark: gossamer against the reference Alertmanager 0.25, in one run.

For each kind it starts one node at a time (clustering off, temp storage, a webhook receiver
pointing at a sink on this script's loop) and measures:

1. ingest: `POST /api/v2/alerts` in batches of 64 Prometheus-shaped alerts over several
   keep-alive connections, first N distinct alerts, then the same alerts re-sent; the median
   of --repeat runs, each on a fresh node;
2. server CPU per 1,000 ingested alerts (process tree, /proc), counted until the server is
   idle again, so work it defers past the HTTP reply is included;
3. VmRSS with N/2 and with 5N active alerts (a fresh node each);
4. `GET /api/v2/alerts` latency with N/2 alerts (median after warm-up);
5. POST-to-webhook latency with `group_wait: 0s`, one new group per sample (fresh node).

The `silences` section (bench_silences.py has the workload in detail) measures, with 10,000
silences on `alertname="A<i>"` plus one more matcher:

6. creating them with `POST /api/v2/silences`, one per request over several keep-alive
   connections (silences/s and server CPU per 1,000), the median of --silence-repeat runs;
7. `GET /api/v2/alerts` with 5N alerts of which about a tenth are silenced: the first
   request after loading and the median after warm-up (Alertmanager's first one runs a
   full silence query per alert and takes minutes: most of the section's run time);
8. ingest of N alerts (a mix with silenced and inhibited ones), distinct then re-sent, with
   the silences and 100 inhibit rules loaded, in the same runs as 6.

Phases alternate between the kinds so drift on the machine hits both alike. The script also
measures how much CPU other processes took during ingest and warns when that makes the
throughput figures suspect (CPU per alert is the steadier figure on a shared box). Traffic
goes to 127.0.0.1 only; every loop is bounded in count and time. From the repo root:

    python scripts/bench_node.py                      # full comparison, about five minutes
    python scripts/bench_node.py --section node       # the original figures, about a minute
    python scripts/bench_node.py --section silences   # silence and inhibition figures only
    python scripts/bench_node.py --only reference --alerts 2000 --json /tmp/bench.json

Exit status: 0, or 1 when a measurement failed or a server rejected requests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench_lib import (
    BLAST_LIMIT,
    KINDS,
    REPO_ROOT,
    Blast,
    HttpClient,
    HttpMessage,
    Node,
    NodeStartError,
    WebhookSink,
    alert_batches,
    blast,
    build_request,
    cpu_seconds_between,
    make_alert,
    median,
    now,
    post_alerts_request,
    read_cpu,
    reference_binary,
    reference_missing,
    rfc3339,
    rss_bytes,
    run_on_event_loop,
    time_requests,
    wait_cpu_idle,
)
from bench_report import Metric, ratio_of, render_table
from bench_silences import inhibit_rules_yaml, phase_silenced_get, phase_silenced_ingest

BATCH = 64
MIB = 1024 * 1024
WEBHOOK_TIMEOUT = 5.0
OTHER_LOAD_WARNING = 0.15  # share of a core other processes may use before figures are suspect

CONFIG = """\
global:
  resolve_timeout: 5m
route:
  receiver: sink
  group_by: [alertname, job]
  group_wait: {group_wait}
  group_interval: 5m
  repeat_interval: 4h
receivers:
  - name: sink
    webhook_configs:
      - url: http://127.0.0.1:{sink_port}/hook
        send_resolved: false
"""
NODE = "node"  # section: the original single-node figures
SILENCES = "silences"  # section: silence and inhibition figures (bench_silences.py)
SECTIONS = (NODE, SILENCES)


@dataclass(frozen=True)
class Settings:
    """What one run measures; derived sizes follow `alerts` (default 20,000)."""

    kinds: tuple[str, ...]
    alerts: int
    connections: int
    resend_passes: int
    samples: int
    repeat: int
    sections: tuple[str, ...] = SECTIONS
    silences: int = 10_000
    inhibit_rules: int = 100
    silence_repeat: int = 3
    warmup: int = 3

    @property
    def small(self) -> int:
        """Active alerts for the small-memory and GET measurements (10k by default)."""
        return max(BATCH, self.alerts // 2)

    @property
    def large(self) -> int:
        """Active alerts for the large-memory measurement (100k by default)."""
        return self.alerts * 5


def metrics(s: Settings) -> list[Metric]:
    """The rows of the result table for this run's sections, labelled with its sizes
    (rows without a section are the original node figures)."""
    return [m for m in all_metrics(s) if (m.section or NODE) in s.sections]


def all_metrics(s: Settings) -> list[Metric]:
    """Every row the script knows, labelled with this run's sizes."""
    return [
        Metric("ingest_distinct", f"ingest, {s.alerts:,} distinct", "alerts/s", 0, (">=", 2.0)),
        Metric(
            "ingest_resent",
            f"ingest, same alerts re-sent x{s.resend_passes}",
            "alerts/s",
            0,
            (">=", 2.0),
        ),
        Metric("cpu_distinct", "server CPU per 1,000 distinct", "ms", 2),
        Metric("cpu_resent", "server CPU per 1,000 re-sent", "ms", 2),
        Metric("cpu_all", "server CPU per 1,000 alerts, all ingest", "ms", 2, ("<=", 0.5)),
        Metric("rss_idle", "RSS idle, fresh node", "MiB", 1),
        Metric("rss_small", f"RSS with {s.small:,} alerts", "MiB", 1),
        Metric("rss_large", f"RSS with {s.large:,} alerts", "MiB", 1, ("<=", 0.5)),
        Metric("get_ms", f"GET /api/v2/alerts, {s.small:,} alerts, median", "ms", 2, ("<=", 0.2)),
        Metric("webhook_ms", "POST-to-webhook, group_wait 0s, median", "ms", 2, ("<=", 1.0)),
        *silence_metrics(s),
    ]


def silence_metrics(s: Settings) -> list[Metric]:
    """The `silences` section's rows; the target is parity with the reference."""
    up, down = (">=", 1.0), ("<=", 1.0)
    rows = [
        ("silences_create", f"create {s.silences:,} silences", "silences/s", 0, up),
        ("silences_create_cpu", "server CPU per 1,000 silences created", "ms", 1, down),
        (
            "silenced_get_ms",
            f"GET /api/v2/alerts, {s.large:,} alerts + silences, median",
            "ms",
            1,
            down,
        ),
        ("silenced_get_first_ms", "  same, first GET after loading", "ms", 1, None),
        ("silenced_ingest_distinct", f"silenced ingest, {s.alerts:,} distinct", "alerts/s", 0, up),
        (
            "silenced_ingest_resent",
            f"silenced ingest, same re-sent x{s.resend_passes}",
            "alerts/s",
            0,
            up,
        ),
        ("silenced_cpu_all", "server CPU per 1,000 alerts, silenced ingest", "ms", 2, down),
    ]
    return [Metric(*row, section=SILENCES) for row in rows]


@dataclass
class Bench:
    """State shared by the phases: settings, the sink, and the results collected so far."""

    settings: Settings
    root: Path
    sink: WebhookSink | None = None
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    waiters: dict[str, asyncio.Future[float]] = field(default_factory=dict)
    nodes_started: int = 0

    def config(self, group_wait: str, inhibit_rules: int = 0) -> str:
        """An alertmanager.yml whose only receiver is this run's webhook sink."""
        assert self.sink is not None
        config = CONFIG.format(group_wait=group_wait, sink_port=self.sink.port)
        return config + inhibit_rules_yaml(inhibit_rules)

    def on_webhook(self, message: HttpMessage) -> None:
        """Sink callback (on the loop): resolve the latency waiter named by an alertname."""
        try:
            doc = json.loads(message.body)
        except ValueError:
            return
        for alert in doc.get("alerts", []):
            waiter = self.waiters.pop(alert.get("labels", {}).get("alertname", ""), None)
            if waiter is not None and not waiter.done():
                waiter.set_result(message.received)

    async def node(self, kind: str, group_wait: str = "10m", inhibit_rules: int = 0) -> Node:
        """Start a fresh node of `kind` in its own directory."""
        self.nodes_started += 1
        workdir = self.root / f"{self.nodes_started:02d}-{kind}"
        return await Node(kind, self.config(group_wait, inhibit_rules), workdir).start()

    def check(self, kind: str, what: str, result: Blast) -> None:
        """Record rejected requests or a truncated load run as errors of `kind`."""
        rejected = {code: n for code, n in result.statuses.items() if code != 200}
        if rejected:
            self.errors.setdefault(kind, []).append(f"{what}: non-200 replies {rejected}")
        if result.truncated:
            self.errors.setdefault(kind, []).append(f"{what}: stopped after {BLAST_LIMIT:.0f}s")


# --------------------------------------------------------------------------- load


async def settled_rss(pid: int, limit: float = 3.0) -> int:
    """VmRSS once two readings 0.25 s apart agree within 1% (or after `limit` seconds)."""
    previous = rss_bytes(pid)
    deadline = now() + limit
    while now() < deadline:
        await asyncio.sleep(0.25)
        current = rss_bytes(pid)
        if abs(current - previous) <= previous * 0.01:
            return current
        previous = current
    return previous


# --------------------------------------------------------------------------- phases


async def phase_ingest(bench: Bench, kind: str) -> dict[str, Any]:
    """Ingest rate and CPU: N distinct alerts, then the same N re-sent several times."""
    s = bench.settings
    node = await bench.node(kind)
    try:
        port, pid = node.port, node.pid
        bench.check(kind, "warm-up", await blast(pid, port, alert_batches("Warm", 512), 4))
        await wait_cpu_idle(pid)
        bodies = alert_batches("Bench", s.alerts)
        cpu0 = read_cpu(pid)
        distinct = await blast(pid, port, bodies, s.connections)
        cpu1 = await wait_cpu_idle(pid)
        resent = await blast(pid, port, bodies * s.resend_passes, s.connections)
        cpu2 = await wait_cpu_idle(pid)
    finally:
        node.stop()
    bench.check(kind, "ingest distinct", distinct)
    bench.check(kind, "ingest re-sent", resent)
    cpu_distinct = cpu_seconds_between(cpu0, cpu1)
    cpu_resent = cpu_seconds_between(cpu1, cpu2)
    accepted = distinct.accepted + resent.accepted
    seconds = distinct.seconds + resent.seconds
    per_1k = 1000 * 1000  # seconds -> ms, per alert -> per 1,000 alerts
    return {
        "ingest_distinct": distinct.rate,
        "ingest_resent": resent.rate,
        "cpu_distinct": cpu_distinct * per_1k / max(1, distinct.accepted),
        "cpu_resent": cpu_resent * per_1k / max(1, resent.accepted),
        "cpu_all": (cpu_distinct + cpu_resent) * per_1k / max(1, accepted),
        "client_cpu_share": (distinct.client_cpu + resent.client_cpu) / seconds,
        "other_cpu_share": (distinct.other_cpu + resent.other_cpu) / seconds,
        "server_cpu_share_distinct": cpu_distinct / distinct.seconds,
    }


async def phase_small(bench: Bench, kind: str) -> dict[str, Any]:
    """Idle RSS, RSS with N/2 alerts, then GET /api/v2/alerts latency on the same node."""
    s = bench.settings
    node = await bench.node(kind)
    try:
        result: dict[str, Any] = {"rss_idle": await settled_rss(node.pid) / MIB}
        loaded = await blast(node.pid, node.port, alert_batches("Small", s.small), s.connections)
        bench.check(kind, f"load {s.small}", loaded)
        await wait_cpu_idle(node.pid, limit=15.0)
        result["rss_small"] = await settled_rss(node.pid) / MIB
        result.update(await get_latency(node, s))
    finally:
        node.stop()
    return result


async def get_latency(node: Node, s: Settings) -> dict[str, Any]:
    """Median wall time of GET /api/v2/alerts (request written to last body byte read)."""
    raw = build_request("GET", "/api/v2/alerts", node.port, headers={"Accept": "application/json"})
    timings = await time_requests(node.port, raw, s.warmup, s.samples)
    first = timings.first
    seen = len(json.loads(first.body)) if first.status == 200 else -first.status
    return {
        "get_ms": median(timings.samples_ms),
        "get_ms_samples": timings.samples_ms,
        "get_alerts_seen": seen,
        "get_bytes": len(first.body),
    }


async def phase_large(bench: Bench, kind: str) -> dict[str, Any]:
    """RSS with 5N active alerts on a fresh node."""
    s = bench.settings
    node = await bench.node(kind)
    try:
        loaded = await blast(node.pid, node.port, alert_batches("Large", s.large), s.connections)
        bench.check(kind, f"load {s.large}", loaded)
        await wait_cpu_idle(node.pid, limit=20.0)
        return {"rss_large": await settled_rss(node.pid) / MIB, "ingest_large": loaded.rate}
    finally:
        node.stop()


async def phase_webhook(bench: Bench, kind: str) -> dict[str, Any]:
    """POST one alert forming a new group; time until the sink has the notification."""
    s = bench.settings
    node = await bench.node(kind, group_wait="0s")
    client = await HttpClient.connect(node.port)
    timings, missed = [], 0
    try:
        for i in range(s.warmup + s.samples):
            latency = await one_webhook(bench, client, node.port, f"Latency{i:03d}")
            if latency is None:
                missed += 1
            elif i >= s.warmup:
                timings.append(latency * 1000)
            await asyncio.sleep(0.02)
    finally:
        client.close()
        node.stop()
    if missed:
        bench.errors.setdefault(kind, []).append(f"webhook: {missed} notifications never came")
    result: dict[str, Any] = {"webhook_ms_samples": timings}
    if timings:
        result["webhook_ms"] = median(timings)
    return result


async def one_webhook(bench: Bench, client: HttpClient, port: int, name: str) -> float | None:
    """Seconds from writing the POST to the sink reading the notification, None on timeout."""
    starts = datetime.now(UTC)
    alert = make_alert("Latency", 0, starts, starts + timedelta(hours=1), alertname=name)
    raw = post_alerts_request(port, json.dumps([alert]).encode())
    waiter: asyncio.Future[float] = asyncio.get_running_loop().create_future()
    bench.waiters[name] = waiter
    started = now()
    reply = await client.request(raw)
    if reply.status != 200:
        bench.waiters.pop(name, None)
        raise RuntimeError(f"POST {name}: {reply.status} {reply.body[:200]!r}")
    try:
        return await asyncio.wait_for(waiter, WEBHOOK_TIMEOUT) - started
    except TimeoutError:
        bench.waiters.pop(name, None)
        return None


Phase = Callable[[Bench, str], Awaitable[dict[str, Any]]]

# (section, title, measurement, repeated): a repeated phase runs --repeat (--silence-repeat
# in the silences section) times on fresh nodes, kinds alternating, and reports the median of
# each figure; the short ingest runs need that most.
PHASES: list[tuple[str, str, Phase, bool]] = [
    (NODE, "ingest", phase_ingest, True),
    (NODE, "memory+GET", phase_small, False),
    (NODE, "memory large", phase_large, False),
    (NODE, "webhook latency", phase_webhook, False),
    (SILENCES, "silences+ingest", phase_silenced_ingest, True),
    (SILENCES, "silenced GET", phase_silenced_get, False),
]


# --------------------------------------------------------------------------- driver


async def run(settings: Settings) -> Bench:
    """Run every phase for every kind, alternating kinds; a kind that fails to start is dropped."""
    with tempfile.TemporaryDirectory(prefix="gossamer-bench-") as tmp:
        bench = Bench(settings, Path(tmp))
        bench.sink = await WebhookSink(bench.on_webhook).start()
        dead: set[str] = set()
        try:
            for section, title, phase, repeated in PHASES:
                if section not in settings.sections:
                    continue
                runs: dict[str, list[dict[str, Any]]] = {}
                repeat = settings.repeat if section == NODE else settings.silence_repeat
                for attempt in range(repeat if repeated else 1):
                    for kind in settings.kinds:
                        if kind in dead:
                            continue
                        label = f"{title} {attempt + 1}" if repeated else title
                        result = await run_one(bench, label, phase, kind, dead)
                        if result is not None:
                            runs.setdefault(kind, []).append(result)
                for kind, results in runs.items():
                    bench.results.setdefault(kind, {}).update(merge_runs(results))
                    if repeated:
                        bench.results[kind][f"{title}_runs"] = results
        finally:
            bench.sink.close()
        return bench


async def run_one(
    bench: Bench, label: str, phase: Phase, kind: str, dead: set[str]
) -> dict[str, Any] | None:
    """One measurement; a failure is recorded, and a node that cannot start marks its kind dead."""
    print(f"  {label:<16} {kind:<10}", end=" ", file=sys.stderr, flush=True)
    started = time.monotonic()
    try:
        result = await phase(bench, kind)
    except Exception as exc:  # noqa: BLE001 - one kind failing must not stop the other
        print(f"FAILED ({type(exc).__name__})", file=sys.stderr)
        bench.errors.setdefault(kind, []).append(f"{label}: {exc}")
        if isinstance(exc, NodeStartError):
            dead.add(kind)
        return None
    print(f"{time.monotonic() - started:5.1f}s", file=sys.stderr)
    return result


def merge_runs(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The median of every numeric figure over repeated runs (other values: the last run's)."""
    merged = dict(runs[-1])
    for key, value in runs[-1].items():
        values = [run[key] for run in runs if key in run]
        if isinstance(value, int | float) and not isinstance(value, bool):
            merged[key] = median(values)
    return merged


def render_notes(bench: Bench) -> str:
    """Sanity figures under the table: spread of repeated runs, CPU shares, GET sizes, errors."""
    lines, warnings = [], []
    s = bench.settings
    if SILENCES in s.sections:
        lines.append(
            f"silences section: {s.silences:,} silences loaded throughout; silenced ingest also"
            f" has {s.inhibit_rules} inhibit rules (see bench_silences.py for the alert mix)"
        )
    for kind, result in bench.results.items():
        lines += [f"{kind}: {line}" for line in kind_notes(bench.settings, result)]
        lines += [f"{kind}: {line}" for line in silence_notes(bench.settings, result)]
        for key, what in (
            ("other_cpu_share", "ingest"),
            ("silences_other_cpu_share", "silences+ingest"),
            ("silenced_get_other_cpu_share", "silenced GET"),
        ):
            if result.get(key, 0.0) > OTHER_LOAD_WARNING:
                warnings.append(
                    f"{kind}: other processes used {result[key]:.0%} of a core during the"
                    f" {what} runs; their rates, times and CPU figures are suspect, rerun on a"
                    " quiet machine"
                )
    lines += [f"WARNING {warning}" for warning in warnings]
    for kind, errors in bench.errors.items():
        for error in errors:
            first, _, rest = error.partition("\n")
            lines.append(f"ERROR {kind}: {first}")
            lines.extend(f"    {line}" for line in rest.splitlines()[-8:])
    return "\n".join(lines)


def kind_notes(s: Settings, result: dict[str, Any]) -> list[str]:
    """Note lines for one kind's results."""
    notes = []
    runs = result.get("ingest_runs", [])
    if len(runs) > 1:
        spread = {
            "distinct alerts/s": ", ".join(f"{run['ingest_distinct']:,.0f}" for run in runs),
            "re-sent alerts/s": ", ".join(f"{run['ingest_resent']:,.0f}" for run in runs),
            "CPU ms/1,000": ", ".join(f"{run['cpu_all']:.1f}" for run in runs),
        }
        notes.append(
            f"{len(runs)} ingest runs: " + "; ".join(f"{k} {v}" for k, v in spread.items())
        )
    if "client_cpu_share" in result:
        notes.append(
            f"during ingest the server used {result['server_cpu_share_distinct']:.0%} of a core"
            f" (distinct), the load generator {result['client_cpu_share']:.0%},"
            f" other processes {result['other_cpu_share']:.0%}"
        )
    if "get_alerts_seen" in result:
        notes.append(
            f"GET returned {result['get_alerts_seen']:,} alerts in {result['get_bytes']:,} B;"
            f" loading {s.large:,} alerts ran at {result.get('ingest_large', 0):,.0f}/s"
        )
    return notes


def silence_notes(s: Settings, result: dict[str, Any]) -> list[str]:
    """Note lines for one kind's `silences` section results."""
    notes = []
    runs = result.get("silences+ingest_runs", [])
    if len(runs) > 1:
        spread = {
            "silences/s": ", ".join(f"{run['silences_create']:,.0f}" for run in runs),
            "distinct alerts/s": ", ".join(
                f"{run['silenced_ingest_distinct']:,.0f}" for run in runs
            ),
            "re-sent alerts/s": ", ".join(f"{run['silenced_ingest_resent']:,.0f}" for run in runs),
        }
        notes.append(
            f"{len(runs)} silences+ingest runs: " + "; ".join(f"{k} {v}" for k, v in spread.items())
        )
    if "silences_client_cpu_share" in result:
        notes.append(
            f"during the silence and silenced-ingest loads the load generator used"
            f" {result['silences_client_cpu_share']:.0%} of a core,"
            f" other processes {result['silences_other_cpu_share']:.0%}"
        )
    if "silenced_get_seen" in result:
        samples = ", ".join(f"{ms:,.0f}" for ms in result["silenced_get_ms_samples"])
        notes.append(
            f"silenced GET returned {result['silenced_get_seen']:,} alerts,"
            f" {result['silenced_get_silenced']:,} silenced, in {result['silenced_get_bytes']:,} B"
            f" (samples ms: {samples}); on that node {s.silences:,} silences were created at"
            f" {result['silenced_get_create']:,.0f}/s and {s.large:,} alerts loaded at"
            f" {result['silenced_get_load']:,.0f}/s; during the GETs the load generator used"
            f" {result['silenced_get_client_cpu_share']:.0%} of a core, other processes"
            f" {result['silenced_get_other_cpu_share']:.0%}"
        )
    return notes


def meta(settings: Settings) -> dict[str, Any]:
    """Where and with what the figures were taken."""

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
    }


def write_json(path: Path, bench: Bench) -> None:
    """All figures, per-sample timings, ratios and target verdicts as JSON."""
    rows = {}
    for m in metrics(bench.settings):
        ratio = ratio_of(bench.results, m.key)
        figures = {kind: bench.results.get(kind, {}).get(m.key) for kind in KINDS}
        rows[m.key] = {"label": m.label, "unit": m.unit, **figures, "ratio": ratio}
        rows[m.key].update(target=m.target, met=m.met(ratio))
    doc = {
        "meta": meta(bench.settings),
        "results": bench.results,
        "metrics": rows,
        "errors": bench.errors,
    }
    path.write_text(json.dumps(doc, indent=2) + "\n")


def parse_args(argv: list[str] | None) -> tuple[Settings, Path | None]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=KINDS, help="measure one kind only")
    parser.add_argument("--alerts", type=int, default=20_000, help="distinct alerts (20000)")
    parser.add_argument("--connections", type=int, default=8, help="load connections (8)")
    parser.add_argument("--resend-passes", type=int, default=3, help="re-send passes (3)")
    parser.add_argument("--samples", type=int, default=20, help="latency samples (20)")
    parser.add_argument("--repeat", type=int, default=5, help="ingest runs, median (5)")
    parser.add_argument(
        "--section",
        choices=(*SECTIONS, "all"),
        default="all",
        help="measure only the original node figures or only the silence/inhibition ones",
    )
    parser.add_argument("--silences", type=int, default=10_000, help="silences (10000)")
    parser.add_argument("--inhibit-rules", type=int, default=100, help="inhibit rules (100)")
    parser.add_argument(
        "--silence-repeat", type=int, default=3, help="silences+ingest runs, median (3)"
    )
    parser.add_argument("--json", type=Path, help="write all results to this file")
    args = parser.parse_args(argv)
    counts = (args.connections, args.resend_passes, args.samples, args.repeat)
    if args.alerts < BATCH or min(counts) < 1 or args.silence_repeat < 1:
        parser.error("--alerts must be >= 64; the other counts >= 1")
    if args.silences < 1 or args.inhibit_rules < 0:
        parser.error("--silences must be >= 1 and --inhibit-rules >= 0")
    kinds = (args.only,) if args.only else KINDS
    sections = SECTIONS if args.section == "all" else (args.section,)
    settings = Settings(
        kinds,
        args.alerts,
        *counts,
        sections=sections,
        silences=args.silences,
        inhibit_rules=args.inhibit_rules,
        silence_repeat=args.silence_repeat,
    )
    return settings, args.json


def main(argv: list[str] | None = None) -> int:
    settings, json_path = parse_args(argv)
    if reference_missing(settings.kinds):
        return 2
    print(f"gossamer single-node benchmark: {', '.join(settings.kinds)}", file=sys.stderr)
    bench = run_on_event_loop(run(settings))
    print(render_table(metrics(bench.settings), bench.results))
    notes = render_notes(bench)
    if notes:
        print("\n" + notes)
    if json_path is not None:
        write_json(json_path, bench)
        print(f"\nresults written to {json_path}")
    return 1 if bench.errors else 0


if __name__ == "__main__":
    sys.exit(main())

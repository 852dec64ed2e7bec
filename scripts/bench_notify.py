#!/usr/bin/env python3
"""Notification-throughput benchmark: gossamer against the reference Alertmanager 0.25.

One receiver has three integrations: a webhook, Slack (default templates) and email (default
subject and HTML body), pointing at sinks on this script's loop: two loopback HTTP servers
and a small SMTP server. For each kind a fresh node (clustering off) gets `--groups` alerts,
one per aggregation group, in batches of 64; all groups fall due together `--group-wait`
after their alerts arrived and flush at once, so the node must deliver 3 × groups
notifications in one burst. The script measures:

1. time until everything is delivered: from the moment the last group fell due (the last
   POST's reply + group_wait) to the last request any sink received, and per integration;
   and the first delivery after the first group fell due (the first POST + group_wait);
2. server CPU per notification over the burst (process tree, /proc, until idle again);
3. gossamer's rendering cost per notification, in this process: building the Slack body,
   the email message (subject, HTML, headers, MIME) and the webhook body for one group.

Runs alternate between the kinds (`--repeat`, median). Traffic goes to 127.0.0.1 only; every
wait is bounded. From the repo root:

    python scripts/bench_notify.py                  # 1,000 groups, 3 runs each, ~1 minute
    python scripts/bench_notify.py --groups 200 --repeat 1 --only gossamer

Exit status: 0, or 1 when a run failed or did not deliver everything.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench_lib import (
    GOSSAMER,
    KINDS,
    REFERENCE,
    REPO_ROOT,
    HttpMessage,
    Node,
    SmtpSink,
    WebhookSink,
    alert_batches,
    blast,
    cpu_seconds_between,
    machine_busy_seconds,
    median,
    now,
    read_cpu,
    reference_missing,
    run_on_event_loop,
    wait_cpu_idle,
)

INTEGRATIONS = ("webhook", "slack", "email")
DELIVERY_LIMIT = 120.0  # seconds a burst may take before the run is declared failed
OTHER_LOAD_WARNING = 0.15

CONFIG = """\
global:
  resolve_timeout: 5m
  smtp_smarthost: 127.0.0.1:{smtp_port}
  smtp_from: alertmanager@example.org
  smtp_require_tls: false
  slack_api_url: http://127.0.0.1:{http_port}/slack/T0000/B0000/XXXXXXXX
route:
  receiver: oncall
  group_by: [alertname, pod]
  group_wait: {group_wait}ms
  group_interval: 5m
  repeat_interval: 4h
receivers:
  - name: oncall
    webhook_configs:
      - url: http://127.0.0.1:{http_port}/webhook
    slack_configs:
      - channel: '#alerts'
    email_configs:
      - to: oncall@example.org
"""


@dataclass
class Deliveries:
    """Arrival times per integration for the burst in progress; `done` is set when each
    integration has received `expected` notifications."""

    expected: int = 0
    arrivals: dict[str, list[float]] = field(default_factory=dict)
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def reset(self, expected: int) -> None:
        self.expected = expected
        self.arrivals = {name: [] for name in INTEGRATIONS}
        self.done.clear()

    def add(self, integration: str, received: float) -> None:
        self.arrivals[integration].append(received)
        if all(len(times) >= self.expected for times in self.arrivals.values()):
            self.done.set()

    def on_http(self, message: HttpMessage) -> None:
        path = message.start.split(" ", 2)[1]
        self.add("slack" if path.startswith("/slack/") else "webhook", message.received)

    def on_smtp(self, data: bytes, received: float) -> None:
        self.add("email", received)


@dataclass(frozen=True)
class Settings:
    kinds: tuple[str, ...]
    groups: int
    group_wait: float
    repeat: int
    connections: int = 4


async def burst(
    s: Settings, kind: str, attempt: int, workdir: Path, sinks: dict[str, Any]
) -> dict[str, Any]:
    """One fresh node, one burst of 3 × groups notifications; the figures of that run."""
    deliveries: Deliveries = sinks["deliveries"]
    config = CONFIG.format(
        smtp_port=sinks["smtp"].port,
        http_port=sinks["http"].port,
        group_wait=round(s.group_wait * 1000),
    )
    node = await Node(kind, config, workdir / f"{kind}-{attempt}").start()
    try:
        bodies = alert_batches(f"Burst{attempt}", s.groups)
        await wait_cpu_idle(node.pid)
        deliveries.reset(s.groups)
        first_due = now() + s.group_wait
        posted = await blast(node.pid, node.port, bodies, s.connections)
        if posted.accepted != s.groups:
            raise RuntimeError(f"{kind} accepted {posted.accepted} of {s.groups} alerts")
        due = now() + s.group_wait
        cpu0, machine0 = read_cpu(node.pid), machine_busy_seconds()
        await asyncio.wait_for(deliveries.done.wait(), s.group_wait + DELIVERY_LIMIT)
        cpu1 = await wait_cpu_idle(node.pid)
        seconds = now() - due + s.group_wait
        server_cpu = cpu_seconds_between(cpu0, cpu1)
        other_cpu = max(0.0, machine_busy_seconds() - machine0 - server_cpu)
    finally:
        node.stop()
    return figures(s, deliveries, (first_due, due), server_cpu, other_cpu / seconds)


def figures(
    s: Settings,
    deliveries: Deliveries,
    dues: tuple[float, float],
    server_cpu: float,
    other_share: float,
) -> dict[str, Any]:
    """The run's results: delivery times after the first and the last group fell due,
    CPU, surplus deliveries."""
    first_due, due = dues
    result: dict[str, Any] = {}
    for name, times in deliveries.arrivals.items():
        result[f"{name}_s"] = max(0.0, max(times) - due)
        result[f"{name}_extra"] = len(times) - s.groups
    every = [t for times in deliveries.arrivals.values() for t in times]
    result["all_s"] = max(0.0, max(every) - due)
    result["first_s"] = max(0.0, min(every) - first_due)
    result["cpu_ms_per_notification"] = server_cpu * 1000 / len(every)
    # The node idles through group_wait, so its CPU went into the burst itself.
    result["cores_busy"] = server_cpu / max(result["all_s"], 1e-3)
    result["other_cpu_share"] = other_share
    return result


# --------------------------------------------------------------------------- rendering cost


def rendering_cost(samples: int = 200) -> dict[str, float]:
    """Milliseconds to build one notification per integration, in this process (gossamer).

    Uses the benchmark's own config and one Prometheus-shaped alert per group, as the burst
    does: Slack's JSON body from its default templates, the full email message (from/to,
    subject, HTML part, headers, MIME encoding) and the webhook body.
    """
    sys.path.insert(0, str(REPO_ROOT))
    from gossamer.alert import Alert
    from gossamer.labels import fingerprint
    from gossamer.node import load_config
    from receivers import email as email_module
    from receivers.base import NotificationContext
    from receivers.build import build_notifiers
    from receivers.http import HTTPClientPool
    from receivers.payload import build_data
    from receivers.webhook import _encode

    with tempfile.TemporaryDirectory(prefix="gossamer-render-") as tmp:
        path = Path(tmp) / "alertmanager.yml"
        path.write_text(CONFIG.format(smtp_port=25, http_port=80, group_wait=1))
        loaded = load_config(str(path))
        notifiers = build_notifiers(
            loaded.config, ["oncall"], tmp, HTTPClientPool(), loaded.templates
        )["oncall"]
    by_kind = {n.integration: n for n in notifiers}
    ns = time.time_ns()
    labels = {"alertname": "HighErrorRate", "job": "node-exporter-1", "instance": "10.0.0.7:9100"}
    labels |= {"severity": "critical", "namespace": "team-3", "pod": "burst-0000007"}
    annotations = {
        "summary": "Instance 10.0.0.7:9100 of HighErrorRate is in trouble",
        "description": "10.0.0.7:9100 has reported high error rates for more than 5 minutes.",
    }
    url = "http://prometheus.example.internal:9090/graph?g0.expr=rate%28errors_total%5B5m%5D%29"
    alert = Alert(labels, annotations, ns, ns + 7_200 * 10**9, url, ns, False, fingerprint(labels))
    group = {"alertname": labels["alertname"], "pod": labels["pod"]}
    ctx = NotificationContext('{}:{alertname="HighErrorRate"}', group, "oncall", "http://am", ns)
    email = by_kind["email"]

    def email_message() -> None:
        data = build_data(ctx, [alert])
        render = email_module.Renderer(
            email.templates, data, receiver="oncall", integration="email"
        )
        render.text(email.config.from_, "from")
        render.text(email.config.to, "to")
        email_module.build_message(
            render,
            email.config,
            email.headers,
            now_ns=ns,
            message_id="<1.2@bench>",
            boundary="b" * 60,
        )

    jobs = {
        "slack": lambda: by_kind["slack"].build(ctx, [alert]),
        "email": email_message,
        "webhook": lambda: _encode(ctx, [alert], 0),
    }
    out = {}
    for name, job in jobs.items():
        job()
        started = time.perf_counter()
        for _ in range(samples):
            job()
        out[name] = (time.perf_counter() - started) * 1000 / samples
    return out


# --------------------------------------------------------------------------- driver


async def run(s: Settings) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """Every kind `repeat` times, alternating; results per kind and the errors met."""
    deliveries = Deliveries()
    sinks = {
        "deliveries": deliveries,
        "http": await WebhookSink(deliveries.on_http).start(),
        "smtp": await SmtpSink(deliveries.on_smtp).start(),
    }
    runs: dict[str, list[dict[str, Any]]] = {kind: [] for kind in s.kinds}
    errors: list[str] = []
    with tempfile.TemporaryDirectory(prefix="gossamer-bench-notify-") as tmp:
        try:
            for attempt in range(s.repeat):
                for kind in s.kinds:
                    print(f"  burst {attempt + 1} {kind:<10}", end=" ", file=sys.stderr, flush=True)
                    started = time.monotonic()
                    try:
                        runs[kind].append(await burst(s, kind, attempt, Path(tmp), sinks))
                    except Exception as exc:  # noqa: BLE001 - one kind failing must not stop the other
                        print(f"FAILED ({type(exc).__name__}: {exc})", file=sys.stderr)
                        errors.append(f"{kind} burst {attempt + 1}: {type(exc).__name__}: {exc}")
                        continue
                    print(f"{time.monotonic() - started:5.1f}s", file=sys.stderr)
        finally:
            sinks["http"].close()
            sinks["smtp"].close()
    return runs, errors


ROWS = (
    ("all_s", "all 3,000 delivered after due", "s", 3),
    ("webhook_s", "  webhook: last delivery", "s", 3),
    ("slack_s", "  slack: last delivery", "s", 3),
    ("email_s", "  email: last delivery", "s", 3),
    ("first_s", "first delivery after first due", "s", 3),
    ("cpu_ms_per_notification", "server CPU per notification", "ms", 3),
)


def report(s: Settings, runs: dict[str, list[dict[str, Any]]], render: dict[str, float]) -> str:
    """The table (median over runs, both kinds, ratio), then notes."""
    merged = {
        kind: {key: median(r[key] for r in results) for key in results[0]}
        for kind, results in runs.items()
        if results
    }
    lines = [f"{'metric':<32} {'unit':<4} {'reference':>10} {'gossamer':>10} {'ratio':>7}"]
    for key, label, unit, digits in ROWS:
        label = label.replace("3,000", f"{3 * s.groups:,}")
        ref, gos = (merged.get(kind, {}).get(key) for kind in (REFERENCE, GOSSAMER))
        ratio = f"{gos / ref:.2f}" if ref and gos is not None else "n/a"
        cells = ["n/a" if v is None else f"{v:,.{digits}f}" for v in (ref, gos)]
        lines.append(f"{label:<32} {unit:<4} {cells[0]:>10} {cells[1]:>10} {ratio:>7}")
    lines.append("")
    lines.append(
        "gossamer rendering cost per notification (this process, median of 200): "
        + ", ".join(f"{name} {ms:.2f} ms" for name, ms in render.items())
    )
    for kind, results in runs.items():
        spread = ", ".join(f"{r['all_s']:.3f}" for r in results)
        extra = Counter({n: sum(r[f"{n}_extra"] for r in results) for n in INTEGRATIONS})
        cores = ", ".join(f"{r['cores_busy']:.2f}" for r in results)
        lines.append(
            f"{kind}: runs (all delivered, s): {spread}; cores busy during the burst: {cores};"
            f" surplus deliveries {dict(extra)}"
        )
        share = max((r["other_cpu_share"] for r in results), default=0.0)
        if share > OTHER_LOAD_WARNING:
            lines.append(
                f"WARNING {kind}: other processes used up to {share:.0%} of a core; rerun on a"
                " quiet machine"
            )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> Settings:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=KINDS, help="measure one kind only")
    parser.add_argument("--groups", type=int, default=1000, help="groups flushing at once (1000)")
    parser.add_argument("--group-wait", type=float, default=2.0, help="seconds (2)")
    parser.add_argument("--repeat", type=int, default=3, help="bursts per kind, median (3)")
    args = parser.parse_args(argv)
    if args.groups < 1 or args.repeat < 1 or args.group_wait < 0.5:
        parser.error("--groups and --repeat must be >= 1, --group-wait >= 0.5")
    kinds = (args.only,) if args.only else KINDS
    return Settings(kinds, args.groups, args.group_wait, args.repeat)


def main(argv: list[str] | None = None) -> int:
    settings = parse_args(argv)
    if reference_missing(settings.kinds):
        return 2
    print(
        f"notification throughput: {settings.groups:,} groups x 3 integrations,"
        f" {', '.join(settings.kinds)}, {os.cpu_count()} CPUs",
        file=sys.stderr,
    )
    runs, errors = run_on_event_loop(run(settings))
    print(report(settings, runs, rendering_cost()))
    for error in errors:
        print(f"ERROR {error}")
    return 1 if errors or not any(runs.values()) else 0


if __name__ == "__main__":
    sys.exit(main())

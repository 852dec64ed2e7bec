"""Silence and inhibition figures for `bench_node.py` (its `--section silences`).

Workload, the same for both kinds:

* `--silences` silences (10,000), silence i matching `alertname="A<i>"` and one more label:
  `job="node-exporter-0"` for even i, `job="node-exporter-1"` for odd i, and for every
  100th silence (i % 100 == 51) the regex `job=~"node-exporter-[0-4]"` instead. They are
  created with `POST /api/v2/silences`, one per request, over the same keep-alive
  connections as alert ingest, and last two hours.
* Alerts (`silence_alerts`): Prometheus-shaped like the ingest phase's, but one in five is
  named `A<j>` with `job="node-exporter-0"` (j cycles over the silences), so it is silenced
  when j is even or a regex silence and only half-matches one otherwise; one in ten is a
  critical `S<k>` (k < 100), the source of inhibit rule k; and the alert right after each
  such source is a warning with the source's `instance`, which that rule inhibits.
* Inhibit rules (`inhibit_rules_yaml`), used by the ingest measurement only: rule k is
  `source_matchers: [severity="critical", alertname="S<k>"]`,
  `target_matchers: [severity="warning"]`, `equal: [instance]`.

Phases (each a fresh node per kind):

* `phase_silenced_ingest` (repeated): create the silences on a node that has the inhibit
  rules (silences/s, server CPU per 1,000), then ingest N alerts of the mix above and
  re-send them, as the ingest phase does (alerts/s, server CPU per 1,000);
* `phase_silenced_get`: create the silences, load 5N alerts of the mix (no inhibit rules),
  then time `GET /api/v2/alerts`: the first request after loading (a cold silence cache in
  Alertmanager) and the median after warm-up. The first reply is checked: every alert
  listed, and the expected number silenced.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bench_lib import (
    Blast,
    CpuMeter,
    blast_requests,
    build_request,
    cpu_seconds_between,
    make_alert,
    median,
    read_cpu,
    rfc3339,
    time_requests,
    wait_cpu_idle,
)
from bench_lib import blast as blast_alerts

if TYPE_CHECKING:
    from bench_node import Bench

BATCH = 64
REGEX_EVERY = 100  # silence i with i % REGEX_EVERY == REGEX_AT has a regex second matcher
REGEX_AT = 51  # odd, so the regex one silences alerts its equality twin would not
SILENCED_EVERY = 5  # alert i with i % SILENCED_EVERY == 0 is named A<j>
SOURCE_EVERY = 10  # alert i with i % SOURCE_EVERY == 1 is an inhibition source S<k>
GET_SAMPLES = 5  # GET /api/v2/alerts of 5N alerts is slow: fewer samples and warm-ups
GET_WARMUP = 2  # the first GET and one more
GET_TIMEOUT = 300.0  # the reference's first GET takes minutes (a full silence query per alert)


# --------------------------------------------------------------------------- payloads


def silence_matchers(i: int) -> list[dict[str, Any]]:
    """`alertname="A<i>"` plus a job matcher (a regex one for every 100th silence)."""
    if i % REGEX_EVERY == REGEX_AT:
        second = {"name": "job", "value": "node-exporter-[0-4]", "isRegex": True, "isEqual": True}
    else:
        job = f"node-exporter-{i % 2}"
        second = {"name": "job", "value": job, "isRegex": False, "isEqual": True}
    first = {"name": "alertname", "value": f"A{i}", "isRegex": False, "isEqual": True}
    return [first, second]


def silence_silences(i: int) -> bool:
    """Whether silence i mutes an alert named A<i> with job node-exporter-0."""
    return i % 2 == 0 or i % REGEX_EVERY == REGEX_AT


def silence_requests(
    port: int, count: int, lifetime: timedelta = timedelta(hours=2)
) -> list[tuple[bytes, int]]:
    """`count` pre-built `POST /api/v2/silences` requests, one silence each, as (raw, 1)."""
    starts = datetime.now(UTC)
    ends = rfc3339(starts + lifetime)
    requests = []
    for i in range(count):
        body = {
            "matchers": silence_matchers(i),
            "startsAt": rfc3339(starts),
            "endsAt": ends,
            "createdBy": "gossamer-bench",
            "comment": f"bench silence {i}",
        }
        raw = build_request(
            "POST",
            "/api/v2/silences",
            port,
            json.dumps(body, separators=(",", ":")).encode(),
            {"Content-Type": "application/json"},
        )
        requests.append((raw, 1))
    return requests


def inhibit_rules_yaml(count: int) -> str:
    """An `inhibit_rules:` block of `count` rules, rule k sourced by critical `S<k>`."""
    if count <= 0:
        return ""
    lines = ["inhibit_rules:"]
    for k in range(count):
        lines += [
            f"  - source_matchers: ['severity=\"critical\"', 'alertname=\"S{k}\"']",
            "    target_matchers: ['severity=\"warning\"']",
            "    equal: [instance]",
        ]
    return "\n".join(lines) + "\n"


def silence_alerts(
    prefix: str, count: int, silences: int, rules: int, starts: datetime, ends: datetime
) -> list[dict[str, Any]]:
    """`count` distinct alerts: the ingest phase's shape with silenced and inhibited ones mixed in.

    See the module docstring for the mix; `rules` is the number of `S<k>` source names.
    """
    alerts: list[dict[str, Any]] = []
    for i in range(count):
        alert = make_alert(prefix, i, starts, ends)
        labels = alert["labels"]
        if i % SILENCED_EVERY == 0 and silences:
            labels["alertname"] = f"A{i // SILENCED_EVERY % silences}"
            labels["job"] = "node-exporter-0"
        elif i % SOURCE_EVERY == 1 and rules:
            labels["alertname"] = f"S{i // SOURCE_EVERY % rules}"
            labels["severity"] = "critical"
        elif i % SOURCE_EVERY == 2 and rules:
            labels["instance"] = alerts[-1]["labels"]["instance"]  # the source just before
            labels["severity"] = "warning"
        alerts.append(alert)
    return alerts


def silence_alert_batches(
    prefix: str, count: int, silences: int, rules: int, lifetime: timedelta = timedelta(hours=2)
) -> list[bytes]:
    """`silence_alerts` as compact JSON bodies of BATCH alerts each."""
    starts = datetime.now(UTC)
    alerts = silence_alerts(prefix, count, silences, rules, starts, starts + lifetime)
    return [
        json.dumps(alerts[i : i + BATCH], separators=(",", ":")).encode()
        for i in range(0, count, BATCH)
    ]


def expected_silenced(count: int, silences: int) -> int:
    """How many of `silence_alerts(count, silences)` some silence mutes."""
    if not silences:
        return 0
    return sum(
        1
        for i in range(0, count, SILENCED_EVERY)
        if silence_silences(i // SILENCED_EVERY % silences)
    )


# --------------------------------------------------------------------------- phases


async def create_silences(bench: Bench, kind: str, pid: int, port: int) -> tuple[Blast, float]:
    """Create the run's silences on a node; returns the load run and the server's CPU seconds."""
    s = bench.settings
    requests = silence_requests(port, s.silences)
    cpu0 = await wait_cpu_idle(pid)
    created = await blast_requests(pid, port, requests, s.connections)
    cpu1 = await wait_cpu_idle(pid, limit=20.0)
    bench.check(kind, f"create {s.silences} silences", created)
    return created, cpu_seconds_between(cpu0, cpu1)


async def phase_silenced_ingest(bench: Bench, kind: str) -> dict[str, Any]:
    """Silence creation, then ingest with the silences and the inhibit rules loaded."""
    s = bench.settings
    node = await bench.node(kind, inhibit_rules=s.inhibit_rules)
    try:
        port, pid = node.port, node.pid
        created, create_cpu = await create_silences(bench, kind, pid, port)
        warm = silence_alert_batches("Warm", 512, s.silences, s.inhibit_rules)
        bench.check(kind, "warm-up", await blast_alerts(pid, port, warm, 4))
        await wait_cpu_idle(pid)
        bodies = silence_alert_batches("Bench", s.alerts, s.silences, s.inhibit_rules)
        cpu0 = read_cpu(pid)
        distinct = await blast_alerts(pid, port, bodies, s.connections)
        cpu1 = await wait_cpu_idle(pid)
        resent = await blast_alerts(pid, port, bodies * s.resend_passes, s.connections)
        cpu2 = await wait_cpu_idle(pid)
    finally:
        node.stop()
    bench.check(kind, "silenced ingest distinct", distinct)
    bench.check(kind, "silenced ingest re-sent", resent)
    ingest_cpu = cpu_seconds_between(cpu0, cpu2)
    accepted = distinct.accepted + resent.accepted
    loads = (created, distinct, resent)
    seconds = sum(load.seconds for load in loads)
    per_1k = 1000 * 1000  # seconds -> ms, per item -> per 1,000 items
    return {
        "silences_create": created.rate,
        "silences_create_cpu": create_cpu * per_1k / max(1, created.accepted),
        "silenced_ingest_distinct": distinct.rate,
        "silenced_ingest_resent": resent.rate,
        "silenced_cpu_distinct": cpu_seconds_between(cpu0, cpu1)
        * per_1k
        / max(1, distinct.accepted),
        "silenced_cpu_all": ingest_cpu * per_1k / max(1, accepted),
        "silences_client_cpu_share": sum(load.client_cpu for load in loads) / seconds,
        "silences_other_cpu_share": sum(load.other_cpu for load in loads) / seconds,
    }


async def phase_silenced_get(bench: Bench, kind: str) -> dict[str, Any]:
    """GET /api/v2/alerts with 5N alerts, some silenced, and the silences loaded."""
    s = bench.settings
    node = await bench.node(kind)
    try:
        port, pid = node.port, node.pid
        created, _ = await create_silences(bench, kind, pid, port)
        bodies = silence_alert_batches("Muted", s.large, s.silences, 0)
        loaded = await blast_alerts(pid, port, bodies, s.connections)
        bench.check(kind, f"load {s.large} alerts", loaded)
        await wait_cpu_idle(pid, limit=30.0)
        raw = build_request("GET", "/api/v2/alerts", port, headers={"Accept": "application/json"})
        meter = CpuMeter(pid)
        timings = await time_requests(port, raw, GET_WARMUP, GET_SAMPLES, GET_TIMEOUT)
        seconds, _, client_cpu, other_cpu = meter.stop()
    finally:
        node.stop()
    first = timings.first
    if first.status != 200:
        raise RuntimeError(f"GET /api/v2/alerts: {first.status} {first.body[:200]!r}")
    listed = json.loads(first.body)
    silenced = sum(1 for alert in listed if alert.get("status", {}).get("silencedBy"))
    expected = expected_silenced(s.large, s.silences)
    if len(listed) != s.large or silenced != expected:
        bench.errors.setdefault(kind, []).append(
            f"silenced GET: listed {len(listed)} alerts ({s.large} sent),"
            f" {silenced} silenced ({expected} expected)"
        )
    return {
        "silenced_get_ms": median(timings.samples_ms),
        "silenced_get_first_ms": timings.first_ms,
        "silenced_get_ms_samples": timings.samples_ms,
        "silenced_get_seen": len(listed),
        "silenced_get_silenced": silenced,
        "silenced_get_bytes": len(first.body),
        "silenced_get_create": created.rate,
        "silenced_get_load": loaded.rate,
        "silenced_get_client_cpu_share": client_cpu / seconds,
        "silenced_get_other_cpu_share": other_cpu / seconds,
    }

"""Silence matching at scale: ``mutes()`` cost follows the candidates, not the silence count.

Run ``python -m tests.test_silences_bench`` for figures; the test asserts loose
bounds only (shared CI machines are noisy) and that the index is used.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable

from cluster.silences import EQUAL, NOT_EQUAL, REGEXP, Silence, SilenceMatcher, Silences

S = 1_000_000_000
T0 = 1_700_000_000 * S
SEED = random.randrange(1 << 32)


def matchers_for(i: int, regex: bool) -> tuple[SilenceMatcher, ...]:
    """``env="prod", alertname="X_i"``, or a regex one on alertname (odd ``i`` only for equality)."""
    if regex:
        return (
            SilenceMatcher(REGEXP, "alertname", f"Regex{i}_.*|Other{i}"),
            SilenceMatcher(NOT_EQUAL, "env", "dev"),
        )
    return (SilenceMatcher(EQUAL, "env", "prod"), SilenceMatcher(EQUAL, "alertname", f"X_{i}"))


def build(n: int, regexes: int) -> tuple[Silences, list[float]]:
    """``n`` silences of which ``regexes`` are regex-only; returns them and each ``set()`` time."""
    s = Silences(120 * 3600)
    times = []
    every = n // regexes if regexes else n + 1
    for i in range(n):
        sil = Silence("", matchers_for(i, i % every == 0), T0, T0 + 3600 * S, created_by="bench")
        started = time.perf_counter()
        s.set(sil, T0)
        times.append(time.perf_counter() - started)
    return s, times


def alerts(n: int, silences: int, rng: random.Random) -> list[dict[str, str]]:
    """Alert label sets: a third hit an equality silence (odd ``X_i``), the rest miss."""
    out = []
    for i in range(n):
        name = f"X_{rng.randrange(1, silences) | 1}" if i % 3 == 0 else f"Unsilenced_{i}"
        out.append(
            {
                "alertname": name,
                "env": "prod",
                "instance": f"host-{i % 500}:9100",
                "job": "node",
                "severity": "page",
                "team": "infra",
            }
        )
    return out


def per_call(fn: Callable[[dict[str, str]], object], inputs: list[dict[str, str]]) -> float:
    started = time.perf_counter()
    for labels in inputs:
        fn(labels)
    return (time.perf_counter() - started) / len(inputs)


def naive_scan_us(s: Silences, batch: list[dict[str, str]]) -> float:
    """What one mutes() would cost checking every silence (the baseline the index avoids)."""
    compiled = [tuple(m.to_matcher() for m in x.matchers) for x in s]

    def scan(labels: dict[str, str]) -> int:
        return sum(all(m.matches(labels.get(m.name, "")) for m in ms) for ms in compiled)

    return per_call(scan, batch[:50]) * 1e6


def measure(
    n_silences: int = 10_000, n_alerts: int = 100_000, regexes: int = 20
) -> dict[str, float]:
    rng = random.Random(SEED)
    s, set_times = build(n_silences, regexes)
    started = time.perf_counter()
    view = s.snapshot()
    snapshot_ms = (time.perf_counter() - started) * 1e3
    batch = alerts(n_alerts, n_silences, rng)
    started = time.perf_counter()
    view.mutes(batch[0], T0 + S)  # compiles the regex sets
    first_mutes_ms = (time.perf_counter() - started) * 1e3
    mutes = per_call(lambda labels: view.mutes(labels, T0 + S), batch)
    hits = sum(1 for labels in batch[:3000] if view.mutes(labels, T0 + S)[0])
    started = time.perf_counter()
    for i in range(100):
        s.set(Silence("", matchers_for(n_silences + 2 * i + 1, False), T0, T0 + S), T0)
        s.snapshot()
    set_and_snapshot_ms = (time.perf_counter() - started) * 1e3 / 100
    return {
        "silences": n_silences,
        "regex_silences": regexes,
        "alerts": n_alerts,
        "mutes_us": mutes * 1e6,
        "naive_scan_us": naive_scan_us(s, batch),
        "first_mutes_ms": first_mutes_ms,
        "set_median_us": statistics.median(set_times) * 1e6,
        "set_p99_us": sorted(set_times)[int(len(set_times) * 0.99)] * 1e6,
        "snapshot_ms": snapshot_ms,
        "set_plus_snapshot_ms": set_and_snapshot_ms,
        "hits_in_first_3000": hits,
    }


def test_mutes_with_ten_thousand_silences_costs_candidates_not_silences() -> None:
    """10k silences (20 regex ones), 20k alerts: each mutes() is far below a full scan."""
    print(f"seed={SEED}")
    figures = measure(n_silences=10_000, n_alerts=20_000, regexes=20)
    print(figures)
    assert figures["hits_in_first_3000"] == 1000  # every third alert is silenced
    assert figures["mutes_us"] * 20 < figures["naive_scan_us"]
    assert figures["set_median_us"] < 1000


if __name__ == "__main__":
    print(f"seed={SEED}")
    for regexes in (20, 1000):
        print(f"-- 10k silences, {regexes} of them regex-only")
        for key, value in measure(regexes=regexes).items():
            print(f"{key:>22}: {value:,.2f}")

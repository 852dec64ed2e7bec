#!/usr/bin/env python3
"""Micro-benchmark of gossamer's notification HTTP client: CPU per POST.

Runs `--requests` POSTs of a ~2 KB JSON body through `receivers.http.HTTPClient` against a
loopback sink in a child process (bench_lib's `WebhookSink`: 200, empty body), so this
process's `time.process_time()` counts the client alone. Two shapes:

* sequential: one request after another on one keep-alive connection;
* storm: `--concurrency` requests at once on a fresh client, as when 1,000 aggregation
  groups flush together (every request opens its own connection; limit=0), then the next
  wave reuses those connections.

Each shape runs `--repeat` times; the median CPU µs per request is printed. `--profile FILE`
writes a cProfile of one extra storm run. From the repo root:

    python scripts/bench_http_client.py                  # 2,000 requests, 5 runs each
    python scripts/bench_http_client.py --profile /tmp/storm.prof
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_lib import HOST, WebhookSink  # noqa: E402

from gossamer.config.model import HTTPClientConfig  # noqa: E402
from receivers.http import HTTPClient  # noqa: E402


def _body() -> bytes:
    """A webhook-like JSON body of about 2 KB."""
    alert = {
        "status": "firing",
        "labels": {"alertname": "HighLatency", "instance": "node-17:9100", "job": "node"},
        "annotations": {"summary": "p99 latency above 500 ms for 10 minutes" * 2},
        "startsAt": "2024-01-01T00:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus:9090/graph?g0.expr=up",
        "fingerprint": "0123456789abcdef",
    }
    payload = {"version": "4", "groupKey": '{}:{alertname="HighLatency"}', "alerts": [alert] * 3}
    body = json.dumps(payload).encode()
    return body + b" " * max(0, 2048 - len(body))


async def _serve() -> None:
    """Child mode: run the sink, print its port, exit when stdin closes."""
    sink = await WebhookSink(lambda message: None).start()
    print(sink.port, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    sink.close()


def _cpu_per_request(requests: int, run: Callable[[], Awaitable[None]]) -> Awaitable[float]:
    async def measure() -> float:
        start = time.process_time()
        await run()
        return (time.process_time() - start) / requests * 1e6

    return measure()


async def _sequential(url: str, body: bytes, requests: int) -> float:
    client = HTTPClient(HTTPClientConfig())
    await client.post(url, body, content_type="application/json")  # warm: connection open

    async def run() -> None:
        for _ in range(requests):
            response = await client.post(url, body, content_type="application/json")
            assert response.status == 200, response

    try:
        return await _cpu_per_request(requests, run)
    finally:
        await client.close()


async def _storm(url: str, body: bytes, requests: int, concurrency: int) -> float:
    client = HTTPClient(HTTPClientConfig())

    async def one() -> None:
        response = await client.post(url, body, content_type="application/json")
        assert response.status == 200, response

    async def run() -> None:
        for start in range(0, requests, concurrency):
            await asyncio.gather(*(one() for _ in range(min(concurrency, requests - start))))

    try:
        return await _cpu_per_request(requests, run)
    finally:
        await client.close()


async def _main(args: argparse.Namespace) -> None:
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert child.stdout is not None
        url = f"http://{HOST}:{int(child.stdout.readline())}/hook"
        body = _body()
        results: dict[str, list[float]] = {"sequential": [], "storm": []}
        for _ in range(args.repeat):
            if args.shape in ("both", "sequential"):
                results["sequential"].append(await _sequential(url, body, args.requests))
            if args.shape in ("both", "storm"):
                storm = await _storm(url, body, args.requests, args.concurrency)
                results["storm"].append(storm)
        print(f"{args.requests} POSTs of {len(body)} B, median (min) of {args.repeat} runs:")
        for name, values in results.items():
            if values:
                median, best = statistics.median(values), min(values)
                shown = " ".join(f"{v:.0f}" for v in values)
                print(f"  {name:<10} {median:6.1f} ({best:5.1f}) µs CPU/request  [{shown}]")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            await _storm(url, body, args.requests, args.concurrency)
            profiler.disable()
            profiler.dump_stats(args.profile)
            print(f"profile of one storm run: {args.profile}")
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--shape", choices=("both", "sequential", "storm"), default="both")
    parser.add_argument("--profile", default="", help="write a cProfile of one storm run")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--asyncio", action="store_true", help="plain asyncio, not uvloop")
    args = parser.parse_args()
    runner: Any = asyncio.run
    if not args.asyncio:
        try:
            import uvloop

            runner = uvloop.run
        except ImportError:
            pass
    runner(_serve() if args.serve else _main(args))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Micro-benchmark of gossamer's notification HTTP client: CPU per POST.

Runs `--requests` POSTs of a ~2 KB JSON body through `receivers.http.HTTPClient` against a
loopback sink in a child process (bench_lib's `WebhookSink`: 200, empty body), so this
process's `time.process_time()` counts the client alone. Two shapes:

* sequential: one request after another on one keep-alive connection;
* storm: `--concurrency` requests at once on a fresh client, as when 1,000 aggregation
  groups flush together (every request opens its own connection; limit=0), then the next
  wave reuses those connections.

Each shape runs `--repeat` times; the median (and min) CPU µs per request is printed.
`--tls skip-verify|ca-file` puts TLS on the sink (a fresh CA from the tests' `make_certs`; the
client either verifies nothing, so no file is read per request, or reads `ca_file` per
request as prometheus/common does). CPU time on a shared box drifts by tens of percent, so
`--instructions` also counts user-space instructions per request under valgrind
(callgrind; a run of `--requests` minus a run of 1), which repeat to within about 1%.
`--profile FILE` writes a cProfile of one extra storm run. From the repo root:

    python scripts/bench_http_client.py                  # 2,000 requests, 5 runs each
    python scripts/bench_http_client.py --instructions --repeat 3
    python scripts/bench_http_client.py --tls ca-file --shape storm
    python scripts/bench_http_client.py --profile /tmp/storm.prof
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_lib import HOST, HttpParser, WebhookSink  # noqa: E402

from gossamer.config.model import HTTPClientConfig, TLSConfig  # noqa: E402
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


class _TLSSink(asyncio.Protocol):
    """bench_lib's sink behind TLS: 200 with an empty body to every request."""

    def __init__(self) -> None:
        self._parser = HttpParser()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        for _ in self._parser.feed(data, 0.0):
            assert self._transport is not None
            self._transport.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")


async def _serve(cert_dir: str) -> None:
    """Child mode: run the sink (TLS with the certs in `cert_dir`, if given), print its
    port, exit when stdin closes."""
    if cert_dir:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(f"{cert_dir}/server.pem", f"{cert_dir}/server.key")
        loop = asyncio.get_running_loop()
        server = await loop.create_server(_TLSSink, HOST, 0, ssl=context, backlog=4096)
        port, close = server.sockets[0].getsockname()[1], server.close
    else:
        sink = await WebhookSink(lambda message: None).start()
        port, close = sink.port, sink.close
    print(port, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    close()


def _cpu_per_request(requests: int, run: Callable[[], Awaitable[None]]) -> Awaitable[float]:
    async def measure() -> float:
        start = time.process_time()
        await run()
        return (time.process_time() - start) / requests * 1e6

    return measure()


async def _sequential(url: str, body: bytes, requests: int, config: HTTPClientConfig) -> float:
    client = HTTPClient(config)
    await client.post(url, body, content_type="application/json")  # warm: connection open

    async def run() -> None:
        for _ in range(requests):
            response = await client.post(url, body, content_type="application/json")
            assert response.status == 200, response

    try:
        return await _cpu_per_request(requests, run)
    finally:
        await client.close()


async def _storm(
    url: str, body: bytes, requests: int, concurrency: int, config: HTTPClientConfig
) -> float:
    client = HTTPClient(config)

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


def _client_config(tls: str, cert_dir: str) -> HTTPClientConfig:
    if tls == "skip-verify":
        return HTTPClientConfig(tls_config=TLSConfig(insecure_skip_verify=True))
    if tls == "ca-file":
        return HTTPClientConfig(tls_config=TLSConfig(ca_file=f"{cert_dir}/ca.pem"))
    return HTTPClientConfig()


async def _main(args: argparse.Namespace, cert_dir: str) -> None:
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--cert-dir", cert_dir],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert child.stdout is not None
        scheme = "https" if cert_dir else "http"
        url = f"{scheme}://{HOST}:{int(child.stdout.readline())}/hook"
        body = _body()
        config = _client_config(args.tls, cert_dir)
        results: dict[str, list[float]] = {"sequential": [], "storm": []}
        for _ in range(args.repeat):
            if args.shape in ("both", "sequential"):
                results["sequential"].append(await _sequential(url, body, args.requests, config))
            if args.shape in ("both", "storm"):
                storm = await _storm(url, body, args.requests, args.concurrency, config)
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
            await _storm(url, body, args.requests, args.concurrency, config)
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
    parser.add_argument("--tls", choices=("off", "skip-verify", "ca-file"), default="off")
    parser.add_argument("--instructions", action="store_true", help="also count instructions")
    parser.add_argument("--asyncio", action="store_true", help="plain asyncio, not uvloop")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cert-dir", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    runner: Any = asyncio.run
    if not args.asyncio:
        try:
            import uvloop

            runner = uvloop.run
        except ImportError:
            pass
    if args.serve:
        runner(_serve(args.cert_dir))
        return
    with tempfile.TemporaryDirectory() as cert_dir:
        if args.tls != "off":
            _write_certs(Path(cert_dir))
        runner(_main(args, cert_dir if args.tls != "off" else ""))
    if args.instructions:
        _count_instructions(args)


def _write_certs(directory: Path) -> None:
    """A CA and a server certificate for 127.0.0.1, under fixed names."""
    from tests.test_http_client_support import make_certs

    certs = make_certs(directory)
    for source, name in ((certs.ca, "ca.pem"), (certs.server_cert, "server.pem")):
        source.rename(directory / name)
    certs.server_key.rename(directory / "server.key")


def _count_instructions(args: argparse.Namespace) -> None:
    """User-space instructions per request: callgrind over `--requests` minus over 1."""
    shapes = ("sequential", "storm") if args.shape == "both" else (args.shape,)
    print("user-space instructions per request (valgrind --tool=callgrind):")
    for shape in shapes:
        counts = []
        for requests in (1, args.requests):
            command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
            command += [sys.executable, __file__, "--repeat", "1", "--shape", shape]
            command += ["--requests", str(requests), "--tls", args.tls]
            command += ["--concurrency", str(args.concurrency)]
            if args.asyncio:
                command.append("--asyncio")
            run = subprocess.run(command, capture_output=True, text=True, check=True)
            counts.append(int(run.stderr.rpartition("Collected : ")[2].split()[0]))
        per_request = (counts[1] - counts[0]) / (args.requests - 1)
        print(f"  {shape:<10} {per_request / 1000:6.0f}k")


if __name__ == "__main__":
    main()

"""Building blocks for the benchmark scripts: node processes, /proc readings, a lean HTTP
client and webhook sink on asyncio, and Prometheus-like alert payloads.

Everything here runs on the benchmark's single asyncio loop (uvloop when installed) except
the /proc readers and `Node.start`/`Node.stop`, which are plain blocking calls. All traffic
goes to 127.0.0.1 only.

The HTTP code is deliberately tiny: requests are pre-built byte strings and responses are
framed by Content-Length or chunked encoding, so one Python client process can keep a server
busy on a 2-core box while spending only a few percent of a core itself (aiohttp's client
costs about five times as much per request).
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar, cast

HOST = "127.0.0.1"
REPO_ROOT = Path(__file__).resolve().parents[1]
REFERENCE = "reference"
GOSSAMER = "gossamer"
KINDS = (REFERENCE, GOSSAMER)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
BLAST_LIMIT = 60.0  # seconds any one load run may take before it stops sending
LISTEN_BACKLOG = 4096  # sinks take bursts of ~1,000 simultaneous connects without SYN drops
now = time.perf_counter
T = TypeVar("T")


# --------------------------------------------------------------------------- /proc readings


def process_tree(pid: int) -> list[int]:
    """`pid` and all its live descendants (a node that forks helpers is measured whole)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, ()))
    return tree


@dataclass(frozen=True)
class CpuReading:
    """CPU time of a process tree at one instant, read two ways.

    `ticks` is utime+stime from /proc/<pid>/stat (whole process, including threads that have
    exited, but only 1/CLK_TCK = 10 ms resolution). `tasks` maps (pid, tid) to the
    nanosecond-precise run time from /proc/<pid>/task/<tid>/schedstat; it misses threads
    that exit, which is why `cpu_seconds_between` falls back to ticks when one did.
    """

    ticks: int
    tasks: dict[tuple[int, int], int]


def read_cpu(pid: int) -> CpuReading:
    """Read the CPU time of `pid` and its descendants."""
    ticks, tasks = 0, {}
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
            for tid in os.listdir(f"/proc/{member}/task"):
                text = Path(f"/proc/{member}/task/{tid}/schedstat").read_text()
                tasks[(member, int(tid))] = int(text.split()[0])
        except (OSError, ValueError, IndexError):
            continue
    return CpuReading(ticks, tasks)


def cpu_seconds_between(start: CpuReading, end: CpuReading) -> float:
    """CPU seconds used between two readings: schedstat precision when no thread exited."""
    if set(start.tasks) <= set(end.tasks) and end.tasks:
        return sum(ns - start.tasks.get(key, 0) for key, ns in end.tasks.items()) / 1e9
    return (end.ticks - start.ticks) / CLOCK_TICKS


def rss_bytes(pid: int) -> int:
    """VmRSS summed over `pid` and its descendants."""
    total = 0
    for member in process_tree(pid):
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def machine_busy_seconds() -> float:
    """CPU seconds all CPUs have spent busy since boot (/proc/stat), to spot other load."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / CLOCK_TICKS


def process_cpu_seconds() -> float:
    """CPU seconds this (client) process has used so far."""
    return time.process_time()  # CLOCK_PROCESS_CPUTIME_ID: ns resolution, unlike os.times()


async def wait_cpu_idle(
    pid: int, window: float = 0.2, busy_share: float = 0.03, limit: float = 10.0
) -> CpuReading:
    """Wait until the process tree uses < `busy_share` of a core over `window` seconds.

    Returns the reading taken at the start of the first quiet window, so the CPU total of a
    phase includes the work the server finished after its last HTTP reply (Alertmanager hands
    alerts to the dispatcher asynchronously) but not the idle tail. Gives up after `limit`.
    """
    deadline = now() + limit
    previous = read_cpu(pid)
    while now() < deadline:
        await asyncio.sleep(window)
        current = read_cpu(pid)
        if cpu_seconds_between(previous, current) < busy_share * window:
            return previous
        previous = current
    return previous


# --------------------------------------------------------------------------- HTTP framing


@dataclass
class HttpMessage:
    """One parsed request or response; `start` is its first line."""

    start: str
    headers: dict[str, str]  # names lower-cased
    body: bytes
    received: float = 0.0  # perf_counter() of the read that completed it

    @property
    def status(self) -> int:
        """Status code of a response."""
        return int(self.start.split(" ", 2)[1])


class HttpParser:
    """Incremental HTTP/1.1 framing for one direction of a keep-alive connection.

    Bodies are framed by Content-Length or chunked transfer encoding; a message with neither
    has an empty body (both Go's net/http and uvicorn always send one or the other).
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._pos = 0
        self._head: tuple[str, dict[str, str]] | None = None
        self._chunked = False
        self._length = 0
        self._body = bytearray()

    def feed(self, data: bytes, received: float) -> list[HttpMessage]:
        """Add bytes; return every message they complete."""
        self._buf += data
        done = []
        while (message := self._next(received)) is not None:
            done.append(message)
        if self._pos:
            del self._buf[: self._pos]
            self._pos = 0
        return done

    def _next(self, received: float) -> HttpMessage | None:
        if self._head is None and not self._read_head():
            return None
        if self._chunked:
            if not self._read_chunks():
                return None
            body = bytes(self._body)
        else:
            if len(self._buf) - self._pos < self._length:
                return None
            body = bytes(self._buf[self._pos : self._pos + self._length])
            self._pos += self._length
        assert self._head is not None
        start, headers = self._head
        self._head, self._body = None, bytearray()
        return HttpMessage(start, headers, body, received)

    def _read_head(self) -> bool:
        end = self._buf.find(b"\r\n\r\n", self._pos)
        if end < 0:
            return False
        lines = self._buf[self._pos : end].decode("latin-1").split("\r\n")
        self._pos = end + 4
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        self._head = (lines[0], headers)
        self._chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        self._length = int(headers.get("content-length", "0") or 0)
        return True

    def _read_chunks(self) -> bool:
        """Consume complete chunks; True once the terminating chunk and trailers are in."""
        while True:
            line_end = self._buf.find(b"\r\n", self._pos)
            if line_end < 0:
                return False
            size = int(self._buf[self._pos : line_end].split(b";")[0], 16)
            if size == 0:
                trailer_end = self._buf.find(b"\r\n\r\n", line_end)
                if trailer_end < 0:
                    return False
                self._pos = trailer_end + 4
                return True
            data_end = line_end + 2 + size
            if len(self._buf) < data_end + 2:
                return False
            self._body += self._buf[line_end + 2 : data_end]
            self._pos = data_end + 2


def build_request(
    method: str, path: str, port: int, body: bytes = b"", headers: dict[str, str] | None = None
) -> bytes:
    """A complete HTTP/1.1 keep-alive request, ready to write to a socket."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", "User-Agent: gossamer-bench"]
    if body or method in ("POST", "PUT"):
        lines.append(f"Content-Length: {len(body)}")
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def post_alerts_request(port: int, body: bytes) -> bytes:
    """`POST /api/v2/alerts` the way Prometheus sends it."""
    return build_request("POST", "/api/v2/alerts", port, body, {"Content-Type": "application/json"})


class HttpClient(asyncio.Protocol):
    """One keep-alive connection with at most one request in flight (no pipelining)."""

    def __init__(self) -> None:
        self._parser = HttpParser()
        self._transport: asyncio.Transport | None = None
        self._waiter: asyncio.Future[HttpMessage] | None = None
        self._closed_error: Exception | None = None

    @classmethod
    async def connect(cls, port: int, timeout: float = 5.0) -> HttpClient:
        """Open a connection to 127.0.0.1:`port` with Nagle off."""
        loop = asyncio.get_running_loop()
        _, client = await asyncio.wait_for(loop.create_connection(cls, HOST, port), timeout)
        return client

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        for message in self._parser.feed(data, now()):
            if self._waiter is not None and not self._waiter.done():
                self._waiter.set_result(message)

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed_error = exc or ConnectionResetError("server closed the connection")
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(self._closed_error)

    async def request(self, raw: bytes, timeout: float = 30.0) -> HttpMessage:
        """Write a pre-built request and wait for its complete response."""
        if self._closed_error is not None or self._transport is None:
            raise ConnectionResetError(f"connection closed: {self._closed_error}")
        self._waiter = asyncio.get_running_loop().create_future()
        self._transport.write(raw)
        return await asyncio.wait_for(self._waiter, timeout)

    def close(self) -> None:
        """Close the connection."""
        if self._transport is not None:
            self._transport.close()


async def fetch(port: int, raw: bytes, timeout: float = 30.0) -> HttpMessage:
    """One request on a fresh connection."""
    client = await HttpClient.connect(port, timeout)
    try:
        return await client.request(raw, timeout)
    finally:
        client.close()


# --------------------------------------------------------------------------- load


class CpuMeter:
    """Who used the CPU over a stretch of time: the server tree, this script, everything else."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.machine0 = machine_busy_seconds()
        self.server0 = read_cpu(pid)
        self.client0 = process_cpu_seconds()
        self.started = now()

    def stop(self) -> tuple[float, float, float, float]:
        """(wall seconds, server CPU, client CPU, other processes' CPU) since creation."""
        seconds = now() - self.started
        client_cpu = process_cpu_seconds() - self.client0
        server_cpu = cpu_seconds_between(self.server0, read_cpu(self.pid))
        other_cpu = max(0.0, machine_busy_seconds() - self.machine0 - server_cpu - client_cpu)
        return seconds, server_cpu, client_cpu, other_cpu


@dataclass
class Blast:
    """Outcome of one load run."""

    seconds: float
    accepted: int  # items (alerts, silences) in requests answered 200
    statuses: Counter[int]
    client_cpu: float  # CPU seconds this script spent during the run
    other_cpu: float  # CPU seconds neither the server nor this script spent (other load)
    truncated: bool

    @property
    def rate(self) -> float:
        """Accepted items per second."""
        return self.accepted / self.seconds if self.seconds > 0 else 0.0


async def blast_requests(
    pid: int, port: int, requests: list[tuple[bytes, int]], connections: int
) -> Blast:
    """Send every pre-built (request, items) once over `connections` keep-alive connections.

    Each connection takes the next request as soon as its previous reply is in (no
    pipelining, like Prometheus's notifier). A 200 reply counts the request's items as
    accepted. Stops sending after BLAST_LIMIT seconds.
    """
    clients = [await HttpClient.connect(port) for _ in range(connections)]
    pending = iter(requests)
    statuses: Counter[int] = Counter()
    accepted = 0
    deadline = now() + BLAST_LIMIT
    truncated = False

    async def worker(client: HttpClient) -> None:
        nonlocal accepted, truncated
        for raw, count in pending:
            reply = await client.request(raw)
            statuses[reply.status] += 1
            accepted += count if reply.status == 200 else 0
            if now() > deadline:
                truncated = True
                return

    meter = CpuMeter(pid)
    try:
        await asyncio.gather(*(worker(client) for client in clients))
    finally:
        for client in clients:
            client.close()
    seconds, _, client_cpu, other_cpu = meter.stop()
    return Blast(seconds, accepted, statuses, client_cpu, other_cpu, truncated)


async def blast(pid: int, port: int, bodies: list[bytes], connections: int) -> Blast:
    """`POST /api/v2/alerts` every body once; see `blast_requests`."""
    requests = [(post_alerts_request(port, body), body.count(b'"labels"')) for body in bodies]
    return await blast_requests(pid, port, requests, connections)


@dataclass
class Timings:
    """Wall times of one request repeated on one keep-alive connection."""

    first: HttpMessage  # the first reply, kept for sanity checks of its body
    first_ms: float  # the first request, before any warm-up
    samples_ms: list[float]  # after warm-up


async def time_requests(
    port: int, raw: bytes, warmup: int, samples: int, timeout: float = 30.0
) -> Timings:
    """Send `raw` 1 + (warmup - 1) + samples times; each time is written-to-last-byte-read.

    The first request counts as the first warm-up request; it may take up to `timeout`
    seconds (a cold cache can make it much slower than the rest).
    """
    client = await HttpClient.connect(port)
    try:
        started = now()
        first = await client.request(raw, timeout)
        first_ms = (first.received - started) * 1000
        for _ in range(warmup - 1):
            await client.request(raw, timeout)
        timings = []
        for _ in range(samples):
            started = now()
            reply = await client.request(raw, timeout)
            timings.append((reply.received - started) * 1000)
    finally:
        client.close()
    return Timings(first, first_ms, timings)


# --------------------------------------------------------------------------- webhook sink


class WebhookSink:
    """A loopback HTTP server on the benchmark's loop that answers 200 to every request.

    `on_request(message)` runs on the loop for each complete request; `message.received` is
    the perf_counter() taken as the read that completed it came in, before any parsing.
    """

    def __init__(self, on_request: Callable[[HttpMessage], None]) -> None:
        self.on_request = on_request
        self.port = 0
        self.requests = 0
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> WebhookSink:
        """Listen on 127.0.0.1, on a free port."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _SinkConnection(self), HOST, 0, backlog=LISTEN_BACKLOG
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def close(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.close()


class _SinkConnection(asyncio.Protocol):
    def __init__(self, sink: WebhookSink) -> None:
        self._sink = sink
        self._parser = HttpParser()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        arrived = now()
        for message in self._parser.feed(data, arrived):
            assert self._transport is not None
            self._transport.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            self._sink.requests += 1
            self._sink.on_request(message)


class SmtpSink:
    """A loopback SMTP server on the benchmark's loop that accepts every message.

    It speaks just enough ESMTP for Go's net/smtp and gossamer's client (greeting, EHLO/HELO,
    MAIL, RCPT, DATA, RSET, NOOP, QUIT; no STARTTLS, no AUTH), so the benchmark measures the
    server under test rather than a full SMTP implementation. `on_message(data, received)`
    runs on the loop with each message's raw DATA bytes (dot-stuffing left in).
    """

    def __init__(self, on_message: Callable[[bytes, float], None]) -> None:
        self.on_message = on_message
        self.port = 0
        self.messages = 0
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> SmtpSink:
        """Listen on 127.0.0.1, on a free port."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _SmtpConnection(self), HOST, 0, backlog=LISTEN_BACKLOG
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def close(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.close()


class _SmtpConnection(asyncio.Protocol):
    REPLIES = {
        b"EHLO": b"250-bench.invalid\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n",
        b"HELO": b"250 bench.invalid\r\n",
        b"DATA": b"354 End data with <CR><LF>.<CR><LF>\r\n",
        b"QUIT": b"221 Bye\r\n",
    }

    def __init__(self, sink: SmtpSink) -> None:
        self._sink = sink
        self._buf = bytearray()
        self._in_data = False
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)
        self._transport.write(b"220 bench.invalid ESMTP ready\r\n")

    def data_received(self, data: bytes) -> None:
        arrived = now()
        self._buf += data
        assert self._transport is not None
        while self._buf and not self._transport.is_closing():
            if self._in_data:
                end = self._buf.find(b"\r\n.\r\n")
                if end < 0:
                    return
                self._sink.messages += 1
                self._sink.on_message(bytes(self._buf[:end]), arrived)
                del self._buf[: end + 5]
                self._in_data = False
                self._transport.write(b"250 OK queued\r\n")
                continue
            end = self._buf.find(b"\r\n")
            if end < 0:
                return
            verb = bytes(self._buf[:4]).upper()
            del self._buf[: end + 2]
            self._transport.write(self.REPLIES.get(verb, b"250 OK\r\n"))
            self._in_data = verb == b"DATA"
            if verb == b"QUIT":
                self._transport.close()


# --------------------------------------------------------------------------- node processes

_live: set[Node] = set()


class NodeStartError(RuntimeError):
    """The node exited or did not answer `GET /-/ready` in time; carries its log tail."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def reference_binary() -> str | None:
    """Path of the reference Alertmanager, or None when it is not installed."""
    name = os.environ.get("GOSSAMER_REFERENCE_BINARY", "prometheus-alertmanager")
    return shutil.which(name)


@dataclass(eq=False)
class Node:
    """One single-node server (reference or gossamer), clustering disabled, in `workdir`."""

    kind: str
    config_text: str
    workdir: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        """Process id of the running server."""
        assert self.proc is not None
        return self.proc.pid

    def command(self) -> list[str]:
        """Alertmanager-style command line for this node."""
        if self.kind == REFERENCE:
            program = [reference_binary() or "prometheus-alertmanager"]
        else:
            program = [sys.executable, "-m", "gossamer"]
        return [
            *program,
            f"--config.file={self.workdir / 'alertmanager.yml'}",
            f"--storage.path={self.workdir / 'data'}",
            f"--web.listen-address={HOST}:{self.port}",
            "--cluster.listen-address=",
        ]

    async def start(self, timeout: float = 30.0) -> Node:
        """Write the config, spawn the server, and wait until `GET /-/ready` answers 200."""
        (self.workdir / "data").mkdir(parents=True, exist_ok=True)
        (self.workdir / "alertmanager.yml").write_text(self.config_text)
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
        with (self.workdir / "node.log").open("wb") as log:
            self.proc = subprocess.Popen(
                self.command(),
                cwd=REPO_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _live.add(self)
        try:
            await self._wait_ready(timeout)
        except BaseException:
            self.stop(grace=1.0)
            raise
        return self

    async def _wait_ready(self, timeout: float) -> None:
        ready = build_request("GET", "/-/ready", self.port)
        deadline = now() + timeout
        while now() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                raise NodeStartError(f"{self.kind} exited before ready:\n{self.log_tail()}")
            try:
                if (await fetch(self.port, ready, timeout=2.0)).status == 200:
                    return
            except (OSError, TimeoutError):
                pass
            await asyncio.sleep(0.05)
        raise NodeStartError(f"{self.kind} not ready after {timeout:.0f}s:\n{self.log_tail()}")

    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM the node's process group, SIGKILL after `grace` seconds."""
        _live.discard(self)
        if self.proc is None or self.proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, None)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.proc.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def log_tail(self, lines: int = 15) -> str:
        """The last lines of the node's output."""
        path = self.workdir / "node.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@atexit.register
def _stop_all() -> None:
    for node in list(_live):
        node.stop(grace=2.0)


# --------------------------------------------------------------------------- payloads


def rfc3339(moment: datetime) -> str:
    """Millisecond RFC 3339 in UTC, as Prometheus formats alert timestamps."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def make_alert(
    prefix: str, index: int, starts: datetime, ends: datetime, alertname: str | None = None
) -> dict[str, Any]:
    """One alert shaped like Prometheus's: 6 labels, 2 annotations, times and generatorURL.

    Alerts fall into 50 alertnames x 5 jobs; `instance` and `pod` make each one distinct.
    """
    name = alertname or f"{prefix}Alert{index % 50}"
    instance = f"10.{index // 65536 % 256}.{index // 256 % 256}.{index % 256}:9100"
    return {
        "labels": {
            "alertname": name,
            "job": f"node-exporter-{index % 5}",
            "instance": instance,
            "severity": "critical" if index % 4 == 0 else "warning",
            "namespace": f"team-{index % 17}",
            "pod": f"{prefix.lower()}-{index:07d}",
        },
        "annotations": {
            "summary": f"Instance {instance} of {name} is in trouble",
            "description": (
                f"{instance} has reported high error rates for more than 5 minutes "
                f"(current value: {index % 1000}.{index % 7}%)."
            ),
        },
        "startsAt": rfc3339(starts),
        "endsAt": rfc3339(ends),
        "generatorURL": (
            "http://prometheus.example.internal:9090/graph?g0.expr=rate%28errors_total%5B5m"
            f"%5D%29+%3E+0.05&g0.tab=1&alert={name}"
        ),
    }


def alert_batches(
    prefix: str, count: int, batch: int = 64, lifetime: timedelta = timedelta(hours=2)
) -> list[bytes]:
    """`count` distinct alerts as compact JSON bodies of `batch` alerts each."""
    starts = datetime.now(UTC)
    ends = starts + lifetime
    alerts = [make_alert(prefix, i, starts, ends) for i in range(count)]
    return [
        json.dumps(alerts[i : i + batch], separators=(",", ":")).encode()
        for i in range(0, count, batch)
    ]


def run_on_event_loop(main: Coroutine[Any, Any, T]) -> T:
    """Run the benchmark's coroutine on uvloop when it is installed, else asyncio."""
    try:
        import uvloop

        return cast(T, uvloop.run(main))
    except ImportError:
        return asyncio.run(main)


def reference_missing(kinds: Iterable[str]) -> bool:
    """True (and says so on stderr) when the reference is wanted but not installed."""
    if REFERENCE in kinds and reference_binary() is None:
        print("prometheus-alertmanager not found (set GOSSAMER_REFERENCE_BINARY)", file=sys.stderr)
        return True
    return False


def median(values: Iterable[float]) -> float:
    """Median of a non-empty iterable."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2

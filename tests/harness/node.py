"""Start, probe, query and stop one Alertmanager-compatible node process.

The same class drives the reference binary (`prometheus-alertmanager`) and
gossamer (`python -m gossamer`): both take Alertmanager's command-line flags,
so a test can start either kind with the same config and compare them.
"""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .http import Reply, query_string, request
from .ports import PortAllocator

REPO_ROOT = Path(__file__).resolve().parents[2]
REFERENCE = "reference"
GOSSAMER = "gossamer"
KINDS = (REFERENCE, GOSSAMER)
HOST = "127.0.0.1"
PR_SET_PDEATHSIG = 1  # linux/prctl.h

_live: set[NodeProcess] = set()


class NodeStartError(RuntimeError):
    """The node exited or never became ready; the message carries its log tail."""


class PortInUseError(NodeStartError):
    """The node exited because one of its ports was taken meanwhile."""


def reference_binary() -> str | None:
    """Path of the reference Alertmanager, or None when it is not installed."""
    return shutil.which(os.environ.get("GOSSAMER_REFERENCE_BINARY", "prometheus-alertmanager"))


def base_command(kind: str) -> list[str]:
    """The program part of the command line for a node kind."""
    if kind == REFERENCE:
        return [reference_binary() or "prometheus-alertmanager"]
    if kind == GOSSAMER:
        return [sys.executable, "-m", "gossamer"]
    raise ValueError(f"unknown node kind {kind!r}, expected one of {KINDS}")


def _die_with_parent() -> None:
    """In the child before exec: get SIGKILL when the test process dies (Linux).

    An xdist worker that is killed never reaches fixture teardown or atexit;
    this keeps its nodes from living on and notifying into other runs.
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def node_env() -> dict[str, str]:
    """Environment for node processes: gossamer importable from the checkout, unbuffered logs."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    return env


class NodeProcess:
    """One node process with its config file, storage dir and log file under `workdir`.

    Not thread-safe: drive it from the test's thread. `start()` blocks until
    `GET /-/ready` answers 200; every exit path of a test should reach
    `stop()` or `kill()` (the `node_factory` fixture does this).
    """

    def __init__(
        self,
        kind: str,
        config_text: str,
        workdir: Path,
        web_port: int,
        cluster_port: int | None = None,
        extra_flags: Sequence[str] = (),
    ) -> None:
        base_command(kind)  # validates kind early
        self.kind = kind
        self.config_text = config_text
        self.workdir = Path(workdir)
        self.web_port = web_port
        self.cluster_port = cluster_port
        self.extra_flags = list(extra_flags)
        self.config_path = self.workdir / "alertmanager.yml"
        self.storage_path = self.workdir / "data"
        self.log_path = self.workdir / "node.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_at: float | None = None
        self.ready_at: float | None = None

    # ------------------------------------------------------------------ addresses
    @property
    def url(self) -> str:
        """Base URL of the node's web listener."""
        return f"http://{HOST}:{self.web_port}"

    @property
    def cluster_address(self) -> str:
        """`host:port` of the cluster listener, "" when clustering is disabled."""
        return f"{HOST}:{self.cluster_port}" if self.cluster_port else ""

    @property
    def default_external_url(self) -> str:
        """What Alertmanager derives when `--web.external-url` is not given."""
        return f"http://{socket.gethostname()}:{self.web_port}"

    # ------------------------------------------------------------------ lifecycle
    def command(self) -> list[str]:
        """Full command line, Alertmanager flag syntax."""
        return [
            *base_command(self.kind),
            f"--config.file={self.config_path}",
            f"--storage.path={self.storage_path}",
            f"--web.listen-address={HOST}:{self.web_port}",
            f"--cluster.listen-address={self.cluster_address}",
            *self.extra_flags,
        ]

    def start(self, timeout: float = 20.0) -> NodeProcess:
        """Write the config, spawn the process and wait until it is ready."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.storage_path.mkdir(exist_ok=True)
        self.config_path.write_text(self.config_text)
        with self.log_path.open("ab") as log:
            log.write(f"$ {' '.join(self.command())}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                self.command(),
                cwd=REPO_ROOT,
                env=node_env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
        self.started_at = time.monotonic()
        _live.add(self)
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float, interval: float = 0.05) -> None:
        """Poll `GET /-/ready` until 200; raise NodeStartError on exit or deadline."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.is_running():
                self._raise_start_error(f"exited with code {self.returncode()}")
            if self._answers_ready() and self.is_running():  # not some other process's port
                self.ready_at = time.monotonic()
                return
            time.sleep(interval)
        self.kill()
        self._raise_start_error(f"not ready after {timeout:.1f}s")

    def _answers_ready(self) -> bool:
        try:
            return request(HOST, self.web_port, "GET", "/-/ready", timeout=1.0).status == 200
        except OSError:
            return False

    def _raise_start_error(self, what: str) -> None:
        tail = self.log_tail()
        error = PortInUseError if "address already in use" in tail.lower() else NodeStartError
        raise error(f"{self.kind} node on {self.url} {what}; log {self.log_path}:\n{tail}")

    def is_running(self) -> bool:
        """True while the process has not exited."""
        return self.proc is not None and self.proc.poll() is None

    def returncode(self) -> int | None:
        """Exit code, or None while running or before start."""
        return None if self.proc is None else self.proc.poll()

    def stop(self, grace: float = 5.0) -> int | None:
        """SIGTERM, then SIGKILL after `grace` seconds; returns the exit code."""
        return self._end(signal.SIGTERM, grace)

    def kill(self) -> int | None:
        """SIGKILL right away; returns the exit code."""
        return self._end(signal.SIGKILL, 0.0)

    def _end(self, sig: signal.Signals, grace: float) -> int | None:
        _live.discard(self)
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self._signal_group(sig)
            try:
                self.proc.wait(timeout=grace or None)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.proc.wait()
        return self.proc.returncode

    def _signal_group(self, sig: signal.Signals) -> None:
        """Signal the session this node leads (it and any helpers it spawned)."""
        assert self.proc is not None
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass

    def log_tail(self, lines: int = 40) -> str:
        """The last `lines` lines of the node's log."""
        if not self.log_path.exists():
            return "(no log)"
        text = self.log_path.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    # ------------------------------------------------------------------ HTTP API
    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """Any request against this node."""
        return request(HOST, self.web_port, method, path, body, headers)

    def get(self, path: str, params: dict[str, Any] | None = None) -> Reply:
        """`GET path?params` (list values repeat the parameter)."""
        return self.request("GET", path + query_string(params))

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """`GET` that must answer 200; returns the parsed body."""
        reply = self.get(path, params)
        if reply.status != 200:
            raise AssertionError(f"{self.kind}: GET {path} -> {reply.status} {reply.text}")
        return reply.json()

    def post(self, path: str, body: bytes, content_type: str | None = "application/json") -> Reply:
        """`POST` raw bytes; `content_type=None` sends no Content-Type header."""
        headers = {"Content-Type": content_type} if content_type is not None else {}
        return self.request("POST", path, body, headers)

    def post_alerts(self, alerts: list[dict[str, Any]]) -> tuple[int, str]:
        """`POST /api/v2/alerts`; returns (status, body text)."""
        reply = self.post("/api/v2/alerts", json.dumps(alerts).encode())
        return reply.status, reply.text

    def __repr__(self) -> str:
        state = "running" if self.is_running() else f"exited({self.returncode()})"
        if self.proc is None:
            state = "not started"
        cluster = self.cluster_address or "disabled"
        return f"<NodeProcess {self.kind} {self.url} cluster={cluster} {state}>"


def launch(
    kind: str,
    config_text: str,
    workdir: Path,
    ports: PortAllocator,
    clustered: bool = False,
    extra_flags: Iterable[str] = (),
    attempts: int = 3,
    timeout: float = 20.0,
) -> NodeProcess:
    """Allocate ports and start a node, retrying on new ports if one was taken meanwhile."""
    flags = tuple(extra_flags)
    for attempt in range(1, attempts + 1):
        node = NodeProcess(
            kind,
            config_text,
            workdir / f"attempt{attempt}" if attempt > 1 else workdir,
            web_port=ports.allocate(),
            cluster_port=ports.allocate() if clustered else None,
            extra_flags=flags,
        )
        try:
            return node.start(timeout)
        except PortInUseError:
            node.kill()
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")


@atexit.register
def _kill_leftovers() -> None:
    """Safety net: never leave a node running after the test process exits."""
    for node in list(_live):
        node.kill()

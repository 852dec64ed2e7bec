"""The reference Alertmanager 0.25 as a subprocess, for the integrations' differential tests.

It listens on a kernel-chosen loopback port, clusters with nobody, keeps its
data in a temporary directory and writes its log to a list that tests wait
on (``wait_line``), never sleeping. ``post_alerts`` uses the v2 API.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import subprocess
import threading
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

BINARY = shutil.which(os.environ.get("GOSSAMER_REFERENCE_BINARY", "prometheus-alertmanager"))
EXTERNAL_URL = "http://am.example:9093/sub"
_LOGFMT = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)')


def logfmt(line: str) -> dict[str, str]:
    """go-kit logfmt fields; quoted values use JSON-compatible escapes."""
    return {k: json.loads(v) if v.startswith('"') else v for k, v in _LOGFMT.findall(line)}


def ts(delta: timedelta, nanos: str = "123456789") -> str:
    """An RFC 3339 UTC time ``delta`` from now with a chosen fraction."""
    moment = datetime.now(UTC) + delta
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + nanos + "Z"


class ReferenceAlertmanager:
    """``prometheus-alertmanager`` with ``config`` (a dict), until ``stop``: on a loopback
    port chosen by the kernel, its log lines collected (``log_level`` as the flag)."""

    def __init__(
        self,
        config: dict[str, Any],
        workdir: Path,
        env: dict[str, str] | None = None,
        log_level: str = "debug",
    ):
        assert BINARY is not None
        (workdir / "am.yml").write_text(yaml.safe_dump(config, allow_unicode=True))
        self.lines: list[str] = []
        self._cond = threading.Condition()
        self._proc = subprocess.Popen(
            [
                BINARY,
                f"--config.file={workdir / 'am.yml'}",
                "--web.listen-address=127.0.0.1:0",
                "--cluster.listen-address=",
                f"--storage.path={workdir / 'data'}",
                f"--web.external-url={EXTERNAL_URL}",
                "--web.route-prefix=/",
                f"--log.level={log_level}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "TZ": "UTC", **(env or {})},
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        line = self.wait_line(lambda ln: 'msg="Listening on"' in ln, timeout=30)
        self.address = logfmt(line)["address"]

    def _read(self) -> None:
        assert self._proc.stderr is not None
        for line in self._proc.stderr:
            with self._cond:
                self.lines.append(line.rstrip("\n"))
                self._cond.notify_all()

    def wait_line(self, predicate: Callable[[str], bool], timeout: float = 30) -> str:
        """The first log line matching ``predicate``, waiting for it to be written."""
        found: queue.SimpleQueue[str] = queue.SimpleQueue()

        def match() -> bool:
            for line in self.lines:
                if predicate(line):
                    found.put(line)
                    return True
            return self._proc.poll() is not None

        with self._cond:
            self._cond.wait_for(match, timeout=timeout)
        if found.empty():
            raise AssertionError("reference log line not found:\n" + "\n".join(self.lines[-30:]))
        return found.get()

    def notify_error(self, receiver: str, integration: str) -> str:
        """The error of the first failed notification of ``receiver``'s ``integration[0]``,
        without the pipeline's ``notify retry canceled ...`` wrapping."""
        prefix = f"{receiver}/{integration}[0]: "

        def matches(line: str) -> bool:
            return logfmt(line).get("err", "").startswith(prefix)

        err = logfmt(self.wait_line(matches))["err"]
        return re.sub(r"^.*?\]: notify retry canceled .*? after \d+ attempts: ", "", err)

    def post_alerts(self, alerts: list[dict[str, Any]]) -> None:
        req = urllib.request.Request(
            f"http://{self.address}/api/v2/alerts",
            data=json.dumps(alerts).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.status == 200

    def stop(self) -> None:
        self._proc.terminate()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._reader.join(timeout=10)
        if self._proc.stderr is not None:
            self._proc.stderr.close()

"""Per-worker port allocation for node processes.

Alertmanager cannot bind port 0 for its cluster port (memberlist needs the
same number for TCP and UDP), so every pytest-xdist worker gets its own
range of ports and hands them out sequentially, skipping any port whose TCP
or UDP side is already taken (by another worker, another test session, or a
lingering process).
"""

from __future__ import annotations

import os
import re
import socket
import threading

#: First port of worker 0's range; override with GOSSAMER_TEST_PORT_BASE.
DEFAULT_BASE = 20000
#: Ports reserved for each worker.
RANGE_SIZE = 200


class PortsExhaustedError(RuntimeError):
    """No free port is left in this worker's range."""


def worker_index(worker_id: str | None = None) -> int:
    """Index of the pytest-xdist worker (`gw3` -> 3); 0 outside xdist."""
    worker_id = worker_id if worker_id is not None else os.environ.get("PYTEST_XDIST_WORKER", "")
    match = re.fullmatch(r"gw(\d+)", worker_id)
    return int(match.group(1)) if match else 0


def is_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when both a TCP listener and a UDP socket can bind `port` now."""
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        with socket.socket(socket.AF_INET, kind) as sock:
            try:
                sock.bind((host, port))
            except OSError:
                return False
    return True


class PortAllocator:
    """Hands out free ports from one worker's range, wrapping around at its end.

    Thread-safe. Ports are not reserved (nothing holds them between
    allocation and the node's bind), so a caller that loses a race should
    ask for another port; NodeProcess does this when a bind fails.
    """

    def __init__(self, first: int, size: int = RANGE_SIZE) -> None:
        self.first = first
        self.size = size
        self._next = 0
        self._handed_out = 0
        self._lock = threading.Lock()

    @classmethod
    def for_this_worker(cls) -> PortAllocator:
        """Allocator for the range of the current pytest-xdist worker."""
        base = int(os.environ.get("GOSSAMER_TEST_PORT_BASE", DEFAULT_BASE))
        return cls(base + worker_index() * RANGE_SIZE)

    def allocate(self) -> int:
        """Return the next port of the range that is free for TCP and UDP."""
        with self._lock:
            for _ in range(self.size):
                port = self.first + self._next
                self._next = (self._next + 1) % self.size
                if is_free(port):
                    self._handed_out += 1
                    return port
        raise PortsExhaustedError(f"no free port in {self.first}-{self.first + self.size - 1}")

    def statistics(self) -> dict[str, int]:
        """Range bounds, the next candidate and how many ports were handed out."""
        return {
            "first": self.first,
            "size": self.size,
            "next": self.first + self._next,
            "handed_out": self._handed_out,
        }

    def __repr__(self) -> str:
        return f"<PortAllocator {self.first}-{self.first + self.size - 1} next={self.first + self._next}>"

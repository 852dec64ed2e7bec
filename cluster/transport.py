"""The transport interface the cluster protocol runs on, and address helpers.

A transport moves opaque bytes: requests with replies (ZeroMQ DEALER → ROUTER)
and one-to-many gossip (PUB → SUB). It also owns the *cluster thread*: every
``TransportHandler`` callback, every timer from ``call_later`` and every
``call_soon`` callback runs there, one at a time, so the protocol code above
needs no locks. Two implementations: ``cluster.zmq_transport.ZmqTransport``
(a real thread and real sockets) and ``cluster.memory.MemoryTransport`` (an
in-memory network driven by a ``ManualClock``; the "cluster thread" is then
whichever thread advances the clock).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from gossamer.clock import TimerHandle

#: Invoked once with the reply's bytes, or ``None`` on timeout or failure (cluster thread).
ReplyCallback = Callable[[bytes | None], None]
#: Sends a reply to a received request; call it on the cluster thread, at most once.
Responder = Callable[[bytes], None]


class TransportHandler(Protocol):
    """What the transport delivers to; every method runs on the cluster thread."""

    def on_request(self, payload: bytes, respond: Responder) -> None:
        """A request arrived; ``respond`` may be called now or later (on the cluster thread)."""
        ...

    def on_gossip(self, payload: bytes) -> None:
        """A gossip message arrived from one of the subscribed publishers."""
        ...

    def on_malformed(self, kind: str, reason: str) -> None:
        """Something arrived that is not even framed as a message (counted as undecodable)."""
        ...


class Transport(Protocol):
    """Bytes in and out, plus the cluster thread's scheduler (a ``Clock``)."""

    #: The advertised request address ("host:port"); valid after ``start``.
    address: str
    #: The advertised gossip (PUB) address ("host:port"); valid after ``start``.
    gossip_address: str

    def start(self, handler: TransportHandler) -> None:
        """Bind and start delivering to ``handler``; raises ``OSError`` if binding fails (any thread)."""
        ...

    def now_ns(self) -> int:
        """Wall-clock time in ns (any thread)."""
        ...

    def call_later(self, delay_s: float, callback: Callable[[], None]) -> TimerHandle:
        """Run ``callback`` on the cluster thread after ``delay_s`` (call on the cluster thread)."""
        ...

    def call_soon(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` on the cluster thread soon (thread-safe; wakes the thread)."""
        ...

    def request(
        self, address: str, payload: bytes, timeout_s: float, callback: ReplyCallback
    ) -> None:
        """Send a request to ``address`` (cluster thread); ``callback`` gets the reply or None."""
        ...

    def publish(self, payload: bytes) -> None:
        """Send ``payload`` to every subscriber of this node's gossip (cluster thread)."""
        ...

    def subscribe(self, gossip_address: str) -> None:
        """Receive the gossip published at ``gossip_address`` (cluster thread; idempotent)."""
        ...

    def unsubscribe(self, gossip_address: str) -> None:
        """Stop receiving from ``gossip_address`` (cluster thread; idempotent)."""
        ...

    def forget(self, address: str) -> None:
        """Drop any connection to ``address`` once no request is pending on it (cluster thread)."""
        ...

    def close(self) -> None:
        """Stop delivering and release everything (cluster thread); pending requests fail."""
        ...

    def join(self, timeout_s: float) -> None:
        """Wait until ``close`` has finished (any thread but the cluster thread)."""
        ...


def split_host_port(address: str) -> tuple[str, int]:
    """``"host:port"`` or ``"[v6]:port"`` → (host, port); ``ValueError`` if malformed."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"address {address!r}: missing port")
    return host.strip("[]"), int(port)


def join_host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class Periodic:
    """A repeating timer from ``Engine.every``; ``cancel`` stops it (cluster thread)."""

    __slots__ = ("handle", "cancelled")

    def __init__(self) -> None:
        self.handle: TimerHandle | None = None
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True
        if self.handle is not None:
            self.handle.cancel()

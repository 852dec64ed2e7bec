"""The ZeroMQ transport: one thread owns every socket and runs the cluster protocol.

Sockets (options in ``cluster.zmq_sockets``): a ROUTER bound on the listen
address serves requests; one DEALER per peer address sends requests framed
``[request id, payload]`` with a timeout each; a PUB bound on the gossip
address publishes; one SUB connects to every peer's PUB.

The thread ("gossamer-cluster") blocks in ``zmq.Poller.poll`` until a socket
is readable, the next timer is due, or another thread wakes it through a pipe
(``call_soon``), so an idle peer costs almost nothing. Timers run on the
monotonic clock (immune to wall-clock steps); ``now_ns`` is the injected
clock's wall time. Callbacks that raise are logged; the thread carries on.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import zmq
from loguru import logger

from cluster.settings import ClusterSettings
from cluster.transport import ReplyCallback, TransportHandler, join_host_port, split_host_port
from cluster.zmq_addresses import advertised, gossip_bind_address
from cluster.zmq_sockets import SocketFactory, endpoint
from gossamer.clock import Clock, TimerHandle, _TimerQueue

#: At most this many messages are read from one socket before the others get a turn.
DRAIN_BATCH = 256


@dataclass(slots=True)
class _Dealer:
    socket: zmq.Socket[bytes]
    pending: set[int] = field(default_factory=set)
    forgotten: bool = False


@dataclass(slots=True)
class _Pending:
    address: str
    timer: TimerHandle
    callback: ReplyCallback


class ZmqTransport:
    """``cluster.transport.Transport`` over ZeroMQ (tcp)."""

    def __init__(self, settings: ClusterSettings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self.address = ""
        self.gossip_address = ""
        self._timers = _TimerQueue()
        self._soon: deque[Callable[[], None]] = deque()
        self._wake_read = self._wake_write = -1
        self._wake_lock = threading.Lock()
        self._woken = False
        self._closing = False
        self._closed = False
        self._thread: threading.Thread | None = None
        self._thread_id = -1
        self._ids = itertools.count(1)
        self._dealers: dict[str, _Dealer] = {}
        self._by_socket: dict[zmq.Socket[bytes], str] = {}
        self._pending: dict[int, _Pending] = {}
        self._subscriptions: set[str] = set()
        self._handler: TransportHandler | None = None
        # libzmq starts the context's I/O thread with the first socket, in start().
        self._context: zmq.Context[zmq.Socket[bytes]] = zmq.Context(io_threads=1)
        host = split_host_port(settings.listen_address)[0]
        self._factory = SocketFactory(self._context, ipv6=":" in host)
        self._poller = zmq.Poller()

    # Lifecycle ---------------------------------------------------------------
    def start(self, handler: TransportHandler) -> None:
        """Start the thread and wait until it has bound (re-raises a bind error)."""
        self._handler = handler
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_read, False)
        os.set_blocking(self._wake_write, False)
        bound = threading.Event()
        errors: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._run, args=(bound, errors), name="gossamer-cluster", daemon=True
        )
        self._thread.start()
        bound.wait()
        if errors:
            self._thread.join()
            raise errors[0]

    def _run(self, bound: threading.Event, errors: list[BaseException]) -> None:
        self._thread_id = threading.get_ident()
        try:
            self._bind()
        except BaseException as exc:
            errors.append(exc if isinstance(exc, OSError) else OSError(str(exc)))
            bound.set()
            self._cleanup()
            return
        bound.set()
        try:
            self._loop()
        finally:
            self._cleanup()

    def _bind(self) -> None:
        self._router = self._factory.router()
        self._router.bind(endpoint(self.settings.listen_address))
        router_port = _bound_port(self._router)
        self._pub = self._factory.publisher()
        self._pub.bind(endpoint(gossip_bind_address(self.settings)))
        pub_port = _bound_port(self._pub)
        self._sub = self._factory.subscriber()
        self.address, self.gossip_address = advertised(self.settings, router_port, pub_port)
        for sock in (self._router, self._sub):
            self._poller.register(sock, zmq.POLLIN)
        self._poller.register(self._wake_read, zmq.POLLIN)

    def close(self) -> None:
        """Stop the loop after the current callback; sockets close on the way out (cluster thread)."""
        self._closing = True
        self._wake()

    def join(self, timeout_s: float) -> None:
        if self._thread is not None and threading.get_ident() != self._thread_id:
            self._thread.join(timeout_s)

    def _cleanup(self) -> None:
        for sock in [d.socket for d in self._dealers.values()] + [
            getattr(self, name) for name in ("_router", "_pub", "_sub") if hasattr(self, name)
        ]:
            sock.close()
        self._dealers.clear()
        self._pending.clear()
        self._soon.clear()
        self._context.term()
        with self._wake_lock:  # another thread may be about to write: never to a reused fd
            os.close(self._wake_read)
            os.close(self._wake_write)
            self._wake_read = self._wake_write = -1
            self._closed = True

    # Scheduling ----------------------------------------------------------------
    def now_ns(self) -> int:
        return self.clock.now_ns()

    def call_later(self, delay_s: float, callback: Callable[[], None]) -> TimerHandle:
        handle = TimerHandle(time.monotonic_ns() + max(0, int(delay_s * 1e9)), callback)
        if threading.get_ident() == self._thread_id:
            self._timers.push(handle)
        else:
            self.call_soon(lambda: self._timers.push(handle))
        return handle

    def call_soon(self, callback: Callable[[], None]) -> None:
        if not self._closed:
            self._soon.append(callback)
            self._wake()

    def _wake(self) -> None:
        """Make the loop's poll return (no-op on the loop thread, which polls next with timeout 0)."""
        if threading.get_ident() == self._thread_id:
            return
        with self._wake_lock:
            if self._woken or self._wake_write < 0:
                return  # already woken, or not started / closed
            self._woken = True
            try:
                os.write(self._wake_write, b"!")
            except OSError:
                pass  # full: the loop is awake anyway

    # The loop --------------------------------------------------------------------
    def _loop(self) -> None:
        while not self._closing:
            events = dict(self._poller.poll(self._timeout_ms()))
            if self._wake_read in events:
                self._drain_wake()
            for sock in events:
                if sock is self._router:
                    self._drain(sock, self._on_request)
                elif sock is self._sub:
                    self._drain(sock, self._on_gossip)
                elif sock in self._by_socket:
                    self._drain(sock, self._on_reply)  # type: ignore[arg-type]
            self._run_soon()
            self._run_timers()

    def _timeout_ms(self) -> int | None:
        if self._soon or self._closing:
            return 0
        deadline = self._timers.next_deadline()
        if deadline is None:
            return None
        return max(0, -(-(deadline - time.monotonic_ns()) // 1_000_000))

    def _drain_wake(self) -> None:
        with self._wake_lock:
            self._woken = False
        try:
            while os.read(self._wake_read, 4096):
                pass
        except BlockingIOError:
            pass

    def _drain(
        self, sock: zmq.Socket[bytes], deliver: Callable[[list[bytes], zmq.Socket[bytes]], None]
    ) -> None:
        for _ in range(DRAIN_BATCH):
            if sock.closed:  # a reply can close its own dealer
                return
            try:
                frames = sock.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            except zmq.ZMQError as exc:
                logger.warning("cluster socket receive failed: {}", exc)
                return
            _guard(deliver, frames, sock)

    def _run_soon(self) -> None:
        for _ in range(len(self._soon)):
            _guard(self._soon.popleft())

    def _run_timers(self) -> None:
        for handle in self._timers.pop_due(time.monotonic_ns()):
            _guard(handle.callback)

    # Requests out ------------------------------------------------------------------
    def request(
        self, address: str, payload: bytes, timeout_s: float, callback: ReplyCallback
    ) -> None:
        rid = next(self._ids)
        dealer = self._dealer(address)
        try:
            dealer.socket.send_multipart([rid.to_bytes(8, "big"), payload], zmq.NOBLOCK)
        except zmq.ZMQError as exc:
            logger.debug("request to {} not sent: {}", address, exc)
            self.call_soon(lambda: callback(None))
            return
        timer = self.call_later(timeout_s, lambda: self._finish(rid, None))
        self._pending[rid] = _Pending(address, timer, callback)
        dealer.pending.add(rid)

    def _dealer(self, address: str) -> _Dealer:
        dealer = self._dealers.get(address)
        if dealer is None:
            sock = self._factory.dealer()
            sock.connect(endpoint(address))  # resolves host names again on each new socket
            dealer = self._dealers[address] = _Dealer(sock)
            self._by_socket[sock] = address
            self._poller.register(sock, zmq.POLLIN)
        dealer.forgotten = False
        return dealer

    def _on_reply(self, frames: list[bytes], sock: zmq.Socket[bytes]) -> None:
        if len(frames) != 2 or len(frames[0]) != 8:
            assert self._handler is not None
            self._handler.on_malformed("reply", f"{len(frames)} frames")
            return
        self._finish(int.from_bytes(frames[0], "big"), frames[1])

    def _finish(self, rid: int, payload: bytes | None) -> None:
        pending = self._pending.pop(rid, None)
        if pending is None:
            return  # a late reply to a request that timed out
        pending.timer.cancel()
        dealer = self._dealers.get(pending.address)
        if dealer is not None:
            dealer.pending.discard(rid)
            # A timed-out peer gets a fresh socket next time: stale requests are dropped
            # and its host name is resolved again.
            if (payload is None or dealer.forgotten) and not dealer.pending:
                self._close_dealer(pending.address)
        pending.callback(payload)

    def forget(self, address: str) -> None:
        dealer = self._dealers.get(address)
        if dealer is not None:
            dealer.forgotten = True
            if not dealer.pending:
                self._close_dealer(address)

    def _close_dealer(self, address: str) -> None:
        dealer = self._dealers.pop(address)
        self._poller.unregister(dealer.socket)
        del self._by_socket[dealer.socket]
        dealer.socket.close()

    # Requests in ---------------------------------------------------------------------
    def _on_request(self, frames: list[bytes], sock: zmq.Socket[bytes]) -> None:
        assert self._handler is not None
        if len(frames) != 3:
            self._handler.on_malformed("request", f"{len(frames)} frames")
            return
        identity, rid, payload = frames
        self._handler.on_request(payload, lambda data: self._respond(identity, rid, data))

    def _respond(self, identity: bytes, rid: bytes, data: bytes) -> None:
        if threading.get_ident() != self._thread_id:
            self.call_soon(lambda: self._respond(identity, rid, data))
            return
        if self._closing:
            return
        try:
            self._router.send_multipart([identity, rid, data], zmq.NOBLOCK)
        except zmq.ZMQError as exc:
            logger.debug("reply not sent: {}", exc)

    # Gossip ----------------------------------------------------------------------------
    def publish(self, payload: bytes) -> None:
        self._pub.send(payload, zmq.NOBLOCK)

    def _on_gossip(self, frames: list[bytes], sock: zmq.Socket[bytes]) -> None:
        assert self._handler is not None
        if len(frames) != 1:
            self._handler.on_malformed("gossip", f"{len(frames)} frames")
            return
        self._handler.on_gossip(frames[0])

    def subscribe(self, gossip_address: str) -> None:
        if gossip_address and gossip_address not in self._subscriptions:
            self._sub.connect(endpoint(gossip_address))
            self._subscriptions.add(gossip_address)

    def unsubscribe(self, gossip_address: str) -> None:
        if gossip_address in self._subscriptions:
            self._subscriptions.discard(gossip_address)
            try:
                self._sub.disconnect(endpoint(gossip_address))
            except zmq.ZMQError:
                pass

    def __repr__(self) -> str:
        return (
            f"<ZmqTransport {self.address} gossip={self.gossip_address} dealers={len(self._dealers)} "
            f"pending={len(self._pending)} subscriptions={len(self._subscriptions)} timers={len(self._timers)}>"
        )


def _bound_port(sock: zmq.Socket[bytes]) -> int:
    last = sock.getsockopt(zmq.LAST_ENDPOINT)
    assert isinstance(last, bytes)
    return split_host_port(last.decode().removeprefix("tcp://"))[1]


def _guard(callback: Callable[..., None], *args: object) -> None:
    try:
        callback(*args)
    except Exception:
        logger.exception("cluster thread callback failed")


__all__ = ["ZmqTransport", "join_host_port"]

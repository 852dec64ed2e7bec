"""Every ZeroMQ socket option of the cluster, in one place (and, later, CURVE keys).

Called on the cluster thread only (a socket belongs to the thread that made
it). Options follow python-stack.md §2: raised high-water marks because PUB
drops silently when full, a short reconnect interval against the slow-joiner
window (capped so a dead peer costs one attempt a second), ``LINGER`` 0 on
request sockets so closing never blocks, and a short linger on PUB so a leave
announcement still goes out when the node stops.

CURVE: give ``SocketFactory`` the node's key pair and the cluster's public
keys, make ``_secure_server``/``_secure_client`` set ``curve_server`` /
``curve_serverkey`` and start a ZAP authenticator on the context before the
first bind. Nothing else in the cluster needs to change.
"""

from __future__ import annotations

import zmq

HWM_GOSSIP = 100_000
HWM_REQUESTS = 10_000
RECONNECT_IVL_MS = 10
RECONNECT_IVL_MAX_MS = 1_000
PUB_LINGER_MS = 200


def endpoint(address: str) -> str:
    """``"host:port"`` → ``"tcp://host:port"`` (port 0 → ``*``, host "" → ``*``)."""
    host, _, port = address.rpartition(":")
    host = host or "*"
    if host in ("0.0.0.0", "[::]", "::"):
        host = "*"
    return f"tcp://{host}:{'*' if port in ('', '0') else port}"


class SocketFactory:
    """Makes the cluster's sockets on one ``zmq.Context``."""

    def __init__(self, context: zmq.Context[zmq.Socket[bytes]], ipv6: bool = False) -> None:
        self.context = context
        self.ipv6 = ipv6

    def router(self) -> zmq.Socket[bytes]:
        """Serves join, probe, push-pull, pull and leave requests."""
        sock = self._socket(zmq.ROUTER, linger=0)
        sock.setsockopt(zmq.RCVHWM, HWM_REQUESTS)
        sock.setsockopt(zmq.SNDHWM, HWM_REQUESTS)
        self._secure_server(sock)
        return sock

    def dealer(self) -> zmq.Socket[bytes]:
        """One per peer address: requests with ids, never REQ (no stuck state after a lost reply)."""
        sock = self._socket(zmq.DEALER, linger=0)
        sock.setsockopt(zmq.SNDHWM, 1_000)
        sock.setsockopt(zmq.RCVHWM, 1_000)
        self._reconnect_fast(sock)
        self._secure_client(sock)
        return sock

    def publisher(self) -> zmq.Socket[bytes]:
        sock = self._socket(zmq.PUB, linger=PUB_LINGER_MS)
        sock.setsockopt(zmq.SNDHWM, HWM_GOSSIP)
        self._secure_server(sock)
        return sock

    def subscriber(self) -> zmq.Socket[bytes]:
        """One SUB connected to every peer's PUB."""
        sock = self._socket(zmq.SUB, linger=0)
        sock.setsockopt(zmq.RCVHWM, HWM_GOSSIP)
        sock.setsockopt(zmq.SUBSCRIBE, b"")
        self._reconnect_fast(sock)
        self._secure_client(sock)
        return sock

    def _socket(self, kind: int, linger: int) -> zmq.Socket[bytes]:
        sock = self.context.socket(kind)
        sock.setsockopt(zmq.LINGER, linger)
        sock.setsockopt(zmq.TCP_KEEPALIVE, 1)
        if self.ipv6:
            sock.setsockopt(zmq.IPV6, 1)
        return sock

    @staticmethod
    def _reconnect_fast(sock: zmq.Socket[bytes]) -> None:
        sock.setsockopt(zmq.RECONNECT_IVL, RECONNECT_IVL_MS)
        sock.setsockopt(zmq.RECONNECT_IVL_MAX, RECONNECT_IVL_MAX_MS)

    def _secure_server(self, sock: zmq.Socket[bytes]) -> None:
        """CURVE server keys go here."""

    def _secure_client(self, sock: zmq.Socket[bytes]) -> None:
        """CURVE client keys go here."""

"""Gossip settle for a node whose cluster has no peers yet (cluster.md §4).

Alertmanager polls the member count every 10 × gossip interval and calls the
cluster settled after the count held steady for three polls (five polls in
all, 10 s by default) or after ``--cluster.settle-timeout``. A lone node sees
a steady count of one, so it settles after exactly five polls; until then the
pipeline holds flushes. Without clustering the node is settled at once.
"""

from __future__ import annotations

import socket
from typing import Any

import msgspec

from gossamer.clock import Clock
from gossamer.flags import Flags

SETTLE_POLLS = 5


class Settled(msgspec.Struct, frozen=True):
    """Told to the gate when the node has settled."""


def advertise_address(flags: Flags) -> str:
    """The cluster address peers would see (``--cluster.advertise-address`` or discovered)."""
    if flags.cluster_advertise_address:
        return flags.cluster_advertise_address
    host, _, port = flags.cluster_listen_address.rpartition(":")
    if host in ("", "0.0.0.0", "::", "[::]"):
        try:
            host = socket.gethostbyname(socket.gethostname())
        except OSError:
            host = "127.0.0.1"
    return f"{host}:{port}"


class Settle:
    """Whether the node has settled; read from any thread, set once on the clock thread."""

    def __init__(self, clock: Clock, flags: Flags) -> None:
        self.clock = clock
        self.clustered = bool(flags.cluster_listen_address)
        self.advertise_address = advertise_address(flags) if self.clustered else ""
        poll_s = 10 * flags.cluster_gossip_interval
        self.settle_s = min(SETTLE_POLLS * poll_s, flags.cluster_settle_timeout)
        self.ready = not self.clustered

    def is_ready(self) -> bool:
        return self.ready

    def start(self, gate: Any) -> None:
        """Schedule the end of settling; the gate releases the flushes it holds."""
        if self.ready:
            return

        def settled() -> None:
            self.ready = True
            gate.tell(Settled())

        self.clock.call_later(self.settle_s, settled)

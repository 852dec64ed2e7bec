"""What the cluster asks of a replicated state's owner, and what it gives back.

The owner (an actor holding the notification log or the silences) implements
``StateHandler``; ``ClusterPeer.add_state`` hands it a ``Broadcaster``. The
cluster never imports the owner: it sees only keys and bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class StateHandler(Protocol):
    """A replicated state as the cluster sees it (Alertmanager's ``cluster.State``)."""

    #: The state's key on the wire and in metrics: ``nfl`` or ``sil``.
    key: str

    def merge_remote(self, data: bytes) -> None:
        """Merge bytes from a peer (a delta or a full state).

        Called on the cluster thread: it must only hand off (e.g. an actor
        ``tell``), never block. Exceptions are logged and the bytes dropped.
        """
        ...

    def request_full_state(self, reply: Callable[[bytes], None]) -> None:
        """Ask for the whole state, for a push-pull.

        Called on the cluster thread; ``reply`` may be invoked later, once,
        from any thread. A state that does not reply within
        ``--cluster.tcp-timeout`` is left out of that exchange.
        """
        ...


class Broadcaster(Protocol):
    """Publishes a state's deltas to every peer."""

    def broadcast(self, data: bytes) -> None:
        """Queue ``data`` for gossip; thread-safe, never blocks.

        The cluster thread is woken at once and publishes everything queued
        by then as one message, so a burst of broadcasts coalesces without
        waiting for a gossip interval.
        """
        ...

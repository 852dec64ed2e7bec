"""The interface replicated state implements so the cluster can carry it.

Alertmanager's cluster knows a state only as "serialize the whole thing" and
"merge bytes from a peer"; gossamer adds deltas so a change is broadcast the
moment it happens instead of waiting for the next full push-pull.
"""

from __future__ import annotations

from typing import Protocol


class ReplicatedState(Protocol):
    """A state the cluster replicates (notification log, silences).

    Every method runs on the thread of the actor that owns the state.
    """

    #: Short key naming the state on the wire and in metrics (``nfl``, ``sil``).
    key: str

    def encode_full(self) -> bytes:
        """The whole state, for a full push-pull or a snapshot."""
        ...

    def merge(self, data: bytes, now_ns: int) -> list[bytes]:
        """Merge a full or partial state from a peer.

        Returns the encoded records that changed this state (so they can be
        journalled and re-broadcast); ``ValueError`` if ``data`` does not decode.
        """
        ...

    def take_deltas(self) -> list[bytes]:
        """Encoded local changes made since the last call, for broadcast."""
        ...

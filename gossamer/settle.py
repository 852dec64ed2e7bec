"""The message that releases flushes held while gossip settles (cluster.md §4).

Until the cluster has settled the gate actor holds every flush; the node tells
it ``Settled`` once (at start when clustering is disabled, else when the peer
reports ready). See ``gossamer.clustering`` and ``cluster.readiness``.
"""

from __future__ import annotations

import msgspec


class Settled(msgspec.Struct, frozen=True):
    """Told to the gate when the node has settled."""

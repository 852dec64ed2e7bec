"""Which addresses a ZeroMQ peer binds and advertises (cluster.md §2, memberlist's rules).

Pure functions, any thread. ``--cluster.advertise-address`` wins; otherwise the
bound host is advertised, or — when bound to 0.0.0.0 / :: — this host's address
(memberlist looks for a private IP; we ask the resolver, then fall back to the
address of the interface that routes outwards, then loopback). The PUB socket
binds on the listen host at an ephemeral port unless told otherwise, so several
nodes on one host with consecutive listen ports never collide.
"""

from __future__ import annotations

import socket

from cluster.settings import ClusterSettings
from cluster.transport import join_host_port, split_host_port

UNSPECIFIED = ("", "0.0.0.0", "::", "*")


def gossip_bind_address(settings: ClusterSettings) -> str:
    if settings.gossip_listen_address:
        return settings.gossip_listen_address
    host = split_host_port(settings.listen_address)[0]
    return join_host_port(host, 0) if host else ":0"


def advertised(settings: ClusterSettings, router_port: int, pub_port: int) -> tuple[str, str]:
    """(request address, gossip address) to put in the handshake."""
    if settings.advertise_address:
        address = settings.advertise_address
    else:
        address = join_host_port(
            _host_or_discovered(split_host_port(settings.listen_address)[0]), router_port
        )
    if settings.gossip_advertise_address:
        return address, settings.gossip_advertise_address
    gossip_host = (
        split_host_port(settings.gossip_listen_address)[0] if settings.gossip_listen_address else ""
    )
    if gossip_host in UNSPECIFIED:
        gossip_host = split_host_port(address)[0]
    return address, join_host_port(gossip_host, pub_port)


def _host_or_discovered(host: str) -> str:
    return discover_host() if host in UNSPECIFIED else host


def discover_host() -> str:
    """An address of this host that peers can reach (never the unspecified address)."""
    try:
        address = socket.gethostbyname(socket.gethostname())
        if not address.startswith("127."):
            return address
    except OSError:
        pass
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("10.255.255.255", 1))  # no packet is sent
            return str(probe.getsockname()[0])
    except OSError:
        return "127.0.0.1"

"""Real ZeroMQ: three peers in one process on 127.0.0.1 with ephemeral ports.

Timings are shortened (probes every 0.1 s) so failure detection takes about a
second; waits are on conditions signalled by the peers, with generous deadlines.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable, Iterator

import msgspec
import pytest
from prometheus_client import CollectorRegistry

from cluster.peer import ClusterPeer
from cluster.settings import ClusterSettings
from gossamer.clock import RealClock
from tests.test_cluster_support import FakeState

FAST = dict(
    gossip_interval=0.05, probe_interval=0.1, probe_timeout=0.05, reconnect_interval=0.5,
    refresh_interval=1.0, tcp_timeout=2.0, pushpull_interval=5.0, settle_timeout=5.0,
)  # fmt: skip


class Node:
    """One peer with its fake state; ``changed`` is notified on every membership or state change."""

    def __init__(
        self,
        clock: RealClock,
        seeds: list[str],
        changed: threading.Condition,
        listen: str = "127.0.0.1:0",
    ) -> None:
        self.changed = changed
        self.registry = CollectorRegistry()
        settings = ClusterSettings(listen_address=listen, peers=seeds, **FAST)  # type: ignore[arg-type]
        self.peer = ClusterPeer(settings, clock, self.registry)
        self.state = WatchedState(changed)
        self.state.broadcaster = self.peer.add_state(self.state)
        self.peer.on_change(lambda _members: self._notify())
        self.peer.on_ready(self._notify)
        self.peer.start()

    def _notify(self) -> None:
        with self.changed:
            self.changed.notify_all()

    def metric(self, name: str, **labels: str) -> float:
        return self.registry.get_sample_value(name, labels) or 0.0

    @property
    def address(self) -> str:
        return self.peer.transport.address


class WatchedState(FakeState):
    def __init__(self, changed: threading.Condition) -> None:
        super().__init__()
        self.changed = changed

    def merge_remote(self, data: bytes) -> None:
        with self.changed:
            super().merge_remote(data)
            self.changed.notify_all()


class Cluster:
    def __init__(self) -> None:
        self.clock = RealClock("test-clock")
        self.changed = threading.Condition()
        self.nodes: list[Node] = []

    def add(self, seeds: list[str] | None = None, listen: str = "127.0.0.1:0") -> Node:
        seeds = [self.nodes[0].address] if seeds is None and self.nodes else (seeds or [])
        node = Node(self.clock, seeds, self.changed, listen)
        self.nodes.append(node)
        return node

    def wait(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        with self.changed:
            assert self.changed.wait_for(predicate, timeout), "condition not reached in time"

    def close(self) -> None:
        for node in self.nodes:
            node.peer.stop(leave=False)
        self.clock.stop()


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    c = Cluster()
    yield c
    c.close()


def three(cluster: Cluster) -> list[Node]:
    nodes = [cluster.add() for _ in range(3)]
    cluster.wait(lambda: all(len(n.peer.members()) == 3 for n in nodes))
    return nodes


def test_three_peers_join_and_settle(cluster: Cluster) -> None:
    """Peers on ephemeral ports join through the first one and agree on the member list."""
    nodes = three(cluster)
    cluster.wait(lambda: all(n.peer.status() == "ready" for n in nodes))
    names = sorted(n.peer.name for n in nodes)
    for node in nodes:
        assert [name for name, _ in node.peer.members()] == names
        assert node.peer.position() == names.index(node.peer.name)
        assert node.metric("alertmanager_cluster_members") == 3
    gossip_ports = {n.peer.transport.gossip_address for n in nodes}
    assert len(gossip_ports) == 3


def test_broadcast_reaches_the_others_within_100ms(cluster: Cluster) -> None:
    """A broadcast is published at once: both other peers have it in well under 100 ms."""
    nodes = three(cluster)
    latencies = []
    for i in range(20):
        started = time.perf_counter()
        nodes[i % 3].state.set(f"k{i}", "v", ts=i + 1)
        cluster.wait(lambda: all(f"k{i}" in n.state.data for n in nodes), timeout=1)  # noqa: B023
        latencies.append(time.perf_counter() - started)
    assert statistics.median(latencies) < 0.1
    assert max(latencies) < 0.5


def test_stopped_peer_leaves_at_once(cluster: Cluster) -> None:
    """A graceful stop is seen by the others immediately, not after a suspicion timeout."""
    nodes = three(cluster)
    started = time.perf_counter()
    nodes[2].peer.stop(leave=True)
    cluster.wait(lambda: all(len(n.peer.members()) == 2 for n in nodes[:2]), timeout=2)
    assert time.perf_counter() - started < 0.5
    assert nodes[0].metric("alertmanager_cluster_peers_left_total") == 1


def test_killed_peer_is_detected(cluster: Cluster) -> None:
    """A peer that vanishes without a word is suspected, then declared dead."""
    nodes = three(cluster)
    nodes[1].peer.stop(leave=False)
    cluster.wait(lambda: all(len(n.peer.members()) == 2 for n in (nodes[0], nodes[2])), timeout=5)
    assert nodes[0].metric("alertmanager_cluster_failed_peers") == 1
    nodes[0].state.set("after", "x", ts=1)
    cluster.wait(lambda: "after" in nodes[2].state.data, timeout=1)


def test_restart_on_the_same_port_rejoins_under_a_new_name(cluster: Cluster) -> None:
    """A peer killed and restarted on its port comes back as a new member; the old name goes."""
    nodes = three(cluster)
    old = nodes[2]
    old.peer.stop(leave=False)
    new = cluster.add(seeds=[nodes[0].address], listen=old.address)
    cluster.wait(
        lambda: all(
            len(n.peer.members()) == 3 and old.peer.name not in dict(n.peer.members())
            for n in (nodes[0], nodes[1], new)
        ),
        timeout=8,
    )
    assert new.peer.position() == 2


def consecutive_free_ports(count: int) -> int:
    """A port P such that P … P+count-1 were all free a moment ago."""
    import socket

    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        socks = []
        try:
            for port in range(base, base + count):
                sock = socket.socket()
                socks.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in socks:
                sock.close()
    raise RuntimeError("no run of free ports")


def test_nodes_on_consecutive_ports_joined_by_host_name(cluster: Cluster) -> None:
    """Listen ports 9094, 9095, 9096-style never collide with gossip ports; seeds may be host names."""
    base = consecutive_free_ports(3)
    nodes = [
        cluster.add(seeds=[f"localhost:{base}"], listen=f"127.0.0.1:{base + i}") for i in range(3)
    ]
    cluster.wait(lambda: all(len(n.peer.members()) == 3 for n in nodes))
    assert [n.address for n in nodes] == [f"127.0.0.1:{base + i}" for i in range(3)]
    nodes[0].state.set("k", "v", ts=1)
    cluster.wait(lambda: all("k" in n.state.data for n in nodes), timeout=1)


def test_a_taken_listen_port_fails_start(cluster: Cluster) -> None:
    """Binding an address in use raises OSError from start() instead of running unbound."""
    first = cluster.add()
    with pytest.raises(OSError):
        Node(cluster.clock, [], cluster.changed, listen=first.address)


def test_undecodable_requests_from_a_stranger_are_counted(cluster: Cluster) -> None:
    """Garbage on the request socket is counted and dropped; a valid ping after it is answered."""
    import zmq

    from cluster import wire

    node = cluster.add()
    dealer: zmq.Socket[bytes] = zmq.Context.instance().socket(zmq.DEALER)
    dealer.setsockopt(zmq.LINGER, 0)
    dealer.setsockopt(zmq.RCVTIMEO, 2000)
    dealer.connect(f"tcp://{node.address}")
    dealer.send_multipart([b"\x00" * 8, b"\xc1garbage"])
    dealer.send_multipart([b"one frame only"])
    stranger = wire.NodeInfo("stranger", "127.0.0.1:1", "127.0.0.1:2", 0)
    dealer.send_multipart([b"\x01" * 8, wire.encode(wire.Ping(1, stranger, node.peer.name, 0))])
    rid, reply = dealer.recv_multipart()  # requests are served in order: the garbage came first
    dealer.close()
    assert rid == b"\x01" * 8 and isinstance(wire.decode(reply), wire.Ack)
    assert node.metric("gossamer_cluster_messages_undecodable_total") == 2


def test_idle_cluster_uses_little_cpu(cluster: Cluster) -> None:
    """Three idle peers (probing 10×/s here) cost a few percent of one core at most."""
    three(cluster)
    started_cpu, started = time.process_time(), time.perf_counter()
    with cluster.changed:
        cluster.changed.wait_for(lambda: False, timeout=1.0)
    cpu = (time.process_time() - started_cpu) / (time.perf_counter() - started)
    assert cpu < 0.15, f"idle CPU {cpu:.1%}"


def test_wire_is_msgpack_arrays() -> None:
    """Sanity check on the format other implementations would read."""
    from cluster import wire

    raw = wire.encode(wire.Pull(1, "A", [(1, 2)]))
    assert msgspec.msgpack.decode(raw) == [7, 1, "A", [[1, 2]]]

"""Three-node clusters on the in-memory network and a manual clock.

Every scenario runs in simulated time (minutes in milliseconds); randomised
runs log their seed (``memory network seed=...``) so a failure can be replayed
with ``MemoryCluster(seed=...)``.
"""

from __future__ import annotations

import random

import pytest

from cluster import wire
from tests.test_cluster_support import MemoryCluster


def converged(cluster: MemoryCluster, indexes: list[int] | None = None) -> bool:
    chosen = [cluster.states[i] for i in (indexes or range(len(cluster.states)))]
    return all(s.data == chosen[0].data for s in chosen)


def member_names(cluster: MemoryCluster, index: int) -> list[str]:
    return [name for name, _ in cluster.peers[index].members()]


def test_three_peers_join_and_agree_on_positions() -> None:
    """Joining through one seed, every peer learns the others; positions follow name order."""
    cluster = MemoryCluster().start(3)
    cluster.run(1)
    names = cluster.names(0, 1, 2)
    for peer in cluster.peers:
        assert member_names(cluster, cluster.peers.index(peer)) == names
        assert peer.position() == names.index(peer.name)
        assert peer.status() == "ready"
    assert cluster.metric(1, "alertmanager_cluster_members") == 3
    assert cluster.metric(2, "alertmanager_peer_position") == names.index(cluster.peers[2].name)
    assert cluster.metric(0, "alertmanager_cluster_peers_joined_total") == 2


def test_broadcast_state_converges_everywhere() -> None:
    """A change on one peer reaches the others through gossip within milliseconds."""
    cluster = MemoryCluster().start(3)
    cluster.run(1)
    cluster.states[1].set("silence-1", "v1", ts=1)
    cluster.run(0.01)
    assert all(s.values() == {"silence-1": "v1"} for s in cluster.states)
    assert cluster.metric(0, "alertmanager_cluster_messages_received_total", msg_type="update") == 1
    assert cluster.metric(1, "alertmanager_cluster_messages_sent_total", msg_type="update") == 1


def test_a_joining_peer_gets_the_full_state() -> None:
    """State written before a peer joined arrives with the join's push-pull."""
    cluster = MemoryCluster().start(2)
    cluster.run(1)
    cluster.states[0].set("a", "1", ts=1)
    cluster.states[1].set("b", "2", ts=2)
    cluster.run(0.1)
    cluster.add()
    cluster.run(0.01)
    assert cluster.states[2].values() == {"a": "1", "b": "2"}
    assert (
        cluster.metric(2, "alertmanager_cluster_messages_received_total", msg_type="full_state")
        >= 1
    )


def test_lost_gossip_is_repaired_by_a_pull_on_the_next_message() -> None:
    """A dropped message shows up as a gap at the next one and is pulled at once.

    Probes are off for the test: a probe carrying the origin's sequence number would
    reveal the gap first (that path has its own test below)."""
    cluster = MemoryCluster(probe_interval=3600).start(3)
    cluster.run(1)
    target = cluster.address(2)
    dropped: list[bytes] = []

    def drop_first(kind: str, src: str, dst: str, payload: bytes) -> bool:
        if kind == "gossip" and dst == target and not dropped:
            dropped.append(payload)
            return True
        return False

    repaired = cluster.metric(2, "gossamer_cluster_gaps_repaired_total")
    cluster.net.drop_filter = drop_first
    cluster.states[0].set("a", "1", ts=1)
    cluster.run(0.01)
    assert "a" not in cluster.states[2].data
    cluster.states[0].set("b", "2", ts=2)
    cluster.run(0.01)
    assert cluster.states[2].values() == {"a": "1", "b": "2"}
    assert cluster.metric(2, "gossamer_cluster_gaps_repaired_total") >= repaired + 1


def test_lost_last_message_is_repaired_after_a_probe() -> None:
    """When the lost message is the last one, a probe carrying the origin's seq reveals it."""
    cluster = MemoryCluster().start(3)
    cluster.run(1)
    repaired = cluster.metric(2, "gossamer_cluster_gaps_repaired_total")
    cluster.net.drop_filter = lambda kind, src, dst, _: (
        kind in ("gossip", "reply") and dst == cluster.address(2)  # no early probe reply
    )
    cluster.states[0].set("a", "1", ts=1)
    cluster.run(0.01)
    cluster.net.drop_filter = None
    assert "a" not in cluster.states[2].data
    cluster.run(5)
    assert cluster.states[2].values() == {"a": "1"}
    assert cluster.metric(2, "gossamer_cluster_gaps_repaired_total") >= repaired + 1


def test_gap_beyond_the_retransmit_buffer_falls_back_to_push_pull() -> None:
    """Messages that left the origin's buffer are recovered by a full push-pull with it."""
    cluster = MemoryCluster().start(3)
    cluster.run(1)
    origin = cluster.peers[0]
    assert origin._engine is not None
    origin._engine.dissemination.buffer.max_messages = 2
    cluster.net.drop_filter = lambda kind, src, dst, _: (
        kind == "gossip" and dst == cluster.address(2)
    )
    for i in range(5):
        cluster.states[0].set(f"k{i}", str(i), ts=i + 1)
        cluster.run(0.01)
    cluster.net.drop_filter = None
    cluster.states[0].set("last", "x", ts=10)
    cluster.run(0.1)
    assert converged(cluster)
    assert len(cluster.states[2].data) == 6


def test_duplicated_and_reordered_messages_are_harmless() -> None:
    """With every message duplicated and delays wide enough to reorder, states still agree."""
    cluster = MemoryCluster().start(3)
    cluster.log_seed()
    cluster.run(1)
    cluster.net.duplicate_rate = 1.0
    cluster.net.min_delay, cluster.net.max_delay = 0.0, 0.05
    for ts in range(1, 60):
        cluster.states[ts % 3].set(f"k{ts % 7}", f"v{ts}", ts=ts)
        cluster.run(0.003)
    cluster.run(1)
    assert converged(cluster)
    assert cluster.states[0].values() == {
        f"k{k}": f"v{max(t for t in range(1, 60) if t % 7 == k)}" for k in range(7)
    }
    assert cluster.net.stats["gossip_duplicated"] > 0
    assert all(len(p.members()) == 3 for p in cluster.peers)


def test_killed_peer_is_declared_dead_and_positions_compact() -> None:
    """A peer that vanishes without leaving is suspected, then dead; positions close up."""
    cluster = MemoryCluster().start(3)
    cluster.run(1)
    first = min(cluster.peers, key=lambda p: p.name)
    survivors = [i for i, p in enumerate(cluster.peers) if p is not first]
    first.stop(leave=False)
    cluster.run(2)
    assert all(len(cluster.peers[i].members()) == 3 for i in survivors)  # only suspect so far
    cluster.run(6)
    names = cluster.names(*survivors)
    for i in survivors:
        assert member_names(cluster, i) == names
        assert cluster.peers[i].position() == names.index(cluster.peers[i].name)
        assert cluster.metric(i, "alertmanager_cluster_peers_left_total") == 1
        assert cluster.metric(i, "alertmanager_cluster_failed_peers") == 1


def test_graceful_leave_is_seen_at_once() -> None:
    """stop() tells the others directly: they drop the peer without waiting for probes."""
    cluster = MemoryCluster().start(3)
    cluster.run(1)
    cluster.peers[2].stop(leave=True)
    cluster.run(0.05)
    assert member_names(cluster, 0) == cluster.names(0, 1)
    assert member_names(cluster, 1) == cluster.names(0, 1)


def test_indirect_probes_keep_a_peer_alive_when_one_link_is_cut() -> None:
    """A cut between two peers alone does not make either suspect: the third vouches for them."""
    cluster = MemoryCluster().start(3)
    cluster.run(1)
    a, c = cluster.address(0), cluster.address(2)
    cluster.net.drop_filter = lambda kind, src, dst, _: {src, dst} == {a, c} and kind != "gossip"
    cluster.run(30)
    assert all(len(p.members()) == 3 for p in cluster.peers)
    assert cluster.metric(0, "alertmanager_cluster_peers_left_total") == 0


def test_a_suspected_peer_refutes_and_stays() -> None:
    """Cut off for less than the suspicion timeout, a peer refutes with a higher incarnation."""
    cluster = MemoryCluster().start(3)
    cluster.run(1)
    isolated = cluster.address(2)
    cluster.net.partition([cluster.address(0), cluster.address(1)], [isolated])
    for _ in range(60):
        cluster.run(0.1)
        if (
            cluster.peers[0]._engine.table.get(cluster.peers[2].name).state
            == wire.MemberState.SUSPECT
        ):  # type: ignore[union-attr]
            break
    else:
        pytest.fail("peer 2 was never suspected")
    cluster.net.heal()
    cluster.run(10)
    assert all(len(p.members()) == 3 for p in cluster.peers)
    assert cluster.peers[2]._engine.table.me.incarnation >= 1  # type: ignore[union-attr]
    assert cluster.metric(0, "alertmanager_cluster_peers_left_total") == 0


def test_partition_then_heal_merges_both_sides() -> None:
    """Each side carries on alone; after healing, membership and state converge."""
    cluster = MemoryCluster().start(3)
    cluster.run(1)
    left, right = [cluster.address(0), cluster.address(1)], [cluster.address(2)]
    cluster.net.partition(left, right)
    cluster.run(10)
    assert member_names(cluster, 0) == cluster.names(0, 1)
    assert member_names(cluster, 2) == cluster.names(2)
    assert (
        cluster.peers[2].position() == 0
    )  # each side has its own position 0: duplicates, not loss
    cluster.states[0].set("left", "L", ts=5)
    cluster.states[2].set("right", "R", ts=6)
    cluster.states[1].set("both", "from-left", ts=7)
    cluster.states[2].set("both", "from-right", ts=8)
    cluster.run(1)
    cluster.net.heal()
    cluster.run(25)
    assert all(len(p.members()) == 3 for p in cluster.peers)
    assert converged(cluster)
    assert cluster.states[0].values() == {"left": "L", "right": "R", "both": "from-right"}


def test_restarted_peer_rejoins_under_a_new_name_at_the_end() -> None:
    """A restart is a new ULID: the old name leaves, the new one sorts last."""
    cluster = MemoryCluster().start(3)
    cluster.run(1)
    old = cluster.peers[0]
    old.stop(leave=True)
    cluster.run(0.1)
    new = cluster.add(index=0, peers=[cluster.address(1)])
    cluster.run(1)
    assert new.name != old.name
    for i in range(3):
        names = member_names(cluster, i)
        assert old.name not in names and len(names) == 3
        assert names[-1] == new.name
    assert new.position() == 2


def test_a_seed_that_is_down_at_start_is_retried() -> None:
    """A failed first join is only a warning; the reconnect loop joins once the seed is up."""
    cluster = MemoryCluster()
    late = cluster.add(index=1, peers=[cluster.address(0)])
    cluster.run(3)
    assert len(late.members()) == 1
    assert cluster.metric_of(late, "alertmanager_cluster_failed_peers") == 1
    seed = cluster.add(index=0, peers=[])
    cluster.run(15)
    assert len(seed.members()) == 2 and len(late.members()) == 2
    assert cluster.metric_of(late, "alertmanager_cluster_reconnections_total") >= 1
    assert cluster.metric_of(late, "alertmanager_cluster_failed_peers") == 0


def test_membership_churn_converges() -> None:
    """Peers stop, crash and restart at random; the survivors end with one consistent view."""
    cluster = MemoryCluster().start(3)
    cluster.log_seed()
    rng = random.Random(cluster.net.seed)
    cluster.run(1)
    for round_ in range(6):
        index = rng.randrange(3)
        stopped = cluster.peers[index]
        stopped.stop(leave=rng.random() < 0.5)
        cluster.run(rng.uniform(0, 3))
        while not stopped.transport.closed:  # type: ignore[attr-defined]
            cluster.run(0.1)  # a leave waits for acks before the address is free again
        seeds = [cluster.address(i) for i in range(3) if i != index]
        cluster.add(index=index, peers=seeds)
        cluster.states[index].set(f"round{round_}", "x", ts=round_ + 1)
        cluster.run(rng.uniform(0, 2))
    cluster.run(30)
    names = sorted(p.name for p in cluster.peers)
    assert all(member_names(cluster, i) == names for i in range(3)), cluster.net.seed
    assert converged(cluster), cluster.net.seed


@pytest.mark.parametrize("run", range(3))
def test_lossy_network_converges_once_the_loss_stops(run: int) -> None:
    """Random loss, duplication and reordering; after the loss ends, members and states agree."""
    cluster = MemoryCluster().start(3)
    cluster.log_seed()
    rng = random.Random(cluster.net.seed)
    cluster.run(1)
    net = cluster.net
    net.drop_rate, net.duplicate_rate, net.max_delay = 0.2, 0.1, 0.03
    for ts in range(1, 200):
        cluster.states[rng.randrange(3)].set(f"k{rng.randrange(20)}", f"v{ts}", ts=ts)
        cluster.run(rng.uniform(0, 0.2))
    net.drop_rate = net.duplicate_rate = 0.0
    cluster.run(70)  # a reconnect round for any peer declared dead, then a push-pull interval
    assert all(len(p.members()) == 3 for p in cluster.peers), net.seed
    assert converged(cluster), net.seed


def test_undecodable_messages_are_counted_and_dropped() -> None:
    """Garbage on either path is counted, logged and dropped; the peer carries on."""
    cluster = MemoryCluster().start(2)
    cluster.run(1)
    peer = cluster.peers[0]
    replies: list[bytes] = []
    peer.on_gossip(b"\xc1not msgpack")
    peer.on_request(b"\x93\x63\x01\x02", replies.append)
    peer.on_request(wire.encode(wire.Ack(1, wire.NodeInfo("x", "", "", 0), 0)), replies.append)
    assert replies == []
    assert cluster.metric(0, "gossamer_cluster_messages_undecodable_total") == 3
    cluster.states[1].set("a", "1", ts=1)
    cluster.run(0.01)
    assert cluster.states[0].values() == {"a": "1"}


def test_lone_node_settles_like_alertmanager() -> None:
    """A node alone is ready after five polls of 10 × gossip_interval (10 s by default)."""
    cluster = MemoryCluster()
    peer = cluster.add(peers=[])
    cluster.run(9.9)
    assert peer.status() == "settling"
    cluster.run(0.2)
    assert peer.status() == "ready"


def test_joining_node_is_ready_after_its_first_push_pull() -> None:
    """A node joining a running cluster is ready as soon as it has the full state."""
    cluster = MemoryCluster().start(2)
    cluster.run(1)
    calls: list[str] = []
    joiner = cluster.add()
    joiner.on_ready(lambda: calls.append("ready"))
    assert joiner.status() == "settling"
    cluster.run(0.01)
    assert joiner.status() == "ready" and calls == ["ready"]
    joiner.on_ready(lambda: calls.append("late"))
    assert calls == ["ready", "late"]


def test_unreachable_seed_still_settles_by_member_count() -> None:
    """With its seed down, a node is ready after Alertmanager's settle, not the settle timeout."""
    cluster = MemoryCluster()
    peer = cluster.add(index=1, peers=[cluster.address(0)])
    cluster.run(10.1)
    assert peer.status() == "ready"


def test_broadcasts_in_a_burst_share_one_message() -> None:
    """Broadcasts queued before the cluster thread runs are published as one gossip message."""
    cluster = MemoryCluster().start(2)
    cluster.run(1)
    before = cluster.net.stats["gossip_sent"]
    for i in range(50):
        cluster.states[0].set(f"k{i}", "v", ts=i + 1)
    cluster.run(0.01)
    assert cluster.net.stats["gossip_sent"] - before == 1
    assert len(cluster.states[1].data) == 50
    assert cluster.metric(0, "alertmanager_cluster_messages_sent_total", msg_type="update") == 50


def test_crash_and_restart_on_the_same_addresses_keeps_gossip_flowing() -> None:
    """When the old incarnation is declared dead, the new one sharing its addresses stays subscribed."""
    cluster = MemoryCluster().start(3)
    cluster.run(1)
    old = cluster.peers[2]
    old.stop(leave=False)
    cluster.run(0)  # the crash happens on the cluster "thread"
    new = cluster.add(index=2)
    cluster.run(10)
    assert all(old.name not in dict(p.members()) and len(p.members()) == 3 for p in cluster.peers)
    cluster.states[2].set("from-new", "x", ts=1)
    cluster.run(0.01)
    assert all(s.values() == {"from-new": "x"} for s in cluster.states), new

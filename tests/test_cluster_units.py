"""Unit tests of the cluster's pure parts: wire format, sequence tracking, member table."""

from __future__ import annotations

import msgspec
import pytest

from cluster import wire
from cluster.members import MemberTable, Outcome
from cluster.sequence import OriginTracker, RetransmitBuffer
from cluster.settings import ClusterSettings
from cluster.wire import MemberState, NodeInfo
from cluster.zmq_addresses import advertised, gossip_bind_address
from cluster.zmq_sockets import endpoint

ME = NodeInfo("B", "h:2", "h:12", 0)


def node(name: str, incarnation: int = 0, state: MemberState = MemberState.ALIVE) -> NodeInfo:
    return NodeInfo(name, f"{name}:1", f"{name}:2", incarnation, state)


# Wire -------------------------------------------------------------------------------------
def test_every_message_round_trips() -> None:
    """Each message type decodes back to an equal value."""
    items: list[wire.Item] = [
        wire.Update("nfl", b"\x00\x01"),
        wire.MemberEvent(node("A", 3, MemberState.SUSPECT)),
    ]
    messages: list[wire.Message] = [
        wire.Ping(1, ME, "A", 7, suspected=True), wire.Ack(1, ME, 7), wire.IndirectPing(1, ME, node("A")),
        wire.IndirectAck(1, True), wire.PushPull(1, ME, True, [ME], {"A": 3}, [wire.Part("sil", b"x")]),
        wire.PushPullReply(1, ME, [ME], {}, []), wire.Pull(1, "B", [(1, 3)]), wire.PullReply(1, [b"m"], False),
        wire.Leave(1, ME), wire.Gossip(1, "B", 9, items),
    ]  # fmt: skip
    for message in messages:
        assert wire.decode(wire.encode(message)) == message


def test_garbage_and_unknown_tags_raise_wire_error() -> None:
    """Undecodable bytes raise WireError, never something the caller does not expect."""
    for data in (
        b"",
        b"\xc1",
        b"garbage",
        msgspec.msgpack.encode([99, 1]),
        msgspec.msgpack.encode([1, 0, "x"]),
    ):
        with pytest.raises(wire.WireError):
            wire.decode(data)


def test_a_newer_version_with_extra_fields_still_decodes() -> None:
    """Versions only append fields: a v2 Ack with a trailing field decodes as an Ack."""
    raw = msgspec.msgpack.encode([2, 2, ["B", "h:2", "h:12", 0, 0], 5, "future field"])
    message = wire.decode(raw)
    assert isinstance(message, wire.Ack) and message.version == 2 and message.seq == 5


# Sequence tracking ---------------------------------------------------------------------------
def test_tracker_detects_gaps_and_duplicates() -> None:
    """A skipped seq shows as missing until it arrives; repeats are rejected."""
    tracker = OriginTracker()
    assert tracker.accept(1) and tracker.accept(4)
    assert tracker.missing() == [(2, 3)]
    assert not tracker.accept(4) and not tracker.accept(1)
    assert tracker.accept(3) and tracker.accept(2)
    assert tracker.contiguous == 4 and not tracker.has_gap


def test_tracker_tail_gap_from_a_probe_head() -> None:
    """A head learnt from a probe reveals messages lost at the tail."""
    tracker = OriginTracker()
    tracker.accept(1)
    tracker.observe(3)
    assert tracker.missing() == [(2, 3)]


def test_full_state_baseline_closes_the_gap() -> None:
    """advance_to covers everything below it and reports whether that closed a gap."""
    tracker = OriginTracker()
    tracker.accept(5)
    assert tracker.advance_to(4) is True
    assert tracker.contiguous == 5 and not tracker.has_gap
    assert tracker.advance_to(3) is False


def test_retransmit_buffer_is_bounded_and_reports_incomplete_ranges() -> None:
    """Old messages fall out; asking for them says so."""
    buffer = RetransmitBuffer(max_messages=3)
    for seq in range(1, 6):
        buffer.append(seq, f"m{seq}".encode())
    assert buffer.get([(3, 5)]) == ([b"m3", b"m4", b"m5"], True)
    assert buffer.get([(1, 4)]) == ([b"m3", b"m4"], False)


# Member table ----------------------------------------------------------------------------------
def test_alive_suspect_dead_follow_incarnations() -> None:
    """SWIM precedence: suspicion needs a current incarnation, only a higher one clears it."""
    table = MemberTable(ME, 0)
    assert table.apply(node("A"), 1) == Outcome.JOINED
    assert table.apply(node("A", 0, MemberState.SUSPECT), 2) == Outcome.SUSPECTED
    assert table.apply(node("A", 0), 3) == Outcome.IGNORED
    assert table.apply(node("A", 1), 4) == Outcome.UPDATED
    assert table.apply(node("A", 0, MemberState.DEAD), 5) == Outcome.IGNORED
    assert table.apply(node("A", 1, MemberState.DEAD), 6) == Outcome.DIED
    assert [m.name for m in table.live()] == ["B"]
    assert table.apply(node("A", 2), 7) == Outcome.JOINED


def test_suspicion_of_self_asks_for_a_refutation() -> None:
    """A record suspecting or burying this node is refuted with a higher incarnation."""
    table = MemberTable(ME, 0)
    assert table.apply(NodeInfo("B", "h:2", "h:12", 0, MemberState.SUSPECT), 1) == Outcome.REFUTE
    assert table.refute(0).incarnation == 1
    assert table.apply(NodeInfo("B", "h:2", "h:12", 0, MemberState.DEAD), 2) == Outcome.IGNORED


def test_live_members_sorted_by_name_include_self_and_suspects() -> None:
    """Alertmanager's position list: alive and suspect, self included, by name."""
    table = MemberTable(ME, 0)
    for name in ("C", "A", "D"):
        table.apply(node(name), 0)
    table.apply(node("D", 0, MemberState.SUSPECT), 0)
    table.apply(node("C", 0, MemberState.LEFT), 0)
    assert [m.name for m in table.live()] == ["A", "B", "D"]


def test_suspect_and_dead_records_about_unknown_nodes_are_ignored() -> None:
    table = MemberTable(ME, 0)
    assert table.apply(node("X", 0, MemberState.SUSPECT), 0) == Outcome.IGNORED
    assert table.apply(node("X", 0, MemberState.DEAD), 0) == Outcome.IGNORED
    assert table.get("X") is None


# Addresses ---------------------------------------------------------------------------------------
def test_endpoints_and_ephemeral_gossip_port() -> None:
    """Port 0 binds an ephemeral port; the PUB binds on the listen host unless told otherwise."""
    assert endpoint("127.0.0.1:0") == "tcp://127.0.0.1:*"
    assert endpoint("0.0.0.0:9094") == "tcp://*:9094"
    assert endpoint("[::1]:9094") == "tcp://[::1]:9094"
    settings = ClusterSettings(listen_address="127.0.0.1:9094")
    assert gossip_bind_address(settings) == "127.0.0.1:0"
    assert advertised(settings, 9094, 40001) == ("127.0.0.1:9094", "127.0.0.1:40001")


def test_advertise_flags_win() -> None:
    settings = ClusterSettings(
        listen_address="0.0.0.0:9094",
        advertise_address="10.1.2.3:9094",
        gossip_advertise_address="10.1.2.3:9095",
    )
    assert advertised(settings, 9094, 40001) == ("10.1.2.3:9094", "10.1.2.3:9095")
    settings = ClusterSettings(listen_address="0.0.0.0:9094", advertise_address="10.1.2.3:9094")
    assert advertised(settings, 9094, 40001) == ("10.1.2.3:9094", "10.1.2.3:40001")


# Metrics -------------------------------------------------------------------------------------------
AM_FAMILIES = """alertmanager_cluster_enabled alertmanager_cluster_members alertmanager_cluster_peer_info
alertmanager_peer_position alertmanager_cluster_failed_peers alertmanager_cluster_health_score
alertmanager_cluster_messages_queued alertmanager_cluster_messages_received_total
alertmanager_cluster_messages_received_size_total alertmanager_cluster_messages_sent_total
alertmanager_cluster_messages_sent_size_total alertmanager_cluster_messages_pruned_total
alertmanager_cluster_alive_messages_total alertmanager_cluster_pings_seconds
alertmanager_cluster_peers_joined_total alertmanager_cluster_peers_left_total
alertmanager_cluster_peers_update_total alertmanager_cluster_reconnections_total
alertmanager_cluster_reconnections_failed_total alertmanager_cluster_refresh_join_total
alertmanager_cluster_refresh_join_failed_total alertmanager_oversized_gossip_message_sent_total
alertmanager_oversized_gossip_message_failure_total alertmanager_oversized_gossip_message_dropped_total
alertmanager_oversize_gossip_message_duration_seconds""".split()


def test_alertmanager_cluster_metric_names_are_all_exposed() -> None:
    """Every cluster family of Alertmanager 0.25 is on the peer's registry, zero-initialised."""
    from prometheus_client import CollectorRegistry, generate_latest

    from cluster.metrics import ClusterMetrics

    registry = CollectorRegistry()
    metrics = ClusterMetrics(registry, "01ABC")
    metrics.add_key("nfl")
    text = generate_latest(registry).decode()
    for family in AM_FAMILIES:
        assert f"# TYPE {family.removesuffix('_total')}" in text, family
    assert 'alertmanager_cluster_peer_info{peer="01ABC"} 1.0' in text
    assert 'alertmanager_cluster_messages_sent_total{msg_type="full_state"} 0.0' in text
    assert 'alertmanager_oversized_gossip_message_sent_total{key="nfl"} 0.0' in text


def test_gauges_the_node_already_registered_are_left_to_it() -> None:
    """The node registers cluster_enabled and peer_position itself; the peer does not clash."""
    from prometheus_client import CollectorRegistry, Gauge

    from cluster.metrics import ClusterMetrics

    registry = CollectorRegistry()
    Gauge("alertmanager_cluster_enabled", "", registry=registry)
    Gauge("alertmanager_peer_position", "", registry=registry)
    metrics = ClusterMetrics(registry, "01ABC")
    assert metrics.enabled is None and metrics.position is None
    assert registry.get_sample_value("alertmanager_cluster_members") == 1

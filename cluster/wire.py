"""The cluster's wire protocol: versioned msgspec structs in msgpack (array_like).

Every message is a tagged array ``[tag, version, ...fields]``. A newer version
only appends fields with defaults (msgspec ignores extra trailing elements and
fills missing ones from defaults), so versions interoperate; an incompatible
change takes a new tag. Anything that does not decode raises ``WireError``:
callers count it (``gossamer_cluster_messages_undecodable_total``), log it and
drop the message; it is never fatal.

Requests and replies travel DEALER → ROUTER; ``Gossip`` travels PUB → SUB.
Encoding and decoding are pure functions, safe on any thread.
"""

from __future__ import annotations

import enum

import msgspec

WIRE_VERSION = 1


class WireError(ValueError):
    """Bytes that are not a message of this protocol."""


class MemberState(enum.IntEnum):
    ALIVE = 0
    SUSPECT = 1
    DEAD = 2
    LEFT = 3


class NodeInfo(msgspec.Struct, frozen=True, array_like=True):
    """What one member says or is said about another: SWIM's alive/suspect/dead record."""

    name: str
    address: str  # ROUTER "host:port"
    gossip_address: str  # PUB "host:port"
    incarnation: int
    state: MemberState = MemberState.ALIVE


class Part(msgspec.Struct, frozen=True, array_like=True):
    """One replicated state's bytes (Alertmanager's ``clusterpb.Part``)."""

    key: str
    data: bytes


# Gossip items (inside a Gossip message) ---------------------------------------


class Update(msgspec.Struct, frozen=True, array_like=True, tag=1):
    """A delta of one replicated state (Alertmanager's ``msg_type="update"``)."""

    key: str
    data: bytes


class MemberEvent(msgspec.Struct, frozen=True, array_like=True, tag=2):
    """A membership change: ``node`` is alive/suspect/dead/left at its incarnation."""

    node: NodeInfo


Item = Update | MemberEvent


# Requests (DEALER → ROUTER) and their replies ---------------------------------


class Ping(msgspec.Struct, frozen=True, array_like=True, tag=1):
    """A direct probe of ``target`` (a name: an address may now host another node)."""

    version: int
    sender: NodeInfo
    target: str
    seq: int  # the sender's latest gossip sequence number (tail-loss detection)
    suspected: bool = False  # the sender suspects the target: refute at once


class Ack(msgspec.Struct, frozen=True, array_like=True, tag=2):
    """Reply to Ping and Leave: who answered, and its latest gossip sequence number."""

    version: int
    sender: NodeInfo
    seq: int


class IndirectPing(msgspec.Struct, frozen=True, array_like=True, tag=3):
    """Ask the receiver to probe ``target`` on the sender's behalf (SWIM ping-req)."""

    version: int
    sender: NodeInfo
    target: NodeInfo


class IndirectAck(msgspec.Struct, frozen=True, array_like=True, tag=4):
    """Reply to IndirectPing: whether the target answered the receiver's probe."""

    version: int
    ok: bool


class PushPull(msgspec.Struct, frozen=True, array_like=True, tag=5):
    """A full-state exchange (memberlist push/pull), also the join handshake.

    ``seen`` maps origin name → highest gossip sequence number whose effects
    ``parts`` contain; empty when a state did not answer in time.
    """

    version: int
    sender: NodeInfo
    join: bool
    members: list[NodeInfo]
    seen: dict[str, int]
    parts: list[Part]


class PushPullReply(msgspec.Struct, frozen=True, array_like=True, tag=6):
    version: int
    sender: NodeInfo
    members: list[NodeInfo]
    seen: dict[str, int]
    parts: list[Part]


class Pull(msgspec.Struct, frozen=True, array_like=True, tag=7):
    """Ask an origin to resend its gossip messages with seq in the ``ranges`` (inclusive)."""

    version: int
    sender: str
    ranges: list[tuple[int, int]]


class PullReply(msgspec.Struct, frozen=True, array_like=True, tag=8):
    """The encoded Gossip messages asked for; ``complete`` is False when some left the buffer."""

    version: int
    messages: list[bytes]
    complete: bool


class Leave(msgspec.Struct, frozen=True, array_like=True, tag=9):
    """A graceful leave, sent directly to every member (also gossiped as a MemberEvent)."""

    version: int
    sender: NodeInfo


class Gossip(msgspec.Struct, frozen=True, array_like=True, tag=20):
    """One PUB message: an origin's numbered batch of items (seq starts at 1)."""

    version: int
    origin: str
    seq: int
    items: list[Item]


Request = Ping | IndirectPing | PushPull | Pull | Leave
Reply = Ack | IndirectAck | PushPullReply | PullReply
Message = Request | Reply | Gossip

_ENCODER = msgspec.msgpack.Encoder()
_DECODER: msgspec.msgpack.Decoder[Message] = msgspec.msgpack.Decoder(Message)  # type: ignore[arg-type]


def encode(message: Message) -> bytes:
    return _ENCODER.encode(message)


def decode(data: bytes) -> Message:
    """Decode any message; ``WireError`` when ``data`` is not one."""
    try:
        message = _DECODER.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise WireError(str(exc)) from exc
    if message.version < 1:
        raise WireError(f"unsupported wire version {message.version}")
    return message

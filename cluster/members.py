"""The member table and SWIM's rules for alive / suspect / dead / left records.

Pure state without I/O, owned by the cluster thread. The rules follow
memberlist (which Alertmanager uses): a record about a member is accepted only
if its incarnation is new enough; only a member itself raises its incarnation
(to refute a suspicion); dead and left members stay in the table, out of the
member list, until ``forget``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from cluster.wire import MemberState, NodeInfo

LIVE = (MemberState.ALIVE, MemberState.SUSPECT)


class Outcome(enum.Enum):
    """What applying a record did to the table."""

    IGNORED = "ignored"
    JOINED = "joined"  # a new member, or a dead/left one back with a higher incarnation
    UPDATED = "updated"  # a higher incarnation of a live member (a refuted suspicion)
    SUSPECTED = "suspected"
    DIED = "died"
    LEFT = "left"
    REFUTE = "refute"  # the record suspects or buries this node: raise the incarnation


@dataclass(slots=True)
class Member:
    name: str
    address: str
    gossip_address: str
    incarnation: int
    state: MemberState
    since_ns: int

    def info(self) -> NodeInfo:
        return NodeInfo(self.name, self.address, self.gossip_address, self.incarnation, self.state)


class MemberTable:
    """Every member this node knows of, itself included."""

    def __init__(self, me: NodeInfo, now_ns: int) -> None:
        self.me = Member(
            me.name, me.address, me.gossip_address, me.incarnation, MemberState.ALIVE, now_ns
        )
        self._members: dict[str, Member] = {me.name: self.me}

    def get(self, name: str) -> Member | None:
        return self._members.get(name)

    def apply(self, info: NodeInfo, now_ns: int) -> Outcome:
        """Apply one record (a gossiped event, a probe answer, a push-pull entry)."""
        if info.state == MemberState.ALIVE:
            return self._alive(info, now_ns)
        if info.name == self.me.name:
            leaving = self.me.state == MemberState.LEFT
            return (
                Outcome.REFUTE
                if info.incarnation >= self.me.incarnation and not leaving
                else Outcome.IGNORED
            )
        member = self._members.get(info.name)
        if member is None or info.incarnation < member.incarnation or member.state not in LIVE:
            return Outcome.IGNORED
        if info.state == MemberState.SUSPECT:
            if member.state == MemberState.SUSPECT:
                return Outcome.IGNORED
            self._set(member, MemberState.SUSPECT, info.incarnation, now_ns)
            return Outcome.SUSPECTED
        self._set(member, info.state, info.incarnation, now_ns)
        return Outcome.LEFT if info.state == MemberState.LEFT else Outcome.DIED

    def _alive(self, info: NodeInfo, now_ns: int) -> Outcome:
        if info.name == self.me.name:
            return Outcome.IGNORED
        member = self._members.get(info.name)
        if member is None:
            self._members[info.name] = Member(
                info.name,
                info.address,
                info.gossip_address,
                info.incarnation,
                MemberState.ALIVE,
                now_ns,
            )
            return Outcome.JOINED
        if info.incarnation <= member.incarnation:
            return Outcome.IGNORED
        was_live = member.state in LIVE
        member.address, member.gossip_address = info.address, info.gossip_address
        self._set(member, MemberState.ALIVE, info.incarnation, now_ns)
        return Outcome.UPDATED if was_live else Outcome.JOINED

    def refute(self, incarnation: int) -> NodeInfo:
        """Raise this node's incarnation above ``incarnation``; the record to gossip."""
        self.me.incarnation = max(self.me.incarnation, incarnation) + 1
        return self.me.info()

    def leave(self, now_ns: int) -> NodeInfo:
        """Mark this node as leaving; the record to gossip."""
        self._set(self.me, MemberState.LEFT, self.me.incarnation, now_ns)
        return self.me.info()

    def forget(self, name: str) -> None:
        """Drop a dead or left member for good (after the reconnect timeout)."""
        member = self._members.get(name)
        if member is not None and member is not self.me and member.state not in LIVE:
            del self._members[name]

    def live(self) -> list[Member]:
        """Alive and suspect members, this node included, sorted by name (Alertmanager's order)."""
        return sorted((m for m in self._members.values() if m.state in LIVE), key=lambda m: m.name)

    def others(self, *states: MemberState) -> list[Member]:
        """Other members in ``states`` (default: alive and suspect), sorted by name."""
        wanted = states or LIVE
        return sorted(
            (m for m in self._members.values() if m is not self.me and m.state in wanted),
            key=lambda m: m.name,
        )

    def infos(self) -> list[NodeInfo]:
        """Every record, for a push-pull."""
        return [m.info() for m in self._members.values()]

    @staticmethod
    def _set(member: Member, state: MemberState, incarnation: int, now_ns: int) -> None:
        if member.state != state:
            member.since_ns = now_ns
        member.state, member.incarnation = state, incarnation

    def __len__(self) -> int:
        return len(self._members)

    def __repr__(self) -> str:
        counts = {
            s.name.lower(): sum(m.state == s for m in self._members.values()) for s in MemberState
        }
        return f"<MemberTable me={self.me.name} {counts}>"

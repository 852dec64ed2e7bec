"""Full-state push-pull (memberlist's TCP push/pull): on join, on demand, every pushpull_interval.

Runs on the cluster thread. Both sides send their member records, every
state's full bytes (asked of each ``StateHandler``, which may answer from
another thread) and ``seen``: per origin, the gossip seq up to which those
bytes include every message. The receiver merges all three; ``seen`` lets it
skip pulling gossip that the full state already covered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from cluster import wire
from cluster.transport import Responder

if TYPE_CHECKING:
    from cluster.engine import Engine

Done = Callable[[wire.NodeInfo | None], None]
Gathered = Callable[[list[wire.Part], dict[str, int]], None]


class Exchange:
    """Sends and answers ``PushPull`` requests."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.completed = 0

    def start(self) -> None:
        self.engine.every(self.engine.settings.pushpull_interval, self._periodic)

    def _periodic(self) -> None:
        others = self.engine.table.others(wire.MemberState.ALIVE)
        if others:
            self.push_pull(self.engine.rng.choice(others).address, join=False)

    def push_pull(self, address: str, join: bool, done: Done | None = None) -> None:
        """Exchange full states with ``address``; ``done`` gets the answering node or None."""

        def send(parts: list[wire.Part], seen: dict[str, int]) -> None:
            if self.engine.stopped:
                return
            message = wire.PushPull(
                wire.WIRE_VERSION, self.engine.me(), join, self.engine.table.infos(), seen, parts
            )
            self.engine.metrics.count_sent("full_state", _size(parts))
            timeout = self.engine.settings.tcp_timeout
            self.engine.request(
                address, message, timeout, lambda reply: self._on_reply(reply, done)
            )

        self.gather(send)

    def _on_reply(self, reply: wire.Message | None, done: Done | None) -> None:
        if not isinstance(reply, wire.PushPullReply):
            if done is not None:
                done(None)
            return
        if reply.sender.name != self.engine.name:
            self._merge(reply.sender, reply.members, reply.seen, reply.parts)
        if done is not None:
            done(reply.sender)

    def on_push_pull(self, message: wire.PushPull, size: int, respond: Responder) -> None:
        """A peer pushes its full state (or joins): merge it and answer with ours."""
        me = self.engine.me()
        if message.sender.name == me.name:  # a --cluster.peer that is this node
            respond(wire.encode(wire.PushPullReply(wire.WIRE_VERSION, me, [], {}, [])))
            return
        if message.join:
            self.engine.log.info(
                "peer {} joins from {}", message.sender.name, message.sender.address
            )
        self._merge(message.sender, message.members, message.seen, message.parts)

        def answer(parts: list[wire.Part], seen: dict[str, int]) -> None:
            reply = wire.PushPullReply(
                wire.WIRE_VERSION, self.engine.me(), self.engine.table.infos(), seen, parts
            )
            self.engine.metrics.count_sent("full_state", _size(parts))
            respond(wire.encode(reply))

        self.gather(answer)

    def _merge(
        self,
        sender: wire.NodeInfo,
        members: list[wire.NodeInfo],
        seen: dict[str, int],
        parts: list[wire.Part],
    ) -> None:
        self.engine.membership.merge_remote(sender, members)
        for part in parts:
            self.merge_part(part.key, part.data)
        self.engine.metrics.count_received("full_state", _size(parts))
        self.engine.dissemination.merge_seen(seen)
        self.completed += 1
        self.engine.readiness.synced(sender.name)

    def merge_part(self, key: str, data: bytes) -> None:
        """Hand ``data`` to the state registered under ``key`` (unknown keys are ignored, as AM does)."""
        handler = self.engine.handlers.get(key)
        if handler is None:
            return
        try:
            handler.merge_remote(data)
        except Exception:
            self.engine.log.exception(
                "state {} failed to merge {} bytes from a peer", key, len(data)
            )

    def gather(self, callback: Gathered) -> None:
        """Collect every state's full bytes, then call ``callback`` on the cluster thread.

        A state that has not answered within tcp_timeout is left out, and then
        ``seen`` is sent empty: the bytes no longer cover every delivered seq.
        """
        seen = self.engine.dissemination.seen()
        handlers = list(self.engine.handlers.values())
        parts: dict[str, bytes] = {}
        finished = False

        def complete() -> None:
            nonlocal finished
            if finished:
                return
            finished = True
            timer.cancel()
            whole = len(parts) == len(handlers)
            callback([wire.Part(k, d) for k, d in parts.items()], seen if whole else {})

        def got(key: str, data: bytes) -> None:
            if not finished:
                parts[key] = data
                if len(parts) == len(handlers):
                    complete()

        timer = self.engine.later(self.engine.settings.tcp_timeout, complete)
        if not handlers:
            complete()
        for handler in handlers:
            self._ask(handler.key, handler.request_full_state, got)

    def _ask(
        self,
        key: str,
        request: Callable[[Callable[[bytes], None]], None],
        got: Callable[[str, bytes], None],
    ) -> None:
        call_soon = self.engine.transport.call_soon

        def reply(data: bytes) -> None:  # any thread
            call_soon(lambda: got(key, data))

        try:
            request(reply)
        except Exception:
            self.engine.log.exception("state {} failed to give its full state", key)


def _size(parts: list[wire.Part]) -> int:
    return sum(len(p.data) for p in parts)

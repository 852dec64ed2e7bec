"""The waiter actor: holds each branch for position × ``--cluster.peer-timeout``.

Alertmanager's ``WaitStage`` (pipeline.md §4.5). The wait is a clock timer, not
a sleep, so one waiting branch never holds up another. Position 0 (or no
cluster) passes branches straight on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pykka

from actors.base import GossamerActor
from actors.messages import Branch, BranchDone


class Waiter(GossamerActor):
    name = "waiter"

    def __init__(
        self,
        clock: Any,
        deduper: pykka.ActorRef,
        dispatcher: Callable[[], pykka.ActorRef],
        wait_s: Callable[[], float],
        **kw: Any,
    ) -> None:
        super().__init__(**kw)
        self.clock = clock
        self.deduper = deduper
        self.dispatcher = dispatcher
        self.wait_s = wait_s
        self.waiting = 0

    def on_Branch(self, branch: Branch) -> None:
        wait = self.wait_s()
        if wait <= 0:
            self.deduper.tell(branch)
            return
        if self.clock.now_ns() + int(wait * 1e9) > branch.flush.deadline_ns:
            self.dispatcher().tell(
                BranchDone(branch.flush.flush_id, False, "context deadline exceeded")
            )
            return
        self.waiting += 1
        ref = self.actor_ref
        self.clock.call_later(wait, lambda: ref.tell(_WaitOver(branch)))

    def on__WaitOver(self, msg: _WaitOver) -> None:
        self.waiting -= 1
        self.deduper.tell(msg.branch)

    def on_message_failed(self, message: Any, exc: Exception) -> None:
        branch = message.branch if isinstance(message, _WaitOver) else message
        if isinstance(branch, Branch):
            self.dispatcher().tell(BranchDone(branch.flush.flush_id, False, str(exc)))

    def statistics(self) -> dict[str, Any]:
        return {**super().statistics(), "waiting": self.waiting}


class _WaitOver:
    __slots__ = ("branch",)

    def __init__(self, branch: Branch) -> None:
        self.branch = branch

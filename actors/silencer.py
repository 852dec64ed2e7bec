"""The silencer actor: the silence stage, then the fan-out to every integration.

Silences arrive in the next increment; until then every alert passes. A flush
whose receiver has no integrations (a "blackhole") ends here with ``FlushDone``;
otherwise one ``Branch`` per integration goes to the waiter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pykka

from actors.base import GossamerActor
from actors.messages import Branch, Flush, FlushDone, Reconfigure
from cluster.nflog import Receiver
from receivers.base import Notifier


class SilencerActor(GossamerActor):
    name = "silencer"

    def __init__(
        self,
        notifiers: dict[str, list[Notifier]],
        waiter: pykka.ActorRef,
        dispatcher: Callable[[], pykka.ActorRef],
        **kw: Any,
    ) -> None:
        super().__init__(**kw)
        self.notifiers = notifiers
        self.waiter = waiter
        self.dispatcher = dispatcher

    def on_Flush(self, flush: Flush) -> None:
        alerts = flush.alerts
        notifiers = self.notifiers.get(flush.ctx.receiver_name, [])
        if not alerts or not notifiers:
            self.dispatcher().tell(FlushDone(flush.flush_id, ok=True))
            return
        for notifier in notifiers:
            receiver = Receiver(flush.ctx.receiver_name, notifier.integration, notifier.index)
            self.waiter.tell(Branch(flush, notifier, receiver, alerts))

    def on_Reconfigure(self, msg: Reconfigure) -> None:
        self.notifiers = msg.payload

    def on_message_failed(self, message: Any, exc: Exception) -> None:
        if isinstance(message, Flush):
            self.dispatcher().tell(FlushDone(message.flush_id, ok=False))

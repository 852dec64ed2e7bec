"""The base every gossamer actor extends: message dispatch, failure containment, statistics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

import pykka
from loguru import logger

T = TypeVar("T")


class GossamerActor(pykka.ThreadingActor):
    """A pykka actor whose handlers are ``on_<MessageType>`` methods.

    An exception in a handler is logged, counted and passed to
    ``on_message_failed`` (which reports a failed flush, so a group never
    wedges); the actor keeps running. Anything that still escapes reaches
    ``on_failure``, which tells the supervisor so ``/-/healthy`` fails.
    """

    name = "actor"

    def __init__(
        self,
        on_crash: Callable[[str, BaseException], None] | None = None,
        count_failure: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__()
        self._on_crash = on_crash
        self._count_failure = count_failure
        self.handled = 0
        self.failed = 0
        self.log = logger.bind(component=self.name)

    def on_receive(self, message: Any) -> Any:
        """Runs on this actor's thread: dispatch to ``on_<TypeName>``."""
        handler = getattr(self, f"on_{type(message).__name__}", None)
        if handler is None:
            self.log.warning("unexpected message {}", type(message).__name__)
            return None
        self.handled += 1
        try:
            return handler(message)
        except Exception as exc:
            self.failed += 1
            self.log.opt(exception=exc).error("handling {} failed", type(message).__name__)
            if self._count_failure is not None:
                self._count_failure(self.name)
            self.on_message_failed(message, exc)
            return None

    def on_Ping(self, message: Any) -> bool:
        """Answer a barrier: every message told before the ping has been handled."""
        return True

    def on_message_failed(self, message: Any, exc: Exception) -> None:
        """Hook: report the failure of ``message`` to whoever waits for it."""

    def on_failure(self, exception_type: Any, exception_value: Any, traceback: Any) -> None:
        if self._on_crash is not None and exception_value is not None:
            self._on_crash(self.name, exception_value)

    def statistics(self) -> dict[str, Any]:
        """Counters for tests and ``repr``; subclasses add their own."""
        return {"handled": self.handled, "failed": self.failed}


class Published(Generic[T]):
    """An immutable value one actor publishes for other threads to read.

    Only the owner calls ``publish``; readers call ``get``. Rebinding one
    reference is atomic under the GIL, so readers never see a torn value.
    """

    __slots__ = ("_value",)

    def __init__(self, value: T) -> None:
        self._value = value

    def publish(self, value: T) -> None:
        self._value = value

    def get(self) -> T:
        return self._value

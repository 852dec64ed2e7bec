"""Messages between a node's actors: immutable values, one per batch, never per alert."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from cluster.nflog import Receiver
from gossamer.alert import Alert
from receivers.base import NotificationContext, Notifier

Reply = Callable[[Any], None]


class IngestBatch(msgspec.Struct, frozen=True):
    """Alerts accepted by ``POST /api/v2/alerts`` (already defaulted and validated)."""

    alerts: list[Alert]


class StoredBatch(msgspec.Struct, frozen=True):
    """Alerts after the store merged them: what the dispatcher routes."""

    alerts: list[Alert]


class ListAlerts(msgspec.Struct, frozen=True):
    """Ask the store for every alert it holds; ``reply`` gets a list."""

    reply: Reply


class ListGroups(msgspec.Struct, frozen=True):
    """Ask the dispatcher for its aggregation groups; ``reply`` gets a list of GroupView."""

    reply: Reply


class GroupView(msgspec.Struct, frozen=True):
    """An aggregation group as the API shows it."""

    labels: dict[str, str]
    receiver: str
    route_id: str
    alerts: list[Alert]


class Flush(msgspec.Struct, frozen=True):
    """One aggregation-group flush on its way through the receiver-level stages."""

    flush_id: int
    ctx: NotificationContext
    alerts: list[Alert]
    repeat_interval: float
    mute_time_intervals: tuple[str, ...]
    active_time_intervals: tuple[str, ...]
    deadline_ns: int


class Branch(msgspec.Struct, frozen=True):
    """One flush fanned out to one integration: waiter → deduper → sender → gossiper."""

    flush: Flush
    notifier: Notifier
    receiver: Receiver
    alerts: list[Alert]
    firing_hashes: tuple[int, ...] = ()
    resolved_hashes: tuple[int, ...] = ()


class FlushDone(msgspec.Struct, frozen=True):
    """The whole flush ended before the fan-out (everything muted, or a blackhole)."""

    flush_id: int
    ok: bool


class BranchDone(msgspec.Struct, frozen=True):
    """One integration's part of a flush ended; ``error`` is empty on success."""

    flush_id: int
    ok: bool
    error: str = ""


class Tick(msgspec.Struct, frozen=True):
    """A group timer fired."""

    group_id: int
    generation: int


class Housekeeping(msgspec.Struct, frozen=True):
    """The dispatcher's periodic clean-up of empty groups."""


class Maintenance(msgspec.Struct, frozen=True):
    """GC and snapshot of replicated state, every ``--data.maintenance-interval``."""


class GarbageCollect(msgspec.Struct, frozen=True):
    """Alert-store GC, every ``--alerts.gc-interval``."""


class Attempt(msgspec.Struct, frozen=True):
    """The sender should (re)try a pending branch."""

    branch_id: int


class AttemptResult(msgspec.Struct, frozen=True):
    """A notify call ended on the event loop; ``error`` is None on success."""

    branch_id: int
    error: BaseException | None
    retryable: bool
    duration_s: float


class Record(msgspec.Struct, frozen=True):
    """A branch was delivered: the gossiper writes its notification-log entry."""

    branch: Branch


class Reconfigure(msgspec.Struct, frozen=True):
    """A new configuration was loaded; ``payload`` is actor-specific."""

    payload: Any


class Replay(msgspec.Struct, frozen=True):
    """Ask the store to re-send every alert to the dispatcher (after a reload)."""


class Ping(msgspec.Struct, frozen=True):
    """A barrier for tests and health checks; every actor answers True."""


class MergeRemote(msgspec.Struct, frozen=True):
    """A replicated state's records received from a peer (encoded; merged by the owner)."""

    data: bytes


class EncodeFull(msgspec.Struct, frozen=True):
    """Ask the owner of a replicated state for its full encoding (for a push-pull)."""

    reply: Reply

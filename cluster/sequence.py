"""Per-origin gossip sequence numbers: what was received, what is missing, what to resend.

Pure bookkeeping without I/O or time, used on the cluster thread only. Every
origin numbers its gossip messages 1, 2, 3, …; a peer's name is a fresh ULID
per process, so a restarted node is a new origin and no epoch is needed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

Range = tuple[int, int]  # inclusive

#: A gap that stays open this long (in messages received above it) is given up on:
#: anti-entropy (push-pull) repairs the state it held.
MAX_OUT_OF_ORDER = 4096


class OriginTracker:
    """Which sequence numbers of one origin were delivered here, and which are missing.

    ``contiguous``: every seq ≤ it was delivered (or is covered by a full state).
    ``above``: delivered seqs beyond it. ``head``: the highest seq known to exist.
    """

    __slots__ = ("contiguous", "above", "head")

    def __init__(self, baseline: int = 0) -> None:
        self.contiguous = baseline
        self.above: set[int] = set()
        self.head = baseline

    def accept(self, seq: int) -> bool:
        """Record ``seq``; False if it was delivered before (a duplicate)."""
        if seq <= self.contiguous or seq in self.above:
            return False
        self.above.add(seq)
        self.head = max(self.head, seq)
        self._compact()
        if len(self.above) > MAX_OUT_OF_ORDER:
            self.advance_to(min(self.above) - 1)
        return True

    def observe(self, head: int) -> None:
        """The origin says it has published up to ``head``."""
        self.head = max(self.head, head)

    def advance_to(self, seq: int) -> bool:
        """Everything up to ``seq`` is covered (a full state included it); True if that closed a gap."""
        if seq <= self.contiguous:
            return False
        span = min(seq, self.head) - self.contiguous
        closed = span > sum(1 for s in self.above if s <= seq)
        self.contiguous = seq
        self.above = {s for s in self.above if s > seq}
        self.head = max(self.head, seq)
        self._compact()
        return closed

    def missing(self, limit: int = 64) -> list[Range]:
        """Up to ``limit`` ranges of seqs known to exist but not delivered."""
        ranges: list[Range] = []
        start = self.contiguous + 1
        for seq in sorted(self.above):
            if seq > start:
                ranges.append((start, seq - 1))
            start = seq + 1
        if start <= self.head:
            ranges.append((start, self.head))
        return ranges[:limit]

    @property
    def has_gap(self) -> bool:
        return self.head > self.contiguous

    def _compact(self) -> None:
        while self.contiguous + 1 in self.above:
            self.contiguous += 1
            self.above.remove(self.contiguous)

    def __repr__(self) -> str:
        return (
            f"<OriginTracker contiguous={self.contiguous} head={self.head} above={len(self.above)}>"
        )


class RetransmitBuffer:
    """The last messages this node published, by seq, bounded in count and bytes."""

    def __init__(self, max_messages: int = 4096, max_bytes: int = 16 << 20) -> None:
        self.max_messages = max_messages
        self.max_bytes = max_bytes
        self._messages: deque[tuple[int, bytes]] = deque()
        self._bytes = 0

    def append(self, seq: int, data: bytes) -> None:
        self._messages.append((seq, data))
        self._bytes += len(data)
        while self._messages and (
            len(self._messages) > self.max_messages or self._bytes > self.max_bytes
        ):
            self._bytes -= len(self._messages.popleft()[1])

    def get(self, ranges: Iterable[Range], max_count: int = 1024) -> tuple[list[bytes], bool]:
        """The buffered messages in ``ranges``; False when some are no longer (or never were) here."""
        if not self._messages:
            return [], False
        first, last = self._messages[0][0], self._messages[-1][0]
        found: list[bytes] = []
        complete = True
        for start, end in ranges:
            if start < first or end > last or end - start + 1 + len(found) > max_count:
                complete = False
            for seq in range(max(start, first), min(end, last) + 1):
                if len(found) >= max_count:
                    break
                found.append(self._messages[seq - first][1])
        return found, complete

    def __len__(self) -> int:
        return len(self._messages)

    def __repr__(self) -> str:
        first = self._messages[0][0] if self._messages else None
        return (
            f"<RetransmitBuffer messages={len(self._messages)} bytes={self._bytes} first={first}>"
        )

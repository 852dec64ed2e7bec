"""The notification log: what was last notified per (aggregation group, integration).

Owned by the gossiper actor; not thread-safe. Semantics follow Alertmanager's
``nflog`` package (state.md §1): one entry per key, a newer timestamp wins,
entries expire ``min(retention, 2 × repeat_interval)`` after they were written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

import msgspec

WIRE_VERSION = 1


class Receiver(msgspec.Struct, frozen=True, array_like=True):
    """One integration of one receiver: ``team-a/webhook/0``."""

    group_name: str
    integration: str
    idx: int

    def __str__(self) -> str:
        return f"{self.group_name}/{self.integration}/{self.idx}"


class Entry(msgspec.Struct, frozen=True, array_like=True):
    """The last successful notification of one group to one integration (times in ns)."""

    group_key: str
    receiver: Receiver
    timestamp: int
    firing_alerts: tuple[int, ...]
    resolved_alerts: tuple[int, ...]
    expires_at: int

    @property
    def key(self) -> str:
        return state_key(self.group_key, self.receiver)


class NflogRecords(msgspec.Struct, frozen=True, array_like=True, tag="nflog"):
    """A versioned batch of entries: a delta, a full state or a journal record."""

    version: int
    entries: list[Entry]


_ENCODER = msgspec.msgpack.Encoder()
_DECODER = msgspec.msgpack.Decoder(NflogRecords)


def state_key(group_key: str, receiver: Receiver) -> str:
    return f"{group_key}:{receiver}"


def encode_entries(entries: Iterable[Entry]) -> bytes:
    return _ENCODER.encode(NflogRecords(WIRE_VERSION, list(entries)))


def decode_entries(data: bytes) -> list[Entry]:
    """Decode a batch of entries; ``ValueError`` when the bytes are not one."""
    try:
        records = _DECODER.decode(data)
    except msgspec.DecodeError as exc:
        raise ValueError(f"undecodable notification log records: {exc}") from exc
    if records.version != WIRE_VERSION:
        raise ValueError(f"unsupported notification log record version {records.version}")
    return records.entries


class NotificationLog:
    """The entries by key, with Alertmanager's merge and retention rules."""

    key = "nfl"

    def __init__(self, retention_s: float) -> None:
        self._retention_ns = int(retention_s * 1e9)
        self._entries: dict[str, Entry] = {}
        self._deltas: list[Entry] = []

    def query(self, group_key: str, receiver: Receiver) -> Entry | None:
        return self._entries.get(state_key(group_key, receiver))

    def log(
        self,
        receiver: Receiver,
        group_key: str,
        firing: Iterable[int],
        resolved: Iterable[int],
        expiry_s: float,
        now_ns: int,
    ) -> Entry | None:
        """Record a successful notification; ``None`` if a newer entry already exists."""
        current = self._entries.get(state_key(group_key, receiver))
        if current is not None and current.timestamp > now_ns:
            return None
        expiry_ns = int(expiry_s * 1e9)
        lifetime = expiry_ns if 0 < expiry_ns < self._retention_ns else self._retention_ns
        entry = Entry(
            group_key, receiver, now_ns, tuple(firing), tuple(resolved), now_ns + lifetime
        )
        self._entries[entry.key] = entry
        self._deltas.append(entry)
        return entry

    def merge_entries(self, entries: Iterable[Entry], now_ns: int) -> list[Entry]:
        """Accept entries that have not expired and are newer than ours (``nflog.Merge``)."""
        changed = []
        for entry in entries:
            if entry.expires_at < now_ns:
                continue
            current = self._entries.get(entry.key)
            if current is None or current.timestamp < entry.timestamp:
                self._entries[entry.key] = entry
                changed.append(entry)
        return changed

    def load(self, entries: Iterable[Entry]) -> None:
        """Take entries read back from disk: later timestamps win, nothing is filtered."""
        for entry in entries:
            current = self._entries.get(entry.key)
            if current is None or current.timestamp <= entry.timestamp:
                self._entries[entry.key] = entry

    def gc(self, now_ns: int) -> int:
        """Drop expired entries; returns how many."""
        expired = [k for k, e in self._entries.items() if e.expires_at <= now_ns]
        for k in expired:
            del self._entries[k]
        return len(expired)

    # ReplicatedState
    def encode_full(self) -> bytes:
        return encode_entries(self._entries.values())

    def merge(self, data: bytes, now_ns: int) -> list[bytes]:
        changed = self.merge_entries(decode_entries(data), now_ns)
        return [encode_entries(changed)] if changed else []

    def take_deltas(self) -> list[bytes]:
        if not self._deltas:
            return []
        deltas, self._deltas = self._deltas, []
        return [encode_entries(deltas)]

    def snapshot(self) -> Mapping[str, Entry]:
        """A read-only copy to publish to other threads (the deduper reads it)."""
        return MappingProxyType(dict(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"<NotificationLog entries={len(self._entries)} pending_deltas={len(self._deltas)}>"

"""Durable replicated state on disk: an fsync'd journal compacted into a snapshot.

Used by the actor that owns a state (the gossiper for the notification log).
Each file starts with a magic header naming gossamer and the state, so files
gossamer did not write (Alertmanager's own protobuf snapshots) are refused at
start instead of being overwritten.

Journal record: 4-byte big-endian length, 4-byte CRC32, payload. A torn last
record (a SIGKILL during a write) is dropped; damage anywhere else is an error.
Snapshot: header, then length + CRC + payload, written to a temporary file,
fsync'd, renamed over the old snapshot, and the directory fsync'd.
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

from gossamer.errors import StorageError

_MAGIC = b"GOSSAMER\x01"
_FRAME = struct.Struct(">II")
#: Snapshot names Alertmanager writes; gossamer never reads or overwrites them.
ALERTMANAGER_FILES = ("nflog", "silences")


def _frame(payload: bytes) -> bytes:
    return _FRAME.pack(len(payload), zlib.crc32(payload)) + payload


def _header(name: str) -> bytes:
    return _MAGIC + name.encode() + b"\n"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_frames(
    data: bytes, offset: int, path: Path, tolerate_torn_tail: bool
) -> tuple[list[bytes], int]:
    """Frames from ``offset``; returns them and the offset after the last whole frame."""
    frames = []
    while offset < len(data):
        if offset + _FRAME.size > len(data):
            break
        length, crc = _FRAME.unpack_from(data, offset)
        start, end = offset + _FRAME.size, offset + _FRAME.size + length
        if end > len(data):
            break
        payload = data[start:end]
        if zlib.crc32(payload) != crc:
            if tolerate_torn_tail and end == len(data):
                break
            raise StorageError(f"{path}: checksum mismatch at byte {offset}; the file is corrupt")
        frames.append(payload)
        offset = end
    if offset < len(data) and not tolerate_torn_tail:
        raise StorageError(f"{path}: truncated record at byte {offset}; the file is corrupt")
    return frames, offset


class DurableFile:
    """The snapshot and journal of one state in ``--storage.path``."""

    def __init__(self, directory: str | Path, name: str) -> None:
        self.directory = Path(directory)
        self.name = name
        self.snapshot_path = self.directory / f"{name}.gossamer-snapshot"
        self.journal_path = self.directory / f"{name}.gossamer-journal"
        self._journal: int | None = None
        self.last_snapshot_size = 0

    def check_foreign_files(self) -> None:
        """Refuse to start over files gossamer cannot read (Alertmanager's snapshots)."""
        for foreign in ALERTMANAGER_FILES:
            path = self.directory / foreign
            if path.exists():
                raise StorageError(
                    f"{path} looks like an Alertmanager snapshot, which gossamer cannot read; "
                    f"move it out of --storage.path={self.directory} (gossamer will not overwrite it)"
                )

    def load(self) -> list[bytes]:
        """Every payload on disk: the snapshot's, then the journal's, in write order."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self.check_foreign_files()
        payloads = self._load_file(self.snapshot_path, tolerate_torn_tail=False)
        journal = self._load_file(self.journal_path, tolerate_torn_tail=True)
        return payloads + journal

    def _load_file(self, path: Path, tolerate_torn_tail: bool) -> list[bytes]:
        if not path.exists():
            return []
        data = path.read_bytes()
        header = _header(self.name)
        if not data.startswith(header):
            if tolerate_torn_tail and len(data) < len(header) and header.startswith(data):
                path.write_bytes(b"")  # a header torn by a crash: start the journal afresh
                return []
            raise StorageError(
                f"{path} is not a gossamer {self.name} file (bad header); refusing to start"
            )
        frames, end = _read_frames(data, len(header), path, tolerate_torn_tail)
        if end < len(data):
            with open(path, "r+b") as f:  # cut the torn tail so appends stay readable
                f.truncate(end)
        return frames

    def append(self, payloads: list[bytes]) -> None:
        """Append records to the journal and fsync before returning."""
        if not payloads:
            return
        if self._journal is None:
            self._journal = self._open_journal()
        os.write(self._journal, b"".join(_frame(p) for p in payloads))
        os.fsync(self._journal)

    def _open_journal(self) -> int:
        fresh = not self.journal_path.exists() or self.journal_path.stat().st_size == 0
        fd = os.open(self.journal_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        if fresh:
            os.write(fd, _header(self.name))
            os.fsync(fd)
            _fsync_dir(self.directory)
        return fd

    def compact(self, full_state: bytes) -> int:
        """Atomically replace the snapshot with ``full_state`` and empty the journal."""
        tmp = self.snapshot_path.with_name(f"{self.snapshot_path.name}.{os.getpid()}.tmp")
        body = _header(self.name) + _frame(full_state)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, body)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.snapshot_path)
        _fsync_dir(self.directory)
        self.close()
        fd = os.open(self.journal_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.write(fd, _header(self.name))
        os.fsync(fd)
        self._journal = fd
        self.last_snapshot_size = len(body)
        return len(body)

    def close(self) -> None:
        if self._journal is not None:
            os.close(self._journal)
            self._journal = None

    def __repr__(self) -> str:
        return f"<DurableFile {self.name} in {self.directory}>"

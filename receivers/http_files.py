"""The files an HTTP request reads when it is sent, as prometheus/common reads them.

Secret files (``password_file``, ``credentials_file``, ``bearer_token_file``,
``client_secret_file``) and TLS files are read for every request, so rotated
secrets are picked up without a reload. ``read_files`` takes one snapshot of
them in a worker thread; the request then uses only that snapshot. A file
that cannot be read is kept as its ``OSError`` and fails the request worded
as Go's ``os.ReadFile``. ``SharedReads`` lets the requests that start while a
snapshot is being taken use that snapshot instead of each taking its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from pathlib import Path

__all__ = ["SharedReads", "Snapshot", "file_secret", "go_os_error", "read_files"]

#: path -> content, or the error reading it.
Snapshot = dict[str, "bytes | OSError"]


def go_os_error(path: str, exc: OSError) -> str:
    """``os.ReadFile`` wording: ``open /x: no such file or directory``."""
    op = "read" if isinstance(exc, IsADirectoryError) else "open"
    return f"{op} {path}: {(exc.strerror or str(exc)).lower()}"


def read_files(paths: Iterable[str]) -> Snapshot:
    """Read every secret file of one request. Runs in a worker thread."""
    out: Snapshot = {}
    for path in paths:
        try:
            out[path] = Path(path).read_bytes()
        except OSError as exc:
            out[path] = exc
    return out


def file_secret(files: Snapshot, path: str, what: str) -> str:
    """The trimmed secret read from ``path``; ``ValueError`` naming ``what`` if unreadable."""
    content = files[path]
    if isinstance(content, OSError):
        raise ValueError(f"unable to read {what} {path}: {go_os_error(path, content)}")
    return content.decode("utf-8", "replace").strip()


class SharedReads:
    """Snapshots of one client's fixed list of files, taken in a worker thread.

    A request that starts while a snapshot is being taken waits for that one
    instead of starting another: a storm of 1,000 requests with a CA or
    password file makes a handful of reads, not 1,000 thread round trips. A
    sequential request always gets a fresh read. Runs on the client's loop;
    each request waits on its own future, so a cancelled one leaves the read
    and the other waiters alone.
    """

    def __init__(self, paths: list[str]) -> None:
        self.paths = paths
        self._read: asyncio.Future[Snapshot] | None = None
        self._waiters: list[asyncio.Future[Snapshot]] = []

    def __repr__(self) -> str:
        return f"<SharedReads files={self.paths} waiters={len(self._waiters)}>"

    async def snapshot(self) -> Snapshot:
        """The files' contents, read after the previous snapshot completed."""
        loop = asyncio.get_running_loop()
        read = self._read
        if read is None or read.done() or read.get_loop() is not loop:
            read = self._read = loop.run_in_executor(None, read_files, self.paths)
            waiters: list[asyncio.Future[Snapshot]] = []
            self._waiters = waiters
            read.add_done_callback(lambda done: _deliver(done, waiters))
        waiter = loop.create_future()
        self._waiters.append(waiter)
        return await waiter


def _deliver(read: asyncio.Future[Snapshot], waiters: list[asyncio.Future[Snapshot]]) -> None:
    """Hand one read's outcome to every request still waiting for it."""
    for waiter in waiters:
        if waiter.done():
            continue
        if read.cancelled():
            waiter.cancel()
        elif (error := read.exception()) is not None:
            waiter.set_exception(error)
        else:
            waiter.set_result(read.result())

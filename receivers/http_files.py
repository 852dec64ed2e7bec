"""The files an HTTP request reads when it is sent, as prometheus/common reads them.

Secret files (``password_file``, ``credentials_file``, ``bearer_token_file``,
``client_secret_file``) and TLS files are read for every request, so rotated
secrets are picked up without a reload. ``read_files`` takes one snapshot of
them in a worker thread; the request then uses only that snapshot. A file
that cannot be read is kept as its ``OSError`` and fails the request worded
as Go's ``os.ReadFile``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

__all__ = ["Snapshot", "file_secret", "go_os_error", "read_files"]

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

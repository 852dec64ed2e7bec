"""``tls_config``: the client ``SSLContext`` of an HTTP client (prometheus/common v0.38).

``TLSFiles`` keeps one context per client and rebuilds it when the bytes of the
CA, client certificate or key change (prometheus/common re-reads them per
request and per handshake): new connections use the new context, idle old
ones expire. Building a context reads files and, without ``ca_file``, the
system trust store, so it runs in a worker thread, once for all the requests
that need it at the same time; ``TLSFiles.context`` runs on the client's
asyncio loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import ssl
from collections.abc import Callable

from gossamer.config.model import TLSConfig
from receivers.http_files import Snapshot, go_os_error

__all__ = ["TLS_VERSIONS", "TLSFiles", "build_ssl_context"]

TLS_VERSIONS = {
    "TLS10": ssl.TLSVersion.TLSv1,
    "TLS11": ssl.TLSVersion.TLSv1_1,
    "TLS12": ssl.TLSVersion.TLSv1_2,
    "TLS13": ssl.TLSVersion.TLSv1_3,
}


def build_ssl_context(tls: TLSConfig, ca: bytes | None, cert: str, key: str) -> ssl.SSLContext:
    """A client ``SSLContext`` for ``tls_config``. Runs in a worker thread (it reads
    files and, without ``ca_file``, the system trust store)."""
    if ca is not None:
        try:
            ctx = ssl.create_default_context(cadata=ca.decode("utf-8", "replace"))
        except (ssl.SSLError, ValueError) as exc:
            raise ValueError(f"unable to use specified CA cert {tls.ca_file}") from exc
    else:
        ctx = ssl.create_default_context()
    if cert and key:
        try:
            ctx.load_cert_chain(cert, key)
        except (OSError, ssl.SSLError) as exc:
            raise ValueError(
                f"unable to use specified client cert ({cert}) & key ({key}): {exc}"
            ) from exc
    if tls.insecure_skip_verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    for version in filter(None, (tls.min_version, tls.max_version)):
        if version not in TLS_VERSIONS:
            raise ValueError(f"unknown TLS version: {version}")
    if tls.min_version:
        ctx.minimum_version = TLS_VERSIONS[tls.min_version]
    if tls.max_version:
        ctx.maximum_version = TLS_VERSIONS[tls.max_version]
    return ctx


class TLSFiles:
    """Cached ``SSLContext`` rebuilt when the bytes of the CA, cert or key change.

    A build takes tens of milliseconds of CPU (the system trust store), so the
    requests that need the same new context at once share one build: a storm
    of 1,000 notifications to a fresh https client builds one context, not
    1,000. A request cancelled while waiting does not cancel the build.
    """

    def __init__(self, tls: TLSConfig, resolve: Callable[[str], str]) -> None:
        self.tls = tls
        self.ca = resolve(tls.ca_file)
        self.cert = resolve(tls.cert_file)
        self.key = resolve(tls.key_file)
        self.paths = [p for p in (self.ca, self.cert, self.key) if p]
        self._digest: bytes | None = None
        self._context: ssl.SSLContext | None = None
        self._builds: dict[bytes, asyncio.Task[ssl.SSLContext]] = {}

    def __repr__(self) -> str:
        return f"<TLSFiles files={self.paths} built={self._context is not None}>"

    async def context(self, files: Snapshot) -> ssl.SSLContext:
        """The context for the file contents in ``files``; builds off-loop when new.
        Without files (the system trust store) it is built once and kept."""
        if not self.paths and self._context is not None:
            return self._context
        contents: list[bytes] = []
        for path in self.paths:
            content = files[path]
            if isinstance(content, OSError):
                what = "CA cert" if path == self.ca else "client cert or key"
                raise ValueError(
                    f"unable to load specified {what} {path}: {go_os_error(path, content)}"
                )
            contents.append(content)
        digest = hashlib.sha256(b"\0".join(contents)).digest()
        if self._context is not None and digest == self._digest:
            return self._context
        build = self._builds.get(digest)
        if build is None or build.get_loop() is not asyncio.get_running_loop():
            ca = contents[0] if self.ca else None
            build = asyncio.ensure_future(self._build(digest, ca))
            build.add_done_callback(_retrieve)
            self._builds = {digest: build}
        return await asyncio.shield(build)

    async def _build(self, digest: bytes, ca: bytes | None) -> ssl.SSLContext:
        try:
            context = await asyncio.to_thread(build_ssl_context, self.tls, ca, self.cert, self.key)
        finally:
            self._builds.pop(digest, None)
        self._context, self._digest = context, digest
        return context


def _retrieve(task: asyncio.Task[ssl.SSLContext]) -> None:
    """Mark a failed build's error as seen: its waiters may all have been cancelled."""
    if not task.cancelled():
        task.exception()

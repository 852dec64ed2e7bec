"""``tls_config``: the client ``SSLContext`` of an HTTP client (prometheus/common v0.38).

``TLSFiles`` keeps one context per client and rebuilds it when the bytes of the
CA, client certificate or key change (prometheus/common re-reads them per
request and per handshake): new connections use the new context, idle old
ones expire. Building a context reads files and, without ``ca_file``, the
system trust store, so it runs in a worker thread; ``TLSFiles.context`` runs
on the client's asyncio loop.
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
    """Cached ``SSLContext`` rebuilt when the bytes of the CA, cert or key change."""

    def __init__(self, tls: TLSConfig, resolve: Callable[[str], str]) -> None:
        self.tls = tls
        self.ca = resolve(tls.ca_file)
        self.cert = resolve(tls.cert_file)
        self.key = resolve(tls.key_file)
        self._digest: bytes | None = None
        self._context: ssl.SSLContext | None = None

    def __repr__(self) -> str:
        return f"<TLSFiles files={self.paths} built={self._context is not None}>"

    @property
    def paths(self) -> list[str]:
        return [p for p in (self.ca, self.cert, self.key) if p]

    async def context(self, files: Snapshot) -> ssl.SSLContext:
        """The context for the file contents in ``files``; builds off-loop when new."""
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
        context = self._context
        if context is None or digest != self._digest:
            ca = contents[0] if self.ca else None
            context = await asyncio.to_thread(build_ssl_context, self.tls, ca, self.cert, self.key)
            self._context, self._digest = context, digest
        return context

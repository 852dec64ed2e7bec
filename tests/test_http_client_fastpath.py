"""The HTTP client's cheap paths for the common request keep its behaviour.

A notification storm sends thousands of requests at once, so the client skips
per-request work it does not need (see ``receivers.http_connector``); these
tests pin that the shortcuts are taken and change nothing on the wire.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from pathlib import Path

import aiohttp
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from gossamer import __version__
from gossamer.config.model import Authorization, HTTPClientConfig, TLSConfig
from gossamer.errors import NotifyError
from receivers import http_files, http_tls
from receivers.http import HTTPClient
from receivers.http_connector import Connector
from receivers.http_files import Snapshot, read_files
from receivers.http_tls import TLSFiles, build_ssl_context
from tests.test_http_client_support import Recorder, Reply, async_test, make_certs


@async_test
async def test_a_literal_ip_is_dialled_directly_and_the_connection_reused() -> None:
    """One address needs no happy eyeballs: one dial, then keep-alive."""
    client = HTTPClient(HTTPClientConfig())
    with Recorder() as rec:
        for _ in range(3):
            response = await client.post(rec.url("/x"), b"{}", content_type="application/json")
            assert response.status == 200
        await rec.await_for(3)
    stats = client.statistics()
    await client.close()
    assert (stats["dials_direct"], stats["dials_happy_eyeballs"]) == (1, 0)


class _TwoAddresses(AbstractResolver):
    """Resolves every name to a refusing address first, then the live one."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(
                hostname=host, host=ip, port=port, family=socket.AF_INET, proto=0, flags=0
            )
            for ip in ("127.0.0.2", "127.0.0.1")
        ]

    async def close(self) -> None:
        pass


@async_test
async def test_a_host_with_several_addresses_still_gets_happy_eyeballs() -> None:
    """Several addresses go through aiohttp's dialler, which tries the next one."""
    connector = Connector(limit=0, resolver=_TwoAddresses())
    async with aiohttp.ClientSession(connector=connector) as session:
        with Recorder() as rec:
            async with session.get(rec.url("/x", host="example.invalid")) as response:
                assert response.status == 200
    assert connector.statistics() == {"direct": 0, "happy_eyeballs": 1}


@async_test
async def test_every_hop_sends_its_headers_in_one_order_and_the_callers_stay_untouched() -> None:
    """Host, the caller's headers, Referer, Authorization, Content-Length; no hop
    inherits another's, and the mapping the integration passed is not modified."""
    config = HTTPClientConfig(authorization=Authorization(type="GenieKey", credentials="k"))
    extra = {"X-Request": "1", "Authorization": "placeholder"}
    client = HTTPClient(config)
    with Recorder() as rec:
        rec.routes["/start"] = Reply(307, b"", {"Location": "/target"})
        await client.post(rec.url("/start"), b"{}", content_type="application/json", headers=extra)
        first, hop = await rec.await_for(2)
    await client.close()
    assert extra == {"X-Request": "1", "Authorization": "placeholder"}
    common = [("Host", f"127.0.0.1:{rec.port}"), ("User-Agent", f"gossamer/{__version__}")]
    common += [("Content-Type", "application/json"), ("X-Request", "1")]
    assert first.headers == [*common, ("Authorization", "GenieKey k"), ("Content-Length", "2")]
    assert hop.headers == [
        *common,
        ("Authorization", "GenieKey k"),
        ("Referer", rec.url("/start")),
        ("Content-Length", "2"),
    ]


@async_test
async def test_cookies_a_server_sets_are_not_sent_back() -> None:
    """Go's client has no cookie jar (prometheus/common sets none): no Cookie header."""
    client = HTTPClient(HTTPClientConfig())
    with Recorder() as rec:
        rec.routes["/a"] = Reply(200, b"", {"Set-Cookie": "session=abc; Path=/"})
        for path in ("/a", "/b"):
            await client.post(rec.url(path, host="localhost"), b"", content_type="text/plain")
        _, second = await rec.await_for(2)
    await client.close()
    assert second.header("Cookie") is None


@async_test
async def test_requests_needing_a_new_tls_context_at_once_share_one_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A storm on a fresh https client builds one SSLContext (tens of ms of CPU each)."""
    builds: list[bytes | None] = []

    def counting(tls: TLSConfig, ca: bytes | None, cert: str, key: str) -> ssl.SSLContext:
        builds.append(ca)
        return build_ssl_context(tls, ca, cert, key)

    monkeypatch.setattr(http_tls, "build_ssl_context", counting)
    certs = make_certs(tmp_path)
    client = HTTPClient(HTTPClientConfig(tls_config=TLSConfig(ca_file=str(certs.ca))))
    with Recorder(certs.server_context()) as rec:
        posts = [client.post(rec.url(), b"", content_type="text/plain") for _ in range(20)]
        responses = await asyncio.gather(*posts)
    await client.close()
    assert [r.status for r in responses] == [200] * 20
    assert builds == [certs.ca.read_bytes()]


@async_test
async def test_a_failed_tls_build_fails_every_waiting_request_and_is_retried() -> None:
    """Waiters share the build's error; the next request tries again."""
    tls_files = TLSFiles(TLSConfig(min_version="TLS99"), lambda path: path)
    for _ in range(2):
        results = await asyncio.gather(
            *(tls_files.context({}) for _ in range(3)), return_exceptions=True
        )
        assert [str(r) for r in results] == ["unknown TLS version: TLS99"] * 3


@async_test
async def test_requests_starting_together_share_one_read_of_the_secret_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """20 requests at once: one worker-thread read; the next request reads again."""
    reads: list[list[str]] = []

    def counting(paths: list[str]) -> Snapshot:
        reads.append(list(paths))
        return read_files(paths)

    monkeypatch.setattr(http_files, "read_files", counting)
    (tmp_path / "token").write_text("one\n")
    client = HTTPClient(HTTPClientConfig(bearer_token_file="token"), tmp_path)
    with Recorder() as rec:
        posts = [client.post(rec.url(), b"", content_type="text/plain") for _ in range(20)]
        await asyncio.gather(*posts)
        (tmp_path / "token").write_text("two\n")
        await client.post(rec.url(), b"", content_type="text/plain")
        seen = await rec.await_for(21)
    await client.close()
    assert reads == [[str(tmp_path / "token")]] * 2
    assert [r.header("Authorization") for r in seen] == ["Bearer one"] * 20 + ["Bearer two"]


@async_test
async def test_a_name_dialled_directly_still_verifies_the_certificate_for_that_name(
    tmp_path: Path,
) -> None:
    """The direct dial goes to the resolved IP but checks the certificate for the URL's host."""
    certs = make_certs(tmp_path, hosts=("localhost",))
    client = HTTPClient(HTTPClientConfig(tls_config=TLSConfig(ca_file=str(certs.ca))))
    with Recorder(certs.server_context()) as rec:
        response = await client.post(rec.url(host="localhost"), b"", content_type="text/plain")
        with pytest.raises(NotifyError, match="certificate is not valid for .127.0.0.1."):
            await client.post(rec.url(), b"", content_type="text/plain")
    stats = client.statistics()
    await client.close()
    assert response.status == 200
    assert stats["dials_direct"] == 2

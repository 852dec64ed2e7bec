"""The shared HTTP client against real loopback servers: auth, redirects, errors, pool."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from gossamer import __version__
from gossamer.config.model import Authorization, BasicAuth, HTTPClientConfig, OAuth2
from gossamer.errors import NotifyError
from receivers.http import (
    HTTPClient,
    HTTPClientPool,
    HTTPResponse,
    check_status,
    strip_password,
)
from tests.test_http_client_support import Recorder, Reply, async_test, refused_port


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


async def post(config: HTTPClientConfig, url: str, base_dir: Path | str = ".") -> HTTPResponse:
    client = HTTPClient(config, base_dir)
    try:
        return await client.post(url, b'{"x":1}', content_type="application/json")
    finally:
        await client.close()


@async_test
async def test_post_sends_only_the_headers_go_sends() -> None:
    """Host, User-Agent (gossamer's), Content-Length, Content-Type; no Accept or gzip."""
    with Recorder() as rec:
        resp = await post(HTTPClientConfig(), rec.url("/hook"))
        (seen,) = await rec.await_for(1)
    assert resp.status == 200 and resp.body == b"ok"
    assert seen.method == "POST" and seen.version == "1.1" and seen.body == b'{"x":1}'
    assert seen.header_dict() == {
        "host": f"127.0.0.1:{rec.port}",
        "user-agent": f"gossamer/{__version__}",
        "content-length": "7",
        "content-type": "application/json",
    }


@async_test
async def test_basic_auth_with_inline_password() -> None:
    """basic_auth sends ``Authorization: Basic`` with the (trimmed) password."""
    config = HTTPClientConfig(basic_auth=BasicAuth(username="u", password=" p "))
    with Recorder() as rec:
        await post(config, rec.url())
        (seen,) = await rec.await_for(1)
    assert seen.header("Authorization") == basic("u", "p")


@async_test
async def test_basic_auth_password_file_is_read_at_every_request(tmp_path: Path) -> None:
    """A rotated password file is used by the next request, without a new client."""
    (tmp_path / "pw").write_text("first\n")
    config = HTTPClientConfig(basic_auth=BasicAuth(username="u", password_file="pw"))
    client = HTTPClient(config, tmp_path)
    with Recorder() as rec:
        await client.post(rec.url(), b"", content_type="text/plain")
        (tmp_path / "pw").write_text("second")
        await client.post(rec.url(), b"", content_type="text/plain")
        first, second = await rec.await_for(2)
    await client.close()
    assert first.header("Authorization") == basic("u", "first")
    assert second.header("Authorization") == basic("u", "second")


@async_test
async def test_missing_password_file_is_a_retryable_error_naming_the_file(tmp_path: Path) -> None:
    """Like Go's round tripper, an unreadable file fails the request (retryable)."""
    config = HTTPClientConfig(basic_auth=BasicAuth(username="u", password_file="nope"))
    with Recorder() as rec, pytest.raises(NotifyError) as info:
        await post(config, rec.url("/x"), tmp_path)
    assert info.value.retryable
    assert str(info.value) == (
        f'Post "{rec.url("/x")}": unable to read basic auth password file {tmp_path}/nope:'
        f" open {tmp_path}/nope: no such file or directory"
    )
    assert rec.requests == []


@async_test
async def test_authorization_credentials_use_the_configured_type() -> None:
    """authorization {type, credentials} sends ``<type> <credentials>``."""
    config = HTTPClientConfig(authorization=Authorization(type="Token", credentials="abc"))
    with Recorder() as rec:
        await post(config, rec.url())
        (seen,) = await rec.await_for(1)
    assert seen.header("Authorization") == "Token abc"


@async_test
async def test_authorization_credentials_file_is_trimmed(tmp_path: Path) -> None:
    """credentials_file content is whitespace-trimmed, type defaults to Bearer."""
    (tmp_path / "cred").write_text("  s3cret \n")
    config = HTTPClientConfig(authorization=Authorization(credentials_file="cred"))
    with Recorder() as rec:
        await post(config, rec.url(), tmp_path)
        (seen,) = await rec.await_for(1)
    assert seen.header("Authorization") == "Bearer s3cret"


@async_test
async def test_bearer_token_and_bearer_token_file(tmp_path: Path) -> None:
    """The legacy bearer_token fields become ``Authorization: Bearer``."""
    (tmp_path / "tok").write_text("from-file\n")
    with Recorder() as rec:
        await post(HTTPClientConfig(bearer_token="inline"), rec.url())
        await post(HTTPClientConfig(bearer_token_file="tok"), rec.url(), tmp_path)
        first, second = await rec.await_for(2)
    assert first.header("Authorization") == "Bearer inline"
    assert second.header("Authorization") == "Bearer from-file"


@async_test
async def test_url_user_info_beats_configured_basic_auth() -> None:
    """net/http sets Basic from the URL before the basic_auth round tripper runs."""
    config = HTTPClientConfig(basic_auth=BasicAuth(username="cfg", password="cfg"))
    with Recorder() as rec:
        await post(config, rec.url("/x").replace("http://", "http://url%20user:p%40ss@"))
        (seen,) = await rec.await_for(1)
    assert seen.header("Authorization") == basic("url user", "p@ss")


@async_test
async def test_307_redirect_resends_body_and_credentials_with_referer() -> None:
    """307 keeps POST and body; credentials are re-applied on the new host, as Go does."""
    config = HTTPClientConfig(authorization=Authorization(credentials="tok"))
    with Recorder() as rec:
        target = rec.url("/target", host="localhost")
        rec.routes["/start"] = Reply(307, b"moved", {"Location": target})
        resp = await post(config, rec.url("/start"))
        _, hop = await rec.await_for(2)
    assert resp.status == 200
    assert (hop.method, hop.path, hop.body) == ("POST", "/target", b'{"x":1}')
    assert hop.header("Authorization") == "Bearer tok"
    assert hop.header("Referer") == rec.url("/start")


@async_test
async def test_302_redirect_turns_post_into_get_without_body() -> None:
    """301/302/303 become a body-less GET that keeps Content-Type (Go copies headers)."""
    with Recorder() as rec:
        rec.routes["/start"] = Reply(302, b"", {"Location": "/target?q=1"})
        await post(HTTPClientConfig(), rec.url("/start"))
        _, hop = await rec.await_for(2)
    assert (hop.method, hop.path, hop.query, hop.body) == ("GET", "/target", "q=1", b"")
    assert hop.header("Content-Type") == "application/json"
    assert hop.header("Content-Length") is None


@async_test
async def test_follow_redirects_false_returns_the_redirect() -> None:
    """With follow_redirects: false the 3xx response comes back to the caller."""
    with Recorder() as rec:
        rec.routes["/start"] = Reply(308, b"moved", {"Location": "/target"})
        resp = await post(HTTPClientConfig(follow_redirects=False), rec.url("/start"))
    assert (resp.status, resp.body) == (308, b"moved")
    assert [r.path for r in rec.requests] == ["/start"]


@async_test
async def test_redirect_loop_stops_after_ten_requests() -> None:
    """Go's client gives up after 10 requests, naming the last Location; retryable."""
    with Recorder() as rec:
        rec.routes["/loop"] = Reply(307, b"", {"Location": "/loop"})
        with pytest.raises(NotifyError) as info:
            await post(HTTPClientConfig(), rec.url("/loop"))
    assert str(info.value) == 'Post "/loop": stopped after 10 redirects'
    assert info.value.retryable
    assert len(rec.requests) == 10


@async_test
async def test_connection_refused_is_retryable_and_masks_the_password() -> None:
    """Transport errors read like Go's ``*url.Error`` with the password as ``***``."""
    sock, port = refused_port()
    with sock, pytest.raises(NotifyError) as info:
        await post(HTTPClientConfig(), f"http://user:pw@127.0.0.1:{port}/x?tok=1")
    assert info.value.retryable
    assert str(info.value) == (
        f'Post "http://user:***@127.0.0.1:{port}/x?tok=1":'
        f" dial tcp 127.0.0.1:{port}: connect: connection refused"
    )


def test_check_status_classifies_like_alertmanager() -> None:
    """2xx passes, 5xx retries, 4xx and 3xx are final, extra codes retry when asked."""

    def response(status: int, body: bytes = b"why") -> HTTPResponse:
        return HTTPResponse(status=status, reason="", headers={}, body=body, url="http://x")

    check_status(response(200))
    check_status(response(204))
    for status, retryable in ((500, True), (503, True), (400, False), (429, False), (302, False)):
        with pytest.raises(NotifyError) as info:
            check_status(response(status))
        assert (info.value.retryable, str(info.value)) == (
            retryable,
            f"unexpected status code {status}: why",
        )
    with pytest.raises(NotifyError) as info:
        check_status(response(429, b""), retry_codes={429})
    assert info.value.retryable and str(info.value) == "unexpected status code 429"


def test_strip_password_masks_only_the_password() -> None:
    """Go's stripPassword: ``user:***@``; URLs without a password are unchanged."""
    assert strip_password("http://u:p%40ss@h:1/x?token=t") == "http://u:***@h:1/x?token=t"
    assert strip_password("http://u@h/x") == "http://u@h/x"
    assert strip_password("http://h/x") == "http://h/x"


@async_test
async def test_pool_shares_one_client_per_config_until_the_last_release() -> None:
    """Equal http_configs share a client; the last close() closes and forgets it."""
    pool = HTTPClientPool()
    a = pool.acquire(HTTPClientConfig(bearer_token="x"), "/etc")
    b = pool.acquire(HTTPClientConfig(bearer_token="x"), "/etc")
    c = pool.acquire(HTTPClientConfig(bearer_token="y"), "/etc")
    assert a is b and a is not c and len(pool) == 2
    with Recorder() as rec:
        await a.post(rec.url(), b"", content_type="text/plain")
    await a.close()
    assert not b.closed and len(pool) == 2
    await b.close()
    assert b.closed and len(pool) == 1
    assert "refs=0" in repr(b) and "requests=1" in repr(b)
    await pool.close()
    assert c.closed and len(pool) == 0


def test_public_names_stay_importable_from_receivers_http() -> None:
    """The client's parts live in their own modules; receivers.http still offers
    every name integrations import, as the same objects."""
    import receivers.http as http
    from receivers import email, http_errors, http_response, http_tls

    for name in http.__all__:
        assert hasattr(http, name), name
    assert http.HTTPResponse is http_response.HTTPResponse
    assert http.check_status is http_response.check_status
    assert http.strip_password is http_errors.strip_password
    assert http.go_error_op is http_errors.go_error_op
    assert email._build_ssl_context is http_tls.build_ssl_context


@async_test
async def test_oauth2_client_shows_its_token_source_and_tls_files(tmp_path: Path) -> None:
    """The parts keep live reprs: the token source's URL and cache, the TLS files."""
    config = HTTPClientConfig(
        oauth2=OAuth2(client_id="c", client_secret="s", token_url="http://127.0.0.1:9/token"),
    )
    client = HTTPClient(config, tmp_path)
    try:
        assert repr(client._oauth2) == (
            "<OAuth2Source token_url=http://127.0.0.1:9/token style=None cached=False>"
        )
        assert repr(client._tls) == "<TLSFiles files=[] built=False>"
    finally:
        await client.close()

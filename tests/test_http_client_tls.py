"""The shared HTTP client over TLS, through a proxy, and with OAuth2 tokens."""

from __future__ import annotations

import base64
import json
import ssl
import urllib.parse
from pathlib import Path

import pytest

from gossamer.config.model import HTTPClientConfig, OAuth2, TLSConfig
from gossamer.errors import NotifyError
from receivers.http import HTTPClient, HTTPResponse
from tests.test_http_client_support import (
    ForwardProxy,
    Recorded,
    Recorder,
    Reply,
    async_test,
    make_certs,
    refused_port,
)


async def post(config: HTTPClientConfig, url: str, base_dir: Path | str = ".") -> HTTPResponse:
    client = HTTPClient(config, base_dir)
    try:
        return await client.post(url, b"{}", content_type="application/json")
    finally:
        await client.close()


def tls(**fields: object) -> HTTPClientConfig:
    return HTTPClientConfig(tls_config=TLSConfig(**fields))  # type: ignore[arg-type]


@async_test
async def test_ca_file_verifies_the_server(tmp_path: Path) -> None:
    """tls_config.ca_file is the trust root for https URLs."""
    certs = make_certs(tmp_path)
    with Recorder(certs.server_context()) as rec:
        resp = await post(tls(ca_file=str(certs.ca)), rec.url("/secure"))
    assert resp.status == 200


@async_test
async def test_unknown_ca_fails_with_a_retryable_x509_error(tmp_path: Path) -> None:
    """Without the CA the handshake fails; the error is a retryable transport error."""
    certs = make_certs(tmp_path)
    with Recorder(certs.server_context()) as rec, pytest.raises(NotifyError) as info:
        await post(HTTPClientConfig(), rec.url("/secure"))
    assert info.value.retryable
    assert str(info.value) == (
        f'Post "{rec.url("/secure")}": x509: certificate signed by unknown authority'
    )


@async_test
async def test_insecure_skip_verify_accepts_any_certificate(tmp_path: Path) -> None:
    """insecure_skip_verify turns off chain and name checks."""
    certs = make_certs(tmp_path, hosts=("elsewhere.test",))
    with Recorder(certs.server_context()) as rec:
        resp = await post(tls(insecure_skip_verify=True), rec.url())
    assert resp.status == 200


@async_test
async def test_server_name_is_used_to_verify_the_certificate(tmp_path: Path) -> None:
    """A cert only for ``webhook.test`` verifies on 127.0.0.1 once server_name says so."""
    certs = make_certs(tmp_path, hosts=("webhook.test",))
    with Recorder(certs.server_context()) as rec:
        with pytest.raises(NotifyError):
            await post(tls(ca_file=str(certs.ca)), rec.url())
        resp = await post(tls(ca_file=str(certs.ca), server_name="webhook.test"), rec.url())
    assert resp.status == 200


@async_test
async def test_client_certificate_is_presented(tmp_path: Path) -> None:
    """cert_file/key_file give mutual TLS; without them the server refuses."""
    certs = make_certs(tmp_path)
    with Recorder(certs.server_context(require_client_cert=True)) as rec:
        with pytest.raises(NotifyError):
            await post(tls(ca_file=str(certs.ca)), rec.url())
        config = tls(ca_file="ca.crt", cert_file="client.crt", key_file="client.key")
        resp = await post(config, rec.url(), tmp_path)
    assert resp.status == 200


@async_test
async def test_a_replaced_ca_file_is_used_by_the_next_request(tmp_path: Path) -> None:
    """The CA file is re-read per request, as prometheus/common does."""
    (tmp_path / "good").mkdir()
    (tmp_path / "other").mkdir()
    good, other = make_certs(tmp_path / "good"), make_certs(tmp_path / "other")
    ca = tmp_path / "ca.pem"
    ca.write_bytes(other.ca.read_bytes())
    client = HTTPClient(tls(ca_file=str(ca)))
    with Recorder(good.server_context()) as rec:
        with pytest.raises(NotifyError):
            await client.post(rec.url(), b"", content_type="text/plain")
        ca.write_bytes(good.ca.read_bytes())
        resp = await client.post(rec.url(), b"", content_type="text/plain")
    await client.close()
    assert resp.status == 200


@async_test
async def test_missing_ca_file_is_a_retryable_error(tmp_path: Path) -> None:
    """An unreadable CA file fails the request and names the file."""
    certs = make_certs(tmp_path)
    with Recorder(certs.server_context()) as rec, pytest.raises(NotifyError) as info:
        await post(tls(ca_file="missing.pem"), rec.url(), tmp_path)
    assert info.value.retryable
    assert f"unable to load specified CA cert {tmp_path}/missing.pem" in str(info.value)


@async_test
async def test_min_version_above_the_server_maximum_fails(tmp_path: Path) -> None:
    """min_version TLS13 refuses a TLS 1.2-only server; TLS12 is accepted."""
    certs = make_certs(tmp_path)
    server = certs.server_context()
    server.maximum_version = ssl.TLSVersion.TLSv1_2
    with Recorder(server) as rec:
        with pytest.raises(NotifyError):
            await post(tls(ca_file=str(certs.ca), min_version="TLS13"), rec.url())
        resp = await post(tls(ca_file=str(certs.ca), max_version="TLS12"), rec.url())
    assert resp.status == 200


@async_test
async def test_http_target_goes_through_the_proxy_with_proxy_credentials() -> None:
    """proxy_url: absolute-URI request, user info sent as Proxy-Authorization only."""
    with Recorder() as rec, ForwardProxy() as proxy:
        config = HTTPClientConfig(proxy_url=proxy.url("pu:pp"), bearer_token="tok")
        resp = await post(config, rec.url("/via-proxy?a=1"))
        (seen,) = await rec.await_for(1)
    assert resp.status == 200
    line, headers = proxy.seen[0]
    assert line == f"POST {rec.url('/via-proxy?a=1')} HTTP/1.1"
    assert headers["Proxy-Authorization"] == "Basic " + base64.b64encode(b"pu:pp").decode()
    assert seen.header("Authorization") == "Bearer tok"
    assert seen.header("Proxy-Authorization") is None


@async_test
async def test_https_target_is_tunnelled_through_the_proxy(tmp_path: Path) -> None:
    """An https URL through proxy_url uses CONNECT and still verifies the server."""
    certs = make_certs(tmp_path)
    with Recorder(certs.server_context()) as rec, ForwardProxy() as proxy:
        config = HTTPClientConfig(
            proxy_url=proxy.url(), tls_config=TLSConfig(ca_file=str(certs.ca))
        )
        resp = await post(config, rec.url("/tunnel"))
    assert resp.status == 200
    assert proxy.seen[0][0] == f"CONNECT 127.0.0.1:{rec.port} HTTP/1.1"


@pytest.mark.parametrize("target", ["http://127.0.0.1:9/x", "https://127.0.0.1:9/x"])
@async_test
async def test_refused_proxy_reads_as_gos_proxyconnect_error(target: str) -> None:
    """A proxy that refuses the connection: Go's ``proxyconnect tcp: dial tcp``
    naming the proxy's address, retryable."""
    sock, port = refused_port()
    with sock, pytest.raises(NotifyError) as info:
        await post(HTTPClientConfig(proxy_url=f"http://u:p@127.0.0.1:{port}"), target)
    assert (str(info.value), info.value.retryable) == (
        f'Post "{target}": proxyconnect tcp: dial tcp 127.0.0.1:{port}: connect: connection refused',
        True,
    )


@pytest.mark.parametrize(
    ("reply", "cause"),
    [
        (b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", "Forbidden"),
        (b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n", "Proxy Authentication Required"),
        (b"HTTP/1.1 403\r\nContent-Length: 0\r\n\r\n", "unknown status code"),
        (b"", "unexpected EOF"),
    ],
)
@async_test
async def test_refused_connect_reads_as_go_does(reply: bytes, cause: str) -> None:
    """A non-200 answer to CONNECT is the status text alone, as Go words it; a
    proxy hanging up first is ``unexpected EOF``. Both retryable."""
    with ForwardProxy(connect_reply=reply) as proxy, pytest.raises(NotifyError) as info:
        await post(HTTPClientConfig(proxy_url=proxy.url()), "https://127.0.0.1:9/x")
    assert (str(info.value), info.value.retryable) == (
        f'Post "https://127.0.0.1:9/x": {cause}',
        True,
    )
    assert proxy.seen[0][0] == "CONNECT 127.0.0.1:9 HTTP/1.1"


class TokenServer:
    """Routes for a client-credentials token endpoint on a Recorder."""

    def __init__(self, rec: Recorder, *, accept_header_auth: bool = True) -> None:
        self.accept_header_auth = accept_header_auth
        self.issued = 0
        rec.routes["/token"] = self.token

    def token(self, req: Recorded) -> Reply:
        form = dict(urllib.parse.parse_qsl(req.body.decode()))
        auth = req.header("Authorization")
        if auth is None and "client_secret" not in form:
            return Reply(401, b'{"error":"invalid_client"}')
        if auth is not None and not self.accept_header_auth:
            return Reply(400, b'{"error":"unsupported"}')
        self.issued += 1
        body = {"access_token": f"t{self.issued}", "token_type": "bearer", "expires_in": 3600}
        return Reply(200, json.dumps(body).encode(), {"Content-Type": "application/json"})


def oauth2_config(rec: Recorder, **fields: object) -> HTTPClientConfig:
    base: dict[str, object] = {
        "client_id": "id",
        "client_secret": "se cret",
        "scopes": ("a", "b"),
        "token_url": rec.url("/token"),
        "endpoint_params": {"audience": "x"},
    }
    return HTTPClientConfig(oauth2=OAuth2(**(base | fields)))  # type: ignore[arg-type]


@async_test
async def test_oauth2_token_is_fetched_once_and_reused() -> None:
    """Client credentials via Basic header; the cached token serves later requests."""
    with Recorder() as rec:
        TokenServer(rec)
        client = HTTPClient(oauth2_config(rec))
        for _ in range(2):
            await client.post(rec.url("/hook"), b"", content_type="text/plain")
        await client.close()
        hooks = await rec.await_for(2, "/hook")
    (token_req,) = [r for r in rec.requests if r.path == "/token"]
    form = dict(urllib.parse.parse_qsl(token_req.body.decode()))
    assert form == {"grant_type": "client_credentials", "scope": "a b", "audience": "x"}
    assert token_req.header("Authorization") == "Basic " + base64.b64encode(b"id:se+cret").decode()
    assert token_req.header("Content-Type") == "application/x-www-form-urlencoded"
    assert [h.header("Authorization") for h in hooks] == ["Bearer t1", "Bearer t1"]


@async_test
async def test_oauth2_falls_back_to_credentials_in_the_form() -> None:
    """x/oauth2 retries with client_id/client_secret parameters when Basic is refused."""
    with Recorder() as rec:
        TokenServer(rec, accept_header_auth=False)
        await post(oauth2_config(rec), rec.url("/hook"))
        (hook,) = await rec.await_for(1, "/hook")
    second = [r for r in rec.requests if r.path == "/token"][1]
    form = dict(urllib.parse.parse_qsl(second.body.decode()))
    assert (form["client_id"], form["client_secret"]) == ("id", "se cret")
    assert hook.header("Authorization") == "Bearer t1"


@async_test
async def test_oauth2_new_client_secret_fetches_a_new_token(tmp_path: Path) -> None:
    """A changed client_secret_file invalidates the cached token."""
    (tmp_path / "secret").write_text("one\n")
    with Recorder() as rec:
        TokenServer(rec)
        config = oauth2_config(rec, client_secret="", client_secret_file="secret")
        client = HTTPClient(config, tmp_path)
        await client.post(rec.url("/hook"), b"", content_type="text/plain")
        (tmp_path / "secret").write_text("two\n")
        await client.post(rec.url("/hook"), b"", content_type="text/plain")
        await client.close()
        hooks = await rec.await_for(2, "/hook")
    assert [h.header("Authorization") for h in hooks] == ["Bearer t1", "Bearer t2"]


@async_test
async def test_oauth2_token_failure_is_a_retryable_error() -> None:
    """A refused token request fails the notification with x/oauth2's wording."""
    with Recorder() as rec:
        rec.routes["/token"] = Reply(401, b"nope")
        with pytest.raises(NotifyError) as info:
            await post(oauth2_config(rec), rec.url("/hook"))
    assert info.value.retryable
    assert str(info.value) == (
        f'Post "{rec.url("/hook")}": oauth2: cannot fetch token: 401 Unauthorized\nResponse: nope'
    )
    assert all(r.path == "/token" for r in rec.requests)

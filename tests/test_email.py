"""The email notifier against fake SMTP servers on loopback (aiosmtpd and a raw scripted peer)."""

from __future__ import annotations

import asyncio
import base64
import random
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from gossamer.config.model import EmailConfig
from gossamer.errors import NotifyError
from receivers.email import EmailNotifier
from receivers.mime import rfc1123z
from receivers.smtp_encoding import dot_encode
from tests.fakes.alerts import NOW, alert, context
from tests.fakes.smtp import ScriptedSMTP, SMTPServer
from tests.fakes.templates import StubTemplates
from tests.test_http_client_support import CertFiles, async_test, make_certs, refused_port

HOST = "gossamer-test"


def notifier(smarthost: str, **fields: Any) -> EmailNotifier:
    fields = {"to": "ops@example.com", "from_": "am@example.com", "hello": "localhost",
              "smarthost": smarthost, "require_tls": False, **fields}  # fmt: skip
    config = msgspec.convert(fields, EmailConfig)
    return EmailNotifier(config, 0, templates=StubTemplates(), clock=lambda: NOW, hostname=HOST)


async def send(n: EmailNotifier, *alerts: Any) -> None:
    await n.notify(context(), list(alerts) or [alert(alertname="Disk")])


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> CertFiles:
    return make_certs(tmp_path_factory.mktemp("certs"))


def head(content: bytes) -> dict[str, str]:
    """The top-level headers of a delivered message."""
    text = content.decode().split("\r\n\r\n", 1)[0]
    return dict(line.split(": ", 1) for line in text.split("\r\n"))


@async_test
async def test_a_message_is_delivered_with_alertmanagers_headers_and_parts() -> None:
    """Subject/To/From defaulted, Message-Id and Date added, text then HTML, quoted-printable."""
    with SMTPServer() as server:
        n = notifier(
            server.smarthost, to="a@example.com, Bee <b@example.com>", text="{{ .Status }} ="
        )
        await send(n)
        (delivery,) = server.wait_deliveries(1)
    assert (delivery.mail_from, delivery.rcpt_tos) == (
        "am@example.com",
        ["a@example.com", "b@example.com"],
    )
    headers = head(delivery.content)
    boundary = headers["Content-Type"].removeprefix("multipart/alternative;  boundary=")
    assert re.fullmatch("[0-9a-f]{60}", boundary)
    assert re.fullmatch(rf"<{NOW}\.\d+@{HOST}>", headers["Message-Id"])
    assert headers["Date"] == rfc1123z(NOW)
    assert list(headers) == [
        "From",
        "Subject",
        "To",
        "Message-Id",
        "Date",
        "Content-Type",
        "MIME-Version",
    ]
    assert headers["Subject"] == "<email.default.subject>"
    assert headers["To"] == "a@example.com, Bee <b@example.com>"
    body = delivery.content.decode().split("\r\n\r\n", 1)[1]
    part = "Content-Transfer-Encoding: quoted-printable\r\nContent-Type: text/{}; charset=UTF-8\r\n\r\n"
    assert body == (
        f"--{boundary}\r\n{part.format('plain')}firing =3D"
        f"\r\n--{boundary}\r\n{part.format('html')}&lt;email.default.html&gt;"
        f"\r\n--{boundary}--\r\n"
    )


@async_test
async def test_the_smtp_conversation_follows_go_net_smtp() -> None:
    """EHLO with ``hello``, MAIL with BODY=8BITMIME (and SMTPUTF8 when offered), QUIT."""
    with SMTPServer(smtputf8=True) as server:
        await send(notifier(server.smarthost, hello="relay.example"))
        (conn,) = server.wait_closed(1)
    assert conn.commands() == [
        "EHLO relay.example",
        "MAIL FROM:<am@example.com> BODY=8BITMIME SMTPUTF8",
        "RCPT TO:<ops@example.com>",
        "DATA",
        "QUIT",
    ]


@async_test
async def test_headers_are_templated_q_encoded_and_a_configured_message_id_is_kept() -> None:
    """Custom headers render; non-ASCII values become RFC 2047 words; no second Message-Id."""
    with SMTPServer() as server:
        headers = {"Subject": "Ärger {{ .Status }}", "Message-Id": "<mine@x>", "X-Team": "db"}
        await send(notifier(server.smarthost, headers=headers))
        (delivery,) = server.wait_deliveries(1)
    got = head(delivery.content)
    assert got["Subject"] == "=?utf-8?q?=C3=84rger_firing?="
    assert got["Message-Id"] == "<mine@x>"
    assert delivery.content.count(b"Message-Id") == 1
    assert got["X-Team"] == "db"


@async_test
async def test_leading_dots_are_doubled_on_the_wire() -> None:
    """Go's DotWriter: a line starting with '.' is sent as '..' (and unstuffed by the server)."""
    with SMTPServer() as server:
        await send(notifier(server.smarthost, html="", text=".hidden\n.."))
        (conn,) = server.wait_closed(1)
        (delivery,) = server.wait_deliveries(1)
    assert b"\r\n..hidden\r\n...\r\n" in bytes(conn.raw)
    assert b"\r\n.hidden\r\n..\r\n" in delivery.content


def test_dot_encoding_matches_gos_dot_writer() -> None:
    """CRLF kept, bare LF made CRLF, bare CR kept, and the end marker as Close writes it."""
    assert dot_encode(b"") == b"\r\n.\r\n"
    assert dot_encode(b"a\r\n") == b"a\r\n.\r\n"
    assert dot_encode(b"a\nb") == b"a\r\nb\r\n.\r\n"
    assert dot_encode(b".a\r\n.") == b"..a\r\n..\r\n.\r\n"
    assert dot_encode(b"a\r") == b"a\r\n.\r\n"
    assert dot_encode(b"a\rb") == b"a\rb\r\n.\r\n"


def test_rfc1123z_dates_use_english_names_and_the_local_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``time.RFC1123Z`` in the process's zone."""
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    try:
        assert rfc1123z(NOW) == "Thu, 01 Jan 2026 05:30:00 +0530"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


@async_test
async def test_starttls_is_required_and_used(certs: CertFiles) -> None:
    """``require_tls``: STARTTLS, then EHLO again, over the verified connection."""
    with SMTPServer(starttls=certs.server_context()) as server:
        tls = {"ca_file": str(certs.ca)}
        await send(notifier(server.smarthost, require_tls=True, tls_config=tls))
        (conn,) = server.wait_closed(1)
    assert conn.commands()[:3] == ["EHLO localhost", "STARTTLS", "EHLO localhost"]
    assert len(server.deliveries) == 1


@async_test
async def test_starttls_is_not_used_unless_required(certs: CertFiles) -> None:
    """0.25 never upgrades on its own, even when the server offers STARTTLS."""
    with SMTPServer(starttls=certs.server_context()) as server:
        await send(notifier(server.smarthost))
        (conn,) = server.wait_closed(1)
    assert "STARTTLS" not in conn.commands()


@async_test
async def test_a_server_without_starttls_fails_when_tls_is_required() -> None:
    """The error names the smarthost; retryable, as 0.25 returns it."""
    with SMTPServer() as server:
        with pytest.raises(NotifyError) as info:
            await send(notifier(server.smarthost, require_tls=True))
        (conn,) = server.wait_closed(1)
    assert str(info.value) == (
        f"'require_tls' is true (default) but \"{server.smarthost}\" does not advertise the"
        " STARTTLS extension"
    )
    assert info.value.retryable
    assert conn.commands() == ["EHLO localhost", "QUIT"]


@async_test
async def test_an_unknown_certificate_authority_fails_the_handshake(certs: CertFiles) -> None:
    """Without ``ca_file`` the test CA is unknown: ``send STARTTLS command: x509: ...``."""
    with SMTPServer(starttls=certs.server_context()) as server:
        with pytest.raises(NotifyError) as info:
            await send(notifier(server.smarthost, require_tls=True))
    assert str(info.value) == "send STARTTLS command: x509: certificate signed by unknown authority"
    assert info.value.retryable


@async_test
async def test_a_missing_ca_file_is_a_final_configuration_error(
    certs: CertFiles, tmp_path: Path
) -> None:
    """``parse TLS configuration: unable to load specified CA cert ...``, not retried."""
    missing = tmp_path / "ca.pem"
    with SMTPServer(starttls=certs.server_context()) as server:
        with pytest.raises(NotifyError) as info:
            await send(
                notifier(server.smarthost, require_tls=True, tls_config={"ca_file": str(missing)})
            )
    assert str(info.value) == (
        f"parse TLS configuration: unable to load specified CA cert {missing}:"
        f" open {missing}: no such file or directory"
    )
    assert not info.value.retryable


@async_test
async def test_port_465_means_implicit_tls(tmp_path: Path) -> None:
    """The whole connection is TLS from the first byte; server name defaults to the host."""
    host = f"127.{random.randrange(1, 250)}.{random.randrange(1, 250)}.{random.randrange(2, 250)}"
    certs = make_certs(tmp_path, hosts=(host,))
    try:
        server = SMTPServer(implicit_tls=certs.server_context(), host=host, port=465).__enter__()
    except OSError:
        pytest.skip("binding port 465 needs privileges")
    try:
        await send(notifier(server.smarthost, tls_config={"ca_file": str(certs.ca)}))
        assert len(server.wait_deliveries(1)) == 1
    finally:
        server.__exit__()


# --------------------------------------------------------------------------- AUTH
USERS = {"am": "pa ss"}


@pytest.mark.parametrize(
    ("order", "fields", "expected"),
    [
        (["PLAIN", "LOGIN"], {"auth_identity": "id"}, ["AUTH PLAIN " + base64.b64encode(b"id\0am\0pa ss").decode()]),
        (["LOGIN", "PLAIN"], {}, ["AUTH LOGIN", base64.b64encode(b"am").decode(), base64.b64encode(b"pa ss").decode()]),
        (["CRAM-MD5", "PLAIN"], {}, ["AUTH PLAIN " + base64.b64encode(b"\0am\0pa ss").decode()]),
        (["CRAM-MD5", "PLAIN"], {"auth_secret": "s"}, ["AUTH CRAM-MD5", base64.b64encode(b"am 75857dac059545d460713c6dc7e8f90a").decode()]),
    ],
)  # fmt: skip
@async_test
async def test_the_first_usable_mechanism_in_the_servers_order_is_used(
    order: list[str], fields: dict[str, str], expected: list[str]
) -> None:
    """Go walks the server's AUTH list: CRAM-MD5 needs a secret, PLAIN and LOGIN a password."""
    with SMTPServer(users=USERS, secrets={"am": "s"}, auth_order=order) as server:
        n = notifier(server.smarthost, auth_username="am", auth_password="pa ss", **fields)
        await send(n)
        (conn,) = server.wait_closed(1)
    assert conn.commands()[1 : 1 + len(expected)] == expected
    assert len(server.deliveries) == 1


def test_cram_md5_answer_is_the_hmac_of_the_challenge() -> None:
    """The CRAM-MD5 answer in the table above: HMAC-MD5(secret, challenge) in hex."""
    import hashlib
    import hmac

    from tests.fakes.smtp import CRAM_CHALLENGE

    assert (
        hmac.new(b"s", CRAM_CHALLENGE, hashlib.md5).hexdigest()
        == "75857dac059545d460713c6dc7e8f90a"
    )


@async_test
async def test_no_username_means_no_auth() -> None:
    """``smtp_auth_username`` unset: AUTH is offered but not used."""
    with SMTPServer(users=USERS) as server:
        await send(notifier(server.smarthost))
        (conn,) = server.wait_closed(1)
    assert not any(c.startswith("AUTH") for c in conn.commands())


@pytest.mark.parametrize(
    ("order", "fields", "error"),
    [
        (["PLAIN", "LOGIN"], {}, "find auth mechanism: missing password for PLAIN auth mechanism; missing password for LOGIN auth mechanism"),
        (["CRAM-MD5"], {"auth_password": "x"}, "find auth mechanism: missing secret for CRAM-MD5 auth mechanism"),
        (["GSSAPI", "NTLM"], {"auth_password": "x"}, "find auth mechanism: unknown auth mechanism: GSSAPI NTLM"),
        (["PLAIN"], {"auth_password": "wrong"}, "*smtp.plainAuth auth: 535 5.7.8 Authentication credentials invalid"),
        (["LOGIN"], {"auth_password": "wrong"}, "*email.loginAuth auth: 535 5.7.8 Authentication credentials invalid"),
    ],
)  # fmt: skip
@async_test
async def test_auth_failures_are_retryable_and_worded_as_alertmanager(
    order: list[str], fields: dict[str, str], error: str
) -> None:
    """Missing credentials and refused ones fail the attempt, retryable."""
    with SMTPServer(users=USERS, secrets={"am": "s"}, auth_order=order) as server:
        with pytest.raises(NotifyError) as info:
            await send(notifier(server.smarthost, auth_username="am", **fields))
        (conn,) = server.wait_closed(1)
    assert (str(info.value), info.value.retryable) == (error, True)
    assert conn.commands()[-1] == "QUIT"
    assert server.deliveries == []


@async_test
async def test_plain_auth_refuses_an_unencrypted_remote_server() -> None:
    """Go's PlainAuth sends credentials in clear only to localhost."""
    host = f"127.0.{random.randrange(1, 250)}.{random.randrange(2, 250)}"
    with SMTPServer(users=USERS, host=host, auth_order=["PLAIN"]) as server:
        with pytest.raises(NotifyError) as info:
            await send(notifier(server.smarthost, auth_username="am", auth_password="pa ss"))
        (conn,) = server.wait_closed(1)
    assert str(info.value) == "*smtp.plainAuth auth: unencrypted connection"
    assert conn.commands() == ["EHLO localhost", "QUIT"]


@async_test
async def test_password_file_is_read_as_is_at_send_time(tmp_path: Path) -> None:
    """0.25 does not trim ``auth_password_file``; a missing file fails the mechanism."""
    good, missing = tmp_path / "pw", tmp_path / "nope"
    good.write_text("pa ss")
    with SMTPServer(users=USERS, auth_order=["PLAIN"]) as server:
        await send(notifier(server.smarthost, auth_username="am", auth_password_file=str(good)))
        with pytest.raises(NotifyError) as info:
            await send(
                notifier(server.smarthost, auth_username="am", auth_password_file=str(missing))
            )
    assert len(server.deliveries) == 1
    assert str(info.value) == (
        f"find auth mechanism: could not read {missing}: open {missing}: no such file or directory"
    )


# --------------------------------------------------------------------------- failures
@async_test
async def test_a_refused_recipient_fails_the_attempt_retryably() -> None:
    """``send RCPT command: 550 ...``; nothing is delivered."""
    with SMTPServer(reject={"ops@example.com": "550 5.1.1 no such user"}) as server:
        with pytest.raises(NotifyError) as info:
            await send(notifier(server.smarthost))
    assert (str(info.value), info.value.retryable) == (
        "send RCPT command: 550 5.1.1 no such user",
        True,
    )


@async_test
async def test_the_servers_verdict_on_the_message_is_ignored_as_in_0_25() -> None:
    """Alertmanager closes the data writer in a defer and drops its error."""
    with SMTPServer(reject={"DATA": "554 5.7.1 spam"}) as server:
        await send(notifier(server.smarthost))
        (conn,) = server.wait_closed(1)
    assert "554 5.7.1 spam" in conn.replies
    assert conn.commands()[-1] == "QUIT"


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"from_": "{{ fail }}"}, "execute 'from' template: template: :1:3: executing \"\" at <fail>: boom"),
        ({"to": "{{ fail }}"}, "execute 'to' template: template: :1:3: executing \"\" at <fail>: boom"),
        ({"from_": "not an address"}, "parse 'from' addresses: mail: no angle-addr"),
        ({"from_": "a@x.org, b@x.org"}, "must be exactly one 'from' address (got: 2)"),
        ({"to": "undisclosed:;"}, None),
    ],
)  # fmt: skip
@async_test
async def test_sender_and_recipient_problems_stop_before_mail(
    fields: dict[str, str], error: str | None
) -> None:
    """Template and address errors are final and no MAIL is sent; an empty group reaches DATA."""
    with SMTPServer() as server:
        with pytest.raises(NotifyError) as info:
            await send(notifier(server.smarthost, **fields))
        (conn,) = server.wait_closed(1)
    if error is None:  # no recipients: the server refuses DATA
        assert str(info.value).startswith("send DATA command: 503 ")
        assert info.value.retryable
        return
    assert (str(info.value), info.value.retryable) == (error, False)
    assert conn.commands() == ["EHLO localhost", "QUIT"]


@pytest.mark.parametrize(
    ("fields", "error", "content"),
    [
        ({"headers": {"X-Bad": "{{ fail }}"}}, 'execute "X-Bad" header template: ', b"\r\n"),
        ({"text": "{{ fail }}"}, "execute text template: ", b"MIME-Version: 1.0\r\n\r\n"),
        ({"html": "{{ fail }}"}, "execute html template: ", b"MIME-Version: 1.0\r\n\r\n"),
    ],
)
@async_test
async def test_a_template_failing_after_data_still_ends_the_message(
    fields: dict[str, Any], error: str, content: bytes
) -> None:
    """0.25's quirk: what was written goes out (nothing, or the headers), then the error."""
    with SMTPServer() as server:
        with pytest.raises(NotifyError) as info:
            await send(notifier(server.smarthost, **fields))
        (delivery,) = server.wait_deliveries(1)
    assert str(info.value).startswith(error)
    assert not info.value.retryable
    assert delivery.content.endswith(content)


@async_test
async def test_a_refused_connection_is_retryable() -> None:
    """``establish connection to server: dial tcp ...: connect: connection refused``."""
    sock, port = refused_port()
    with sock, pytest.raises(NotifyError) as info:
        await send(notifier(f"127.0.0.1:{port}"))
    assert str(info.value) == (
        f"establish connection to server: dial tcp 127.0.0.1:{port}: connect: connection refused"
    )
    assert info.value.retryable


@async_test
async def test_a_bad_greeting_fails_creating_the_client() -> None:
    """A 554 greeting: ``create SMTP client: 554 ...``, retryable."""
    with ScriptedSMTP(greeting="554 go away") as peer:
        with pytest.raises(NotifyError) as info:
            await send(notifier(f"127.0.0.1:{peer.port}"))
    assert (str(info.value), info.value.retryable) == ("create SMTP client: 554 go away", True)


@async_test
async def test_ehlo_refused_falls_back_to_helo_and_multiline_errors_keep_every_line() -> None:
    """HELO after a refused EHLO (no extensions, so no 8BITMIME); replies joined by newlines."""
    replies = {"EHLO": ["502 no"], "RCPT": ["550-first", "550 second"]}
    with ScriptedSMTP(replies=replies) as peer:
        with pytest.raises(NotifyError) as info:
            await send(notifier(f"127.0.0.1:{peer.port}"))
        assert await asyncio.to_thread(peer.closed.wait, 10)
    assert str(info.value) == "send RCPT command: 550 first\nsecond"
    assert peer.lines == [
        "EHLO localhost",
        "HELO localhost",
        "MAIL FROM:<am@example.com>",
        "RCPT TO:<ops@example.com>",
        "QUIT",
    ]


@async_test
async def test_a_cancelled_notification_closes_the_connection() -> None:
    """The flush deadline cancels the task; the socket is closed, no thread lingers."""
    with ScriptedSMTP(greeting=None) as peer:
        n = notifier(f"127.0.0.1:{peer.port}")
        task = asyncio.create_task(send(n))
        assert await asyncio.to_thread(peer.connected.wait, 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await asyncio.to_thread(peer.closed.wait, 10)
    assert n.statistics() == {"notifications": 1, "failures": 1}


def test_email_does_not_send_resolved_by_default() -> None:
    """``send_resolved`` defaults to false for email."""
    n = notifier("127.0.0.1:25")
    assert not n.send_resolved
    assert repr(n) == "<EmailNotifier email[0] smarthost=127.0.0.1:25 sent=0 failed=0>"


@pytest.fixture(autouse=True)
def _quiet_aiosmtpd(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level("ERROR", logger="mail.log")
    yield

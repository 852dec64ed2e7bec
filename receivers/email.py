"""The ``email`` integration: one SMTP delivery per notification (config.md §5.2).

Follows Alertmanager 0.25's ``notify/email`` and Go's ``net/smtp`` client
step by step, so the SMTP conversation is the same:

1. connect to ``smarthost`` (implicit TLS when the port is ``465``), read
   the greeting; ``EHLO <hello>`` (``HELO`` if refused) on first need;
2. ``require_tls``: ``STARTTLS`` must be advertised and is used, then
   ``EHLO`` again (with ``require_tls: false`` STARTTLS is never used);
3. when ``AUTH`` is advertised and ``auth_username`` set, the first usable
   mechanism *in the server's order*: CRAM-MD5 (needs ``auth_secret``),
   PLAIN (refused over plain text except to localhost), LOGIN;
4. render ``from`` and ``to``, ``MAIL FROM`` (``BODY=8BITMIME``/``SMTPUTF8``
   when advertised), one ``RCPT TO`` per address, ``DATA``;
5. the message: every header template rendered and Q-encoded (``Subject``,
   ``To``, ``From`` defaulted), ``Message-Id`` and ``Date`` unless set, then
   ``multipart/alternative`` with the text part (if ``text`` is set) and
   the HTML part (if ``html`` is set), both quoted-printable;
6. ``QUIT``.

Alertmanager's quirks are kept: the server's reply to the message data is
not checked, and a header, text or HTML template that fails after ``DATA``
still ends the data (the message goes out without the failed part) before
the notification fails. Connection, TLS, ``AUTH`` and SMTP command failures
are retryable; template, address and TLS-configuration errors are not.
Headers go out sorted by name (Go's map order is random).

Runs on the node's asyncio loop: the SMTP client is asyncio streams (no
worker thread), so a cancelled notification (the flush deadline) closes the
connection at once.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
import random
import re
import socket
import ssl
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from loguru import logger

from gossamer.alert import Alert
from gossamer.config.model import EmailConfig, TLSConfig
from gossamer.errors import NotifyError
from receivers import smtp_encoding
from receivers.base import NotificationContext
from receivers.common import AddressError, parse_address_list, q_encode
from receivers.fields import Renderer, Templates, go_os_error, go_quote
from receivers.http import HTTPClientPool, _build_ssl_context
from receivers.payload import build_data

__all__ = ["EmailNotifier", "SMTPClient", "SMTPError", "build_message"]

INTEGRATION = "email"
DEFAULT_SUBJECT = '{{ template "email.default.subject" . }}'
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_PART_HEADERS = (
    "Content-Transfer-Encoding: quoted-printable\r\nContent-Type: text/{}; charset=UTF-8"
)
_CODE = re.compile(r"[+-]?[0-9]+")
# OpenSSL verify codes Go reports as "certificate signed by unknown authority".
_UNKNOWN_AUTHORITY = frozenset({2, 18, 19, 20})


# --------------------------------------------------------------------------- SMTP
class SMTPError(Exception):
    """A failed SMTP step, worded as Go's ``net/smtp`` and ``textproto`` errors."""


class ServerInfo(NamedTuple):
    name: str
    tls: bool


class PlainAuth:
    """``smtp.PlainAuth``: credentials in the ``AUTH`` line; TLS or localhost only."""

    go_type = "*smtp.plainAuth"

    def __init__(self, identity: str, username: str, password: str, host: str) -> None:
        self.identity, self.username, self.password, self.host = identity, username, password, host

    def start(self, server: ServerInfo) -> tuple[str, bytes]:
        if not server.tls and server.name not in ("localhost", "127.0.0.1", "::1"):
            raise SMTPError("unencrypted connection")
        if server.name != self.host:
            raise SMTPError("wrong host name")
        return "PLAIN", f"{self.identity}\0{self.username}\0{self.password}".encode()

    def next(self, challenge: bytes, more: bool) -> bytes | None:
        if more:
            raise SMTPError("unexpected server challenge")
        return None


class CRAMMD5Auth:
    """``smtp.CRAMMD5Auth``: ``<username> <hex HMAC-MD5 of the challenge>``."""

    go_type = "*smtp.cramMD5Auth"

    def __init__(self, username: str, secret: str) -> None:
        self.username, self.secret = username, secret

    def start(self, server: ServerInfo) -> tuple[str, bytes]:
        return "CRAM-MD5", b""

    def next(self, challenge: bytes, more: bool) -> bytes | None:
        if not more:
            return None
        digest = hmac.new(self.secret.encode(), challenge, hashlib.md5).hexdigest()
        return f"{self.username} {digest}".encode()


class LoginAuth:
    """Alertmanager's ``loginAuth``: answers the ``Username:``/``Password:`` prompts."""

    go_type = "*email.loginAuth"

    def __init__(self, username: str, password: str) -> None:
        self.username, self.password = username, password

    def start(self, server: ServerInfo) -> tuple[str, bytes]:
        return "LOGIN", b""

    def next(self, challenge: bytes, more: bool) -> bytes | None:
        if not more:
            return None
        prompt = challenge.decode("utf-8", "replace").lower()
        if prompt == "username:":
            return self.username.encode()
        if prompt == "password:":
            return self.password.encode()
        raise SMTPError("unexpected server challenge")


SMTPAuth = PlainAuth | CRAMMD5Auth | LoginAuth


class SMTPClient:
    """Go's ``smtp.Client`` over asyncio streams: the same commands, the same
    lazy ``EHLO``/``HELO``, the same reply parsing (``textproto.ReadResponse``)."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, name: str, tls: bool
    ) -> None:
        self.reader, self.writer = reader, writer
        self.server_name = name
        self.tls = tls
        self.local_name = "localhost"
        self.ext: dict[str, str] | None = None
        self._did_hello = False
        self._hello_error: str | None = None
        self.closed = False

    def __repr__(self) -> str:
        return f"<SMTPClient {self.server_name} tls={self.tls} closed={self.closed}>"

    @classmethod
    async def connect(
        cls, host: str, port: str, context: ssl.SSLContext | None, name: str
    ) -> SMTPClient:
        """Dial and read the 220 greeting. ``context`` means implicit TLS."""
        reader, writer = await asyncio.open_connection(
            host, port, ssl=context, server_hostname=name if context is not None else None
        )
        client = cls(reader, writer, host, tls=context is not None)
        try:
            await client.read_response(220)
        except SMTPError:
            client.abort()
            raise
        return client

    async def _read_line(self) -> str:
        try:
            line = await self.reader.readline()
        except (OSError, asyncio.LimitOverrunError, ValueError) as exc:
            raise SMTPError(_os_error_text(exc)) from exc
        if not line:
            raise SMTPError("EOF")
        return line.decode("utf-8", "replace").removesuffix("\n").removesuffix("\r")

    async def read_response(self, expect: int) -> tuple[int, str]:
        """``textproto.Reader.ReadResponse``: a 3-digit ``expect`` must match
        exactly, 2 digits the first two, 0 anything."""
        line = await self._read_line()
        if len(line) < 4 or line[3] not in " -":
            raise SMTPError(f"short response: {line}")
        if not _CODE.fullmatch(line[:3]) or int(line[:3]) < 100:
            raise SMTPError(f"invalid response code: {line}")
        code, more, message = int(line[:3]), line[3] == "-", line[4:]
        while more:
            line = await self._read_line()
            if len(line) >= 4 and line[3] in " -" and line[:3] == f"{code:03d}":
                more, message = line[3] == "-", f"{message}\n{line[4:]}"
            else:
                message += "\n" + line
        if (100 <= expect and code != expect) or (10 <= expect < 100 and code // 10 != expect):
            raise SMTPError(f"{code:03d} {message}")
        return code, message

    async def cmd(self, expect: int, line: str) -> tuple[int, str]:
        """Send one command line and read its reply."""
        try:
            self.writer.write(line.encode("utf-8", "surrogateescape") + b"\r\n")
            await self.writer.drain()
        except OSError as exc:
            raise SMTPError(_os_error_text(exc)) from exc
        return await self.read_response(expect)

    def hello_as(self, name: str) -> None:
        """``Client.Hello``: set the name ``EHLO``/``HELO`` will announce."""
        _validate_line(name)
        self.local_name = name

    async def hello(self) -> None:
        if not self._did_hello:
            self._did_hello = True
            try:
                await self.ehlo()
            except SMTPError:
                try:
                    self.ext = None
                    await self.cmd(250, f"HELO {self.local_name}")
                except SMTPError as exc:
                    self._hello_error = str(exc)
        if self._hello_error is not None:
            raise SMTPError(self._hello_error)

    async def ehlo(self) -> None:
        _, message = await self.cmd(250, f"EHLO {self.local_name}")
        ext: dict[str, str] = {}
        for line in message.split("\n")[1:]:
            name, _, param = line.partition(" ")
            ext[name] = param
        self.ext = ext

    async def extension(self, name: str) -> tuple[bool, str]:
        """``Client.Extension``: whether the server advertised ``name``, and its parameters."""
        try:
            await self.hello()
        except SMTPError:
            return False, ""
        if self.ext is None or name.upper() not in self.ext:
            return False, ""
        return True, self.ext[name.upper()]

    async def starttls(self, context: ssl.SSLContext, name: str) -> None:
        await self.hello()
        await self.cmd(220, "STARTTLS")
        try:
            await self.writer.start_tls(context, server_hostname=name)
        except (OSError, ssl.SSLError) as exc:
            raise SMTPError(tls_error_text(exc)) from exc
        self.tls = True
        await self.ehlo()

    async def auth(self, mechanism: SMTPAuth) -> None:
        """``Client.Auth``: the initial response goes in the ``AUTH`` line."""
        await self.hello()
        try:
            name, response = mechanism.start(ServerInfo(self.server_name, self.tls))
        except SMTPError:
            await self.quit()
            raise
        code, message = await self.cmd(0, f"AUTH {name} {_b64(response)}".strip())
        while True:
            try:
                if code == 334:
                    challenge = _b64_decode(message)
                elif code == 235:
                    challenge = message.encode()
                else:
                    raise SMTPError(f"{code:03d} {message}")
                answer = mechanism.next(challenge, code == 334)
            except SMTPError:
                await self._ignore(self.cmd(501, "*"))
                await self.quit()
                raise
            if answer is None:
                return
            code, message = await self.cmd(0, _b64(answer))

    async def mail(self, sender: str) -> None:
        _validate_line(sender)
        await self.hello()
        line = f"MAIL FROM:<{sender}>"
        if self.ext is not None:
            line += " BODY=8BITMIME" if "8BITMIME" in self.ext else ""
            line += " SMTPUTF8" if "SMTPUTF8" in self.ext else ""
        await self.cmd(250, line)

    async def rcpt(self, recipient: str) -> None:
        _validate_line(recipient)
        await self.cmd(25, f"RCPT TO:<{recipient}>")

    async def data(self) -> None:
        await self.cmd(354, "DATA")

    async def send_message(self, message: bytes) -> None:
        """Write the dot-stuffed message and its end; like Alertmanager (which
        closes the data writer in a ``defer``), the server's verdict is ignored."""
        try:
            self.writer.write(smtp_encoding.dot_encode(message))
            await self.writer.drain()
            await self.read_response(250)
        except SMTPError as exc:
            logger.bind(component="notifier").debug("SMTP message data not accepted", err=str(exc))
        except OSError as exc:
            logger.bind(component="notifier").debug("SMTP message data not sent", err=str(exc))

    async def quit(self) -> None:
        """``QUIT`` and close; errors are ignored (Alertmanager defers it)."""
        if self.closed:
            return
        await self._ignore(self._quit())
        self.abort()

    async def _quit(self) -> None:
        await self.hello()
        await self.cmd(221, "QUIT")

    @staticmethod
    async def _ignore(step: Awaitable[object]) -> None:
        try:
            await step
        except (SMTPError, OSError):
            pass

    def abort(self) -> None:
        """Close the connection without a word."""
        self.closed = True
        self.writer.close()


def dot_encode(message: bytes) -> bytes:
    """The exact state machine behind ``smtp_encoding.dot_encode`` (which handles
    most messages faster): ``textproto.DotWriter`` and its ``Close``: dot-stuff, LF to CRLF, end with ``.``."""
    out = bytearray()
    begin_line, data, cr = 0, 1, 2
    state = begin_line
    for c in message:
        if state == begin_line:
            if c == 0x2E:
                out.append(0x2E)
            state = data
        if state == cr:
            state = begin_line if c == 0x0A else data
        elif c == 0x0D:
            state = cr
        elif c == 0x0A:
            out.append(0x0D)
            state = begin_line
        out.append(c)
    ends = {begin_line: b".\r\n", cr: b"\n.\r\n", data: b"\r\n.\r\n"}
    return bytes(out + ends[state]) if message else b"\r\n.\r\n"


def _validate_line(line: str) -> None:
    if "\r" in line or "\n" in line:
        raise SMTPError("smtp: A line must not contain CR or LF")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _b64_decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError as exc:
        bad = next((i for i, c in enumerate(text) if not (c.isalnum() or c in "+/=")), len(text))
        raise SMTPError(f"illegal base64 data at input byte {bad}") from exc


def _os_error_text(exc: BaseException) -> str:
    if isinstance(exc, ConnectionResetError):
        return "read: connection reset by peer"
    if isinstance(exc, BrokenPipeError):
        return "write: broken pipe"
    return str(exc) or type(exc).__name__


def tls_error_text(exc: BaseException) -> str:
    """Go's ``crypto/tls``/``x509`` wording for a failed handshake, where known."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        if exc.verify_code in _UNKNOWN_AUTHORITY:
            return "x509: certificate signed by unknown authority"
        return f"x509: {exc.verify_message}"
    if isinstance(exc, ssl.SSLError) and exc.reason == "WRONG_VERSION_NUMBER":
        return "tls: first record does not look like a TLS handshake"
    if isinstance(exc, ConnectionError | asyncio.IncompleteReadError):
        return "EOF"
    return str(exc) or type(exc).__name__


def dial_error_text(exc: BaseException, host: str, port: str) -> str:
    """Go's ``net.Dial`` wording (``dial tcp <addr>: connect: connection refused``)."""
    if isinstance(exc, ssl.SSLError):
        return tls_error_text(exc)
    if isinstance(exc, socket.gaierror):
        return f"dial tcp: lookup {host}: no such host"
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    if isinstance(exc, ConnectionRefusedError):
        return f"dial tcp {address}: connect: connection refused"
    if isinstance(exc, TimeoutError):
        return f"dial tcp {address}: i/o timeout"
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return f"dial tcp {address}: {reason.lower()}"


# --------------------------------------------------------------------------- message
def rfc1123z(now_ns: int) -> str:
    """``time.Now().Format(time.RFC1123Z)`` in the local zone."""
    moment = datetime.fromtimestamp(now_ns / 1e9).astimezone()
    return (
        f"{_DAYS[moment.weekday()]}, {moment.day:02d} {_MONTHS[moment.month - 1]} {moment.year}"
        f" {moment:%H:%M:%S %z}"
    )


def build_message(
    render: Renderer,
    config: EmailConfig,
    headers: dict[str, str],
    *,
    now_ns: int,
    message_id: str,
    boundary: str,
) -> tuple[bytes, str | None]:
    """The bytes Alertmanager writes after ``DATA``, and the error to report
    once they are sent (a failed header, text or HTML template)."""
    head: list[str] = []
    for name in sorted(headers):
        value, error = render.execute(headers[name], name)
        if error is not None:
            return b"", f"execute {go_quote(name)} header template: {error}"
        head.append(f"{name}: {q_encode(value)}\r\n")
    if "Message-Id" not in headers:
        head.append(f"Message-Id: {message_id}\r\n")
    head.append(f"Date: {rfc1123z(now_ns)}\r\n")
    head.append(f"Content-Type: multipart/alternative;  boundary={boundary}\r\n")
    head.append("MIME-Version: 1.0\r\n\r\n")
    message = "".join(head).encode("utf-8", "surrogateescape")
    body = bytearray()
    for kind, source in (("plain", config.text), ("html", config.html)):
        if not source:
            continue
        delimiter = f"\r\n--{boundary}\r\n" if body else f"--{boundary}\r\n"
        body += f"{delimiter}{_PART_HEADERS.format(kind)}\r\n\r\n".encode()
        field = "text" if kind == "plain" else "html"
        text, error = render.execute(source, field, html=kind == "html")
        if error is not None:
            return message, f"execute {field} template: {error}"
        body += smtp_encoding.quoted_printable(text)
    body += f"\r\n--{boundary}--\r\n".encode()
    return message + bytes(body), None


# --------------------------------------------------------------------------- notifier
def _split_host_port(hostport: str) -> tuple[str, str]:
    host, _, port = hostport.rpartition(":")
    return host.removeprefix("[").removesuffix("]"), port


def _read_text(path: str) -> str:
    return Path(path).read_text(encoding="utf-8", errors="replace")


def _tls_context(tls: TLSConfig, base: Path) -> ssl.SSLContext:
    """``commoncfg.NewTLSConfig``; reads files, so runs in a worker thread.
    Raises ``ValueError`` worded as prometheus/common."""
    resolve = lambda p: str(base / p) if p else ""  # noqa: E731
    ca = None
    if tls.ca_file:
        path = resolve(tls.ca_file)
        try:
            ca = Path(path).read_bytes()
        except OSError as exc:
            raise ValueError(
                f"unable to load specified CA cert {path}: {go_os_error('open', path, exc)}"
            ) from exc
    return _build_ssl_context(tls, ca, resolve(tls.cert_file), resolve(tls.key_file))


class EmailNotifier:
    """``email_configs[index]`` of one receiver; implements ``receivers.base.Notifier``.

    ``notify`` runs on the node's asyncio loop; file reads and TLS contexts are
    built in worker threads. ``clock`` (ns since the epoch) stamps ``Date`` and
    ``Message-Id``.
    """

    integration = INTEGRATION

    def __init__(
        self,
        config: EmailConfig,
        index: int,
        *,
        base_dir: str | os.PathLike[str] = ".",
        pool: HTTPClientPool | None = None,
        templates: Templates | None = None,
        clock: Callable[[], int] = time.time_ns,
        hostname: str | None = None,
    ) -> None:
        self.config = config
        self.index = index
        self.send_resolved = config.send_resolved
        self.templates = templates
        self.base_dir = Path(base_dir)
        self.clock = clock
        self.hostname = hostname or socket.gethostname() or "localhost.localdomain"
        self.headers = dict(config.headers)
        self.headers.setdefault("Subject", DEFAULT_SUBJECT)
        self.headers.setdefault("To", config.to)
        self.headers.setdefault("From", config.from_)
        self.host, self.port = _split_host_port(config.smarthost)
        self._stats = {"notifications": 0, "failures": 0}

    def __repr__(self) -> str:
        s = self._stats
        return (
            f"<EmailNotifier email[{self.index}] smarthost={self.config.smarthost}"
            f" sent={s['notifications']} failed={s['failures']}>"
        )

    def statistics(self) -> dict[str, int]:
        """Notifications attempted and failed."""
        return dict(self._stats)

    async def notify(self, ctx: NotificationContext, alerts: list[Alert]) -> None:
        """Deliver one message; raises ``NotifyError`` (retryable for connection,
        TLS, authentication and SMTP command failures)."""
        self._stats["notifications"] += 1
        try:
            render = Renderer(
                self.templates,
                build_data(ctx, alerts),
                receiver=ctx.receiver_name,
                integration=INTEGRATION,
            )
            client = await self._connect()
            try:
                await self._session(client, render)
            finally:
                await client.quit()
        except BaseException:
            self._stats["failures"] += 1
            raise

    async def _tls(self) -> ssl.SSLContext:
        try:
            return await asyncio.to_thread(_tls_context, self.config.tls_config, self.base_dir)
        except (ValueError, OSError, ssl.SSLError) as exc:
            raise NotifyError(f"parse TLS configuration: {exc}", retryable=False) from exc

    async def _connect(self) -> SMTPClient:
        implicit = self.port == "465"
        context = await self._tls() if implicit else None
        name = self.config.tls_config.server_name or self.host
        try:
            return await SMTPClient.connect(self.host, self.port, context, name)
        except SMTPError as exc:
            raise NotifyError(f"create SMTP client: {exc}", retryable=True) from exc
        except (OSError, ssl.SSLError, ValueError) as exc:
            what = (
                "establish TLS connection to server"
                if implicit
                else "establish connection to server"
            )
            cause = dial_error_text(exc, self.host, self.port)
            raise NotifyError(f"{what}: {cause}", retryable=True) from exc

    async def _session(self, client: SMTPClient, render: Renderer) -> None:
        """Everything after the greeting, in Alertmanager's order."""
        await self._handshake(client)
        c = self.config
        sender = render.text(c.from_, "from")
        if render.error is not None:
            raise NotifyError(f"execute 'from' template: {render.error}", retryable=False)
        to = render.text(c.to, "to")
        if render.error is not None:
            raise NotifyError(f"execute 'to' template: {render.error}", retryable=False)
        senders = _addresses("from", sender)
        if len(senders) != 1:
            raise NotifyError(
                f"must be exactly one 'from' address (got: {len(senders)})", retryable=False
            )
        await _step("send MAIL command", client.mail(senders[0]))
        for recipient in _addresses("to", to):
            await _step("send RCPT command", client.rcpt(recipient))
        await _step("send DATA command", client.data())
        now = self.clock()
        message, error = build_message(
            render,
            c,
            self.headers,
            now_ns=now,
            message_id=f"<{now}.{random.getrandbits(64)}@{self.hostname}>",
            boundary=os.urandom(30).hex(),
        )
        await client.send_message(message)
        if error is not None:
            raise NotifyError(error, retryable=False)

    async def _handshake(self, client: SMTPClient) -> None:
        """``EHLO``, ``STARTTLS`` when required, ``AUTH`` when offered."""
        c = self.config
        if c.hello:
            try:
                client.hello_as(c.hello)
            except SMTPError as exc:
                raise NotifyError(f"send EHLO command: {exc}", retryable=True) from exc
        if c.require_tls:
            if not (await client.extension("STARTTLS"))[0]:
                raise NotifyError(
                    f"'require_tls' is true (default) but {go_quote(c.smarthost)}"
                    " does not advertise the STARTTLS extension",
                    retryable=True,
                )
            context = await self._tls()
            name = c.tls_config.server_name or self.host
            await _step("send STARTTLS command", client.starttls(context, name))
        offered, mechanisms = await client.extension("AUTH")
        if not offered:
            return
        mechanism = await self._choose_auth(mechanisms)
        if mechanism is not None:
            await _step(f"{mechanism.go_type} auth", client.auth(mechanism))

    async def _choose_auth(self, mechanisms: str) -> SMTPAuth | None:
        """Alertmanager's ``Email.auth``: the first mechanism, in the server's
        order, the config has credentials for; None without ``auth_username``."""
        c = self.config
        if not c.auth_username:
            logger.bind(component="notifier").debug(
                "smtp_auth_username is not configured. Attempting to send email without authenticating"
            )
            return None
        errors: list[str] = []
        for name in mechanisms.split(" "):
            if name == "CRAM-MD5":
                if c.auth_secret:
                    return CRAMMD5Auth(c.auth_username, c.auth_secret)
                errors.append("missing secret for CRAM-MD5 auth mechanism")
            elif name in ("PLAIN", "LOGIN"):
                try:
                    password = await self._password()
                except ValueError as exc:
                    errors.append(str(exc))
                    continue
                if not password:
                    errors.append(f"missing password for {name} auth mechanism")
                elif name == "PLAIN":
                    return PlainAuth(c.auth_identity, c.auth_username, password, self.host)
                else:
                    return LoginAuth(c.auth_username, password)
        message = "; ".join(errors) or f"unknown auth mechanism: {mechanisms}"
        raise NotifyError(f"find auth mechanism: {message}", retryable=True)

    async def _password(self) -> str:
        """``auth_password_file`` (read each time) or ``auth_password``.

        0.25 takes the file's content as it is (no trimming) and does not
        resolve the path against the config's directory: a relative path is
        relative to the working directory."""
        if not self.config.auth_password_file:
            return self.config.auth_password
        path = self.config.auth_password_file
        try:
            return await asyncio.to_thread(_read_text, path)
        except OSError as exc:
            raise ValueError(f"could not read {path}: {go_os_error('open', path, exc)}") from exc

    async def close(self) -> None:
        """Nothing to release: each notification uses its own connection."""


async def _step(what: str, step: Awaitable[object]) -> None:
    """Await one SMTP step; its failure is a retryable ``<what>: <error>``."""
    try:
        await step
    except SMTPError as exc:
        raise NotifyError(f"{what}: {exc}", retryable=True) from exc


def _addresses(field: str, text: str) -> list[str]:
    try:
        return parse_address_list(text)
    except AddressError as exc:
        raise NotifyError(f"parse '{field}' addresses: {exc}", retryable=False) from exc

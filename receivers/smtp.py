"""An SMTP client as Go's ``net/smtp`` (and Alertmanager's ``loginAuth``) speaks it.

The ``email`` integration drives it step by step, so the conversation is
Alertmanager 0.25's: lazy ``EHLO`` (``HELO`` if refused), ``STARTTLS`` then
``EHLO`` again, ``AUTH`` with the initial response in the command line
(PLAIN, CRAM-MD5, LOGIN), ``MAIL FROM`` with ``BODY=8BITMIME``/``SMTPUTF8``
when advertised, ``RCPT TO``, ``DATA`` and the dot-stuffed message, ``QUIT``.
Replies are parsed as ``textproto.Reader.ReadResponse`` parses them, and
errors are worded as Go's (``SMTPError``; ``tls_error_text`` and
``dial_error_text`` for failures below SMTP).

Runs on the node's asyncio loop over asyncio streams (no worker thread), so
a cancelled notification closes the connection at once.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import re
import socket
import ssl
from collections.abc import Awaitable
from typing import NamedTuple

from loguru import logger

from receivers import smtp_encoding

__all__ = [
    "CRAMMD5Auth",
    "LoginAuth",
    "PlainAuth",
    "SMTPAuth",
    "SMTPClient",
    "SMTPError",
    "ServerInfo",
    "dial_error_text",
    "tls_error_text",
]

_CODE = re.compile(r"[+-]?[0-9]+")
# OpenSSL verify codes Go reports as "certificate signed by unknown authority".
_UNKNOWN_AUTHORITY = frozenset({2, 18, 19, 20})


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

"""An SMTP server for tests: aiosmtpd on a loopback port chosen by the kernel.

It runs on its own asyncio loop in a daemon thread, so tests can use it from
synchronous code, from ``asyncio.run`` or from another process (the reference
Alertmanager). Every connection keeps the exact bytes the client sent
(decrypted after ``STARTTLS``) and the replies it got; every accepted message
becomes a ``Delivery``. Options shape it as real servers come: ``STARTTLS``
or implicit TLS, ``AUTH`` with PLAIN, LOGIN and CRAM-MD5 advertised in a
chosen order, ``SMTPUTF8``, and scripted rejections of ``MAIL``, ``RCPT``
or the message data. Waiting is done on conditions, never on sleeps.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ssl
import threading
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.smtp import MISSING, SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.test_http_client_support import _LoopThread

#: The CRAM-MD5 challenge the server always sends, so answers are comparable.
CRAM_CHALLENGE = b"<1896.697170952@fake.smtp>"
HOSTNAME = "fake.smtp"


@dataclass
class Connection:
    """One client connection: every byte it sent and every reply line it got."""

    raw: bytearray = field(default_factory=bytearray)
    replies: list[str] = field(default_factory=list)
    closed: bool = False
    #: The client's (host, port).
    peer: tuple[str, int] | None = None

    def lines(self) -> list[bytes]:
        """What the client sent, split at CRLF (the last, unterminated piece dropped)."""
        return bytes(self.raw).split(b"\r\n")[:-1]

    def commands(self) -> list[str]:
        """The command lines, message data left out (it ends at a lone ``.``)."""
        out, in_data = [], False
        for line in self.lines():
            if in_data:
                in_data = line != b"."
                continue
            text = line.decode("utf-8", "replace")
            out.append(text)
            in_data = text.upper() == "DATA" and self._data_accepted(len(out))
        return out

    def _data_accepted(self, count: int) -> bool:
        # The reply to the count-th command line; 354 means message data follows.
        codes = [r[:3] for r in self.replies if r[3:4] == " "]
        return len(codes) > count and codes[count] == "354"


@dataclass
class Delivery:
    """One accepted message: envelope and the content as received (dot-unstuffed)."""

    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    mail_options: list[str]


class _Handler:
    def __init__(self, server: SMTPServer) -> None:
        self.server = server

    async def handle_EHLO(  # noqa: N802 (aiosmtpd's hook name)
        self, smtp: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        out = []
        for line in responses:
            if line[4:].startswith("AUTH ") and self.server.auth_order is not None:
                line = "250-AUTH " + " ".join(self.server.auth_order)
            if line[4:] == "STARTTLS" and not self.server.advertise_starttls:
                continue
            out.append(line)
        return out

    async def handle_MAIL(  # noqa: N802
        self, smtp: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if "MAIL" in self.server.reject:
            return self.server.reject["MAIL"]
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(  # noqa: N802
        self, smtp: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.server.reject:
            return self.server.reject[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        if "DATA" in self.server.reject:
            return self.server.reject["DATA"]
        delivery = Delivery(
            mail_from=envelope.mail_from or "",
            rcpt_tos=list(envelope.rcpt_tos),
            content=bytes(envelope.original_content or b""),
            mail_options=list(envelope.mail_options),
        )
        self.server._record(delivery)
        return "250 OK: queued"

    async def auth_CRAM__MD5(self, smtp: SMTP, args: list[str]) -> AuthResult:  # noqa: N802
        answer = await smtp.challenge_auth(CRAM_CHALLENGE)
        if answer is MISSING or not isinstance(answer, bytes) or b" " not in answer:
            return AuthResult(success=False, handled=answer is MISSING)
        user, digest = answer.decode().rsplit(" ", 1)
        secret = self.server.secrets.get(user, "")
        expected = hmac.new(secret.encode(), CRAM_CHALLENGE, hashlib.md5).hexdigest()
        ok = bool(secret) and hmac.compare_digest(expected, digest)
        return AuthResult(success=ok, handled=False, auth_data=user)


class _RecordingSMTP(SMTP):
    # The prompts Postfix, Exchange and most servers send (aiosmtpd's own,
    # "User Name\0", is one Go's LOGIN client refuses).
    AuthLoginUsernameChallenge = "Username:"
    AuthLoginPasswordChallenge = "Password:"

    def __init__(
        self, server: SMTPServer, connection: Connection, *args: Any, **kwargs: Any
    ) -> None:
        self._server = server
        self._connection = connection
        super().__init__(*args, **kwargs)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._connection.peer = transport.get_extra_info("peername")
        super().connection_made(transport)

    def data_received(self, data: bytes) -> None:
        self._connection.raw += data
        super().data_received(data)

    async def push(self, status: Any) -> None:
        text = status.decode() if isinstance(status, bytes) else status
        self._connection.replies.append(text)
        await super().push(status)

    def connection_lost(self, error: Exception | None) -> None:
        super().connection_lost(error)
        with self._server._cond:
            self._connection.closed = True
            self._server._cond.notify_all()


class SMTPServer:
    """Use as a context manager; ``port``, ``connections`` and ``deliveries`` are live.

    ``users`` (login -> password) enables PLAIN and LOGIN, ``secrets`` (login ->
    secret) CRAM-MD5; ``auth_order`` rewrites the advertised ``AUTH`` list.
    ``starttls`` is a server context offered through ``STARTTLS``;
    ``implicit_tls`` one that wraps the whole connection (port 465 style).
    ``reject`` maps ``"MAIL"``, ``"DATA"`` or a recipient to a reply line.
    ``host``/``port`` default to loopback and a port the kernel picks.
    """

    def __init__(
        self,
        *,
        starttls: ssl.SSLContext | None = None,
        implicit_tls: ssl.SSLContext | None = None,
        users: dict[str, str] | None = None,
        secrets: dict[str, str] | None = None,
        auth_order: list[str] | None = None,
        auth_require_tls: bool = False,
        smtputf8: bool = False,
        advertise_starttls: bool = True,
        reject: dict[str, str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.starttls = starttls
        self.implicit_tls = implicit_tls
        self.users = users or {}
        self.secrets = secrets or {}
        self.auth_order = auth_order
        self.auth_require_tls = auth_require_tls
        self.smtputf8 = smtputf8
        self.advertise_starttls = advertise_starttls
        self.reject = reject or {}
        self.connections: list[Connection] = []
        self.deliveries: list[Delivery] = []
        self._cond = threading.Condition()
        self._thread = _LoopThread()
        self._server: asyncio.AbstractServer | None = None
        self.host = host
        self.port = port

    def __repr__(self) -> str:
        return (
            f"<SMTPServer port={self.port} connections={len(self.connections)}"
            f" deliveries={len(self.deliveries)}>"
        )

    @property
    def smarthost(self) -> str:
        return f"{self.host}:{self.port}"

    def __enter__(self) -> SMTPServer:
        try:
            self._server = self._thread.call(self._start())
        except OSError:
            self._thread.stop()
            raise
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._thread.call(_close(self._server))
        self._thread.stop()

    async def _start(self) -> asyncio.AbstractServer:
        loop = asyncio.get_running_loop()
        return await loop.create_server(self._protocol, self.host, self.port, ssl=self.implicit_tls)

    def _protocol(self) -> SMTP:
        connection = Connection()
        with self._cond:
            self.connections.append(connection)
            self._cond.notify_all()
        handler = _Handler(self)
        exclude = [] if self.secrets else ["CRAM-MD5"]
        if not self.users:
            exclude += ["PLAIN", "LOGIN"]
        return _RecordingSMTP(
            self,
            connection,
            handler,
            hostname=HOSTNAME,
            ident="fake",
            tls_context=self.starttls,
            enable_SMTPUTF8=self.smtputf8,
            auth_require_tls=self.auth_require_tls,
            auth_exclude_mechanism=exclude,
            authenticator=self._authenticate,
            loop=asyncio.get_running_loop(),
        )

    def _authenticate(
        self, smtp: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login, password = data.login.decode(), data.password.decode()
        ok = self.users.get(login) == password
        return AuthResult(success=ok, handled=False, auth_data=login)

    def _record(self, delivery: Delivery) -> None:
        with self._cond:
            self.deliveries.append(delivery)
            self._cond.notify_all()

    def wait_closed(self, count: int, timeout: float = 20) -> list[Connection]:
        """Block until ``count`` connections have been closed; return all connections."""
        with self._cond:
            ok = self._cond.wait_for(
                lambda: sum(c.closed for c in self.connections) >= count, timeout=timeout
            )
            if not ok:
                raise TimeoutError(
                    f"{len(self.connections)} connections, fewer than {count} closed"
                )
            return list(self.connections)

    def wait_deliveries(self, count: int, timeout: float = 20) -> list[Delivery]:
        """Block until ``count`` messages have been accepted."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.deliveries) >= count, timeout=timeout):
                raise TimeoutError(f"{len(self.deliveries)} of {count} messages arrived")
            return list(self.deliveries)


async def _close(server: asyncio.AbstractServer) -> None:
    """Stop listening; runs on the server's own loop (``close`` is not thread-safe)."""
    server.close()


class ScriptedSMTP:
    """A raw SMTP peer for protocol corner cases: it sends ``greeting``, then
    answers each command line with ``replies[<verb>]`` (lines sent as given),
    ``"250 ok"`` for anything else; ``None`` as greeting sends nothing at all.
    Message data after an accepted ``DATA`` is swallowed up to the lone dot.
    ``lines`` records what the client sent; ``connected`` is set when a client
    arrives, ``closed`` when it hangs up."""

    def __init__(
        self, greeting: str | None = "220 scripted", replies: dict[str, list[str]] | None = None
    ) -> None:
        self.greeting = greeting
        self.replies = replies or {}
        self.lines: list[str] = []
        self.connected = threading.Event()
        self.closed = threading.Event()
        self._thread = _LoopThread()
        self._server: asyncio.AbstractServer | None = None
        self.port = 0

    def __enter__(self) -> ScriptedSMTP:
        self._server = self._thread.call(asyncio.start_server(self._client, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._thread.call(_close(self._server))
        self._thread.stop()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connected.set()
        try:
            if self.greeting is None:
                await reader.read()
                return
            writer.write(f"{self.greeting}\r\n".encode())
            while line := await reader.readline():
                text = line.decode().rstrip("\r\n")
                self.lines.append(text)
                verb = text.split(" ")[0].upper()
                answer = self.replies.get(verb, ["250 ok"])
                writer.write("".join(f"{a}\r\n" for a in answer).encode())
                if verb == "DATA" and answer[-1].startswith("354"):
                    while (data := await reader.readline()) and data != b".\r\n":
                        pass
                    writer.write(b"250 queued\r\n")
                await writer.drain()
        finally:
            writer.close()
            self.closed.set()

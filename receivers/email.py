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

Runs on the node's asyncio loop: the SMTP client (``receivers.smtp``) is
asyncio streams (no worker thread), so a cancelled notification (the flush
deadline) closes the connection at once. The message itself is built by
``receivers.mime``, addresses are parsed by ``receivers.address``.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import ssl
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from loguru import logger

from gossamer.alert import Alert
from gossamer.config.model import EmailConfig, TLSConfig
from gossamer.errors import NotifyError
from gossamer.gostrconv import go_quote
from receivers.address import AddressError, parse_address_list
from receivers.base import NotificationContext
from receivers.fields import Renderer, Templates, go_os_error
from receivers.http import HTTPClientPool, _build_ssl_context
from receivers.mime import build_message
from receivers.payload import build_data
from receivers.smtp import (
    CRAMMD5Auth,
    LoginAuth,
    PlainAuth,
    SMTPAuth,
    SMTPClient,
    SMTPError,
    dial_error_text,
)

__all__ = ["EmailNotifier"]

INTEGRATION = "email"
DEFAULT_SUBJECT = '{{ template "email.default.subject" . }}'


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

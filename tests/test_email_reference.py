"""Differential tests: gossamer's SMTP sessions against the real Alertmanager 0.25.

Every case has its own fake SMTP server (``tests.fakes.smtp``) shaped like a
real one: plain, STARTTLS, implicit TLS on port 465, PLAIN/LOGIN/CRAM-MD5 in
a chosen order, SMTPUTF8, rejections. The reference delivers first; gossamer
then delivers the same flush (see ``tests.fakes.reference``) to the same
server, and the two sessions must be the same command for command and byte
for byte, once the ``Date``, the ``Message-Id`` and the MIME boundary are
masked and the headers sorted (Go writes them in random map order).
"""

from __future__ import annotations

import contextlib
import random
import re
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from gossamer.errors import NotifyError
from receivers.smtp import SMTPClient
from tests.fakes.reference import BINARY, Case, Reference, posted, ts
from tests.fakes.smtp import Connection, SMTPServer
from tests.test_http_client_support import CertFiles, Recorder, async_test, make_certs

pytestmark = pytest.mark.reference
templating = pytest.importorskip("receivers.templating")

AGO, ENDED = timedelta(minutes=-10), timedelta(minutes=-5)
#: A loopback address of its own for the port-465 case (xdist workers may run it at once).
IMPLICIT_HOST = (
    f"127.{random.randrange(1, 250)}.{random.randrange(1, 250)}.{random.randrange(2, 250)}"
)
IMPLICIT_HOST_2 = IMPLICIT_HOST.rsplit(".", 1)[0] + ".1"
DATE = re.compile(r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}")
MESSAGE_ID = re.compile(r"<\d+\.\d+@[^>]+>")


@dataclass(frozen=True)
class Shape:
    """How one case's server behaves, and the case's email config and alerts."""

    server: dict[str, Any]
    config: dict[str, Any]
    alerts: list[dict[str, Any]]


def _shapes(certs: CertFiles, pw_file: Path) -> dict[str, Shape]:
    tls = {"ca_file": str(certs.ca)}
    users = {"am": "pa ss"}

    def alerts(name: str, n: int = 1, **annotations: str) -> list[dict[str, Any]]:
        return [
            posted(name, {"alertname": "DiskFull", "instance": f"db{i}", "severity": "crîtique"},
                   annotations=annotations, startsAt=ts(AGO),
                   **({"endsAt": ts(ENDED)} if i == 2 else {}))
            for i in range(1, n + 1)
        ]  # fmt: skip

    return {
        "plain": Shape(
            {},
            {
                "require_tls": False,
                "to": "a@example.com, Bee <b@example.com>",
                "from": "Alert Manager <am@example.com>",
                "hello": "gossamer.test",
                "text": "{{ range .Alerts }}{{ .Labels.instance }}: {{ .Annotations.summary }}\n{{ end }}",
                "headers": {"X-Team": "db {{ .Status }}", "Reply-To": "ops@example.com"},
                "send_resolved": True,
            },
            alerts("plain", 3, summary="full = 99% \t  ", big="ünï " * 40),
        ),
        "starttls": Shape(
            {"starttls": True, "users": users, "auth_order": ["PLAIN", "LOGIN"]},
            {
                "tls_config": tls,
                "auth_username": "am",
                "auth_password": "pa ss",
                "auth_identity": "ident",
                "headers": {"subject": "Ärger: {{ .CommonLabels.alertname }}"},
            },
            alerts("starttls", 2),
        ),
        "login": Shape(
            {"users": users, "auth_order": ["LOGIN", "PLAIN"]},
            {
                "require_tls": False,
                "auth_username": "am",
                "auth_password": "pa ss",
                "html": "",
                "text": "only text",
            },
            alerts("login"),
        ),
        "cram": Shape(
            {"secrets": {"am": "s3cret"}, "users": users, "auth_order": ["CRAM-MD5", "PLAIN"]},
            {
                "require_tls": False,
                "auth_username": "am",
                "auth_secret": "s3cret",
                "auth_password": "pa ss",
                "html": "<b>{{ .Status }}</b> & {{ .CommonLabels.alertname }}",
            },
            alerts("cram"),
        ),
        "nosecret": Shape(
            {"secrets": {"am": "s3cret"}, "users": users, "auth_order": ["CRAM-MD5", "PLAIN"]},
            {"require_tls": False, "auth_username": "am", "auth_password": "pa ss", "html": "x"},
            alerts("nosecret"),
        ),
        "implicit": Shape(
            {"implicit": True},
            {"require_tls": False, "tls_config": tls, "html": "{{ .Status }}"},
            alerts("implicit"),
        ),
        "utf8": Shape(
            {"smtputf8": True},
            {"require_tls": False, "to": "ünï@example.com", "html": ""},
            alerts("utf8"),
        ),
        "datarefused": Shape(
            {"reject": {"DATA": "554 5.7.1 message refused"}},
            {"require_tls": False, "html": "refused"},
            alerts("datarefused"),
        ),
        "headercase": Shape(
            {},
            {
                "require_tls": False,
                "html": "x",
                "headers": {"X-FOO-bar": "1", "message-ID": "<fixed@example.com>"},
            },
            alerts("headercase"),
        ),
        "headerfail": Shape(
            {},
            {"require_tls": False, "headers": {"X-Broken": "{{ .Nope }}"}, "html": "h"},
            alerts("headerfail"),
        ),
        "textfail": Shape(
            {},
            {"require_tls": False, "text": "{{ .Nope }}", "html": "h"},
            alerts("textfail"),
        ),
        "nostarttls": Shape({"advertise_starttls": False}, {}, alerts("nostarttls")),
        "unknownca": Shape({"starttls": True}, {"html": "x"}, alerts("unknownca")),
        "missingca": Shape(
            {"starttls": True},
            {"html": "x", "tls_config": {"ca_file": "/nonexistent/gossamer-ca.pem"}},
            alerts("missingca"),
        ),
        "implicitunknownca": Shape(
            {"implicit": True}, {"require_tls": False, "html": "x"}, alerts("implicitunknownca")
        ),
        "pwfile": Shape(
            {"users": users, "auth_order": ["PLAIN"]},
            {
                "require_tls": False,
                "auth_username": "am",
                "auth_password_file": str(pw_file),
                "html": "x",
            },
            alerts("pwfile"),
        ),
        # 0.25 does not trim the file's content.
        "untrimmed": Shape(
            {"users": users, "auth_order": ["PLAIN"]},
            {
                "require_tls": False,
                "auth_username": "am",
                "auth_password_file": str(pw_file.with_suffix(".nl")),
                "html": "x",
            },
            alerts("untrimmed"),
        ),
        # 0.25 reads this file relative to the working directory, not the config's.
        "relpwfile": Shape(
            {"users": users, "auth_order": ["PLAIN"]},
            {
                "require_tls": False,
                "auth_username": "am",
                "auth_password_file": pw_file.name,
                "html": "x",
            },
            alerts("relpwfile"),
        ),
        "badpassword": Shape(
            {"users": users},
            {"require_tls": False, "auth_username": "am", "auth_password": "wrong", "html": "x"},
            alerts("badpassword"),
        ),
        "nopassword": Shape(
            {"users": users, "auth_order": ["PLAIN", "LOGIN"]},
            {"require_tls": False, "auth_username": "am", "html": "x"},
            alerts("nopassword"),
        ),
        "unknownmech": Shape(
            {"users": users, "auth_order": ["GSSAPI", "NTLM"]},
            {"require_tls": False, "auth_username": "am", "auth_password": "x", "html": "x"},
            alerts("unknownmech"),
        ),
        "rcptrefused": Shape(
            {"reject": {"nobody@example.com": "550 5.1.1 no such user"}},
            {"require_tls": False, "to": "nobody@example.com", "html": "x"},
            alerts("rcptrefused"),
        ),
        "badfrom": Shape(
            {}, {"require_tls": False, "from": "not an address", "html": "x"}, alerts("badfrom")
        ),
        **{
            f"badto{i}": Shape(
                {}, {"require_tls": False, "to": to, "html": "x"}, alerts(f"badto{i}")
            )
            for i, to in enumerate(BAD_RECIPIENTS)
        },
        "twofrom": Shape(
            {}, {"require_tls": False, "from": "a@x.org, b@x.org", "html": "x"}, alerts("twofrom")
        ),
    }


#: ``to`` values net/mail refuses (the reference words the errors).
BAD_RECIPIENTS = [
    "john.doe",
    "<jdoe#machine.example>",
    "a@b c@d",
    '"unclosed <a@b>',
    "=?iso-8859-2?Q?Bogl=E1rka?= <unknown@gmail.com>",
    "cfws@example.com (",
    "root group: embed group: null@example.com;",
    "a..b@example.com",
    "x@example.com.",
]
SUCCESSES = [
    "pwfile",
    "plain",
    "starttls",
    "login",
    "cram",
    "nosecret",
    "implicit",
    "utf8",
    "datarefused",
]
#: Failing cases whose connection never gets to SMTP.
NO_SESSION = {"implicitunknownca"}
#: Cases that fail, and whether the failure is retryable.
FAILURES = {
    "headerfail": False,
    "textfail": False,
    "nostarttls": True,
    "unknownca": True,
    "missingca": False,
    "implicitunknownca": True,
    "badpassword": True,
    "relpwfile": True,
    "untrimmed": True,
    "nopassword": True,
    "unknownmech": True,
    "rcptrefused": True,
    "badfrom": False,
    "twofrom": False,
    **{f"badto{i}": False for i in range(len(BAD_RECIPIENTS))},
}


@dataclass
class EmailReference:
    reference: Reference
    servers: dict[str, SMTPServer]


def _server(name: str, shape: Shape, certs: CertFiles) -> SMTPServer:
    options = dict(shape.server)
    if options.pop("starttls", False):
        options["starttls"] = certs.server_context()
    if options.pop("implicit", False):
        host = IMPLICIT_HOST if name == "implicit" else IMPLICIT_HOST_2
        return SMTPServer(implicit_tls=certs.server_context(), host=host, port=465, **options)
    return SMTPServer(**options)


@pytest.fixture(scope="module")
def email(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmailReference]:
    if BINARY is None:
        pytest.skip("prometheus-alertmanager is not installed")
    certs = make_certs(
        tmp_path_factory.mktemp("certs"), hosts=("127.0.0.1", IMPLICIT_HOST, IMPLICIT_HOST_2)
    )
    workdir = tmp_path_factory.mktemp("email")
    pw_file = workdir / "gossamer_smtp_pw"
    pw_file.write_text("pa ss")
    pw_file.with_suffix(".nl").write_text("pa ss\n")
    shapes = _shapes(certs, pw_file)
    with ExitStack() as stack, Recorder() as hooks:
        servers: dict[str, SMTPServer] = {}
        for name, shape in shapes.items():
            try:
                servers[name] = stack.enter_context(_server(name, shape, certs))
            except OSError:  # port 465 needs privileges
                continue
        cases = {}
        for name, server in servers.items():
            config = {"to": "ops@example.com", "from": "am@example.com", **shapes[name].config}
            config["smarthost"] = server.smarthost
            resolved = bool(config.get("send_resolved", False))
            cases[name] = Case(name, config, shapes[name].alerts, send_resolved=resolved)
        reference = Reference("email", cases, hooks, workdir).start()
        try:
            yield EmailReference(reference, servers)
        finally:
            reference.stop()


@pytest.fixture(scope="module")
def templates() -> object:
    return templating.Templates.load([])


def session(connection: Connection) -> list[str]:
    """The client's side of a session with volatile values masked and headers sorted."""
    lines = [line.decode("utf-8", "replace") for line in connection.lines()]
    boundary = next(
        (m.group(1) for line in lines if (m := re.search(r"boundary=(\w+)", line))), None
    )
    out: list[str] = []
    head: list[str] = []
    in_head = False
    for line in lines:
        if boundary:
            line = line.replace(boundary, "<boundary>")
        if line.startswith("Date: ") and DATE.fullmatch(line[6:]):
            line = "Date: <date>"
        if line.startswith("Message-Id: ") and MESSAGE_ID.fullmatch(line[12:]):
            line = "Message-Id: <message-id>"
        if in_head and (line == "" or line == "."):
            out += sorted(head) + [line]
            head, in_head = [], False
        elif in_head:
            head.append(line)
        else:
            out.append(line)
            in_head = line == "DATA"
    return out + sorted(head)


@contextlib.contextmanager
def our_ports(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The local ports of the SMTP connections gossamer opens meanwhile."""
    ports: list[int] = []
    connect = SMTPClient.connect.__func__  # type: ignore[attr-defined]

    async def spy(cls: type[SMTPClient], *args: Any) -> SMTPClient:
        client = await connect(cls, *args)
        ports.append(client.writer.get_extra_info("sockname")[1])
        return client

    monkeypatch.setattr(SMTPClient, "connect", classmethod(spy))
    yield ports


async def send_and_compare(
    email: EmailReference, name: str, templates: object, monkeypatch: pytest.MonkeyPatch
) -> tuple[NotifyError | None, list[str], list[str]]:
    """Send with gossamer; its error, and the reference's first session and ours."""
    server = email.servers[name]
    theirs = server.wait_closed(1)[0]
    with our_ports(monkeypatch) as ports:
        error = await email.reference.send(name, templates)
    (port,) = ports
    server.wait_closed(2)
    ours = next(c for c in server.connections if c.peer is not None and c.peer[1] == port)
    return error, session(theirs), session(ours)


def _require(email: EmailReference, name: str) -> None:
    if name not in email.servers:
        pytest.skip(f"no server for {name} (port 465 needs privileges)")


@pytest.mark.parametrize("name", SUCCESSES)
@async_test
async def test_smtp_session_matches_alertmanager(
    email: EmailReference, templates: object, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same commands, same headers and body bytes, but for the masked values."""
    _require(email, name)
    error, theirs, ours = await send_and_compare(email, name, templates, monkeypatch)
    assert error is None
    assert ours == theirs
    assert theirs[-1] == "QUIT" and "DATA" in theirs


@pytest.mark.parametrize("name", sorted(FAILURES))
@async_test
async def test_smtp_failures_read_like_alertmanager(
    email: EmailReference, templates: object, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Error text and retry class as the reference logs them, and the same session."""
    _require(email, name)
    theirs = email.reference.error_for(name)
    if name in NO_SESSION:  # the TLS handshake fails: there is no SMTP session to compare
        error = await email.reference.send(name, templates)
        assert error is not None
        assert (str(error), error.retryable) == (theirs, FAILURES[name])
        return
    error, their_session, our_session = await send_and_compare(email, name, templates, monkeypatch)
    assert error is not None
    assert (str(error), error.retryable) == (theirs, FAILURES[name])
    assert our_session == their_session


def test_the_reference_delivers_an_empty_message_when_a_header_template_fails(
    email: EmailReference,
) -> None:
    """Sanity check of the quirk gossamer keeps: DATA is ended with nothing written
    (``\r\n.\r\n``), so the server accepts a message of one empty line."""
    delivery = email.servers["headerfail"].wait_deliveries(1)[0]
    assert delivery.content == b"\r\n"


@async_test
async def test_header_names_are_normalised_as_0_25_does(
    email: EmailReference, templates: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Header names are canonicalised as 0.25 does (``X-FOO-bar`` is ``X-Foo-Bar``), and a
    configured ``message-ID`` replaces the generated one."""
    error, theirs, ours = await send_and_compare(email, "headercase", templates, monkeypatch)
    assert error is None
    assert ours == theirs

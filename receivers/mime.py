"""The message the ``email`` integration writes after ``DATA``, byte for byte.

``build_message`` lays it out as Alertmanager 0.25's ``notify/email`` does:
every header template rendered and Q-encoded (sorted by name: Go's map order
is random), ``Message-Id`` unless set, ``Date``, then ``multipart/alternative``
with a quoted-printable text part and HTML part for each template that is
set. ``q_encode`` is a port of Go's ``mime.QEncoding`` (Go 1.19, the toolchain
of the 0.25.0 release); bodies go through ``smtp_encoding.quoted_printable``.

Pure functions; they run on the caller's thread (the notifier's event loop).
"""

from __future__ import annotations

from datetime import datetime

from gossamer.config.model import EmailConfig
from gossamer.gostrconv import go_quote
from receivers import smtp_encoding
from receivers.fields import Renderer

__all__ = ["build_message", "q_encode", "rfc1123z"]

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_PART_HEADERS = (
    "Content-Transfer-Encoding: quoted-printable\r\nContent-Type: text/{}; charset=UTF-8"
)
_UPPER_HEX = b"0123456789ABCDEF"
_Q_MAX_CONTENT = 75 - len("=?UTF-8?q?") - len("?=")


def _rune_len(raw: bytes, i: int) -> int:
    """``utf8.DecodeRuneInString`` width at ``i`` (1 for an invalid byte)."""
    for width in (1, 2, 3, 4):
        try:
            if len(raw[i : i + width].decode("utf-8")) == 1:
                return width
        except UnicodeDecodeError:
            continue
    return 1


def q_encode(text: str, charset: str = "utf-8") -> str:
    """``mime.QEncoding.Encode(charset, text)``: the text itself when it is
    printable ASCII, else RFC 2047 encoded-words of at most 75 characters."""
    if not any((c < " " or c > "~") and c != "\t" for c in text):
        return text
    raw = text.encode("utf-8", "surrogatepass")
    out = bytearray(b"=?" + charset.encode() + b"?q?")
    current = 0
    i = 0
    while i < len(raw):
        b = raw[i]
        if 0x20 <= b <= 0x7E and b not in b"=?_":
            width, encoded = 1, 1
        else:
            width = _rune_len(raw, i)
            encoded = 3 * width
        if current + encoded > _Q_MAX_CONTENT:
            out += b"?= =?" + charset.encode() + b"?q?"
            current = 0
        for c in raw[i : i + width]:
            if c == 0x20:
                out.append(0x5F)
            elif 0x21 <= c <= 0x7E and c not in b"=?_":
                out.append(c)
            else:
                out += bytes((0x3D, _UPPER_HEX[c >> 4], _UPPER_HEX[c & 15]))
        current += encoded
        i += width
    out += b"?="
    return out.decode("utf-8", "surrogateescape")


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

"""Byte encodings on the email path, fast: quoted-printable bodies and DATA dot-stuffing.

Both produce exactly the bytes of Go's state machines (``mime/quotedprintable.Writer`` in
text mode, ``net/textproto.DotWriter``), whose byte-at-a-time ports are kept below as the
reference and for the inputs the fast paths do not cover (CRs in a body, CR CR in a
message). Those cost about 1 ms per default HTML email; the fast paths work a line or a
whole message at a time with C-level bytes operations. Pure functions; any thread.
"""

from __future__ import annotations

import re

QP_LINE_MAX = 76  # Go's lineMaxLen: 75 bytes + the "=" of a soft break
_ROOM = QP_LINE_MAX - 1
# Bytes Go writes as they are in text mode: printable ASCII but "=" (which is replaced
# first, in C), blanks and line breaks. Others are escaped, as is a blank that ends a line.
_PLAIN = bytes(range(0x21, 0x7F)) + b" \t\n"
_NEEDS_ESCAPE = re.compile(rb"[^\x21-\x7e \t\n]")
_TRAILING_BLANK = re.compile(rb"[ \t]$", re.MULTILINE)
_ESCAPED = {b: b"=%02X" % b for b in range(256)}
_BARE_LF = re.compile(rb"(?<!\r)\n")


def quoted_printable(text: str) -> bytes:
    """``text`` (UTF-8) through Go's quoted-printable writer in text mode, closed.

    Escaping the trailing blank of each line up front gives Go's bytes: Go appends it,
    then pops and escapes it at the line's end with the same room check an escape gets.
    """
    data = text.encode("utf-8", "surrogatepass")
    if b"\r" in data:
        return exact_quoted_printable(text)  # CR rules: the state machine
    encoded = data.replace(b"=", b"=3D")
    if encoded.translate(None, _PLAIN):  # something left besides plain bytes
        encoded = _NEEDS_ESCAPE.sub(_escape, encoded)
    if b" \n" in encoded or b"\t\n" in encoded or encoded.endswith((b" ", b"\t")):
        encoded = _TRAILING_BLANK.sub(_escape, encoded)
    return b"\r\n".join(
        line if len(line) <= _ROOM else _soft_breaks(line) for line in encoded.split(b"\n")
    )


def _soft_breaks(encoded: bytes) -> bytes:
    """An encoded line cut at 76 with "=" soft breaks. Every "=" in it starts an escape,
    so a cut that would split one moves before it."""
    out = []
    while len(encoded) > _ROOM:
        cut = 73 if encoded[73] == 0x3D else 74 if encoded[74] == 0x3D else _ROOM
        out.append(encoded[:cut])
        encoded = encoded[cut:]
    out.append(encoded)
    return b"=\r\n".join(out)


def _escape(match: re.Match[bytes]) -> bytes:
    return _ESCAPED[match[0][0]]


def dot_encode(message: bytes) -> bytes:
    """``textproto.DotWriter`` then ``Close``: dot-stuff, bare LF to CRLF, end with ``.``."""
    if not message:
        return b"\r\n.\r\n"
    if b"\r\r" in message:
        return exact_dot_encode(message)  # CR CR rules: the state machine
    out = _BARE_LF.sub(b"\r\n", message).replace(b"\n.", b"\n..")
    if out[:1] == b".":
        out = b"." + out
    if out.endswith(b"\n"):
        return out + b".\r\n"
    if out.endswith(b"\r"):
        return out + b"\n.\r\n"
    return out + b"\r\n.\r\n"


# -- the byte-at-a-time state machines (Go 1.19's, ported) ------------------------------


class QuotedPrintableWriter:
    """``mime/quotedprintable.Writer`` (text mode): lines of at most 76 bytes,
    ``=`` soft breaks, CRLF line ends, trailing blanks encoded. ``output``
    holds what was flushed; call ``close`` once at the end."""

    def __init__(self) -> None:
        self.output = bytearray()
        self._line = bytearray()
        self._cr = False

    def write(self, data: bytes) -> None:
        start = 0
        for i, b in enumerate(data):
            if (0x21 <= b <= 0x7E and b != 0x3D) or b in b" \t\r\n":
                continue
            if i > start:
                self._write(data[start:i])
            self._encode(b)
            start = i + 1
        if start < len(data):
            self._write(data[start:])

    def close(self) -> None:
        self._check_last_byte()
        self._flush()

    def _write(self, data: bytes) -> None:
        for b in data:
            if b in b"\r\n":
                if self._cr and b == 0x0A:  # the CRLF was already inserted for the CR
                    self._cr = False
                    continue
                if b == 0x0D:
                    self._cr = True
                self._check_last_byte()
                self._insert_crlf()
                continue
            if len(self._line) == _ROOM:
                self._soft_break()
            self._line.append(b)
            self._cr = False

    def _encode(self, b: int) -> None:
        if _ROOM - len(self._line) < 3:
            self._soft_break()
        self._line += _ESCAPED[b]

    def _check_last_byte(self) -> None:
        if self._line and self._line[-1] in b" \t":
            self._encode(self._line.pop())

    def _soft_break(self) -> None:
        self._line.append(0x3D)
        self._insert_crlf()

    def _insert_crlf(self) -> None:
        self._line += b"\r\n"
        self._flush()

    def _flush(self) -> None:
        self.output += self._line
        self._line.clear()


def exact_quoted_printable(text: str) -> bytes:
    """``text`` through a fresh ``QuotedPrintableWriter``, closed."""
    writer = QuotedPrintableWriter()
    writer.write(text.encode("utf-8", "surrogatepass"))
    writer.close()
    return bytes(writer.output)


def exact_dot_encode(message: bytes) -> bytes:
    """``textproto.DotWriter`` and its ``Close``, byte at a time: the reference for
    ``dot_encode`` and its path for messages holding CR CR."""
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

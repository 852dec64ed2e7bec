"""Byte encodings on the email path, fast: quoted-printable bodies and DATA dot-stuffing.

Both produce exactly the bytes of Go's state machines (``mime/quotedprintable.Writer`` in
text mode, ``net/textproto.DotWriter``), which the email notifier keeps as the exact
fallbacks for inputs the fast paths do not cover (bare CRs). The byte-at-a-time versions
cost about 1 ms per default HTML email; these work a line or a whole message at a time
with C-level bytes operations. Pure functions; any thread.
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
        from receivers.mime import quoted_printable as exact  # CR rules: the state machine

        return exact(text)
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
        from receivers.smtp import dot_encode as exact  # CR CR rules: the state machine

        return exact(message)
    out = _BARE_LF.sub(b"\r\n", message).replace(b"\n.", b"\n..")
    if out[:1] == b".":
        out = b"." + out
    if out.endswith(b"\n"):
        return out + b".\r\n"
    if out.endswith(b"\r"):
        return out + b"\n.\r\n"
    return out + b"\r\n.\r\n"

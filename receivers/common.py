"""What the chat and mail integrations share: byte truncation and the skeleton
of a notifier that POSTs one JSON document. (Template rendering, rune
truncation and the group-key hash are in ``receivers.fields``.)

Everything here runs on the node's asyncio loop (or, for the pure functions,
on whatever thread calls them). Alertmanager 0.25's counterparts live in
``notify/util.go``: ``TruncateInBytes`` and ``PostJSON``.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gossamer.alert import Alert
from gossamer.config.model import HTTPClientConfig
from gossamer.errors import NotifyError
from receivers.base import NotificationContext
from receivers.fields import Renderer, Templates, go_quote, redact_url_error, wire_url
from receivers.http import DEFAULT_POOL, HTTPClientPool, HTTPResponse
from receivers.payload import build_data

__all__ = [
    "TRUNCATION_MARKER",
    "JSONNotifier",
    "truncate_in_bytes",
]

#: What Alertmanager appends to a truncated text (U+2026, three bytes in UTF-8).
TRUNCATION_MARKER = "…"


def truncate_in_bytes(text: str, limit: int) -> tuple[str, bool]:
    """``notify.TruncateInBytes``: at most ``limit`` UTF-8 bytes, marker included,
    never splitting a code point."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size <= limit:
        return text, False
    if limit <= 3:
        return (TRUNCATION_MARKER if limit == 3 else "." * limit), True
    target = limit - 3
    # Go slices the rune array to ``target`` runes, then drops runes until the
    # bytes fit. (With fewer runes than ``target`` Go would panic; keep them all.)
    kept = text[:target]
    while len(kept.encode("utf-8", "surrogatepass")) > target:
        kept = kept[:-1]
    return kept + TRUNCATION_MARKER, True


class JSONNotifier:
    """Skeleton of an integration that POSTs one JSON document per notification
    (Slack, Discord, Webex, Telegram). Subclasses set ``integration`` and
    implement ``notify``; ``notify`` and ``close`` run on the node's asyncio loop.
    ``config`` is the integration's config struct (it has ``send_resolved`` and
    ``http_config``).

    The HTTP client comes from ``pool`` (shared by every integration with an
    equal ``http_config``); the notifier holds one reference and ``close``
    releases it.
    """

    integration = ""

    def __init__(
        self,
        config: Any,
        index: int,
        *,
        base_dir: str | os.PathLike[str] = ".",
        pool: HTTPClientPool | None = None,
        templates: Templates | None = None,
    ) -> None:
        self.config = config
        self.index = index
        self.send_resolved: bool = config.send_resolved
        self.templates = templates
        self.base_dir = Path(base_dir)
        http_config: HTTPClientConfig = config.http_config
        self._client = (pool if pool is not None else DEFAULT_POOL).acquire(http_config, base_dir)
        self._stats = {"notifications": 0, "failures": 0, "last_status": 0}

    def __repr__(self) -> str:
        s = self._stats
        return (
            f"<{type(self).__name__} {self.integration}[{self.index}]"
            f" sent={s['notifications']} failed={s['failures']} last_status={s['last_status']}>"
        )

    def statistics(self) -> dict[str, int]:
        """Notifications attempted, failures, and the last HTTP status seen."""
        return dict(self._stats)

    def renderer(self, ctx: NotificationContext, alerts: Sequence[Alert]) -> Renderer:
        """Template data for ``alerts`` and a renderer over it."""
        return Renderer(
            self.templates,
            build_data(ctx, alerts),
            receiver=ctx.receiver_name,
            integration=self.integration,
        )

    async def post_json(self, url: str, body: bytes) -> HTTPResponse:
        """``notify.PostJSON``; transport errors are retryable, their URL redacted
        (``notify.RedactURL``: every URL here holds a secret)."""
        try:
            # wire_url: the URL's escapes go out as written, as Go's client sends them.
            response = await self._client.post(wire_url(url), body, content_type="application/json")
        except NotifyError as exc:
            raise redact_url_error(exc, "POST", url) from exc
        self._stats["last_status"] = response.status
        return response

    def count(self, failed: bool) -> None:
        """Record one notification attempt."""
        self._stats["notifications"] += 1
        if failed:
            self._stats["failures"] += 1

    async def close(self) -> None:
        """Release the HTTP client (its connections close with the last user)."""
        await self._client.close()


# ---------------------------------------------------------------------------
# Go standard library text encodings that e-mail needs, byte for byte:
# mime.QEncoding, mime/quotedprintable.Writer and net/mail.ParseAddressList
# (Go 1.19, the toolchain of Alertmanager 0.25.0's release).

_UPPER_HEX = b"0123456789ABCDEF"
_Q_MAX_CONTENT = 75 - len("=?UTF-8?q?") - len("?=")
_QP_LINE_MAX = 76


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
            if len(self._line) == _QP_LINE_MAX - 1:
                self._soft_break()
            self._line.append(b)
            self._cr = False

    def _encode(self, b: int) -> None:
        if _QP_LINE_MAX - 1 - len(self._line) < 3:
            self._soft_break()
        self._line += bytes((0x3D, _UPPER_HEX[b >> 4], _UPPER_HEX[b & 15]))

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


def quoted_printable(text: str) -> bytes:
    """``text`` through a fresh ``QuotedPrintableWriter``, closed."""
    writer = QuotedPrintableWriter()
    writer.write(text.encode("utf-8", "surrogatepass"))
    writer.close()
    return bytes(writer.output)


class AddressError(ValueError):
    """A ``net/mail`` parse error; the text is Go's (``mail: expected comma``)."""


_RFC2047_CHARSETS = ("utf-8", "iso-8859-1", "us-ascii")
#: The encoded text ``mime.WordDecoder`` accepts for Q encoding.
_Q_CONTENT = re.compile(r"(?:[ -<>-~\t\r\n]|=[0-9A-Fa-f]{2})*")


def parse_address_list(text: str) -> list[str]:
    """``mail.ParseAddressList(text)``: the addr-specs (``user@domain``) of a
    list of RFC 5322 addresses, groups flattened. Raises ``AddressError``."""
    return _AddressParser(text).address_list()


class _AddressParser:
    """A port of Go 1.19's ``net/mail.addrParser`` (display names are parsed
    for their errors only: the notifier needs the addresses)."""

    def __init__(self, text: str) -> None:
        self.s = text

    def address_list(self) -> list[str]:
        out: list[str] = []
        while True:
            self.skip_space()
            if self.consume(","):  # obs-addr-list: empty entries
                continue
            out += self.address(handle_group=True)
            if not self.skip_cfws():
                raise AddressError("mail: misformatted parenthetical comment")
            if not self.s:
                return out
            if self.s[0] != ",":
                raise AddressError("mail: expected comma")
            while self.consume(","):
                self.skip_space()
            if not self.s:
                return out

    def address(self, *, handle_group: bool) -> list[str]:
        self.skip_space()
        if not self.s:
            raise AddressError("mail: no address")
        saved = self.s
        try:
            spec = self.addr_spec()
        except AddressError:
            self.s = saved
        else:
            self.skip_space()
            if self.s and self.s[0] == "(":
                self.display_name_comment()
            return [spec]
        display = ""
        if self.s[:1] != "<":
            display = self.phrase()
        self.skip_space()
        if handle_group and self.consume(":"):
            return self.group_list()
        if not self.consume("<"):
            if all(_is_atext(c, dot=True, permissive=False) for c in display):
                raise AddressError("mail: missing '@' or angle-addr")
            raise AddressError("mail: no angle-addr")
        spec = self.addr_spec()
        if not self.consume(">"):
            raise AddressError("mail: unclosed angle-addr")
        return [spec]

    def group_list(self) -> list[str]:
        out: list[str] = []
        self.skip_space()
        if self.consume(";"):
            self.skip_cfws()
            return out
        while True:
            self.skip_space()
            out += self.address(handle_group=False)
            if not self.skip_cfws():
                raise AddressError("mail: misformatted parenthetical comment")
            if self.consume(";"):
                self.skip_cfws()
                return out
            if not self.consume(","):
                raise AddressError("mail: expected comma")

    def addr_spec(self) -> str:
        """``consumeAddrSpec``; the caller restores the input on failure."""
        self.skip_space()
        if not self.s:
            raise AddressError("mail: no addr-spec")
        if self.s[0] == '"':
            local = self.quoted_string()
            if local == "":
                raise AddressError("mail: empty quoted-string in addr-spec")
        else:
            local = self.atom(dot=True, permissive=False)
        if not self.consume("@"):
            raise AddressError("mail: missing @ in addr-spec")
        self.skip_space()
        if not self.s:
            raise AddressError("mail: no domain in addr-spec")
        return f"{local}@{self.atom(dot=True, permissive=False)}"

    def phrase(self) -> str:
        words: list[str] = []
        error: AddressError | None = None
        while True:
            if words and not self.skip_cfws():
                raise AddressError("mail: misformatted parenthetical comment")
            self.skip_space()
            if not self.s:
                break
            try:
                if self.s[0] == '"':
                    word = self.quoted_string()
                else:
                    word = self.atom(dot=True, permissive=True)
                    _decode_rfc2047_word(word)
            except AddressError as exc:
                error = exc
                break
            words.append(word)
        if error is not None and not words:
            raise AddressError(f"mail: missing word in phrase: {error}")
        return " ".join(words)

    def quoted_string(self) -> str:
        i, out, escaped = 1, [], False
        while True:
            if i >= len(self.s):
                raise AddressError("mail: unclosed quoted-string")
            r = self.s[i]
            if escaped:
                if not (_is_vchar(r) or r in " \t"):
                    raise AddressError(f"mail: bad character in quoted-string: {_go_rune(r)}")
                out.append(r)
                escaped = False
            elif (_is_vchar(r) and r not in '\\"') or r in " \t":
                out.append(r)
            elif r == '"':
                break
            elif r == "\\":
                escaped = True
            else:
                raise AddressError(f"mail: bad character in quoted-string: {_go_rune(r)}")
            i += 1
        self.s = self.s[i + 1 :]
        return "".join(out)

    def atom(self, *, dot: bool, permissive: bool) -> str:
        i = 0
        while i < len(self.s) and _is_atext(self.s[i], dot=dot, permissive=permissive):
            i += 1
        if i == 0:
            raise AddressError("mail: invalid string")
        atom, self.s = self.s[:i], self.s[i:]
        if not permissive:
            if atom.startswith("."):
                raise AddressError("mail: leading dot in atom")
            if ".." in atom:
                raise AddressError("mail: double dot in atom")
            if atom.endswith("."):
                raise AddressError("mail: trailing dot in atom")
        return atom

    def consume(self, c: str) -> bool:
        if self.s[:1] != c:
            return False
        self.s = self.s[1:]
        return True

    def skip_space(self) -> None:
        self.s = self.s.lstrip(" \t")

    def skip_cfws(self) -> bool:
        self.skip_space()
        while self.consume("("):
            if self.skip_comment() is None:
                return False
            self.skip_space()
        return True

    def skip_comment(self) -> str | None:
        """The comment after an already consumed ``(``, or None when unclosed."""
        depth, comment = 1, []
        while self.s and depth:
            if self.s[0] == "\\" and len(self.s) > 1:
                self.s = self.s[1:]
            elif self.s[0] == "(":
                depth += 1
            elif self.s[0] == ")":
                depth -= 1
            if depth:
                comment.append(self.s[0])
            self.s = self.s[1:]
        return "".join(comment) if depth == 0 else None

    def display_name_comment(self) -> None:
        self.consume("(")
        comment = self.skip_comment()
        if comment is None:
            raise AddressError("mail: misformatted parenthetical comment")
        for word in comment.replace("\t", " ").split():
            _decode_rfc2047_word(word)


def _is_vchar(c: str) -> bool:
    return "!" <= c <= "~" or ord(c) >= 0x80


def _is_atext(c: str, *, dot: bool, permissive: bool) -> bool:
    if c == ".":
        return dot
    if c in "()[];@\\,":
        return permissive
    if c in '<>":':
        return False
    return _is_vchar(c)


def _go_rune(c: str) -> str:
    """``%q`` of a rune (``strconv.QuoteRune``)."""
    inner = "\\'" if c == "'" else go_quote(c)[1:-1].replace('\\"', '"')
    return f"'{inner}'"


def _decode_rfc2047_word(word: str) -> None:
    """The error ``decodeRFC2047Word`` would report: only a well-formed
    encoded-word in a charset Go cannot decode fails; malformed ones are text."""
    if (
        len(word) < 8
        or not word.startswith("=?")
        or not word.endswith("?=")
        or word.count("?") != 4
    ):
        return
    charset, encoding, content = word[2:-2].split("?")
    if not charset or len(encoding) != 1 or encoding not in "bBqQ":
        return
    if encoding in "bB":
        try:
            base64.b64decode(content, validate=True)
        except ValueError:
            return
    elif not _Q_CONTENT.fullmatch(content):
        return
    if charset.lower() not in _RFC2047_CHARSETS:
        raise AddressError(f"charset not supported: {go_quote(charset)}")

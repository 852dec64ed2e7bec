"""RFC 5322 address lists as Go's ``net/mail.ParseAddressList`` reads them.

A port of Go 1.19's ``addrParser`` (the toolchain of Alertmanager 0.25.0's
release): the ``email`` integration parses its rendered ``from`` and ``to``
with it, and its errors are Go's texts (``mail: expected comma``). Display
names are parsed for their errors only: the notifier needs the addresses.

Pure functions; they run on the caller's thread.
"""

from __future__ import annotations

import base64
import re

from gossamer.gostrconv import go_quote

__all__ = ["AddressError", "parse_address_list"]


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
